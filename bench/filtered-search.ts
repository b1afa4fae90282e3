/**
 * Filtered vector search: which path answers a filter fastest at each share of the library it keeps, on each backend.
 * The exact path reads the vectors of every image that passes (by primary key) and sorts them; the HNSW path walks
 * the index with iterative scans until k pass. Their costs move in opposite directions as the filter narrows, and
 * differ between embedded PGlite (one WASM thread) and PostgreSQL, so the store picks the path by a per-backend rule
 * measured here.
 * Run: node --import tsx bench/filtered-search.ts [n]      (embedded PGlite in bench/.work/filtered-N, default n = 100000)
 *      LOUPE_BENCH_DATABASE_URL=postgres://user@host/db node --import tsx bench/filtered-search.ts [n]   (PostgreSQL with pgvector)
 * The database is filled once and reused by later runs with the same n (an empty one is filled).
 */
import path from 'node:path';
import { openPostgres } from '../src/adapters/pg/pg-client.js';
import { openPglite } from '../src/adapters/pglite/pglite-client.js';
import type { SqlClient } from '../src/adapters/sql/sql-client.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import { SqlStore } from '../src/adapters/sql/sql-store.js';
import type { SearchFilters } from '../src/ports/store.js';
import { clusteredSampler, insertSynthetic } from './synthetic.js';
import { fmt, percentile, writeSection } from './report.js';

const DIM = 512;
const MODEL = 'bench/clustered-512';
const QUERIES = 40;
const n = Number(process.argv[2] ?? 100_000);
const real = process.env.LOUPE_BENCH_DATABASE_URL;
const backend = real ? 'PostgreSQL' : 'embedded PGlite';
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

const db: SqlClient = real
  ? await openPostgres(real, { poolSize: 2, statementTimeoutMs: 0 })
  : await openPglite(path.resolve(import.meta.dirname, `.work/filtered-${n}`));
try {
  await migrate(db);
  const version = real
    ? (await db.query<{ v: string }>('select version() as v'))[0].v.split(' on ')[0]
    : 'PGlite 0.5 (PostgreSQL 17 in WASM)';
  const sample = clusteredSampler(DIM, 1000);
  const [{ count }] = await db.query<{ count: string }>('select count(*) from embeddings where model = $1', [MODEL]);
  if (Number(count) === n) {
    log(`${backend}: reusing ${n} vectors`);
    for (let i = 0; i < n; i++) sample(); // the same sampler state as a fresh run: queries from the same mixture
  } else {
    if (Number(count)) throw new Error(`the database holds ${count} bench vectors, not ${n}: empty it first`);
    log(`${backend}: inserting ${n} clustered vectors`);
    for (let done = 0; done < n; done += 20_000) await insertSynthetic(db, Math.min(20_000, n - done), MODEL, sample);
    // Nested folders from the ids: "3" keeps 10 %, "3/5" 1 %, "3/5/7" 0.1 %; dates spread over ten years.
    await db.exec(`
      update image_paths set folder = folder || '/' || (get_byte(decode(md5(image_id::text), 'hex'), 0) % 10) || '/' || (get_byte(decode(md5(image_id::text), 'hex'), 1) % 10);
      update images set taken_at = timestamptz '2016-01-01' + ((get_byte(decode(md5(id::text), 'hex'), 2) * 256 + get_byte(decode(md5(id::text), 'hex'), 3)) / 65536.0) * interval '3650 days';
      analyze;`);
  }
  const store = new SqlStore(db);
  const t = performance.now();
  await store.ensureVectorIndex(MODEL, DIM);
  log(`HNSW built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const queries = Array.from({ length: QUERIES }, sample);
  const exactStore = new SqlStore(db, undefined, false, Number.MAX_SAFE_INTEGER);
  const hnswStore = new SqlStore(db, undefined, false, 0);

  const filters: { name: string; f: SearchFilters }[] = [
    { name: 'folder 0.1 %', f: { folder: '3/5/7' } },
    { name: 'folder 1 %', f: { folder: '3/5' } },
    { name: 'date 3 %', f: { takenAfter: '2025-09-01T00:00:00Z' } },
    { name: 'folder 10 %', f: { folder: '3' } },
    { name: 'date 30 %', f: { takenAfter: '2023-01-01T00:00:00Z' } },
    { name: 'date 70 %', f: { takenAfter: '2019-01-01T00:00:00Z' } },
  ];
  const rows: string[] = [];
  for (const { name, f } of filters) {
    const [{ kept }] = await db.query<{ kept: string }>(
      `select count(*) as kept from images i where ${f.folder ? `exists (select 1 from image_paths p where p.image_id = i.id and (p.folder = '${f.folder}' or starts_with(p.folder, '${f.folder}/')))` : `taken_at >= '${f.takenAfter}'`}`,
    );
    const truth: Set<string>[] = [];
    for (const q of queries)
      truth.push(
        new Set(
          (await store.searchByVector({ vector: q, model: MODEL, k: 10, ...f, exact: true })).map((h) => h.imageId),
        ),
      );
    const measure = async (s: SqlStore, ef?: number) => {
      for (const q of queries.slice(0, 5))
        await s.searchByVector({ vector: q, model: MODEL, k: 10, ...f, efSearch: ef });
      const ms: number[] = [];
      let recall = 0;
      for (const [i, q] of queries.entries()) {
        const started = performance.now();
        const hits = await s.searchByVector({ vector: q, model: MODEL, k: 10, ...f, efSearch: ef });
        ms.push(performance.now() - started);
        recall += hits.filter((h) => truth[i].has(h.imageId)).length / Math.max(1, truth[i].size);
      }
      return { p50: percentile(ms, 50), p95: percentile(ms, 95), recall: recall / queries.length };
    };
    const exact = await measure(exactStore);
    const hnsw = await Promise.all([40, 100, 400].map(async (ef) => ({ ef, ...(await measure(hnswStore, ef)) })));
    const auto = await measure(store);
    const cell = (m: { p50: number; recall: number }) => `${fmt(m.p50)} ms, R ${m.recall.toFixed(3)}`;
    rows.push(`| ${name} | ${kept} | ${cell(exact)} | ${hnsw.map(cell).join(' | ')} | ${cell(auto)} |`);
    log(rows.at(-1)!);
  }
  const section = [
    `${backend} (${version}), ${n.toLocaleString('en')} clustered 512-d vectors (1000 Gaussian clusters), k = 10, ${QUERIES} queries, p50 latency and recall@10 against an exact scan.`,
    `Exact = every passing image's vector read and sorted; HNSW = the HNSW index offered to the planner (iterative scan, relaxed order, 4 × k fetched and the nearest k kept) with ef_search 40 / 100 / 400 — for the narrowest filters the planner reads the filtered images instead; default = what the store chooses by its measured costs (sql-store.ts FILTER_COSTS).`,
    '',
    '| filter | images kept | exact | HNSW ef 40 | HNSW ef 100 | HNSW ef 400 | default |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  console.log(section);
  await writeSection(`filtered-search (${backend})`, section);
} finally {
  await db.close();
}
