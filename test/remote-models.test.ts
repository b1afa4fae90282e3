/**
 * CLIP and OCR on another machine (issue 25): the Immich machine-learning protocol and OpenAI-compatible embedding
 * servers (Infinity's and Jina's input shapes), against a server on 127.0.0.1 that speaks those formats and runs the
 * same generated CLIP and real PP-OCR (test/support/model-server.ts). Timeouts, retries, the circuit breaker, and a
 * worker that rides out an outage.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImmichClip, ImmichOcr, OpenAiClip, type ModelServerOptions } from '../src/adapters/remote/model-server.js';
import { PpOcrRecognizer } from '../src/adapters/ocr/ppocr.js';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import { IngestWorker, type JobEvent } from '../src/app/ingest-worker.js';
import { acceptMany } from '../src/app/upload.js';
import { parseConfig } from '../src/config.js';
import { isLoupeError } from '../src/core/errors.js';
import { cosine } from '../src/core/scores.js';
import type { ClipEmbedder, RgbPixels } from '../src/ports/clip-embedder.js';
import { loadClip, openLibrary } from '../src/wiring/library.js';
import { colourImage, runCli, SHARED, tempDir, testEnv } from './support/fixtures.js';
import { startModelServer, type ModelServer } from './support/model-server.js';

const options = (url: string, over: Partial<ModelServerOptions> = {}): ModelServerOptions => ({
  url,
  timeoutMs: 60_000, // generous: a busy CI machine runs PP-OCR on a whole form in the server (the timeout test sets its own)
  retries: 2,
  concurrency: 4,
  imageSize: 224,
  retryDelayMs: 50,
  ...over,
});

/** Pixels as the indexer hands them to CLIP: decoded and shrunk to the model's input size. */
async function pixels(colours: string[]): Promise<RgbPixels[]> {
  const decoder = new SharpDecoder();
  return Promise.all(
    colours.map(
      async (c) =>
        (
          await decoder.decode(await colourImage(c, 'jpeg'), `${c}.jpg`, {
            modelInputSize: 224,
            thumbnailSize: 64,
            maxPixels: 1e8,
            maxFrames: 1,
          })
        ).pixels,
    ),
  );
}

describe('remote CLIP: the same model answers the same vectors over the wire', () => {
  let server: ModelServer;
  let local: ClipEmbedder;
  before(async () => {
    server = await startModelServer();
    local = await loadClip(parseConfig(await testEnv(await tempDir(), {}, { fresh: true })));
  });
  after(async () => {
    await server?.stop();
    await local?.dispose();
  });

  for (const [name, make] of [
    ['Immich /predict', (url: string) => new ImmichClip('ViT-B-32__openai', options(url))],
    [
      'OpenAI-compatible /embeddings, Infinity input',
      (url: string) => new OpenAiClip('openai/clip-vit-base-patch32', 'infinity', options(url)),
    ],
    [
      'OpenAI-compatible /embeddings, Jina input',
      (url: string) => new OpenAiClip('jina-clip-v2', 'jina', options(url)),
    ],
  ] as const) {
    it(`${name}: images and texts embed as the local provider's do (cosine ≥ 0.9999)`, async () => {
      const remote = make(server.url);
      const images = await pixels(['red', 'green', 'blue']);
      const [mine, theirs] = await Promise.all([local.embedImages(images), remote.embedImages(images)]);
      for (const [i, v] of theirs.entries())
        assert.ok(cosine(v, mine[i]) >= 0.9999, `image ${i}: cosine ${cosine(v, mine[i])}`);
      const texts = ['a red picture', 'a blue picture'];
      const [a, b] = await Promise.all([local.embedTexts(texts), remote.embedTexts(texts)]);
      for (const [i, v] of b.entries()) assert.ok(cosine(v, a[i]) >= 0.9999, `text ${i}`);
      assert.ok(remote.model.includes('/'), 'recorded under its provider');
      assert.notEqual(remote.model, local.model, 'a remote model is its own space');
    });
  }

  it('a library indexed through the Immich server finds by meaning, and records the model with its vectors', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    for (const c of ['red', 'green', 'blue'])
      await writeFile(path.join(photos, `${c}.jpg`), await colourImage(c, 'jpeg'));
    const env = await testEnv(path.join(root, 'data'), {
      LOUPE_CLIP_PROVIDER: 'immich',
      LOUPE_ML_URL: server.url,
      LOUPE_CLIP_MODEL: 'ViT-B-32__openai',
    });
    const indexed = await runCli(['index', photos, '--json'], env);
    assert.equal(indexed.code, 0, indexed.stderr);
    const found = await runCli(['search', 'a green picture', '--json', '--k', '1'], env);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /green\.jpg/);
    const stats = JSON.parse((await runCli(['stats', '--json'], env)).stdout) as { model?: string; models?: unknown };
    assert.match(JSON.stringify(stats), /immich\/ViT-B-32__openai/);
    assert.ok((server.served['POST /predict'] ?? 0) >= 4, 'three images and the query went to the server');
  });

  it('`loupe models check` names each provider and whether it answers; a dead server exits 1 with its address', async () => {
    const env = await testEnv(path.join(await tempDir(), 'data'), {
      LOUPE_CLIP_PROVIDER: 'immich',
      LOUPE_ML_URL: server.url,
      LOUPE_TEXT_EMBEDDER: 'off',
    });
    const ok = await runCli(['models', 'check', '--json'], env);
    assert.equal(ok.code, 0, ok.stderr);
    const [clip] = JSON.parse(ok.stdout) as { role: string; provider: string; ok: boolean; dim: number }[];
    assert.deepEqual([clip.role, clip.provider, clip.ok, clip.dim > 0], ['clip', 'immich', true, true]);
    // NO_COLOR: the table's words without terminal colours (CI=true turns them on).
    const dead = await runCli(['models', 'check'], {
      ...env,
      LOUPE_ML_URL: 'http://127.0.0.1:9',
      LOUPE_ML_RETRIES: '0',
      NO_COLOR: '1',
    });
    assert.equal(dead.code, 1);
    assert.match(dead.stdout, /immich.*no: .*127\.0\.0\.1:9/s);
    assert.match(dead.stdout, /labels +│ off .*turned off/, 'a model turned off is said to be, not a failure');
  });
});

describe('remote CLIP: timeouts, retries, the circuit breaker, redirects', () => {
  let server: ModelServer;
  before(async () => (server = await startModelServer()));
  after(() => server?.stop());

  it('a slow server times out with an error naming it and the limit', async () => {
    server.faults.slowMs = 1500;
    try {
      const clip = new ImmichClip('ViT-B-32__openai', options(server.url, { timeoutMs: 300, retries: 0 }));
      await assert.rejects(
        clip.embedTexts(['red']),
        (e: Error) => e.message.includes(server.url) && /no answer within 300 ms/.test(e.message),
      );
    } finally {
      server.faults.slowMs = 0;
    }
  });

  it('a failing server is retried with backoff, then reported; after three failed calls the breaker answers at once without calling', async () => {
    server.faults.down = true;
    try {
      const clip = new ImmichClip('ViT-B-32__openai', options(server.url, { retries: 2 }));
      const before = server.served['POST /predict'] ?? 0;
      await assert.rejects(clip.embedTexts(['red']), /HTTP 503/);
      assert.equal((server.served['POST /predict'] ?? 0) - before, 3, 'one call and two retries');
      await assert.rejects(clip.embedTexts(['red']));
      await assert.rejects(clip.embedTexts(['red']));
      const calls = server.served['POST /predict'];
      const started = Date.now();
      await assert.rejects(
        clip.embedTexts(['red']),
        (e: Error) => /not answering \(3 calls failed in a row\)/.test(e.message) && e.message.includes('LOUPE_ML_URL'),
      );
      assert.equal(server.served['POST /predict'], calls, 'the open breaker did not call the server');
      assert.ok(Date.now() - started < 1000, 'and answered at once (a call would wait out retries with backoff)');
    } finally {
      server.faults.down = false;
    }
  });

  it('a server answering with a redirect is not followed elsewhere (the SSRF rule for configured servers)', async () => {
    const redirector = createServer((_req, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
      const clip = new OpenAiClip('openai/clip-vit-base-patch32', 'infinity', options(url, { retries: 3 }));
      await assert.rejects(clip.embedTexts(['red']), (e: Error) =>
        /redirect to http:\/\/169\.254\.169\.254/.test(e.message),
      );
    } finally {
      redirector.close();
    }
  });

  it('a remote provider without LOUPE_ML_URL is a configuration error naming the variable', () => {
    assert.throws(
      () => parseConfig({ LOUPE_CLIP_PROVIDER: 'immich' }),
      (e) => isLoupeError(e, 'CONFIG_INVALID') && /LOUPE_ML_URL/.test(e.message),
    );
  });
});

describe('remote OCR through the Immich protocol', () => {
  it("reads a form's words as the local PP-OCR does, with boxes from Immich's four corners", async () => {
    const local = new PpOcrRecognizer({ minConfidence: 0.5, maxResolution: 2000, gateSide: 0 });
    const server = await startModelServer({ ocr: local });
    try {
      const forms = path.join(SHARED, 'datasets/funsd/images');
      const form = await readFile(path.join(forms, (await readdir(forms)).sort()[0]));
      const remote = new ImmichOcr('PP-OCRv5_mobile', { minConfidence: 0.5, maxResolution: 2000 }, options(server.url));
      // One after the other: a whole form takes seconds of PP-OCR, and both share this machine's cores.
      const mine = await local.recognize(form);
      const theirs = await remote.recognize(form);
      assert.ok(theirs.words.length > 10, `words read: ${theirs.words.length}`);
      assert.deepEqual(
        theirs.words.map((w) => w.text),
        mine.words.map((w) => w.text),
      );
      const [l, t, r, b] = theirs.words[0].box;
      assert.ok(r > l && b > t, 'a box with area');
    } finally {
      await server.stop();
      await local.dispose?.();
    }
  });
});

describe('workers sharing a model server through an outage', () => {
  it('every upload is indexed exactly once though the server goes down mid-run and comes back', async () => {
    const server = await startModelServer();
    const env = await testEnv(path.join(await tempDir(), 'data'), {
      LOUPE_CLIP_PROVIDER: 'immich',
      LOUPE_ML_URL: server.url,
      LOUPE_ML_RETRIES: '0',
      LOUPE_JOB_RETRY_BASE_MS: '200',
      LOUPE_JOB_RETRY_MAX_MS: '1000',
      LOUPE_JOB_MAX_ATTEMPTS: '20',
      LOUPE_BATCH_SIZE: '2',
    });
    const lib = await openLibrary(parseConfig(env));
    const worker = new IngestWorker(lib, { ownsDatabase: true });
    const events: JobEvent[] = [];
    worker.on('job', (e) => events.push(e));
    try {
      const colours = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'pink', 'brown'];
      const files = await Promise.all(
        colours.map(async (c) => ({ filename: `${c}.png`, bytes: async () => colourImage(c, 'png') })),
      );
      const { accepted } = await acceptMany(lib, files, {});
      assert.equal(accepted.length, colours.length);
      await worker.start();
      // Down after the first job ends, for a second and a half.
      for (let i = 0; i < 400 && !events.some((e) => e.status === 'done'); i++)
        await new Promise((r) => setTimeout(r, 25));
      server.faults.down = 'drop';
      await new Promise((r) => setTimeout(r, 1500));
      server.faults.down = false;
      for (let i = 0; i < 1200 && events.filter((e) => e.status === 'done').length < colours.length; i++)
        await new Promise((r) => setTimeout(r, 25));
      const done = events.filter((e) => e.status === 'done').map((e) => e.id);
      assert.equal(
        new Set(done).size,
        colours.length,
        `each job done: ${events.map((e) => `${e.filename} ${e.status} ${e.error ?? ''}`).join(', ')}`,
      );
      assert.equal(done.length, colours.length, 'and done once');
      assert.ok(
        events.some((e) => e.status === 'pending'),
        'the outage was seen (jobs went back to the queue)',
      );
      assert.equal(await lib.store.imageCount(), colours.length, 'no image lost or stored twice');
    } finally {
      await worker.stop();
      await lib.close();
      await server.stop();
    }
  });
});
