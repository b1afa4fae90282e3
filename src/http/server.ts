import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { IngestWorker } from '../app/ingest-worker.js';
import { JobFeed } from '../app/job-feed.js';
import type { Library } from '../library.js';
import type { Logger } from '../adapters/observability/logger.js';
import type { Metrics } from '../adapters/observability/metrics.js';
import { createApp } from './app.js';

export interface RunningServer {
  url: string;
  /** The worker inside this process, or null when `loupe worker` processes do the indexing. */
  worker: IngestWorker | null;
  close(): Promise<void>;
}

export interface ServerOptions {
  host?: string;
  port?: number;
  log?: Logger;
  metrics?: Metrics;
}

/** Starts the API + web UI, and (unless workers run elsewhere) an ingestion worker in this process. */
export async function startServer(lib: Library, options: ServerOptions = {}): Promise<RunningServer> {
  const worker = lib.config.jobs.inlineWorker ? new IngestWorker(lib, { ownsDatabase: !lib.config.database }) : null;
  if (worker) {
    options.metrics?.watchWorker(worker);
    if (options.log) worker.on('fault', (f) => options.log!.error(f, f.message));
    await worker.start();
  }
  const feed = new JobFeed(lib.jobs);
  feed.start();
  const host = options.host ?? lib.config.http.host;
  const app = createApp({ lib, worker, feed }, { ...options, bindHost: host });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? lib.config.http.port }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    worker,
    async close() {
      feed.stop();
      // Open connections (an event stream, a request waiting on the database) must not hold the close.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await worker?.stop();
    },
  };
}
