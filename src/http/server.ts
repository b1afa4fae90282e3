import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IngestWorker } from '../app/ingest-worker.js';
import { JobFeed } from '../app/job-feed.js';
import type { Library } from '../app/library.js';
import type { Logger } from '../adapters/observability/logger.js';
import type { Metrics } from '../adapters/observability/metrics.js';
import { createApp } from './app.js';

export interface RunningServer {
  url: string;
  /** The worker inside this process, or null when `loupe worker` processes do the indexing. */
  worker: IngestWorker | null;
  /** Stops listening, lets requests in flight answer for up to `graceMs` (LOUPE_WORKER_GRACE_MS), stops the worker. */
  close(graceMs?: number): Promise<void>;
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
  // An HTTP/1 server: @hono/node-server makes one unless given another createServer.
  const server: Server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? lib.config.http.port }, () =>
      resolve(s as Server),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    worker,
    async close(graceMs = lib.config.jobs.graceMs) {
      // Event streams end now; requests in flight (a search, an upload) get their answers for up to the grace, and
      // only what still holds on after it is cut. Idle keep-alive connections go at once.
      feed.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await Promise.all([closed.finally(() => clearTimeout(cut)), worker?.stop(graceMs)]);
    },
  };
}
