/**
 * What every ClipEmbedder does, whatever its weights: run on the generated colour model (fp32, test/test-model.test.ts)
 * and on the int8 ViT-B/32-shaped towers (test/int8-tower.test.ts), both through Transformers.js as real models load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SharpDecoder } from '../../../src/adapters/sharp/sharp-decoder.js';
import { cosine } from '../../../src/core/scores.js';
import type { ClipEmbedder, RgbPixels } from '../../../src/ports/clip-embedder.js';
import { colourImage } from '../fixtures.js';

const norm = (v: Float32Array) => Math.sqrt(cosine(v, v));

/**
 * @param make the embedder under test (disposed after the suite)
 * @param o.dim the vector length the model declares
 */
export function clipEmbedderConformance(
  name: string,
  make: () => Promise<ClipEmbedder>,
  o: { model: string; dim: number },
) {
  describe(`ClipEmbedder: ${name}`, () => {
    let clip: ClipEmbedder;
    let pixels: RgbPixels[];
    before(async () => {
      clip = await make();
      const decoder = new SharpDecoder();
      const options = { modelInputSize: clip.inputSize, thumbnailSize: 64, maxPixels: 1e8, maxFrames: 10 };
      pixels = await Promise.all(
        ['red', 'blue', 'green'].map(
          async (c, i) => (await decoder.decode(await colourImage(c, 'jpeg', [320 + 40 * i, 240]), c, options)).pixels,
        ),
      );
    });
    after(() => clip?.dispose());

    it('names its model and embeds texts and images as unit vectors of one dimension', async () => {
      assert.equal(clip.model, o.model);
      const texts = await clip.embedTexts(['a red car', 'a photo of a dog on the beach']);
      const images = await clip.embedImages(pixels);
      assert.equal(texts.length, 2);
      assert.equal(images.length, 3);
      for (const v of [...texts, ...images]) {
        assert.equal(v.length, o.dim);
        assert.ok(Math.abs(norm(v) - 1) < 1e-4, `norm ${norm(v)}`);
        assert.ok(v.every(Number.isFinite));
      }
    });

    it('gives an image in a batch (of mixed sizes) the vector it gets alone', async () => {
      const batch = await clip.embedImages(pixels);
      const alone = await clip.embedImages([pixels[1]]);
      // Users re-index and search by the same photo: its vector must not depend on its batch-mates, on any CPU.
      assert.ok(cosine(batch[1], alone[0]) >= 0.99999, `cosine ${cosine(batch[1], alone[0])}`);
    });

    it('answers empty input with no vectors', async () => {
      assert.deepEqual(await clip.embedTexts([]), []);
      assert.deepEqual(await clip.embedImages([]), []);
    });
  });
}
