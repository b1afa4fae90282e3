/**
 * Side by side on the same 100k clustered vectors: Loupe's Store search (embedded PGlite + pgvector HNSW,
 * halfvec rows) vs hnswlib-node (native HNSW, same m / ef_construction / ef_search) vs exact search, with
 * p50 latency and recall@10 against exact float32 search: how far Loupe's embedded search is from a native engine.
 * Run: node --import tsx bench/native-hnsw.ts [n]
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { openPglite } from '../src/adapters/pglite/pglite-client.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import { SqlStore } from '../src/adapters/sql/sql-store.js';
import { clusteredSampler, insertSynthetic } from './synthetic.js';
import { fmt, percentile, writeSection } from './report.js';

const DIM = 512;
const CLUSTERS = 200;
const QUERIES = 200;
const K = 10;
const M = 16;
const EF_CONSTRUCTION = 64;
const EF_SEARCH = 100; // Loupe's hnsw.ef_search floor
const MODEL = 'bench/clustered-512';
const n = Number(process.argv[2] ?? 100_000);
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

// The same vectors for every engine, in insertion order; ids map back to positions.
const sample = clusteredSampler(DIM, CLUSTERS);
const vectors: Float32Array[] = [];
const recorded = () => {
  const v = sample();
  vectors.push(v);
  return v;
};
const queries = Array.from({ length: QUERIES }, sample);

// Exact float32 top-k by dot product (unit vectors: cosine).
function exactTopK(q: Float32Array): number[] {
  const scores = new Float32Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i];
    let s = 0;
    for (let d = 0; d < DIM; d++) s += q[d] * v[d];
    scores[i] = s;
  }
  return Array.from(scores.keys())
    .sort((a, b) => scores[b] - scores[a])
    .slice(0, K);
}

// Loupe's Store.
const dir = path.resolve(import.meta.dirname, `.work/native-hnsw-${n}`);
await rm(dir, { recursive: true, force: true });
const db = await openPglite(dir);
await migrate(db);
const store = new SqlStore(db);
let t = performance.now();
const ids = await insertSynthetic(db, n, MODEL, recorded);
const storeInsert = (performance.now() - t) / 1000;
await db.exec(`set maintenance_work_mem = '1GB'`);
t = performance.now();
await store.ensureVectorIndex(MODEL, DIM);
const storeBuild = (performance.now() - t) / 1000;
log(`store: inserted in ${fmt(storeInsert)} s, index built in ${fmt(storeBuild)} s`);
const position = new Map(ids.map((id, i) => [id, i]));

// hnswlib-node.
const index = new hnswlib.HierarchicalNSW('cosine', DIM);
t = performance.now();
index.initIndex(n, M, EF_CONSTRUCTION, 100);
for (let i = 0; i < n; i++) index.addPoint(Array.from(vectors[i]), i);
const nativeBuild = (performance.now() - t) / 1000;
index.setEf(EF_SEARCH);
log(`hnswlib: built in ${fmt(nativeBuild)} s`);

const truth = queries.map(exactTopK);
const exactLatency: number[] = [];
for (const q of queries.slice(0, 20)) {
  const s = performance.now();
  exactTopK(q);
  exactLatency.push(performance.now() - s);
}

for (const q of queries.slice(0, 20)) await store.searchByVector({ vector: q, model: MODEL, k: K });
const storeLatency: number[] = [];
const nativeLatency: number[] = [];
let storeRecall = 0;
let nativeRecall = 0;
const storeHits: string[][] = [];
for (const [qi, q] of queries.entries()) {
  let s = performance.now();
  const hits = await store.searchByVector({ vector: q, model: MODEL, k: K });
  storeLatency.push(performance.now() - s);
  storeHits.push(hits.map((h) => h.imageId));
  const qArray = Array.from(q);
  s = performance.now();
  const found = index.searchKnn(qArray, K);
  nativeLatency.push(performance.now() - s);
  const want = new Set(truth[qi]);
  nativeRecall += found.neighbors.filter((i: number) => want.has(i)).length / K;
}
for (const [qi, ids] of storeHits.entries()) {
  const want = new Set(truth[qi]);
  storeRecall += ids.filter((id) => want.has(position.get(id) ?? -1)).length / K;
}
await store.close();
await rm(dir, { recursive: true, force: true });

const table = [
  `| exact (float32 scan in JS) | ${fmt(percentile(exactLatency, 50))} | 1.000 | — |`,
  `| Loupe Store (PGlite + pgvector HNSW, halfvec rows) | ${fmt(percentile(storeLatency, 50))} | ${fmt(storeRecall / QUERIES, 3)} | ${fmt(storeInsert)} load + ${fmt(storeBuild)} index |`,
  `| hnswlib-node (native HNSW, float32) | ${fmt(percentile(nativeLatency, 50), 2)} | ${fmt(nativeRecall / QUERIES, 3)} | ${fmt(nativeBuild)} |`,
];
const ratio = percentile(storeLatency, 50) / percentile(nativeLatency, 50);
await writeSection(
  'native-hnsw',
  `## Loupe's embedded search vs a native HNSW engine, same ${n.toLocaleString('en')} vectors (\`bench/native-hnsw.ts\`)

Clustered synthetic 512-d unit vectors (${CLUSTERS} Gaussian clusters), ${QUERIES} queries from the same mixture, k = ${K}; both indexes with m = ${M}, ef_construction = ${EF_CONSTRUCTION}, ef_search = ${EF_SEARCH}. Recall@10 is against exact float32 search. Loupe's latency is the whole \`Store.searchByVector\` call (message to the database thread, SQL, HNSW scan over halfvec-cast vectors, path lookup); hnswlib's is \`searchKnn\` alone, in process.

| engine | p50 ms | recall@10 | build s |
|---|---|---|---|
${table.join('\n')}

The distance to a native engine: Loupe's p50 is ${fmt(ratio, 0)}× hnswlib-node's, at ${fmt(storeRecall / QUERIES, 3)} vs ${fmt(nativeRecall / QUERIES, 3)} recall. What the difference buys: one SQL database for vectors, paths, text and filters, crash-safe on disk, the same schema in PostgreSQL; the cost is WASM (no SIMD-native distance, one thread) and a SQL round trip per query.`,
);
