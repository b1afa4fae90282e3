/** Persisted ingestion jobs: enqueued by the API, claimed by a worker loop (in-process now, other processes later). */
export interface IngestPayload {
  /** Blob key of the uploaded original. */
  blobKey: string;
  filename: string;
  folder: string;
  caption: string | null;
  tags: string[];
  bytes: number;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export interface IngestJob {
  /** Also the id the image gets once indexed: clients can ask for it from the start. */
  id: string;
  status: JobStatus;
  sha256: string;
  payload: IngestPayload;
  imageId: string | null;
  error: string | null;
  errorCode: string | null;
  attempts: number;
  createdAt: string;
}

export interface JobQueue {
  enqueue(job: { id: string; sha256: string; payload: IngestPayload }): Promise<void>;
  /** Atomically marks up to `limit` pending jobs running and returns them, oldest first. */
  claim(limit: number): Promise<IngestJob[]>;
  complete(id: string, imageId: string): Promise<void>;
  fail(id: string, error: string, code: string | null): Promise<void>;
  get(id: string): Promise<IngestJob | null>;
  /** A pending or running job for this content, so a second upload of it answers with the first. */
  findActiveBySha(sha256: string): Promise<IngestJob | null>;
  counts(): Promise<Record<JobStatus, number>>;
  /** After a crash: jobs left running go back to pending. @returns how many. */
  requeueRunning(): Promise<number>;
}
