/** PostgreSQL through node-postgres: a connection pool, a statement timeout, transactions on one connection. */
import pg from 'pg';
import { LoupeError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import type { SqlClient } from '../sql/sql-client.js';

export interface PostgresOptions {
  /** Most connections this process opens. */
  poolSize: number;
  /** Any statement running longer is cancelled by the server (0: no limit). */
  statementTimeoutMs: number;
}

/**
 * A failure of the database rather than of the statement, as Loupe's errors (one place for every client): a server
 * that is gone or restarting → DATABASE_UNAVAILABLE (HTTP 503, exit 7); the statement timeout → QUERY_TIMEOUT.
 * Anything else (a constraint, bad SQL) is returned as it is.
 */
export function databaseError(e: unknown, url: string, sql: string, timeoutMs: number): unknown {
  if (e instanceof LoupeError) return e;
  const err = e as { code?: string; message?: string };
  const code = err?.code ?? '';
  const message = err?.message ?? String(e);
  if (code === '57014' && /statement timeout/i.test(message))
    return new LoupeError(
      'QUERY_TIMEOUT',
      { ms: timeoutMs, statement: sql.replace(/\s+/g, ' ').trim().slice(0, 80) },
      { cause: e },
    );
  const gone =
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      'EHOSTUNREACH',
      '57P01',
      '57P02',
      '57P03',
      '53300',
    ].includes(code) ||
    code.startsWith('08') ||
    /Connection terminated|connection (?:error|ended)|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    );
  return gone ? new LoupeError('DATABASE_UNAVAILABLE', { url: redact(url), reason: message }, { cause: e }) : e;
}

// Rows come back as JS values the store already handles: bigint counts as strings, timestamps as Dates.
function wrapClient(q: pg.PoolClient, mapped: <T>(sql: string, run: () => Promise<T>) => Promise<T>): SqlClient {
  return {
    query: <T>(sql: string, params?: unknown[]) => mapped(sql, async () => (await q.query(sql, params)).rows as T[]),
    // Schema changes are not timed (as in embedded mode): a small statement timeout must not stop start-up.
    exec: (sql: string) => mapped(sql, async () => void (await q.query(`set local statement_timeout = 0; ${sql}`))),
    // Already inside a transaction: run on it (as PGlite does).
    transaction: (fn) => fn(wrapClient(q, mapped)),
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
  const mapped = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw databaseError(e, url, sql, options.statementTimeoutMs);
    }
  };
  return {
    engine: 'postgres',
    query: <T>(sql: string, params?: unknown[]) => mapped(sql, async () => (await pool.query(sql, params)).rows as T[]),
    exec: (sql: string) =>
      mapped(sql, async () => {
        // Outside a transaction "set local" would not last: an untimed statement on one connection.
        const conn = await pool.connect();
        try {
          await conn.query(`begin; set local statement_timeout = 0; ${sql}; commit`);
        } catch (e) {
          await conn.query('rollback').catch(() => {});
          throw e;
        } finally {
          conn.release();
        }
      }),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const conn = await mapped('begin', () => pool.connect());
      try {
        await mapped('begin', () => conn.query('begin'));
        const result = await fn(wrapClient(conn, mapped));
        await mapped('commit', () => conn.query('commit'));
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

export { redact } from '../../core/redact.js';
