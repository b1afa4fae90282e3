/**
 * A phone's or camera's folder as it comes (issue: a phone's photo library as it is): HEIC written by Debian's
 * heif-enc (libheif-examples, installed by scripts/test-deps.sh), a DNG with a JPEG preview and one without (written
 * byte by byte by test/support/dng.ts), a Live Photo's .MOV, an XMP sidecar, and a PNG screenshot.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { IndexSummary } from '../src/core/types.js';
import { colourImage, runJson, tempDir, testEnv } from './support/fixtures.js';
import { dngFile } from './support/dng.js';
import { form, startTestServer, type TestServer } from './support/server.js';

const heifEnc = await promisify(execFile)('heif-enc', ['--version']).then(
  () => true,
  () => false,
);
if (!heifEnc)
  console.error(
    'test/phone-library.test.ts: heif-enc is missing (apt-get install libheif-examples, or bash scripts/test-deps.sh), so the HEIC tests are SKIPPED',
  );

/** A landscape picture, red on the left and blue on the right, stored sideways with EXIF orientation 6 as phones do. */
async function sidewaysJpeg(exif: { make: string; model: string; taken: string }): Promise<Buffer> {
  const left = await sharp({ create: { width: 300, height: 400, channels: 3, background: 'red' } })
    .png()
    .toBuffer();
  const plain = await sharp({ create: { width: 600, height: 400, channels: 3, background: 'blue' } })
    .composite([{ input: left, left: 0, top: 0 }])
    .jpeg({ quality: 90 })
    .toBuffer();
  return sharp(plain)
    .withExif({ IFD0: { Make: exif.make, Model: exif.model }, IFD2: { DateTimeOriginal: exif.taken } })
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Whether a picture is upright as the camera meant it: portrait, red at the top, blue at the bottom. */
async function upright(bytes: Buffer): Promise<boolean> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  const [top, bottom] = [at(Math.floor(info.width / 2), 2), at(Math.floor(info.width / 2), info.height - 3)];
  return info.height > info.width && top[0] > 200 && top[2] < 60 && bottom[2] > 200 && bottom[0] < 60;
}

describe('a phone folder: HEIC, RAW, videos and sidecars', { skip: !heifEnc && 'heif-enc is missing' }, () => {
  let root: string;
  let photos: string;
  let summary: IndexSummary;
  let s: TestServer;
  let heicBytes: Buffer;

  before(async () => {
    root = await tempDir();
    photos = path.join(root, 'DCIM');
    await mkdir(photos);
    const jpeg = path.join(root, 'source.jpg');
    await writeFile(jpeg, await sidewaysJpeg({ make: 'Apple', model: 'iPhone 13', taken: '2023:05:06 07:08:09' }));
    await promisify(execFile)('heif-enc', ['-q', '70', '-o', path.join(photos, 'IMG_0001 beach.HEIC'), jpeg]);
    heicBytes = await (await import('node:fs/promises')).readFile(path.join(photos, 'IMG_0001 beach.HEIC'));
    const preview = await sharp(await sidewaysJpeg({ make: 'x', model: 'y', taken: '2000:01:01 00:00:00' }))
      .jpeg()
      .toBuffer(); // sharp drops the metadata: the RAW's own orientation must turn it
    await writeFile(
      path.join(photos, 'IMG_0002 harbour.DNG'),
      dngFile({
        preview,
        previewSize: [600, 400],
        make: 'Canon',
        model: 'Canon EOS R5',
        orientation: 6,
        taken: '2022:01:02 03:04:05',
      }),
    );
    await writeFile(
      path.join(photos, 'IMG_0003.dng'),
      dngFile({ preview: null, make: 'Canon', model: 'Canon EOS R5' }),
    );
    // A Live Photo's video: an ISO-BMFF QuickTime header is all file-type needs to call it video/quicktime.
    await writeFile(
      path.join(photos, 'IMG_0001 beach.MOV'),
      Buffer.concat([Buffer.from('0000001466747970717420200000000071742020', 'hex'), Buffer.alloc(4096)]),
    );
    // Lightroom's sidecar for the DNG: keywords, a description and 4 stars.
    await writeFile(
      path.join(photos, 'IMG_0002 harbour.xmp'),
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="4"><dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>Lisbon</rdf:li></rdf:Bag></dc:subject><dc:description><rdf:Alt><rdf:li xml:lang="x-default">Boats in the harbour at dusk</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`,
    );
    await writeFile(path.join(photos, 'Screenshot.png'), await colourImage('green', 'png'));
    // A RAW+JPEG pair as cameras write them: one photo, two files.
    await writeFile(path.join(photos, 'IMG_0005 pier.JPG'), await colourImage('yellow'));
    await writeFile(
      path.join(photos, 'IMG_0005 pier.DNG'),
      dngFile({ preview: await colourImage('orange'), previewSize: [320, 240], make: 'Canon', model: 'Canon EOS R5' }),
    );
    const env = await testEnv(path.join(root, 'data'), { LOUPE_OCR: 'off' });
    summary = await runJson<IndexSummary>(['index', photos], env);
    s = await startTestServer({ LOUPE_OCR: 'off' }, path.join(root, 'data'));
  });
  after(() => s?.stop());

  it('indexes the HEIC and the DNG, reports the DNG without a preview, and counts the video and the sidecar', () => {
    assert.equal(summary.indexed, 4, JSON.stringify(summary));
    assert.equal(summary.paired, 1);
    assert.deepEqual(
      summary.failed.map((f) => [path.basename(f.path), f.code]),
      [['IMG_0003.dng', 'RAW_WITHOUT_PREVIEW']],
    );
    assert.match(summary.failed[0].error, /no embedded JPEG preview.*export a JPEG/);
    assert.deepEqual(summary.passedOver, { video: 1, sidecar: 1, other: 0 });
  });

  it('keeps the HEIC upright with its EXIF date and camera, serves its thumbnail and a JPEG preview, and finds it', async () => {
    const found = await (
      await fetch(`${s.url}/api/v1/images/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'beach', mode: 'text' }),
      })
    ).json();
    assert.equal(found.results.length, 1);
    const image = await (await fetch(`${s.url}/api/v1/images/${found.results[0].id}`)).json();
    assert.equal(image.format, 'heic');
    assert.deepEqual([image.width, image.height], [400, 600], 'oriented size');
    assert.equal(image.exif.takenAt, '2023-05-06T07:08:09.000Z');
    assert.equal(image.exif.camera, 'Apple iPhone 13');
    const thumb = await fetch(`${s.url}/api/v1/images/${image.id}/thumbnail`);
    assert.equal(thumb.headers.get('content-type'), 'image/webp');
    assert.ok(await upright(Buffer.from(await thumb.arrayBuffer())), 'the thumbnail is upright');
    const preview = await fetch(`${s.url}/api/v1/images/${image.id}/preview?size=300`);
    assert.equal(preview.headers.get('content-type'), 'image/jpeg');
    const previewBytes = Buffer.from(await preview.arrayBuffer());
    assert.ok(await upright(previewBytes), 'the preview is upright');
    assert.equal((await sharp(previewBytes).metadata()).height, 300);
  });

  it("indexes the DNG from its preview, turned by the RAW's orientation, with the RAW's EXIF and its sidecar's keywords", async () => {
    const found = await (
      await fetch(`${s.url}/api/v1/images/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'harbour', mode: 'text' }),
      })
    ).json();
    assert.equal(found.results.length, 1);
    const image = await (await fetch(`${s.url}/api/v1/images/${found.results[0].id}`)).json();
    assert.equal(image.format, 'dng');
    assert.deepEqual([image.width, image.height], [400, 600]);
    assert.equal(image.exif.takenAt, '2022-01-02T03:04:05.000Z');
    assert.equal(image.exif.camera, 'Canon EOS R5');
    // Its XMP sidecar: keywords and the rating as tags, the description as the caption.
    assert.deepEqual([...image.tags].sort(), ['Lisbon', 'holiday', 'rating-4']);
    assert.equal(image.caption, 'Boats in the harbour at dusk');
    assert.ok(
      await upright(Buffer.from(await (await fetch(`${s.url}/api/v1/images/${image.id}/thumbnail`)).arrayBuffer())),
    );
  });

  it('keeps a RAW+JPEG pair as one photo with both paths, found once', async () => {
    const found = await (
      await fetch(`${s.url}/api/v1/images/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'pier', mode: 'text' }),
      })
    ).json();
    assert.equal(found.results.length, 1);
    const image = await (await fetch(`${s.url}/api/v1/images/${found.results[0].id}`)).json();
    assert.equal(image.format, 'jpeg', 'the JPEG is the photo indexed');
    assert.deepEqual(image.paths.map((p: string) => path.basename(p)).sort(), [
      'IMG_0005 pier.DNG',
      'IMG_0005 pier.JPG',
    ]);
    // Indexing again changes nothing: the companion is known as the photo's.
    const { indexPaths } = await import('../src/app/index-paths.js');
    const again = await indexPaths(s.lib, [photos]);
    assert.deepEqual([again.indexed, again.paired, again.failed.length], [0, 0, 1], JSON.stringify(again));
  });

  it('takes a HEIC upload over HTTP', async () => {
    const copy = Buffer.concat([heicBytes]); // same bytes: already stored, so one more path; then a re-encoded one
    assert.equal(
      (
        await fetch(`${s.url}/api/v1/images?wait=true`, {
          method: 'POST',
          body: form([{ name: 'same.heic', bytes: copy }]),
        })
      ).status,
      201,
    );
    const source = path.join(root, 'upload.jpg');
    await writeFile(source, await sidewaysJpeg({ make: 'Apple', model: 'iPhone 15', taken: '2024:02:03 04:05:06' }));
    await promisify(execFile)('heif-enc', ['-q', '40', '-o', path.join(root, 'upload.heic'), source]);
    const up = await fetch(`${s.url}/api/v1/images?wait=true`, {
      method: 'POST',
      body: form([
        {
          name: 'upload.heic',
          bytes: await (await import('node:fs/promises')).readFile(path.join(root, 'upload.heic')),
        },
      ]),
    });
    assert.equal(up.status, 201);
    const [stored] = (await up.json()).images as { id: string }[];
    const image = await (await fetch(`${s.url}/api/v1/images/${stored.id}`)).json();
    assert.equal(image.exif.camera, 'Apple iPhone 15');
    assert.deepEqual([image.width, image.height], [400, 600]);
  });
});
