/**
 * How fast the `loupe` command answers before it does any real work: `--help`, a mistyped flag, and `stats`
 * on an empty library, and `search` on an indexed 239-photo library (test models), against bare `node` starting (the
 * floor). Targets: help ≤ 0.5 s, stats on an empty library ≤ 1.5 s, search ≤ 1.5 s; and how soon a new library says
 * something. Runs the built CLI (`npm run build` first), 10 times each after one warm-up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fmt, median, percentile, writeSection } from './report.js';

const CLI = path.join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const RUNS = 10;
const data = await mkdtemp(path.join(os.tmpdir(), 'loupe-cli-bench-'));
const env = { ...process.env, LOUPE_DATA_DIR: data, LOUPE_OFFLINE: '1' };

function time(args: string[], expectStatus: number): number[] {
  const seconds: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    if (r.status !== expectStatus) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) seconds.push((performance.now() - started) / 1000);
  }
  return seconds;
}

// The first `stats` creates the database: not what is measured.
spawnSync(process.execPath, [CLI, 'spaces', 'list'], { env }); // makes the empty library (stats needs one that exists)
const rows: [string, number[], number | null][] = [
  ['`node -e 0` (the floor)', time(['-e', '0'], 0), null],
  ['`loupe --help`', time([CLI, '--help'], 0), 0.5],
  ['`loupe search --help`', time([CLI, 'search', '--help'], 0), 0.5],
  ['`loupe search --bogus` (usage error, exit 2)', time([CLI, 'search', '--bogus'], 2), 0.5],
  ['`loupe stats` (empty library)', time([CLI, 'stats'], 0), 1.5],
];
// What `stats` spends opening the embedded database, in this process (modules already loaded).
const { openLibrary } = await import('../src/wiring/library.js');
const { parseConfig } = await import('../src/config.js');
const opens: number[] = [];
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  const lib = await openLibrary(parseConfig(env));
  opens.push((performance.now() - started) / 1000);
  await lib.close();
}
await rm(data, { recursive: true, force: true });

// A search on an existing library: coco-mini's 239 photos indexed with the test models (CLIP-shaped and the sentence
// embedder), then `loupe search` as a new process each time — opening the database, loading the models, answering.
const { writeTestClipModel, writeTestTextModel, TEST_CLIP_MODEL_ID, TEST_TEXT_MODEL_ID } =
  await import('../src/testing.js');
const models = await mkdtemp(path.join(os.tmpdir(), 'loupe-cli-models-'));
await writeTestClipModel(models);
await writeTestTextModel(models);
const library = await mkdtemp(path.join(os.tmpdir(), 'loupe-cli-library-'));
const searchEnv = {
  ...env,
  LOUPE_DATA_DIR: library,
  LOUPE_MODELS_DIR: models,
  LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
  LOUPE_TEXT_EMBED_LOCAL_MODEL: TEST_TEXT_MODEL_ID,
  LOUPE_OCR: 'off',
  LOUPE_LABELS: 'off',
};
const COCO = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images');
const indexed = spawnSync(process.execPath, [CLI, 'index', COCO, '--json'], { env: searchEnv, encoding: 'utf8' });
if (indexed.status !== 0) throw new Error(`index failed: ${indexed.stderr}`);
const searchSeconds: number[] = [];
for (let i = 0; i <= RUNS; i++) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'search', 'a red bus', '--k', '5'], { env: searchEnv, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`search exited ${r.status}: ${r.stderr}`);
  if (i > 0) searchSeconds.push((performance.now() - started) / 1000);
}
rows.push([
  `\`loupe search "a red bus"\` (${JSON.parse(indexed.stdout).indexed}-image library, test models)`,
  searchSeconds,
  1.5,
]);
// The first search a user sends to a freshly started `loupe serve` (it warms up after listening), 5 starts.
const firstAnswers: number[] = [];
for (let i = 0; i < 5; i++) {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const server = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], {
    env: searchEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => d.toString().includes('Loupe on') && resolve());
    server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/images/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'a red bus', k: 20 }),
  });
  if (!res.ok) throw new Error(`search answered ${res.status}`);
  await res.json();
  firstAnswers.push((performance.now() - started) / 1000);
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
}
rows.push(['first search sent to `loupe serve` as soon as it listens (HTTP, same library)', firstAnswers, 1]);
// A new library: how long until the first line is printed, and until the database exists.
const fresh = await mkdtemp(path.join(os.tmpdir(), 'loupe-cli-new-'));
const firstLine = await new Promise<{ first: number; total: number; line: string }>((resolve, reject) => {
  const started = performance.now();
  let first = 0;
  let line = '';
  const child = spawn(process.execPath, [CLI, 'index', path.join(COCO, '000000000139.jpg')], {
    env: { ...searchEnv, LOUPE_DATA_DIR: path.join(fresh, 'data') },
  });
  const seen = (chunk: Buffer) => {
    if (!first) [first, line] = [performance.now() - started, chunk.toString().split('\n')[0]];
  };
  child.stdout.on('data', seen);
  child.stderr.on('data', seen);
  child.on('error', reject);
  child.on('close', () => resolve({ first: first / 1000, total: (performance.now() - started) / 1000, line }));
});
await rm(fresh, { recursive: true, force: true });
await rm(library, { recursive: true, force: true });
await rm(models, { recursive: true, force: true });

await writeSection(
  'cli',
  `## CLI start-up (\`bench/cli.ts\`)

Each command run ${RUNS} times as a new process after one warm-up (the built CLI, \`dist/cli/main.js\`); wall time of the whole process. Commands load their code (models, database, HTTP) in their action, so help and usage errors load only commander and the flag declarations.

| command | median s | p95 s | target | |
|---|---|---|---|---|
${rows.map(([name, s, target]) => `| ${name} | ${fmt(median(s), 2)} | ${fmt(percentile(s, 95), 2)} | ${target === null ? '—' : `≤ ${target} s`} | ${target === null ? '' : median(s) <= target ? 'met' : '**not met**'} |`).join('\n')}

Of \`stats\` on an empty library, ${fmt(median(opens), 2)} s is opening the embedded database (PGlite's WASM start, the data-folder lock, the migrations check), measured in process. A search loads the CLIP text tower and the sentence embedder while the database opens, and imports only what it uses (HEIC decoding, place names, URL fetching and file sniffing load when first needed).

\`loupe index\` into a new library (one photo): the first line appears after ${fmt(firstLine.first, 2)} s ("${firstLine.line.trim()}"); the whole run takes ${fmt(firstLine.total, 2)} s.`,
);
