/**
 * The embedded database's own thread: PGlite (WASM, single-threaded) runs here, so a slow statement never
 * blocks the process's event loop (health checks, signals, inference). Messages in, rows or errors out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

export interface ThreadRequest {
  id: number;
  op: 'query' | 'exec' | 'close';
  sql?: string;
  params?: unknown[];
}

export type ThreadReply =
  | { id: number; rows?: unknown[] }
  | { id: number; error: SerializedError }
  | { id: 0; ready: true }
  | { id: 0; failed: SerializedError };

export interface SerializedError {
  message: string;
  name?: string;
  code?: string;
  detail?: string;
  hint?: string;
}

const serialize = (e: unknown): SerializedError => {
  const err = e as { message?: string; name?: string; code?: string; detail?: string; hint?: string };
  return { message: err?.message ?? String(e), name: err?.name, code: err?.code, detail: err?.detail, hint: err?.hint };
};

const port = parentPort!;
const { dir } = workerData as { dir?: string };
try {
  if (dir) await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir ? `file://${dir}` : undefined, { extensions: { vector, pg_trgm } });
  port.on('message', async (m: ThreadRequest) => {
    try {
      if (m.op === 'query') port.postMessage({ id: m.id, rows: (await db.query(m.sql!, m.params)).rows });
      else if (m.op === 'exec') port.postMessage({ id: m.id, rows: (await db.exec(m.sql!), []) });
      else {
        await db.close();
        port.postMessage({ id: m.id, rows: [] });
        port.close();
      }
    } catch (e) {
      port.postMessage({ id: m.id, error: serialize(e) });
    }
  });
  port.postMessage({ id: 0, ready: true });
} catch (e) {
  port.postMessage({ id: 0, failed: serialize(e) });
}
