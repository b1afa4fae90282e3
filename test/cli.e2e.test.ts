/**
 * End to end through the `loupe` binary on real COCO photos with the generated test model:
 * index, search (text, image, similar), folders, duplicates, stats, incremental re-index, bad input.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { IndexSummary, SearchHit } from '../src/core/types.js';
import type { DuplicateGroup } from '../src/core/duplicate-groups.js';
import {
  COCO_IMAGES,
  colourImage,
  hugePngHeader,
  requireShared,
  runCli,
  runJson,
  tempDir,
  testEnv,
  testModelsDir,
} from './support/fixtures.js';
import { dump } from 'npyjs';
import { TransformersClip } from '../src/adapters/transformers/clip-embedder.js';
import { TEST_CLIP_MODEL_ID } from '../src/testing.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white'];

describe('loupe CLI end to end', () => {
  let lib: string;
  let env: NodeJS.ProcessEnv;
  let cocoFiles: string[];
  const badFiles = ['truncated.jpg', 'notes.jpg', 'empty.jpg', 'bomb.png', 'unreadable.jpg'];

  before(async () => {
    await requireShared();
    const root = await tempDir();
    lib = path.join(root, 'photos');
    env = await testEnv(path.join(root, 'data'));
    cocoFiles = (await readdir(COCO_IMAGES)).sort().slice(0, 20);
    for (const dir of ['animals', 'nature', 'colours', 'copies', 'bad'])
      await mkdir(path.join(lib, dir), { recursive: true });
    for (const [i, f] of cocoFiles.entries())
      await copyFile(path.join(COCO_IMAGES, f), path.join(lib, i < 10 ? 'animals' : 'nature', f));
    for (const c of COLOURS) await writeFile(path.join(lib, 'colours', `${c}.jpg`), await colourImage(c));
    // An exact copy and a resized, re-encoded copy of the first photo.
    await copyFile(path.join(COCO_IMAGES, cocoFiles[0]), path.join(lib, 'copies', 'copy.jpg'));
    await sharp(path.join(COCO_IMAGES, cocoFiles[0]))
      .resize(320)
      .jpeg({ quality: 70 })
      .toFile(path.join(lib, 'copies', 'small.jpg'));
    // Bad input: each must be reported, none may stop the run.
    const jpeg = await sharp(path.join(COCO_IMAGES, cocoFiles[1])).toBuffer();
    await writeFile(path.join(lib, 'bad', 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await writeFile(path.join(lib, 'bad', 'notes.jpg'), 'these are my notes, not a picture\n'.repeat(10));
    await writeFile(path.join(lib, 'bad', 'empty.jpg'), '');
    await writeFile(path.join(lib, 'bad', 'bomb.png'), hugePngHeader(50000, 50000));
    if (process.getuid?.() === 0)
      await symlink(path.join(lib, 'bad', 'gone.jpg'), path.join(lib, 'bad', 'unreadable.jpg')); // root reads anything: a dangling link stands in
    else {
      await writeFile(path.join(lib, 'bad', 'unreadable.jpg'), jpeg);
      await chmod(path.join(lib, 'bad', 'unreadable.jpg'), 0);
    }
    await writeFile(path.join(lib, 'bad', 'readme.txt'), 'not an image and not named like one: ignored');
  });

  const search = (args: string[]) => runJson<SearchHit[]>(['search', ...args], env);

  it('indexes a folder tree, reporting each bad file with its reason and going on', async () => {
    const summary = await runJson<IndexSummary>(['index', lib], env);
    assert.equal(summary.indexed, 20 + COLOURS.length + 1, 'photos, colour pictures and the resized copy');
    assert.equal(summary.duplicates, 1, 'the exact copy is stored once');
    assert.deepEqual(summary.failed.map((f) => path.basename(f.path)).sort(), [...badFiles].sort());
    const byName = Object.fromEntries(summary.failed.map((f) => [path.basename(f.path), f]));
    assert.equal(byName['truncated.jpg'].code, 'UNDECODABLE');
    assert.equal(byName['notes.jpg'].code, 'NOT_AN_IMAGE');
    assert.equal(byName['empty.jpg'].code, 'EMPTY_FILE');
    assert.equal(byName['bomb.png'].code, 'TOO_MANY_PIXELS');
    assert.equal(byName['unreadable.jpg'].code, 'UNREADABLE');
    for (const f of summary.failed) assert.ok(f.error.includes(f.path), `error names the file: ${f.error}`);
    // Per-pass timings: the CLIP pass, then the text-embedding pass (OCR is off in these tests).
    const passes = (
      summary as unknown as { passes: { pass: string; images: number; seconds: number; imagesPerSecond: number }[] }
    ).passes;
    assert.equal(passes[0].pass, 'clip');
    assert.equal(passes[0].images, summary.indexed);
    assert.ok(passes[0].seconds > 0);
    assert.ok(
      Math.abs(passes[0].imagesPerSecond - passes[0].images / passes[0].seconds) <
        0.2 + passes[0].imagesPerSecond * 0.02,
    );
    assert.ok(!passes.some((p) => p.pass === 'ocr'), 'no OCR pass when OCR is off');
    // What index did is recorded: reindex plans no CLIP work on a freshly indexed library.
    const plan = await runJson<Record<string, { planned: number }>>(['reindex', '--dry-run'], env);
    assert.equal(plan.clip.planned, 0, JSON.stringify(plan));
  });

  it('ranks the picture of the named colour first', async () => {
    for (const c of COLOURS) {
      const [top] = await search([c, '--k', '3']);
      assert.equal(path.basename(top.path), `${c}.jpg`, `"${c}"`);
      assert.equal(top.folder, 'colours');
    }
    // Unquoted words are one query, as people type them.
    const [unquoted] = await search(['a', 'photo', 'of', 'a', 'blue', 'car', '--k', '1']);
    assert.equal(path.basename(unquoted.path), 'blue.jpg');
    const [car] = await search(['a photo of a blue car', '--k', '1']);
    assert.equal(path.basename(car.path), 'blue.jpg');
  });

  it('prints results with id, path, folder, score, similarity and distance, best first', async () => {
    const hits = await search(['yellow', '--k', '5']);
    assert.equal(hits.length, 5);
    for (const h of hits) {
      for (const key of ['distance', 'folder', 'id', 'path', 'score', 'similarity']) assert.ok(key in h, key);
      assert.ok(Math.abs(h.score! - (1 - h.distance!)) < 1e-9);
      assert.ok(h.similarity >= 0 && h.similarity <= 100);
    }
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].similarity >= hits[i].similarity);
    const human = await runCli(['search', 'yellow', '--k', '2'], env);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /yellow\.jpg/);
    assert.match(human.stdout, /\d+\.\d%/);
  });

  it('searches by an image file (indexed or not) and by base64', async () => {
    const [same] = await search(['--image', path.join(lib, 'colours', 'green.jpg'), '--k', '1']);
    assert.equal(path.basename(same.path), 'green.jpg');
    assert.ok(same.similarity > 99);
    const fresh = path.join(await tempDir(), 'query.png');
    await writeFile(fresh, await colourImage('yellow', 'png', [200, 300]));
    const [byFile] = await search(['--image', fresh, '--k', '1']);
    assert.equal(path.basename(byFile.path), 'yellow.jpg');
    const b64 = (await colourImage('black', 'png')).toString('base64');
    const [byBase64] = await search(['--image', `data:image/png;base64,${b64}`, '--k', '1']);
    assert.equal(path.basename(byBase64.path), 'black.jpg');
  });

  it('searches by a query vector from a JSON or .npy file, alone or with words; a bad vector file is a usage error that says what to fix', async () => {
    const clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
    const [green] = await clip.embedTexts(['green']);
    await clip.dispose();
    const dir = await tempDir();
    const file = (name: string, data: string | Buffer) =>
      writeFile(path.join(dir, name), data).then(() => path.join(dir, name));
    const json = await file('green.json', JSON.stringify(Array.from(green, (x) => x * 2)));
    const npy = await file('green.npy', Buffer.from(dump(Float32Array.from(green), [1, green.length])));
    for (const source of [json, npy]) {
      const [top] = await search(['--vector', source, '--k', '3']);
      assert.equal(path.basename(top.path), 'green.jpg', source);
    }
    const [withWords] = await search(['green', '--vector', json, '--folder', 'colours', '--k', '1']);
    assert.equal(path.basename(withWords.path), 'green.jpg');
    const bad: [string, RegExp][] = [
      [await file('short.json', '[0.1, 0.2, 0.3]'), /has 3 numbers, but .* vectors have 512/],
      [await file('words.json', '{"vector": "green"}'), /JSON must be an array of numbers/],
      [await file('nan.json', JSON.stringify([...Array.from(green).slice(1), 'NaN'])), /must be a finite number/],
      [await file('prose.json', 'green, please'), /neither a \.npy file nor JSON/],
      [
        await file('two-rows.npy', Buffer.from(dump(new Float32Array(green.length * 2), [2, green.length]))),
        /must be one row/,
      ],
    ];
    for (const [source, message] of bad) {
      const r = await runCli(['search', '--vector', source], env);
      assert.equal(r.code, 2, `${path.basename(source)}: exit status 2 (bad usage)`);
      assert.match(r.stderr, message);
    }
    const both = await runCli(['search', '--vector', json, '--image', path.join(lib, 'colours', 'green.jpg')], env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--vector goes with a text query or alone/);
    const missing = await runCli(['search', '--vector', path.join(dir, 'nowhere.json')], env);
    assert.equal(missing.code, 3, 'an unreadable file: exit status 3');
    assert.match(missing.stderr, /nowhere\.json/);
  });

  it('finds images similar to an indexed one: its resized copy first, never itself', async () => {
    const [original] = await search(['--image', path.join(COCO_IMAGES, cocoFiles[0]), '--k', '1']);
    assert.equal(path.basename(original.path), cocoFiles[0]);
    const similar = await search(['--similar', original.id, '--k', '5']);
    assert.equal(similar.length, 5);
    assert.equal(path.basename(similar[0].path), 'small.jpg');
    assert.ok(similar.every((h) => h.id !== original.id));
    const missing = await runCli(['search', '--similar', '00000000-0000-0000-0000-000000000000'], env);
    assert.equal(missing.code, 4, 'exit status 4: not found');
    assert.match(missing.stderr, /image 00000000-0000-0000-0000-000000000000 not found/);
  });

  it('filters by folder, detects a folder named in the query, and --folder "" turns detection off', async () => {
    const inAnimals = await search(['red', '--folder', 'animals', '--k', '50']);
    assert.equal(inAnimals.length, 10);
    assert.ok(inAnimals.every((h) => h.folder === 'animals'));
    const detected = await search(['show me nature photos that are red', '--k', '50']);
    assert.ok(detected.length === 10 && detected.every((h) => h.folder === 'nature'));
    const human = await runCli(['search', 'red animal', '--k', '3'], env);
    assert.match(human.stdout, /folder filter: animals \(detected from the query/);
    const off = await search(['red animals', '--folder', '', '--k', '1']);
    assert.equal(path.basename(off[0].path), 'red.jpg');
  });

  it('refuses k outside 1..1000 and unclear search modes with a clear message', async () => {
    for (const k of ['0', '1001', 'ten']) {
      const r = await runCli(['search', 'red', '--k', k], env);
      assert.equal(r.code, 2, 'exit status 2: bad usage');
      assert.match(r.stderr, /k must be a whole number from 1 to 1000/);
    }
    const both = await runCli(['search', 'red', '--image', 'x.jpg'], env);
    assert.equal(both.code, 2, 'exit status 2: bad usage');
    assert.match(both.stderr, /exactly one of/);
  });

  it('lists near duplicates, each picture once with all its paths (the exact copy as a second path)', async () => {
    const groups = await runJson<DuplicateGroup[]>(['duplicates'], env);
    const near = groups.filter((g) => g.kind === 'near');
    const withSmall = near.find((g) => g.images.some((i) => i.paths.some((p) => p.endsWith('small.jpg'))));
    assert.ok(withSmall, 'the resized copy is a near duplicate');
    const original = withSmall.images.find((i) => i.paths.some((p) => p.endsWith(cocoFiles[0])));
    assert.deepEqual(
      original?.paths.map((p) => path.basename(p)).sort(),
      [cocoFiles[0], 'copy.jpg'].sort(),
      'the exact copy is a second path of the same record',
    );
    const ids = groups.flatMap((g) => g.images.map((i) => i.id));
    assert.equal(new Set(ids).size, ids.length, 'no picture in two groups');
    // Different photos are not grouped: no near group contains two different COCO originals.
    for (const g of near)
      assert.ok(g.images.filter((i) => i.paths.some((p) => cocoFiles.includes(path.basename(p)))).length <= 1);
  });

  it('reports stats', async () => {
    const stats = await runJson<{
      images: number;
      folders: Record<string, number>;
      models: { model: string; count: number }[];
    }>(['stats'], env);
    assert.equal(stats.images, 27);
    assert.deepEqual(stats.folders, { animals: 10, colours: 6, copies: 2, nature: 10 });
    assert.equal(stats.models[0].model, 'loupe/test-clip-colour');
    assert.equal(stats.models[0].count, 27);
    const passes = (
      stats as unknown as {
        passes: { pass: string; model: string | null; done: number; pending: number; unavailable?: string }[];
      }
    ).passes;
    assert.deepEqual(
      passes.map((p) => p.pass),
      ['clip', 'labels', 'ocr', 'caption', 'text-embedding'],
    );
    assert.deepEqual([passes[0].done, passes[0].pending], [27, 0]);
    assert.equal(passes[1].model, null, 'labels are off here');
    assert.match(passes[1].unavailable ?? '', /LOUPE_LABELS/);
    assert.equal(passes[2].model, null, 'OCR is off here');
    assert.match(passes[2].unavailable ?? '', /LOUPE_OCR/);
  });

  it('re-indexing skips unchanged files, keeps embeddings of moved files and drops deleted ones', async () => {
    const again = await runJson<IndexSummary>(['index', lib], env);
    assert.deepEqual([again.indexed, again.duplicates, again.moved, again.removed], [0, 0, 0, 0]);
    assert.equal(again.skipped, 28);

    const [before] = await search(['--image', path.join(lib, 'nature', cocoFiles[12]), '--k', '1']);
    await rename(path.join(lib, 'nature', cocoFiles[12]), path.join(lib, 'animals', 'renamed.jpg'));
    await rm(path.join(lib, 'nature', cocoFiles[13]));
    await writeFile(path.join(lib, 'colours', 'purple.png'), await colourImage('purple', 'png'));
    const changed = await runJson<IndexSummary>(['index', lib], env);
    assert.equal(changed.indexed, 1, 'only the new picture is embedded');
    assert.equal(changed.moved, 1);
    assert.equal(changed.removed, 2, 'the old path of the moved file and the deleted file');
    const [after] = await search(['--image', path.join(lib, 'animals', 'renamed.jpg'), '--k', '1']);
    assert.equal(after.id, before.id, 'same image record, embedding kept');
    assert.equal(after.folder, 'animals');
    const stats = await runJson<{ images: number }>(['stats'], env);
    assert.equal(stats.images, 27);
    const [purple] = await search(['purple', '--k', '1']);
    assert.equal(path.basename(purple.path), 'purple.png');
  });

  it('indexing a known file on its own keeps its folder', async () => {
    const file = path.join(lib, 'colours', 'red.jpg');
    const again = await runJson<IndexSummary>(['index', file], env);
    assert.deepEqual([again.indexed, again.skipped, again.failed.length], [0, 1, 0]);
    const [red] = await search(['red', '--k', '1']);
    assert.equal(red.folder, 'colours');
    const notAnImage = await runJson<IndexSummary>(
      ['index', path.join(lib, 'bad', 'readme.txt'), path.join(lib, 'nope.jpg')],
      env,
    );
    assert.deepEqual(
      notAnImage.failed.map((f) => f.code).sort(),
      ['NOT_AN_IMAGE', 'UNREADABLE'],
      'named files are reported even without an image name',
    );
  });

  it('explains a change of model instead of mixing embedding spaces', async () => {
    // Offline with no such model: vector search fails with what to do; hybrid search falls back to words and says so.
    const r = await runCli(['search', 'red', '--mode', 'vector'], { ...env, LOUPE_CLIP_MODEL: 'other/model' });
    assert.equal(r.code, 6, 'exit status 6: model unavailable');
    assert.match(r.stderr, /other\/model is not available offline/);
    const hybrid = await runCli(['search', 'red'], { ...env, LOUPE_CLIP_MODEL: 'other/model' });
    assert.equal(hybrid.code, 0);
    assert.match(hybrid.stdout, /CLIP not used: model other\/model is not available offline/);
    // With the model at hand, the mismatch is an error in every mode.
    const otherDir = await tempDir();
    const { writeTestClipModel } = await import('../src/testing.js');
    await writeTestClipModel(otherDir, { modelId: 'other/model' });
    const mismatch = await runCli(['search', 'red'], {
      ...env,
      LOUPE_CLIP_MODEL: 'other/model',
      LOUPE_MODELS_DIR: otherDir,
    });
    assert.equal(mismatch.code, 5, 'exit status 5: conflict (another model)');
    assert.match(mismatch.stderr, /made with loupe\/test-clip-colour, but other\/model is configured/);
  });
});

describe('a first run that tells the truth', () => {
  it('a data folder with no library, an empty library and a path that is not there are errors that say what to do', async () => {
    const root = await tempDir();
    const nowhere = path.join(root, 'no-such-library');
    const env = await testEnv(path.join(root, 'data'));
    const missing = await runCli(['search', 'dog', '--data', nowhere], env);
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /no-such-library.*loupe index PHOTOS --data/);
    assert.equal(existsSync(nowhere), false, 'no database was made for a mistyped folder');
    assert.equal((await runCli(['stats', '--data', nowhere], env)).code, 4);
    // An existing but empty library (made by listing its spaces).
    assert.equal((await runCli(['spaces', 'list'], env)).code, 0);
    const empty = await runCli(['search', 'dog'], env);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /is empty: index photos with `loupe index PHOTOS`/);
    const index = await runCli(['index', path.join(root, 'not-there')], env);
    assert.equal(index.code, 2, index.stderr);
    assert.match(index.stderr, /not-there: no such file or folder/);
    // Labels asked for, but the detector cannot be had (offline, not in the models folder): said once on stderr.
    const { writeTestClipModel, writeTestTextModel } = await import('../src/testing.js');
    const models = path.join(root, 'models');
    await writeTestClipModel(models);
    await writeTestTextModel(models);
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    await writeFile(path.join(photos, 'red.jpg'), await colourImage('red'));
    const withoutDetector = await runCli(['index', photos], { ...env, LOUPE_MODELS_DIR: models, LOUPE_LABELS: 'auto' });
    assert.equal(withoutDetector.code, 0, withoutDetector.stderr);
    assert.equal(withoutDetector.stderr.match(/object labels not made: .*nanodet/g)?.length, 1, withoutDetector.stderr);
    // stats fits an 80-column terminal, the long reason cut short (whole under --json).
    const stats = await runCli(['stats'], { ...env, LOUPE_MODELS_DIR: models, LOUPE_LABELS: 'auto', COLUMNS: '80' });
    assert.equal(stats.code, 0, stats.stderr);
    const widest = Math.max(...stats.stdout.split('\n').map((l) => stripVTControlCharacters(l).length));
    assert.ok(widest <= 80, `stats is ${widest} columns wide:\n${stats.stdout}`);
    assert.match(stats.stdout, /off: /);
  });

  it('models make-test sets up NanoDet-m from the real weights on this machine, so labels are made offline; other bytes are refused', async () => {
    const root = await tempDir();
    const models = path.join(root, 'models');
    const made = await runCli(['models', 'make-test', models], process.env);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /copied NanoDet-m \(real weights, sha256 checked\)/);
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    await copyFile(path.join(COCO_IMAGES, '000000000139.jpg'), path.join(photos, 'COCO_000000000139.jpg'));
    const env = {
      ...(await testEnv(path.join(root, 'data'))),
      LOUPE_MODELS_DIR: models,
      LOUPE_LABELS: 'auto',
      LOUPE_OFFLINE: '1',
    };
    const index = await runCli(['index', photos, '--json'], env);
    assert.equal(index.code, 0, index.stderr);
    assert.doesNotMatch(index.stderr, /object labels not made/);
    assert.equal(JSON.parse(index.stdout).labelled.model, 'nanodet/nanodet-m');
    const bogus = path.join(root, 'not-nanodet.onnx');
    await writeFile(bogus, 'not a model');
    const refused = await runCli(['models', 'make-test', path.join(root, 'other'), '--nanodet', bogus], process.env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /not-nanodet\.onnx is not the pinned NanoDet-m: sha256/);
  });
});
