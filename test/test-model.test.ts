/** The generated test model, loaded through the real Transformers.js CLIP classes, carries colour meaning. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TransformersClip } from '../src/adapters/transformers/clip-embedder.js';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import { cosine } from '../src/core/scores.js';
import { TEST_CLIP_MODEL_ID, TEST_CLIP_DIM } from '../src/models/test-clip-model.js';
import { colourImage, testModelsDir } from './support/fixtures.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple'];
const decodeOptions = { modelInputSize: 224, thumbnailSize: 64, maxPixels: 1e8, maxFrames: 100 };

describe('test CLIP model through Transformers.js', () => {
  let clip: TransformersClip;
  let images: Float32Array[];
  before(async () => {
    clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
    const decoder = new SharpDecoder();
    const pixels = await Promise.all(COLOURS.map(async (c) => (await decoder.decode(await colourImage(c), c, decodeOptions)).pixels));
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
    const best = (q: Float32Array) => COLOURS[images.map((img) => cosine(q, img)).reduce((bi, s, i, all) => (s > all[bi] ? i : bi), 0)];
    assert.equal(best(blueCar), 'blue');
    assert.equal(best(crimson), 'red');
    const [grayImage] = await clip.embedImages([(await new SharpDecoder().decode(await colourImage('gray'), 'g', decodeOptions)).pixels]);
    assert.ok(cosine(grey, grayImage) > cosine(grey, images[COLOURS.indexOf('red')]));
  });

  it('batch results equal one-by-one results (batching does not change embeddings)', async () => {
    const decoder = new SharpDecoder();
    const one = await clip.embedImages([(await decoder.decode(await colourImage('green'), 'g', decodeOptions)).pixels]);
    assert.ok(cosine(one[0], images[COLOURS.indexOf('green')]) > 0.9999);
  });
});
