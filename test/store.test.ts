/**
 * The Store's conformance suite (test/support/conformance/store.ts) on every database the store supports: embedded
 * PGlite, and PostgreSQL through node-postgres (served here by the PGlite stand-in, see test/support/pg-server.ts);
 * then what only some databases show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseError, openPostgres } from '../src/adapters/pg/pg-client.js';
import { startPgServer, type PgServer } from './support/pg-server.js';
import { isLoupeError } from '../src/core/errors.js';
import { openPglite } from '../src/adapters/pglite/pglite-client.js';
import { checkPgvectorVersion, migrate } from '../src/adapters/sql/migrations.js';
import { efSearchFor } from '../src/adapters/sql/sql-store.js';
import type { SqlClient } from '../src/adapters/sql/sql-client.js';
import { storeConformance } from './support/conformance/store.js';

const DATABASES: { name: string; open(): Promise<SqlClient> }[] = [
  { name: 'embedded PGlite', open: () => openPglite() },
  {
    name: 'PostgreSQL wire protocol (pg pool)',
    async open() {
      const server = await startPgServer();
      const client = await openPostgres(server.url, { poolSize: 4, statementTimeoutMs: 30_000 });
      return { ...client, close: async () => (await client.close(), await server.stop()) };
    },
  },
];

for (const database of DATABASES) storeConformance(database.name, database.open);

describe('PostgreSQL without pgvector', () => {
  let server: PgServer;
  before(async () => (server = await startPgServer({ withVector: false })));
  after(() => server.stop());
  it("migrating says how to install the extension, naming the server's own major version", async () => {
    const db = await openPostgres(server.url, { poolSize: 1, statementTimeoutMs: 0 });
    try {
      const [{ major }] = await db.query<{ major: number }>(
        `select current_setting('server_version_num')::int / 10000 as major`,
      );
      await assert.rejects(
        migrate(db),
        (e) =>
          isLoupeError(e, 'PGVECTOR_MISSING') &&
          /CREATE EXTENSION vector/.test(e.message) &&
          e.message.includes(`postgresql-${major}-pgvector`),
      );
    } finally {
      await db.close();
    }
  });
  it('a pgvector older than 0.8 is refused with the command that upgrades it (by version, not by string order)', () => {
    for (const old of ['0.5.1', '0.7.4'])
      assert.throws(
        () => checkPgvectorVersion(old),
        (e) =>
          isLoupeError(e, 'PGVECTOR_TOO_OLD') &&
          e.message.includes(old) &&
          /ALTER EXTENSION vector UPDATE/.test(e.message),
      );
    for (const ok of ['0.8.0', '0.8.7', '0.10.0', '1.0.0']) assert.doesNotThrow(() => checkPgvectorVersion(ok), ok);
  });
  it('an unreachable server is a clear error naming the URL without its password', async () => {
    await assert.rejects(
      openPostgres('postgres://u:hunter2@127.0.0.1:1/x', { poolSize: 1, statementTimeoutMs: 0 }),
      (e) =>
        isLoupeError(e, 'DATABASE_UNAVAILABLE') && !e.message.includes('hunter2') && e.message.includes('127.0.0.1:1'),
    );
  });
});

describe('PostgreSQL outages and timeouts after start-up', () => {
  it('processes starting together on a fresh database all migrate (the extension is created under the migration lock)', async () => {
    const server = await startPgServer({ withVector: true });
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => openPostgres(server.url, { poolSize: 2, statementTimeoutMs: 0 })),
    );
    try {
      const applied = await Promise.all(clients.map((db) => migrate(db)));
      assert.equal(
        applied.filter((n) => n > 0).length,
        1,
        `one process applied the migrations, the others found them done: ${applied}`,
      );
    } finally {
      await Promise.all(clients.map((db) => db.close()));
      await server.stop();
    }
  });

  it('a server that goes away is DATABASE_UNAVAILABLE (503, exit 7) for queries, schema changes and transactions, not a raw error', async (t) => {
    const server = await startPgServer();
    if (!server.stops)
      return (await server.stop(), t.skip('LOUPE_TEST_DATABASE_URL: a real server is not stopped by the tests'));
    const db = await openPostgres(server.url, { poolSize: 2, statementTimeoutMs: 5_000 });
    try {
      await migrate(db);
      await server.stop();
      for (const attempt of [
        () => db.query('select count(*) from images'),
        () => db.exec('select 1'),
        () => db.transaction((tx) => tx.query('select 1')),
      ])
        await assert.rejects(attempt(), (e) => isLoupeError(e, 'DATABASE_UNAVAILABLE'));
    } finally {
      await db.close().catch(() => {});
    }
  });

  it("the server's statement timeout is QUERY_TIMEOUT naming the statement; other errors stay as they are", () => {
    const timeout = databaseError(
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      'postgres://u:pw@h/db',
      'select  *\n from images',
      250,
    );
    assert.ok(isLoupeError(timeout, 'QUERY_TIMEOUT'));
    assert.match(timeout.message, /250 ms.*select \* from images/);
    const restart = databaseError(
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      'postgres://u:pw@h/db',
      'select 1',
      0,
    );
    assert.ok(isLoupeError(restart, 'DATABASE_UNAVAILABLE') && !restart.message.includes(':pw@'));
    const constraint = Object.assign(new Error('duplicate key'), { code: '23505' });
    assert.equal(databaseError(constraint, 'postgres://h/db', 'insert', 0), constraint);
  });
});

describe('HNSW candidate list', () => {
  it('grows with the library: 100 up to 250k images, 400 up to 500k, 800 beyond (recall@10 0.97 at 500k), and at least 2k', () => {
    assert.equal(efSearchFor(10_000, 10), 100);
    assert.equal(efSearchFor(249_999, 10), 100);
    assert.equal(efSearchFor(250_000, 10), 400);
    assert.equal(efSearchFor(500_000, 10), 800);
    assert.equal(efSearchFor(1_000, 300), 600);
  });
});
