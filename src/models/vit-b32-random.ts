/**
 * CLIP ViT-B/32-shaped towers with seeded random weights: the vision tower (patch 32, width 768, 12 layers,
 * 12 heads, MLP 3072, quick-GELU, projection 512) and the text tower (width 512, 12 layers, 8 heads, MLP 2048,
 * causal mask, 77 positions, EOS pooling, projection 512). They measure real inference cost without the real
 * weights; their embeddings mean nothing.
 *
 * `int8` writes the linear layers the way the Transformers.js/Optimum `*_quantized.onnx` exports do
 * (onnxruntime dynamic quantisation): DynamicQuantizeLinear on the activation, MatMulInteger against int8
 * weights, the int32 product scaled back by activation scale × weight scale. The token embedding table is int8
 * with DequantizeLinear after the Gather. Attention products and the patch convolution stay fp32, as there.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OnnxGraph } from './onnx-graph.js';
import { seededRandom } from './seeded-random.js';

export type TowerWeights = 'fp32' | 'int8';
export const VIT_B32_PROJECTION = 512;

const FLOAT = 1; // ONNX TensorProto.FLOAT, for Cast
const INT32 = 6;

interface Tower {
  width: number;
  layers: number;
  heads: number;
  mlp: number;
}
const VISION: Tower = { width: 768, layers: 12, heads: 12, mlp: 3072 };
const TEXT: Tower = { width: 512, layers: 12, heads: 8, mlp: 2048 };
const PATCH = 32;
const VISION_TOKENS = (224 / PATCH) ** 2 + 1;
const TEXT_POSITIONS = 77;

/** Layer builders shared by both towers; `weights` decides how every linear layer is written. */
function layers(g: OnnxGraph, weights: TowerWeights, seed: number) {
  let next = seed;
  const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const normal = (dims: number[], std: number) => {
    const { normal } = seededRandom(next++);
    return g.floats(
      dims,
      Float32Array.from({ length: count(dims) }, () => normal() * std),
    );
  };
  /** int8 values uniform in [-127, 127] with a per-tensor scale giving the same spread as N(0, std). */
  const quantised = (dims: number[], std: number) => {
    const { uniform } = seededRandom(next++);
    const q = Int8Array.from({ length: count(dims) }, () => Math.round(uniform() * 254) - 127);
    return {
      q: g.int8s(dims, q),
      scale: g.floats([], [std / (127 / Math.sqrt(3))]),
      zero: g.int8s([], new Int8Array(1)),
    };
  };
  const ones = (n: number) => g.floats([n], new Float32Array(n).fill(1));
  const zeros = (n: number) => g.floats([n], new Float32Array(n));
  const layerNorm = (x: string, width: number) =>
    g.op('LayerNormalization', [x, ones(width), zeros(width)], { axis: -1, epsilon: { float: 1e-5 } });

  function matmul(x: string, inDim: number, outDim: number): string {
    if (weights === 'fp32') return g.op('MatMul', [x, normal([inDim, outDim], 0.02)]);
    const w = quantised([inDim, outDim], 0.02);
    const [xq, xScale, xZero] = g.opN('DynamicQuantizeLinear', [x], 3);
    const product = g.op('Cast', [g.op('MatMulInteger', [xq, w.q, xZero, w.zero])], { to: FLOAT });
    return g.op('Mul', [product, g.op('Mul', [xScale, w.scale])]);
  }
  const linear = (x: string, inDim: number, outDim: number) => g.op('Add', [matmul(x, inDim, outDim), zeros(outDim)]);

  /** Pre-norm transformer encoder layers; `mask` (added to attention scores) makes the text tower causal. */
  function encoder(x: string, t: Tower, tokens: string, mask?: string): string {
    const headDim = t.width / t.heads;
    const split = (y: string, perm: number[]) =>
      g.op(
        'Transpose',
        [g.op('Reshape', [y, g.op('Concat', [g.ints([0]), tokens, g.ints([t.heads, headDim])], { axis: 0 })])],
        { perm },
      );
    for (let layer = 0; layer < t.layers; layer++) {
      const h = layerNorm(x, t.width);
      const q = split(linear(h, t.width, t.width), [0, 2, 1, 3]); // [N,heads,T,64]
      const kT = split(linear(h, t.width, t.width), [0, 2, 3, 1]); // [N,heads,64,T]
      const v = split(linear(h, t.width, t.width), [0, 2, 1, 3]);
      let scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.floats([1], [1 / Math.sqrt(headDim)])]);
      if (mask) scores = g.op('Add', [scores, mask]);
      const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
      const merged = g.op('Reshape', [
        g.op('Transpose', [attended], { perm: [0, 2, 1, 3] }),
        g.op('Concat', [g.ints([0]), tokens, g.ints([t.width])], { axis: 0 }),
      ]);
      x = g.op('Add', [x, linear(merged, t.width, t.width)]);
      const m = linear(layerNorm(x, t.width), t.width, t.mlp);
      const gelu = g.op('Mul', [m, g.op('Sigmoid', [g.op('Mul', [m, g.floats([1], [1.702])])])]); // quick_gelu
      x = g.op('Add', [x, linear(gelu, t.mlp, t.width)]);
    }
    return x;
  }
  return { normal, quantised, layerNorm, matmul, encoder };
}

export function buildVitB32Vision(weights: TowerWeights = 'fp32', seed = 7): Uint8Array {
  const g = new OnnxGraph(`vit_b32_vision_${weights}`);
  const { normal, layerNorm, matmul, encoder } = layers(g, weights, seed);
  const { width } = VISION;
  const pixels = g.input('pixel_values', 'float', ['batch_size', 3, 224, 224]);
  const patches = g.op('Conv', [pixels, normal([width, 3, PATCH, PATCH], 0.02)], {
    kernel_shape: [PATCH, PATCH],
    strides: [PATCH, PATCH],
  });
  const tokens = g.op('Transpose', [g.op('Reshape', [patches, g.ints([0, width, VISION_TOKENS - 1])])], {
    perm: [0, 2, 1],
  }); // [N,49,768]
  // The class token, broadcast over the batch (0 × a per-sample scalar + the parameter).
  const perSample = g.op('ReduceSum', [tokens, g.ints([1, 2])], { keepdims: 1 }); // [N,1,1]
  const cls = g.op('Add', [g.op('Mul', [perSample, g.floats([1], [0])]), normal([1, 1, width], 0.02)]);
  let x = g.op('Add', [g.op('Concat', [cls, tokens], { axis: 1 }), normal([1, VISION_TOKENS, width], 0.02)]);
  x = encoder(layerNorm(x, width), VISION, g.ints([VISION_TOKENS]));
  const pooled = layerNorm(g.op('Gather', [x, g.ints([0])], { axis: 1 }), width); // [N,1,768]
  const projected = matmul(g.op('Reshape', [pooled, g.ints([0, width])]), width, VIT_B32_PROJECTION);
  g.output('image_embeds', 'float', ['batch_size', VIT_B32_PROJECTION], projected);
  return g.toBytes();
}

export function buildVitB32Text(vocabSize: number, weights: TowerWeights = 'fp32', seed = 11): Uint8Array {
  const g = new OnnxGraph(`vit_b32_text_${weights}`);
  const { normal, quantised, layerNorm, matmul, encoder } = layers(g, weights, seed);
  const { width } = TEXT;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const length = g.op('Slice', [g.op('Shape', [ids]), g.ints([1]), g.ints([2])]); // [T]
  let embedded: string;
  if (weights === 'fp32') embedded = g.op('Gather', [normal([vocabSize, width], 0.02), ids], { axis: 0 });
  else {
    const table = quantised([vocabSize, width], 0.02);
    embedded = g.op('DequantizeLinear', [g.op('Gather', [table.q, ids], { axis: 0 }), table.scale, table.zero]);
  }
  const positions = g.op('Slice', [normal([TEXT_POSITIONS, width], 0.01), g.ints([0]), length, g.ints([0])]);
  let x = g.op('Add', [embedded, positions]);
  // Causal mask: position i attends to positions ≤ i.
  const causal = new Float32Array(TEXT_POSITIONS * TEXT_POSITIONS);
  for (let i = 0; i < TEXT_POSITIONS; i++)
    for (let j = i + 1; j < TEXT_POSITIONS; j++) causal[i * TEXT_POSITIONS + j] = -1e9;
  const mask = g.op('Slice', [
    g.floats([TEXT_POSITIONS, TEXT_POSITIONS], causal),
    g.ints([0, 0]),
    g.op('Concat', [length, length], { axis: 0 }),
    g.ints([0, 1]),
  ]);
  x = layerNorm(encoder(x, TEXT, length, mask), width);
  // Pool at the end-of-text token: CLIP's EOS has the highest id in its vocabulary.
  const eos = g.op('ArgMax', [g.op('Cast', [ids], { to: INT32 })], { axis: -1, keepdims: 1 }); // [N,1]
  const pooled = g.op('GatherND', [x, eos], { batch_dims: 1 }); // [N,512]
  g.output('text_embeds', 'float', ['batch_size', VIT_B32_PROJECTION], matmul(pooled, width, VIT_B32_PROJECTION));
  return g.toBytes();
}

/** The files a Transformers.js CLIP folder needs besides the towers, copied from a real CLIP folder. */
const CLIP_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];

/**
 * Writes `<root>/<modelId>/` in Transformers.js layout: the real CLIP configs and tokenizer from `clipDir`, and
 * both generated towers under the names Transformers.js loads for the dtype (`*_quantized.onnx` for q8).
 */
export async function writeVitB32Model(
  root: string,
  modelId: string,
  clipDir: string,
  weights: TowerWeights,
): Promise<string> {
  const out = path.join(root, modelId);
  await mkdir(path.join(out, 'onnx'), { recursive: true });
  for (const f of CLIP_FILES) await copyFile(path.join(clipDir, f), path.join(out, f));
  const vocabSize =
    JSON.parse(await readFile(path.join(clipDir, 'config.json'), 'utf8')).text_config?.vocab_size ?? 49408;
  const suffix = weights === 'int8' ? '_quantized' : '';
  await writeFile(path.join(out, `onnx/vision_model${suffix}.onnx`), buildVitB32Vision(weights));
  await writeFile(path.join(out, `onnx/text_model${suffix}.onnx`), buildVitB32Text(vocabSize, weights));
  return out;
}
