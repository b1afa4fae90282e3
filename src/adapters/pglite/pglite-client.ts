/** Embedded PostgreSQL (PGlite, WASM) with pgvector and pg_trgm, persisted in a folder. */
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { SqlClient } from '../sql/sql-client.js';

type Queryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

function wrap(q: Queryable, root?: PGlite): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await q.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      // PGlite has no nested transactions; inside one, run on the same transaction.
      if (!root) return fn(wrap(q));
      return root.transaction((tx) => fn(wrap(tx)));
    },
    async close() {
      if (root) await root.close();
    },
  };
}

/** @param dir a folder for the database files, or undefined for an in-memory database. */
export async function openPglite(dir?: string): Promise<SqlClient> {
  if (dir) await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir ? `file://${dir}` : undefined, { extensions: { vector, pg_trgm } });
  return wrap(db, db);
}
