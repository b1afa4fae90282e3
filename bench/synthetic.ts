/** Synthetic library content for benchmarks: clustered unit vectors (a mixture of Gaussians, like real embeddings). */
import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../src/adapters/sql/sql-client.js';
import type { SqlStore } from '../src/adapters/sql/sql-store.js';
import { vectorLiteral } from '../src/adapters/sql/sql-store.js';
import { l2Normalize } from '../src/core/scores.js';
import { seededRandom } from '../src/models/seeded-random.js';

export function clusteredSampler(dim: number, clusters: number, seed = 42) {
  const { uniform, normal } = seededRandom(seed);
  const centres = Array.from({ length: clusters }, () => l2Normalize(Float32Array.from({ length: dim }, normal)));
  return () => {
    const c = centres[Math.floor(uniform() * clusters)];
    return l2Normalize(Float32Array.from(c, (v) => v + (normal() * 0.7) / Math.sqrt(dim)));
  };
}

/** Inserts n images (10 folders) with one vector each, in transactions of 2000 rows. @returns the image ids, in the order their vectors were sampled. */
export async function insertSynthetic(
  db: SqlClient,
  n: number,
  model: string,
  sample: () => Float32Array,
): Promise<string[]> {
  const all: string[] = [];
  for (let start = 0; start < n; start += 2000) {
    const ids: string[] = [];
    const vectors: string[] = [];
    for (let i = start; i < Math.min(n, start + 2000); i++) {
      ids.push(randomUUID());
      all.push(ids.at(-1)!);
      vectors.push(vectorLiteral(sample()));
    }
    const dim = vectors[0].split(',').length;
    await db.transaction(async (tx) => {
      await tx.query(
        `insert into images (id, sha256, phash, width, height, format, bytes)
         select id, id::text, '0000000000000000', 1, 1, 'jpeg', 1 from unnest($1::uuid[]) as id`,
        [ids],
      );
      await tx.query(
        `insert into image_paths (path, image_id, root, folder, size, mtime_ms)
         select '/bench/' || (n % 10) || '/' || id || '.jpg', id, '/bench', (n % 10)::text, 1, 0
         from unnest($1::uuid[]) with ordinality as u(id, n)`,
        [ids],
      );
      await tx.query(
        `insert into embeddings (image_id, kind, model, dim, embedding)
         select id, 'clip', $3, ${dim}, v::halfvec from unnest($1::uuid[], $2::text[]) as u(id, v)`,
        [ids, vectors, model],
      );
    });
  }
  return all;
}

/** Recall@k of the store's ANN search against its exact search, the exact answers (image ids) and their latencies (ms). */
export async function recallAgainstExact(store: SqlStore, model: string, queries: Float32Array[], k = 10) {
  let sum = 0;
  const exactLatency: number[] = [];
  const answers: string[][] = [];
  for (const q of queries) {
    const ann = await store.searchByVector({ vector: q, model, k });
    const s = performance.now();
    const exact = await store.searchByVector({ vector: q, model, k, exact: true });
    exactLatency.push(performance.now() - s);
    answers.push(exact.map((h) => h.imageId));
    const truth = new Set(answers.at(-1));
    sum += ann.filter((h) => truth.has(h.imageId)).length / truth.size;
  }
  return { recall: sum / queries.length, exactLatency, answers };
}

/** Milliseconds of each query's `searchByVector` (k = 10), after 20 warm-up queries. */
export async function searchLatencies(store: SqlStore, model: string, queries: Float32Array[]): Promise<number[]> {
  for (const q of queries.slice(0, 20)) await store.searchByVector({ vector: q, model, k: 10 });
  const latencies: number[] = [];
  for (const q of queries) {
    const s = performance.now();
    await store.searchByVector({ vector: q, model, k: 10 });
    latencies.push(performance.now() - s);
  }
  return latencies;
}
