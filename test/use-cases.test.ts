/**
 * Use cases against in-memory fakes of the few capabilities each declares (fast, no database, no model), and
 * the HTTP app in process through Hono's app.request() — beside the end-to-end tests on real systems.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findDuplicates } from '../src/app/duplicates.js';
import { IngestWorker } from '../src/app/ingest-worker.js';
import { JobFeed } from '../src/app/job-feed.js';
import { reindex, type ReindexDeps } from '../src/app/reindex.js';
import { libraryStats, type StatsDeps } from '../src/app/stats.js';
import { originalKey } from '../src/core/blob-keys.js';
import { parseConfig } from '../src/config.js';
import { LoupeError } from '../src/core/errors.js';
import type { AnalyzerState, ImageLabel } from '../src/ports/store.js';
import type { ObjectLabeler } from '../src/ports/object-labeler.js';
import { createApp } from '../src/http/app.js';
import type { Library } from '../src/app/library.js';
import { openLibrary } from '../src/wiring/library.js';
import { fake, imageRecord, memoryBlobs } from './support/fakes.js';
import { colourImage, tempDir, testEnv } from './support/fixtures.js';
import { jsonBody } from './support/server.js';

describe('use cases on fakes', () => {
  it('findDuplicates: perceptual hashes a bit apart are a near group; one content at two paths in no near group is an exact group; a far one is alone', async () => {
    const store = fake<ReindexDeps['store']>('store', {
      allHashes: async () => [
        { id: 'a', phash: 'ffff0000ffff0000', paths: ['/p/a.jpg', '/p/copy/a.jpg'] },
        { id: 'b', phash: 'ffff0000ffff0001', paths: ['/p/b.jpg'] },
        { id: 'c', phash: '0000ffff0000ffff', paths: ['/p/c.jpg'] },
      ],
    });
    const groups = await findDuplicates({ store });
    assert.deepEqual(
      groups.map((g) => [g.kind, g.images.map((i) => i.id).sort(), g.maxDistance]),
      [['near', ['a', 'b'], 1]],
      'a is in a near group, which lists both its paths: not again as an exact group',
    );
    assert.deepEqual(
      (await findDuplicates({ store }, 0)).map((g) => [g.kind, g.images.map((i) => i.id)]),
      [['exact', ['a']]],
      'a threshold of 0 bits keeps only identical hashes; then a is an exact group',
    );
  });

  it('libraryStats: each pass says how many images it has done and how many wait; a pass that is off waits for nothing and says why', async () => {
    const lib = fake<StatsDeps>('lib', {
      config: parseConfig({ LOUPE_DATA_DIR: '/data', LOUPE_CLIP_MODEL: 'm/clip' }),
      store: fake<StatsDeps['store']>('store', {
        imageCount: async () => 10,
        folders: async () => ({ trips: 6, '': 4 }),
        embeddingModels: async () => [{ model: 'm/clip', dim: 4, count: 7 }],
        analyzerCounts: async () => ({ labels: { ok: 3, empty: 1 }, ocr: { ok: 2 } }),
      }),
      ocr: async () => ({ unavailable: 'LOUPE_OCR=off' }),
      captioner: async () => ({ unavailable: 'no captioner configured' }),
      textEmbedders: async () => [{ provider: 'local', unavailable: 'model missing' }],
      labeler: async () => fake<ObjectLabeler>('labeler', { model: 'nanodet/nanodet-m' }),
    });
    const stats = await libraryStats(lib);
    const byPass = Object.fromEntries(stats.passes.map((p) => [p.pass, p]));
    assert.deepEqual([byPass.clip.done, byPass.clip.pending], [7, 3]);
    assert.deepEqual([byPass.labels.model, byPass.labels.done, byPass.labels.pending], ['nanodet/nanodet-m', 4, 6]);
    assert.deepEqual([byPass.ocr.model, byPass.ocr.pending, byPass.ocr.unavailable], [null, 0, 'LOUPE_OCR=off']);
    assert.match(byPass['text-embedding'].unavailable!, /local: model missing/);
  });

  it('reindex: every image is analysed once with two in flight; one without an original or whose analysis throws fails alone, with its reason', async () => {
    const images = ['i1', 'i2', 'i3', 'i4', 'i5'].map((id) => imageRecord({ id }));
    const blobs = memoryBlobs(
      Object.fromEntries(images.filter((i) => i.id !== 'i3').map((i) => [originalKey(i.sha256), Buffer.from(i.id)])),
    );
    const labelled: string[] = [];
    const marked = new Map<string, AnalyzerState>();
    const found: Record<string, ImageLabel[]> = {
      i1: [{ label: 'dog', raw: 'dog', confidence: 0.9 }],
      i2: [],
      i5: [{ label: 'bus', raw: 'bus', confidence: 0.7 }],
    };
    const lib = fake<ReindexDeps>('lib', {
      blobs,
      decoder: fake<ReindexDeps['decoder']>('decoder', { readable: async (bytes: Buffer) => bytes }),
      labeler: async () =>
        fake<ObjectLabeler>('labeler', {
          model: 'fake/labeler',
          inputSide: undefined, // says nothing of what it looks at: it is given the original
          label: async (bytes: Buffer) => {
            const id = bytes.toString();
            await new Promise((r) => setTimeout(r, id === 'i1' ? 20 : 1)); // finishes out of order
            if (id === 'i4') throw new Error('the network choked on i4');
            return found[id];
          },
        }),
      store: fake<ReindexDeps['store']>('store', {
        imagesForAnalysis: async () => images.map((i) => i.id),
        getImages: async (ids: string[]) => images.filter((i) => ids.includes(i.id)),
        setLabels: async (id: string) => void labelled.push(id),
        markAnalyzed: async (id: string, _analyzer: string, state: AnalyzerState) => void marked.set(id, state),
      }),
    });
    const progress: number[] = [];
    const report = await reindex(lib, { only: ['labels'], onProgress: (p) => progress.push(p.done) });
    const r = report.labels;
    assert.deepEqual([r.model, r.planned, r.ok, r.empty], ['fake/labeler', 5, 2, 1]);
    assert.deepEqual(r.failed.map((f) => f.id).sort(), ['i3', 'i4']);
    assert.match(r.failed.find((f) => f.id === 'i3')!.error, /no stored or readable original/);
    assert.match(r.failed.find((f) => f.id === 'i4')!.error, /choked on i4/);
    assert.deepEqual(labelled.sort(), ['i1', 'i2', 'i5'], 'labels are written for the images analysed, once each');
    assert.deepEqual(Object.fromEntries([...marked].map(([id, s]) => [id, s.status])), {
      i1: 'ok',
      i2: 'empty',
      i3: 'failed',
      i4: 'failed',
      i5: 'ok',
    });
    assert.deepEqual(progress, [1, 2, 3, 4, 5]);
  });

  it('a use case that reaches past what it declares fails naming the member', async () => {
    const lib = fake<ReindexDeps>('lib', {
      store: fake<ReindexDeps['store']>('store', {
        imagesForAnalysis: async () => ['x'],
        getImages: async () => [imageRecord({ id: 'x' })],
      }),
    });
    await assert.rejects(reindex(lib, { only: ['labels'] }), /lib\.labeler is not part of this fake/);
  });
});

describe('HTTP app in process (app.request, no socket)', () => {
  let lib: Library;
  let app: ReturnType<typeof createApp>;
  let worker: IngestWorker;
  let feed: JobFeed;
  before(async () => {
    lib = await openLibrary(parseConfig(await testEnv(path.join(await tempDir(), 'data'))));
    worker = new IngestWorker(lib, { ownsDatabase: true });
    await worker.start();
    feed = new JobFeed(lib.jobs);
    feed.start();
    app = createApp({ lib, worker, feed });
  });
  // A request as a browser on this machine sends it: the server answers only Host names it knows.
  const call = (url: string, init: RequestInit = {}) =>
    app.request(`http://127.0.0.1${url}`, {
      ...init,
      headers: { host: '127.0.0.1', ...(init.headers as Record<string, string>) },
    });
  after(async () => {
    feed.stop();
    await worker.stop();
    await lib.close();
  });

  it('answers stats, refuses a bad search body with 400 and the field, and a missing image with 404', async () => {
    const stats = await call('/api/v1/stats');
    assert.equal(stats.status, 200);
    assert.equal(((await stats.json()) as { images: number }).images, 0);
    const bad = await call('/api/v1/images/search', jsonBody({ query: 'red', k: 0 }));
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /k/);
    const missing = await call('/api/v1/images/00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'NOT_FOUND');
  });

  it('takes an upload with ?wait=true and finds it by text', async () => {
    const f = new FormData();
    f.append('file', new Blob([new Uint8Array(await colourImage('red', 'png'))], { type: 'image/png' }), 'red.png');
    const up = await call('/api/v1/images?wait=true', {
      method: 'POST',
      body: f,
      headers: { origin: 'http://127.0.0.1' },
    });
    assert.equal(up.status, 201, await up.clone().text());
    const found = await call('/api/v1/images/search', jsonBody({ query: 'red', k: 1 }));
    const body = (await found.json()) as { results: { filename: string }[] };
    assert.equal(body.results[0]?.filename, 'red.png');
  });
});

describe('ingest worker: a passing database fault during labels, text and captions', () => {
  it('leaves the job to run again after its backoff, and that try fills in what is missing without a second image', async () => {
    const lib = await openLibrary(
      parseConfig(
        await testEnv(path.join(await tempDir(), 'data'), { LOUPE_LABELS: 'auto', LOUPE_JOB_RETRY_BASE_MS: '50' }),
      ),
    );
    const worker = new IngestWorker(lib, { ownsDatabase: true });
    const events: { status: string; attempts: number }[] = [];
    const faults: string[] = [];
    worker.on('job', (e) => events.push({ status: e.status, attempts: e.attempts }));
    worker.on('fault', (f) => faults.push(`${f.during}: ${f.code}`));
    // The database goes away for one write, while the labels pass records its result.
    const markAnalyzed = lib.store.markAnalyzed.bind(lib.store);
    let outage = true;
    lib.store.markAnalyzed = async (...args) => {
      if (outage) {
        outage = false;
        throw new LoupeError('DATABASE_UNAVAILABLE', {
          url: 'postgres://db',
          reason: 'Connection terminated unexpectedly',
        });
      }
      return markAnalyzed(...args);
    };
    try {
      const app = createApp({ lib, worker, feed: new JobFeed(lib.jobs) });
      await worker.start();
      const f = new FormData();
      f.append('file', new Blob([new Uint8Array(await colourImage('red', 'png'))], { type: 'image/png' }), 'red.png');
      const up = await app.request('http://127.0.0.1/api/v1/images', {
        method: 'POST',
        body: f,
        headers: { host: '127.0.0.1', origin: 'http://127.0.0.1' },
      });
      assert.equal(up.status, 201, await up.clone().text());
      const deadline = Date.now() + 30_000;
      while (!events.some((e) => e.status === 'done') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(faults, ['enrichment: DATABASE_UNAVAILABLE']);
      assert.deepEqual(events, [
        { status: 'pending', attempts: 1 },
        { status: 'done', attempts: 2 },
      ]);
      const { items } = await lib.store.listImages({ limit: 10 });
      assert.equal(items.length, 1, 'the second try attached to the stored image');
      assert.ok(
        ['ok', 'empty'].includes(items[0].analyzed.labels?.status ?? ''),
        `labels done: ${JSON.stringify(items[0].analyzed)}`,
      );
    } finally {
      await worker.stop();
      await lib.close();
    }
  });
});
