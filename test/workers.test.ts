/**
 * Distributed workers against one PostgreSQL-protocol database (the test/support/pg-server.ts stand-in): three
 * `loupe worker` processes share a queue; one is killed with SIGKILL mid-job, one is stopped with SIGTERM;
 * every job still completes exactly once. Retries with backoff end in a dead letter. API servers only
 * enqueue, and waiting and events work whichever process does the work.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { parseConfig } from '../src/config.js';
import { acceptUpload } from '../src/app/upload.js';
import { IngestWorker } from '../src/app/ingest-worker.js';
import { openLibrary, type WiredLibrary } from '../src/wiring/library.js';
import { COCO_IMAGES, colourImage, requireShared, spawnCli, tempDir, testEnv } from './support/fixtures.js';
import { startPgServer, type PgServer } from './support/pg-server.js';
import { form, startTestServer } from './support/server.js';

interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: string[];
}

function startWorker(env: NodeJS.ProcessEnv): Worker {
  const child = spawnCli(['worker'], env);
  const log: string[] = [];
  child.stdout!.on('data', (d) => log.push(...String(d).split('\n').filter(Boolean)));
  child.stderr!.on('data', (d) => log.push(String(d)));
  return { child, log, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('distributed workers on one database', () => {
  let server: PgServer;
  let lib: WiredLibrary;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    await requireShared();
    server = await startPgServer();
    const data = path.join(await tempDir(), 'data');
    // Short leases so that a killed worker's jobs are taken over within seconds; small batches so jobs are many.
    env = await testEnv(data, {
      DATABASE_URL: server.url,
      LOUPE_JOB_LEASE_MS: '1500',
      LOUPE_BATCH_SIZE: '2',
      LOUPE_JOB_RETRY_BASE_MS: '50',
      LOUPE_WORKER_GRACE_MS: '20000',
      LOUPE_LOG_FORMAT: 'json',
    });
    lib = await openLibrary(parseConfig(env));
  });
  after(async () => {
    await lib?.close();
    await server?.stop();
  });

  it('three workers, one SIGKILLed mid-job and one SIGTERMed: every job done exactly once', async () => {
    const photos = (await readdir(COCO_IMAGES)).sort().slice(0, 40);
    const ids: string[] = [];
    for (const f of photos)
      ids.push((await acceptUpload(lib, { bytes: await readFile(path.join(COCO_IMAGES, f)), filename: f })).id);
    // A truncated JPEG passes the header check and fails decoding: bad input, failed at once, never retried.
    const full = await readFile(path.join(COCO_IMAGES, photos[0]));
    const truncated = await acceptUpload(lib, {
      bytes: Buffer.concat([full.subarray(0, 2000), Buffer.from('not the rest')]),
      filename: 'truncated.jpg',
    });
    assert.equal((await lib.jobs.counts()).pending, photos.length + 1);

    const workers = [startWorker(env), startWorker(env), startWorker(env)];
    const [victim, stopped, survivor] = workers;
    const heldBy = async (w: Worker) =>
      (
        await lib.db.query<{ id: string }>(`select id from jobs where status = 'running' and locked_by like $1`, [
          `%:${w.child.pid}:%`,
        ])
      ).map((r) => r.id);
    let victimJobs: string[] = [];
    await until('the victim to hold a job', async () => (victimJobs = await heldBy(victim)).length > 0);
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, null, 'killed, not exited');

    // Stop another gracefully while work remains: it finishes (or gives back) its batch and exits 0.
    await until(
      'the second worker to hold a job',
      async () => (await heldBy(stopped)).length > 0 || (await lib.jobs.counts()).pending === 0,
    );
    stopped.child.kill('SIGTERM');
    assert.equal(await stopped.exited, 0, `SIGTERM exits cleanly:\n${stopped.log.join('\n')}`);
    assert.ok(
      stopped.log.some((l) => l.includes('"worker stopped"')),
      'the worker logs its stop as JSON',
    );

    await until('the queue to drain', async () => {
      const c = await lib.jobs.counts();
      return c.pending === 0 && c.running === 0;
    });
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0);

    const jobs = await lib.db.query<{
      id: string;
      status: string;
      completions: number;
      attempts: number;
      error_code: string | null;
    }>('select id, status, completions, attempts, error_code from jobs');
    const byId = new Map(jobs.map((j) => [j.id, j]));
    for (const id of ids) {
      const j = byId.get(id)!;
      assert.equal(j.status, 'done', `job ${id} is done`);
      assert.equal(j.completions, 1, `job ${id} completed exactly once`);
    }
    for (const id of victimJobs)
      assert.ok(byId.get(id)!.attempts >= 2, "the killed worker's jobs were taken over by another");
    const bad = byId.get(truncated.id)!;
    assert.deepEqual([bad.status, bad.attempts, bad.error_code], ['failed', 1, 'UNDECODABLE']);

    assert.equal(await lib.store.imageCount(), photos.length, 'each image stored once');
    const [{ n: paths }] = await lib.db.query<{ n: string }>('select count(*) as n from image_paths');
    const [{ n: vectors }] = await lib.db.query<{ n: string }>(
      `select count(*) as n from embeddings where kind = 'clip'`,
    );
    assert.deepEqual([Number(paths), Number(vectors)], [photos.length, photos.length]);
    // The survivor's JSON log shows the work it did.
    const lines = survivor.log
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return null;
        }
      })
      .filter(Boolean);
    assert.ok(
      lines.some((l) => l.msg === 'job done' && typeof l.job === 'string'),
      'structured job log lines',
    );
  });

  it('a failure that may pass is retried with backoff, then ends as dead with its error', async () => {
    const broken = await openLibrary(
      parseConfig({ ...env, LOUPE_CLIP_MODEL: 'missing/model', LOUPE_JOB_MAX_ATTEMPTS: '3' }),
    );
    const bytes = await readFile(path.join(COCO_IMAGES, (await readdir(COCO_IMAGES)).sort()[50]));
    const { id } = await acceptUpload(broken, { bytes, filename: 'retry-me.jpg' });
    const worker = new IngestWorker(broken);
    const seen: string[] = [];
    worker.on('job', (e) => e.id === id && seen.push(e.status));
    await worker.start();
    try {
      await until('the job to die', async () => (await broken.jobs.get(id))?.status === 'dead', 30_000);
    } finally {
      await worker.stop();
    }
    const job = (await broken.jobs.get(id))!;
    assert.equal(job.attempts, 3);
    assert.equal(job.errorCode, 'MODEL_MISSING_OFFLINE');
    assert.match(job.error!, /missing\/model/);
    assert.deepEqual(seen, ['pending', 'pending', 'dead'], 'two retries, then the dead letter');
    await broken.close();
  });

  it('API servers only enqueue; a worker process indexes; waiting and events work from any API server', async () => {
    // Two API servers on the same database and the same file store, as behind a load balancer.
    const shared = { DATABASE_URL: server.url, LOUPE_DATA_DIR: env.LOUPE_DATA_DIR! };
    const [apiA, apiB] = [await startTestServer(shared), await startTestServer(shared)];
    const events = new AbortController();
    let reading: Promise<void> | undefined;
    let worker: Worker | undefined;
    try {
      assert.equal(apiA.worker, null, 'with DATABASE_URL the API runs no worker of its own');
      const upload = async (api: typeof apiA, colour: string, query = '') =>
        fetch(`${api.url}/api/v1/images${query}`, {
          method: 'POST',
          body: form([{ name: `${colour}.png`, bytes: await colourImage(colour, 'png'), type: 'image/png' }]),
        });

      const queued = await upload(apiA, 'teal');
      assert.equal(queued.status, 201);
      const tealJob = (await queued.json()).images[0];
      assert.equal(tealJob.status, 'pending');
      await sleep(1500);
      assert.equal((await lib.jobs.get(tealJob.id))?.status, 'pending', 'nothing indexes it without a worker');

      // B streams events while A takes the upload and a worker process does the work.
      const stream = await fetch(`${apiB.url}/api/v1/events`, { signal: events.signal });
      const seen: string[] = [];
      reading = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream.body!) seen.push(decoder.decode(chunk as Uint8Array));
      })().catch(() => {});
      worker = startWorker(env);
      const waited = await upload(apiA, 'purple', '?wait=true');
      assert.equal(waited.status, 201, await waited.clone().text());
      const purple = (await waited.json()).images[0];
      assert.equal(purple.status, 'ready', 'A answered once the worker process had indexed it');
      assert.equal((await (await fetch(`${apiB.url}/api/v1/images/${purple.id}`)).json()).id, purple.id, 'B serves it');
      await until(
        'the queued upload to be indexed',
        async () => (await lib.jobs.get(tealJob.id))?.status === 'done',
        60_000,
      );
      await until(
        'B to stream the job done',
        async () => seen.join('').includes(`"id":"${tealJob.id}"`) && /"status":"done"/.test(seen.join('')),
        10_000,
      );
    } finally {
      events.abort();
      await reading;
      worker?.child.kill('SIGTERM');
      await worker?.exited;
      await apiA.stop();
      await apiB.stop();
    }
  });

  it('a worker outlives a database outage, logging it as JSON, and still stops cleanly', async () => {
    const lost = await startPgServer();
    const data = path.join(await tempDir(), 'data');
    const outageEnv = { ...env, DATABASE_URL: lost.url, LOUPE_DATA_DIR: data };
    await (await openLibrary(parseConfig(outageEnv))).close(); // migrated
    const worker = startWorker(outageEnv);
    const json = () =>
      worker.log.flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
    await until('the worker to start', async () => json().some((l) => l.msg === 'worker started'), 60_000);
    await lost.stop();
    await until('the outage to be logged', async () => json().some((l) => l.during === 'claim'), 30_000);
    const fault = json().find((l) => l.during === 'claim');
    assert.equal(fault.level, 50, 'logged at error level');
    assert.match(fault.msg, /cannot claim jobs/);
    assert.ok(fault.error, 'with the reason');
    assert.equal(worker.child.exitCode, null, 'still running: it tries again');
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
  });
});
