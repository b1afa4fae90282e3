/**
 * The PostgreSQL stand-in for tests: PGlite + pgvector + pg_trgm served over the PostgreSQL wire protocol
 * on 127.0.0.1 by @electric-sql/pglite-socket. Clients (node-postgres, other processes) cannot tell it from
 * a server; production uses PostgreSQL with pgvector.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgServer {
  url: string;
  stop(): Promise<void>;
}

/** @param dir a folder for the database files (default: in memory). @param withVector false to serve a database without pgvector. */
export async function startPgServer(options: { dir?: string; withVector?: boolean } = {}): Promise<PgServer> {
  const db = await PGlite.create(options.dir ? `file://${options.dir}` : undefined, {
    extensions: options.withVector === false ? { pg_trgm } : { vector, pg_trgm },
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  const port = (server as unknown as { port: number }).port;
  return {
    url: `postgres://postgres:secret@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
