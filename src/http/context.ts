import type { IngestWorker } from '../app/ingest-worker.js';
import type { JobFeed } from '../app/job-feed.js';
import type { Library } from '../library.js';

/**
 * What route handlers share: the library (each request gets its caller's space through `c.var.lib`),
 * the job feed, and the worker running in this process, if any.
 */
export interface ServerDeps {
  lib: Library;
  feed: JobFeed;
  worker: IngestWorker | null;
}

export interface AppEnv {
  Variables: {
    /** The library seen through the caller's space. */
    lib: Library;
    requestId: string;
  };
}
