/**
 * The default ranking end to end through the `loupe` binary (issue "never worse than its best signal"):
 * text in scanned forms (real OCR), paraphrased captions on real photos, and similarity that means the same
 * across queries, with the --min-similarity cutoff.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseConfig } from '../src/config.js';
import { searchByText } from '../src/app/search.js';
import type { SearchMode } from '../src/core/hybrid.js';
import type { SearchHit } from '../src/core/types.js';
import { openLibrary } from '../src/wiring/library.js';
import {
  COCO,
  COCO_IMAGES,
  SHARED,
  colourImage,
  requireShared,
  runJson,
  tempDir,
  testEnv,
} from './support/fixtures.js';

const FUNSD = path.join(SHARED, 'datasets/funsd');
const search = (env: NodeJS.ProcessEnv, args: string[]) =>
  runJson<SearchHit[]>(['search', ...args, '--folder', ''], env);

/**
 * Dozens of queries on a library the binary indexed, asked in process (a CLI start costs a second each). The first
 * query also goes through the binary, which must answer the same hits in the same order.
 */
async function searcher(env: NodeJS.ProcessEnv, first: { query: string; k: number; mode?: SearchMode }) {
  const viaCli = await search(env, [
    first.query,
    '--k',
    String(first.k),
    ...(first.mode ? ['--mode', first.mode] : []),
  ]);
  const lib = await openLibrary(parseConfig(env));
  const ask = async (query: string, k: number, mode?: SearchMode) =>
    (await searchByText(lib, query, { k, folder: '', ...(mode ? { mode } : {}) })).hits;
  assert.deepEqual(
    (await ask(first.query, first.k, first.mode)).map((h) => [h.id, h.similarity]),
    viaCli.map((h) => [h.id, h.similarity]),
    'the binary and the library agree',
  );
  return { ask, close: () => lib.close() };
}

describe('default ranking, end to end', () => {
  before(requireShared);

  it('puts the form holding a distinctive printed word first, as text mode does (real OCR)', async () => {
    const gt: { image: string; text: string }[] = (await readFile(path.join(FUNSD, 'gt.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .slice(0, 4);
    const root = await tempDir();
    const forms = path.join(root, 'forms');
    await mkdir(forms);
    for (const g of gt) await copyFile(path.join(FUNSD, 'images', g.image), path.join(forms, g.image));
    const env = await testEnv(path.join(root, 'data'), { LOUPE_OCR: 'auto' });
    await runJson(['index', forms], env);
    const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]{6,}/g) ?? []);
    const distinctive = gt.map((g) => {
      const others = gt.filter((o) => o !== g).flatMap((o) => [...words(o.text)]);
      return { g, words: [...words(g.text)].filter((x) => !others.includes(x)).slice(0, 6) };
    });
    const { ask, close } = await searcher(env, { query: distinctive[0].words[0], k: 3 });
    let checked = 0;
    try {
      for (const { g, words: ws } of distinctive) {
        for (const w of ws) {
          const text = await ask(w, 3, 'text');
          if (path.basename(text[0]?.path ?? '') !== g.image) continue; // OCR did not read it: nothing to compare
          const def = await ask(w, 3);
          assert.equal(path.basename(def[0].path), g.image, `"${w}": the default mode puts its form first`);
          assert.ok((def[0].textScore ?? 0) > 0.3, 'and the words in the image are what counted');
          checked++;
        }
      }
    } finally {
      await close();
    }
    assert.ok(checked >= 6, `compared ${checked} words (at least 6 needed)`);
  });

  it("finds a photo from another person's description of it, in the top 3, at least as often as text mode", async () => {
    const rows: { image: string; captions: string[] }[] = (await readFile(path.join(COCO, 'captions.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .slice(0, 40);
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    for (const r of rows) await copyFile(path.join(COCO_IMAGES, r.image), path.join(photos, r.image));
    const env = await testEnv(path.join(root, 'data'));
    await runJson(['index', photos], env);
    const lib = await openLibrary(parseConfig(env));
    for (const item of (await lib.store.listImages({ limit: 100 })).items) {
      const row = rows.find((r) => item.paths[0].path.endsWith(r.image))!;
      await lib.store.updateImage(item.id, { caption: row.captions[0] });
    }
    await lib.close();
    await runJson(['reindex', '--only', 'text-embedding'], env);
    let def = 0;
    let text = 0;
    const { ask, close } = await searcher(env, { query: rows[0].captions[1], k: 3 });
    try {
      for (const r of rows.slice(0, 20)) {
        const inTop3 = (hits: { path: string }[]) => hits.slice(0, 3).some((h) => h.path.endsWith(r.image));
        if (inTop3(await ask(r.captions[1], 3))) def++;
        if (inTop3(await ask(r.captions[1], 3, 'text'))) text++;
      }
      assert.ok(def >= 10, `default: ${def} of 20 in the top 3`);
      assert.ok(def >= text, `default ${def} ≥ text ${text}`);
      // Not every word must match: "a red bus" finds what is captioned "a red picture".
      const one = await ask(`${rows[0].captions[0].split(' ').slice(-2).join(' ')} zebrafish`, 5, 'text');
      assert.ok(
        one.some((h) => h.path.endsWith(rows[0].image)),
        'a query with a word no caption has still finds the photo by its other words',
      );
    } finally {
      await close();
    }
  });

  it('runs the text encoder once per query text, however often the query is searched or paged', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    for (const c of ['red', 'teal']) await writeFile(path.join(photos, `${c}.jpg`), await colourImage(c));
    let encoded = 0;
    const lib = await openLibrary(parseConfig(await testEnv(path.join(root, 'data'))), {
      wrapClip: (clip) => ({
        ...clip,
        model: clip.model,
        embedImages: clip.embedImages.bind(clip),
        dispose: clip.dispose.bind(clip),
        embedTexts: (t: string[]) => ((encoded += t.length), clip.embedTexts(t)),
      }),
    });
    try {
      const { indexPaths } = await import('../src/app/index-paths.js');
      const { searchByText } = await import('../src/app/search.js');
      await indexPaths(lib, [photos]);
      const first = await searchByText(lib, 'crimson things', { k: 1, folder: '' });
      await searchByText(lib, 'crimson things', { k: 2, folder: '' });
      await searchByText(lib, 'crimson things', { k: 1, folder: '', mode: 'vector' });
      assert.equal(encoded, 1);
      await searchByText(lib, 'teal things', { k: 1, folder: '' });
      assert.equal(encoded, 2);
      assert.ok(first.hits[0].path.endsWith('red.jpg'));
    } finally {
      await lib.close();
    }
  });

  it('shows low similarity for a colour that is not in the library, and --min-similarity removes it', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    // Neutral names: only the pictures themselves say what colour they are.
    for (const [i, c] of ['red', 'green', 'blue', 'yellow'].entries())
      await writeFile(path.join(photos, `card-${i}.jpg`), await colourImage(c));
    for (const f of (await readdir(COCO_IMAGES)).sort().slice(0, 20))
      await copyFile(path.join(COCO_IMAGES, f), path.join(photos, f));
    const env = await testEnv(path.join(root, 'data'));
    await runJson(['index', photos], env);
    const red = await search(env, ['red', '--k', '3']);
    assert.equal(path.basename(red[0].path), 'card-0.jpg');
    const purple = await search(env, ['purple', '--k', '3']);
    assert.ok(red[0].similarity >= 40, `a strong match shows high: ${red[0].similarity}%`);
    assert.ok(purple.length === 0 || purple[0].similarity < 20, `nothing purple shows low: ${purple[0]?.similarity}%`);
    assert.ok(red[0].similarity > (purple[0]?.similarity ?? 0) + 25);
    assert.deepEqual(await search(env, ['purple', '--min-similarity', '30']), []);
    assert.equal(path.basename((await search(env, ['red', '--min-similarity', '30']))[0].path), 'card-0.jpg');
  });
});
