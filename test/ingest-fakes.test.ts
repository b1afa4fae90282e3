/**
 * Uploads, folder indexing and the ingest worker as use cases on fakes: in-memory store, blobs, queue and files, a
 * CLIP that embeds an image's mean colour, and the real decoder (sharp). No database opens, so each runs in
 * milliseconds; the same paths run end to end on PGlite and PostgreSQL in their own tests.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import { IngestWorker, type JobEvent, type WorkerDeps } from '../src/app/ingest-worker.js';
import { indexPaths, type IndexDeps } from '../src/app/index-paths.js';
import { acceptUpload, findRecord, type AcceptDeps } from '../src/app/upload.js';
import { parseConfig } from '../src/config.js';
import { originalKey, thumbnailKey } from '../src/core/blob-keys.js';
import { isLoupeError, LoupeError } from '../src/core/errors.js';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import type { ClipEmbedder, RgbPixels } from '../src/ports/clip-embedder.js';
import type { IngestJob, JobQueue, JobStatus } from '../src/ports/job-queue.js';
import { fake, memoryBlobs, memorySource, memoryStore } from './support/fakes.js';
import { colourImage } from './support/fixtures.js';

const config = parseConfig({
  LOUPE_DATA_DIR: '/nonexistent/loupe-fakes',
  LOUPE_LABELS: 'off',
  LOUPE_OCR: 'off',
  LOUPE_JOB_RETRY_BASE_MS: '10',
});
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A CLIP whose vector is the image's mean colour: the same picture always gives the same vector. */
const colourClip: ClipEmbedder = {
  model: 'test/mean-colour',
  inputSize: 32,
  embedImages: async (images: RgbPixels[]) =>
    images.map(({ data }) => {
      const v = new Float32Array(3);
      for (let i = 0; i < data.length; i += 3) for (let c = 0; c < 3; c++) v[c] += data[i + c];
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    }),
  embedTexts: async (texts) => texts.map(() => new Float32Array([1, 0, 0])),
  dispose: async () => {},
};
const none = async () => ({ unavailable: 'not in this test' });

/** A queued job as the queue keeps it, from what was enqueued. */
const pendingJob = (j: Pick<IngestJob, 'id' | 'sha256' | 'payload'>): IngestJob => ({
  ...j,
  spaceId: 'default',
  status: 'pending',
  imageId: null,
  error: null,
  errorCode: null,
  attempts: 0,
  createdAt: '',
  updatedAt: '',
});

describe('acceptUpload on fakes', () => {
  const deps = () => {
    const enqueued: IngestJob[] = [];
    const jobs = fake<AcceptDeps['jobs']>('jobs', {
      findActiveBySha: async (s) => enqueued.find((j) => j.sha256 === s) ?? null,
      enqueue: async (j) => void enqueued.push(pendingJob(j)),
      get: async (id) => enqueued.find((j) => j.id === id) ?? null,
    });
    return { config, decoder: new SharpDecoder(), blobs: memoryBlobs(), store: memoryStore(), jobs, enqueued };
  };

  it('keeps the original under its hash and queues one job with the cleaned fields; the same bytes again answer that job', async () => {
    const lib = deps();
    const bytes = await colourImage('red', 'png');
    const record = await acceptUpload(lib, {
      bytes,
      filename: '../../etc/red.png',
      folder: ' trips//2024 ',
      caption: '  sunset ',
      tags: ['a', 'a', ' b '],
    });
    assert.equal(record.status, 'pending');
    assert.deepEqual(lib.blobs.keys(), [originalKey(sha(bytes))]);
    assert.equal(lib.enqueued.length, 1);
    const { payload } = lib.enqueued[0];
    assert.equal(payload.blobKey, originalKey(sha(bytes)));
    assert.ok(!payload.filename.includes('/'), `no path in the stored name: ${payload.filename}`);
    assert.deepEqual([payload.caption, payload.tags], ['sunset', ['a', 'b']]);
    const again = await acceptUpload(lib, { bytes, filename: 'again.png' });
    assert.deepEqual([again.id, again.duplicate, lib.enqueued.length], [record.id, true, 1]);
    assert.equal((await findRecord(lib, record.id))?.status, 'pending');
  });

  it('refuses a file that is not an image, or over the size limit, before storing or queueing anything', async () => {
    const lib = deps();
    await assert.rejects(
      acceptUpload(lib, { bytes: Buffer.from('just text, named as a photo'), filename: 'notes.jpg' }),
      (e) => isLoupeError(e, 'NOT_AN_IMAGE') || isLoupeError(e, 'UNDECODABLE'),
    );
    const big = Buffer.alloc(config.limits.maxFileBytes + 1);
    await assert.rejects(acceptUpload(lib, { bytes: big, filename: 'big.png' }), (e) =>
      isLoupeError(e, 'FILE_TOO_LARGE'),
    );
    assert.deepEqual([lib.blobs.keys(), lib.enqueued.length], [[], 0]);
  });
});

describe('indexPaths on fakes', () => {
  const root = '/photos';
  const deps = (files: Record<string, Buffer>) => {
    const store = memoryStore();
    const blobs = memoryBlobs();
    const lib: IndexDeps = {
      config,
      clip: async () => colourClip,
      labeler: none,
      decoder: new SharpDecoder(),
      imageSource: async () => memorySource(root, files),
      blobs,
      store,
    };
    return { lib, store, blobs };
  };

  it('stores each content once with a thumbnail, attaches a copy as a duplicate, names a file it cannot decode, and skips all of it on the next run', async () => {
    const [red, blue] = await Promise.all([colourImage('red', 'png'), colourImage('blue', 'jpeg')]);
    const files = {
      [`${root}/red.png`]: red,
      [`${root}/trip/blue.jpg`]: blue,
      [`${root}/copy/red.png`]: red,
      [`${root}/broken.jpg`]: Buffer.from('not a jpeg at all'),
    };
    const { lib, store, blobs } = deps(files);
    const first = await indexPaths(lib, [root]);
    assert.equal(first.indexed, 2);
    assert.equal(first.duplicates, 1);
    assert.deepEqual(
      first.failed.map((f) => f.path),
      [`${root}/broken.jpg`],
    );
    assert.equal(store.images.size, 2);
    assert.deepEqual([...store.paths.keys()].sort(), [
      `${root}/copy/red.png`,
      `${root}/red.png`,
      `${root}/trip/blue.jpg`,
    ]);
    assert.equal(store.paths.get(`${root}/trip/blue.jpg`)!.folder, 'trip');
    assert.deepEqual(blobs.keys().sort(), [thumbnailKey(sha(blue)), thumbnailKey(sha(red))].sort());
    assert.deepEqual(
      [...store.vectors.values()].map((v) => v.model),
      [colourClip.model, colourClip.model],
    );
    const second = await indexPaths(lib, [root]);
    assert.deepEqual([second.indexed, second.skipped], [0, 3]);
  });

  it('forgets a file that is gone, with its thumbnail once no path shows the image', async () => {
    const [red, blue] = await Promise.all([colourImage('red', 'png'), colourImage('blue', 'png')]);
    const files: Record<string, Buffer> = { [`${root}/red.png`]: red, [`${root}/blue.png`]: blue };
    const { lib, store, blobs } = deps(files);
    await indexPaths(lib, [root]);
    delete files[`${root}/blue.png`];
    const after = await indexPaths(lib, [root]);
    assert.equal(after.removed, 1);
    assert.equal(store.images.size, 1);
    assert.deepEqual(blobs.keys(), [thumbnailKey(sha(red))]);
  });

  it('refuses a library whose vectors were made by another model, before reading a file', async () => {
    const { lib, store } = deps({ [`${root}/red.png`]: await colourImage('red', 'png') });
    store.vectors.set('old', { model: 'other/clip', vector: new Float32Array(3) });
    await assert.rejects(indexPaths(lib, [root]), (e) => isLoupeError(e, 'MODEL_MISMATCH'));
    assert.equal(store.paths.size, 0);
  });
});

describe('IngestWorker on fakes', () => {
  /** A queue in memory with the real one's rules: leases, a retry on a passing failure, failed at once on bad input. */
  function memoryJobs(jobs: IngestJob[]) {
    const calls: string[] = [];
    const queue = fake<WorkerDeps['jobs']>('jobs', {
      claim: async (limit) => {
        const ready = jobs.filter((j) => j.status === 'pending').slice(0, limit);
        for (const j of ready) {
          j.status = 'running';
          j.attempts++;
        }
        return ready.map((j) => ({ ...j }));
      },
      renew: async (ids) => ids,
      complete: async (id, imageId) => {
        const j = jobs.find((x) => x.id === id)!;
        Object.assign(j, { status: 'done', imageId });
        calls.push(`complete ${id}`);
        return true;
      },
      fail: async (id, failure) => {
        const j = jobs.find((x) => x.id === id)!;
        const status: JobStatus = failure.retry ? 'pending' : 'failed';
        Object.assign(j, { status, error: failure.error, errorCode: failure.code });
        calls.push(`fail ${id} ${failure.code} ${status}`);
        return status;
      },
      release: async () => {},
      requeueOrphans: async () => 0,
    } satisfies Partial<JobQueue>);
    return { queue, calls };
  }
  const job = (id: string, bytes: Buffer, filename: string) =>
    pendingJob({
      id,
      sha256: sha(bytes),
      payload: {
        blobKey: originalKey(sha(bytes)),
        filename,
        folder: 'phone',
        caption: null,
        tags: [],
        bytes: bytes.length,
      },
    });

  it('stores a good upload, fails a corrupt one at once (deleting its original), and tries a passing database fault again', async () => {
    const [red, blue] = await Promise.all([colourImage('red', 'png'), colourImage('blue', 'png')]);
    const corrupt = Buffer.concat([red.subarray(0, 40), Buffer.alloc(200)]);
    const blobs = memoryBlobs({
      [originalKey(sha(red))]: red,
      [originalKey(sha(blue))]: blue,
      [originalKey(sha(corrupt))]: corrupt,
    });
    const store = memoryStore();
    const insert = store.insertImages.bind(store);
    let outage = true;
    // The database goes away for the first write of blue.
    store.insertImages = async (items) => {
      if (outage && items.some((i) => i.path.path.endsWith('blue.png'))) {
        outage = false;
        throw new LoupeError('DATABASE_UNAVAILABLE', {
          url: 'postgres://db',
          reason: 'Connection terminated unexpectedly',
        });
      }
      return insert(items);
    };
    const jobs = [job('j-red', red, 'red.png'), job('j-corrupt', corrupt, 'corrupt.png')];
    const { queue, calls } = memoryJobs(jobs);
    const space = {
      config,
      clip: async () => colourClip,
      decoder: new SharpDecoder(),
      blobs,
      store,
      ocr: none,
      labeler: none,
      captioner: none,
      textEmbedders: async () => [],
      imageSource: none,
    } as never;
    const worker = new IngestWorker({
      config: { ...config, batchSize: 8 },
      clip: async () => colourClip,
      jobs: queue,
      forSpace: () => space,
    });
    const events: JobEvent[] = [];
    worker.on('job', (e) => events.push(e));
    await worker.start();
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => events.length >= 2);
    jobs.push(job('j-blue', blue, 'blue.png'));
    worker.wake();
    await until(() => events.filter((e) => e.id === 'j-blue').length >= 2);
    await worker.stop();

    assert.deepEqual(
      events.map((e) => `${e.id} ${e.status}${e.code ? ` ${e.code}` : ''}`),
      // A file that cannot be decoded ends while its batch is read; the batch's good images end once stored.
      ['j-corrupt failed UNDECODABLE', 'j-red done', 'j-blue pending DATABASE_UNAVAILABLE', 'j-blue done'],
      calls.join('\n'),
    );
    assert.equal(store.images.size, 2, 'red and blue, each once');
    assert.ok(!blobs.keys().includes(originalKey(sha(corrupt))), 'the failed upload leaves nothing behind');
    assert.deepEqual(
      [...store.paths.values()].map((p) => p.folder),
      ['phone', 'phone'],
    );
    assert.ok(path.basename([...store.paths.keys()][0]).endsWith('.png'));
  });
});
