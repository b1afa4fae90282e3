/** Runs every benchmark in turn, each in its own process (clean memory numbers), writing bench/RESULTS.md. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// Long runs go on their own: server-search (1M vectors, hours) and scale (500k embedded, ~25 min):
//   node --import tsx bench/server-search.ts      node --import tsx bench/scale.ts
for (const name of [
  'ingest',
  'passes',
  'search',
  'native-hnsw',
  'vit-b32',
  'http',
  'ocr',
  'retrieval',
  'ranking',
  'faults',
  'bad-inputs',
  'workers',
  'labels',
  'cli',
]) {
  console.log(`\n== bench/${name}.ts ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, `${name}.ts`)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
