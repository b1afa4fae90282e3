/** The JobQueue conformance suite on every database: embedded PGlite, and PostgreSQL over the wire protocol (the PGlite stand-in). */
import { randomUUID } from 'node:crypto';
import { openPostgres } from '../src/adapters/pg/pg-client.js';
import { openPglite } from '../src/adapters/pglite/pglite-client.js';
import type { SqlClient } from '../src/adapters/sql/sql-client.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import { SqlJobQueue } from '../src/adapters/sql/sql-job-queue.js';
import type { RetryPolicy } from '../src/ports/job-queue.js';
import { jobQueueConformance } from './support/conformance/job-queue.js';
import { migratedDatabaseCopy } from './support/fixtures.js';
import { startPgServer } from './support/pg-server.js';

async function queueOn(db: SqlClient, retry: RetryPolicy, close: () => Promise<void>) {
  await migrate(db);
  const other = randomUUID();
  await db.query(`insert into spaces (id, name) values ($1, 'other')`, [other]);
  const queue = new SqlJobQueue(db, retry);
  return { queue, other: queue.forSpace(other), close };
}

jobQueueConformance('embedded PGlite', async (retry) => {
  const db = await openPglite(await migratedDatabaseCopy());
  return queueOn(db, retry, () => db.close());
});

jobQueueConformance('PostgreSQL wire protocol (pg pool)', async (retry) => {
  const server = await startPgServer();
  const db = await openPostgres(server.url, { poolSize: 4, statementTimeoutMs: 30_000 });
  return queueOn(db, retry, async () => {
    await db.close();
    await server.stop();
  });
});
