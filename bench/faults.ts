/**
 * Faults with figures (issue "Reliability you can quote"): kills during `loupe index`, and during `loupe serve` under uploads.
 * Each trial: a fresh data folder, `loupe index` over coco-mini (OCR off), SIGKILLed at a uniformly random moment
 * of a full run's duration (so kills land in start-up and migrations, thumbnail writes, transactions and HNSW
 * inserts alike), then started again; then the checks. Bounded: TRIALS trials, each run with a time limit.
 * Run: npm run build && node --import tsx bench/faults.ts [--trials 20] [--serve-trials 10]
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEST_CLIP_MODEL_ID, writeTestClipModel } from '../src/models/test-clip-model.js';
import { TEST_TEXT_MODEL_ID, writeTestTextModel } from '../src/models/test-text-model.js';
import { fmt, writeSection } from './report.js';

const CLI = path.resolve(import.meta.dirname, '../dist/cli/main.js');
const PHOTOS = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini/images');
const trialsArg = process.argv.indexOf('--trials');
const serveTrialsArg = process.argv.indexOf('--serve-trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 20;
const WORK = await mkdtemp(path.join(os.tmpdir(), 'loupe-faults-'));
const models = path.join(WORK, 'models');
await writeTestClipModel(models);
await writeTestTextModel(models);
const env = (data: string) => ({
  ...process.env,
  LOUPE_DATA_DIR: data,
  LOUPE_MODELS_DIR: models,
  LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
  LOUPE_TEXT_EMBED_LOCAL_MODEL: TEST_TEXT_MODEL_ID,
  LOUPE_OFFLINE: '1',
  LOUPE_OCR: 'off',
});
const run = (args: string[], data: string) =>
  promisify(execFile)(process.execPath, [CLI, ...args], { env: env(data), maxBuffer: 64 << 20, timeout: 300_000 });

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
    if (stats.images > expected || vectors > stats.images) {
      duplicates++;
      problem = `images ${stats.images}, vectors ${vectors}`;
    }
    if (stats.images < expected || vectors < stats.images) {
      lost++;
      problem = `images ${stats.images} of ${expected}, vectors ${vectors}`;
    }
    if (again.indexed !== 0 || again.failed.length || resumed.failed.length || hits.length !== 5) {
      corruptions++;
      problem ||= `re-index indexed ${again.indexed}, failed ${resumed.failed.length + again.failed.length}, search ${hits.length}`;
    }
    details.push(
      `| ${trial + 1} | ${fmt(killAt / 1000, 2)} | ${resumed.indexed} | ${resumed.skipped} | ${stats.images} | ${again.indexed} | ${problem || 'ok'} |`,
    );
  } catch (e) {
    corruptions++;
    details.push(
      `| ${trial + 1} | ${fmt(killAt / 1000, 2)} | – | – | – | – | **failed: ${(e as Error).message.split('\n')[0].slice(0, 120)}** |`,
    );
  }
  console.log(details.at(-1));
  await rm(data, { recursive: true, force: true });
}

// Kill during serve: 8 clients upload photos (multipart, one per request) while `loupe serve` is SIGKILLed at a random
// moment; then it is started again on the same folder and drains its queue. Every upload answered 201 must be
// stored exactly once, and every stored image's thumbnail must be whole.
const SERVE_TRIALS = serveTrialsArg > 0 ? Number(process.argv[serveTrialsArg + 1]) : 10;
const CLIENTS = 8;
const photos = (await readdir(PHOTOS)).filter((f) => f.endsWith('.jpg')).sort();
const photoBytes = new Map(
  await Promise.all(photos.map(async (f) => [f, await readFile(path.join(PHOTOS, f))] as const)),
);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const serveRows: string[] = [];
const serveTotals = { answered: 0, lost: 0, duplicates: 0, broken: 0, unfinished: 0 };
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
async function startServe(data: string, port: number) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], {
    env: { ...env(data), LOUPE_LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      (await fetch(`${url}/healthz`).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return { child, url };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('loupe serve did not answer /healthz within 30 s');
}
for (let trial = 0; trial < SERVE_TRIALS; trial++) {
  const data = path.join(WORK, `serve-${trial}`);
  const port = await freePort();
  let server = await startServe(data, port);
  const answered = new Map<string, string>(); // sha256 → filename, for each 201
  let stop = false;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = c; i < photos.length && !stop; i += CLIENTS) {
      const body = new FormData();
      body.append('file', new Blob([new Uint8Array(photoBytes.get(photos[i])!)], { type: 'image/jpeg' }), photos[i]);
      const res = await fetch(`${server.url}/api/v1/images`, { method: 'POST', body }).catch(() => null);
      if (!res) return; // the server is gone
      if (res.status === 201) answered.set(sha(photoBytes.get(photos[i])!), photos[i]);
      await res.body?.cancel().catch(() => {});
    }
  });
  const killAt = 300 + Math.random() * 4000;
  await sleep(killAt);
  server.child.kill('SIGKILL');
  stop = true;
  await once(server.child, 'exit');
  await Promise.all(clients);
  let problem = '';
  try {
    server = await startServe(data, port);
    // The restarted server's worker drains what was queued.
    let queue = { pending: 1, running: 1 };
    for (let i = 0; i < 600 && queue.pending + queue.running > 0; i++) {
      queue = ((await (await fetch(`${server.url}/api/v1/stats`)).json()) as { queue: typeof queue }).queue;
      if (queue.pending + queue.running > 0) await sleep(200);
    }
    const unfinished = queue.pending + queue.running;
    const items: { id: string; sha256: string }[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page = (await (
        await fetch(`${server.url}/api/v1/images?limit=500${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as { items: typeof items; nextCursor: string | null };
      items.push(...page.items);
      cursor = page.nextCursor;
    }
    const count = new Map<string, number>();
    for (const item of items) count.set(item.sha256, (count.get(item.sha256) ?? 0) + 1);
    const lostHere = [...answered.keys()].filter((s) => !count.has(s)).length;
    const dupHere = [...count.values()].filter((n) => n > 1).length;
    let brokenHere = 0;
    for (const item of items) {
      const thumb = await fetch(`${server.url}/api/v1/images/${item.id}/thumbnail`);
      const ok =
        thumb.status === 200 &&
        (await sharp(Buffer.from(await thumb.arrayBuffer()))
          .stats()
          .then(
            () => true,
            () => false,
          ));
      if (!ok) brokenHere++;
    }
    Object.assign(serveTotals, {
      answered: serveTotals.answered + answered.size,
      lost: serveTotals.lost + lostHere,
      duplicates: serveTotals.duplicates + dupHere,
      broken: serveTotals.broken + brokenHere,
      unfinished: serveTotals.unfinished + unfinished,
    });
    if (lostHere || dupHere || brokenHere || unfinished)
      problem = `lost ${lostHere}, duplicates ${dupHere}, broken thumbnails ${brokenHere}, jobs left ${unfinished}`;
    serveRows.push(
      `| ${trial + 1} | ${fmt(killAt / 1000, 2)} | ${answered.size} | ${items.length} | ${problem || 'ok'} |`,
    );
  } catch (e) {
    serveTotals.lost += answered.size;
    serveRows.push(
      `| ${trial + 1} | ${fmt(killAt / 1000, 2)} | ${answered.size} | – | **failed: ${(e as Error).message.split('\n')[0].slice(0, 120)}** |`,
    );
  }
  server.child.kill('SIGKILL');
  await once(server.child, 'exit').catch(() => {});
  console.log(serveRows.at(-1));
  await rm(data, { recursive: true, force: true });
}

// SIGTERM during `loupe serve` while searches run: every search the server had begun is answered, then it exits 0.
const TERM_TRIALS = 5;
const termRows: string[] = [];
const termTotals = { inFlight: 0, answered: 0, dropped: 0, slowestExitMs: 0 };
const WORDS = ['dog', 'a red bus', 'people on a beach', 'pizza', 'a cat on a bed', 'train station', 'snow', 'kitchen'];
for (let trial = 0; trial < TERM_TRIALS; trial++) {
  const data = path.join(WORK, `term-${trial}`);
  await cp(path.join(WORK, 'full'), data, { recursive: true });
  const port = await freePort();
  const server = await startServe(data, port);
  let signalAt = Infinity;
  const outcomes: { startedAt: number; ok: boolean }[] = [];
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = c; performance.now() < signalAt; i++) {
      const startedAt = performance.now();
      const res = await fetch(`${server.url}/api/v1/images/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: WORDS[i % WORDS.length], k: 50 }),
      }).catch(() => null);
      outcomes.push({
        startedAt,
        ok:
          res?.status === 200 && Array.isArray(((await res.json().catch(() => ({}))) as { results?: unknown }).results),
      });
    }
  });
  await sleep(500 + Math.random() * 2500);
  signalAt = performance.now();
  server.child.kill('SIGTERM');
  const [code] = (await once(server.child, 'exit')) as [number | null];
  const exitMs = performance.now() - signalAt;
  await Promise.all(clients);
  // Begun at least 50 ms before the signal: the server had it (later ones may race the closing listener).
  const inFlight = outcomes.filter((o) => o.startedAt < signalAt - 50);
  const dropped = inFlight.filter((o) => !o.ok).length;
  Object.assign(termTotals, {
    inFlight: termTotals.inFlight + inFlight.length,
    answered: termTotals.answered + inFlight.length - dropped,
    dropped: termTotals.dropped + dropped,
    slowestExitMs: Math.max(termTotals.slowestExitMs, exitMs),
  });
  termRows.push(
    `| ${trial + 1} | ${inFlight.length} | ${inFlight.length - dropped} | ${dropped} | ${code} | ${fmt(exitMs, 0)} |`,
  );
  console.log(termRows.at(-1));
  await rm(data, { recursive: true, force: true });
}

await rm(WORK, { recursive: true, force: true });

await writeSection(
  'faults',
  `## Faults survived (\`bench/faults.ts\`)

| fault | trials | corruptions | duplicates | data lost |
|---|---|---|---|---|
| SIGKILL during \`loupe index\` (${expected} coco-mini photos, OCR off) | ${TRIALS} | ${corruptions} | ${duplicates} | ${lost} |
| SIGKILL during \`loupe serve\` with ${CLIENTS} clients uploading (${serveTotals.answered} uploads answered 201 in all) | ${SERVE_TRIALS} | ${serveTotals.broken} broken thumbnails, ${serveTotals.unfinished} jobs left | ${serveTotals.duplicates} | ${serveTotals.lost} |
| SIGTERM during \`loupe serve\` with ${CLIENTS} clients searching (${termTotals.inFlight} searches begun before the signal, ${termTotals.answered} answered; slowest exit ${fmt(termTotals.slowestExitMs / 1000, 1)} s) | ${TERM_TRIALS} | — | — | ${termTotals.dropped} searches dropped |

Method: each trial indexes into a fresh data folder and is SIGKILLed at a uniformly random moment of an uninterrupted run's duration (${fmt(fullMs / 1000)} s here, start-up and migrations included), then run again to the end. Checks: the database opens; \`stats\` counts each photo once with one vector each; a third run indexes 0; a search answers. Kill during serve: ${CLIENTS} clients upload coco-mini photos (multipart, one per request, distinct photos) to \`loupe serve\`, which is SIGKILLed 0.3–4.3 s in; it is started again on the same folder and its worker drains the queue. Checks: every upload answered 201 is stored (by sha256) exactly once, no content is stored twice, every stored image's thumbnail is served whole (decodes), no job is left. Bad input and hostile requests: section "bad-inputs" (\`bench/bad-inputs.ts\`); a full disk: \`test/hostile.test.ts\` (a small tmpfs).

<details><summary>Per trial</summary>

| trial | killed at (s) | resumed: indexed | resumed: skipped | images | third run indexed | result |
|---|---|---|---|---|---|---|
${details.join('\n')}

</details>

<details><summary>Kill during serve, per trial</summary>

| trial | killed at (s) | uploads answered 201 | images after restart | result |
|---|---|---|---|---|
${serveRows.join('\n')}

</details>

<details><summary>SIGTERM during searches, per trial</summary>

SIGTERM 0.5–3 s after ${CLIENTS} clients start searching the indexed coco-mini library (k = 50, one search after another each); a search counts as begun when it was sent at least 50 ms before the signal.

| trial | searches begun | answered 200 | dropped | exit code | exit after (ms) |
|---|---|---|---|---|---|
${termRows.join('\n')}

</details>`,
);
console.log(`corruptions ${corruptions}, duplicates ${duplicates}, lost ${lost}`);
