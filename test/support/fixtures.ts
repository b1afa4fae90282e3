/** Test-data builders: the generated test model, coloured images, crafted bad files, and the CLI runner. */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { TEST_CLIP_MODEL_ID, TEST_COLOURS, writeTestClipModel } from '../../src/models/test-clip-model.js';
import { TEST_TEXT_MODEL_ID, writeTestTextModel } from '../../src/models/test-text-model.js';
import { writeTestCaptionModel } from '../../src/models/test-caption-model.js';
import { NANODET_FILE, NANODET_MODEL_ID } from '../../src/adapters/onnx/nanodet-labeler.js';
import { pgliteVersion } from './pg-server.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SHARED = path.resolve(REPO, '../shared');
export const COCO = path.join(SHARED, 'datasets/coco-mini');
export const COCO_IMAGES = path.join(COCO, 'images');
export const CLI = path.join(REPO, 'dist/cli/main.js');

/** Fails loudly when shared/ is missing rather than skipping: these tests are the proof. */
export async function requireShared() {
  await access(COCO_IMAGES).catch(() => {
    throw new Error(`test data missing: ${COCO_IMAGES} (the repo expects ../shared beside it, as in CI)`);
  });
}

const madeDirs: string[] = [];
// A test process's folders go when it ends (they hold databases and copies of photos: hundreds of MB per file of tests).
process.on('exit', () => {
  if (process.env.LOUPE_KEEP_TEST_DIRS) return;
  for (const dir of madeDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a folder still mounted or in use by a child: left for the system's tmp cleaning
    }
  }
});

/** A new folder under the system's tmp, removed when the test process ends (LOUPE_KEEP_TEST_DIRS=1 keeps them). */
export async function tempDir(prefix = 'loupe-test-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

let modelsDir: Promise<string> | undefined;
/** The generated test model, written once per test process. */
export function testModelsDir(): Promise<string> {
  return (modelsDir ??= (async () => {
    const dir = await tempDir('loupe-models-');
    await writeTestClipModel(dir);
    await writeTestTextModel(dir);
    await writeTestCaptionModel(dir);
    // The real NanoDet-m weights from ../shared, where the labeler looks for them (tests turn LOUPE_LABELS on when they need it).
    await mkdir(path.join(dir, NANODET_MODEL_ID), { recursive: true });
    await symlink(
      path.join(SHARED, 'models/nanodet-m', NANODET_FILE),
      path.join(dir, NANODET_MODEL_ID, NANODET_FILE),
    ).catch(() => {});
    return dir;
  })());
}

let template: Promise<string> | undefined;
/**
 * An embedded database with every migration applied, made once per machine and schema (kept in the system's tmp
 * under a hash of the migrations and PGlite's version): creating and migrating one costs ~4 s of PGlite's WASM,
 * copying it ~0.2 s.
 */
function migratedDatabase(): Promise<string> {
  return (template ??= (async () => {
    const migrations = await readFile(path.join(REPO, 'src/adapters/sql/migrations.ts'));
    const pglite = await pgliteVersion();
    const dir = path.join(
      os.tmpdir(),
      `loupe-test-db-${createHash('sha256').update(migrations).update(pglite).digest('hex').slice(0, 16)}`,
    );
    if (existsSync(dir)) return dir;
    const [{ openPglite }, { migrate }] = await Promise.all([
      import('../../src/adapters/pglite/pglite-client.js'),
      import('../../src/adapters/sql/migrations.js'),
    ]);
    const building = `${dir}.${process.pid}`;
    const db = await openPglite(building);
    await migrate(db);
    await db.close();
    // Another test process may have finished first: either copy will do.
    await rename(building, dir).catch(() => rm(building, { recursive: true, force: true }));
    return dir;
  })());
}

/** A fresh embedded database for a test: a copy of the migrated one in a new folder (0.2 s instead of ~3 s of PGlite's initdb). */
export async function migratedDatabaseCopy(): Promise<string> {
  const dir = path.join(await tempDir('loupe-db-'), 'db');
  await cp(await migratedDatabase(), dir, { recursive: true });
  return dir;
}

/**
 * The environment of a test library in `dataDir`, on the generated models, with OCR and labels off. Its embedded
 * database starts as a copy of a migrated one (as a library opened before); `fresh: true` leaves the folder empty, for
 * tests of what a new library does.
 */
export async function testEnv(
  dataDir: string,
  extra: Record<string, string> = {},
  o: { fresh?: boolean } = {},
): Promise<NodeJS.ProcessEnv> {
  if (!o.fresh && !extra.DATABASE_URL && !existsSync(path.join(dataDir, 'db')))
    await cp(await migratedDatabase(), path.join(dataDir, 'db'), { recursive: true });
  return {
    ...process.env,
    LOUPE_DATA_DIR: dataDir,
    LOUPE_MODELS_DIR: await testModelsDir(),
    LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
    LOUPE_TEXT_EMBED_LOCAL_MODEL: TEST_TEXT_MODEL_ID,
    LOUPE_OFFLINE: '1',
    LOUPE_CACHE_DIR: path.join(dataDir, 'no-cache'),
    // OCR takes seconds per image, labels ~40 ms; the tests that are about them turn them on.
    LOUPE_OCR: 'off',
    LOUPE_LABELS: 'off',
    ...extra,
  };
}

export const colourRgb = (name: string) => {
  const c = TEST_COLOURS.find((c) => c.name === name);
  if (!c) throw new Error(`unknown colour ${name}`);
  return c.rgb.map((v) => Math.round(v * 255)) as [number, number, number];
};

/**
 * A picture that is mostly one colour: a field of it with two darker and lighter blocks of it,
 * so it is not a flat fill, written in the given format.
 */
export async function colourImage(
  name: string,
  format: 'jpeg' | 'png' | 'webp' = 'jpeg',
  size: [number, number] = [320, 240],
): Promise<Buffer> {
  const [r, g, b] = colourRgb(name);
  const [w, h] = size;
  const shade = (f: number) => ({
    r: Math.min(255, Math.round(r * f)),
    g: Math.min(255, Math.round(g * f)),
    b: Math.min(255, Math.round(b * f)),
  });
  const block = (f: number) =>
    sharp({ create: { width: Math.round(w / 5), height: Math.round(h / 5), channels: 3, background: shade(f) } })
      .png()
      .toBuffer();
  return sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } })
    .composite([
      { input: await block(0.85), left: Math.round(w / 10), top: Math.round(h / 10) },
      { input: await block(1.1), left: Math.round(w / 2), top: Math.round(h / 2) },
    ])
    .toFormat(format)
    .toBuffer();
}

/** A valid PNG header declaring width×height with a tiny (wrong) body: a decompression-bomb stand-in. */
/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function hugePngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** @param as run as another user (uid/gid), e.g. to meet permissions that root would bypass. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  as?: { uid: number; gid: number },
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      ...as,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function runJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`loupe ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export { writeFile };

export interface PhotoExif {
  /** EXIF DateTimeOriginal, local time: 'YYYY:MM:DD HH:MM:SS'. */
  taken?: string;
  make?: string;
  model?: string;
  gps?: { lat: number; lon: number };
}

/** A colour picture carrying EXIF as a camera writes it (date taken, make and model, GPS), written by sharp. */
export async function photoWithExif(
  colour: string,
  exif: PhotoExif,
  format: 'jpeg' | 'png' | 'webp' = 'jpeg',
  size: [number, number] = [320, 240],
): Promise<Buffer> {
  const dms = (deg: number) => {
    const a = Math.abs(deg);
    const d = Math.floor(a);
    const m = Math.floor((a - d) * 60);
    const s = Math.round(((a - d) * 60 - m) * 60 * 10000);
    return `${d}/1 ${m}/1 ${s}/10000`;
  };
  return sharp(await colourImage(colour, format, size))
    .withExif({
      IFD0: { ...(exif.make ? { Make: exif.make } : {}), ...(exif.model ? { Model: exif.model } : {}) },
      IFD2: exif.taken ? { DateTimeOriginal: exif.taken } : {},
      IFD3: exif.gps
        ? {
            GPSLatitudeRef: exif.gps.lat >= 0 ? 'N' : 'S',
            GPSLatitude: dms(exif.gps.lat),
            GPSLongitudeRef: exif.gps.lon >= 0 ? 'E' : 'W',
            GPSLongitude: dms(exif.gps.lon),
          }
        : {},
    })
    .toFormat(format)
    .toBuffer();
}
