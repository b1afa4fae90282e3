/**
 * Regression tests for what a hostile tester found (issue 16); each is named after what it prevents.
 * Everything runs against real parts on this machine: PGlite, sharp, the HTTP server on 127.0.0.1, a tmpfs.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../src/config.js';
import { lockDataDir } from '../src/adapters/fs/data-dir-lock.js';
import { openLibrary } from '../src/wiring/library.js';
import { diskFullOr, isLoupeError } from '../src/core/errors.js';
import { TEST_CLIP_MODEL_ID } from '../src/models/test-clip-model.js';
import type { IndexSummary } from '../src/core/types.js';
import {
  COCO_IMAGES,
  REPO,
  colourImage,
  migratedDatabaseCopy,
  requireShared,
  runCli,
  runJson,
  tempDir,
  testEnv,
  testModelsDir,
} from './support/fixtures.js';
import { form, jsonBody, startTestServer, type TestServer } from './support/server.js';
import sharp from 'sharp';

const isRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

/** Runs `loupe` as an unprivileged user when the tests run as root (root reads a chmod 000 folder anyway). */
async function asUser(dirs: string[]) {
  if (!isRoot) return undefined;
  for (const d of dirs) await execFileP('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, d]);
  await reachableByOthers(REPO);
  return NOBODY;
}

/** That user must reach the checkout to run `loupe` from it: a clone in a `mktemp -d` folder (0700) gets o+x on its folders. */
async function reachableByOthers(dir: string) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const { mode } = await stat(d);
    if (!(mode & 0o001)) await chmod(d, mode | 0o001);
  }
}
const execFileP = promisify(execFile);

describe('hostile input: the server stays up', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ LOUPE_DB_STATEMENT_TIMEOUT_MS: '1500' });
    const r = await fetch(`${s.url}/api/v1/images?wait=true`, {
      method: 'POST',
      body: form([{ name: 'red.jpg', bytes: await colourImage('red') }], { caption: 'a red square' }),
    });
    assert.equal(r.status, 201);
  });
  after(() => s.stop());

  it('the duplicates scan answers a page at a time, and refuses thresholds past 12 bits', async () => {
    const photos = (await readdir(COCO_IMAGES)).sort().slice(0, 3);
    const files = [];
    for (const f of photos) {
      const bytes = await readFile(path.join(COCO_IMAGES, f));
      files.push(
        { name: f, bytes },
        { name: `small-${f}`, bytes: await sharp(bytes).resize(240).jpeg({ quality: 60 }).toBuffer() },
      );
    }
    assert.equal((await fetch(`${s.url}/api/v1/images?wait=true`, { method: 'POST', body: form(files) })).status, 201);
    const first = await (await fetch(`${s.url}/api/v1/duplicates?limit=2`)).json();
    assert.equal(first.total, 3);
    assert.equal(first.groups.length, 2);
    assert.equal(first.next, '2');
    const second = await (await fetch(`${s.url}/api/v1/duplicates?limit=2&cursor=${first.next}`)).json();
    assert.deepEqual([second.groups.length, second.next], [1, null]);
    const names = [...first.groups, ...second.groups].map((g: { images: { filename: string }[] }) =>
      g.images
        .map((i) => i.filename)
        .sort()
        .join(' '),
    );
    assert.deepEqual(names.sort(), photos.map((f) => `${f} small-${f}`).sort(), 'each photo with its small copy, once');
    for (const bad of ['maxBits=13', 'maxBits=32', 'limit=0', 'limit=501', 'cursor=-1'])
      assert.equal((await fetch(`${s.url}/api/v1/duplicates?${bad}`)).status, 400, bad);
  });

  it('out-of-range dates, hand-made cursors and a folder that is not text are 400s that say what to fix', async () => {
    const search = (body: object) => fetch(`${s.url}/api/v1/images/search`, jsonBody(body));
    for (const [body, message] of [
      [{ query: 'red year:9999' }, /year must be from 1800 to 3000/],
      [{ query: 'red taken:9999-12-31' }, /year must be from 1800 to 3000/],
      [{ query: 'red after:0050' }, /year must be from 1800 to 3000/],
      [{ query: 'red year:0099' }, /year must be from 1800 to 3000/],
      [{ query: 'red', filters: { taken: '9999-12' } }, /year must be from 1800 to 3000/],
      [{ query: 'red', filters: { year: 9999 } }, /year/],
    ] as const) {
      const r = await search(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((await r.json()).message, message);
    }
    assert.equal(
      (await fetch(`${s.url}/api/v1/images/00000000-0000-4000-8000-000000000000/similar?taken=9999`)).status,
      400,
    );
    const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      ['1', '00000000-0000-4000-8000-000000000000'],
      ['2020-02-30', '00000000-0000-4000-8000-000000000000'],
      ['+275760-09-13T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'],
    ]) {
      const r = await fetch(`${s.url}/api/v1/images?cursor=${cursor(bad)}`);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.match((await r.json()).message, /cursor is not one this server gave out/);
    }
    for (const folder of [123, {}, []]) {
      const r = await fetch(
        `${s.url}/api/v1/images/search/by-image`,
        jsonBody({ base64: (await colourImage('red', 'png')).toString('base64'), folder }),
      );
      assert.equal(r.status, 400, JSON.stringify(folder));
    }
    const spec = await (await fetch(`${s.url}/docs/openapi.json`)).json();
    assert.ok(spec.paths['/api/v1/session']?.post, 'the OpenAPI document lists the sign-in route');
  });

  it('a statement timeout too small to work is refused at start with what to set', async () => {
    const env = await testEnv(path.join(await tempDir(), 'data'), { LOUPE_DB_STATEMENT_TIMEOUT_MS: '100' });
    const r = await runCli(['stats'], env);
    assert.equal(r.code, 10, 'exit status 10: invalid configuration');
    assert.match(r.stderr, /LOUPE_DB_STATEMENT_TIMEOUT_MS.*0 \(no limit\) or at least 1000 ms/);
  });

  it('a 200 KB query cannot freeze the server: every search route refuses it with 400', async () => {
    const huge = 'receipt '.repeat(25_000);
    for (const [route, body] of [
      ['/api/v1/images/search', { query: huge }],
      ['/api/search-images', { query: huge }],
      ['/api/demo_backend_v2/image_search/search', { query: huge }],
    ] as const) {
      const started = Date.now();
      const r = await fetch(s.url + route, jsonBody(body));
      assert.equal(r.status, 400, route);
      assert.ok(Date.now() - started < 2000, `${route} answered in ${Date.now() - started} ms`);
    }
  });

  it('a slow statement in the embedded database does not block /healthz, and ends with QUERY_TIMEOUT', async () => {
    const slow = s.lib.db.query('select count(*) from generate_series(1, 200000000)');
    const started = Date.now();
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    assert.ok(Date.now() - started < 1000, `health answered in ${Date.now() - started} ms while the statement ran`);
    await assert.rejects(slow, (e) => isLoupeError(e, 'QUERY_TIMEOUT'));
    // The database thread was restarted on the same folder: the library is all there.
    const found = await (
      await fetch(`${s.url}/api/v1/images/search`, jsonBody({ query: 'red square', mode: 'text' }))
    ).json();
    assert.equal(found.results.length, 1);
  });

  it('a NUL character in a query, caption or tag is a 400, and a refused upload leaves no original behind', async () => {
    assert.equal((await fetch(`${s.url}/api/v1/images/search`, jsonBody({ query: 'red\u0000' }))).status, 400);
    const [{ id }] = (await (await fetch(`${s.url}/api/v1/images`)).json()).items;
    assert.equal((await fetch(`${s.url}/api/v1/images/${id}`, jsonBody({ caption: 'a\u0000b' }, 'PATCH'))).status, 400);
    assert.equal(
      (await fetch(`${s.url}/api/v1/images/${id}`, jsonBody({ tags: ['ok', 'b\u0000'] }, 'PATCH'))).status,
      400,
    );
    const before = await readdir(path.join(s.dataDir, 'originals'), { recursive: true });
    const r = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      body: form([{ name: 'blue.jpg', bytes: await colourImage('blue') }], { caption: 'x\u0000y' }),
    });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'BAD_ARGUMENT');
    assert.deepEqual(
      await readdir(path.join(s.dataDir, 'originals'), { recursive: true }),
      before,
      'nothing stored for the refused upload',
    );
  });

  it('one caption limit everywhere: 10,000 characters on upload and on PATCH', async () => {
    const long = 'x'.repeat(10_001);
    const up = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      body: form([{ name: 'green.jpg', bytes: await colourImage('green') }], { caption: long }),
    });
    assert.equal(up.status, 400);
    assert.match((await up.json()).message, /10000-character limit/);
    const [{ id }] = (await (await fetch(`${s.url}/api/v1/images`)).json()).items;
    assert.equal((await fetch(`${s.url}/api/v1/images/${id}`, jsonBody({ caption: long }, 'PATCH'))).status, 400);
    assert.equal(
      (await fetch(`${s.url}/api/v1/images/${id}`, jsonBody({ caption: 'x'.repeat(10_000) }, 'PATCH'))).status,
      200,
    );
  });

  it('a malformed percent-escape in an image URL is a 400 before anything is fetched', async () => {
    const r = await fetch(`${s.url}/api/v1/images`, jsonBody({ url: 'http://example.invalid/photo%zz.jpg' }));
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.error, 'BAD_ARGUMENT');
    assert.match(body.message, /percent-escape/);
  });

  it('a JSON body sent as text/plain (a no-cors cross-site POST) is not parsed', async () => {
    const r = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ base64: (await colourImage('yellow')).toString('base64') }),
    });
    assert.equal(r.status, 415);
  });

  it('a JSON body that is not UTF-8 is a 400, not a search for replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const r = await fetch(`${s.url}/api/v1/images/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(body),
    });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { message: string }).message, /UTF-8/);
    const ok = await fetch(`${s.url}/api/v1/images/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'café 写真' }),
    });
    assert.equal(ok.status, 200, 'real UTF-8 still goes through');
  });

  it('a page on another localhost port cannot plant images (Origin / Sec-Fetch-Site checked)', async () => {
    const body = form([{ name: 'planted.jpg', bytes: await colourImage('purple') }]);
    const cross = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      body,
      headers: { origin: 'http://127.0.0.1:9', 'sec-fetch-site': 'same-site' },
    });
    assert.equal(cross.status, 403);
    const noOrigin = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      body: form([{ name: 'planted.jpg', bytes: await colourImage('purple') }]),
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(noOrigin.status, 403);
    const own = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      body: form([{ name: 'mine.jpg', bytes: await colourImage('purple') }]),
      headers: { origin: s.url, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(own.status, 201, "the server's own page may upload");
    const get = await fetch(`${s.url}/api/v1/stats`, {
      headers: { origin: 'http://127.0.0.1:9', 'sec-fetch-site': 'same-site' },
    });
    assert.equal(get.status, 200, 'reads are not state changes (CORS keeps their answers from other origins)');
  });

  it("DNS rebinding: a Host name that is not this server's is refused", async () => {
    const { port } = new URL(s.url);
    const { stdout } = await execFileP('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Host: attacker.example',
      `http://127.0.0.1:${port}/api/v1/stats`,
    ]).catch(() => ({ stdout: '' }));
    if (stdout) assert.equal(stdout, '403');
    else {
      // No curl: speak HTTP/1.1 by hand (fetch does not let a caller set Host).
      const net = await import('node:net');
      const answer = await new Promise<string>((resolve) => {
        const sock = net.connect(Number(port), '127.0.0.1', () =>
          sock.write('GET /api/v1/stats HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n'),
        );
        let data = '';
        sock.on('data', (d) => (data += d)).on('end', () => resolve(data));
      });
      assert.match(answer, /^HTTP\/1\.1 403/);
    }
    assert.equal(
      (await fetch(`${s.url.replace('127.0.0.1', 'localhost')}/healthz`)).status,
      200,
      'localhost is a loopback name',
    );
  });

  it('a JSON body labelled multipart/mixed gets the JSON size limit, not the upload one', async () => {
    const r = await fetch(`${s.url}/api/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/mixed; boundary=x' },
      body: Buffer.alloc(65 * 1024 * 1024, 0x20),
    });
    assert.equal(r.status, 413);
    assert.match((await r.json()).message, /raise LOUPE_MAX_JSON_BYTES/, 'the message names the limit that refused it');
  });

  it('a multipart file over the size limit is refused while it streams, and leaves no temporary file', async () => {
    const small = await startTestServer({ LOUPE_MAX_FILE_BYTES: String(1024 * 1024) });
    try {
      const boundary = 'loupe-test-boundary';
      const chunks = [
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
        ),
        ...Array.from({ length: 40 }, () => Buffer.alloc(256 * 1024, 0xff)),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ];
      // Chunked (no Content-Length): the limit must hold while the body arrives.
      const body = new ReadableStream({
        pull(c) {
          const next = chunks.shift();
          if (next) c.enqueue(next);
          else c.close();
        },
      });
      const r = await fetch(`${small.url}/api/v1/images`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        duplex: 'half',
      } as RequestInit);
      assert.equal(r.status, 413);
      assert.equal((await r.json()).error, 'FILE_TOO_LARGE');
      assert.deepEqual(await readdir(path.join(small.dataDir, 'tmp', 'uploads')).catch(() => []), []);
    } finally {
      await small.stop();
    }
  });
});

describe('hostile input: with API keys', () => {
  let s: TestServer;
  let key: string;
  before(async () => {
    s = await startTestServer({ LOUPE_AUTH: 'on', LOUPE_METRICS_TOKEN: 'metrics-secret-token' });
    const { createKey } = await import('../src/app/access.js');
    await s.lib.access.createSpace('home', 'ann');
    key = (await createKey(s.lib.access, { space: 'home' })).key;
  });
  after(() => s.stop());

  it("made-up Bearer keys share their address's rate limit instead of each getting a fresh one", async () => {
    const limited = await startTestServer({ LOUPE_AUTH: 'on', LOUPE_RATE_LIMIT: '5' });
    try {
      const { createKey } = await import('../src/app/access.js');
      await limited.lib.access.createSpace('mine', 'admin');
      const own = (await createKey(limited.lib.access, { space: 'mine' })).key;
      const statuses = [];
      for (let i = 0; i < 8; i++)
        statuses.push(
          (await fetch(`${limited.url}/api/v1/stats`, { headers: { authorization: `Bearer x${Math.random()}` } }))
            .status,
        );
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.deepEqual(statuses.slice(5), [429, 429, 429]);
      // A real key has its own budget.
      assert.equal(
        (await fetch(`${limited.url}/api/v1/stats`, { headers: { authorization: `Bearer ${own}` } })).status,
        200,
      );
    } finally {
      await limited.stop();
    }
  });

  it("the web UI's key lives in an HttpOnly, SameSite=Strict cookie scoped to /api", async () => {
    const bad = await fetch(`${s.url}/api/v1/session`, jsonBody({ key: 'loupe_wrong' }));
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const ok = await fetch(`${s.url}/api/v1/session`, jsonBody({ key }));
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^loupe_key=/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Path=\/api(;|$)/);
    const session = await (
      await fetch(`${s.url}/api/v1/session`, { headers: { cookie: cookie.split(';')[0] } })
    ).json();
    assert.deepEqual(session, { auth: true, signedIn: true, user: 'ann' });
    assert.equal((await fetch(`${s.url}/api/v1/stats`, { headers: { cookie: cookie.split(';')[0] } })).status, 200);
  });

  it("a loupe_key cookie planted by another page cannot move a user into someone else's space", async () => {
    const { createKey } = await import('../src/app/access.js');
    await s.lib.access.createSpace('other', 'bob');
    const bob = (await createKey(s.lib.access, { space: 'other' })).key;
    // A page on another localhost port set loupe_key=<bob's key>; path=/api/v1: the browser sends it first.
    for (const cookie of [`loupe_key=${bob}; loupe_key=${key}`, `loupe_key=${key}; loupe_key=${bob}`]) {
      for (const route of ['/api/v1/session', '/api/v1/stats', '/api/v1/images']) {
        const r = await fetch(`${s.url}${route}`, { headers: { cookie } });
        assert.equal(r.status, 401, `${route} with two session cookies`);
        assert.match((await r.json()).message, /2 loupe_key cookies .*sign in again/);
      }
    }
    // Signing in (and out) expires the cookie at every path one could have been planted at.
    const signIn = await fetch(`${s.url}/api/v1/session`, jsonBody({ key }));
    const cleared = signIn.headers.getSetCookie().filter((c) => /^loupe_key=;/.test(c) && /Max-Age=0/i.test(c));
    for (const p of ['/', '/api/v1', '/api/v1/images'])
      assert.ok(
        cleared.some((c) => new RegExp(`Path=${p.replace(/\//g, '\\/')}(;|$)`).test(c)),
        `cleared at ${p}`,
      );
    assert.ok(signIn.headers.getSetCookie().some((c) => c.startsWith(`loupe_key=${key}`)));
    const signOut = await fetch(`${s.url}/api/v1/session`, { method: 'DELETE' });
    assert.ok(signOut.headers.getSetCookie().filter((c) => /^loupe_key=;/.test(c)).length >= 3);
  });

  it('/metrics needs a key or the metrics token under LOUPE_AUTH=on', async () => {
    assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal(
      (await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret-token' } })).status,
      200,
    );
    assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
  });

  it('a deleted space takes its data and its keys with it', async () => {
    const { createKey, deleteSpace } = await import('../src/app/access.js');
    await s.lib.access.createSpace('temp', 'bob');
    const tempKey = (await createKey(s.lib.access, { space: 'temp' })).key;
    const auth = { authorization: `Bearer ${tempKey}` };
    const up = await fetch(`${s.url}/api/v1/images?wait=true`, {
      method: 'POST',
      body: form([{ name: 'teal.jpg', bytes: await colourImage('teal') }]),
      headers: auth,
    });
    assert.equal(up.status, 201);
    const spaceFiles = path.join(s.dataDir, 'spaces');
    assert.ok(
      (await readdir(spaceFiles, { recursive: true })).some((f) => f.endsWith('.webp')),
      'a thumbnail was written for the space',
    );
    assert.deepEqual(await deleteSpace(s.lib, 'temp'), { images: 1 });
    assert.equal(
      (await fetch(`${s.url}/api/v1/stats`, { headers: auth })).status,
      401,
      'its key no longer opens anything',
    );
    assert.equal(await s.lib.access.getSpace('temp'), null);
    const left = (await readdir(spaceFiles, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    assert.deepEqual(
      left.map((e) => e.name),
      [],
      'its thumbnails and uploads are gone',
    );
    await assert.rejects(deleteSpace(s.lib, 'default'), (e) => isLoupeError(e, 'BAD_ARGUMENT'));
  });
});

describe('hostile filesystem', () => {
  before(requireShared);

  it('an unreadable subfolder is reported, and neither its images nor their captions and tags are deleted', async () => {
    const root = await tempDir();
    await chmod(root, 0o755);
    const photos = path.join(root, 'photos');
    const data = path.join(root, 'data');
    await mkdir(path.join(photos, 'private'), { recursive: true });
    const files = (await readdir(COCO_IMAGES)).sort().slice(0, 3);
    for (const f of files) await copyFile(path.join(COCO_IMAGES, f), path.join(photos, 'private', f));
    await copyFile(path.join(COCO_IMAGES, files[0]), path.join(photos, 'top.jpg'));
    await chmod(await testModelsDir(), 0o755);
    const env = await testEnv(data);
    const as = await asUser([root]);
    const index = async () => {
      const r = await runCli(['index', photos, '--json'], env, as);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as IndexSummary;
    };
    assert.equal((await index()).indexed, 3, 'top.jpg is an exact copy of one of them');
    // The user writes a caption and tags.
    const lib = await openLibrary(parseConfig(env));
    const [img] = (await lib.store.listImages({ folder: 'private', limit: 10 })).items.filter((i) =>
      i.paths.some((p) => p.path.endsWith(files[1])),
    );
    await lib.store.updateImage(img.id, { caption: 'grandma at the lake', tags: ['family', 'summer'] });
    await lib.close();
    await asUser([data]);

    await chmod(path.join(photos, 'private'), 0);
    try {
      const summary = await index();
      assert.equal(summary.removed, 0, 'nothing removed while the folder cannot be read');
      const reported = summary.failed.find((f) => f.path === path.join(photos, 'private'));
      assert.ok(reported, `the folder is reported: ${JSON.stringify(summary.failed)}`);
      assert.equal(reported.code, 'UNREADABLE');
    } finally {
      await chmod(path.join(photos, 'private'), 0o755);
    }
    const again = await index();
    assert.equal(again.indexed, 0);
    const check = await openLibrary(parseConfig(env));
    const [back] = await check.store.getImages([img.id]);
    await check.close();
    assert.equal(back?.caption, 'grandma at the lake');
    assert.deepEqual(back?.tags, ['family', 'summer']);
  });

  it('a file removed and then restored gets its user caption and tags back', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    const f = (await readdir(COCO_IMAGES)).sort()[5];
    await copyFile(path.join(COCO_IMAGES, f), path.join(photos, f));
    const env = await testEnv(path.join(root, 'data'));
    await runJson(['index', photos], env);
    let lib = await openLibrary(parseConfig(env));
    const [img] = (await lib.store.listImages({ limit: 1 })).items;
    await lib.store.updateImage(img.id, { caption: 'first day of school', tags: ['kids'] });
    await lib.close();
    await rename(path.join(photos, f), path.join(root, f));
    assert.equal((await runJson<IndexSummary>(['index', photos], env)).removed, 1, 'really gone: removed');
    await rename(path.join(root, f), path.join(photos, 'restored.jpg'));
    assert.equal((await runJson<IndexSummary>(['index', photos], env)).indexed, 1);
    lib = await openLibrary(parseConfig(env));
    const [restored] = (await lib.store.listImages({ limit: 1 })).items;
    await lib.close();
    assert.equal(restored.caption, 'first day of school');
    assert.deepEqual(restored.tags, ['kids']);
  });

  it('names that are not UTF-8, symlinked folders and symlink loops are handled', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(path.join(photos, 'real'), { recursive: true });
    const cocos = (await readdir(COCO_IMAGES)).sort();
    // A Latin-1 name (0xE9 = é), as old cameras and Windows copies leave them.
    const rawName = Buffer.concat([Buffer.from(path.join(photos, 'caf')), Buffer.from([0xe9]), Buffer.from('.jpg')]);
    await copyFile(path.join(COCO_IMAGES, cocos[10]), rawName);
    await copyFile(path.join(COCO_IMAGES, cocos[11]), path.join(photos, 'real', 'a.jpg'));
    await symlink(path.join(photos, 'real'), path.join(photos, 'linked')); // a symlinked folder inside the root
    await symlink(photos, path.join(photos, 'real', 'loop')); // a loop back to the root
    await symlink('/etc', path.join(photos, 'outside')); // leads out of the folder: skipped, said so
    const env = await testEnv(path.join(root, 'data'));
    const summary = await runJson<IndexSummary>(['index', photos], env);
    assert.equal(summary.indexed, 2, JSON.stringify(summary));
    assert.equal(summary.duplicates, 0, 'a folder reachable through a link is walked once');
    assert.deepEqual(
      summary.failed.map((f) => path.basename(f.path)),
      ['outside'],
    );
    assert.ok(!summary.failed.some((f) => /EISDIR/.test(f.error)));
    // The raw name round-trips: re-indexing skips it (not "gone" and re-added), and its file can be read back.
    const again = await runJson<IndexSummary>(['index', photos], env);
    assert.deepEqual([again.indexed, again.removed, again.failed.length], [0, 0, 1]);
    const lib = await openLibrary(parseConfig(env));
    const { readOriginal } = await import('../src/app/originals.js');
    const items = (await lib.store.listImages({ limit: 10 })).items;
    assert.deepEqual(
      items.flatMap((i) => i.paths.map((p) => p.folder)).sort(),
      ['', 'real'],
      'under its real folder, not the link',
    );
    const [cafe] = items.filter((i) => i.paths.some((p) => p.path.includes('caf')));
    assert.deepEqual(await readOriginal(lib, cafe), await readFile(rawName));
    await lib.close();
  });

  it('a chmod 000 folder is listed as a failure, not silently skipped', async (t) => {
    const root = await tempDir();
    await chmod(root, 0o755);
    const photos = path.join(root, 'photos');
    await mkdir(path.join(photos, 'locked'), { recursive: true });
    await copyFile(
      path.join(COCO_IMAGES, (await readdir(COCO_IMAGES)).sort()[3]),
      path.join(photos, 'locked', 'x.jpg'),
    );
    await chmod(path.join(photos, 'locked'), 0);
    await chmod(await testModelsDir(), 0o755);
    const env = await testEnv(path.join(root, 'data'));
    const r = await runCli(['index', photos, '--json'], env, await asUser([root]));
    t.after(() => chmod(path.join(photos, 'locked'), 0o755));
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as IndexSummary;
    assert.deepEqual(
      summary.failed.map((f) => [path.basename(f.path), f.code]),
      [['locked', 'UNREADABLE']],
    );
  });
});

describe('/file serves only what was indexed', () => {
  it('a photo replaced by a symlink to /etc/passwd, or by other bytes, is not served', async () => {
    await requireShared();
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    const photo = path.join(photos, 'p.jpg');
    await copyFile(path.join(COCO_IMAGES, (await readdir(COCO_IMAGES)).sort()[7]), photo);
    const env = await testEnv(path.join(root, 'data'));
    await runJson(['index', photos], env);
    const lib = await openLibrary(parseConfig(env));
    const { startServer } = await import('../src/http/server.js');
    const server = await startServer(lib, { host: '127.0.0.1', port: 0 });
    try {
      const [img] = (await lib.store.listImages({ limit: 1 })).items;
      const file = `${server.url}/api/v1/images/${img.id}/file`;
      assert.equal((await fetch(file)).status, 200);
      await rename(photo, `${photo}.bak`);
      await symlink('/etc/passwd', photo);
      const linked = await fetch(file);
      assert.equal(linked.status, 409);
      assert.doesNotMatch(await linked.text(), /root:/);
      await rm(photo);
      await writeFile(photo, await colourImage('red'));
      const changed = await fetch(file);
      assert.equal(changed.status, 409);
      assert.equal((await changed.json()).error, 'FILE_CHANGED');
      await rename(`${photo}.bak`, photo);
      assert.equal((await fetch(file)).status, 200);
    } finally {
      await server.close();
      await lib.close();
    }
  });
});

describe('the data-folder lock', () => {
  it('admits exactly one of six simultaneous takers of a stale lock (40 trials)', async () => {
    const dir = await tempDir();
    for (let trial = 0; trial < 40; trial++) {
      await writeFile(path.join(dir, 'loupe.lock'), JSON.stringify({ pid: 2 ** 22 + 7, started: '1', token: 'dead' })); // a pid that does not exist
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => lockDataDir(dir)));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, `trial ${trial}: ${won.length} holders`);
      assert.ok(results.every((r) => r.status === 'fulfilled' || isLoupeError(r.reason, 'DATA_DIR_LOCKED')));
      await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
    }
  });

  it('admits exactly one of six processes started at once', async () => {
    const dir = await tempDir();
    const done = path.join(dir, 'all-answered');
    // The winner holds the lock until all six have answered (not for a fixed time: on a busy machine a late
    // starter could otherwise find the winner gone and rightly take its stale lock).
    const script = `import { lockDataDir } from ${JSON.stringify(path.join(REPO, 'dist/adapters/fs/data-dir-lock.js'))};
      import { existsSync } from 'node:fs';
      try { await lockDataDir(process.argv[1]); console.log('got'); while (!existsSync(process.argv[2])) await new Promise((r) => setTimeout(r, 20)); } catch (e) { console.log(e.code); }`;
    for (let trial = 0; trial < 5; trial++) {
      await rm(done, { force: true });
      await writeFile(path.join(dir, 'loupe.lock'), JSON.stringify({ pid: 2 ** 22 + 9, started: '1', token: 'dead' }));
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ['--input-type=module', '-e', script, dir, done], {
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      const answers = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              let out = '';
              child.stdout!.on('data', (d) => ((out += d), out.includes('\n') && resolve(out.trim())));
              child.on('exit', () => resolve(out.trim()));
            }),
        ),
      );
      await writeFile(done, '');
      await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r)))));
      assert.equal(answers.filter((o) => o === 'got').length, 1, answers.join(','));
      await rm(path.join(dir, 'loupe.lock'), { force: true });
    }
  });

  it('is not fooled by a reused pid, a zombie or an empty lock file, and refuses a live owner', async () => {
    const dir = await tempDir();
    const lockFile = path.join(dir, 'loupe.lock');
    // pid 1 is alive, but it is not the process that wrote this lock (another start time).
    await writeFile(lockFile, JSON.stringify({ pid: 1, started: '999999999999', token: 'x' }));
    await (
      await lockDataDir(dir)
    )();
    // A killed child that nobody has reaped yet (a zombie) holds no lock.
    const child = spawn('sh', ['-c', 'exit 0'], { stdio: 'ignore' });
    const zombiePid = child.pid!;
    await new Promise((r) => setTimeout(r, 300)); // exited; Node reaps it only when its event loop gets to it
    await writeFile(lockFile, JSON.stringify({ pid: zombiePid, started: '', token: 'z' }));
    await (
      await lockDataDir(dir)
    )();
    // A half-written (empty) lock from an old version counts as stale once it is a little old.
    await writeFile(lockFile, '');
    const { utimes } = await import('node:fs/promises');
    await utimes(lockFile, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const release = await lockDataDir(dir);
    await assert.rejects(
      lockDataDir(dir),
      (e) => isLoupeError(e, 'DATA_DIR_LOCKED'),
      'a live owner (this process) keeps it',
    );
    await release();
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('loupe.lock')),
      [],
    );
  });
});

describe('broken models and full disks', () => {
  before(requireShared);

  it('a model whose files are broken stops index and search with a non-zero exit and the fix', async () => {
    const models = path.join(await tempDir(), 'models');
    await cp(await testModelsDir(), models, { recursive: true });
    const onnx = path.join(models, TEST_CLIP_MODEL_ID, 'onnx');
    for (const f of await readdir(onnx)) await truncate(path.join(onnx, f), 100);
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    for (const f of (await readdir(COCO_IMAGES)).sort().slice(0, 3))
      await copyFile(path.join(COCO_IMAGES, f), path.join(photos, f));
    const env = await testEnv(path.join(root, 'data'), { LOUPE_MODELS_DIR: models });
    const index = await runCli(['index', photos, '--json'], env);
    assert.equal(index.code, 6, 'exit status 6: model unavailable (the status of what stopped the run)');
    const summary = JSON.parse(index.stdout) as IndexSummary;
    assert.equal(summary.stopped?.code, 'MODEL_LOAD_FAILED');
    assert.equal(summary.failed.length, 0, 'not reported as a failure of each file');
    assert.match(index.stderr, /models pull/);
    const search = await runCli(['search', 'red', '--json'], env);
    assert.equal(search.code, 6, 'exit status 6: model unavailable');
    assert.match(search.stderr, /could not load model .*models pull/s);
  });

  it('temporaries a killed process left are removed at start', async () => {
    const data = path.join(await tempDir(), 'data');
    for (const d of ['tmp/blobs', 'tmp/uploads/abc']) await mkdir(path.join(data, d), { recursive: true });
    await writeFile(path.join(data, 'tmp/blobs/123.deadbeef.tmp'), 'half a thumbnail');
    await writeFile(path.join(data, 'tmp/uploads/abc/0'), 'half an upload');
    const lib = await openLibrary(parseConfig(await testEnv(data)));
    await lib.close();
    assert.deepEqual(await readdir(path.join(data, 'tmp/blobs')), []);
    assert.deepEqual(await readdir(path.join(data, 'tmp/uploads')), []);
  });

  it('a full disk stops index with DISK_FULL, the summary still printed and no temporaries left; freeing space resumes', async (t) => {
    assert.equal(
      isLoupeError(diskFullOr(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), '/x'), 'DISK_FULL'),
      true,
    );
    const mountpoint = await tempDir('loupe-tmpfs-');
    const mounted = await execFileP('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountpoint]).then(
      () => true,
      () => false,
    );
    if (!mounted)
      return t.skip(
        'SKIPPED LOUDLY: cannot mount a tmpfs here (needs root and mount rights) — the disk-full path is not exercised',
      );
    t.after(() => execFileP('umount', ['-l', mountpoint]).catch(() => {}));
    const photos = path.join(await tempDir(), 'photos');
    await mkdir(photos);
    const files = (await readdir(COCO_IMAGES)).sort().slice(0, 30);
    for (const f of files) await copyFile(path.join(COCO_IMAGES, f), path.join(photos, f));
    const data = path.join(mountpoint, 'data');
    const env = await testEnv(data, {}, { fresh: true }); // the database is made on the small disk
    const { statfs } = await import('node:fs/promises');
    const freeBytes = async () => {
      const st = await statfs(mountpoint);
      return st.bavail * st.bsize;
    };
    const filler = path.join(mountpoint, 'filler');
    // Too little room to create the database: said at once, with the space needed.
    await writeFile(filler, Buffer.alloc((await freeBytes()) - 10 * 1024 * 1024));
    const noRoom = await runCli(['spaces', 'list'], env); // any command that opens (and so makes) the library
    assert.notEqual(noRoom.code, 0);
    assert.match(noRoom.stderr, /no space left in .*data \(\d+ MB free, at least \d+ MB needed\)/);
    await rm(filler);
    assert.equal((await runCli(['spaces', 'list'], env)).code, 0, 'the database fits');
    // Leave room for a few thumbnails only.
    await writeFile(filler, Buffer.alloc(Math.max(0, (await freeBytes()) - 150 * 1024)));
    const full = await runCli(['index', photos, '--json'], env);
    assert.notEqual(full.code, 0);
    assert.ok(
      full.stdout.trim().startsWith('{'),
      `a JSON summary even so: ${full.stdout.slice(0, 200)} / ${full.stderr.slice(0, 300)}`,
    );
    const summary = JSON.parse(full.stdout) as IndexSummary;
    assert.equal(summary.stopped?.code, 'DISK_FULL');
    assert.match(summary.stopped!.error, new RegExp(data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // Loupe's temporaries (PostgreSQL's own files under db/ are its business).
    const leftovers = (await readdir(data, { recursive: true })).filter(
      (f) => String(f).endsWith('.tmp') && !String(f).startsWith('db/'),
    );
    assert.deepEqual(leftovers, []);
    await rm(filler);
    const resumed = await runJson<IndexSummary>(['index', photos], env);
    assert.equal(resumed.stopped, undefined);
    const stats = await runJson<{ images: number }>(['stats'], env);
    assert.equal(stats.images, 30, 'each photo once');
  });

  it('a full disk refuses uploads with 507 DISK_FULL, the server keeps answering, and uploads go in once space is freed', async (t) => {
    const mountpoint = await tempDir('loupe-tmpfs-');
    const mounted = await execFileP('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountpoint]).then(
      () => true,
      () => false,
    );
    if (!mounted)
      return t.skip(
        'SKIPPED LOUDLY: cannot mount a tmpfs here (needs root and mount rights) — the disk-full path is not exercised',
      );
    t.after(() => execFileP('umount', ['-l', mountpoint]).catch(() => {}));
    const s = await startTestServer({}, path.join(mountpoint, 'data'));
    t.after(() => s.stop());
    const { statfs } = await import('node:fs/promises');
    const free = async () => ((st) => st.bavail * st.bsize)(await statfs(mountpoint));
    const filler = path.join(mountpoint, 'filler');
    // Room for about two photos; the database may still be writing, so a filler that hits the end is fine too.
    await writeFile(filler, Buffer.alloc(Math.max(0, (await free()) - 400 * 1024))).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOSPC') throw e;
      },
    );
    const photos = (await readdir(COCO_IMAGES)).sort().slice(0, 8);
    const upload = async (f: string) => {
      const res = await fetch(`${s.url}/api/v1/images?wait=true`, {
        method: 'POST',
        body: form([{ name: f, bytes: await readFile(path.join(COCO_IMAGES, f)), type: 'image/jpeg' }]),
      });
      return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
    };
    const answers = [];
    for (const f of photos) answers.push(await upload(f));
    const refused = answers.filter((a) => a.status !== 201);
    assert.ok(refused.length > 0, 'the disk filled up');
    for (const a of refused) {
      assert.equal(a.status, 507, JSON.stringify(a));
      assert.equal(a.body.error, 'DISK_FULL');
      assert.match(a.body.message ?? '', /space/);
    }
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200, 'the server keeps answering');
    await rm(filler);
    for (const [i, f] of photos.entries())
      if (answers[i].status !== 201) assert.equal((await upload(f)).status, 201, `${f} goes in once there is room`);
    const stats = (await (await fetch(`${s.url}/api/v1/stats`)).json()) as { images: number };
    assert.equal(stats.images, photos.length, 'each photo once');
  });
});

describe('stopping the server', () => {
  it('answers the search in flight before it stops, ends event streams, and takes no new connection', async () => {
    const root = await tempDir();
    const env = await testEnv(path.join(root, 'data'));
    const lib = await openLibrary(parseConfig(env));
    const { startServer } = await import('../src/http/server.js');
    const server = await startServer(lib, { host: '127.0.0.1', port: 0 });
    const { port } = new URL(server.url);
    try {
      const events = await fetch(`${server.url}/api/v1/events`);
      const reader = events.body!.getReader();
      await reader.read(); // the first progress event: the stream is open
      // A search whose body is still arriving when the stop comes.
      const body = JSON.stringify({ query: 'red' });
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `POST /api/v1/images/search HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
      );
      let answer = '';
      socket.on('data', (d) => (answer += d));
      const socketClosed = once(socket, 'close');
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      const closing = server.close(20_000);
      await new Promise((r) => setTimeout(r, 300));
      socket.write(body.slice(5));
      await socketClosed;
      assert.match(
        answer,
        /^HTTP\/1\.1 200/,
        `the search in flight was answered: ${JSON.stringify(answer.slice(0, 200))}`,
      );
      assert.match(answer, /"results":\[/);
      while (!(await reader.read()).done); // the event stream ends
      await closing;
      assert.ok(
        performance.now() - started < 10_000,
        `stopped in ${performance.now() - started} ms: nothing held it to the grace`,
      );
      await assert.rejects(fetch(`${server.url}/healthz`), 'no new connection after the stop');
    } finally {
      await server.close(0).catch(() => {});
      await lib.close();
    }
  });
});

describe('one database connection, many requests', () => {
  it('listing answers while searches and indexing queue behind it on the embedded database', async () => {
    const root = await tempDir();
    const lib = await openLibrary(parseConfig(await testEnv(path.join(root, 'data'))));
    const { startServer } = await import('../src/http/server.js');
    const server = await startServer(lib, { host: '127.0.0.1', port: 0 });
    try {
      const done: string[] = [];
      // Three slow statements queued as searches are, then a listing: it waits for the one running, not the others.
      const slow = [1, 2, 3].map((i) =>
        lib.db.behind!(() =>
          lib.db.query('select count(*) from generate_series(1, 3000000)').then(() => done.push(`search ${i}`)),
        ),
      );
      await new Promise((r) => setTimeout(r, 20));
      const listing = fetch(`${server.url}/api/v1/images?limit=1`).then(
        (r) => (assert.equal(r.status, 200), done.push('listing')),
      );
      await Promise.all([...slow, listing]);
      // The listing comes before the searches still queued (search 1 may not have reached the database thread yet on a busy machine).
      assert.ok(done.indexOf('listing') <= 1, `the listing did not wait for the queued searches: ${done}`);
      assert.deepEqual(
        done.filter((d) => d !== 'listing'),
        ['search 1', 'search 2', 'search 3'],
      );
    } finally {
      await server.close();
      await lib.close();
    }
  });
});

describe("the embedded database's statement limit", () => {
  it('backs off restarts: each statement ended in the last minute doubles the limit for the next (up to 8×)', async () => {
    const { openPglite } = await import('../src/adapters/pglite/pglite-client.js');
    const db = await openPglite(await migratedDatabaseCopy(), { statementTimeoutMs: 300 }); // on disk, as a library is: a restart reopens it
    db.timeStatements!();
    try {
      const limits: string[] = [];
      const took: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const e = await db.query('select count(*) from generate_series(1, 2000000000)').catch((e: Error) => e);
        took.push(performance.now() - started);
        assert.ok(isLoupeError(e, 'QUERY_TIMEOUT'), String(e));
        limits.push(/ran over (\d+) ms/.exec(e.message)![1]);
      }
      assert.deepEqual(limits, ['300', '600', '1200', '2400', '2400']);
      assert.ok(took[3] >= 2400, `the fourth ended after ${Math.round(took[3])} ms`);
      assert.deepEqual(await db.query('select 1 as one'), [{ one: 1 }], 'the fresh thread answers');
    } finally {
      await db.close();
    }
  });
});
