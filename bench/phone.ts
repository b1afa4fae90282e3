/**
 * A phone's library at phone size (issue: a phone's photo library as it is). 200 photos made from coco-mini: each
 * upscaled to 4032 × 3024 at JPEG quality 90 with EXIF (camera, date; every fourth stored sideways with orientation
 * 6, as phones do), a third of them then HEIC (Debian's heif-enc), a tenth DNGs with the JPEG as their preview
 * (test/support/dng.ts), plus 5 screenshots with text and 5 videos. Beside it, 200 coco-mini photos as they are
 * (640 × 480). Each pass is timed against the same run's floor:
 * - CLIP: `indexPaths` (labels and OCR off) against the least any indexer does: read, decode to 224 (JPEG
 *   shrink-on-load; HEIC through the same libheif; a RAW's preview), the same int8 ViT-B/32-shaped session, one
 *   image per run as int8 needs here, the next image decoded while one infers.
 * - labels: made in the CLIP pass from the same decode (NanoDet-m, real weights): their stage in that pass (conversion
 *   and network) plus the decoder's label copy, against the bare session on a ready tensor run at the same place in
 *   the same pass (so both share the cores with the next batch's decode alike). A difference of two whole index runs
 *   is also reported, but at phone size it moves by ±25 ms per image from run to run.
 * - OCR: the pass with the text gate, and per photo the time to tell "no text" and to read one with text.
 * The corpus is made once into bench/.work/phone (HEIC encoding takes minutes).
 * Run: node --import tsx bench/phone.ts
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import heicDecode from 'heic-decode';
import * as ort from 'onnxruntime-node';
import sharp, { type Sharp } from 'sharp';
import { withoutInitializerInputs } from '../src/adapters/onnx/nanodet-labeler.js';
import { thumbnailKey } from '../src/core/blob-keys.js';
import type { PpOcrRecognizer } from '../src/adapters/ocr/ppocr.js';
import { largestJpegPreview } from '../src/adapters/sharp/raw-preview.js';
import { indexPaths, type StageTimings } from '../src/app/index-paths.js';
import { decodeForIndex } from '../src/app/ingest-batch.js';
import { reindex } from '../src/app/reindex.js';
import { parseConfig } from '../src/config.js';
import type { Library } from '../src/app/library.js';
import { openLibrary } from '../src/wiring/library.js';
import type { ObjectLabeler } from '../src/ports/object-labeler.js';
import { CLIP_PREPROCESSOR } from '../src/models/test-clip-model.js';
import { writeVitB32Model } from '../src/models/vit-b32-random.js';
import { dngFile } from '../test/support/dng.js';
import { fmt, median, writeSection } from './report.js';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const COCO = path.join(SHARED, 'datasets/coco-mini/images');
const CLIP_DIR = path.join(SHARED, 'models/clip-vit-base-patch32');
const NANODET = path.join(SHARED, 'models/nanodet-m/nanodet_m.onnx');
const WORK = path.resolve(import.meta.dirname, '.work/phone');
const PHONE = path.join(WORK, 'phone');
const SMALL = path.join(WORK, 'small');
const COUNT = 200;
const run = promisify(execFile);

const coco = (await readdir(COCO))
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, COUNT);

// ---- the corpus (made once)
if (!(await stat(path.join(PHONE, '.complete')).catch(() => null))) {
  await rm(PHONE, { recursive: true, force: true });
  await mkdir(PHONE, { recursive: true });
  const tmp = path.join(WORK, 'tmp');
  await mkdir(tmp, { recursive: true });
  for (const [i, f] of coco.entries()) {
    const stem = `IMG_${String(1000 + i)}`;
    const taken = `2023:0${1 + (i % 9)}:1${i % 10} 1${i % 10}:00:00`;
    let big = sharp(path.join(COCO, f)).resize(4032, 3024, { fit: 'fill' });
    if (i % 4 === 0) big = sharp(await big.jpeg({ quality: 95 }).toBuffer()).rotate(270); // stored sideways
    const jpeg = await big
      .withExif({ IFD0: { Make: 'Apple', Model: 'iPhone 13' }, IFD2: { DateTimeOriginal: taken } })
      .withMetadata({ orientation: i % 4 === 0 ? 6 : 1 })
      .jpeg({ quality: 90 })
      .toBuffer();
    if (i % 3 === 0) {
      await writeFile(path.join(tmp, 'in.jpg'), jpeg);
      await run('heif-enc', ['-q', '50', '-o', path.join(PHONE, `${stem}.HEIC`), path.join(tmp, 'in.jpg')]);
    } else if (i % 10 === 1) {
      await writeFile(
        path.join(PHONE, `${stem}.DNG`),
        dngFile({
          preview: jpeg,
          previewSize: i % 4 === 0 ? [3024, 4032] : [4032, 3024],
          make: 'Canon',
          model: 'Canon EOS R5',
          taken,
        }),
      );
    } else await writeFile(path.join(PHONE, `${stem}.JPG`), jpeg);
    if (i % 20 === 0) console.log(`phone corpus: ${i + 1} / ${COUNT}`);
  }
  for (let i = 0; i < 5; i++) {
    const lines = Array.from(
      { length: 12 },
      (_, l) =>
        `<text x="60" y="${200 + l * 160}" font-size="64" font-family="DejaVu Sans">Order ${i * 100 + l} shipped to Main Street ${l + 3}</text>`,
    );
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1170" height="2532"><rect width="100%" height="100%" fill="white"/>${lines.join('')}</svg>`;
    await sharp(Buffer.from(svg))
      .png()
      .toFile(path.join(PHONE, `Screenshot ${i + 1}.png`));
    await writeFile(
      path.join(PHONE, `IMG_${1000 + i}.MOV`),
      Buffer.concat([Buffer.from('0000001466747970717420200000000071742020', 'hex'), Buffer.alloc(1 << 20)]),
    );
  }
  await rm(tmp, { recursive: true, force: true });
  await writeFile(path.join(PHONE, '.complete'), '');
}
await rm(SMALL, { recursive: true, force: true });
await mkdir(SMALL, { recursive: true });
for (const f of coco) await copyFile(path.join(COCO, f), path.join(SMALL, f)); // copies: links out of an indexed folder are refused

// ---- floors
const modelId = 'loupe/bench-vit-b32-int8';
const modelDir = await writeVitB32Model(path.join(WORK, 'models'), modelId, CLIP_DIR, 'int8');
const onnxFile = path.join(modelDir, 'onnx/vision_model_quantized.onnx');
const { image_mean: mean, image_std: std } = CLIP_PREPROCESSOR;

/** Decoded to `side` × `side` RGB the cheapest way each kind allows: what any indexer must at least do. */
async function decodeTo(file: string, side: number, fit: 'cover' | 'fill'): Promise<Buffer> {
  const bytes = await readFile(file);
  let image: Sharp;
  if (/\.heic$/i.test(file)) {
    const { width, height, data } = await heicDecode({ buffer: bytes });
    image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } });
  } else image = sharp(/\.dng$/i.test(file) ? largestJpegPreview(bytes)!.jpeg : bytes).rotate();
  return image.resize({ width: side, height: side, fit }).removeAlpha().raw().toBuffer();
}

async function clipFloor(files: string[]): Promise<number> {
  const session = await ort.InferenceSession.create(onnxFile, { executionProviders: ['cpu'] });
  const tensorOf = async (f: string) => {
    const data = await decodeTo(f, 224, 'cover');
    const out = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < 224 * 224; i++)
      for (let c = 0; c < 3; c++) out[c * 224 * 224 + i] = (data[i * 3 + c] / 255 - mean[c]) / std[c];
    return new ort.Tensor('float32', out, [1, 3, 224, 224]);
  };
  await session.run({ pixel_values: await tensorOf(files[0]) }); // warm up
  const t = performance.now();
  let next = tensorOf(files[0]);
  for (let i = 0; i < files.length; i++) {
    const input = await next;
    if (i + 1 < files.length) next = tensorOf(files[i + 1]);
    await session.run({ pixel_values: input });
  }
  const rate = files.length / ((performance.now() - t) / 1000);
  await session.release();
  return rate;
}

/** The bare NanoDet session, as the adapter makes it. */
const bareSession = async () =>
  ort.InferenceSession.create(withoutInitializerInputs(await readFile(NANODET)), {
    intraOpNumThreads: os.availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
const readyTensor = async (file: string) =>
  new ort.Tensor(
    'float32',
    Float32Array.from(await decodeTo(file, 416, 'fill'), (v) => v / 255 - 0.5),
    [1, 3, 416, 416],
  );

/** The bare NanoDet session on ready 416 × 416 tensors, alone: ms per image. */
async function labelsAloneMs(files: string[]): Promise<number> {
  const session = await bareSession();
  const tensors = await Promise.all(files.slice(0, 40).map(readyTensor));
  await session.run({ [session.inputNames[0]]: tensors[0] });
  const t = performance.now();
  for (const x of tensors) await session.run({ [session.inputNames[0]]: x });
  const ms = (performance.now() - t) / tensors.length;
  await session.release();
  return ms;
}

/** What asking the decoder for the label copy adds to a decode: median per-image difference, alternating. */
async function labelCopyMs(lib: Library, files: string[]): Promise<number> {
  const clip = await lib.clip();
  const differences: number[] = [];
  for (const file of files.slice(0, 40)) {
    const bytes = await readFile(file);
    const timed = async (labelSide?: number) => {
      const t = performance.now();
      await decodeForIndex(lib, clip, bytes, file, labelSide);
      return performance.now() - t;
    };
    await timed(416); // warm the file's first decode
    const [a, b, c, d] = [await timed(), await timed(416), await timed(416), await timed()];
    differences.push((b + c - a - d) / 2);
  }
  return median(differences);
}

// ---- the passes
await mkdir(path.join(WORK, 'models/nanodet/nanodet-m'), { recursive: true });
await symlink(NANODET, path.join(WORK, 'models/nanodet/nanodet-m/nanodet_m.onnx')).catch(() => {});
interface SetResult {
  name: string;
  images: number;
  clip: number;
  clipFloor: number;
  labelsMs: number;
  labelsInPassMs: number;
  labelCopyMs: number;
  labelsFloorMs: number;
  labelsAloneMs: number;
  labelsWallDifferenceMs: number;
  ocrMs: number;
  noTextMs: number;
  textMs: number;
  gate: { noText: number; read: number };
  passedOver: string;
}
const results: SetResult[] = [];
for (const [name, dir] of [
  ['phone size (4032 × 3024; ⅓ HEIC, 1/10 DNG)', PHONE],
  ['coco-mini as it is (≈ 640 × 480 JPEG)', SMALL],
] as const) {
  const photos = (await readdir(dir)).filter((f) => /\.(jpe?g|heic|dng|png)$/i.test(f)).map((f) => path.join(dir, f));
  const floor = await clipFloor(photos);
  const bareAloneMs = await labelsAloneMs(photos);
  const envFor = (dataDir: string, labels: 'off' | 'auto') => ({
    ...process.env,
    LOUPE_DATA_DIR: dataDir,
    LOUPE_MODELS_DIR: path.join(WORK, 'models'),
    LOUPE_CLIP_MODEL: modelId,
    LOUPE_CLIP_DTYPE: 'q8',
    LOUPE_OFFLINE: '1',
    LOUPE_TEXT_EMBEDDER: 'off',
    LOUPE_LABELS: labels,
  });
  // The CLIP pass alone (labels off); with labels on; and with the bare session on a ready tensor in the labels' place.
  const timedIndex = async (labels: 'off' | 'auto' | 'floor') => {
    const dataDir = path.join(WORK, `data-${labels}`);
    await rm(dataDir, { recursive: true, force: true });
    const lib = await openLibrary(parseConfig(envFor(dataDir, labels === 'off' ? 'off' : 'auto')));
    await (await lib.clip()).embedImages([{ data: new Uint8Array(224 * 224 * 3), width: 224, height: 224 }]); // loaded, as for the floor
    if (labels === 'floor') {
      const session = await bareSession();
      const ready = await readyTensor(photos[0]);
      const bare: ObjectLabeler = {
        model: 'bare',
        inputSide: 416,
        label: async () => [],
        labelPixels: async () => (await session.run({ [session.inputNames[0]]: ready }), []),
      };
      lib.labeler = async () => bare;
    }
    if (labels !== 'off') await lib.labeler();
    const timings: StageTimings = { read: [], hash: [], decode: [], inference: [], labels: [], store: [] };
    const t = performance.now();
    const summary = await indexPaths(lib, [dir], { timings });
    const seconds = (performance.now() - t) / 1000;
    if (summary.failed.length) console.error('failed:', summary.failed);
    return { lib, summary, seconds, labelsMs: median(timings.labels) };
  };
  const alone = await timedIndex('off');
  await alone.lib.close();
  const bare = await timedIndex('floor');
  await bare.lib.close();
  const { lib, summary, seconds, labelsMs: inPassMs } = await timedIndex('auto');
  const clip = summary.indexed / alone.seconds;
  const copyMs = await labelCopyMs(lib, photos);
  const wallDifferenceMs = ((seconds - alone.seconds) * 1000) / (summary.labelled.ok + summary.labelled.empty);
  const t = performance.now();
  // OCR: the pass, then each photo on its own (the gate's "no text", or a whole read).
  await reindex(lib, { only: ['ocr'] });
  const ocrMs = (performance.now() - t) / summary.indexed;
  const ocr = (await lib.ocr()) as PpOcrRecognizer;
  const gate = { ...ocr.gated };
  // Per photo as the pass does it: the look for text on the stored thumbnail; where it finds some, the whole read.
  const noText: number[] = [];
  const text: number[] = [];
  const { items } = await lib.store.listImages({ folder: null, limit: 1000, cursor: null });
  const sample = items.filter((i, n) => n < 60 || i.paths[0].path.endsWith('.png'));
  for (const image of sample) {
    const thumbnail = (await lib.blobs.get(thumbnailKey(image.sha256)))!;
    const t0 = performance.now();
    const some = await ocr.lookForText!(thumbnail);
    if (!some) {
      noText.push(performance.now() - t0);
      continue;
    }
    const original = await lib.decoder.readable(await readFile(image.paths[0].path), lib.config.ocr.maxResolution);
    await ocr.recognize(original, { looked: true });
    text.push(performance.now() - t0);
  }
  await lib.close();
  const p = summary.passedOver;
  results.push({
    name,
    images: summary.indexed,
    clip,
    clipFloor: floor,
    labelsMs: inPassMs + copyMs,
    labelsInPassMs: inPassMs,
    labelCopyMs: copyMs,
    labelsFloorMs: bare.labelsMs,
    labelsAloneMs: bareAloneMs,
    labelsWallDifferenceMs: wallDifferenceMs,
    ocrMs,
    noTextMs: median(noText),
    textMs: median(text),
    gate,
    passedOver: `${p.video} videos, ${p.sidecar} sidecars, ${p.other} other`,
  });
  console.log(results.at(-1));
}

const row = (r: SetResult) =>
  `| ${r.name} | ${r.images} | ${fmt(r.clip)} | ${fmt(r.clipFloor)} | ${fmt(r.clip / r.clipFloor, 2)} | ${fmt(r.labelsInPassMs, 1)} + ${fmt(r.labelCopyMs, 1)} | ${fmt(r.labelsFloorMs, 1)} (alone ${fmt(r.labelsAloneMs, 1)}) | ${fmt(r.labelsMs / r.labelsFloorMs, 2)} | ${fmt(r.labelsWallDifferenceMs, 0)} | ${fmt(r.ocrMs, 0)} | ${r.gate.noText} / ${r.gate.read} | ${fmt(r.noTextMs, 0)} | ${fmt(r.textMs, 0)} | ${r.passedOver} |`;
const [phone] = results;
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
await writeSection(
  'phone',
  `## A phone's library at phone size, against floors (\`bench/phone.ts\`)

${COUNT} coco-mini photos upscaled to 4032 × 3024 (JPEG quality 90, EXIF camera and date, every fourth stored sideways with orientation 6); a third made HEIC by Debian's heif-enc (quality 50), a tenth DNGs with the JPEG as their preview; 5 phone screenshots with text (1170 × 2532 PNG) and 5 videos beside them. The same ${COUNT} coco-mini photos as they are for comparison. CLIP: the generated int8 ViT-B/32-shaped tower (the real model's cost); floor = read, decode to 224 (JPEG shrink-on-load, HEIC through the same libheif build, a RAW's preview), the same session one image per run, the next decoded while one infers. Labels: NanoDet-m (real weights), made in the CLIP pass from the decode it already did; their cost = their stage in that pass (median per image: pixels to tensor and the network) plus what the label copy adds to a decode (median of alternating decodes with and without it); floor = the bare session on a ready 416 px tensor run in the labels' place in the same pass, so both share the cores with the next batch's decode alike ("alone": the same session with the machine to itself). The whole-run difference (index with labels minus without) is shown too; at phone size it moves by ±25 ms per image between identical runs. OCR: PP-OCRv4 with the text gate; "no text" and "read" are per photo (median; the first 60 photos and the screenshots).

| library | images | CLIP pass images/s | CLIP floor images/s | pass / floor | labels ms/image: in the pass + label copy | bare NanoDet ms/image in the pass (alone) | labels / bare | index with labels minus without, ms/image | OCR pass ms/image | gate: no text / read | tell "no text" ms | read one with text ms | passed over |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${results.map(row).join('\n')}

Targets at phone size: CLIP pass ≥ 0.8 of its floor → ${verdict(phone.clip / phone.clipFloor >= 0.8)} (${fmt(phone.clip / phone.clipFloor, 2)}); labels ≤ 1.5 × the bare session → ${verdict(phone.labelsMs / phone.labelsFloorMs <= 1.5)} (${fmt(phone.labelsMs / phone.labelsFloorMs, 2)}); "no text" ≤ 60 ms → ${verdict(phone.noTextMs <= 60)} (${fmt(phone.noTextMs, 0)} ms).`,
);
