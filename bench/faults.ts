/**
 * Faults with figures (issue "Reliability you can quote"): so far, kills during `loupe index`.
 * Each trial: a fresh data folder, `loupe index` over coco-mini (OCR off), SIGKILLed at a uniformly random moment
 * of a full run's duration (so kills land in start-up and migrations, thumbnail writes, transactions and HNSW
 * inserts alike), then started again; then the checks. Bounded: TRIALS trials, each run with a time limit.
 * Run: npm run build && node --import tsx bench/faults.ts [--trials 20]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEST_CLIP_MODEL_ID, writeTestClipModel } from '../src/models/test-clip-model.js';
import { TEST_TEXT_MODEL_ID, writeTestTextModel } from '../src/models/test-text-model.js';
import { fmt, writeSection } from './report.js';

const CLI = path.resolve(import.meta.dirname, '../dist/cli/main.js');
const PHOTOS = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images');
const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 20;
const WORK = await mkdtemp(path.join(os.tmpdir(), 'loupe-faults-'));
const models = path.join(WORK, 'models');
await writeTestClipModel(models);
await writeTestTextModel(models);
const env = (data: string) => ({ ...process.env, LOUPE_DATA_DIR: data, LOUPE_MODELS_DIR: models, LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID, LOUPE_TEXT_EMBED_LOCAL_MODEL: TEST_TEXT_MODEL_ID, LOUPE_OFFLINE: '1', LOUPE_OCR: 'off' });
const run = (args: string[], data: string) => promisify(execFile)(process.execPath, [CLI, ...args], { env: env(data), maxBuffer: 64 << 20, timeout: 300_000 });

// The duration of an uninterrupted run: kills are spread over it.
const t0 = performance.now();
const first = JSON.parse((await run(['index', PHOTOS, '--json'], path.join(WORK, 'full'))).stdout);
const fullMs = performance.now() - t0;
const expected = first.indexed as number;
console.log(`full run: ${expected} images in ${fmt(fullMs / 1000)} s`);

let corruptions = 0;
let duplicates = 0;
let lost = 0;
const details: string[] = [];
for (let trial = 0; trial < TRIALS; trial++) {
  const data = path.join(WORK, `trial-${trial}`);
  const killAt = Math.random() * fullMs;
  const child = spawn(process.execPath, [CLI, 'index', PHOTOS, '--json'], { env: env(data), stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAt);
  await exited;
  clearTimeout(timer);
  let problem = '';
  try {
    const resumed = JSON.parse((await run(['index', PHOTOS, '--json'], data)).stdout);
    const again = JSON.parse((await run(['index', PHOTOS, '--json'], data)).stdout);
    const stats = JSON.parse((await run(['stats', '--json'], data)).stdout);
    const hits = JSON.parse((await run(['search', 'red', '--json', '--k', '5', '--folder', ''], data)).stdout);
    const vectors = stats.models.reduce((s: number, m: { count: number }) => s + m.count, 0);
    if (stats.images > expected || vectors > stats.images) duplicates++, (problem = `images ${stats.images}, vectors ${vectors}`);
    if (stats.images < expected || vectors < stats.images) lost++, (problem = `images ${stats.images} of ${expected}, vectors ${vectors}`);
    if (again.indexed !== 0 || again.failed.length || resumed.failed.length || hits.length !== 5) corruptions++, (problem ||= `re-index indexed ${again.indexed}, failed ${resumed.failed.length + again.failed.length}, search ${hits.length}`);
    details.push(`| ${trial + 1} | ${fmt(killAt / 1000, 2)} | ${resumed.indexed} | ${resumed.skipped} | ${stats.images} | ${again.indexed} | ${problem || 'ok'} |`);
  } catch (e) {
    corruptions++;
    details.push(`| ${trial + 1} | ${fmt(killAt / 1000, 2)} | – | – | – | – | **failed: ${(e as Error).message.split('\n')[0].slice(0, 120)}** |`);
  }
  console.log(details.at(-1));
  await rm(data, { recursive: true, force: true });
}
await rm(WORK, { recursive: true, force: true });

await writeSection(
  'faults',
  `## Faults survived (\`bench/faults.ts\`)

| fault | trials | corruptions | duplicates | data lost |
|---|---|---|---|---|
| SIGKILL during \`loupe index\` (${expected} coco-mini photos, OCR off) | ${TRIALS} | ${corruptions} | ${duplicates} | ${lost} |

Method: each trial indexes into a fresh data folder and is SIGKILLed at a uniformly random moment of an uninterrupted run's duration (${fmt(fullMs / 1000)} s here, start-up and migrations included), then run again to the end. Checks: the database opens; \`stats\` counts each photo once with one vector each; a third run indexes 0; a search answers. Kill-during-serve, disk-full (see \`test/hostile.test.ts\`), the bad-input corpus and hostile HTTP are not in this bench yet.

<details><summary>Per trial</summary>

| trial | killed at (s) | resumed: indexed | resumed: skipped | images | third run indexed | result |
|---|---|---|---|---|---|---|
${details.join('\n')}

</details>`,
);
console.log(`corruptions ${corruptions}, duplicates ${duplicates}, lost ${lost}`);
