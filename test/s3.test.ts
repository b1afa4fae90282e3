/**
 * Object storage against a local S3-compatible server (s3rver): one BlobStore suite run on the filesystem
 * and on S3; `loupe index s3://bucket/prefix` with paging, incremental re-runs by ETag, changed and
 * deleted objects; results carrying the s3:// path and a presigned URL; the server keeping uploads in S3.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FsBlobStore } from '../src/adapters/fs/fs-blob-store.js';
import { S3BlobStore } from '../src/adapters/s3/s3-blob-store.js';
import { createS3Client } from '../src/adapters/s3/s3-client.js';
import { S3ImageSource } from '../src/adapters/s3/s3-image-source.js';
import { parseConfig } from '../src/config.js';
import type { BlobStore } from '../src/ports/blob-store.js';
import { FsImageSource } from '../src/adapters/fs/fs-image-source.js';
import { blobStoreConformance } from './support/conformance/blob-store.js';
import { imageSourceConformance } from './support/conformance/image-source.js';
import { COCO_IMAGES, colourImage, requireShared, runCli, runJson, tempDir, testEnv } from './support/fixtures.js';
import { startS3Server, type S3Server } from './support/s3-server.js';
import { form, startTestServer } from './support/server.js';
import type { IndexSummary } from '../src/core/types.js';

let s3: S3Server;
let client: S3Client;
before(async () => {
  s3 = await startS3Server(['photos', 'blobs']);
  client = createS3Client(parseConfig({ ...process.env, ...s3.env }).s3);
});
after(async () => {
  client?.destroy();
  await s3?.stop();
});

const BLOB_STORES: { name: string; make(): Promise<BlobStore> }[] = [
  { name: 'filesystem', make: async () => new FsBlobStore(await tempDir()) },
  {
    name: 'S3 (s3rver)',
    make: async () => new S3BlobStore(client, 'blobs', `suite-${Math.random().toString(36).slice(2)}/`),
  },
];

for (const kind of BLOB_STORES) blobStoreConformance(kind.name, kind.make);

imageSourceConformance('filesystem', async () => {
  const root = await tempDir();
  return {
    source: new FsImageSource(path.join(root, '.loupe-data')),
    root,
    async put(rel, bytes) {
      const file = path.join(root, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
      return file;
    },
    remove: (file) => rm(file),
  };
});

imageSourceConformance('S3 (s3rver)', async () => {
  const prefix = `conformance-${Math.random().toString(36).slice(2)}`;
  return {
    source: new S3ImageSource(client, 2), // pages of 2 objects: paging is part of the contract
    root: `s3://photos/${prefix}`,
    async put(rel, bytes) {
      await client.send(new PutObjectCommand({ Bucket: 'photos', Key: `${prefix}/${rel}`, Body: bytes }));
      return `s3://photos/${prefix}/${rel}`;
    },
    async remove(url) {
      await client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: url.slice('s3://photos/'.length) }));
    },
  };
});

describe('loupe index s3://bucket/prefix', () => {
  let env: NodeJS.ProcessEnv;
  const put = (key: string, body: Buffer) =>
    client.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: body }));
  let files: string[];
  before(async () => {
    await requireShared();
    files = (await readdir(COCO_IMAGES)).sort().slice(0, 6);
    for (const [i, f] of files.entries())
      await put(`trips/${i < 3 ? '2024/beach' : 'city'}/${f}`, await readFile(path.join(COCO_IMAGES, f)));
    await put('trips/notes.txt', Buffer.from('not a picture'));
    await put('trips/broken.jpg', (await readFile(path.join(COCO_IMAGES, files[0]))).subarray(0, 1500));
    await put('trips/.hidden/skip.jpg', await colourImage('red'));
    await put('elsewhere/other.jpg', await colourImage('blue'));
    env = await testEnv(path.join(await tempDir(), 'data'), {
      ...s3.env,
      LOUPE_BLOB_STORE: 's3',
      LOUPE_S3_BUCKET: 'blobs',
      LOUPE_S3_PREFIX: 'lib/',
    });
  });

  it('lists every object under the prefix across pages', async () => {
    const source = new S3ImageSource(client, 2);
    const { files: listed, walkedRoots } = await source.list(['s3://photos/trips'], () => assert.fail('no failure'));
    assert.deepEqual(walkedRoots, ['s3://photos/trips']);
    assert.equal(listed.length, files.length + 2, 'pages of 2 still reach every object (hidden ones skipped)');
    assert.equal(source.folderOf('s3://photos/trips', 's3://photos/trips/2024/beach/a.jpg'), '2024/beach');
  });

  it('indexes, skips unchanged objects by ETag, re-indexes changed ones and drops deleted ones', async () => {
    const first = await runJson<IndexSummary>(['index', 's3://photos/trips'], env);
    assert.equal(first.indexed, files.length);
    assert.deepEqual(
      first.failed.map((f) => [f.path, f.code]),
      [['s3://photos/trips/broken.jpg', 'UNDECODABLE']],
      'the truncated object is reported; the text file is not an image and is ignored',
    );
    // Thumbnails went to the blob bucket under its prefix.
    const thumbs = await client.send(new ListObjectsV2Command({ Bucket: 'blobs', Prefix: 'lib/thumbnails/' }));
    assert.equal(thumbs.KeyCount, files.length);

    const again = await runJson<IndexSummary>(['index', 's3://photos/trips'], env);
    assert.deepEqual([again.indexed, again.skipped, again.removed], [0, files.length, 0]);

    await put(`trips/city/${files[4]}`, await colourImage('green'));
    await client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: `trips/city/${files[5]}` }));
    const third = await runJson<IndexSummary>(['index', 's3://photos/trips'], env);
    assert.deepEqual([third.indexed, third.skipped, third.removed], [1, files.length - 2, 1]);
    const stats = await runJson<{ images: number; folders: Record<string, number> }>(['stats'], env);
    assert.equal(stats.images, files.length - 1);
    assert.deepEqual(stats.folders, { '2024/beach': 3, city: 2 });
  });

  it('results carry the s3:// path and a presigned URL that serves the object', async () => {
    const hits = await runJson<{ path: string; folder: string; s3Path: string; sourceUrl: string }[]>(
      ['search', 'green', '--k', '1', '--folder', ''],
      env,
    );
    assert.equal(hits[0].s3Path, `s3://photos/trips/city/${files[4]}`);
    assert.equal(hits[0].folder, 'city');
    const res = await fetch(hits[0].sourceUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), await colourImage('green'));
  });

  it('a missing bucket or prefix is a clear failure, not a crash', async () => {
    const r = await runCli(['index', 's3://no-such-bucket/x', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as IndexSummary;
    assert.equal(summary.failed[0].path, 's3://no-such-bucket/x');
    assert.equal(summary.failed[0].code, 'UNREADABLE');
  });

  it('the server keeps upload originals and thumbnails in the bucket', async () => {
    const server = await startTestServer({
      ...s3.env,
      LOUPE_BLOB_STORE: 's3',
      LOUPE_S3_BUCKET: 'blobs',
      LOUPE_S3_PREFIX: 'srv/',
    });
    try {
      const res = await fetch(`${server.url}/api/v1/images?wait=true`, {
        method: 'POST',
        body: form([{ name: 'y.png', bytes: await colourImage('yellow', 'png'), type: 'image/png' }]),
      });
      const [img] = (await res.json()).images;
      assert.equal(img.status, 'ready');
      const keys = (await client.send(new ListObjectsV2Command({ Bucket: 'blobs', Prefix: 'srv/' }))).Contents!.map(
        (o) => o.Key!,
      );
      assert.ok(
        keys.some((k) => k.startsWith('srv/originals/')) && keys.some((k) => k.startsWith('srv/thumbnails/')),
        keys.join(', '),
      );
      assert.equal((await fetch(`${server.url}${img.thumbnailUrl}`)).status, 200);
      assert.deepEqual(
        Buffer.from(await (await fetch(`${server.url}${img.url}`)).arrayBuffer()),
        await colourImage('yellow', 'png'),
      );
    } finally {
      await server.stop();
    }
  });
});
