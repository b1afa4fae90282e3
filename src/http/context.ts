import type { IngestWorker } from '../app/ingest-worker.js';
import type { Library } from '../library.js';

/** What every route handler gets: the library and the background worker. */
export interface ServerDeps {
  lib: Library;
  worker: IngestWorker;
}
