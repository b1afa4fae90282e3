/** The HTTP API over real HTTP against a started server: every route, every error status, SSE, SSRF refusals, compatibility routes. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { COCO_IMAGES, colourImage, hugePngHeader, requireShared, testModelsDir } from './support/fixtures.js';
import { form, jsonBody, startTestServer, type TestServer } from './support/server.js';
import { TransformersClip } from '../src/adapters/transformers/clip-embedder.js';
import { TEST_CLIP_MODEL_ID } from '../src/testing.js';

describe('HTTP API', () => {
  let s: TestServer;
  let u: (p: string) => string;
  const ids: Record<string, string> = {};
  const png: Record<string, Buffer> = {};

  before(async () => {
    await requireShared();
    s = await startTestServer({
      LOUPE_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024),
      LOUPE_MAX_FILE_BYTES: String(3 * 1024 * 1024),
    });
    u = (p) => s.url + p;
    for (const c of ['red', 'green', 'blue', 'yellow', 'black']) png[c] = await colourImage(c, 'png');
  });
  after(() => s.stop());

  async function upload(files: Parameters<typeof form>[0], fields: Record<string, string> = {}, wait = true) {
    const res = await fetch(u(`/api/v1/images${wait ? '?wait=true' : ''}`), {
      method: 'POST',
      body: form(files, fields),
    });
    return { status: res.status, body: await res.json() };
  }

  it('uploads several files at once; a bad one is reported beside the good ones', async () => {
    const r = await upload(
      [
        { name: 'red.png', bytes: png.red },
        { name: 'green.png', bytes: png.green },
        { name: 'notes.png', bytes: Buffer.from('not an image at all, just text\n'.repeat(5)) },
      ],
      { folder: 'colours', caption: 'a test card', tags: 'test,colour' },
    );
    assert.equal(r.status, 201);
    assert.equal(r.body.images.length, 2);
    for (const img of r.body.images) {
      assert.equal(img.status, 'ready');
      assert.equal(img.folder, 'colours');
      assert.equal(img.caption, 'a test card');
      assert.deepEqual(img.tags, ['test', 'colour']);
      assert.match(img.thumbnailUrl, /^\/api\/v1\/images\/[0-9a-f-]{36}\/thumbnail$/);
      ids[img.filename.replace('.png', '')] = img.id;
    }
    assert.deepEqual(
      r.body.errors.map((e: { filename: string; error: string }) => [e.filename, e.error]),
      [['notes.png', 'NOT_AN_IMAGE']],
    );
  });

  it('answers at once with status pending, and pushes the end of indexing as a server-sent event', async () => {
    const controller = new AbortController();
    const res = await fetch(u('/api/v1/events'), { signal: controller.signal });
    assert.equal(res.headers.get('content-type')?.split(';')[0], 'text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: progress')) text += (await reader.read()).value ?? '';
    const r = await upload([{ name: 'blue.png', bytes: png.blue }], { folder: 'colours' }, false);
    assert.equal(r.status, 201);
    const record = r.body.images[0];
    assert.equal(record.status, 'pending');
    assert.equal(record.thumbnailUrl, null);
    const deadline = Date.now() + 60_000;
    while (!text.includes(`"id":"${record.id}"`)) {
      assert.ok(Date.now() < deadline, 'no job event');
      text += (await reader.read()).value ?? '';
    }
    controller.abort();
    const event = text.split('\n\n').find((block) => block.includes(record.id))!;
    assert.match(event, /event: job/);
    assert.equal(JSON.parse(event.split('data: ')[1]).status, 'done');
    const now = await (await fetch(u(`/api/v1/images/${record.id}`))).json();
    assert.equal(now.status, 'ready');
    ids.blue = record.id;
  });

  it('a duplicate upload answers with the existing record', async () => {
    const r = await upload([{ name: 'red-again.png', bytes: png.red }]);
    assert.equal(r.status, 201);
    assert.equal(r.body.images[0].id, ids.red);
    assert.equal(r.body.images[0].duplicate, true);
  });

  it('adds images from JSON base64 (data URL or plain) with folder and tags', async () => {
    const r1 = await fetch(
      u('/api/v1/images?wait=true'),
      jsonBody({
        base64: `data:image/png;base64,${png.yellow.toString('base64')}`,
        filename: 'y.png',
        folder: 'json',
        tags: ['sun'],
      }),
    );
    assert.equal(r1.status, 201);
    const y = (await r1.json()).images[0];
    assert.deepEqual([y.status, y.folder, y.tags, y.filename], ['ready', 'json', ['sun'], 'y.png']);
    const r2 = await fetch(u('/api/v1/images?wait=true'), jsonBody({ base64: png.black.toString('base64') }));
    assert.equal(r2.status, 201);
    ids.black = (await r2.json()).images[0].id;
  });

  it('pages the gallery, newest first, with a folder filter', async () => {
    const first = await (await fetch(u('/api/v1/images?limit=2'))).json();
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    const second = await (await fetch(u(`/api/v1/images?limit=2&cursor=${first.nextCursor}`))).json();
    const seen = [...first.items, ...second.items].map((i: { id: string }) => i.id);
    assert.equal(new Set(seen).size, seen.length, 'pages do not overlap');
    const all = await (await fetch(u('/api/v1/images?limit=100'))).json();
    assert.equal(all.items.length, 5);
    assert.equal(all.nextCursor, null);
    for (let i = 1; i < all.items.length; i++) assert.ok(all.items[i - 1].createdAt >= all.items[i].createdAt);
    const colours = await (await fetch(u('/api/v1/images?folder=colours'))).json();
    assert.deepEqual(
      colours.items.map((i: { folder: string }) => i.folder),
      ['colours', 'colours', 'colours'],
    );
    const bad = await fetch(u('/api/v1/images?cursor=garbage'));
    assert.equal(bad.status, 400);
    assert.equal((await fetch(u('/api/v1/images?limit=0'))).status, 400);
  });

  it('edits caption, tags and folder; refuses unknown fields and unknown ids', async () => {
    const res = await fetch(
      u(`/api/v1/images/${ids.green}`),
      jsonBody({ caption: 'grass', tags: ['lawn'], folder: 'garden/grass' }, 'PATCH'),
    );
    assert.equal(res.status, 200);
    const g = await res.json();
    assert.deepEqual([g.caption, g.tags, g.folder], ['grass', ['lawn'], 'garden/grass']);
    const unknownField = await fetch(u(`/api/v1/images/${ids.green}`), jsonBody({ colour: 'x' }, 'PATCH'));
    assert.equal(unknownField.status, 400);
    assert.equal((await unknownField.json()).error, 'BAD_ARGUMENT');
    const traversal = await fetch(u(`/api/v1/images/${ids.green}`), jsonBody({ folder: '../../etc' }, 'PATCH'));
    assert.equal(traversal.status, 400);
    const missing = await fetch(u('/api/v1/images/00000000-0000-4000-8000-000000000000'));
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(await missing.json()).sort(), ['error', 'message', 'requestId']);
    assert.equal((await fetch(u('/api/v1/images/not-a-uuid'))).status, 404);
  });

  it('serves the original and a cacheable thumbnail', async () => {
    const file = await fetch(u(`/api/v1/images/${ids.red}/file`));
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await file.arrayBuffer()).equals(png.red));
    const thumb = await fetch(u(`/api/v1/images/${ids.red}/thumbnail`));
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/webp');
    assert.match(thumb.headers.get('cache-control')!, /max-age=\d+/);
    const etag = thumb.headers.get('etag')!;
    assert.equal((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format, 'webp');
    const again = await fetch(u(`/api/v1/images/${ids.red}/thumbnail`), { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  it('searches by text, with results, applied filter and folder detection', async () => {
    const res = await fetch(u('/api/v1/images/search'), jsonBody({ query: 'red', k: 3 }));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.results[0].id, ids.red);
    assert.deepEqual(Object.keys(body.results[0]).sort(), [
      'caption',
      'distance',
      'exif',
      'explain',
      'filename',
      'folder',
      'id',
      'score',
      'similarity',
      'thumbnailUrl',
      'url',
    ]);
    assert.equal(body.results[0].caption, 'a test card');
    assert.deepEqual(Object.keys(body.results[0].explain).sort(), ['fused', 'matched', 'text', 'vector']);
    assert.equal(body.applied.folder, null);
    assert.equal(body.applied.mode, 'hybrid');
    assert.equal(body.applied.fusion, 'adaptive');
    assert.deepEqual(body.applied.weights, { vector: 1, text: 1 });
    // The cutoff: nothing is left above 100 %, and the red card stays above a low bar.
    const cut = await (await fetch(u('/api/v1/images/search'), jsonBody({ query: 'red', minSimilarity: 100 }))).json();
    assert.deepEqual(cut.results, []);
    assert.equal(cut.applied.minSimilarity, 100);
    assert.equal((await fetch(u('/api/v1/images/search'), jsonBody({ query: 'red', minSimilarity: 101 }))).status, 400);
    // Words: text mode finds captions (green's was edited to "grass" above, and its old one is gone) and says where it matched.
    const words = await (
      await fetch(u('/api/v1/images/search'), jsonBody({ query: 'card', mode: 'text', k: 5 }))
    ).json();
    assert.deepEqual(
      words.results.map((r: { id: string }) => r.id),
      [ids.red],
    );
    assert.deepEqual(words.results[0].explain.matched, ['caption']);
    const grass = await (await fetch(u('/api/v1/images/search'), jsonBody({ query: 'grass', mode: 'caption' }))).json();
    assert.deepEqual(
      grass.results.map((r: { id: string }) => r.id),
      [ids.green],
    );
    const rrf = await (
      await fetch(
        u('/api/v1/images/search'),
        jsonBody({ query: 'red card', fusion: 'rrf', weights: { vector: 1, text: 0 } }),
      )
    ).json();
    assert.equal(rrf.applied.fusion, 'rrf');
    assert.equal(rrf.results[0].id, ids.red);
    assert.equal((await fetch(u('/api/v1/images/search'), jsonBody({ query: 'red', mode: 'fuzzy' }))).status, 400);
    const detected = await (await fetch(u('/api/v1/images/search'), jsonBody({ query: 'blue colours' }))).json();
    assert.equal(detected.applied.folder, 'colours');
    assert.ok(detected.results.every((r: { folder: string }) => r.folder === 'colours'));
    for (const bad of [{ query: 'red', k: 0 }, { query: 'red', k: 1001 }, { k: 3 }, { query: '' }]) {
      const r = await fetch(u('/api/v1/images/search'), jsonBody(bad));
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    // A body that does not say it is JSON is not read as JSON (a cross-site form can send text/plain).
    const notJson = await fetch(u('/api/v1/images/search'), { method: 'POST', body: 'query=red' });
    assert.equal(notJson.status, 415);
  });

  it('searches by a vector the caller computed, alone or with words, and refuses a bad vector saying what to fix', async () => {
    const clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
    const [red] = await clip.embedTexts(['red']);
    await clip.dispose();
    const scaled = Array.from(red, (x) => x * 3); // normalised on the way in
    const search = async (body: object) => {
      const res = await fetch(u('/api/v1/images/search'), jsonBody(body));
      return { status: res.status, body: await res.json() };
    };
    const alone = await search({ vector: scaled, k: 3 });
    assert.equal(alone.status, 200);
    assert.equal(alone.body.applied.mode, 'vector');
    assert.equal(alone.body.results[0].id, ids.red);
    // The same vector the server would have computed from the words gives the same answer, % included.
    const fromWords = await search({ query: 'red', mode: 'vector', k: 3 });
    const view = (r: { results: { id: string; similarity: number }[] }) => r.results.map((x) => [x.id, x.similarity]);
    assert.deepEqual(view(alone.body), view(fromWords.body));
    const withWords = await search({ query: 'card', vector: scaled, k: 3 });
    assert.equal(withWords.body.applied.mode, 'hybrid');
    assert.equal(withWords.body.results[0].id, ids.red);
    assert.ok(withWords.body.results[0].explain.text > 0, 'the words counted beside the vector');
    for (const [bad, message] of [
      [{ vector: scaled.slice(0, 10) }, /has 10 numbers, but .* vectors have 512/],
      [{ vector: [...scaled.slice(0, 511), 'x'] }, /vector/],
      [{ vector: [...scaled.slice(0, 511), null] }, /vector/],
      [{ vector: new Array(512).fill(0) }, /all zeros/],
      [{ vector: scaled, model: 'openai/clip-vit-large-patch14' }, /embed the query with/],
      [{ vector: 'red' }, /vector/],
    ] as const) {
      const r = await search(bad);
      assert.equal(r.status, 400, JSON.stringify(bad).slice(0, 80));
      assert.equal(r.body.error, 'BAD_ARGUMENT');
      assert.match(r.body.message, message);
    }
  });

  it('searches by image (multipart and base64) and finds similar images', async () => {
    const multipart = await fetch(u('/api/v1/images/search/by-image'), {
      method: 'POST',
      body: form([{ name: 'q.png', bytes: await colourImage('blue', 'png', [100, 80]) }], { k: '2' }),
    });
    assert.equal(multipart.status, 200);
    const m = await multipart.json();
    assert.equal(m.results.length, 2);
    assert.equal(m.results[0].id, ids.blue);
    const b64 = await (
      await fetch(u('/api/v1/images/search/by-image'), jsonBody({ base64: png.black.toString('base64'), k: 1 }))
    ).json();
    assert.equal(b64.results[0].id, ids.black);
    assert.ok(b64.results[0].similarity > 99);
    const similar = await (await fetch(u(`/api/v1/images/${ids.red}/similar?k=3`))).json();
    assert.equal(similar.results.length, 3);
    assert.ok(similar.results.every((r: { id: string }) => r.id !== ids.red));
    assert.equal((await fetch(u('/api/v1/images/00000000-0000-4000-8000-000000000000/similar'))).status, 404);
    assert.equal((await fetch(u(`/api/v1/images/${ids.red}/similar?k=abc`))).status, 400);
    // The cutoff applies to image searches too: by a multipart field, a JSON field and a query parameter.
    const cutForm = await (
      await fetch(u('/api/v1/images/search/by-image'), {
        method: 'POST',
        body: form([{ name: 'q.png', bytes: png.black }], { k: '5', minSimilarity: '99' }),
      })
    ).json();
    assert.deepEqual(
      cutForm.results.map((r: { id: string }) => r.id),
      [ids.black],
      'only the identical picture stands above 99 %',
    );
    const cutJson = await (
      await fetch(
        u('/api/v1/images/search/by-image'),
        jsonBody({ base64: png.black.toString('base64'), k: 5, minSimilarity: 99 }),
      )
    ).json();
    assert.deepEqual(
      cutJson.results.map((r: { id: string }) => r.id),
      [ids.black],
    );
    const cutSimilar = await (await fetch(u(`/api/v1/images/${ids.red}/similar?k=5&minSimilarity=100`))).json();
    assert.deepEqual(cutSimilar.results, []);
    assert.equal(cutSimilar.applied.minSimilarity, 100);
    assert.equal((await fetch(u(`/api/v1/images/${ids.red}/similar?minSimilarity=101`))).status, 400);
  });

  it('maps bad uploads to 413, 415 and 422', async () => {
    const text = await upload([{ name: 'a.jpg', bytes: Buffer.from('hello\n'.repeat(50)) }]);
    assert.deepEqual([text.status, text.body.error], [415, 'NOT_AN_IMAGE']);
    const empty = await upload([{ name: 'e.jpg', bytes: Buffer.alloc(0) }]);
    assert.equal(empty.status, 415);
    const bomb = await upload([{ name: 'bomb.png', bytes: hugePngHeader(50000, 50000) }]);
    assert.deepEqual([bomb.status, bomb.body.error], [413, 'TOO_MANY_PIXELS']);
    const jpeg = await readFile(path.join(COCO_IMAGES, (await readdir(COCO_IMAGES)).sort()[0]));
    const truncated = await upload([{ name: 'half.jpg', bytes: jpeg.subarray(0, jpeg.length >> 1) }]);
    assert.deepEqual([truncated.status, truncated.body.error], [422, 'UNDECODABLE']);
    assert.match(truncated.body.message, /half\.jpg/);
    const big = await upload([{ name: 'big.png', bytes: Buffer.concat([png.red, Buffer.alloc(3.5 * 1024 * 1024)]) }]);
    assert.equal(big.status, 413, 'over the per-file limit');
    const huge = await fetch(u('/api/v1/images'), {
      method: 'POST',
      body: form([{ name: 'h.png', bytes: Buffer.alloc(5 * 1024 * 1024) }]),
    });
    assert.equal(huge.status, 413, 'over the request limit');
    const noFile = await fetch(u('/api/v1/images'), { method: 'POST', body: form([], { caption: 'x' }) });
    assert.equal(noFile.status, 400);
  });

  it('refuses URLs to loopback, private, link-local and metadata addresses by default', async () => {
    const target = `${s.url}/api/v1/images/${ids.red}/file`;
    for (const url of [
      target,
      'http://localhost:8081/x.png',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/a.png',
      'http://[::1]:8081/a.png',
      'http://[::ffff:127.0.0.1]/a.png',
      'file:///etc/passwd',
      'gopher://example.org/',
    ]) {
      const res = await fetch(u('/api/v1/images'), jsonBody({ url }));
      assert.equal(res.status, 400, url);
      assert.equal((await res.json()).error, 'UNSAFE_URL', url);
    }
    const byImage = await fetch(u('/api/v1/images/search/by-image'), jsonBody({ url: target }));
    assert.equal(byImage.status, 400);
  });

  it('reports stats, health and readiness, and serves the OpenAPI docs', async () => {
    const stats = await (await fetch(u('/api/v1/stats'))).json();
    assert.equal(stats.images, 5);
    assert.equal(stats.folders.colours, 2);
    assert.equal(stats.models[0].model, 'loupe/test-clip-colour');
    assert.ok(stats.queue.done >= 4);
    assert.equal((await fetch(u('/healthz'))).status, 200);
    const ready = await fetch(u('/readyz'));
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).checks.model, 'ok');
    const docs = await fetch(u('/docs'));
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/);
    assert.equal((await fetch(u('/docs/assets/swagger-ui-bundle.js'))).status, 200);
    const spec = await (await fetch(u('/docs/openapi.json'))).json();
    for (const p of [
      '/api/v1/images',
      '/api/v1/images/{id}',
      '/api/v1/images/search',
      '/api/v1/images/search/by-image',
      '/api/v1/events',
      '/api/search-images',
    ])
      assert.ok(spec.paths[p], p);
    assert.equal((await fetch(u('/api/v1/nope'))).status, 404);
  });

  it('without auth, lists every space and works in the one named (the default otherwise)', async () => {
    assert.deepEqual(await (await fetch(u('/api/v1/spaces'))).json(), {
      items: [{ name: 'default' }],
      current: 'default',
    });
    await s.lib.access.createSpace('holiday', 'admin');
    const listed = await (await fetch(u('/api/v1/spaces?space=holiday'))).json();
    assert.deepEqual(listed, { items: [{ name: 'default' }, { name: 'holiday' }], current: 'holiday' });
    assert.equal(
      (await (await fetch(u('/api/v1/stats'), { headers: { cookie: 'loupe_space=holiday' } })).json()).images,
      0,
      'a new space is empty',
    );
    assert.equal((await (await fetch(u('/api/v1/stats'))).json()).images, 5);
    assert.equal((await fetch(u('/api/v1/stats?space=nowhere'))).status, 404);
  });

  it('deletes an image: record, stored files and vectors', async () => {
    const thumbsBefore = await readdir(path.join(s.dataDir, 'thumbnails'), { recursive: true });
    const res = await fetch(u(`/api/v1/images/${ids.black}`), { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal((await fetch(u(`/api/v1/images/${ids.black}`))).status, 404);
    assert.equal((await fetch(u(`/api/v1/images/${ids.black}/thumbnail`))).status, 404);
    assert.equal((await fetch(u(`/api/v1/images/${ids.black}/file`))).status, 404);
    const thumbsAfter = await readdir(path.join(s.dataDir, 'thumbnails'), { recursive: true });
    assert.equal(
      thumbsAfter.filter((f) => f.endsWith('.webp')).length,
      thumbsBefore.filter((f) => f.endsWith('.webp')).length - 1,
    );
    const originals = (await readdir(path.join(s.dataDir, 'originals'), { recursive: true })).filter(
      (f) => f.length > 40,
    );
    assert.equal(originals.length, 4);
    const results = await (await fetch(u('/api/v1/images/search'), jsonBody({ query: 'black', k: 10 }))).json();
    assert.ok(
      results.results.every((r: { id: string }) => r.id !== ids.black),
      'its vector is gone',
    );
    assert.equal((await fetch(u(`/api/v1/images/${ids.black}`), { method: 'DELETE' })).status, 404);
  });

  it('compatibility: the Flask/ChromaDB demo routes with their request bodies and response shapes', async () => {
    const f = new FormData();
    f.append(
      'file',
      new Blob([new Uint8Array(await colourImage('purple', 'png'))], { type: 'image/png' }),
      'purple.png',
    );
    const indexed = await (await fetch(u('/api/index-image'), { method: 'POST', body: f })).json();
    assert.deepEqual(Object.keys(indexed).sort(), ['caption', 'filename', 'success', 'url']);
    assert.deepEqual([indexed.success, indexed.filename], [true, 'purple.png']);
    const search = await (await fetch(u('/api/search-images'), jsonBody({ query: 'purple', n_results: 2 }))).json();
    assert.equal(search.success, true);
    assert.equal(search.count, 2);
    assert.deepEqual(Object.keys(search.results[0]).sort(), ['caption', 'image_path', 'similarity', 'url']);
    assert.equal(search.results[0].image_path, 'purple.png');
    const all = await (await fetch(u('/api/get-all-images'))).json();
    assert.equal(all.count, 5);
    assert.equal(all.results.length, 5);
    assert.deepEqual(await (await fetch(u('/api/stats'))).json(), { success: true, total_images: 5 });
    const bad = await fetch(u('/api/search-images'), jsonBody({ n_results: 2 }));
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).success, false);
  });

  it('compatibility: the demo_backend_v2 routes answer [{distance, folder, s3_path, image_url}] with L2 distances', async () => {
    const res = await fetch(
      u('/api/demo_backend_v2/image_search/search'),
      jsonBody({ query: 'red', k: 3, folder: 'colours' }),
    );
    const hits = await res.json();
    assert.ok(Array.isArray(hits));
    assert.deepEqual(Object.keys(hits[0]).sort(), ['distance', 'folder', 'image_url', 's3_path']);
    assert.ok(
      hits.every(
        (h: { folder: string; distance: number }) => h.folder === 'colours' && h.distance >= 0 && h.distance <= 2,
      ),
    );
    const byImage = await (
      await fetch(u('/api/demo_backend_v2/image_search/search_by_image'), {
        method: 'POST',
        body: form([{ name: 'r.png', bytes: png.red }], { k: '2' }),
      })
    ).json();
    assert.equal(byImage.length, 2);
    assert.ok(byImage[0].distance < 0.05, 'the identical picture is at L2 distance ~0');
    assert.ok(byImage[1].distance > byImage[0].distance);
    const similar = await (
      await fetch(u('/api/v1/images/search/by-image'), {
        method: 'POST',
        body: form([{ name: 'r.png', bytes: png.red }], { k: '2' }),
      })
    ).json();
    const expectedL2 = Math.sqrt(2 - 2 * similar.results[1].score);
    assert.ok(Math.abs(byImage[1].distance - expectedL2) < 1e-6);
    const bad = await fetch(u('/api/demo_backend_v2/image_search/search'), jsonBody({ k: 2 }));
    assert.equal(bad.status, 400);
    assert.ok((await bad.json()).detail);
  });
});

describe('URL ingestion when private addresses are allowed', () => {
  let s: TestServer;
  let images: http.Server;
  let base: string;
  before(async () => {
    s = await startTestServer({ LOUPE_ALLOW_PRIVATE_URLS: '1', LOUPE_URL_MAX_REDIRECTS: '2' });
    const red = await colourImage('red', 'jpeg');
    images = http.createServer((req, res) => {
      const hops = /^\/hop(\d+)$/.exec(req.url!);
      if (hops)
        return res.writeHead(302, { location: Number(hops[1]) > 0 ? `/hop${Number(hops[1]) - 1}` : '/red.jpg' }).end();
      if (req.url === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      if (req.url === '/red.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(red);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  });
  after(async () => {
    await s.stop();
    await new Promise((r) => images.close(r));
  });

  it('fetches, follows a bounded number of redirects, and re-checks each hop', async () => {
    const ok = await fetch(`${s.url}/api/v1/images?wait=true`, jsonBody({ url: `${base}/hop1` }));
    assert.equal(ok.status, 201);
    const img = (await ok.json()).images[0];
    assert.deepEqual([img.status, img.filename], ['ready', 'hop1']);
    const tooMany = await fetch(`${s.url}/api/v1/images`, jsonBody({ url: `${base}/hop5` }));
    assert.equal(tooMany.status, 422);
    assert.match((await tooMany.json()).message, /more than 2 redirects/);
    const toFile = await fetch(`${s.url}/api/v1/images`, jsonBody({ url: `${base}/to-file` }));
    assert.equal(toFile.status, 400);
    const missing = await fetch(`${s.url}/api/v1/images`, jsonBody({ url: `${base}/nothing.jpg` }));
    assert.equal(missing.status, 422);
  });
});

describe('uploads are enriched after indexing', () => {
  it('reads the text in an uploaded scan (real OCR) and makes it searchable by its words', async () => {
    await requireShared();
    const s = await startTestServer({ LOUPE_OCR: 'auto' });
    try {
      const formDir = path.join(COCO_IMAGES, '../../funsd/images');
      const file = (await readdir(formDir)).sort()[0];
      const r = await fetch(`${s.url}/api/v1/images?wait=true`, {
        method: 'POST',
        body: form([{ name: file, bytes: await readFile(path.join(formDir, file)), type: 'image/png' }]),
      });
      assert.equal(r.status, 201);
      const id = (await r.json()).images[0].id;
      const deadline = Date.now() + 120_000;
      let record;
      do {
        await new Promise((res) => setTimeout(res, 250));
        record = await (await fetch(`${s.url}/api/v1/images/${id}`)).json();
        assert.ok(Date.now() < deadline, 'OCR never finished');
      } while (!record.analyzed?.ocr);
      assert.equal(record.analyzed.ocr.status, 'ok');
      assert.ok(record.textInImage.length > 100);
      const word = (record.textInImage as string).split(/[^A-Za-z]+/).filter((w) => w.length >= 7)[0];
      const found = await (
        await fetch(`${s.url}/api/v1/images/search`, jsonBody({ query: word, mode: 'text' }))
      ).json();
      assert.equal(found.results[0].id, id);
      assert.ok(found.results[0].explain.matched.includes('ocr'));
      const stats = await (await fetch(`${s.url}/api/v1/stats`)).json();
      assert.equal(stats.analyzers.ocr.ok, 1);
    } finally {
      await s.stop();
    }
  });
});
