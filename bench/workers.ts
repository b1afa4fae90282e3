/**
 * Ingest throughput in server mode with 1 and 2 `loupe worker` processes sharing one database: the 239
 * coco-mini photos are uploaded (queued) first, then the workers are started and timed until the queue is
 * empty. The database is the test stand-in (PGlite over the wire protocol, in this process, one thread);
 * OCR and caption embeddings are off so the number is the CLIP pass (decode, thumbnail, embed, store).
 * Run: npm run build && node --import tsx bench/workers.ts
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acceptUpload } from '../src/app/upload.js';
import { parseConfig } from '../src/config.js';
import { openLibrary } from '../src/wiring/library.js';
import { TEST_CLIP_MODEL_ID, writeTestClipModel } from '../src/models/test-clip-model.js';
import { startPgServer } from '../test/support/pg-server.js';
import { fmt, writeSection } from './report.js';

const COCO = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images');
const WORK = path.resolve(import.meta.dirname, '.work/workers');
const CLI = path.resolve(import.meta.dirname, '../dist/cli/main.js');

await rm(WORK, { recursive: true, force: true });
await writeTestClipModel(path.join(WORK, 'models'));
const files = (await readdir(COCO)).filter((f) => f.endsWith('.jpg')).sort();

const rows: string[] = [];
let single = 0;
for (const workers of [1, 2]) {
  const server = await startPgServer();
  const env = {
    ...process.env,
    DATABASE_URL: server.url,
    LOUPE_DATA_DIR: path.join(WORK, `data-${workers}`),
    LOUPE_MODELS_DIR: path.join(WORK, 'models'),
    LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
    LOUPE_OFFLINE: '1',
    LOUPE_OCR: 'off',
    LOUPE_TEXT_EMBEDDER: 'off',
    LOUPE_LOG_LEVEL: 'warn',
  };
  const lib = await openLibrary(parseConfig(env));
  for (const f of files) await acceptUpload(lib, { bytes: await readFile(path.join(COCO, f)), filename: f });
  const started = performance.now();
  const children = Array.from({ length: workers }, () =>
    spawn(process.execPath, [CLI, 'worker'], { env, stdio: 'ignore' }),
  );
  for (;;) {
    const c = await lib.jobs.counts();
    if (c.pending + c.running === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const wallSeconds = (performance.now() - started) / 1000;
  // Steady state: from the first job done to the last (excludes process start and model loading).
  const [{ first, last, done }] = await lib.db.query<{ first: Date; last: Date; done: string }>(
    `select min(updated_at) as first, max(updated_at) as last, count(*) as done from jobs where status = 'done'`,
  );
  const steady = (Number(done) - 1) / ((last.getTime() - first.getTime()) / 1000);
  if (workers === 1) single = steady;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await lib.close();
  await server.stop();
  rows.push(
    `| ${workers} | ${done} | ${fmt(wallSeconds)} | ${fmt(Number(done) / wallSeconds)} | ${fmt(steady)} | ${workers === 1 ? '1.00' : fmt(steady / single, 2)} |`,
  );
  console.log(rows.at(-1));
}
await rm(WORK, { recursive: true, force: true });

await writeSection(
  'workers',
  `## Ingest throughput with 1 and 2 worker processes (server mode)

Method: the ${files.length} coco-mini photos are queued through the upload path first; then N \`loupe worker\` processes (batch ${parseConfig({}).batchSize}, generated test CLIP model, OCR and caption embeddings off) drain the queue. Wall time runs from starting the workers (process start and model load included) to an empty queue; steady state is jobs ÷ time between the first and the last completion. Database: the test stand-in (PGlite + pgvector over the wire protocol, one WASM thread, in the benchmark's process) on the same ${os.cpus().length}-core machine as the workers — so two workers compete with the database and each other for ${os.cpus().length} cores.

| workers | jobs done | wall s | images/s (wall) | images/s (steady) | speed-up (steady) |
|---|---|---|---|---|---|
${rows.join('\n')}`,
);
