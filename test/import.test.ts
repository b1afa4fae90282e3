/**
 * Moving in (issue 14): a FAISS index written here from known vectors, with its metadata, imported through the
 * CLI and searched; its vectors are stored as the model's (normalised), so search by vector matches an exact
 * search over the file's own vectors, and text search works at once.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parseFaissIndex } from '../src/adapters/import/faiss.js';
import { hnswVectors } from '../src/adapters/import/chroma.js';
import { EMPTY_LABEL_MAP, hnswHeader, long4Pickle } from './support/hnsw-files.js';
import { isLoupeError } from '../src/core/errors.js';
import { openPostgres } from '../src/adapters/pg/pg-client.js';
import initSqlJs from 'sql.js';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import { TransformersClip } from '../src/adapters/transformers/clip-embedder.js';
import { parseConfig } from '../src/config.js';
import { cosine, l2Normalize } from '../src/core/scores.js';
import { openLibrary } from '../src/wiring/library.js';
import { TEST_CLIP_MODEL_ID } from '../src/testing.js';
import { colourImage, runCli, runJson, tempDir, testEnv, testModelsDir } from './support/fixtures.js';
import { startPgServer } from './support/pg-server.js';
import { startChromaServer } from './support/chroma-server.js';
import { startS3Server } from './support/s3-server.js';
import { faissFile } from './support/faiss-file.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/adapters/s3/s3-client.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple'];

describe('loupe import faiss', () => {
  let root: string;
  let mirror: string;
  let indexFile: string;
  let metadataFile: string;
  let vectors: Float32Array[];
  let env: NodeJS.ProcessEnv;
  before(async () => {
    root = await tempDir();
    mirror = path.join(root, 'bucket-mirror');
    await mkdir(path.join(mirror, 'uploads'), { recursive: true });
    // The old stack's vectors: the model's own embeddings of the images, scaled (FAISS L2 indexes hold them unnormalised).
    const clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
    const decoder = new SharpDecoder();
    vectors = [];
    for (const c of COLOURS) {
      const bytes = await colourImage(c);
      await writeFile(path.join(mirror, 'uploads', `${c}.jpg`), bytes);
      const { pixels } = await decoder.decode(bytes, c, {
        modelInputSize: 224,
        thumbnailSize: 64,
        maxPixels: 1e8,
        maxFrames: 10,
      });
      const [v] = await clip.embedImages([pixels]);
      vectors.push(v.map((x) => x * 3));
    }
    await clip.dispose();
    indexFile = path.join(root, 'INDEX.bin');
    metadataFile = path.join(root, 'image_metadata.json');
    // Ids 100..104 in an IndexIDMap; the metadata is keyed by them, and knows nothing of id 104.
    await writeFile(indexFile, faissFile(vectors, { metric: 'L2', ids: [100, 101, 102, 103, 104] }));
    const metadata = Object.fromEntries(
      COLOURS.slice(0, 4).map((c, i) => [
        String(100 + i),
        { s3_path: `s3://demo-bucket/uploads/${c}.jpg`, folder: 'uploads' },
      ]),
    );
    await writeFile(metadataFile, JSON.stringify(metadata));
    env = await testEnv(path.join(root, 'data'));
  });

  it('reads the FAISS layout it writes: type, dimension, ids, vectors; refuses truncated files and compressed types by name', async () => {
    const parsed = parseFaissIndex(await readFile(indexFile), 'INDEX.bin');
    assert.deepEqual(
      [parsed.type, parsed.dim, parsed.metric, parsed.ids?.map(Number)],
      ['IndexFlatL2', vectors[0].length, 'L2', [100, 101, 102, 103, 104]],
    );
    assert.deepEqual([...parsed.vectors[2]], [...vectors[2]]);
    const ip = parseFaissIndex(faissFile(vectors.slice(0, 2), { metric: 'IP' }), 'ip.bin');
    assert.deepEqual([ip.type, ip.ids, ip.vectors.length], ['IndexFlatIP', null, 2]);
    const bytes = await readFile(indexFile);
    assert.throws(
      () => parseFaissIndex(bytes.subarray(0, bytes.length - 100), 'cut.bin'),
      /cut\.bin: the FAISS index ends inside/,
    );
    assert.throws(
      () => parseFaissIndex(Buffer.concat([Buffer.from('IwPQ'), bytes.subarray(4)]), 'pq.bin'),
      /type "IwPQ" is not supported.*reconstruct_n/,
    );
  });

  it('--dry-run says what would be imported and what cannot be mapped, and writes nothing', async () => {
    const report = await runJson<{
      dryRun: boolean;
      imported: number;
      skipped: { sourceId: string; reason: string }[];
      vectors: { clip: { model: string; dim: number } };
    }>(
      [
        'import',
        'faiss',
        indexFile,
        '--metadata',
        metadataFile,
        '--root',
        mirror,
        '--model',
        TEST_CLIP_MODEL_ID,
        '--dry-run',
      ],
      env,
    );
    assert.equal(report.dryRun, true);
    assert.equal(report.imported, 4);
    assert.deepEqual(report.skipped, [{ sourceId: 'row 4', reason: 'no metadata entry for it' }]);
    assert.deepEqual(report.vectors.clip, { model: TEST_CLIP_MODEL_ID, dim: vectors[0].length });
    assert.equal((await runJson<{ images: number }>(['stats'], env)).images, 0);
  });

  it('refuses vectors of another model with what to do', async () => {
    const r = await runCli(['import', 'faiss', indexFile, '--metadata', metadataFile, '--root', mirror], env);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /made with Xenova\/clip-vit-base-patch32, but this library uses loupe\/test-clip-colour: import into a library set to it \(LOUPE_CLIP_MODEL=Xenova\/clip-vit-base-patch32/,
    );
  });

  it("imports the vectors as the model's, so vector search matches exact search over the file and text search works; a second run imports nothing", async () => {
    const args = [
      'import',
      'faiss',
      indexFile,
      '--metadata',
      metadataFile,
      '--root',
      mirror,
      '--model',
      TEST_CLIP_MODEL_ID,
    ];
    const report = await runJson<{ imported: number; already: number; skipped: unknown[] }>(args, env);
    assert.deepEqual([report.imported, report.already, report.skipped.length], [4, 0, 1]);
    const hits = await runJson<{ path: string; folder: string }[]>(['search', 'red', '--k', '1'], env);
    assert.deepEqual([path.basename(hits[0].path), hits[0].folder], ['red.jpg', 'uploads']);

    const lib = await openLibrary(parseConfig(env));
    try {
      const unit = vectors.slice(0, 4).map(l2Normalize);
      for (const q of unit) {
        const exact = unit
          .map((v, i) => ({ name: `${COLOURS[i]}.jpg`, distance: 1 - cosine(q, v) }))
          .sort((a, b) => a.distance - b.distance);
        const found = await lib.store.searchByVector({ vector: q, model: TEST_CLIP_MODEL_ID, k: 4, exact: true });
        assert.deepEqual(
          found.map((h) => path.basename(h.path)),
          exact.map((e) => e.name),
        );
        // Stored as halfvec: distances agree to half precision.
        for (const [i, h] of found.entries())
          assert.ok(Math.abs(h.distance - exact[i].distance) < 2e-3, `${h.distance} vs ${exact[i].distance}`);
      }
      const [image] = await lib.store.getImages([
        (await lib.store.getPath(path.join(mirror, 'uploads', 'blue.jpg')))!.imageId,
      ]);
      assert.ok(image.width > 0 && image.sha256.length === 64, 'the image itself was read: size and content hash');
    } finally {
      await lib.close();
    }
    const again = await runJson<{ imported: number; already: number }>(args, env);
    assert.deepEqual([again.imported, again.already], [0, 4], 'idempotent by path');
    assert.equal((await runJson<{ images: number }>(['stats'], env)).images, 4);
  });
});

describe('loupe import faiss, images from S3', () => {
  it('reads each image from the bucket its metadata names (no local mirror) and stores the s3:// path', async () => {
    const s3 = await startS3Server(['demo-bucket']);
    const client = createS3Client(parseConfig({ ...process.env, ...s3.env }).s3);
    try {
      const root = await tempDir();
      const names = ['red', 'blue'];
      const clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
      const decoder = new SharpDecoder();
      const vectors: Float32Array[] = [];
      for (const c of names) {
        const bytes = await colourImage(c);
        await client.send(new PutObjectCommand({ Bucket: 'demo-bucket', Key: `uploads/${c}.jpg`, Body: bytes }));
        const { pixels } = await decoder.decode(bytes, c, {
          modelInputSize: 224,
          thumbnailSize: 64,
          maxPixels: 1e8,
          maxFrames: 10,
        });
        vectors.push((await clip.embedImages([pixels]))[0]);
      }
      await clip.dispose();
      const indexFile = path.join(root, 'INDEX.bin');
      const metadataFile = path.join(root, 'meta.json');
      await writeFile(indexFile, faissFile(vectors, { metric: 'IP' }));
      await writeFile(
        metadataFile,
        JSON.stringify(names.map((c) => ({ s3_path: `s3://demo-bucket/uploads/${c}.jpg`, folder: 'uploads' }))),
      );
      const env = await testEnv(path.join(root, 'data'), s3.env);
      const report = await runJson<{ imported: number }>(
        ['import', 'faiss', indexFile, '--metadata', metadataFile, '--model', TEST_CLIP_MODEL_ID],
        env,
      );
      assert.equal(report.imported, 2);
      const [hit] = await runJson<{ path: string }[]>(['search', 'blue', '--k', '1'], env);
      assert.equal(hit.path, 's3://demo-bucket/uploads/blue.jpg');
    } finally {
      client.destroy();
      await s3.stop();
    }
  });
});

describe('loupe import pgvector', () => {
  it("imports captions as model captions and their vectors as the text embedder's, embeds the images with CLIP, and reports rows it cannot map", async () => {
    const root = await tempDir();
    const photos = path.join(root, 'posts');
    await mkdir(photos);
    for (const c of ['red', 'blue']) await writeFile(path.join(photos, `${c}.jpg`), await colourImage(c));
    const server = await startPgServer();
    const db = await openPostgres(server.url, { poolSize: 1, statementTimeoutMs: 30_000 });
    const dim = 1536;
    const vectorOf = (seed: number) =>
      Array.from({ length: dim }, (_, i) => Math.sin(seed * 7.3 + i * 0.11) * (seed + 1));
    try {
      await db.query('create extension if not exists vector');
      await db.query(
        `create table image_posts (id serial primary key, image_url text, caption text, embedding vector(${dim}))`,
      );
      await db.query(
        `insert into image_posts (image_url, caption, embedding) values ($1, 'a red wall', $2), ($3, 'the blue sea', $4), ('https://example.com/x/green.jpg', 'a green field', $5)`,
        [
          path.join(photos, 'red.jpg'),
          JSON.stringify(vectorOf(1)),
          'blue.jpg',
          JSON.stringify(vectorOf(2)),
          JSON.stringify(vectorOf(3)),
        ],
      );
      const env = await testEnv(path.join(root, 'data'));
      const args = ['import', 'pgvector', server.url, '--table', 'image_posts', '--root', photos];
      const dry = await runJson<{ imported: number; skipped: { sourceId: string; reason: string }[] }>(
        [...args, '--dry-run'],
        env,
      );
      assert.equal(dry.imported, 2);
      assert.deepEqual(
        dry.skipped.map((s) => s.sourceId),
        ['id 3'],
      );
      assert.match(
        dry.skipped[0].reason,
        /posts\/green\.jpg cannot be read/,
        'a URL is looked for by its file name under --root',
      );
      const noRoot = await runJson<{ skipped: { sourceId: string; reason: string }[] }>(
        ['import', 'pgvector', server.url, '--table', 'image_posts', '--dry-run'],
        env,
      );
      assert.match(
        noRoot.skipped.find((s) => s.sourceId === 'id 3')!.reason,
        /is a URL: download the images and give their folder with --root/,
      );
      const report = await runJson<{
        imported: number;
        skipped: { sourceId: string }[];
        next: string[];
        vectors: { text: { model: string; dim: number } };
      }>(args, env);
      assert.equal(report.imported, 2);
      assert.deepEqual(
        report.skipped.map((s) => s.sourceId),
        ['id 3'],
        'the missing image is reported, the others imported',
      );
      assert.deepEqual(report.vectors.text, { model: 'openai/text-embedding-3-small', dim });
      assert.ok(
        report.next.some((n) => /LOUPE_TEXT_EMBEDDER/.test(n)),
        'says which text embedder to configure',
      );
      const hits = await runJson<{ path: string }[]>(['search', 'blue', '--mode', 'vector', '--k', '1'], env);
      assert.equal(path.basename(hits[0].path), 'blue.jpg', "the images were embedded with the library's CLIP model");
      const words = await runJson<{ path: string }[]>(['search', 'wall', '--mode', 'text', '--k', '1'], env);
      assert.equal(path.basename(words[0].path), 'red.jpg', 'the captions are searchable words');
      const lib = await openLibrary(parseConfig(env));
      try {
        const red = (await lib.store.getPath(path.join(photos, 'red.jpg')))!;
        const [image] = await lib.store.getImages([red.imageId]);
        assert.deepEqual([image.caption, image.captionSource], ['a red wall', 'model']);
        const stored = (await lib.store.getEmbedding(red.imageId, 'openai/text-embedding-3-small'))!;
        assert.ok(
          cosine(stored, l2Normalize(Float32Array.from(vectorOf(1)))) > 0.999,
          "the caption vector is the table's, normalised",
        );
      } finally {
        await lib.close();
      }
    } finally {
      await db.close();
      await server.stop();
    }
  });
});

describe('loupe import chroma (a folder written by the real Chroma server)', () => {
  it("imports documents as model captions and embeddings as the text embedder's, images from the metadata paths under --root", async () => {
    const root = await tempDir();
    const uploads = path.join(root, 'uploads');
    await mkdir(uploads);
    for (const c of ['red', 'blue']) await writeFile(path.join(uploads, `${c}.jpg`), await colourImage(c));
    const persist = path.join(root, 'chroma_db');
    const chroma = await startChromaServer(persist);
    const dim = 384;
    const vectorOf = (seed: number) => Array.from({ length: dim }, (_, i) => Math.cos(seed * 3.1 + i * 0.07) * 2);
    try {
      // A sync threshold of 2: Chroma indexes the first records into its HNSW segment and purges them from its log,
      // as it does for every library of over 1,000 images with the default threshold.
      const collection = await chroma.post<{ id: string }>('/collections', {
        name: 'images',
        configuration: { hnsw: { sync_threshold: 2 } },
      });
      await chroma.post(`/collections/${collection.id}/add`, {
        ids: ['img-1', 'img-2'],
        embeddings: [vectorOf(1), vectorOf(2)],
        documents: ['A red brick wall in the sun.', 'Calm blue water under a clear sky.'],
        metadatas: [{ image_path: 'red.jpg' }, { image_path: 'blue.jpg' }],
      });
      await chroma.post(`/collections/${collection.id}/add`, {
        ids: ['img-3', 'img-4'],
        embeddings: [vectorOf(3), vectorOf(4)],
        documents: ['An old photo that was lost.', 'No image here.'],
        metadatas: [{ image_path: 'lost.jpg' }, { note: 'text only' }],
      });
      await chroma.post(`/collections/${collection.id}/delete`, { ids: ['img-3'] });
    } finally {
      await chroma.stop();
    }
    const SQL = await initSqlJs();
    const written = new SQL.Database(await readFile(path.join(persist, 'chroma.sqlite3')));
    const logged =
      written.exec(`select id from embeddings_queue where operation = 0`)[0]?.values.map((v) => v[0]) ?? [];
    written.close();
    assert.ok(
      !logged.includes('img-1'),
      `the first records' vectors are only in the HNSW segment (the log holds ${logged.join(', ')})`,
    );
    const env = await testEnv(path.join(root, 'data'));
    const args = ['import', 'chroma', persist, '--collection', 'images', '--root', uploads];
    const dry = await runJson<{
      imported: number;
      skipped: { sourceId: string; reason: string }[];
      vectors: { text: { model: string; dim: number } };
    }>([...args, '--dry-run'], env);
    assert.deepEqual(dry.vectors.text, { model: 'local/Xenova/all-MiniLM-L6-v2', dim });
    assert.equal(dry.imported, 2, 'the deleted record is gone, the one without an image cannot be imported');
    assert.deepEqual(
      dry.skipped.map((s) => s.sourceId),
      ['id img-4'],
    );
    const wrong = await runCli(['import', 'chroma', persist, '--collection', 'nope'], env);
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /collection "nope" .*its collections: images/);
    const report = await runJson<{ imported: number }>(args, env);
    assert.equal(report.imported, 2);
    const words = await runJson<{ path: string }[]>(['search', 'brick', '--mode', 'text', '--k', '1'], env);
    assert.equal(path.basename(words[0].path), 'red.jpg');
    const lib = await openLibrary(parseConfig(env));
    try {
      const blue = (await lib.store.getPath(path.join(uploads, 'blue.jpg')))!;
      const [image] = await lib.store.getImages([blue.imageId]);
      assert.deepEqual([image.caption, image.captionSource], ['Calm blue water under a clear sky.', 'model']);
      for (const [file, seed] of [
        ['red.jpg', 1],
        ['blue.jpg', 2],
      ] as const) {
        const id = (await lib.store.getPath(path.join(uploads, file)))!.imageId;
        const stored = (await lib.store.getEmbedding(id, 'local/Xenova/all-MiniLM-L6-v2'))!;
        assert.ok(
          cosine(stored, l2Normalize(Float32Array.from(vectorOf(seed)))) > 0.999,
          `${file}: the vector is the collection's, normalised`,
        );
      }
    } finally {
      await lib.close();
    }
  });
});

describe('imports keep to --root (hostile metadata), and an id map matches rows by id', () => {
  it('FAISS: ../ keys, absolute paths and symbolic links out of the root are reported and never read; ids [2,0,1] get their own vectors', async () => {
    const root = await tempDir();
    const mirror = path.join(root, 'mirror');
    await mkdir(path.join(mirror, 'uploads'), { recursive: true });
    await mkdir(path.join(root, 'outside'));
    const secret = path.join(root, 'outside', 'secret.jpg');
    await writeFile(secret, await colourImage('purple'));
    await symlink(secret, path.join(mirror, 'uploads', 'link.jpg'));
    const names = ['red', 'green', 'blue'];
    const clip = new TransformersClip({ modelId: TEST_CLIP_MODEL_ID, modelRoot: await testModelsDir(), dtype: 'q8' });
    const decoder = new SharpDecoder();
    const byName = new Map<string, Float32Array>();
    for (const c of [...names, 'purple']) {
      const bytes = await colourImage(c);
      if (c !== 'purple') await writeFile(path.join(mirror, 'uploads', `${c}.jpg`), bytes);
      const { pixels } = await decoder.decode(bytes, c, {
        modelInputSize: 224,
        thumbnailSize: 64,
        maxPixels: 1e8,
        maxFrames: 10,
      });
      byName.set(c, (await clip.embedImages([pixels]))[0]);
    }
    await clip.dispose();
    // After remove_ids and re-adding, FAISS rows hold ids 2, 0, 1: row 0 is id 2's (blue) vector, and so on.
    const ids = [2, 0, 1, 3, 4, 5];
    const rowVectors = [
      byName.get('blue')!,
      byName.get('red')!,
      byName.get('green')!,
      ...Array(3).fill(byName.get('purple')!),
    ];
    const indexFile = path.join(root, 'INDEX.bin');
    await writeFile(indexFile, faissFile(rowVectors, { metric: 'IP', ids }));
    const metadataFile = path.join(root, 'meta.json');
    await writeFile(
      metadataFile,
      JSON.stringify({
        0: { s3_path: 's3://demo-bucket/uploads/red.jpg' },
        1: { s3_path: 's3://demo-bucket/uploads/green.jpg' },
        2: { s3_path: 's3://demo-bucket/uploads/blue.jpg' },
        3: { s3_path: 's3://demo-bucket/../outside/secret.jpg' },
        4: { path: secret },
        5: { s3_path: 's3://demo-bucket/uploads/link.jpg' },
      }),
    );
    const env = await testEnv(path.join(root, 'data'));
    const report = await runJson<{ imported: number; skipped: { sourceId: string; reason: string }[] }>(
      ['import', 'faiss', indexFile, '--metadata', metadataFile, '--root', mirror, '--model', TEST_CLIP_MODEL_ID],
      env,
    );
    assert.equal(report.imported, 3);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.sourceId, s.reason]));
    assert.match(reasons['row 3'], /outside .*mirror/);
    // With --root an absolute path is taken as inside the mirror (as an s3:// key is), so it cannot lead out.
    assert.ok(reasons['row 4'].startsWith(mirror), reasons['row 4']);
    assert.match(reasons['row 5'], /leads out of/);
    const lib = await openLibrary(parseConfig(env));
    try {
      for (const c of names) {
        const record = (await lib.store.getPath(path.join(mirror, 'uploads', `${c}.jpg`)))!;
        const stored = (await lib.store.getEmbedding(record.imageId, TEST_CLIP_MODEL_ID))!;
        assert.ok(cosine(stored, l2Normalize(byName.get(c)!)) > 0.999, `${c}.jpg holds its own vector`);
      }
      assert.equal((await lib.store.allHashes()).length, 3, 'nothing from outside the root was stored');
    } finally {
      await lib.close();
    }
  });

  it('pgvector: ../ paths, absolute paths out of the root and %2e%2e%2f or broken escapes in URLs are reported; nothing outside is read', async () => {
    const root = await tempDir();
    const photos = path.join(root, 'posts');
    await mkdir(photos);
    await writeFile(path.join(photos, 'red.jpg'), await colourImage('red'));
    await writeFile(path.join(root, 'secret.jpg'), await colourImage('purple'));
    const server = await startPgServer();
    const db = await openPostgres(server.url, { poolSize: 1, statementTimeoutMs: 30_000 });
    try {
      await db.query('create extension if not exists vector');
      await db.query('create table posts (id serial primary key, image_path text, caption text, embedding vector(3))');
      const rows = [
        'red.jpg',
        '../secret.jpg',
        path.join(root, 'secret.jpg'),
        'https://example.com/a/%2e%2e%2fsecret.jpg',
        'https://example.com/a/%zz.jpg',
      ];
      for (const r of rows)
        await db.query(`insert into posts (image_path, caption, embedding) values ($1, 'words', '[1,2,3]')`, [r]);
      const env = await testEnv(path.join(root, 'data'));
      const report = await runJson<{ imported: number; skipped: { sourceId: string; reason: string }[] }>(
        ['import', 'pgvector', server.url, '--table', 'posts', '--root', photos],
        env,
      );
      assert.equal(report.imported, 1);
      const reasons = Object.fromEntries(report.skipped.map((s) => [s.sourceId, s.reason]));
      assert.match(reasons['id 2'], /outside/);
      assert.match(reasons['id 3'], /outside/);
      assert.match(
        reasons['id 4'],
        /cannot be read|not|no such/i,
        'the URL is looked for by its file name alone, inside the root',
      );
      assert.doesNotMatch(reasons['id 4'], /outside/);
      assert.match(reasons['id 5'], /names no file/);
      assert.equal((await runJson<{ images: number }>(['stats'], env)).images, 1);
      // A table named with too many parts is refused, and an unqualified name is the table the search path finds.
      const extra = await runCli(
        ['import', 'pgvector', server.url, '--table', 'public.posts.extra', '--root', photos, '--dry-run'],
        env,
      );
      assert.equal(extra.code, 2);
      assert.match(extra.stderr, /name a table as TABLE or SCHEMA\.TABLE/);
      await db.query('create schema s2');
      await db.query(
        'create table s2.posts (id serial primary key, image_path text, caption text, embedding vector(3), extra_only_here text)',
      );
      const onPath = await runJson<{ imported: number; skipped: unknown[] }>(
        ['import', 'pgvector', server.url, '--table', 'posts', '--root', photos, '--dry-run'],
        env,
      );
      assert.equal(onPath.skipped.length, 4, "public.posts's rows, not s2.posts's (which has none)");
    } finally {
      await db.close();
      await server.stop();
    }
  });
});

describe('hostile import files: refused or reported by row, never a crash, a hang or gigabytes of memory', () => {
  it('FAISS: 1-number "vectors", nested id maps, NaN and zero rows, and metadata that is not what it should be', async () => {
    const root = await tempDir();
    const env = await testEnv(path.join(root, 'data'));
    const meta = path.join(root, 'meta.json');
    await writeFile(meta, '[]');
    const run = (file: string, metadata = meta) =>
      runCli(
        ['import', 'faiss', file, '--metadata', metadata, '--model', TEST_CLIP_MODEL_ID, '--root', root, '--dry-run'],
        env,
      );
    // 4 MB of 1-number vectors: a million rows that are not image embeddings.
    const tiny = path.join(root, 'tiny.bin');
    await writeFile(
      tiny,
      faissFile(
        Array.from({ length: 1_000_000 }, () => Float32Array.of(1)),
        { metric: 'IP' },
      ),
    );
    const t = await run(tiny);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /vectors of 1 numbers are not image embeddings/);
    // 200,000 nested IndexIDMap headers: refused at the second, not a stack overflow.
    const header = Buffer.concat([
      Buffer.from('IxMp', 'latin1'),
      Buffer.from(new Int32Array([512]).buffer),
      Buffer.alloc(25),
      Buffer.from(new Int32Array([0]).buffer),
    ]);
    const nested = path.join(root, 'nested.bin');
    await writeFile(nested, Buffer.concat(Array(200_000).fill(header)));
    const n = await run(nested);
    assert.equal(n.code, 2);
    assert.match(n.stderr, /IndexIDMap inside an IndexIDMap/);
    // Rows with NaN or all zeros, and metadata entries that are null, numbers or name no text: each reported, none fatal.
    const good = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
    const rows = [
      good,
      Float32Array.from(good, (x, i) => (i === 3 ? NaN : x)),
      new Float32Array(512),
      good,
      good,
      good,
    ];
    const file = path.join(root, 'rows.bin');
    await writeFile(file, faissFile(rows, { metric: 'IP' }));
    await mkdir(path.join(root, 'pics'));
    await writeFile(path.join(root, 'pics', 'a.jpg'), await colourImage('red'));
    const mixed = path.join(root, 'mixed.json');
    await writeFile(
      mixed,
      JSON.stringify([
        { path: 'pics/a.jpg', folder: '../../etc' },
        { path: 'pics/a.jpg' },
        { path: 'pics/a.jpg' },
        null,
        7,
        { path: { x: 1 } },
      ]),
    );
    const report = await runJson<{ imported: number; skipped: { sourceId: string; reason: string }[] }>(
      ['import', 'faiss', file, '--metadata', mixed, '--model', TEST_CLIP_MODEL_ID, '--root', root, '--dry-run'],
      env,
    );
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.sourceId, s.reason]));
    assert.equal(report.imported, 1);
    assert.match(reasons['row 1'], /NaN/);
    assert.match(reasons['row 2'], /all zeros/);
    assert.match(reasons['row 3'], /no metadata entry/);
    assert.match(reasons['row 4'], /not an object/);
    assert.match(reasons['row 5'], /not text/);
    for (const bad of ['null', '7', '"just text"']) {
      await writeFile(mixed, bad);
      const r = await run(file, mixed);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /metadata must be a JSON list/);
    }
    // A folder named with "..": stored as a plain relative folder.
    await writeFile(mixed, JSON.stringify([{ path: 'pics/a.jpg', folder: '../../etc' }]));
    await writeFile(file, faissFile([good], { metric: 'IP' }));
    const imported = await runJson<{ imported: number }>(
      ['import', 'faiss', file, '--metadata', mixed, '--model', TEST_CLIP_MODEL_ID, '--root', root],
      env,
    );
    assert.equal(imported.imported, 1);
    const lib = await openLibrary(parseConfig(env));
    try {
      assert.equal((await lib.store.getPath(path.join(root, 'pics', 'a.jpg')))?.folder, 'etc');
    } finally {
      await lib.close();
    }
  });

  it('Chroma HNSW segments: a short header, sizes the files cannot hold, a zeroed data file, a huge pickle, a LONG4, a cut length or no label map', async () => {
    const dir = await tempDir();
    const [header, pickle] = [hnswHeader, EMPTY_LABEL_MAP];
    const cases: [string, Buffer, Buffer, Buffer, RegExp][] = [
      ['short header', Buffer.alloc(20), Buffer.alloc(1024), pickle, /shorter than hnswlib/],
      [
        '65,536 × 131k floats claimed',
        header(65_536, 524_296, 524_288, 0),
        Buffer.alloc(2 * 1024 * 1024),
        pickle,
        /a vector of 131072 numbers|elements of/,
      ],
      [
        'a zeroed data file (element size 0)',
        header(2 ** 40, 0, 0, 0),
        Buffer.alloc(1024 * 1024),
        pickle,
        /a vector of|elements of/,
      ],
      [
        'a 1 MB pickle for 1 element',
        header(1, 2064, 2056, 8),
        Buffer.alloc(2064),
        long4Pickle(1024 * 1024),
        /pickle is/,
      ],
      [
        'a 1 MB LONG4 within the size allowed for 8,192 elements',
        header(8192, 16, 8, 4),
        Buffer.alloc(8192 * 16),
        long4Pickle(1024 * 1024),
        /opcode 0x8b/,
      ],
      [
        'a length running past the end',
        header(1, 2064, 2056, 8),
        Buffer.alloc(2064),
        Buffer.from('80048cff61622e', 'hex'),
        /runs past the end/,
      ],
      [
        'a pickle without label_to_id',
        header(1, 2064, 2056, 8),
        Buffer.alloc(2064),
        Buffer.from('80047d942e', 'hex'),
        /no label_to_id/,
      ],
    ];
    for (const [what, h, data, p, message] of cases) {
      const seg = path.join(dir, what.replace(/\W+/g, '-'));
      await mkdir(seg);
      await writeFile(path.join(seg, 'header.bin'), h);
      await writeFile(path.join(seg, 'data_level0.bin'), data);
      await writeFile(path.join(seg, 'index_metadata.pickle'), p);
      const started = performance.now();
      await assert.rejects(
        hnswVectors(seg),
        (e: Error) => isLoupeError(e, 'BAD_ARGUMENT') && message.test(e.message),
        what,
      );
      assert.ok(performance.now() - started < 5000, `${what}: refused at once`);
    }
  });
});

describe('an interrupted import', () => {
  it("a run stopped between rows' images and their caption vectors is completed by the next run, nothing duplicated", async () => {
    const { importVectors } = await import('../src/app/import-vectors.js');
    const root = await tempDir();
    const pics = path.join(root, 'pics');
    await mkdir(pics);
    const names = ['red', 'green', 'blue', 'yellow', 'purple', 'black', 'white', 'orange'];
    for (const c of names) await writeFile(path.join(pics, `${c}.jpg`), await colourImage(c));
    const captionVector = (i: number) => l2Normalize(Float32Array.from({ length: 8 }, (_, j) => Math.cos(i + j)));
    const plan = {
      source: 'test',
      text: { model: 'test/caption-vectors', dim: 8 },
      rows: names.map((c, i) => ({
        sourceId: `row ${i}`,
        image: path.join(pics, `${c}.jpg`),
        caption: `a ${c} card`,
        captionVector: captionVector(i),
      })),
      unmapped: [],
      root: pics,
    };
    const lib = await openLibrary(parseConfig(await testEnv(path.join(root, 'data'))));
    try {
      // The store fails at the 5th caption vector, as a full disk or a dropped connection would.
      const setEmbedding = lib.store.setEmbedding.bind(lib.store);
      let calls = 0;
      lib.store.setEmbedding = async (...args: Parameters<typeof setEmbedding>) => {
        if (++calls === 5) throw new Error('the database went away');
        return setEmbedding(...args);
      };
      await assert.rejects(importVectors(lib, plan), /went away/);
      lib.store.setEmbedding = setEmbedding;
      const again = await importVectors(lib, plan);
      assert.equal(again.imported + again.completed + again.already, names.length);
      assert.ok(again.completed >= 1, `the rows stored without their vector are completed (${JSON.stringify(again)})`);
      for (const [i, c] of names.entries()) {
        const record = (await lib.store.getPath(path.join(pics, `${c}.jpg`)))!;
        const stored = await lib.store.getEmbedding(record.imageId, 'test/caption-vectors');
        assert.ok(stored && cosine(stored, captionVector(i)) > 0.999, `${c}: its caption vector is there`);
      }
      const third = await importVectors(lib, plan);
      assert.deepEqual([third.imported, third.completed, third.already], [0, 0, names.length]);
    } finally {
      await lib.close();
    }
  });
});
