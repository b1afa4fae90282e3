/**
 * What the API tells clients about jobs, whichever process ran them (the API's own worker, or `loupe worker`
 * processes elsewhere): it reads the jobs table, so one source of truth serves every deployment.
 */
import { LoupeError } from '../core/errors.js';
import { EventEmitter } from 'node:events';
import type { IngestJob, JobQueue } from '../ports/job-queue.js';
import type { JobEvent } from './ingest-worker.js';

const ENDED = new Set(['done', 'failed', 'dead']);

export const jobEvent = (j: IngestJob): JobEvent => ({
  id: j.id,
  spaceId: j.spaceId,
  status: j.status as JobEvent['status'],
  ...(j.imageId ? { imageId: j.imageId } : {}),
  ...(j.error ? { error: j.error } : {}),
  ...(j.errorCode ? { code: j.errorCode } : {}),
  filename: j.payload.filename,
  attempts: j.attempts,
});

export class JobFeed extends EventEmitter<{ job: [JobEvent]; stop: [] }> {
  private timer: NodeJS.Timeout | null = null;
  private since = new Date(Date.now() - 1000);
  /** Recently reported (id + update time): polls overlap so that a slow commit is not missed. */
  private seen = new Map<string, number>();

  constructor(
    private readonly jobs: JobQueue,
    private readonly intervalMs = 250,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Polls only while someone listens. */
  start() {
    if (this.timer) return;
    const tick = async () => {
      if (this.listenerCount('job') > 0) await this.poll().catch(() => {});
      if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  /** Stops polling, and tells listeners (event streams) to end. */
  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emit('stop');
  }

  private async poll() {
    const ended = await this.jobs.endedSince(new Date(this.since.getTime() - 2000), 1000);
    const now = Date.now();
    for (const job of ended) {
      const key = `${job.id}@${job.updatedAt}`;
      if (this.seen.has(key)) continue;
      this.seen.set(key, now);
      const at = new Date(job.updatedAt);
      if (at > this.since) this.since = at;
      this.emit('job', jobEvent(job));
    }
    for (const [key, at] of this.seen) if (now - at > 60_000) this.seen.delete(key);
  }

  /** Resolves when the job has ended (at once if it already has); `jobs` is the caller's space's queue. */
  async waitFor(jobs: Pick<JobQueue, 'get'>, id: string, timeoutMs = 300_000): Promise<IngestJob | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await jobs.get(id);
      if (!job || ENDED.has(job.status)) return job;
      if (Date.now() > deadline)
        throw new LoupeError('QUERY_TIMEOUT', { ms: timeoutMs, statement: `waiting for job ${id} to be indexed` });
      await new Promise((r) => setTimeout(r, Math.min(this.intervalMs, 100)));
    }
  }
}
