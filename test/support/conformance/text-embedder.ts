/** What every TextEmbedder does: run on the generated sentence model and on the Ollama / OpenAI wire formats (test/text-embedders.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosine } from '../../../src/core/scores.js';
import type { TextEmbedder } from '../../../src/ports/text-embedder.js';

export function textEmbedderConformance(name: string, make: () => Promise<TextEmbedder>, dim: number) {
  describe(`text embedder: ${name}`, () => {
    it('returns one unit vector per text, closer for texts that share meaning words', async () => {
      const e = await make();
      const [dog, dog2, pizza] = await e.embed([
        'a dog running on the beach',
        'the dog at the beach',
        'a plate of pizza with cheese',
      ]);
      for (const v of [dog, dog2, pizza]) {
        assert.equal(v.length, dim);
        assert.ok(Math.abs(cosine(v, v) - 1) < 1e-5);
      }
      assert.ok(cosine(dog, dog2) > cosine(dog, pizza) + 0.2, `${cosine(dog, dog2)} vs ${cosine(dog, pizza)}`);
      assert.deepEqual(await e.embed([]), []);
    });
  });
}
