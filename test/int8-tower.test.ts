/**
 * The ViT-B/32-shaped int8 towers (issue 11): written with the operators of the Transformers.js/Optimum
 * `*_quantized.onnx` exports, they load through the same Transformers.js path as the real q8 files (dtype q8,
 * the real CLIP configs and tokenizer) and give unit vectors, so the default path's cost can be measured.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { TransformersClip } from '../src/adapters/transformers/clip-embedder.js';
import { cosine } from '../src/core/scores.js';
import { VIT_B32_PROJECTION, writeVitB32Model } from '../src/models/vit-b32-random.js';
import { SHARED, tempDir } from './support/fixtures.js';
import { clipEmbedderConformance } from './support/conformance/clip-embedder.js';

const CLIP_DIR = path.join(SHARED, 'models/clip-vit-base-patch32');
const MODEL_ID = 'loupe/test-vit-b32-int8';

clipEmbedderConformance(
  'int8 ViT-B/32-shaped towers (dynamic quantisation) through Transformers.js',
  async () => {
    const root = await tempDir('loupe-int8-conf-');
    await writeVitB32Model(root, MODEL_ID, CLIP_DIR, 'int8');
    return new TransformersClip({ modelId: MODEL_ID, modelRoot: root, dtype: 'q8' });
  },
  { model: MODEL_ID, dim: VIT_B32_PROJECTION },
);

describe('int8 ViT-B/32-shaped towers', () => {
  let root: string;
  let clip: TransformersClip;
  before(async () => {
    root = await tempDir('loupe-int8-');
    await writeVitB32Model(root, MODEL_ID, CLIP_DIR, 'int8');
    clip = new TransformersClip({ modelId: MODEL_ID, modelRoot: root, dtype: 'q8' });
  });
  after(() => clip?.dispose());

  it('uses dynamic quantisation operators with int8 weights, at about the size of the real q8 files', async () => {
    const expected: { files: { path: string; bytes: number }[] } = JSON.parse(
      await readFile(path.join(CLIP_DIR, 'EXPECTED_WEIGHTS.json'), 'utf8'),
    );
    for (const file of ['onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx']) {
      const bytes = await readFile(path.join(root, MODEL_ID, file));
      const model = onnxProto.onnx.ModelProto.decode(bytes);
      const ops = new Set(model.graph!.node!.map((n) => n.opType));
      for (const op of ['DynamicQuantizeLinear', 'MatMulInteger']) assert.ok(ops.has(op), `${file} has no ${op}`);
      const int8Weights = model.graph!.initializer!.filter(
        (t) => t.dataType === onnxProto.onnx.TensorProto.DataType.INT8 && (t.dims?.length ?? 0) === 2,
      );
      assert.ok(int8Weights.length >= 12 * 6, `${file}: ${int8Weights.length} int8 weight matrices`);
      const real = expected.files.find((f) => f.path === file)!.bytes;
      const ours = (await stat(path.join(root, MODEL_ID, file))).size;
      assert.ok(Math.abs(ours / real - 1) < 0.15, `${file}: ${ours} bytes vs the real export's ${real}`);
    }
  });

  it('embeds images and texts through Transformers.js into distinct unit vectors of 512 dimensions', async () => {
    const image = (seed: number) => ({
      data: Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * seed) % 251),
      width: 224,
      height: 224,
    });
    const [a, b] = await clip.embedImages([image(3), image(7)]);
    const [a2] = await clip.embedImages([image(3)]);
    const [dog, car] = await clip.embedTexts(['a dog on a beach', 'a red car in the city']);
    for (const v of [a, b, dog, car]) {
      assert.equal(v.length, VIT_B32_PROJECTION);
      assert.ok(Math.abs(cosine(v, v) - 1) < 1e-4);
      assert.ok(v.every(Number.isFinite));
    }
    assert.ok(cosine(a, b) < 0.999, 'different images give different vectors');
    assert.ok(cosine(dog, car) < 0.999, 'different texts give different vectors');
    // DynamicQuantizeLinear takes one scale per run (as the real q8 exports do): the embedder runs images one at a time,
    // so the same image gets the same vector alone and in a batch, whatever the CPU's int8 kernels.
    assert.ok(
      cosine(a, a2) > 0.99999,
      `the same image alone and in a batch gives the same vector (cosine ${cosine(a, a2)})`,
    );
  });
});
