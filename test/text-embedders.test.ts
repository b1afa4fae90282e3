/** Text embedders: the generated sentence model through Transformers.js, and Ollama / OpenAI wire formats on local servers. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OllamaEmbedder, OpenAiEmbedder } from '../src/adapters/remote/remote-embedders.js';
import { TransformersSentenceEmbedder } from '../src/adapters/transformers/sentence-embedder.js';
import { TEST_TEXT_DIM, TEST_TEXT_MODEL_ID } from '../src/models/test-text-model.js';
import { testModelsDir } from './support/fixtures.js';
import { textEmbedderConformance } from './support/conformance/text-embedder.js';

textEmbedderConformance(
  'local (Transformers.js feature extraction, generated bag-of-words model)',
  async () =>
    new TransformersSentenceEmbedder({ modelId: TEST_TEXT_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' }),
  TEST_TEXT_DIM,
);

describe('remote text embedders against local servers', () => {
  let server: http.Server;
  let url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- requests in several APIs' wire formats, checked field by field
  const seen: { url: string; body: any; auth?: string }[] = [];
  // The fake service embeds by word hashing, so meaning is checkable through the real client code.
  const fakeEmbedding = (text: string) => {
    const v = new Array(16).fill(0);
    for (const w of text
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => w.length > 3))
      v[[...w].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 16, 7)] += 1;
    return v.map((x, i) => x + (i === 15 ? 0.01 : 0));
  };
  before(async () => {
    server = http.createServer(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      const body = JSON.parse(raw);
      seen.push({ url: req.url!, body, auth: req.headers.authorization });
      const json = (status: number, v: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (body.input?.[0] === 'broken') return json(200, { embeddings: [] });
      if (req.url === '/api/embed') return json(200, { model: body.model, embeddings: body.input.map(fakeEmbedding) });
      if (req.url === '/v1/embeddings')
        return json(200, {
          object: 'list',
          data: body.input
            .map((t: string, index: number) => ({ object: 'embedding', index, embedding: fakeEmbedding(t) }))
            .reverse(),
          model: body.model,
        });
      json(404, {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));

  textEmbedderConformance(
    'Ollama (POST /api/embed)',
    async () => new OllamaEmbedder({ baseUrl: url, model: 'nomic-embed-text', timeoutMs: 5000, retries: 0 }),
    16,
  );
  textEmbedderConformance(
    'OpenAI-compatible (POST /v1/embeddings, answers out of order)',
    async () =>
      new OpenAiEmbedder({
        baseUrl: `${url}/v1`,
        apiKey: 'sk-x',
        model: 'text-embedding-3-small',
        timeoutMs: 5000,
        retries: 0,
      }),
    16,
  );

  it('sends the documented request bodies, and refuses an answer with the wrong number of vectors', async () => {
    const ollama = seen.find((s) => s.url === '/api/embed')!;
    assert.equal(ollama.body.model, 'nomic-embed-text');
    assert.ok(Array.isArray(ollama.body.input));
    const openai = seen.find((s) => s.url === '/v1/embeddings')!;
    assert.equal(openai.body.model, 'text-embedding-3-small');
    assert.equal(openai.auth, 'Bearer sk-x');
    await assert.rejects(
      new OllamaEmbedder({ baseUrl: url, model: 'm', timeoutMs: 5000, retries: 0 }).embed(['broken']),
      /expected 1 embeddings/,
    );
  });
});
