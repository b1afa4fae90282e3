/** What every JobQueue does, run on each database (test/job-queue.test.ts: embedded PGlite and the wire protocol). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { IngestPayload, JobQueue, RetryPolicy } from '../../../src/ports/job-queue.js';

export interface QueueFixture {
  queue: JobQueue;
  /** The same database seen through a second space that exists. */
  other: JobQueue;
  close(): Promise<void>;
}

const payload = (filename: string): IngestPayload => ({
  blobKey: `originals/${filename}`,
  filename,
  folder: '',
  caption: null,
  tags: [],
  bytes: 1,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** @param open a queue on a fresh, migrated database with this retry policy */
export function jobQueueConformance(name: string, open: (retry: RetryPolicy) => Promise<QueueFixture>) {
  const retry: RetryPolicy = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 };
  const job = (f: string) => ({ id: randomUUID(), sha256: f.padEnd(64, '0'), payload: payload(f) });
  const using = async (run: (f: QueueFixture) => Promise<void>) => {
    const f = await open(retry);
    try {
      await run(f);
    } finally {
      await f.close();
    }
  };

  describe(`JobQueue on ${name}`, () => {
    it('leases a job to one worker at a time; only the holder completes it', () =>
      using(async ({ queue }) => {
        const a = job('a');
        await queue.enqueue(a);
        assert.equal((await queue.get(a.id))?.status, 'pending');
        assert.equal(
          (await queue.findActiveBySha(a.sha256))?.id,
          a.id,
          'a second upload of the content finds the first',
        );
        const [claimed] = await queue.claim(5, { workerId: 'w1', leaseMs: 60_000 });
        assert.deepEqual(
          [claimed.id, claimed.status, claimed.attempts, claimed.payload.filename],
          [a.id, 'running', 1, 'a'],
        );
        assert.deepEqual(
          await queue.claim(5, { workerId: 'w2', leaseMs: 60_000 }),
          [],
          'a held lease is not claimed again',
        );
        assert.equal(await queue.complete(a.id, randomUUID(), 'w2'), false, 'another worker cannot complete it');
        const imageId = randomUUID();
        assert.equal(await queue.complete(a.id, imageId, 'w1'), true);
        const done = await queue.get(a.id);
        assert.deepEqual([done?.status, done?.imageId], ['done', imageId]);
        assert.equal(await queue.findActiveBySha(a.sha256), null);
        assert.equal((await queue.counts()).done, 1);
        assert.deepEqual(
          (await queue.endedSince(new Date(Date.now() - 60_000), 10)).map((j) => j.id),
          [a.id],
        );
      }));

    it('a lease that runs out is claimed by another worker; the first can then neither renew nor complete', () =>
      using(async ({ queue }) => {
        const b = job('b');
        await queue.enqueue(b);
        await queue.claim(1, { workerId: 'w1', leaseMs: 50 });
        assert.deepEqual(await queue.renew([b.id], { workerId: 'w1', leaseMs: 50 }), [b.id], 'the holder renews');
        await sleep(150);
        const [again] = await queue.claim(1, { workerId: 'w2', leaseMs: 60_000 });
        assert.equal(again?.id, b.id);
        assert.deepEqual(await queue.renew([b.id], { workerId: 'w1', leaseMs: 50 }), []);
        assert.equal(await queue.complete(b.id, randomUUID(), 'w1'), false);
        assert.equal(await queue.complete(b.id, randomUUID(), 'w2'), true);
      }));

    it('a failure that may pass is retried, then dead after the last try; bad input fails at once; each keeps its error', () =>
      using(async ({ queue }) => {
        const c = job('c');
        const d = job('d');
        await queue.enqueue(c);
        await queue.enqueue(d);
        const first = await queue.claim(5, { workerId: 'w', leaseMs: 60_000 });
        assert.equal(first.length, 2);
        assert.equal(
          await queue.fail(c.id, { error: 'database away', code: 'DATABASE_UNAVAILABLE', retry: true }, 'w'),
          'pending',
        );
        assert.equal(
          await queue.fail(d.id, { error: 'not an image', code: 'NOT_AN_IMAGE', retry: false }, 'w'),
          'failed',
        );
        const [second] = await queue.claim(5, { workerId: 'w', leaseMs: 60_000 });
        assert.deepEqual([second?.id, second?.attempts], [c.id, 2]);
        assert.equal(
          await queue.fail(c.id, { error: 'database away again', code: 'DATABASE_UNAVAILABLE', retry: true }, 'w'),
          'dead',
        );
        const [dead, failed] = [await queue.get(c.id), await queue.get(d.id)];
        assert.deepEqual(
          [dead?.status, dead?.error, dead?.errorCode],
          ['dead', 'database away again', 'DATABASE_UNAVAILABLE'],
        );
        assert.deepEqual([failed?.status, failed?.errorCode], ['failed', 'NOT_AN_IMAGE']);
        assert.equal(
          await queue.fail(c.id, { error: 'x', code: null, retry: true }, 'w'),
          null,
          'a job not held cannot fail',
        );
      }));

    it('released and orphaned jobs go back to pending without counting the try', () =>
      using(async ({ queue }) => {
        const e = job('e');
        const g = job('g');
        await queue.enqueue(e);
        await queue.enqueue(g);
        await queue.claim(5, { workerId: 'w', leaseMs: 60_000 });
        await queue.release([e.id], 'w');
        assert.deepEqual([(await queue.get(e.id))?.status, (await queue.get(e.id))?.attempts], ['pending', 0]);
        assert.equal(await queue.requeueOrphans(), 1, 'the job still running (its process crashed) goes back');
        assert.deepEqual([(await queue.get(g.id))?.status, (await queue.get(g.id))?.attempts], ['pending', 0]);
        assert.ok((await queue.oldestPendingAge()) >= 0);
        assert.equal((await queue.claim(5, { workerId: 'w2', leaseMs: 60_000 })).length, 2);
      }));

    it("keeps each space's jobs to itself; workers claim from every space", () =>
      using(async ({ queue, other }) => {
        const h = job('h');
        await other.enqueue(h);
        assert.equal(await queue.get(h.id), null);
        assert.equal(await queue.findActiveBySha(h.sha256), null);
        assert.equal((await queue.counts()).pending, 0);
        assert.equal((await other.counts()).pending, 1);
        assert.equal((await queue.counts('all')).pending, 1);
        const [claimed] = await queue.claim(5, { workerId: 'w', leaseMs: 60_000 });
        assert.deepEqual([claimed?.id, claimed?.spaceId], [h.id, (await other.get(h.id))?.spaceId]);
      }));
  });
}
