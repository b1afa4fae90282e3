/**
 * A vision tower with the exact shape and operators of CLIP ViT-B/32 (patch 32, width 768, 12 layers,
 * 12 heads, MLP 3072, quick-GELU, projection 512), with seeded random weights. It measures realistic
 * inference cost and batching without the real weights; its embeddings mean nothing.
 */
import { OnnxGraph } from './onnx-graph.js';
import { seededRandom } from './seeded-random.js';

const WIDTH = 768;
const LAYERS = 12;
const HEADS = 12;
const MLP = 3072;
const PATCH = 32;
const TOKENS = (224 / PATCH) ** 2 + 1;
export const VIT_B32_PROJECTION = 512;

function randomNormal(count: number, std: number, seed: number): Float32Array {
  const { normal } = seededRandom(seed);
  return Float32Array.from({ length: count }, () => normal() * std);
}

export function buildVitB32Random(seed = 7): Uint8Array {
  let next = seed;
  const g = new OnnxGraph('vit_b32_random');
  const w = (dims: number[], std = 0.02) => g.floats(dims, randomNormal(dims.reduce((a, b) => a * b, 1), std, next++));
  const ones = (n: number) => g.floats([n], new Float32Array(n).fill(1));
  const zeros = (n: number) => g.floats([n], new Float32Array(n));
  const layerNorm = (x: string) => g.op('LayerNormalization', [x, ones(WIDTH), zeros(WIDTH)], { axis: -1, epsilon: { float: 1e-5 } });
  const linear = (x: string, inDim: number, outDim: number) => g.op('Add', [g.op('MatMul', [x, w([inDim, outDim])]), zeros(outDim)]);

  const pixels = g.input('pixel_values', 'float', ['batch_size', 3, 224, 224]);
  const patches = g.op('Conv', [pixels, w([WIDTH, 3, PATCH, PATCH])], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] });
  const tokens = g.op('Transpose', [g.op('Reshape', [patches, g.ints([0, WIDTH, TOKENS - 1])])], { perm: [0, 2, 1] }); // [N,49,768]
  // The class token, broadcast over the batch (0 × a per-sample scalar + the parameter).
  const perSample = g.op('ReduceSum', [tokens, g.ints([1, 2])], { keepdims: 1 }); // [N,1,1]
  const cls = g.op('Add', [g.op('Mul', [perSample, g.floats([1], [0])]), w([1, 1, WIDTH])]);
  let x = g.op('Add', [g.op('Concat', [cls, tokens], { axis: 1 }), w([1, TOKENS, WIDTH])]);
  x = layerNorm(x);

  const headDim = WIDTH / HEADS;
  const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, g.ints([0, TOKENS, HEADS, headDim])])], { perm });
  for (let layer = 0; layer < LAYERS; layer++) {
    const h = layerNorm(x);
    const q = split(linear(h, WIDTH, WIDTH), [0, 2, 1, 3]); // [N,12,50,64]
    const kT = split(linear(h, WIDTH, WIDTH), [0, 2, 3, 1]); // [N,12,64,50]
    const v = split(linear(h, WIDTH, WIDTH), [0, 2, 1, 3]);
    const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.floats([1], [1 / Math.sqrt(headDim)])]);
    const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [attended], { perm: [0, 2, 1, 3] }), g.ints([0, TOKENS, WIDTH])]);
    x = g.op('Add', [x, linear(merged, WIDTH, WIDTH)]);
    const m = linear(layerNorm(x), WIDTH, MLP);
    const gelu = g.op('Mul', [m, g.op('Sigmoid', [g.op('Mul', [m, g.floats([1], [1.702])])])]); // quick_gelu
    x = g.op('Add', [x, linear(gelu, MLP, WIDTH)]);
  }
  const pooled = layerNorm(g.op('Gather', [x, g.ints([0])], { axis: 1 })); // [N,1,768]
  const projected = g.op('MatMul', [g.op('Reshape', [pooled, g.ints([0, WIDTH])]), w([WIDTH, VIT_B32_PROJECTION])]);
  g.output('image_embeds', 'float', ['batch_size', VIT_B32_PROJECTION], projected);
  return g.toBytes();
}
