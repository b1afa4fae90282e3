/**
 * The PostgreSQL stand-in for tests and benchmarks: PGlite + pgvector + pg_trgm served over the PostgreSQL
 * wire protocol on 127.0.0.1. Clients (node-postgres, other processes) cannot tell it from a server;
 * production uses PostgreSQL with pgvector.
 *
 * Why not @electric-sql/pglite-socket's server: its multiplexer interleaves connections message by message,
 * so two clients' extended-protocol sequences (Parse, Bind, Execute, Sync) mix and bind each other's
 * statements ("unnamed prepared statement does not exist" — seen here with three worker processes; upstream
 * issue electric-sql/pglite#1046, fix proposed in #977). Here each connection's messages run
 * as a unit up to Sync (or a simple Query), and while a client is inside a transaction only that client
 * runs — PGlite has one session, so this is how a single-session server stays correct for many clients.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite, type Extensions } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

export interface PgServer {
  url: string;
  stop(): Promise<void>;
  /** Whether stop() stops the server itself (the stand-in), for outage tests; on a real server it drops the test database. */
  stops: boolean;
}

/**
 * With LOUPE_TEST_DATABASE_URL (an admin URL of a real PostgreSQL with pgvector installed), each call makes a fresh
 * database there and stop() drops it. Without the extension means a database owned by a role that may not create it.
 */
async function realDatabase(adminUrl: string, withVector: boolean): Promise<PgServer> {
  const { default: pg } = await import('pg');
  const name = `loupe_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (!withVector) {
    // pgvector is not a trusted extension: a role that is not a superuser cannot create it, as on a managed server.
    await admin.query(`create role ${name} login password '${name}' nosuperuser`);
    await admin.query(`alter database ${name} owner to ${name}`);
    url.username = name;
    url.password = name;
  }
  await admin.end();
  if (withVector) {
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query('create extension if not exists vector');
    await db.end();
  }
  return {
    url: url.toString(),
    stops: false,
    async stop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.query(`drop role if exists ${name}`);
      await c.end();
    },
  };
}

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
/** Messages after which a client waits for answers: the end of a unit of work. */
const UNIT_END = new Set(['S', 'Q', 'H']);

interface Unit {
  conn: Connection;
  messages: Buffer[];
}

interface Connection {
  socket: net.Socket;
  buffer: Buffer;
  started: boolean;
  pending: Buffer[];
  closed: boolean;
}

/** The installed PGlite's version: databases kept between test runs are made again when it changes. */
export async function pgliteVersion(): Promise<string> {
  const manifest = path.resolve(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json');
  return JSON.parse(await readFile(manifest, 'utf8')).version;
}

let cluster: Promise<Blob> | undefined;
/**
 * A new, empty cluster as PGlite's tarball, made once per machine and PGlite version (kept in the system's tmp):
 * PGlite's initdb takes ~2.8 s of WASM, loading the tarball ~0.5 s.
 */
function freshCluster(): Promise<Blob> {
  return (cluster ??= (async () => {
    const file = path.join(os.tmpdir(), `loupe-test-cluster-${await pgliteVersion()}.tar`);
    if (!existsSync(file)) {
      const db = await PGlite.create();
      const tarball = await db.dumpDataDir('none');
      await db.close();
      await writeFile(`${file}.${process.pid}`, Buffer.from(await tarball.arrayBuffer()));
      await rename(`${file}.${process.pid}`, file); // whole or not at all, whichever process finishes first
    }
    return new Blob([await readFile(file)]);
  })());
}

/** @param dir a folder for the database files (default: in memory). @param withVector false to serve a database without pgvector. */
export async function startPgServer(options: { dir?: string; withVector?: boolean } = {}): Promise<PgServer> {
  const real = process.env.LOUPE_TEST_DATABASE_URL;
  if (real && !options.dir) return realDatabase(real, options.withVector !== false);
  const extensions: Extensions = options.withVector === false ? { pg_trgm } : { vector, pg_trgm };
  const db = options.dir
    ? await PGlite.create(`file://${options.dir}`, { extensions })
    : await PGlite.create(undefined, { extensions, loadDataDir: await freshCluster() });
  const queue: Unit[] = [];
  let owner: Connection | null = null; // the connection inside a transaction
  let running = false;

  async function drain() {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const i = owner ? queue.findIndex((u) => u.conn === owner) : 0;
        if (i < 0 || !queue.length) break; // the transaction's client has not sent its next unit yet
        const [unit] = queue.splice(i, 1);
        if (unit.conn.closed) continue;
        await db.runExclusive(async () => {
          for (const m of unit.messages)
            await db.execProtocolRawStream(new Uint8Array(m), {
              onRawData: (data) => void (unit.conn.closed || unit.conn.socket.write(Buffer.from(data))),
            });
        });
        owner = db.isInTransaction() ? unit.conn : null;
      }
    } finally {
      running = false;
    }
  }

  async function onClose(conn: Connection) {
    conn.closed = true;
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i].conn === conn) queue.splice(i, 1);
    if (owner === conn) {
      // A client gone inside a transaction (killed): its work is rolled back, as a server would.
      owner = null;
      await db.runExclusive(() => db.exec('rollback')).catch(() => {});
    }
    void drain();
  }

  function onData(conn: Connection, data: Buffer) {
    conn.buffer = Buffer.concat([conn.buffer, data]);
    for (;;) {
      if (!conn.started) {
        if (conn.buffer.length < 8) return;
        const length = conn.buffer.readInt32BE(0);
        if (conn.buffer.length < length) return;
        const code = conn.buffer.readInt32BE(4);
        const message = conn.buffer.subarray(0, length);
        conn.buffer = conn.buffer.subarray(length);
        if (code === SSL_REQUEST) conn.socket.write('N');
        else if (code === CANCEL_REQUEST) conn.socket.end();
        else {
          conn.started = true;
          queue.push({ conn, messages: [message] });
        }
        continue;
      }
      if (conn.buffer.length < 5) break;
      const length = 1 + conn.buffer.readInt32BE(1);
      if (conn.buffer.length < length) break;
      const message = conn.buffer.subarray(0, length);
      conn.buffer = conn.buffer.subarray(length);
      const type = String.fromCharCode(message[0]);
      if (type === 'X') {
        conn.socket.end();
        break;
      }
      conn.pending.push(message);
      if (UNIT_END.has(type)) queue.push({ conn, messages: conn.pending.splice(0) });
    }
    void drain();
  }

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn: Connection = { socket, buffer: Buffer.alloc(0), started: false, pending: [], closed: false };
    socket.on('data', (d) => onData(conn, d));
    socket.on('error', () => {});
    socket.on('close', () => (sockets.delete(socket), void onClose(conn)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgres://postgres:secret@127.0.0.1:${port}/postgres`,
    stops: true,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
