/** Runs every benchmark in turn, each in its own process (clean memory numbers), writing bench/RESULTS.md. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// server-search (1M vectors, about an hour) runs on its own: node --import tsx bench/server-search.ts
for (const name of ['ingest', 'search', 'vit-b32', 'http', 'ocr', 'retrieval', 'ranking', 'faults', 'workers']) {
  console.log(`\n== bench/${name}.ts ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
