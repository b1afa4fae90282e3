/**
 * Object labels from the real NanoDet-m weights (../shared/models/nanodet-m): found in real COCO photos,
 * stored beside (never over) the user's tags, and searchable by words, by tag: and in hybrid search.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NANODET_FILE, NanoDetLabeler } from '../src/adapters/onnx/nanodet-labeler.js';
import { COCO, COCO_IMAGES, SHARED, requireShared, runJson, tempDir, testEnv } from './support/fixtures.js';
import { jsonBody, startTestServer, type TestServer } from './support/server.js';

/** The first coco-mini photos that at least 4 of 5 captions describe with this word (chosen by the data, not by hand). */
async function photosOf(word: string, n = 1): Promise<string[]> {
  const lines = (await readFile(path.join(COCO, 'captions.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { image: string; captions: string[] });
  const re = new RegExp(`\\b${word}s?\\b`, 'i');
  return lines
    .filter((l) => l.captions.filter((c) => re.test(c)).length >= 4)
    .slice(0, n)
    .map((l) => l.image);
}

describe('object labels from NanoDet-m (real weights)', () => {
  let labeler: NanoDetLabeler;
  before(async () => {
    await requireShared();
    labeler = await NanoDetLabeler.load({
      modelFile: path.join(SHARED, 'models/nanodet-m', NANODET_FILE),
      minConfidence: 0.4,
    });
  });
  after(() => labeler?.dispose());

  for (const word of ['dog', 'bus', 'person'])
    it(`labels a coco-mini photo of a ${word} with "${word}"`, async () => {
      const [photo] = await photosOf(word === 'person' ? 'man' : word);
      assert.ok(photo, `coco-mini has a photo whose captions say ${word}`);
      const labels = await labeler.label(await readFile(path.join(COCO_IMAGES, photo)));
      assert.ok(
        labels.some((l) => l.label === word),
        `${photo}: ${JSON.stringify(labels)}`,
      );
      assert.ok(labels.every((l) => l.confidence >= 0.4 && l.confidence <= 1));
      for (let i = 1; i < labels.length; i++) assert.ok(labels[i].confidence <= labels[i - 1].confidence, 'best first');
    });

  it('maps detector names to everyday words and keeps both', async () => {
    const tables = await photosOf('table', 3);
    const all = (
      await Promise.all(tables.map(async (p) => labeler.label(await readFile(path.join(COCO_IMAGES, p)))))
    ).flat();
    const table = all.find((l) => l.raw === 'diningtable');
    assert.ok(table, `a dining table is found in one of ${tables.join(', ')}: ${JSON.stringify(all)}`);
    assert.equal(table.label, 'table');
  });

  it('finds no object in a flat grey picture', async () => {
    const { default: sharp } = await import('sharp');
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    assert.deepEqual(await labeler.label(grey), []);
  });
});

describe('labels in the library: searchable, never over the user’s tags', () => {
  let server: TestServer;
  let dogPhoto: string;
  before(async () => {
    await requireShared();
    const dir = path.join(await tempDir(), 'photos');
    await mkdir(dir);
    [dogPhoto] = await photosOf('dog');
    const [bus] = await photosOf('bus');
    const others = ['000000000139.jpg', '000000054718.jpg'].filter((p) => p !== dogPhoto && p !== bus);
    for (const p of [dogPhoto, bus, ...others]) await copyFile(path.join(COCO_IMAGES, p), path.join(dir, p));
    const dataDir = path.join(path.dirname(dir), 'data');
    const env = await testEnv(dataDir, { LOUPE_LABELS: 'auto' });
    const summary = await runJson<{
      labels: { model: string; ok: number };
      labelled: { model: string; ok: number; empty: number };
      passes: { pass: string }[];
    }>(['index', dir], env);
    assert.equal(summary.labels.model, 'nanodet/nanodet-m');
    assert.ok(summary.labels.ok >= 2);
    // Made from the decode the CLIP pass did: no second read and decode of each photo in a labels pass.
    assert.equal(summary.labelled.ok + summary.labelled.empty, 4);
    assert.ok(!summary.passes.some((p) => p.pass === 'labels'), 'no separate labels pass');
    server = await startTestServer({ LOUPE_LABELS: 'auto' }, dataDir);
  });
  after(() => server?.stop());

  const search = async (body: unknown) => {
    const res = await fetch(`${server.url}/api/v1/images/search`, jsonBody(body));
    assert.equal(res.status, 200);
    return ((await res.json()) as { results: { id: string; filename: string; explain?: { matched: string[] } }[] })
      .results;
  };

  it('finds the dog photo by tag:dog and by the word, with labels as the matched field', async () => {
    assert.deepEqual(
      (await search({ query: 'tag:dog' })).map((r) => r.filename),
      [dogPhoto],
    );
    const words = await search({ query: 'dog', mode: 'text' });
    assert.equal(words[0]?.filename, dogPhoto);
    assert.ok(words[0].explain?.matched.includes('labels'), JSON.stringify(words[0]));
    assert.equal((await search({ query: 'dog' }))[0]?.filename, dogPhoto, 'and first in the default hybrid search');
  });

  it('keeps the user’s own tags when labels are written again', async () => {
    const [hit] = await search({ query: 'tag:dog' });
    const patched = await fetch(
      `${server.url}/api/v1/images/${hit.id}`,
      jsonBody({ tags: ['Rex', 'holiday'] }, 'PATCH'),
    );
    assert.equal(patched.status, 200);
    const { reindex } = await import('../src/app/reindex.js');
    const report = await reindex(server.lib, { only: ['labels'], imageIds: [hit.id], force: true });
    assert.equal(report.labels.ok, 1);
    const image = (await (await fetch(`${server.url}/api/v1/images/${hit.id}`)).json()) as {
      tags: string[];
      labels: { label: string; raw: string; confidence: number }[];
    };
    assert.deepEqual(image.tags, ['Rex', 'holiday']);
    assert.ok(image.labels.some((l) => l.label === 'dog'));
    assert.deepEqual(
      (await search({ query: 'tag:rex' })).map((r) => r.id),
      [hit.id],
      'user tags match whatever their case',
    );
    assert.deepEqual(
      (await search({ query: 'tag:dog' })).map((r) => r.id),
      [hit.id],
      'labels still match',
    );
  });
});

describe('one decode of the original serves the passes', () => {
  it('labels and the look for text read the stored 480 px thumbnail: a photo whose original is gone still gets both', async () => {
    await requireShared();
    const { rename } = await import('node:fs/promises');
    const { openLibrary } = await import('../src/wiring/library.js');
    const { parseConfig } = await import('../src/config.js');
    const { reindex } = await import('../src/app/reindex.js');
    const root = await tempDir();
    const dir = path.join(root, 'photos');
    await mkdir(dir);
    const [dog] = await photosOf('dog');
    await copyFile(path.join(COCO_IMAGES, dog), path.join(dir, dog));
    const env = await testEnv(path.join(root, 'data'), { LOUPE_LABELS: 'off' });
    await runJson(['index', dir], env);
    // The original is gone: only the thumbnail written at indexing is left.
    await rename(dir, `${dir}-moved`);
    const lib = await openLibrary(parseConfig({ ...env, LOUPE_LABELS: 'auto', LOUPE_OCR: 'ppocr' }));
    try {
      const report = await reindex(lib, { only: ['labels', 'ocr'], force: true });
      assert.deepEqual(report.labels.failed, [], 'labels read the thumbnail');
      assert.equal(report.labels.ok, 1);
      assert.deepEqual(report.ocr.failed, [], 'the look for text read the thumbnail and found none');
      assert.equal(report.ocr.empty, 1);
      const [image] = (await lib.store.listImages({ folder: null, limit: 1, cursor: null })).items;
      assert.ok((await lib.store.getImages([image.id]))[0].labels.some((l) => l.label === 'dog'));
    } finally {
      await lib.close();
    }
  });
});
