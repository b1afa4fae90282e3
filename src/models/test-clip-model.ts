/**
 * The test model: a small, deterministic, CLIP-shaped model in Transformers.js layout that carries
 * checkable meaning. Its vision tower measures how much of the picture is each named colour (a soft
 * per-patch colour histogram) plus a little coarse layout; its text tower maps colour words to the same
 * directions. So "red" ranks a mostly-red picture first, and an image query finds its own colour first.
 * It loads through exactly the code path of the real CLIP (CLIP{Text,Vision}ModelWithProjection).
 */
import { mkdir, readFile, writeFile, copyFile, access } from 'node:fs/promises';
import path from 'node:path';
import { OnnxGraph } from './onnx-graph.js';
import { TEST_CLIP_MODEL_ID } from './test-model-ids.js';

export { TEST_CLIP_MODEL_ID };

export const TEST_CLIP_DIM = 512;

/** Named colours in sRGB 0..1, and the words that name them. Order fixes the embedding dimension of each. */
export const TEST_COLOURS: { name: string; rgb: [number, number, number]; words: string[] }[] = [
  { name: 'red', rgb: [0.86, 0.1, 0.1], words: ['red', 'reds', 'crimson', 'scarlet'] },
  { name: 'orange', rgb: [1.0, 0.55, 0.05], words: ['orange'] },
  { name: 'yellow', rgb: [0.97, 0.88, 0.12], words: ['yellow', 'golden'] },
  { name: 'green', rgb: [0.12, 0.62, 0.15], words: ['green'] },
  { name: 'teal', rgb: [0.05, 0.6, 0.62], words: ['teal', 'turquoise'] },
  { name: 'blue', rgb: [0.1, 0.22, 0.85], words: ['blue', 'blues', 'navy'] },
  { name: 'purple', rgb: [0.5, 0.15, 0.65], words: ['purple', 'violet'] },
  { name: 'pink', rgb: [1.0, 0.6, 0.78], words: ['pink'] },
  { name: 'brown', rgb: [0.45, 0.28, 0.1], words: ['brown'] },
  { name: 'black', rgb: [0.03, 0.03, 0.03], words: ['black'] },
  { name: 'gray', rgb: [0.5, 0.5, 0.5], words: ['gray', 'grey'] },
  { name: 'white', rgb: [0.97, 0.97, 0.97], words: ['white'] },
];

const GRID = 8; // 8×8 patches of 28×28 pixels on the 224×224 input
const TEMPERATURE = 0.01; // softness of each patch's colour assignment (squared RGB distance units)
const LAYOUT_WEIGHT = 0.15; // how much coarse layout counts next to colour
const BIAS = 0.05; // a shared constant direction, so queries without colour words are not zero vectors

export interface TestModelOptions {
  /** A folder with the real CLIP tokenizer files (tokenizer.json, tokenizer_config.json, ...). */
  tokenizerDir?: string;
  modelId?: string;
}

/** Folders tried for the CLIP tokenizer when none is given. */
export function tokenizerCandidates(): string[] {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const fromEnv = process.env.LOUPE_MODELS_DIR
    ? [path.join(process.env.LOUPE_MODELS_DIR, 'Xenova/clip-vit-base-patch32')]
    : [];
  return [
    ...fromEnv,
    path.resolve('../shared/models/clip-vit-base-patch32'),
    path.resolve(here, '../../../shared/models/clip-vit-base-patch32'),
  ];
}

async function exists(p: string) {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** Writes `<dir>/<modelId>/` and returns that folder. */
export async function writeTestClipModel(dir: string, options: TestModelOptions = {}): Promise<string> {
  const modelId = options.modelId ?? TEST_CLIP_MODEL_ID;
  const candidates = options.tokenizerDir ? [options.tokenizerDir] : tokenizerCandidates();
  let tokenizerDir: string | undefined;
  for (const c of candidates)
    if (await exists(path.join(c, 'tokenizer.json'))) {
      tokenizerDir = c;
      break;
    }
  if (!tokenizerDir)
    throw new Error(
      `the test model needs the CLIP tokenizer files (tokenizer.json ...); looked in ${candidates.join(', ')}. Pass --tokenizer DIR`,
    );

  const out = path.join(dir, modelId);
  await mkdir(path.join(out, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
    if (await exists(path.join(tokenizerDir, f))) await copyFile(path.join(tokenizerDir, f), path.join(out, f));

  const tokenizer = JSON.parse(await readFile(path.join(tokenizerDir, 'tokenizer.json'), 'utf8'));
  const vocab: Record<string, number> = tokenizer.model.vocab;
  const vocabSize =
    Math.max(...Object.values(vocab), ...(tokenizer.added_tokens ?? []).map((t: { id: number }) => t.id)) + 1;

  await writeFile(path.join(out, 'config.json'), JSON.stringify(testConfig(), null, 2));
  await writeFile(path.join(out, 'preprocessor_config.json'), JSON.stringify(CLIP_PREPROCESSOR, null, 2));
  await writeFile(path.join(out, 'onnx/text_model_quantized.onnx'), buildTextTower(vocab, vocabSize));
  await writeFile(path.join(out, 'onnx/vision_model_quantized.onnx'), buildVisionTower());
  await writeFile(
    path.join(out, 'README.md'),
    `# ${modelId}\n\nLoupe's deterministic test model (written by \`loupe models make-test\`): a CLIP-shaped model whose ` +
      `embeddings encode dominant colour (${TEST_COLOURS.map((c) => c.name).join(', ')}). For tests and demos, not for real search.\n`,
  );
  return out;
}

/** CLIP's published image preprocessing (openai/clip-vit-base-patch32). */
export const CLIP_PREPROCESSOR = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  feature_extractor_type: 'CLIPFeatureExtractor',
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 1 / 255,
  size: { shortest_edge: 224 },
};

function testConfig() {
  return {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: TEST_CLIP_DIM,
    loupe_test_model: true,
    text_config: {
      model_type: 'clip_text_model',
      max_position_embeddings: 77,
      vocab_size: 49408,
      projection_dim: TEST_CLIP_DIM,
    },
    vision_config: { model_type: 'clip_vision_model', image_size: 224, patch_size: 28, projection_dim: TEST_CLIP_DIM },
  };
}

/** K×D matrix placing colour k on axis k. */
function colourAxes(): number[] {
  const K = TEST_COLOURS.length;
  const m = new Array(K * TEST_CLIP_DIM).fill(0);
  for (let k = 0; k < K; k++) m[k * TEST_CLIP_DIM + k] = 1;
  return m;
}

function biasVector(): number[] {
  const b = new Array(TEST_CLIP_DIM).fill(0);
  b[TEST_CLIP_DIM - 1] = BIAS;
  return b;
}

function buildTextTower(vocab: Record<string, number>, vocabSize: number): Uint8Array {
  const K = TEST_COLOURS.length;
  const table = new Float32Array(vocabSize * K);
  TEST_COLOURS.forEach((colour, k) => {
    for (const word of colour.words) {
      const id = vocab[`${word}</w>`];
      if (id !== undefined) table[id * K + k] = 1;
    }
  });
  const g = new OnnxGraph('loupe_test_clip_text');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const perToken = g.op('Gather', [g.floats([vocabSize, K], table), ids], { axis: 0 }); // [N,S,K]
  const counts = g.op('ReduceSum', [perToken, g.ints([1])], { keepdims: 0 }); // [N,K]
  const projected = g.op('MatMul', [counts, g.floats([K, TEST_CLIP_DIM], colourAxes())]);
  g.output(
    'text_embeds',
    'float',
    ['batch_size', TEST_CLIP_DIM],
    g.op('Add', [projected, g.floats([TEST_CLIP_DIM], biasVector())]),
  );
  return g.toBytes();
}

/**
 * The colour histogram subgraph shared by the test models: each 28×28 patch softly assigned to its nearest
 * named colour, averaged over patches. @returns [histogram [N,K], rgb [N,3,8,8]] tensor names.
 */
export function colourHistogram(
  g: OnnxGraph,
  pixels: string,
  imageMean: number[],
  imageStd: number[],
): [string, string] {
  const K = TEST_COLOURS.length;
  const P = GRID * GRID;
  const patch = 224 / GRID;
  const pooled = g.op('AveragePool', [pixels], { kernel_shape: [patch, patch], strides: [patch, patch] }); // [N,3,8,8]
  // Undo the preprocessor's normalisation to get sRGB 0..1 per patch.
  const rgb = g.op('Add', [g.op('Mul', [pooled, g.floats([1, 3, 1, 1], imageStd)]), g.floats([1, 3, 1, 1], imageMean)]);
  const patches = g.op('Transpose', [g.op('Reshape', [rgb, g.ints([0, 3, P])])], { perm: [0, 2, 1] }); // [N,P,3]
  const diff = g.op('Sub', [
    g.op('Unsqueeze', [patches, g.ints([2])]),
    g.floats(
      [K, 3],
      TEST_COLOURS.flatMap((c) => c.rgb),
    ),
  ]); // [N,P,K,3]
  const dist2 = g.op('ReduceSum', [g.op('Mul', [diff, diff]), g.ints([3])], { keepdims: 0 }); // [N,P,K]
  const assign = g.op('Softmax', [g.op('Mul', [dist2, g.floats([1], [-1 / TEMPERATURE])])], { axis: -1 });
  return [g.op('ReduceMean', [assign], { axes: [1], keepdims: 0 }), rgb]; // [N,K]
}

function buildVisionTower(): Uint8Array {
  const K = TEST_COLOURS.length;
  const P = GRID * GRID;
  const g = new OnnxGraph('loupe_test_clip_vision');
  const pixels = g.input('pixel_values', 'float', ['batch_size', 3, 224, 224]);
  const [histogram, rgb] = colourHistogram(g, pixels, CLIP_PREPROCESSOR.image_mean, CLIP_PREPROCESSOR.image_std);
  const colour = g.op('MatMul', [histogram, g.floats([K, TEST_CLIP_DIM], colourAxes())]);

  // Layout: patch colours relative to the image mean, on their own axes after the colour axes.
  const centred = g.op('Sub', [rgb, g.op('ReduceMean', [rgb], { axes: [2, 3], keepdims: 1 })]);
  const flat = g.op('Reshape', [centred, g.ints([0, 3 * P])]);
  const layoutAxes = new Array(3 * P * TEST_CLIP_DIM).fill(0);
  for (let i = 0; i < 3 * P; i++) layoutAxes[i * TEST_CLIP_DIM + K + i] = LAYOUT_WEIGHT;
  const layout = g.op('MatMul', [flat, g.floats([3 * P, TEST_CLIP_DIM], layoutAxes)]);

  const sum = g.op('Add', [g.op('Add', [colour, layout]), g.floats([TEST_CLIP_DIM], biasVector())]);
  g.output('image_embeds', 'float', ['batch_size', TEST_CLIP_DIM], sum);
  return g.toBytes();
}
