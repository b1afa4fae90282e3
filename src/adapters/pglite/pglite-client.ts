/**
 * Embedded PostgreSQL (PGlite, WASM) with pgvector and pg_trgm, persisted in a folder, running on a thread of
 * its own. PGlite has no working statement_timeout (WASM has no timer signals), so a statement that runs past
 * the limit ends its thread — to PostgreSQL that is a crash, recovered from its WAL when the thread restarts —
 * and the caller gets QUERY_TIMEOUT. Schema changes (`exec`: migrations, index builds) are not timed, and restarts
 * back off: each one in the last minute doubles the limit, so a cold fresh thread is not ended over and over.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from 'node:worker_threads';
import { diskFullOr, LoupeError } from '../../core/errors.js';
import { Limiter } from '../../core/limiter.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { SerializedError, ThreadReply, ThreadRequest } from './pglite-thread.js';

export interface PgliteOptions {
  /** A statement running longer ends with QUERY_TIMEOUT (0: no limit). */
  statementTimeoutMs?: number;
}

// Under tsx (tests, benchmarks) this module is .ts and so is its thread, which then needs tsx too; built, both are .js.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_FILE = new URL(`./pglite-thread${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
const threadEntry = (): [string | URL, { eval?: boolean }] =>
  FROM_SOURCE
    ? [
        `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(THREAD_FILE.href)}); })`,
        { eval: true },
      ]
    : [THREAD_FILE, {}];

interface Pending {
  resolve: (rows: unknown[]) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

const toError = (e: SerializedError, dir?: string) =>
  diskFullOr(Object.assign(new Error(e.message), e), dir ?? 'the data folder') as Error;

class PgliteThread {
  private worker!: Worker;
  private ready!: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Whether statements are timed yet (not while the database opens and migrates). */
  timed = false;
  /** When the thread was last restarted for a timeout, within the last minute. */
  private restarts: number[] = [];

  constructor(
    private readonly dir: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.start();
  }

  private start() {
    const [entry, how] = threadEntry();
    const worker = new Worker(entry, { ...how, workerData: { dir: this.dir } });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: ThreadReply) => {
        if (m.id === 0)
          return 'ready' in m ? resolve() : reject(toError((m as { failed: SerializedError }).failed, this.dir));
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if ('error' in m) p.reject(toError(m.error, this.dir));
        else p.resolve((m as { rows?: unknown[] }).rows ?? []);
      });
      worker.on('error', (e) => {
        reject(e);
        this.failAll(e);
      });
      worker.on('exit', () => this.failAll(new Error('the embedded database thread stopped')));
    });
    this.ready.catch(() => {});
  }

  private failAll(e: Error) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
  }

  async opened() {
    await this.ready;
  }

  async send(op: ThreadRequest['op'], sql?: string, params?: unknown[], timed = true): Promise<unknown[]> {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject };
      const limit = this.limitMs();
      if (timed && this.timed && limit > 0) p.timer = setTimeout(() => void this.timeout(id, sql ?? '', limit), limit);
      this.pending.set(id, p);
      this.worker.postMessage({ id, op, sql, params } satisfies ThreadRequest);
    });
  }

  /**
   * The limit now: each restart in the last minute doubles it (up to 8×). A fresh thread starts cold (recovery, empty
   * caches), and ending it again for the same slowness would keep the database restarting instead of answering.
   */
  private limitMs() {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    return this.timeoutMs * 2 ** Math.min(3, this.restarts.length);
  }

  /** Ends the thread stuck in a statement, fails what was in flight, and starts a fresh one on the same folder. */
  private async timeout(id: number, sql: string, ms: number) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.restarts.push(Date.now());
    const err = new LoupeError('QUERY_TIMEOUT', { ms, statement: sql.replace(/\s+/g, ' ').trim().slice(0, 80) });
    p.reject(err);
    // The old thread must be gone before a new one opens the same files; requests meanwhile wait for the new one.
    const old = this.worker;
    old.removeAllListeners('exit');
    this.failAll(err);
    const restarted = (async () => {
      await old.terminate();
      this.start();
      await this.ready;
    })();
    this.ready = restarted;
    restarted.catch(() => {});
  }

  async close(graceMs: number) {
    const closing = this.send('close', undefined, undefined, false).catch(() => {});
    const timer = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([closing, timer]);
    await this.worker.terminate();
  }
}

/** @param dir a folder for the database files, or undefined for an in-memory database. */
export async function openPglite(dir?: string, options: PgliteOptions = {}): Promise<SqlClient> {
  const thread = new PgliteThread(dir, options.statementTimeoutMs ?? 0);
  await thread.opened();
  // One unit of work at a time: PGlite has one connection, so a transaction must not see others' statements.
  const mutex = new Limiter(1);
  const lane = new AsyncLocalStorage<true>();
  const behind = () => lane.getStore() === true;
  const direct: SqlClient = {
    query: async <T>(sql: string, params?: unknown[]) => (await thread.send('query', sql, params)) as T[],
    exec: async (sql: string) => void (await thread.send('exec', sql, undefined, false)),
    transaction: (fn) => fn(direct), // already inside one: run on it
    close: async () => {},
  };
  return {
    engine: 'pglite',
    query: (sql, params) => mutex.run(() => direct.query(sql, params), behind()),
    exec: (sql) => mutex.run(() => direct.exec(sql), behind()),
    transaction: (fn) =>
      mutex.run(async () => {
        await direct.exec('begin');
        try {
          const result = await fn(direct);
          await direct.exec('commit');
          return result;
        } catch (e) {
          await direct.exec('rollback').catch(() => {});
          throw e;
        }
      }, behind()),
    // A statement still running after the grace is abandoned (as a kill would): the data is safe in the WAL.
    close: () => thread.close(5000),
    timeStatements: () => void (thread.timed = true),
    behind: (fn) => lane.run(true, fn),
  };
}
