/**
 * Ranking across four query families, each in every search mode (issue "never worse than its best signal").
 * Dev data only (../shared/datasets). Run: node --import tsx bench/ranking.ts [--families 1,2,3,4,5] (5: latency at 10k images)
 *  1. text in images — FUNSD test forms indexed with OCR; queries: words found in one form's ground truth only; hit = top 3.
 *  2. paraphrase — coco-mini, caption 1 stored as the user's caption, caption 2 as the query; R@1/5/10.
 *  3. visual — coco-mini + solid-colour pictures (neutral names), colour queries: the vector side is the informative one.
 *  4. controlled informativeness — per image a stored vector α·e(caption 3) + (1−α)·noise (the sentence test model),
 *     query vector e(query); α from 0 (noise) to 1; default-mode R@1 beside text-only and vector-only.
 *  6. real CLIP — what a trained CLIP outputs (../shared/datasets/clip-vectors): ViT-B/32 on 1000 Flickr8k photos and
 *     ViT-B/16 on 500 COCO photos, imported through `loupe import faiss`, queried with the real caption vectors and
 *     the caption's words; libraries with no words, user captions, detector-like labels, half captioned.
 */
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { indexPaths } from '../src/app/index-paths.js';
import { reindex } from '../src/app/reindex.js';
import { searchByText, type SearchOptions } from '../src/app/search.js';
import type { SearchMode } from '../src/core/hybrid.js';
import { parseConfig } from '../src/config.js';
import { l2Normalize } from '../src/core/scores.js';
import type { Library } from '../src/app/library.js';
import { openLibrary } from '../src/wiring/library.js';
import { seededRandom } from '../src/models/seeded-random.js';
import { TEST_CLIP_MODEL_ID, TEST_COLOURS, writeTestClipModel } from '../src/models/test-clip-model.js';
import { TEST_TEXT_MODEL_ID, writeTestTextModel } from '../src/models/test-text-model.js';
import type { ClipEmbedder } from '../src/ports/clip-embedder.js';
import { fmt, median, writeSection } from './report.js';
import { COCO_CLASSES, friendlyLabel } from '../src/core/coco-labels.js';

const SHARED = path.resolve(import.meta.dirname, '../../shared/datasets');
const COCO = path.join(SHARED, 'coco-mini');
const FUNSD = path.join(SHARED, 'funsd');
const WORK = path.resolve(import.meta.dirname, '.work/ranking');
const MODELS = path.join(WORK, 'models');
const familiesArg = process.argv.indexOf('--families');
const FAMILIES = new Set((familiesArg > 0 ? process.argv[familiesArg + 1] : '1,2,3,4,5,6').split(',').map(Number));

await mkdir(WORK, { recursive: true });
await writeTestClipModel(MODELS);
await writeTestTextModel(MODELS);

const env = (name: string, extra: Record<string, string> = {}) =>
  parseConfig({
    ...process.env,
    LOUPE_DATA_DIR: path.join(WORK, name),
    LOUPE_MODELS_DIR: MODELS,
    LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
    LOUPE_TEXT_EMBED_LOCAL_MODEL: TEST_TEXT_MODEL_ID,
    LOUPE_OCR: 'off',
    LOUPE_OFFLINE: '1',
    ...extra,
  });

type Variant = [string, SearchOptions];
const MODES: Variant[] = [
  ['default (hybrid, adaptive)', {}],
  ['text', { mode: 'text' }],
  ['vector', { mode: 'vector' }],
  ['caption', { mode: 'caption' }],
  ['hybrid, weighted 0.7 / 0.3 (old default)', { fusion: { mode: 'weighted', weights: { vector: 0.7, text: 0.3 } } }],
  ['hybrid, RRF 1 / 1', { fusion: { mode: 'rrf', weights: { vector: 1, text: 1 } } }],
];

interface Query {
  text: string;
  target: string;
}

/** Ranks of the target per query (−1: not in the top 10), and the median ms per query. */
async function run(lib: Library, queries: Query[], options: SearchOptions) {
  const ranks: number[] = [];
  const ms: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    const { hits } = await searchByText(lib, q.text, { k: 10, folder: '', ...options }).catch(() => ({
      hits: [] as { id: string }[],
    }));
    ms.push(performance.now() - t);
    ranks.push(hits.findIndex((h) => h.id === q.target));
  }
  const at = (n: number) => ranks.filter((r) => r >= 0 && r < n).length / ranks.length;
  return { r1: at(1), r3: at(3), r5: at(5), r10: at(10), ms: median(ms) };
}

type Row = { name: string; r1: number; r3: number; r5: number; r10: number; ms: number };
const table = (rows: Row[], cols: ('r1' | 'r3' | 'r5' | 'r10')[]) =>
  `| mode | ${cols.map((c) => c.replace('r', 'R@')).join(' | ')} | ms/query |\n|---|${cols.map(() => '---|').join('')}---|\n` +
  rows.map((r) => `| ${r.name} | ${cols.map((c) => fmt(r[c], 3)).join(' | ')} | ${fmt(r.ms)} |`).join('\n');

/** The default mode against the better single mode (text or vector) on `metric`: the target is ≥ best − 0.02. */
function verdict(rows: Row[], metric: 'r1' | 'r3') {
  const def = rows[0][metric];
  const best = Math.max(rows[1][metric], rows[2][metric], rows[3][metric]);
  return `default ${fmt(def, 3)} vs best single mode ${fmt(best, 3)}: ${def >= best - 0.02 ? '**target met**' : '**below target**'}`;
}

const sections: string[] = [];
const captionsOf: { image: string; captions: string[] }[] = (await readFile(path.join(COCO, 'captions.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

async function cocoLibrary(
  name: string,
  extra: Record<string, string> = {},
  wrapClip?: (c: ClipEmbedder) => ClipEmbedder,
) {
  await rm(path.join(WORK, name), { recursive: true, force: true });
  const lib = await openLibrary(env(name, extra), { wrapClip });
  await indexPaths(
    lib,
    captionsOf.map((r) => path.join(COCO, 'images', r.image)),
  );
  const idOf = new Map<string, string>();
  for (const r of captionsOf) {
    const [hit] = await lib.store.textSearch({ text: r.image.replace('.jpg', ''), limit: 1, fields: ['name'] });
    idOf.set(r.image, hit.imageId);
  }
  return { lib, idOf };
}

// ---- 1. text in images
if (FAMILIES.has(1)) {
  const gt: { image: string; split: string; text: string }[] = (await readFile(path.join(FUNSD, 'gt.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const forms = gt.filter((g) => g.split === 'test');
  const name = 'funsd';
  const fresh = !(await access(path.join(WORK, name, 'ocr-done')).then(
    () => true,
    () => false,
  ));
  if (fresh) await rm(path.join(WORK, name), { recursive: true, force: true });
  const lib = await openLibrary(env(name, { LOUPE_OCR: 'auto' }));
  if (fresh) {
    const t = performance.now();
    await indexPaths(
      lib,
      forms.map((f) => path.join(FUNSD, 'images', f.image)),
    );
    await reindex(lib, { only: ['ocr'] });
    console.log(`funsd: indexed and read ${forms.length} forms in ${fmt((performance.now() - t) / 1000)} s`);
    await writeFile(path.join(WORK, name, 'ocr-done'), '');
  }
  const words = (s: string) => s.toLowerCase().match(/[a-z]{5,}/g) ?? [];
  const df = new Map<string, number>();
  for (const f of forms) for (const w of new Set(words(f.text))) df.set(w, (df.get(w) ?? 0) + 1);
  const queries: Query[] = [];
  for (const f of forms) {
    const [hit] = await lib.store.textSearch({ text: f.image.replace('.png', ''), limit: 1, fields: ['name'] });
    const distinctive = [...new Set(words(f.text))].filter((w) => df.get(w) === 1).slice(0, 3);
    for (const w of distinctive) queries.push({ text: w, target: hit.imageId });
  }
  const rows: Row[] = [];
  for (const [n, o] of MODES) {
    rows.push({ name: n, ...(await run(lib, queries, o)) });
    console.log('funsd', n, rows.at(-1));
  }
  await lib.close();
  sections.push(
    `### 1. Text in images: FUNSD (${forms.length} test forms, PP-OCRv4), ${queries.length} queries\n\nQueries: up to 3 words per form (5+ letters) that occur in no other form's ground truth; hit = the form in the top 3. Bounded by what OCR reads: text mode is the ceiling.\n\n${table(rows, ['r1', 'r3', 'r10'])}\n\n${verdict(rows, 'r3')}.`,
  );
}

// ---- 2. paraphrase
if (FAMILIES.has(2)) {
  const { lib, idOf } = await cocoLibrary('paraphrase');
  for (const r of captionsOf) await lib.store.updateImage(idOf.get(r.image)!, { caption: r.captions[0] });
  await reindex(lib, { only: ['text-embedding'] });
  const queries = captionsOf.map((r) => ({ text: r.captions[1], target: idOf.get(r.image)! }));
  const rows: Row[] = [];
  for (const [n, o] of MODES) {
    rows.push({ name: n, ...(await run(lib, queries, o)) });
    console.log('paraphrase', n, rows.at(-1));
  }
  await lib.close();
  sections.push(
    `### 2. Paraphrase: coco-mini (${queries.length} queries)\n\nCaption 1 of each photo stored as its user caption, caption 2 (another person's words) as the query. The vector side is the colour-only test CLIP: noise for these queries. Caption mode uses the bag-of-words sentence test model.\n\n${table(rows, ['r1', 'r5', 'r10'])}\n\n${verdict(rows, 'r1')}.`,
  );
}

// ---- 3. visual
if (FAMILIES.has(3)) {
  const name = 'visual';
  await rm(path.join(WORK, name), { recursive: true, force: true });
  const solid = path.join(WORK, 'solid');
  await rm(solid, { recursive: true, force: true });
  await mkdir(solid, { recursive: true });
  const colours = TEST_COLOURS.filter((c) => !['gray', 'brown'].includes(c.name));
  for (const [i, c] of colours.entries())
    await sharp({
      create: {
        width: 320,
        height: 240,
        channels: 3,
        background: { r: Math.round(c.rgb[0] * 255), g: Math.round(c.rgb[1] * 255), b: Math.round(c.rgb[2] * 255) },
      },
    })
      .png()
      .toFile(path.join(solid, `img-${String(i).padStart(3, '0')}.png`));
  const lib = await openLibrary(env(name));
  await indexPaths(lib, [...captionsOf.map((r) => path.join(COCO, 'images', r.image)), solid]);
  const queries: Query[] = [];
  for (const [i, c] of colours.entries()) {
    const [hit] = await lib.store.textSearch({ text: `img ${String(i).padStart(3, '0')}`, limit: 1, fields: ['name'] });
    for (const phrase of [c.name, `a ${c.name} picture`, `something ${c.name}`])
      queries.push({ text: phrase, target: hit.imageId });
  }
  const rows: Row[] = [];
  for (const [n, o] of MODES) {
    rows.push({ name: n, ...(await run(lib, queries, o)) });
    console.log('visual', n, rows.at(-1));
  }
  await lib.close();
  sections.push(
    `### 3. Visual: colour queries over coco-mini + ${colours.length} solid-colour pictures (${queries.length} queries)\n\nThe pictures have neutral names (img-000.png …) and no captions: only the vector side (the colour test CLIP) knows them. Hit = the solid picture of that colour first.\n\n${table(rows, ['r1', 'r3', 'r10'])}\n\n${verdict(rows, 'r1')}.`,
  );
}

// ---- 4. controlled informativeness
if (FAMILIES.has(4)) {
  const { TransformersSentenceEmbedder } = await import('../src/adapters/transformers/sentence-embedder.js');
  const embedder = new TransformersSentenceEmbedder({ modelId: TEST_TEXT_MODEL_ID, modelRoot: MODELS, dtype: 'q8' });
  // The "CLIP" of this family embeds query text with the sentence model, so stored vectors of known quality can be searched.
  const MIX_MODEL = 'bench/mixed-quality';
  const wrap = (clip: ClipEmbedder): ClipEmbedder => ({
    ...clip,
    model: MIX_MODEL,
    embedTexts: (t: string[]) => embedder.embed(t),
    embedImages: clip.embedImages.bind(clip),
    dispose: clip.dispose.bind(clip),
  });
  const { lib, idOf } = await cocoLibrary('controlled', { LOUPE_TEXT_EMBEDDER: 'off' }, wrap);
  for (const r of captionsOf) await lib.store.updateImage(idOf.get(r.image)!, { caption: r.captions[0] });
  const third = await embedder.embed(captionsOf.map((r) => r.captions[2]));
  const queries = captionsOf.map((r) => ({ text: r.captions[1], target: idOf.get(r.image)! }));
  const lines: string[] = [];
  for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
    const { normal } = seededRandom(7);
    await lib.store.deleteEmbeddings();
    for (const [i, r] of captionsOf.entries()) {
      const noise = l2Normalize(Float32Array.from({ length: third[i].length }, normal));
      await lib.store.setEmbedding(
        idOf.get(r.image)!,
        MIX_MODEL,
        l2Normalize(Float32Array.from(third[i], (v, j) => alpha * v + (1 - alpha) * noise[j])),
      );
    }
    const r1 = async (o: SearchOptions) => (await run(lib, queries, o)).r1;
    const r = {
      alpha,
      def: await r1({}),
      text: await r1({ mode: 'text' as SearchMode }),
      vector: await r1({ mode: 'vector' as SearchMode }),
      weighted: await r1(MODES[4][1]),
      rrf: await r1(MODES[5][1]),
    };
    console.log('controlled', r);
    const ok = r.def >= Math.max(r.text, r.vector) - 0.02 && (alpha < 0.5 || r.def > Math.max(r.text, r.vector));
    lines.push(
      `| ${alpha} | ${fmt(r.def, 3)} | ${fmt(r.text, 3)} | ${fmt(r.vector, 3)} | ${fmt(r.weighted, 3)} | ${fmt(r.rrf, 3)} | ${ok ? 'met' : '**not met**'} |`,
    );
  }
  await lib.close();
  await embedder.dispose();
  sections.push(
    `### 4. Controlled informativeness: coco-mini (${queries.length} queries per α)\n\nEach photo's stored vector is α·e(caption 3) + (1−α)·noise, normalised (e = the bag-of-words sentence test model, 384-d); the query vector is e(caption 2); caption 1 is the stored user caption (the text side). Target: default ≥ max(text, vector) − 0.02 everywhere, and above both where both are informative (α ≥ 0.5).\n\n| α | default R@1 | text R@1 | vector R@1 | weighted 0.7/0.3 | RRF | target |\n|---|---|---|---|---|---|---|\n${lines.join('\n')}`,
  );
}

// ---- 6. real CLIP outputs
if (FAMILIES.has(6)) {
  const { haveClipVectors, flickr8kVitB32, cocoVitB16 } = await import('../test/support/clip-vectors.js');
  if (!(await haveClipVectors())) {
    console.error(
      'bench/ranking.ts: family 6 needs ../shared/datasets/clip-vectors (real CLIP outputs); it is not there, so family 6 is NOT measured',
    );
    sections.push('### 6. Real CLIP\n\nNot measured: ../shared/datasets/clip-vectors was missing.');
  } else for (const set of [await flickr8kVitB32(), await cocoVitB16()]) sections.push(await realClipFamily(set));
}

/** Nouns a COCO detector would label: the COCO-80 words (and everyday synonyms for people) that a caption names. */
function detectorNouns(captions: string[]): string[] {
  const classes = new Set(COCO_CLASSES.map((c) => friendlyLabel(c)));
  const person = new Set([
    'man',
    'men',
    'woman',
    'women',
    'boy',
    'boys',
    'girl',
    'girls',
    'child',
    'children',
    'kid',
    'kids',
    'people',
    'person',
    'player',
    'lady',
  ]);
  const out = new Set<string>();
  for (const c of captions)
    for (const w of c.toLowerCase().match(/[a-z]+/g) ?? []) {
      const one = w.replace(/s$/, '');
      if (person.has(w)) out.add('person');
      else if (classes.has(w)) out.add(w);
      else if (classes.has(one)) out.add(one);
    }
  return [...out];
}

async function realClipFamily(
  set: Awaited<ReturnType<typeof import('../test/support/clip-vectors.js').flickr8kVitB32>>,
): Promise<string> {
  const { faissFile } = await import('../test/support/faiss-file.js');
  const { faissImportPlan } = await import('../src/adapters/import/faiss.js');
  const { importVectors, canonicalModel } = await import('../src/app/import-vectors.js');
  const { searchSimilar } = await import('../src/app/search.js');
  const slug = set.model.replace(/\W+/g, '-');
  const name = `real-${slug}`;
  await rm(path.join(WORK, name), { recursive: true, force: true });
  // One small stand-in picture per photo (distinct bytes, so each is its own record), named as the dataset names it.
  const pictures = path.join(WORK, `${name}-pictures`);
  await rm(pictures, { recursive: true, force: true });
  await mkdir(pictures, { recursive: true });
  const files = set.file.map((f) => f.replace(/\.\w+$/, '.png'));
  for (const [i, f] of files.entries())
    await sharp({
      create: {
        width: 32,
        height: 32,
        channels: 3,
        background: { r: i % 256, g: Math.floor(i / 256) * 16, b: (i * 7) % 256 },
      },
    })
      .png()
      .toFile(path.join(pictures, f));
  const indexFile = path.join(WORK, `${name}.faiss`);
  const metadataFile = path.join(pictures, 'metadata.json');
  await writeFile(indexFile, faissFile(set.images, { metric: 'IP' }));
  await writeFile(metadataFile, JSON.stringify(files.map((f) => ({ path: f, folder: '' }))));
  const lib = await openLibrary(
    env(name, { LOUPE_CLIP_MODEL: canonicalModel(set.model), LOUPE_TEXT_EMBEDDER: 'off', LOUPE_LABELS: 'off' }),
  );
  const t = performance.now();
  const report = await importVectors(lib, await faissImportPlan(indexFile, metadataFile, { model: set.model }));
  console.log(
    `${set.name}: imported ${report.imported} through loupe import faiss in ${fmt((performance.now() - t) / 1000)} s`,
  );
  const ids = await Promise.all(files.map(async (f) => (await lib.store.getPath(path.join(pictures, f)))!.imageId));
  const queries = set.query.map((text, i) => ({ text, vector: set.texts[i], target: ids[i] }));

  type Words = [string, (i: number) => { caption: string | null; labels: string[] }];
  const variants: Words[] = [
    ['(a) no words (file names only)', () => ({ caption: null, labels: [] })],
    ...(set.others[0].length
      ? ([
          [
            '(b) every photo has a user caption (another of its captions)',
            (i: number) => ({ caption: set.others[i][0], labels: [] }),
          ],
          [
            '(c) detector-like labels: the COCO-80 nouns its other captions name',
            (i: number) => ({ caption: null, labels: detectorNouns(set.others[i]) }),
          ],
          [
            '(d) half the photos have a user caption',
            (i: number) => ({ caption: i % 2 ? set.others[i][0] : null, labels: [] }),
          ],
        ] as Words[])
      : ([
          [
            '(c) detector-like labels: the COCO-80 nouns its own caption names (a perfect detector)',
            (i: number) => ({ caption: null, labels: detectorNouns([set.query[i]]) }),
          ],
        ] as Words[])),
  ];
  const modes: Variant[] = [MODES[0], MODES[1], MODES[2], MODES[4], MODES[5]];
  const lines: string[] = [];
  for (const [variant, words] of variants) {
    for (const [i, id] of ids.entries()) {
      const w = words(i);
      await lib.store.updateImage(id, { caption: w.caption });
      await lib.store.setLabels(
        id,
        w.labels.map((l) => ({ label: l, raw: l, confidence: 0.9 })),
      );
    }
    const results: Record<string, Awaited<ReturnType<typeof runVector>>> = {};
    for (const [n, o] of modes) {
      results[n] = await runVector(lib, queries, o);
      console.log(set.name, variant, n, { ...results[n], pct: undefined });
    }
    const before = await runPrevious(lib, set, queries);
    console.log(set.name, variant, 'previous default', before);
    const def = results[MODES[0][0]];
    const best = Math.max(results.text.r1, results.vector.r1);
    const plus = variant.startsWith('(b)') ? results.vector.r1 + 0.03 : -Infinity;
    const ok = def.r1 >= best - 0.01 && def.r1 >= plus;
    const cell = (r: { r1: number; r5: number; r10: number }) => `${fmt(r.r1, 3)} / ${fmt(r.r5, 3)} / ${fmt(r.r10, 3)}`;
    lines.push(
      `| ${variant} | ${cell(before)} | ${modes.map(([n]) => cell(results[n])).join(' | ')} | ${fmt(def.pct.firstMedian, 1)} % | ${fmt(def.pct.foundMedian, 1)} % | ${ok ? 'met' : '**not met**'} |`,
    );
  }
  // The % of unrelated photos: every photo's % for 100 queries (words and vector, no captions), beside the right one's.
  for (const id of ids) await lib.store.setLabels(id, []);
  const unrelated: number[] = [];
  for (const q of queries.slice(0, 100)) {
    const { hits } = await searchByText(lib, '', { vector: q.vector, k: 1000, folder: '' });
    for (const h of hits) if (h.id !== q.target) unrelated.push(h.similarity);
  }
  const images: number[] = [];
  for (const id of ids.slice(0, 100))
    for (const h of (await searchSimilar(lib, id, { k: 1000, folder: '' })).hits) images.push(h.similarity);
  await lib.close();
  const q = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))];
  const under = (v: number[], limit: number) => v.filter((x) => x < limit).length / v.length;
  return (
    `### 6. Real CLIP: ${set.name} (${queries.length} queries, ${set.model})\n\n` +
    `Each photo's real image vector imported through \`loupe import faiss\` (a small stand-in picture per row, named as the dataset names the photo); each query is the real text vector of the photo's encoded caption (\`vector\`) with that caption's words, k = 10, relevant = that photo. No caption embeddings (no real sentence model here). Cells: R@1 / R@5 / R@10. Target: default ≥ best single mode − 0.01, and in (b) ≥ vector + 0.03.\n\n` +
    `| library | before: previous default (e48e33c) | ${modes.map(([n]) => n).join(' | ')} | % of the right photo when first (median) | % of the right photo when in the top 10 (median) | target |\n|---|---|${modes.map(() => '---|').join('')}---|---|---|\n${lines.join('\n')}\n\n` +
    `Unrelated photos (100 queries × every other photo, vector alone): median ${fmt(q(unrelated, 0.5), 1)} %, p99 ${fmt(q(unrelated, 0.99), 1)} %, ${fmt(100 * under(unrelated, 20), 2)} % of them under 20 %. ` +
    `Image → image (100 photos' similar-by-id over the library, all unrelated photos): median ${fmt(q(images, 0.5), 1)} %, p99 ${fmt(q(images, 0.99), 1)} %, ${fmt(100 * under(images, 30), 2)} % under 30 %.`
  );
}

/**
 * The previous default on the same library and queries: each query's candidates gathered as searchByText gathers them
 * (the 50 nearest and the 50 best by words, each scored on both signals), ranked by bench/previous-fusion.ts against
 * the same kind of background (256 photos' cosines; N = the library).
 */
async function runPrevious(
  lib: Library,
  set: { images: Float32Array[] },
  queries: { text: string; vector: Float32Array; target: string }[],
) {
  const { previousAdaptive } = await import('./previous-fusion.js');
  const { cosine } = await import('../src/core/scores.js');
  const ranks: number[] = [];
  for (const q of queries) {
    const all = set.images.length;
    const [byVector, byText] = await Promise.all([
      searchByText(lib, '', { vector: q.vector, k: Math.min(all, 1000), folder: '' }),
      searchByText(lib, q.text, { mode: 'text', k: Math.min(all, 1000), folder: '' }).catch(() => ({
        hits: [] as { id: string; textScore?: number | null }[],
      })),
    ]);
    const cos = new Map(byVector.hits.map((h) => [h.id, h.score!]));
    const text = new Map(byText.hits.map((h) => [h.id, h.textScore ?? 0]));
    const pool = [
      ...new Set([...byVector.hits.slice(0, 50).map((h) => h.id), ...byText.hits.slice(0, 50).map((h) => h.id)]),
    ];
    const sample = set.images.slice(0, 256).map((v) => cosine(v, q.vector));
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const std = Math.sqrt(sample.reduce((a, b) => a + (b - mean) ** 2, 0) / (sample.length - 1));
    const order = previousAdaptive(
      pool.map((id) => ({ id, vector: cos.get(id), text: text.get(id) })),
      { mean, std, count: all },
    );
    ranks.push(order.indexOf(q.target));
  }
  const at = (n: number) => ranks.filter((r) => r >= 0 && r < n).length / ranks.length;
  return { r1: at(1), r5: at(5), r10: at(10) };
}

/** Like run(), with each query's real vector given; also the right photo's % when it is first and when it is found. */
async function runVector(
  lib: Library,
  queries: { text: string; vector: Float32Array; target: string }[],
  options: SearchOptions,
) {
  const ranks: number[] = [];
  const first: number[] = [];
  const found: number[] = [];
  const ms: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    const { hits } = await searchByText(lib, q.text, { k: 10, folder: '', vector: q.vector, ...options });
    ms.push(performance.now() - t);
    const r = hits.findIndex((h) => h.id === q.target);
    ranks.push(r);
    if (r === 0) first.push(hits[0].similarity);
    if (r >= 0) found.push(hits[r].similarity);
  }
  const at = (n: number) => ranks.filter((r) => r >= 0 && r < n).length / ranks.length;
  return {
    r1: at(1),
    r5: at(5),
    r10: at(10),
    ms: median(ms),
    pct: { firstMedian: median(first), foundMedian: median(found) },
  };
}

// ---- latency at 10k images: the adaptive default against the old default (weighted) and text only, same run
if (FAMILIES.has(5)) {
  const { insertSynthetic, clusteredSampler } = await import('./synthetic.js');
  const name = 'latency-10k';
  await rm(path.join(WORK, name), { recursive: true, force: true });
  const lib = await openLibrary(env(name));
  await insertSynthetic(lib.db, 10_000, TEST_CLIP_MODEL_ID, clusteredSampler(512, 100));
  // Words to search: each image gets a human caption from coco-mini (cycled).
  const ids = (await lib.db.query<{ id: string }>('select id from images order by id')).map((r) => r.id);
  await lib.db.query(
    `update images set caption = c.caption, caption_source = 'user' from unnest($1::uuid[], $2::text[]) as c(id, caption) where images.id = c.id`,
    [ids, ids.map((_, i) => captionsOf[i % captionsOf.length].captions[0])],
  );
  for (let i = 0; i < ids.length; i += 1000)
    await (lib.store as unknown as { refreshDocs(ids: string[]): Promise<void> }).refreshDocs(ids.slice(i, i + 1000));
  await lib.db.exec('vacuum analyze');
  await lib.close();
  // Searched as a user would after indexing: a fresh process state (PGlite right after a bulk load is slower).
  const searchLib = await openLibrary(env(name));
  const queries = captionsOf.slice(0, 60).map((r) => ({ text: r.captions[1], target: '' }));
  const rows: string[] = [];
  for (const [n, o] of [MODES[0], MODES[4], MODES[1], MODES[2]] as Variant[]) {
    await run(searchLib, queries, o); // warm up: every mode then finds its query embeddings cached
    const { ms } = await run(searchLib, queries, o);
    rows.push(`| ${n} | ${fmt(ms)} |`);
    console.log('latency', n, ms);
  }
  await searchLib.close();
  sections.push(
    `### Latency at 10,000 images (p50 of ${queries.length} caption queries, embedded PGlite)\n\nSynthetic library: 10,000 clustered 512-d vectors of the test CLIP, each image with a coco-mini caption (so the text side has 10k documents). Same run, same queries, each mode after a warm-up pass (query embeddings cached for all: this measures search and fusion, not the text encoder).\n\n| mode | p50 ms |\n|---|---|\n${rows.join('\n')}\n\nBefore (measured once on 2026-12-02 by running the previous default — commit f131415 — over a copy of this same 10k library with the same 60 queries and warm-up): hybrid p50 285 ms, text 282 ms. Its trigram look-up compared the whole query with every document; now only words found in no document are looked up by trigrams, one indexed condition each.`,
  );
}

sections.unshift(await beforeAndAfter(sections));

/**
 * The default's R@ per family before and after, side by side: "before" from the section `ranking-before` of
 * RESULTS.md (the previous default's own bench/ranking.ts, run on the same machine and day from a git worktree of
 * commit e48e33c), "after" from this run; family 6 measures its before in this run (bench/previous-fusion.ts).
 */
async function beforeAndAfter(now: string[]): Promise<string> {
  const results = await readFile(path.join(import.meta.dirname, 'RESULTS.md'), 'utf8').catch(() => '');
  const before = /<!-- bench:ranking-before -->([\s\S]*?)<!-- \/bench:ranking-before -->/.exec(results)?.[1];
  if (!before) return '_No `ranking-before` section in RESULTS.md: before/after not shown._';
  const defaultRow = (text: string, family: number) => {
    const part = text.split(/^### /m).find((p) => p.startsWith(`${family}.`));
    return part && /^\| default \(hybrid, adaptive\) \| ([^\n]*?) \|[^|]*\|$/m.exec(part)?.[1];
  };
  const alphaRows = (text: string) =>
    Object.fromEntries(
      [...(text.split(/^### /m).find((p) => p.startsWith('4.')) ?? '').matchAll(/^\| ([\d.]+) \| ([\d.]+) \|/gm)].map(
        (m) => [m[1], m[2]],
      ),
    );
  const lines: string[] = [];
  const cells = (row: string | undefined) => row?.split(' | ').join(' / ') ?? 'n/a';
  for (const family of [1, 2, 3])
    lines.push(`| ${family} | ${cells(defaultRow(before, family))} | ${cells(defaultRow(now.join('\n'), family))} |`);
  const [a, b] = [alphaRows(before), alphaRows(now.join('\n'))];
  for (const alpha of Object.keys(b)) lines.push(`| 4, α = ${alpha} (R@1) | ${a[alpha] ?? 'n/a'} | ${b[alpha]} |`);
  return `### Before and after: the default mode, families 1–4\n\nBefore: commit e48e33c's own \`bench/ranking.ts\`, run on this machine the same day (its tables are in the section below this one). Family 6 shows its before in its own table (the previous fusion re-ranking the same candidates). Cells: the default's R@ as in each family's table (1: R@1 / R@3 / R@10; 2: R@1 / R@5 / R@10; 3: R@1 / R@3 / R@10).\n\n| family | before | after |\n|---|---|---|\n${lines.join('\n')}`;
}

await writeSection(
  'ranking',
  `## Ranking: query families on the generated test models and on real CLIP outputs, every mode (\`bench/ranking.ts\`)\n\nThe default is adaptive fusion: each signal counts by how far it stands above what chance gives (see README, "How results are ranked"), with constants set on real CLIP outputs (family 6).\n\n${sections.join('\n\n')}`,
);
console.log('written to bench/RESULTS.md');
