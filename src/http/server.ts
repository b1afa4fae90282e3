import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { IngestWorker } from '../app/ingest-worker.js';
import type { Library } from '../library.js';
import { createApp } from './app.js';

export interface RunningServer {
  url: string;
  worker: IngestWorker;
  close(): Promise<void>;
}

/** Starts the API + web UI and the in-process ingestion worker on one library. */
export async function startServer(lib: Library, options: { host?: string; port?: number } = {}): Promise<RunningServer> {
  const worker = new IngestWorker(lib);
  await worker.start();
  const app = createApp({ lib, worker });
  const host = options.host ?? lib.config.http.host;
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? lib.config.http.port }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    worker,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await worker.stop();
    },
  };
}
