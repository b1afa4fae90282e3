/**
 * HTTP benchmarks against a real server on 127.0.0.1:
 * 1. text search at 10k stored images, 16 concurrent clients (autocannon): requests/s, p50/p99;
 * 2. 20 clients uploading the same 100 coco-mini photos in parallel (2000 requests):
 *    no 5xx, and every image indexed exactly once.
 * Run: node --import tsx bench/http.ts
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { openPglite } from '../src/adapters/pglite/pglite-client.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import { parseConfig } from '../src/config.js';
import { startServer } from '../src/http/server.js';
import { openLibrary } from '../src/wiring/library.js';
import { TEST_CLIP_MODEL_ID, TEST_CLIP_DIM, writeTestClipModel } from '../src/models/test-clip-model.js';
import { fmt, writeSection } from './report.js';
import { clusteredSampler, insertSynthetic } from './synthetic.js';

const WORK = path.resolve(import.meta.dirname, '.work/http');
const COCO = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images');
await rm(WORK, { recursive: true, force: true });
await writeTestClipModel(path.join(WORK, 'models'));
const env = (data: string) =>
  parseConfig({
    ...process.env,
    LOUPE_DATA_DIR: path.join(WORK, data),
    LOUPE_MODELS_DIR: path.join(WORK, 'models'),
    LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
    LOUPE_OFFLINE: '1',
  });

// 1. Search at 10k.
const N = 10_000;
const db = await openPglite(path.join(WORK, 'search/db'));
await migrate(db);
await insertSynthetic(db, N, TEST_CLIP_MODEL_ID, clusteredSampler(TEST_CLIP_DIM, 100));
await db.close();
let lib = await openLibrary(env('search'));
let server = await startServer(lib, { port: 0 });
await lib.store.searchByVector({
  vector: new Float32Array(TEST_CLIP_DIM).fill(1 / Math.sqrt(TEST_CLIP_DIM)),
  model: TEST_CLIP_MODEL_ID,
  k: 10,
}); // builds the HNSW index
const queries = [
  'red car',
  'a blue sky',
  'green grass in a park',
  'black and white photo',
  'yellow flowers',
  'people on a beach',
];
let q = 0;
const search = await autocannon({
  url: `${server.url}/api/v1/images/search`,
  connections: 16,
  duration: 20,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: queries[q++ % queries.length], k: 10 }) }),
    },
  ],
});
await server.close();
await lib.close();
console.log(
  `search: ${search.requests.average} req/s, p50 ${search.latency.p50} ms, p99 ${search.latency.p99} ms, non-2xx ${search.non2xx}`,
);

// 2. Parallel uploads of the same 100 photos by 20 clients.
const files = (await readdir(COCO)).sort().slice(0, 100);
const photos = await Promise.all(files.map(async (f) => ({ name: f, bytes: await readFile(path.join(COCO, f)) })));
lib = await openLibrary(env('uploads'));
server = await startServer(lib, { port: 0 });
const statuses = new Map<number, number>();
const started = performance.now();
await Promise.all(
  Array.from({ length: 20 }, async (_, client) => {
    // Each client in its own order, so that the same photo arrives from several clients at once.
    const order = photos.map((_, i) => photos[(i * 7 + client * 13) % photos.length]);
    for (const p of order) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(p.bytes)], { type: 'image/jpeg' }), p.name);
      const res = await fetch(`${server.url}/api/v1/images`, { method: 'POST', body: form });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  }),
);
const accepted = (performance.now() - started) / 1000;
while ((await lib.jobs.counts()).pending + (await lib.jobs.counts()).running > 0)
  await new Promise((r) => setTimeout(r, 200));
const indexedSeconds = (performance.now() - started) / 1000;
const images = await lib.store.imageCount();
const counts = await lib.jobs.counts();
const hashes = await lib.store.allHashes();
await server.close();
await lib.close();
const fiveXX = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
console.log(
  `uploads: statuses ${JSON.stringify(Object.fromEntries(statuses))}, images ${images}, jobs ${JSON.stringify(counts)}`,
);

await writeSection(
  'http',
  `## HTTP API (server on 127.0.0.1, test model)

**Search**: POST /api/v1/images/search at ${N.toLocaleString('en')} stored images (synthetic clustered vectors, 10 folders), 16 concurrent clients for 20 s (autocannon), queries rotating over ${queries.length} texts, k = 10. Includes text encoding (the test model: tiny), HNSW search, record lookup and JSON.

| requests/s | p50 ms | p99 ms | non-2xx |
|---|---|---|---|
| ${fmt(search.requests.average)} | ${fmt(search.latency.p50)} | ${fmt(search.latency.p99)} | ${search.non2xx} |

**Parallel uploads**: 20 clients each upload the same 100 coco-mini photos (one file per request, each client in its own order: ${20 * photos.length} requests).

| responses | 5xx | images stored | jobs done / failed | distinct content hashes | all accepted after | all indexed after |
|---|---|---|---|---|---|---|
| ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')} | ${fiveXX} | ${images} | ${counts.done} / ${counts.failed} | ${new Set(hashes.map((h) => h.id)).size} | ${fmt(accepted)} s | ${fmt(indexedSeconds)} s |

Every photo is stored exactly once (${images} of ${photos.length}): later copies answer with the existing record, or with the queued job of the same content.`,
);
if (fiveXX > 0 || images !== photos.length) process.exit(1);
