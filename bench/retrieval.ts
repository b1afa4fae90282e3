/**
 * Text-to-image retrieval on coco-mini: each image's first human caption is stored as the user's caption,
 * its second caption is the query; Recall@1/5/10 per search mode. Run: node --import tsx bench/retrieval.ts
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { indexPaths } from '../src/app/index-paths.js';
import { searchByText, type SearchOptions } from '../src/app/search.js';
import { parseConfig } from '../src/config.js';
import { openLibrary } from '../src/wiring/library.js';
import { TEST_CLIP_MODEL_ID, writeTestClipModel } from '../src/models/test-clip-model.js';
import { TEST_TEXT_MODEL_ID, writeTestTextModel } from '../src/models/test-text-model.js';
import { reindex } from '../src/app/reindex.js';
import { fmt, writeSection } from './report.js';

const COCO = path.resolve(import.meta.dirname, '../../shared/datasets/coco-mini');
const WORK = path.resolve(import.meta.dirname, '.work/retrieval');
await rm(WORK, { recursive: true, force: true });
await writeTestClipModel(path.join(WORK, 'models'));
await writeTestTextModel(path.join(WORK, 'models'));
const rows: { image: string; captions: string[] }[] = (await readFile(path.join(COCO, 'captions.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const lib = await openLibrary(
  parseConfig({
    ...process.env,
    LOUPE_DATA_DIR: path.join(WORK, 'data'),
    LOUPE_MODELS_DIR: path.join(WORK, 'models'),
    LOUPE_CLIP_MODEL: TEST_CLIP_MODEL_ID,
    LOUPE_TEXT_EMBED_LOCAL_MODEL: TEST_TEXT_MODEL_ID,
    LOUPE_OCR: 'off',
  }),
);
await indexPaths(
  lib,
  rows.map((r) => path.join(COCO, 'images', r.image)),
);
const idOf = new Map<string, string>();
for (const r of rows) {
  const [hit] = await lib.store.textSearch({ text: r.image.replace('.jpg', ''), limit: 1, fields: ['name'] });
  idOf.set(r.image, hit.imageId);
  await lib.store.updateImage(hit.imageId, { caption: r.captions[0] });
}
await reindex(lib, { only: ['text-embedding'] });

const variants: [string, SearchOptions][] = [
  ['text (full text over captions, OCR, tags, names)', { mode: 'text' }],
  ['caption: caption vectors + caption words (adaptive)', { mode: 'caption' }],
  [
    'caption vectors only (generated bag-of-words embedder, not MiniLM)',
    { mode: 'caption', fusion: { weights: { vector: 1, text: 0 } } },
  ],
  ['vector (test model: colour only — a floor, not CLIP)', { mode: 'vector' }],
  ['hybrid, adaptive (default)', { mode: 'hybrid' }],
  [
    'hybrid, weighted 0.7 / 0.3 (previous default)',
    { mode: 'hybrid', fusion: { mode: 'weighted', weights: { vector: 0.7, text: 0.3 } } },
  ],
  ['hybrid, weighted 0.3 / 0.7', { mode: 'hybrid', fusion: { weights: { vector: 0.3, text: 0.7 } } }],
  ['hybrid, RRF 1 / 1', { mode: 'hybrid', fusion: { mode: 'rrf', weights: { vector: 1, text: 1 } } }],
];
const table: string[] = [];
for (const [name, options] of variants) {
  const at = { 1: 0, 5: 0, 10: 0 };
  const t = performance.now();
  for (const r of rows) {
    const { hits } = await searchByText(lib, r.captions[1], { k: 10, folder: '', ...options });
    const rank = hits.findIndex((h) => h.id === idOf.get(r.image));
    if (rank === 0) at[1]++;
    if (rank >= 0 && rank < 5) at[5]++;
    if (rank >= 0) at[10]++;
  }
  const ms = (performance.now() - t) / rows.length;
  table.push(
    `| ${name} | ${fmt(at[1] / rows.length, 3)} | ${fmt(at[5] / rows.length, 3)} | ${fmt(at[10] / rows.length, 3)} | ${fmt(ms)} |`,
  );
  console.log(table.at(-1));
}
await lib.close();

await writeSection(
  'retrieval',
  `## Text-to-image retrieval on coco-mini (${rows.length} images)

Method: each image's first human caption is stored as its user caption; its second caption is the query (different people's words for the same photo); Recall@k = share of queries whose image is in the top k. Embedded PGlite, English text search configuration, no OCR. The models available here are generated: a colour-only CLIP-shaped model (so the vector row is a floor, not CLIP) and a bag-of-words sentence embedder standing in for MiniLM (caption vectors). With real CLIP and MiniLM the vector, hybrid and caption rows would rise.

| mode | R@1 | R@5 | R@10 | ms/query |
|---|---|---|---|---|
${table.join('\n')}

With an uninformative vector side, the previous hybrid fusion (min–max per query, 0.7 vector weight) lost to text-only by weighting noise. The adaptive default counts the vector side only as far as it stands above chance (bench/ranking.ts has the four query families).`,
);
