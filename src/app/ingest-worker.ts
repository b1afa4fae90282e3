/**
 * Runs queued upload jobs in batches: claims them, decodes, embeds and stores each batch, and reports
 * every job's end as an event. Jobs left running by a crash are queued again on start.
 */
import { EventEmitter } from 'node:events';
import { isLoupeError, LoupeError, reasonOf } from '../core/errors.js';
import type { IngestJob, JobStatus } from '../ports/job-queue.js';
import type { Library } from '../library.js';
import { decodeForIndex, embedAndStore, type ReadyImage } from './ingest-batch.js';
import { UPLOAD_ROOT } from './upload.js';
import { reindex } from './reindex.js';

export interface JobEvent {
  id: string;
  status: 'done' | 'failed';
  imageId?: string;
  error?: string;
  code?: string;
  filename: string;
}

export interface QueueProgress {
  counts: Record<JobStatus, number>;
}

export class IngestWorker extends EventEmitter<{ job: [JobEvent]; progress: [QueueProgress] }> {
  private running = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly lib: Library) {
    super();
    this.setMaxListeners(0);
  }

  async start() {
    if (this.running) return;
    this.running = true;
    await this.lib.jobs.requeueRunning();
    this.loop = this.run();
  }

  /** Stops after the batch in flight. */
  async stop() {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** New work was queued. */
  wake() {
    this.wakeUp?.();
  }

  /** Resolves when the job ends (at once if it already has). */
  async waitFor(id: string, timeoutMs = 300_000): Promise<void> {
    let cleanup = () => {};
    // Listen first, then look: a job that ends in between is still seen.
    const ended = new Promise<void>((resolve, reject) => {
      const onJob = (e: JobEvent) => e.id === id && (cleanup(), resolve());
      const timer = setTimeout(() => (cleanup(), reject(new Error(`job ${id} did not finish within ${timeoutMs} ms`))), timeoutMs);
      cleanup = () => (clearTimeout(timer), this.off('job', onJob));
      this.on('job', onJob);
    });
    const job = await this.lib.jobs.get(id);
    if (!job || job.status === 'done' || job.status === 'failed') cleanup();
    else await ended;
  }

  private async run() {
    while (this.running) {
      let jobs: IngestJob[] = [];
      try {
        jobs = await this.lib.jobs.claim(this.lib.config.batchSize);
        if (jobs.length) await this.process(jobs);
      } catch (e) {
        // A fault outside any one job (database, model): fail the claimed jobs rather than loop on them.
        for (const job of jobs) await this.finish(job, { error: e }).catch(() => {});
      }
      if (jobs.length === 0 && this.running) await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        setTimeout(resolve, 1000); // also poll: other processes may enqueue
      });
      this.wakeUp = null;
    }
  }

  private async process(jobs: IngestJob[]) {
    const clip = await this.lib.clip();
    const ready: { job: IngestJob; item: ReadyImage }[] = [];
    for (const job of jobs) {
      try {
        const bytes = await this.lib.blobs.get(job.payload.blobKey);
        if (!bytes) throw new LoupeError('UNREADABLE', { path: job.payload.filename, reason: 'the uploaded original is missing from storage' });
        const decoded = await decodeForIndex(this.lib, clip, bytes, job.payload.filename);
        ready.push({
          job,
          item: {
            id: job.id,
            sha256: job.sha256,
            bytes: bytes.length,
            decoded,
            path: { path: `${UPLOAD_ROOT}${job.id}/${job.payload.filename}`, root: UPLOAD_ROOT, folder: job.payload.folder, size: bytes.length, mtimeMs: 0 },
            caption: job.payload.caption,
            captionSource: job.payload.caption ? 'user' : null,
            tags: job.payload.tags,
          },
        });
      } catch (error) {
        await this.finish(job, { error });
      }
    }
    const outcomes = await embedAndStore(this.lib, clip, ready.map((r) => r.item));
    for (const [i, outcome] of outcomes.entries()) await this.finish(ready[i].job, outcome);
    this.emit('progress', { counts: await this.lib.jobs.counts() });
    // Searchable by meaning now; text in the images and captions follow (failures are recorded per image).
    const stored = outcomes.flatMap((o) => ('imageId' in o && o.inserted ? [o.imageId] : []));
    if (stored.length) await reindex(this.lib, { only: ['ocr', 'caption', 'text-embedding'], imageIds: stored }).catch((e) => console.error('enrichment failed:', reasonOf(e)));
  }

  private async finish(job: IngestJob, outcome: { imageId: string } | { error: unknown }) {
    if ('imageId' in outcome) {
      await this.lib.jobs.complete(job.id, outcome.imageId);
      this.emit('job', { id: job.id, status: 'done', imageId: outcome.imageId, filename: job.payload.filename });
    } else {
      const code = isLoupeError(outcome.error) ? outcome.error.code : null;
      await this.lib.jobs.fail(job.id, reasonOf(outcome.error), code);
      // Nothing refers to the kept original of a failed upload (a stored image would have made it a duplicate).
      if (!(await this.lib.store.findImageBySha(job.sha256))) await this.lib.blobs.delete(job.payload.blobKey).catch(() => {});
      this.emit('job', { id: job.id, status: 'failed', error: reasonOf(outcome.error), code: code ?? undefined, filename: job.payload.filename });
    }
  }
}
