/**
 * Server mode when the database or the workers are not there: PostgreSQL (the wire stand-in) stopping after
 * start-up, and uploads asked to wait while no worker takes jobs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { colourImage } from './support/fixtures.js';
import { startPgServer, type PgServer } from './support/pg-server.js';
import { form, startTestServer, type TestServer } from './support/server.js';

describe('server mode: outages and a queue nobody works', () => {
  let pg: PgServer;
  let s: TestServer;
  before(async () => {
    pg = await startPgServer();
    s = await startTestServer({
      DATABASE_URL: pg.url,
      LOUPE_INLINE_WORKER: 'false',
      LOUPE_DB_STATEMENT_TIMEOUT_MS: '1000',
    });
  });
  after(async () => {
    await s?.stop().catch(() => {});
    await pg?.stop().catch(() => {});
  });

  it('starts with the smallest statement timeout allowed (1 s): start-up schema work is not timed', async () => {
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  });

  it('stats name the database server, without its password', async () => {
    const { database } = (await (await fetch(`${s.url}/api/v1/stats`)).json()) as { database: string };
    const url = new URL(pg.url);
    assert.ok(database.startsWith('postgres://') && database.endsWith(`@${url.host}${url.pathname}`), database);
    if (url.password)
      assert.ok(database.includes(`${url.username}:***@`) && !database.includes(url.password), database);
  });

  it('an upload asked to wait answers 202 at once with its id when no worker has asked for jobs', async () => {
    const started = Date.now();
    const res = await fetch(`${s.url}/api/v1/images?wait=true`, {
      method: 'POST',
      body: form([{ name: 'red.png', bytes: await colourImage('red', 'png'), type: 'image/png' }]),
    });
    const body = (await res.json()) as { error: string; message: string; images: { id: string; status: string }[] };
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.ok(Date.now() - started < 10_000, 'not a long wait');
    assert.equal(body.error, 'NO_WORKER');
    assert.match(body.message, /loupe worker/);
    assert.equal(body.images[0].status, 'pending');
    assert.equal((await fetch(`${s.url}/api/v1/images/${body.images[0].id}`)).status, 200, 'the id can be looked up');
  });

  it('with PostgreSQL gone, readiness says so at once and the API answers 503 DATABASE_UNAVAILABLE, not 500', async (t) => {
    if (!pg.stops)
      return t.skip(
        'LOUPE_TEST_DATABASE_URL: a real server is not stopped by the tests; stop PostgreSQL by hand to check this',
      );
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    await pg.stop();
    const ready = await fetch(`${s.url}/readyz`);
    assert.equal(ready.status, 503, 'not after a cache expires');
    for (const [method, path] of [
      ['GET', '/api/v1/stats'],
      ['GET', '/api/v1/images'],
      ['POST', '/api/v1/images/search'],
    ]) {
      const res = await fetch(
        `${s.url}${path}`,
        method === 'POST'
          ? {
              method,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: 'red', mode: 'text' }),
            }
          : {},
      );
      const body = (await res.json()) as { error: string };
      assert.equal(res.status, 503, `${method} ${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error, 'DATABASE_UNAVAILABLE', `${method} ${path}`);
    }
  });
});
