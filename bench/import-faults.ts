/**
 * `loupe import` killed at random moments (issue: round-2 hostile fixes): a FAISS index of coco-mini's 239 photos is
 * imported, SIGKILLed at a uniformly random moment of a full run's duration, then imported again. Checks: every row
 * imported once (images and vectors equal the rows), a third run imports and completes nothing, search answers.
 * Run: npm run build && node --import tsx bench/import-faults.ts [--trials 20]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEST_CLIP_DIM, TEST_CLIP_MODEL_ID, writeTestClipModel } from '../src/models/test-clip-model.js';
import { faissFile } from '../test/support/faiss-file.js';
import { fmt, writeSection } from './report.js';
import { clusteredSampler } from './synthetic.js';

const CLI = path.resolve(import.meta.dirname, '../dist/cli/main.js');
const PHOTOS = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images');
const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 20;
const WORK = await mkdtemp(path.join(os.tmpdir(), 'loupe-import-faults-'));
const models = path.join(WORK, 'models');
await writeTestClipModel(models);

const photos = (await readdir(PHOTOS)).filter((f) => f.endsWith('.jpg')).sort();
const sample = clusteredSampler(TEST_CLIP_DIM, 20);
const indexFile = path.join(WORK, 'index.faiss');
const metadataFile = path.join(WORK, 'metadata.json');
await writeFile(
  indexFile,
  faissFile(
    photos.map(() => sample()),
    { metric: 'IP' },
  ),
);
await writeFile(metadataFile, JSON.stringify(photos.map((f, i) => ({ path: f, folder: `f${i % 5}` }))));
const env = (data: string) => ({
  ...process.env,
  LOUPE_DATA_DIR: data,
  LOUPE_MODELS_DIR: models,
  LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
  LOUPE_OFFLINE: '1',
  LOUPE_OCR: 'off',
  LOUPE_LABELS: 'off',
});
const importArgs = [
  'import',
  'faiss',
  indexFile,
  '--metadata',
  metadataFile,
  '--root',
  PHOTOS,
  '--model',
  TEST_CLIP_MODEL_ID,
  '--json',
];
const run = async (args: string[], data: string) =>
  JSON.parse(
    (
      await promisify(execFile)(process.execPath, [CLI, ...args], {
        env: env(data),
        maxBuffer: 64 << 20,
        timeout: 300_000,
      })
    ).stdout,
  );

const t0 = performance.now();
const full = await run(importArgs, path.join(WORK, 'full'));
const fullMs = performance.now() - t0;
console.log(`full import: ${full.imported} rows in ${fmt(fullMs / 1000)} s`);

let bad = 0;
const rows: string[] = [];
for (let trial = 0; trial < TRIALS; trial++) {
  const data = path.join(WORK, `trial-${trial}`);
  const killAt = Math.random() * fullMs;
  const child = spawn(process.execPath, [CLI, ...importArgs], { env: env(data), stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAt);
  await exited;
  clearTimeout(timer);
  let problem = '';
  try {
    const resumed = await run(importArgs, data);
    const again = await run(importArgs, data);
    const stats = await run(['stats', '--json'], data);
    const vectors = stats.models.reduce((s: number, m: { count: number }) => s + m.count, 0);
    const hits = await run(['search', '--vector', await vectorFile(data), '--json', '--k', '5'], data);
    if (stats.images !== photos.length || vectors !== photos.length)
      problem = `images ${stats.images}, vectors ${vectors} of ${photos.length}`;
    else if (again.imported || again.completed || again.already !== photos.length)
      problem = `third run imported ${again.imported}, completed ${again.completed}`;
    else if (hits.length !== 5) problem = `search found ${hits.length}`;
    rows.push(
      `| ${trial + 1} | ${fmt(killAt / 1000, 2)} | ${resumed.imported} | ${resumed.already} | ${resumed.completed} | ${stats.images} | ${problem || 'ok'} |`,
    );
  } catch (e) {
    problem = (e as Error).message.slice(0, 120);
    rows.push(`| ${trial + 1} | ${fmt(killAt / 1000, 2)} | | | | | ${problem} |`);
  }
  if (problem) bad++;
  console.log(rows.at(-1));
}

async function vectorFile(data: string) {
  const file = path.join(data, 'query.json');
  await writeFile(file, JSON.stringify(Array.from(sample())));
  return file;
}

await writeSection(
  'import-faults',
  `## \`loupe import\` killed at random moments (\`bench/import-faults.ts\`)

A FAISS index of coco-mini's ${photos.length} photos (clustered ${TEST_CLIP_DIM}-d vectors of the test model, metadata with folders, \`--root\` the photos), imported in ${fmt(fullMs / 1000)} s uninterrupted. Each trial SIGKILLs \`loupe import\` at a uniformly random moment of that, imports again, and checks: one image and one vector per row, a third run importing and completing nothing, search by vector answering.

**${TRIALS - bad} of ${TRIALS}** trials ended whole.

| trial | killed at (s) | resumed: imported | already | completed | images | result |
|---|---|---|---|---|---|---|
${rows.join('\n')}`,
);
