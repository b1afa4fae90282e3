/**
 * Ollama and OpenAI(-compatible) captioners against local HTTP servers speaking those APIs' documented
 * wire formats: success, retries with backoff on 500 and 429 (Retry-After), no retry on 400, timeouts,
 * auth errors. Then the caption analyzer end to end: a user's caption is never overwritten.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OllamaCaptioner } from '../src/adapters/remote/ollama-captioner.js';
import { OpenAiCaptioner } from '../src/adapters/remote/openai-captioner.js';
import { indexPaths } from '../src/app/index-paths.js';
import { reindex } from '../src/app/reindex.js';
import { searchByText } from '../src/app/search.js';
import { libraryStats } from '../src/app/stats.js';
import { parseConfig } from '../src/config.js';
import { openLibrary } from '../src/wiring/library.js';
import type { Captioner } from '../src/ports/captioner.js';
import { colourImage, runJson, tempDir, testEnv, testModelsDir, writeFile } from './support/fixtures.js';

type Plan = 'ok' | 'fail-500-once' | 'rate-limit-once' | 'bad-request' | 'unauthorized' | 'hang';

/** A fake model server: Ollama's POST /api/chat and OpenAI's POST /v1/chat/completions. */
async function fakeServer() {
  const state = {
    plan: 'ok' as Plan,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- requests in several APIs' wire formats, checked field by field
    requests: [] as { url: string; headers: http.IncomingHttpHeaders; body: any }[],
    failuresLeft: 0,
  };
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw);
    state.requests.push({ url: req.url!, headers: req.headers, body });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    if (state.plan === 'hang') return; // never answers
    if (state.plan === 'bad-request') return send(400, { error: { message: 'model does not support images' } });
    if (state.plan === 'unauthorized') return send(401, { error: { message: 'Incorrect API key provided' } });
    if (state.failuresLeft > 0) {
      state.failuresLeft--;
      return state.plan === 'rate-limit-once'
        ? send(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '1' })
        : send(500, { error: 'model crashed' });
    }
    const image = req.url === '/api/chat' ? body.messages[0].images[0] : body.messages[0].content[1].image_url.url;
    const content = `  A picture of ${String(image).length} base64 characters.\n`;
    if (req.url === '/api/chat')
      return send(200, { model: body.model, message: { role: 'assistant', content }, done: true });
    if (req.url === '/v1/chat/completions')
      return send(200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      });
    send(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

const image = Buffer.from('fake-jpeg-bytes');

function providerSuite(
  name: string,
  make: (url: string, timeoutMs: number) => Captioner,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- requests in several APIs' wire formats, checked field by field
  check: (req: { url: string; headers: http.IncomingHttpHeaders; body: any }) => void,
) {
  describe(`captioner: ${name}`, () => {
    let server: Awaited<ReturnType<typeof fakeServer>>;
    before(async () => (server = await fakeServer()));
    after(() => server.close());
    const run = async (plan: Plan, failures = 0, timeoutMs = 5000) => {
      server.state.plan = plan;
      server.state.failuresLeft = failures;
      server.state.requests = [];
      return make(server.url, timeoutMs).caption(image, 'image/jpeg');
    };

    it('sends the image in the wire format and returns the cleaned caption', async () => {
      assert.equal(
        await run('ok'),
        `A picture of ${name.startsWith('Ollama') ? image.toString('base64').length : `data:image/jpeg;base64,${image.toString('base64')}`.length} base64 characters.`,
      );
      assert.equal(server.state.requests.length, 1);
      check(server.state.requests[0]);
    });
    it('retries a 500 with backoff', async () => {
      assert.match(await run('fail-500-once', 1), /^A picture/);
      assert.equal(server.state.requests.length, 2);
    });
    it('waits for Retry-After on a 429', async () => {
      const t = performance.now();
      assert.match(await run('rate-limit-once', 1), /^A picture/);
      assert.ok(performance.now() - t >= 950, 'waited about a second');
      assert.equal(server.state.requests.length, 2);
    });
    it('does not retry a 400, and says which service answered what', async () => {
      await assert.rejects(run('bad-request'), /HTTP 400: model does not support images/);
      assert.equal(server.state.requests.length, 1);
    });
    it('reports an auth failure with a hint', async () => {
      await assert.rejects(run('unauthorized'), /HTTP 401.*check the API key/);
    });
    it('gives up on a server that does not answer in time', async () => {
      await assert.rejects(run('hang', 0, 300), /no answer within 300 ms/);
    });
  });
}

providerSuite(
  'Ollama (POST /api/chat)',
  (url, timeoutMs) =>
    new OllamaCaptioner({
      baseUrl: url,
      model: 'llava',
      prompt: 'Describe it.',
      timeoutMs,
      retries: 2,
      minDelayMs: 10,
    }),
  (req) => {
    assert.equal(req.url, '/api/chat');
    assert.equal(req.body.model, 'llava');
    assert.equal(req.body.stream, false);
    assert.equal(req.body.messages[0].content, 'Describe it.');
    assert.ok(Buffer.from(req.body.messages[0].images[0], 'base64').equals(image));
  },
);

providerSuite(
  'OpenAI-compatible (POST /v1/chat/completions)',
  (url, timeoutMs) =>
    new OpenAiCaptioner({
      baseUrl: `${url}/v1`,
      apiKey: 'sk-test',
      model: 'gpt-4o-mini',
      prompt: 'Describe it.',
      timeoutMs,
      retries: 2,
      minDelayMs: 10,
    }),
  (req) => {
    assert.equal(req.url, '/v1/chat/completions');
    assert.equal(req.headers.authorization, 'Bearer sk-test');
    assert.equal(req.body.model, 'gpt-4o-mini');
    assert.deepEqual(req.body.messages[0].content[0], { type: 'text', text: 'Describe it.' });
    assert.equal(req.body.messages[0].content[1].image_url.url, `data:image/jpeg;base64,${image.toString('base64')}`);
  },
);

describe('caption analyzer with a configured provider', () => {
  it('writes model captions, keeps the user’s own, makes captions searchable, and says why when none is configured', async () => {
    const server = await fakeServer();
    const root = await tempDir();
    const dataRoot = await tempDir();
    for (const c of ['red', 'blue']) await writeFile(path.join(root, `${c}.png`), await colourImage(c, 'png'));
    const env = await testEnv(path.join(dataRoot, 'data'), {
      LOUPE_CAPTION_PROVIDER: 'ollama',
      LOUPE_OLLAMA_URL: server.url,
      LOUPE_CAPTION_MODEL: 'llava',
    });
    const lib = await openLibrary(parseConfig(env));
    try {
      await indexPaths(lib, [root]);
      const [red, blue] = await Promise.all(
        ['red', 'blue'].map(
          async (c) => (await lib.store.textSearch({ text: c, limit: 1, fields: ['name'] }))[0].imageId,
        ),
      );
      await lib.store.updateImage(blue, { caption: 'my own words about the sea' });
      const report = await reindex(lib, { only: ['caption'] });
      assert.equal(report.caption.model, 'ollama/llava');
      assert.equal(report.caption.failed.length, 0);
      const [r, b] = await lib.store.getImages([red, blue]);
      assert.match(r.caption!, /^A picture of \d+ base64 characters\.$/);
      assert.equal(r.captionSource, 'model');
      assert.equal(b.caption, 'my own words about the sea', 'the user caption stands');
      assert.equal(b.captionSource, 'user');
      const found = await searchByText(lib, 'picture', { mode: 'caption', folder: '' });
      assert.deepEqual(
        found.hits.map((h) => h.id),
        [red],
      );
      // --force regenerates model-made captions only.
      server.state.requests = [];
      await reindex(lib, { only: ['caption'], force: true });
      assert.equal(server.state.requests.length, 1);
    } finally {
      await lib.close();
      await server.close();
    }
    const plain = await openLibrary(
      parseConfig({ ...env, LOUPE_DATA_DIR: path.join(dataRoot, 'data2'), LOUPE_CAPTION_PROVIDER: 'off' }),
    );
    try {
      const report = await reindex(plain, { only: ['caption'], imageIds: [] });
      assert.equal(report.caption.planned, 0);
      await indexPaths(plain, [root]);
      const r2 = await reindex(plain, { only: ['caption'] });
      assert.match(r2.caption.unavailable ?? '', /LOUPE_CAPTION_PROVIDER=local, ollama or openai/);
      const stats = await libraryStats(plain);
      assert.equal(stats.images, 2, 'indexed without captions');
      assert.match(JSON.stringify(stats.captioner), /LOUPE_CAPTION_PROVIDER/);
    } finally {
      await plain.close();
    }
  });
});

describe('captioner: local (Transformers.js image-to-text, generated vision-encoder-decoder)', () => {
  it('captions through the real pipeline: the test model names the dominant colour', async () => {
    const { TransformersCaptioner } = await import('../src/adapters/transformers/image-captioner.js');
    const { TEST_CAPTION_MODEL_ID } = await import('../src/models/test-caption-model.js');
    const root = await testModelsDir();
    const c = new TransformersCaptioner({
      models: [{ modelId: TEST_CAPTION_MODEL_ID, modelRoot: root }],
      dtype: 'q8',
      timeoutMs: 30_000,
    });
    assert.equal(await c.caption(await colourImage('blue', 'png'), 'image/png'), 'a blue picture');
    assert.equal(await c.caption(await colourImage('yellow', 'jpeg'), 'image/jpeg'), 'a yellow picture');
  });

  it('falls back to the next model when the first fails, and reports every model when all fail', async () => {
    const { TransformersCaptioner } = await import('../src/adapters/transformers/image-captioner.js');
    const { TEST_CAPTION_MODEL_ID, writeTestCaptionModel } = await import('../src/models/test-caption-model.js');
    const root = await testModelsDir();
    const broken = await writeTestCaptionModel(root, { modelId: 'loupe/broken-captioner' });
    await writeFile(path.join(broken, 'onnx/decoder_model_merged_quantized.onnx'), 'not an onnx model');
    const c = new TransformersCaptioner({
      models: [
        { modelId: 'loupe/broken-captioner', modelRoot: root },
        { modelId: TEST_CAPTION_MODEL_ID, modelRoot: root },
      ],
      dtype: 'q8',
      timeoutMs: 30_000,
    });
    assert.equal(await c.caption(await colourImage('green', 'png'), 'image/png'), 'a green picture');
    const slow = new TransformersCaptioner({
      models: [{ modelId: TEST_CAPTION_MODEL_ID, modelRoot: root }],
      dtype: 'q8',
      timeoutMs: 1,
    });
    await assert.rejects(
      slow.caption(await colourImage('green', 'png'), 'image/png'),
      /loupe\/test-caption-colour: no caption within 1 ms/,
    );
  });

  it('indexing with LOUPE_CAPTION_PROVIDER=local writes captions that search finds', async () => {
    const root = await tempDir();
    for (const c of ['red', 'blue']) await writeFile(path.join(root, `${c}.png`), await colourImage(c, 'png'));
    const env = await testEnv(path.join(await tempDir(), 'data'), {
      LOUPE_CAPTION_PROVIDER: 'local',
      LOUPE_CAPTION_LOCAL_MODEL: 'loupe/test-caption-colour',
    });
    const r = await runJson<{ indexed: number; caption: { model: string; ok: number } }>(['index', root], env);
    assert.equal(r.indexed, 2);
    assert.deepEqual([r.caption.model, r.caption.ok], ['local/loupe/test-caption-colour', 2]);
    const hits = await runJson<{ path: string; matched: string[] }[]>(
      ['search', 'red picture', '--mode', 'text', '--k', '1'],
      env,
    );
    assert.equal(path.basename(hits[0].path), 'red.png');
    assert.ok(hits[0].matched.includes('caption'));
  });
});
