/**
 * How fast the `loupe` command answers before it does any real work: `--help`, a mistyped flag, and `stats`
 * on an empty library, against bare `node` starting (the floor). Targets (issue 13): help ≤ 0.5 s, stats on an
 * empty library ≤ 1.5 s. Runs the built CLI (`npm run build` first), 10 times each after one warm-up.
 */
import { spawnSync } from 'node:child_process';
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
spawnSync(process.execPath, [CLI, 'stats'], { env });
const rows: [string, number[], number | null][] = [
  ['`node -e 0` (the floor)', time(['-e', '0'], 0), null],
  ['`loupe --help`', time([CLI, '--help'], 0), 0.5],
  ['`loupe search --help`', time([CLI, 'search', '--help'], 0), 0.5],
  ['`loupe search --bogus` (usage error, exit 2)', time([CLI, 'search', '--bogus'], 2), 0.5],
  ['`loupe stats` (empty library)', time([CLI, 'stats'], 0), 1.5],
];
// What `stats` spends opening the embedded database, in this process (modules already loaded).
const { openLibrary } = await import('../src/library.js');
const { parseConfig } = await import('../src/config.js');
const opens: number[] = [];
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  const lib = await openLibrary(parseConfig(env));
  opens.push((performance.now() - started) / 1000);
  await lib.close();
}
await rm(data, { recursive: true, force: true });

await writeSection(
  'cli',
  `## CLI start-up (\`bench/cli.ts\`)

Each command run ${RUNS} times as a new process after one warm-up (the built CLI, \`dist/cli/main.js\`); wall time of the whole process. Commands load their code (models, database, HTTP) in their action, so help and usage errors load only commander and the flag declarations.

| command | median s | p95 s | target | |
|---|---|---|---|---|
${rows.map(([name, s, target]) => `| ${name} | ${fmt(median(s), 2)} | ${fmt(percentile(s, 95), 2)} | ${target === null ? '—' : `≤ ${target} s`} | ${target === null ? '' : median(s) <= target ? 'met' : '**not met**'} |`).join('\n')}

Of \`stats\` on an empty library, ${fmt(median(opens), 2)} s is opening the embedded database (PGlite's WASM start, the data-folder lock, the migrations check), measured in process.`,
);
