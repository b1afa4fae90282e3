/** PostgreSQL through node-postgres: a connection pool, a statement timeout, transactions on one connection. */
import pg from 'pg';
import { LoupeError } from '../../core/errors.js';
import type { SqlClient } from '../sql/sql-client.js';

export interface PostgresOptions {
  /** Most connections this process opens. */
  poolSize: number;
  /** Any statement running longer is cancelled by the server (0: no limit). */
  statementTimeoutMs: number;
}

// Rows come back as JS values the store already handles: bigint counts as strings, timestamps as Dates.
function wrapClient(q: pg.PoolClient): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await q.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await q.query(sql);
    },
    // Already inside a transaction: run on it (as PGlite does).
    transaction: (fn) => fn(wrapClient(q)),
    async close() {},
  };
}

export async function openPostgres(url: string, options: PostgresOptions): Promise<SqlClient> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    statement_timeout: options.statementTimeoutMs || undefined,
    application_name: 'loupe',
  });
  // An idle connection that breaks (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const client = await pool.connect().catch((e: Error) => {
    void pool.end();
    throw new LoupeError('DATABASE_UNAVAILABLE', { url: redact(url), reason: e.message }, { cause: e });
  });
  client.release();
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const conn = await pool.connect();
      try {
        await conn.query('begin');
        const result = await fn(wrapClient(conn));
        await conn.query('commit');
        return result;
      } catch (e) {
        await conn.query('rollback').catch(() => {});
        throw e;
      } finally {
        conn.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
