/**
 * Persisted ingestion jobs: enqueued by the API, claimed by workers (in the API process, or any number
 * of `loupe worker` processes on other machines). A claim is a lease the worker renews while it works;
 * a worker that dies loses its lease and the job is claimed again. Failures that may pass (database,
 * network, model loading) are retried with backoff, then end as `dead` with their error; bad input
 * (corrupt file, not an image) fails at once as `failed`.
 */
export interface IngestPayload {
  /** Blob key of the uploaded original, in the job's space's blob store. */
  blobKey: string;
  filename: string;
  folder: string;
  caption: string | null;
  tags: string[];
  bytes: number;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'dead';

export interface IngestJob {
  /** Also the id the image gets once indexed: clients can ask for it from the start. */
  id: string;
  spaceId: string;
  status: JobStatus;
  sha256: string;
  payload: IngestPayload;
  imageId: string | null;
  error: string | null;
  errorCode: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export interface RetryPolicy {
  /** Tries before a job is dead. */
  maxAttempts: number;
  /** Wait before the 2nd try; doubles each time, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface JobQueue {
  enqueue(job: { id: string; sha256: string; payload: IngestPayload }): Promise<void>;
  /**
   * Atomically leases up to `limit` jobs to `workerId` for `leaseMs` and returns them, oldest first:
   * pending jobs whose time has come, and running jobs whose worker's lease ran out.
   */
  claim(limit: number, lease: { workerId: string; leaseMs: number }): Promise<IngestJob[]>;
  /** Extends the worker's leases on these jobs. @returns the ids it still holds. */
  renew(ids: string[], lease: { workerId: string; leaseMs: number }): Promise<string[]>;
  /** @returns false when the worker no longer held the job (its lease ran out and another took it). */
  complete(id: string, imageId: string, workerId: string): Promise<boolean>;
  /**
   * Ends a try. `retry`: the failure may pass, so the job runs again after a backoff, or is dead after
   * the last try. Otherwise it fails for good. @returns the job's new status, or null when not held.
   */
  fail(
    id: string,
    failure: { error: string; code: string | null; retry: boolean },
    workerId: string,
  ): Promise<JobStatus | null>;
  /** Gives jobs back untried (a worker shutting down). */
  release(ids: string[], workerId: string): Promise<void>;
  /** When any worker last asked for jobs (null: never), so a caller can tell that nobody is taking them. */
  lastPolled(): Promise<Date | null>;
  get(id: string): Promise<IngestJob | null>;
  /** A pending or running job for this content, so a second upload of it answers with the first. */
  findActiveBySha(sha256: string): Promise<IngestJob | null>;
  /** Counts of this queue's space, or of every space (metrics). */
  counts(scope?: 'space' | 'all'): Promise<Record<JobStatus, number>>;
  /** Embedded mode only (one process owns the database): jobs left running by a crash go back to pending. */
  requeueOrphans(): Promise<number>;
  /** The same queue seen through another space. */
  forSpace(spaceId: string): JobQueue;
  /** Seconds the oldest claimable job has waited (0 when none), for metrics. */
  oldestPendingAge(): Promise<number>;
  /** Jobs that ended (done, failed, dead) after `since`, for reporting other processes' work. */
  endedSince(since: Date, limit: number): Promise<IngestJob[]>;
}
