/** The generated test model, loaded through the real Transformers.js CLIP classes, carries colour meaning. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { TransformersClip, cropAndNormalise } from '../src/adapters/transformers/clip-embedder.js';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import { cosine } from '../src/core/scores.js';
import { TEST_CLIP_MODEL_ID, TEST_CLIP_DIM } from '../src/models/test-clip-model.js';
import { COCO_IMAGES, colourImage, testModelsDir } from './support/fixtures.js';
import { clipEmbedderConformance } from './support/conformance/clip-embedder.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple'];
const decodeOptions = { modelInputSize: 224, thumbnailSize: 64, maxPixels: 1e8, maxFrames: 100 };

clipEmbedderConformance(
  'generated colour model (fp32) through Transformers.js',
  async () => new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' }),
  {
    model: TEST_CLIP_MODEL_ID,
    dim: TEST_CLIP_DIM,
  },
);

describe('test CLIP model through Transformers.js', () => {
  let clip: TransformersClip;
  let images: Float32Array[];
  before(async () => {
    clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
    const decoder = new SharpDecoder();
    const pixels = await Promise.all(
      COLOURS.map(async (c) => (await decoder.decode(await colourImage(c), c, decodeOptions)).pixels),
    );
    images = await clip.embedImages(pixels);
  });
  after(() => clip.dispose());

  it('returns unit vectors of the declared dimension', async () => {
    const [t] = await clip.embedTexts(['anything at all']);
    assert.equal(t.length, TEST_CLIP_DIM);
    for (const v of [t, ...images]) assert.ok(Math.abs(cosine(v, v) - 1) < 1e-5);
  });

  it('ranks the image of the named colour first for each colour word', async () => {
    const queries = await clip.embedTexts(COLOURS);
    queries.forEach((q, i) => {
      const ranked = images.map((img, j) => ({ j, s: cosine(q, img) })).sort((a, b) => b.s - a.s);
      assert.equal(COLOURS[ranked[0].j], COLOURS[i], `query "${COLOURS[i]}" ranked ${COLOURS[ranked[0].j]} first`);
    });
  });

  it('understands a colour word inside a sentence, and a synonym', async () => {
    const [blueCar, grey, crimson] = await clip.embedTexts(['a photo of a blue car', 'grey', 'crimson']);
    const best = (q: Float32Array) =>
      COLOURS[images.map((img) => cosine(q, img)).reduce((bi, s, i, all) => (s > all[bi] ? i : bi), 0)];
    assert.equal(best(blueCar), 'blue');
    assert.equal(best(crimson), 'red');
    const [grayImage] = await clip.embedImages([
      (await new SharpDecoder().decode(await colourImage('gray'), 'g', decodeOptions)).pixels,
    ]);
    assert.ok(cosine(grey, grayImage) > cosine(grey, images[COLOURS.indexOf('red')]));
  });

  it('batch results equal one-by-one results (batching does not change embeddings)', async () => {
    const decoder = new SharpDecoder();
    const one = await clip.embedImages([(await decoder.decode(await colourImage('green'), 'g', decodeOptions)).pixels]);
    assert.ok(cosine(one[0], images[COLOURS.indexOf('green')]) > 0.9999);
  });
});

describe('CLIP preprocessing fast path', () => {
  it('gives the very tensor the Transformers.js processor gives, for landscape and portrait photos, and steps aside otherwise', async () => {
    const { AutoProcessor, RawImage, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = (await testModelsDir()) + '/';
    const processor = await AutoProcessor.from_pretrained(TEST_CLIP_MODEL_ID);
    const decoder = new SharpDecoder();
    const photos = (await readdir(COCO_IMAGES))
      .sort()
      .slice(0, 3)
      .map((f) => path.join(COCO_IMAGES, f));
    const bytes = await Promise.all(photos.map((f) => readFile(f)));
    bytes.push(await sharp(bytes[0]).rotate(90).jpeg().toBuffer()); // portrait
    const pixels = await Promise.all(bytes.map(async (b) => (await decoder.decode(b, 'x', decodeOptions)).pixels));
    assert.ok(pixels.some((p) => p.width > p.height) && pixels.some((p) => p.height > p.width));
    const fast = cropAndNormalise(pixels, processor)!;
    assert.ok(fast, 'decoded pixels take the fast path');
    const raw = pixels.map(
      (p) =>
        new RawImage(new Uint8ClampedArray(p.data.buffer, p.data.byteOffset, p.data.byteLength), p.width, p.height, 3),
    );
    const slow = (await processor(raw)).pixel_values;
    assert.deepEqual(fast.pixel_values.dims, slow.dims);
    const [a, b] = [fast.pixel_values.data as Float32Array, slow.data as Float32Array];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst <= 1e-5, `largest difference ${worst}`);
    // An image not already at the processor's shortest edge goes through the processor.
    assert.equal(cropAndNormalise([{ data: new Uint8Array(300 * 300 * 3), width: 300, height: 300 }], processor), null);
  });
});
