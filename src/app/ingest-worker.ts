/**
 * Runs queued upload jobs in batches: leases them, decodes, embeds and stores each batch, and reports
 * every job's end as an event. The same loop runs inside `loupe serve` and in `loupe worker` processes;
 * leases are renewed while a batch runs, so a killed worker's jobs are taken over by the others.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { isLoupeError, LoupeError, reasonOf, type ErrorCode } from '../core/errors.js';
import type { IngestJob, JobQueue, JobStatus } from '../ports/job-queue.js';
import type { ImageRecords } from '../ports/store.js';
import type { Library } from './library.js';
import { decodeForIndex, embedAndStore, type ReadyImage, type StoreBatchDeps } from './ingest-batch.js';
import { UPLOAD_ROOT, uploadPath } from '../core/blob-keys.js';
import { reindex, type ReindexDeps } from './reindex.js';

export interface JobEvent {
  id: string;
  spaceId: string;
  /** `pending`: the try failed and the job will run again after a backoff. */
  status: 'done' | 'failed' | 'dead' | 'pending';
  imageId?: string;
  error?: string;
  code?: string;
  filename: string;
  attempts: number;
}

/** Bad input: trying again gives the same answer, so these fail at once. Anything else may pass and is retried. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set([
  'FILE_TOO_LARGE',
  'EMPTY_FILE',
  'NOT_AN_IMAGE',
  'TOO_MANY_PIXELS',
  'TOO_MANY_FRAMES',
  'UNDECODABLE',
  'UNREADABLE',
  'BAD_ARGUMENT',
  'MODEL_MISMATCH',
]);
export const isRetryable = (e: unknown) => !(isLoupeError(e) && PERMANENT.has(e.code));

export interface IngestWorkerOptions {
  /** Names this worker in the jobs table (default: host, pid and a random suffix). */
  workerId?: string;
  /** Embedded mode: this process owns the database, so jobs left running at start are orphans. */
  ownsDatabase?: boolean;
}

/** A fault outside any one job's outcome: the queue could not be reached, or enrichment after storing failed. */
export interface WorkerFault {
  during: 'claim' | 'enrichment';
  /** What it means for the work, for a log line. */
  message: string;
  error: string;
  code?: string;
}

/** What the worker uses: the queue, CLIP, and for each job's space its files, store and analyzers. */
export type WorkerDeps = Pick<Library, 'config' | 'clip' | 'behind'> & {
  jobs: Pick<JobQueue, 'claim' | 'complete' | 'fail' | 'release' | 'renew' | 'requeueOrphans'>;
  forSpace(spaceId: string): StoreBatchDeps & ReindexDeps & { store: Pick<ImageRecords, 'findImageBySha'> };
};

export class IngestWorker extends EventEmitter<{
  job: [JobEvent];
  batch: [{ jobs: number; ms: number }];
  fault: [WorkerFault];
}> {
  readonly workerId: string;
  private running = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** Jobs this worker holds right now (renewed, released on shutdown). */
  private readonly held = new Set<string>();

  constructor(
    private readonly lib: WorkerDeps,
    private readonly options: IngestWorkerOptions = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  private get lease() {
    return { workerId: this.workerId, leaseMs: this.lib.config.jobs.leaseMs };
  }

  async start() {
    if (this.running) return;
    this.running = true;
    if (this.options.ownsDatabase) await this.lib.jobs.requeueOrphans();
    // Indexing waits behind what people are waiting for (listing, search) on a one-connection database.
    this.loop = this.lib.behind ? this.lib.behind(() => this.run()) : this.run();
  }

  /**
   * Stops claiming; the batch in flight may finish for `graceMs`, after which its jobs are given back
   * to the queue untried (another worker takes them; a late finish here is then ignored).
   */
  async stop(graceMs = this.lib.config.jobs.graceMs) {
    this.running = false;
    this.wakeUp?.();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.loop?.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut && this.held.size) {
      await this.lib.jobs.release([...this.held], this.workerId);
      this.held.clear();
    }
  }

  /** New work was queued. */
  wake() {
    this.wakeUp?.();
  }

  private async run() {
    while (this.running) {
      let jobs: IngestJob[] = [];
      try {
        jobs = await this.lib.jobs.claim(this.lib.config.batchSize, this.lease);
        if (jobs.length) await this.withLeases(jobs, () => this.process(jobs));
      } catch (e) {
        // A fault outside any one job (database, model loading): the whole batch tries again later.
        // (finish() only touches jobs this worker still holds: the database checks the lease.)
        for (const job of jobs) await this.finish(job, { error: e }).catch(() => {});
        if (!jobs.length) this.fault('claim', e);
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (jobs.length === 0 && this.running)
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          setTimeout(resolve, 1000); // also poll: other processes enqueue
        });
      this.wakeUp = null;
    }
  }

  /** Reports a fault to listeners (the CLI logs them as JSON), or to stderr when nobody listens. */
  private fault(during: WorkerFault['during'], e: unknown) {
    const message =
      during === 'claim'
        ? 'cannot claim jobs; trying again in a second'
        : 'stored and searchable, but labels, text or captions failed; the job will run again for them';
    const fault = { during, message, error: reasonOf(e), ...(isLoupeError(e) ? { code: e.code } : {}) };
    if (!this.emit('fault', fault)) console.error(`worker ${this.workerId}: ${message}: ${fault.error}`);
  }

  /** Holds the jobs' leases while `work` runs, renewing them at a third of the lease. */
  private async withLeases(jobs: IngestJob[], work: () => Promise<void>) {
    for (const j of jobs) this.held.add(j.id);
    const renew = setInterval(
      () => {
        void this.lib.jobs.renew([...this.held], this.lease).catch(() => {});
      },
      Math.max(100, this.lib.config.jobs.leaseMs / 3),
    );
    try {
      await work();
    } finally {
      clearInterval(renew);
      for (const j of jobs) this.held.delete(j.id);
    }
  }

  private async process(jobs: IngestJob[]) {
    const started = performance.now();
    const clip = await this.lib.clip();
    const bySpace = new Map<string, IngestJob[]>();
    for (const j of jobs) bySpace.set(j.spaceId, [...(bySpace.get(j.spaceId) ?? []), j]);
    for (const [spaceId, spaceJobs] of bySpace) {
      const lib = this.lib.forSpace(spaceId);
      const ready: { job: IngestJob; item: ReadyImage }[] = [];
      for (const job of spaceJobs) {
        try {
          const bytes = await lib.blobs.get(job.payload.blobKey);
          if (!bytes)
            throw new LoupeError('UNREADABLE', {
              path: job.payload.filename,
              reason: 'the uploaded original is missing from storage',
            });
          const decoded = await decodeForIndex(lib, clip, bytes, job.payload.filename);
          ready.push({
            job,
            item: {
              id: job.id,
              sha256: job.sha256,
              bytes: bytes.length,
              decoded,
              path: {
                path: uploadPath(job.id, job.payload.filename),
                root: UPLOAD_ROOT,
                folder: job.payload.folder,
                size: bytes.length,
                mtimeMs: 0,
              },
              caption: job.payload.caption,
              captionSource: job.payload.caption ? 'user' : null,
              tags: job.payload.tags,
            },
          });
        } catch (error) {
          await this.finish(job, { error });
        }
      }
      // Idempotent: a job tried again after its image was stored (worker killed before it said so) attaches to it.
      const outcomes = await embedAndStore(
        lib,
        clip,
        ready.map((r) => r.item),
      );
      // Searchable by meaning now. Labels, text in the images and captions come before the job ends: a model's failure
      // is recorded per image, but a passing fault (the database) leaves the job to run again after its backoff, and
      // that try finds the image by its hash and does only what is still missing.
      const stored = outcomes.flatMap((o) => ('imageId' in o ? [o.imageId] : []));
      let enrichment: unknown = null;
      if (stored.length)
        await reindex(lib, { only: ['labels', 'ocr', 'caption', 'text-embedding'], imageIds: stored }).catch((e) => {
          enrichment = e;
          this.fault('enrichment', e);
        });
      for (const [i, outcome] of outcomes.entries())
        await this.finish(ready[i].job, enrichment && 'imageId' in outcome ? { error: enrichment } : outcome);
    }
    this.emit('batch', { jobs: jobs.length, ms: performance.now() - started });
  }

  private async finish(job: IngestJob, outcome: { imageId: string } | { error: unknown }) {
    const base = { id: job.id, spaceId: job.spaceId, filename: job.payload.filename, attempts: job.attempts };
    if ('imageId' in outcome) {
      // False when this worker's lease ran out and another took the job: that one reports it.
      if (await this.lib.jobs.complete(job.id, outcome.imageId, this.workerId))
        this.emit('job', { ...base, status: 'done', imageId: outcome.imageId });
      return;
    }
    const code = isLoupeError(outcome.error) ? outcome.error.code : null;
    const error = reasonOf(outcome.error);
    const status: JobStatus | null = await this.lib.jobs.fail(
      job.id,
      { error, code, retry: isRetryable(outcome.error) },
      this.workerId,
    );
    if (!status) return;
    if (status === 'failed') {
      // Nothing refers to the kept original of a failed upload (a stored image would have made it a duplicate).
      const lib = this.lib.forSpace(job.spaceId);
      if (!(await lib.store.findImageBySha(job.sha256))) await lib.blobs.delete(job.payload.blobKey).catch(() => {});
    }
    this.emit('job', { ...base, status: status as JobEvent['status'], error, code: code ?? undefined });
  }
}
