/**
 * Hybrid search on coco-mini: one human caption per image is the user's caption, another is the query.
 * The test model knows colours only, so its vector side cannot find objects: modes must rank as documented
 * (text and caption find the images by their words, vector mode ignores words, hybrid mixes by weight).
 * Real OCR (tesseract or PP-OCRv4) makes a scanned form findable by the words in it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { indexPaths } from '../src/app/index-paths.js';
import { reindex } from '../src/app/reindex.js';
import { searchByText, type SearchOptions } from '../src/app/search.js';
import { parseConfig } from '../src/config.js';
import type { Library } from '../src/app/library.js';
import { openLibrary } from '../src/wiring/library.js';
import { COCO, COCO_IMAGES, SHARED, requireShared, tempDir, testEnv } from './support/fixtures.js';

interface CocoRow {
  image: string;
  captions: string[];
}

describe('hybrid search on coco-mini with user captions', () => {
  let lib: Library;
  let rows: CocoRow[];
  const idOf = new Map<string, string>();
  const form = path.join(SHARED, 'datasets/funsd/images');
  let formFile: string;
  let formWord: string;

  before(async () => {
    await requireShared();
    rows = (await readFile(path.join(COCO, 'captions.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const gt = (await readFile(path.join(SHARED, 'datasets/funsd/gt.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    formFile = path.join(form, gt[0].image);
    // A long word of the form, rare in captions: what a person would type to find this document.
    formWord = (gt[0].text as string)
      .split(/[^A-Za-z]+/)
      .filter((w) => w.length >= 8)
      .sort((a, b) => b.length - a.length)[0]
      .toLowerCase();
    lib = await openLibrary(parseConfig({ ...(await testEnv(path.join(await tempDir(), 'data'))), LOUPE_OCR: 'auto' }));
    const summary = await indexPaths(lib, [...rows.map((r) => path.join(COCO_IMAGES, r.image)), formFile]);
    assert.equal(summary.indexed, rows.length + 1);
    for (const r of rows) {
      const [hit] = await lib.store.textSearch({ text: r.image.replace('.jpg', ''), limit: 1, fields: ['name'] });
      idOf.set(r.image, hit.imageId);
      await lib.store.updateImage(hit.imageId, { caption: r.captions[0] });
    }
  });
  after(() => lib?.close());

  async function recallAt5(options: SearchOptions) {
    let found = 0;
    for (const r of rows) {
      const { hits } = await searchByText(lib, r.captions[1], { k: 5, folder: '', ...options });
      if (hits.some((h) => h.id === idOf.get(r.image))) found++;
    }
    return found / rows.length;
  }

  it('text and caption modes find images by their captions; vector mode ignores words; hybrid follows its weights', async () => {
    const text = await recallAt5({ mode: 'text' });
    const caption = await recallAt5({ mode: 'caption' });
    const vector = await recallAt5({ mode: 'vector' });
    const textHeavy = await recallAt5({ mode: 'hybrid', fusion: { weights: { vector: 0.3, text: 0.7 } } });
    const textOnlyWeights = await recallAt5({ mode: 'hybrid', fusion: { weights: { vector: 0, text: 1 } } });
    const vectorOnlyWeights = await recallAt5({ mode: 'hybrid', fusion: { weights: { vector: 1, text: 0 } } });
    assert.ok(text >= 0.65, `text R@5 ${text}`);
    assert.ok(caption >= 0.65, `caption R@5 ${caption}`);
    assert.ok(vector <= 0.15, `vector R@5 ${vector}: the colour model cannot find objects`);
    assert.ok(textHeavy >= 0.6 && textHeavy > vector, `hybrid 0.3/0.7 R@5 ${textHeavy}`);
    assert.ok(Math.abs(textOnlyWeights - text) <= 0.02, `hybrid 0/1 ${textOnlyWeights} ≈ text ${text}`);
    assert.ok(vectorOnlyWeights <= 0.2, `hybrid 1/0 ${vectorOnlyWeights} ranks by vectors only`);
  });

  it('explains each result: cosine, text score, fused score and matched fields', async () => {
    const r = rows[3];
    const { hits, applied } = await searchByText(lib, r.captions[1], { k: 5, folder: '' });
    assert.equal(applied.mode, 'hybrid');
    for (const h of hits) {
      assert.equal(typeof h.fused, 'number');
      assert.ok(h.score === null || (h.score >= -1 && h.score <= 1));
      if (h.textScore !== null) assert.ok(h.matched!.length > 0, 'a text score says what it matched');
    }
    const words = await searchByText(lib, 'giraffe', { k: 3, mode: 'text', folder: '' });
    assert.ok(words.hits.length > 0);
    assert.deepEqual(words.hits[0].matched, ['caption']);
  });

  it('excludes words, filters by tag, and finds partial words', async () => {
    const dogs = await searchByText(lib, 'dog', { k: 50, mode: 'text', folder: '' });
    const captionOf = async (id: string) => (await lib.store.getImages([id]))[0].caption!.toLowerCase();
    const withFrisbee: string[] = [];
    for (const h of dogs.hits) if ((await captionOf(h.id)).includes('frisbee')) withFrisbee.push(h.id);
    assert.ok(dogs.hits.length >= 3 && withFrisbee.length >= 1, 'data has dogs, some with a frisbee');
    const noFrisbee = await searchByText(lib, 'dog -frisbee', { k: 50, mode: 'text', folder: '' });
    assert.equal(noFrisbee.hits.length, dogs.hits.length - withFrisbee.length);
    for (const h of noFrisbee.hits) assert.ok(!(await captionOf(h.id)).includes('frisbee'));
    const hybridNoFrisbee = await searchByText(lib, 'dog -frisbee', { k: 50, folder: '' });
    assert.ok(
      hybridNoFrisbee.hits.every((h) => !withFrisbee.includes(h.id)),
      'exclusions hold for vector finds too',
    );

    const tagged = dogs.hits.slice(0, 2).map((h) => h.id);
    for (const id of tagged) await lib.store.updateImage(id, { tags: ['favourite'] });
    const fav = await searchByText(lib, 'dog tag:favourite', { k: 10, folder: '' });
    assert.deepEqual(fav.hits.map((h) => h.id).sort(), [...tagged].sort());

    const partial = await searchByText(lib, 'girafe', { k: 3, mode: 'text', folder: '' }); // misspelt
    assert.ok(partial.hits.length > 0, 'trigram similarity finds a misspelt word');
    assert.match(await captionOf(partial.hits[0].id), /giraffe/);
  });

  it('caption embeddings give text-to-text semantic search (caption mode), beside words', async () => {
    const words = await recallAt5({ mode: 'caption' });
    const report = await reindex(lib, { only: ['text-embedding'] });
    assert.equal(report['text-embedding'].model, 'local/loupe/test-text-bow');
    assert.equal(report['text-embedding'].ok, rows.length, 'every captioned image gets a caption vector');
    const semantic = await recallAt5({ mode: 'caption' });
    const { applied } = await searchByText(lib, rows[0].captions[1], { mode: 'caption', folder: '' });
    assert.equal(applied.model, 'local/loupe/test-text-bow');
    assert.ok(applied.fusion, 'caption vectors and caption words are fused');
    const vectorsOnly = await recallAt5({ mode: 'caption', fusion: { weights: { vector: 1, text: 0 } } });
    // Measured: words only ~0.74, fused ~0.70, caption vectors alone ~0.6 (a bag-of-words test model; MiniLM does better).
    assert.ok(semantic >= 0.65, `caption mode R@5 fused ${semantic} (words only ${words})`);
    assert.ok(
      vectorsOnly >= 0.5,
      `caption vectors alone R@5 ${vectorsOnly}: text-to-text search works without CLIP or words`,
    );
  });

  it('reads the text in a scanned form (real OCR) and finds it by a word in it, with has:text', async () => {
    const dry = await reindex(lib, { only: ['ocr'], dryRun: true, limit: 1000 });
    assert.equal(dry.ocr.planned, rows.length + 1, 'every image still needs OCR');
    const formId = (
      await lib.store.textSearch({ text: path.basename(formFile, '.png'), limit: 1, fields: ['name'] })
    )[0].imageId;
    const ocr = await reindex(lib, { only: ['ocr'], imageIds: [formId] });
    assert.equal(ocr.ocr.unavailable, undefined, 'an OCR engine is available (tesseract, or PP-OCRv4 from npm)');
    assert.equal(ocr.ocr.ok, 1);
    const [form] = await lib.store.getImages([formId]);
    assert.ok((form.ocrText ?? '').length > 200, 'the form has plenty of text');
    assert.equal(form.analyzed.ocr.status, 'ok');

    const found = await searchByText(lib, formWord, { k: 3, mode: 'text', folder: '' });
    assert.equal(found.hits[0]?.id, formId, `"${formWord}" finds the form`);
    assert.ok(found.hits[0].matched!.includes('ocr'));
    const hasText = await searchByText(lib, `${formWord} has:text`, { k: 10, folder: '' });
    assert.deepEqual(
      hasText.hits.map((h) => h.id),
      [formId],
      'has:text keeps only images with text in them',
    );
    const again = await reindex(lib, { only: ['ocr'], imageIds: [formId] });
    assert.equal(again.ocr.planned, 0, 'done images are skipped unless forced');
  });

  it('falls back from CLIP to caption embeddings to words, and says so', async () => {
    const dataDir = lib.config.dataDir;
    await lib.close();
    const env = await testEnv(dataDir);
    lib = await openLibrary(parseConfig({ ...env, LOUPE_CLIP_MODEL: 'missing/clip-model' }));
    const query = rows[5].captions[1];
    const noClip = await searchByText(lib, query, { folder: '' });
    assert.match(noClip.applied.fallback ?? '', /CLIP not used: model missing\/clip-model is not available offline/);
    assert.equal(noClip.applied.model, 'local/loupe/test-text-bow', 'caption embeddings took the vector side');
    assert.ok(noClip.hits.length > 0);
    await lib.close();
    lib = await openLibrary(
      parseConfig({ ...env, LOUPE_CLIP_MODEL: 'missing/clip-model', LOUPE_TEXT_EMBEDDER: 'off' }),
    );
    const wordsOnly = await searchByText(lib, query, { folder: '' });
    assert.match(wordsOnly.applied.fallback ?? '', /caption embeddings not used: .*text embeddings are off/);
    assert.equal(wordsOnly.applied.fusion, undefined);
    assert.ok(
      wordsOnly.hits.length > 0 && wordsOnly.hits.every((h) => h.score === null),
      'words only: no vector scores',
    );
    await assert.rejects(searchByText(lib, query, { mode: 'vector', folder: '' }), { code: 'MODEL_MISSING_OFFLINE' });
  });
});
