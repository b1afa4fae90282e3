/**
 * Spaces, users and API keys: with LOUPE_AUTH=on a key for space A can never list, search, fetch,
 * find-similar, update or delete anything of space B, even by guessing ids. Plus the CLI contract
 * (spaces create, keys create, index/search --space), rate limiting, CORS and /metrics.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKey } from '../src/app/access.js';
import { colourImage, runCli, runJson, tempDir, testEnv } from './support/fixtures.js';
import { form, jsonBody, startTestServer, type TestServer } from './support/server.js';

describe('spaces and API keys over HTTP (LOUPE_AUTH=on)', () => {
  let s: TestServer;
  const key: Record<string, string> = {};
  const id: Record<string, string> = {};
  const as = (who: string, init: RequestInit = {}) => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key[who]}` },
  });
  const get = (who: string, p: string) => fetch(s.url + p, as(who));

  async function upload(who: string, name: string, colour: string) {
    const res = await fetch(
      `${s.url}/api/v1/images?wait=true`,
      as(who, {
        method: 'POST',
        body: form([{ name, bytes: await colourImage(colour, 'png'), type: 'image/png' }], {
          caption: `${colour} card`,
        }),
      }),
    );
    assert.equal(res.status, 201, await res.clone().text());
    return (await res.json()).images[0].id as string;
  }

  before(async () => {
    s = await startTestServer({ LOUPE_AUTH: 'on' });
    await s.lib.access.createSpace('alpha', 'alice');
    await s.lib.access.createSpace('beta', 'bob');
    await s.lib.access.shareSpace('beta', 'carol');
    await s.lib.access.createSpace('gamma', 'carol');
    key.a = (await createKey(s.lib.access, { space: 'alpha' })).key;
    key.b = (await createKey(s.lib.access, { space: 'beta' })).key;
    key.carol = (await createKey(s.lib.access, { user: 'carol' })).key;
    id.aRed = await upload('a', 'red.png', 'red');
    id.bBlue = await upload('b', 'blue.png', 'blue');
    // The same content in both spaces: two separate records, not a cross-space duplicate.
    id.aGreen = await upload('a', 'green.png', 'green');
    id.bGreen = await upload('b', 'green.png', 'green');
  });
  after(() => s.stop());

  it('refuses calls without a valid key, with 401 and how to get one', async () => {
    const none = await fetch(`${s.url}/api/v1/images`);
    assert.equal(none.status, 401);
    assert.match((await none.json()).message, /Authorization: Bearer/);
    assert.equal(
      (await fetch(`${s.url}/api/v1/images`, { headers: { authorization: 'Bearer loupe_made-up' } })).status,
      401,
    );
    assert.equal(
      (await fetch(`${s.url}/api/v1/images`, { headers: { authorization: `Bearer ${key.a}x` } })).status,
      401,
    );
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200, 'health checks need no key');
  });

  it('the same content in two spaces is two records', () => {
    assert.notEqual(id.aGreen, id.bGreen);
  });

  it("listing, stats and search see only the caller's space", async () => {
    const list = await (await get('a', '/api/v1/images')).json();
    assert.deepEqual(new Set(list.items.map((i: { id: string }) => i.id)), new Set([id.aRed, id.aGreen]));
    assert.equal((await (await get('a', '/api/v1/stats')).json()).images, 2);
    for (const mode of ['hybrid', 'vector', 'text']) {
      const r = await fetch(`${s.url}/api/v1/images/search`, as('a', jsonBody({ query: 'blue', k: 50, mode })));
      const ids = (await r.json()).results.map((h: { id: string }) => h.id);
      assert.ok(ids.length > 0 || mode === 'text', `${mode} search answers`);
      assert.ok(!ids.includes(id.bBlue) && !ids.includes(id.bGreen), `${mode} search never returns space B's images`);
    }
    const byImage = await fetch(
      `${s.url}/api/v1/images/search/by-image`,
      as('a', {
        method: 'POST',
        body: form([{ name: 'q.png', bytes: await colourImage('blue', 'png') }], { k: '10' }),
      }),
    );
    const ids = (await byImage.json()).results.map((h: { id: string }) => h.id);
    assert.deepEqual(new Set(ids), new Set([id.aRed, id.aGreen]), 'image search ranks only space A');
    const compat = await (await get('a', '/api/get-all-images')).json();
    assert.equal(compat.count, 2, 'compatibility routes are scoped too');
  });

  it("another space's ids answer 404 everywhere, and nothing of it changes", async () => {
    for (const p of [
      `/api/v1/images/${id.bBlue}`,
      `/api/v1/images/${id.bBlue}/file`,
      `/api/v1/images/${id.bBlue}/thumbnail`,
      `/api/v1/images/${id.bBlue}/similar`,
    ]) {
      const r = await get('a', p);
      assert.equal(r.status, 404, p);
      assert.equal((await r.json()).error, 'NOT_FOUND');
    }
    assert.equal(
      (await fetch(`${s.url}/api/v1/images/${id.bBlue}`, as('a', jsonBody({ caption: 'mine now' }, 'PATCH')))).status,
      404,
    );
    assert.equal((await fetch(`${s.url}/api/v1/images/${id.bBlue}`, as('a', { method: 'DELETE' }))).status, 404);
    const still = await (await get('b', `/api/v1/images/${id.bBlue}`)).json();
    assert.equal(still.status, 'ready');
    assert.equal(still.caption, 'blue card', 'untouched by the other space');
    assert.equal(
      (await get('b', `/api/v1/images/${id.bBlue}/thumbnail`)).status,
      200,
      'its owner still gets the thumbnail',
    );
    // Similar-by-id from one's own image never leads into the other space.
    const similar = await (await get('a', `/api/v1/images/${id.aGreen}/similar?k=10`)).json();
    assert.deepEqual(
      similar.results.map((h: { id: string }) => h.id),
      [id.aRed],
    );
  });

  it("a key opens only its own space, even when another is named; a user key picks among the user's spaces", async () => {
    const named = await fetch(`${s.url}/api/v1/images`, as('a', { headers: { 'x-loupe-space': 'beta' } }));
    assert.equal(named.status, 404, 'naming a space the key does not open is not found (not disclosed)');
    const ambiguous = await get('carol', '/api/v1/images');
    assert.equal(ambiguous.status, 400);
    assert.match((await ambiguous.json()).message, /beta, gamma/);
    const beta = await (
      await fetch(`${s.url}/api/v1/images`, as('carol', { headers: { 'x-loupe-space': 'beta' } }))
    ).json();
    assert.deepEqual(new Set(beta.items.map((i: { id: string }) => i.id)), new Set([id.bBlue, id.bGreen]));
    assert.equal(
      (await fetch(`${s.url}/api/v1/images`, as('carol', { headers: { 'x-loupe-space': 'alpha' } }))).status,
      404,
    );
  });

  it('a revoked key stops working at once', async () => {
    const extra = await createKey(s.lib.access, { space: 'alpha', name: 'temp' });
    assert.equal(
      (await fetch(`${s.url}/api/v1/images`, { headers: { authorization: `Bearer ${extra.key}` } })).status,
      200,
    );
    assert.ok(await s.lib.access.revokeKey(extra.prefix));
    assert.equal(
      (await fetch(`${s.url}/api/v1/images`, { headers: { authorization: `Bearer ${extra.key}` } })).status,
      401,
    );
    const listed = (await s.lib.access.listKeys()).find((k) => k.id === extra.id)!;
    assert.equal(listed.revoked, true);
    assert.ok(
      !JSON.stringify(await s.lib.access.listKeys()).includes(extra.key),
      'keys are never listed, only prefixes',
    );
  });

  it('lists the spaces a key may open, and takes the choice from header, query or cookie', async () => {
    assert.deepEqual(await (await get('carol', '/api/v1/spaces')).json(), {
      items: [{ name: 'beta' }, { name: 'gamma' }],
      current: null,
    });
    assert.deepEqual(await (await get('a', '/api/v1/spaces')).json(), { items: [{ name: 'alpha' }], current: 'alpha' });
    const named = await (
      await fetch(`${s.url}/api/v1/spaces`, as('carol', { headers: { 'x-loupe-space': 'gamma' } }))
    ).json();
    assert.equal(named.current, 'gamma');
    assert.equal(
      (await (await get('carol', '/api/v1/spaces?space=alpha')).json()).current,
      null,
      'a space the key cannot open is not current',
    );
    const byCookie = await fetch(`${s.url}/api/v1/stats`, as('carol', { headers: { cookie: 'loupe_space=beta' } }));
    assert.equal((await byCookie.json()).images, 2);
    assert.equal(
      (await fetch(`${s.url}/api/v1/stats`, as('carol', { headers: { cookie: 'loupe_space=alpha' } }))).status,
      404,
    );
    assert.equal((await fetch(`${s.url}/api/v1/spaces`)).status, 401, 'listing spaces needs a key too');
  });

  it('records when a key was last used without writing on every request', async () => {
    const fresh = await createKey(s.lib.access, { space: 'alpha', name: 'usage' });
    const lastUsed = async () => (await s.lib.access.listKeys()).find((k) => k.id === fresh.id)!.lastUsedAt;
    assert.equal(await lastUsed(), null);
    assert.equal(
      (await fetch(`${s.url}/api/v1/images`, { headers: { authorization: `Bearer ${fresh.key}` } })).status,
      200,
    );
    const first = await lastUsed();
    assert.ok(first && Date.now() - Date.parse(first) < 60_000, `last used just now, got ${first}`);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(
      (await fetch(`${s.url}/api/v1/stats`, { headers: { authorization: `Bearer ${fresh.key}` } })).status,
      200,
    );
    assert.equal(await lastUsed(), first, 'a second request within the minute does not rewrite the row');
  });

  it('/metrics exposes queue, ingest, search latency and inference time', async () => {
    // Under LOUPE_AUTH=on the counts of all spaces need a key.
    assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
    const text = await (await fetch(`${s.url}/metrics`, as('a'))).text();
    assert.match(text, /loupe_queue_jobs\{status="done"\} 4/);
    assert.match(text, /loupe_images_ingested_total 4/);
    assert.match(text, /loupe_search_duration_seconds_count\{kind="text"\} [1-9]/);
    assert.match(text, /loupe_queue_oldest_pending_seconds 0/);
  });
});

describe('rate limiting and CORS', () => {
  let s: TestServer;
  before(async () => (s = await startTestServer({ LOUPE_RATE_LIMIT: '5', LOUPE_CORS_ORIGINS: 'https://app.example' })));
  after(() => s.stop());

  it('answers 429 with Retry-After past the limit', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${s.url}/api/v1/stats`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const r = await fetch(`${s.url}/api/v1/stats`);
    assert.equal((await r.json()).error, 'RATE_LIMITED');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  });

  it('allows the configured origin only', async () => {
    const ok = await fetch(`${s.url}/api/v1/images/search`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
    const other = await fetch(`${s.url}/api/v1/images/search`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.notEqual(other.headers.get('access-control-allow-origin'), 'https://evil.example');
  });
});

describe('spaces from the CLI', () => {
  it('spaces create, keys create (printed once), index and search --space', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    await writeFile(path.join(photos, 'red.png'), await colourImage('red', 'png'));
    await writeFile(path.join(photos, 'blue.png'), await colourImage('blue', 'png'));
    const env = await testEnv(path.join(root, 'data'));
    const created = await runCli(['spaces', 'create', 'holiday'], env);
    assert.equal(created.code, 0, created.stderr);
    const k = await runCli(['keys', 'create', '--space', 'holiday'], env);
    assert.equal(k.code, 0, k.stderr);
    assert.match(k.stdout.trim(), /^loupe_[A-Za-z0-9_-]{43}$/, 'stdout is the key alone');
    const keys = await runJson<{ prefix: string; space: string }[]>(['keys', 'list'], env);
    assert.equal(keys[0].space, 'holiday');
    assert.ok(k.stdout.startsWith(keys[0].prefix) && !JSON.stringify(keys).includes(k.stdout.trim()));

    const indexed = await runJson<{ indexed: number }>(['index', photos, '--space', 'holiday'], env);
    assert.equal(indexed.indexed, 2);
    const hits = await runJson<{ path: string }[]>(['search', 'red', '--space', 'holiday', '--k', '1'], env);
    assert.equal(path.basename(hits[0].path), 'red.png');
    assert.deepEqual(await runJson(['search', 'red', '--k', '1'], env), [], 'the default space has none of them');
    const missing = await runCli(['search', 'red', '--space', 'nope'], env);
    assert.equal(missing.code, 4, 'exit status 4: not found');
    assert.match(missing.stderr, /space "nope" not found/);
  });
});
