/**
 * CLIP on a model server (issue 25): images/s of the embedding stage for the local provider and for 1 and 2 workers
 * sharing one model server process (the Immich protocol; the server runs the same generated int8 ViT-B/32-shaped
 * towers, test/support/model-server.ts), what the HTTP hop costs per image, and a whole `loupe index` of the same
 * photos with each provider. On this 2-core machine the server and the workers share the cores, so the remote
 * figures are a floor for a separate model machine, not a speed-up.
 * Run: node --import tsx bench/remote.ts [photos]   (default 48 coco-mini photos)
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ImmichClip } from '../src/adapters/remote/model-server.js';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import { parseConfig } from '../src/config.js';
import type { RgbPixels } from '../src/ports/clip-embedder.js';
import { writeVitB32Model } from '../src/models/vit-b32-random.js';
import { loadClip } from '../src/wiring/library.js';
import { runCli, testEnv } from '../test/support/fixtures.js';
import { fmt, machine, median, writeSection } from './report.js';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const IMAGES = path.join(SHARED, 'datasets/coco-mini/images');
const WORK = path.resolve(import.meta.dirname, '.work/remote');
const n = Number(process.argv[2] ?? 48);
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

await rm(WORK, { recursive: true, force: true });
await mkdir(path.join(WORK, 'photos'), { recursive: true });
const files = (await readdir(IMAGES))
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, n);
for (const f of files) await symlink(path.join(IMAGES, f), path.join(WORK, 'photos', f));

// The int8 ViT-B/32-shaped towers (the default q8 path's cost), served by a model server in its own process, as on another machine.
const modelId = 'loupe/bench-vit-b32-int8';
const models = path.join(WORK, 'models');
await writeVitB32Model(models, modelId, path.join(SHARED, 'models/clip-vit-base-patch32'), 'int8');
const serverProcess = spawn(
  process.execPath,
  ['--import', 'tsx', path.resolve(import.meta.dirname, '../test/support/model-server.ts'), models, modelId],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((resolve, reject) => {
  serverProcess.stdout.on('data', (d: Buffer) => {
    const m = /"url":"([^"]+)"/.exec(d.toString());
    if (m) resolve(m[1]);
  });
  serverProcess.on('exit', (code) => reject(new Error(`model server exited ${code}`)));
});
log(`model server at ${url}`);

try {
  // The indexer's pixels: decoded and shrunk to the model's input, once, outside the timings.
  const decoder = new SharpDecoder();
  const { readFile } = await import('node:fs/promises');
  const pixels: RgbPixels[] = [];
  for (const f of files)
    pixels.push(
      (
        await decoder.decode(await readFile(path.join(IMAGES, f)), f, {
          modelInputSize: 224,
          thumbnailSize: 64,
          maxPixels: 1e8,
          maxFrames: 1,
        })
      ).pixels,
    );
  const vit = { LOUPE_MODELS_DIR: models, LOUPE_CLIP_MODEL: modelId };
  const env = await testEnv(path.join(WORK, 'data-local'), vit, { fresh: true });
  const local = await loadClip(parseConfig(env));
  const options = { url, timeoutMs: 60_000, retries: 0, concurrency: 4, imageSize: 224 };

  /** Images per second over the photos, after a warm-up; each worker embeds its share one image per call. */
  async function rate(workers: { embedImages(p: RgbPixels[]): Promise<Float32Array[]> }[], perCall = 1) {
    await Promise.all(workers.map((w) => w.embedImages(pixels.slice(0, 2))));
    const started = performance.now();
    await Promise.all(
      workers.map(async (w, wi) => {
        const mine = pixels.filter((_, i) => i % workers.length === wi);
        for (let i = 0; i < mine.length; i += perCall) await w.embedImages(mine.slice(i, i + perCall));
      }),
    );
    return pixels.length / ((performance.now() - started) / 1000);
  }
  /** Milliseconds per image, one image at a time (latency, for the hop). */
  async function latency(w: { embedImages(p: RgbPixels[]): Promise<Float32Array[]> }) {
    const ms: number[] = [];
    for (const p of pixels.slice(0, 24)) {
      const s = performance.now();
      await w.embedImages([p]);
      ms.push(performance.now() - s);
    }
    return median(ms);
  }

  const localRate = await rate([local], 8);
  log(`local provider: ${fmt(localRate)} images/s`);
  const serial = new ImmichClip('ViT-B-32__openai', { ...options, concurrency: 1 }); // the server serves whichever model it runs
  const one = new ImmichClip('ViT-B-32__openai', options);
  const oneRate = await rate([one], 8);
  log(`1 worker → server: ${fmt(oneRate)} images/s`);
  const twoRate = await rate(
    [new ImmichClip('ViT-B-32__openai', options), new ImmichClip('ViT-B-32__openai', options)],
    8,
  );
  log(`2 workers → server: ${fmt(twoRate)} images/s`);
  const [localMs, remoteMs] = [await latency(local), await latency(serial)];
  log(`per image, one at a time: local ${fmt(localMs)} ms, remote ${fmt(remoteMs)} ms`);

  // Whole index runs of the same photos with each provider (decode, embed, thumbnails, store).
  const indexRun = async (name: string, extra: Record<string, string>) => {
    const e = await testEnv(path.join(WORK, `data-${name}`), { LOUPE_TEXT_EMBEDDER: 'off', ...vit, ...extra });
    const s = performance.now();
    const r = await runCli(['index', path.join(WORK, 'photos'), '--json'], e);
    if (r.code !== 0) throw new Error(`${name} index failed: ${r.stderr}`);
    return files.length / ((performance.now() - s) / 1000);
  };
  const indexLocal = await indexRun('index-local', {});
  const indexRemote = await indexRun('index-remote', {
    LOUPE_CLIP_PROVIDER: 'immich',
    LOUPE_ML_URL: url,
    LOUPE_CLIP_MODEL: 'ViT-B-32__openai',
  });
  log(`loupe index: local ${fmt(indexLocal)} images/s, immich ${fmt(indexRemote)} images/s`);
  await local.dispose();

  await writeSection(
    'remote CLIP (bench/remote.ts)',
    [
      `${machine()}, ${new Date().toISOString().slice(0, 10)}. ${files.length} coco-mini photos; the model server is a separate process on the same machine running the same generated int8 ViT-B/32-shaped towers as the local provider, spoken to with Immich's protocol (one image per request, 4 in flight per worker).`,
      '',
      '| embedding stage | images/s | vs local |',
      '|---|---|---|',
      `| local provider (in process, batches of 8) | ${fmt(localRate)} | 1.00 |`,
      `| 1 worker → model server | ${fmt(oneRate)} | ${fmt(oneRate / localRate, 2)} |`,
      `| 2 workers → one model server | ${fmt(twoRate)} | ${fmt(twoRate / localRate, 2)} |`,
      '',
      `The HTTP hop (PNG of the 224-pixel input, multipart, JSON vector back), one image at a time: ${fmt(remoteMs)} ms per image remote against ${fmt(localMs)} ms local, so **${fmt(remoteMs - localMs)} ms per image** (${fmt(((remoteMs - localMs) / localMs) * 100, 0)} % of the inference).`,
      `Whole \`loupe index\` (decode, embed, thumbnails, store): local ${fmt(indexLocal)} images/s, through the model server ${fmt(indexRemote)} images/s (${fmt(indexRemote / indexLocal, 2)} ×).`,
      'Here the server and the workers share 2 cores, so two workers cannot go faster than the one server process; on a separate model machine the workers only decode and store, and the model server sets the rate.',
    ].join('\n'),
  );
} finally {
  serverProcess.kill();
}
