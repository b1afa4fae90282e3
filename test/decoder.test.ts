/** The sharp decoder on real encoders' output and on bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as bmp from 'bmp-ts';
import sharp from 'sharp';
import { SharpDecoder } from '../src/adapters/sharp/sharp-decoder.js';
import { hammingDistance } from '../src/core/phash.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { COCO_IMAGES, colourImage, colourRgb, hugePngHeader } from './support/fixtures.js';

const decoder = new SharpDecoder();
const options = { modelInputSize: 224, thumbnailSize: 320, maxPixels: 100_000_000, maxFrames: 100 };

async function redRgba(width: number, height: number) {
  return sharp(await colourImage('red', 'png', [width, height]))
    .ensureAlpha()
    .raw()
    .toBuffer();
}

describe('decoding formats by their bytes', () => {
  const cases: [string, () => Promise<Buffer>][] = [
    ['jpeg', () => colourImage('red', 'jpeg')],
    ['png', () => colourImage('red', 'png')],
    ['webp', () => colourImage('red', 'webp')],
    [
      'gif',
      async () =>
        sharp(await colourImage('red', 'png'))
          .gif()
          .toBuffer(),
    ],
    [
      'tiff',
      async () =>
        sharp(await colourImage('red', 'png'))
          .tiff()
          .toBuffer(),
    ],
    [
      'avif',
      async () =>
        sharp(await colourImage('red', 'png'))
          .avif({ quality: 80 })
          .toBuffer(),
    ],
    [
      'bmp',
      async () => Buffer.from(bmp.encode({ data: await redRgba(320, 240), width: 320, height: 240, bitPP: 24 }).data),
    ],
  ];
  for (const [format, make] of cases)
    it(`${format}: right format, size, model input, thumbnail and colour`, async () => {
      const d = await decoder.decode(
        await make(),
        `picture.${format === 'jpeg' ? 'png' : 'jpg'}` /* wrong extension on purpose */,
        options,
      );
      assert.equal(d.format, format);
      assert.deepEqual([d.width, d.height], [320, 240]);
      assert.equal(Math.min(d.pixels.width, d.pixels.height), 224);
      assert.equal(d.pixels.data.length, d.pixels.width * d.pixels.height * 3);
      assert.equal((await sharp(d.thumbnail.data).metadata()).format, 'webp');
      assert.ok(Math.max(d.thumbnail.width, d.thumbnail.height) <= 320);
      // The centre pixel of the model input is close to the source red (BMP must not swap channels).
      const [r, g, b] = colourRgb('red');
      const c = ((d.pixels.height >> 1) * d.pixels.width + 5) * 3;
      assert.ok(
        Math.abs(d.pixels.data[c] - r) < 40 &&
          Math.abs(d.pixels.data[c + 1] - g) < 40 &&
          Math.abs(d.pixels.data[c + 2] - b) < 40,
        `got ${d.pixels.data.subarray(c, c + 3)}`,
      );
    });

  it('applies EXIF orientation and reads camera and date', async () => {
    const wide = await sharp(await colourImage('blue', 'png', [400, 200]))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({
        IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' },
        IFD2: { DateTimeOriginal: '2021:06:15 10:30:00' },
      } as never)
      .toBuffer();
    const d = await decoder.decode(wide, 'rotated.jpg', options);
    assert.deepEqual([d.width, d.height], [200, 400], 'orientation 6 turns a 400×200 picture upright to 200×400');
    assert.ok(d.pixels.height > d.pixels.width);
    assert.equal(d.exif.camera, 'Canon EOS 5D');
    assert.match(d.exif.takenAt ?? '', /^2021-06-15T/);
  });

  it('reads date and camera from embedded XMP when EXIF has none, including the "XMP\\0://" segment some writers use', async () => {
    // coco-mini's 000000129648.jpg keeps Make, Model and DateTimeOriginal only in XMP (Lightroom 3.3).
    const d = await decoder.decode(
      await readFile(path.join(COCO_IMAGES, '000000129648.jpg')),
      '000000129648.jpg',
      options,
    );
    assert.equal(d.exif.camera, 'Canon EOS 550D');
    assert.equal(d.exif.takenAt, '2011-02-12T18:09:15.120Z', 'the wall-clock time, as EXIF dates are read');
  });

  it('fills only what EXIF lacks from XMP: GPS from XMP, the EXIF date kept', async () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" exif:DateTimeOriginal="1999-01-01T00:00:00" exif:GPSLatitude="38,42.5N" exif:GPSLongitude="9,8.4W" tiff:Make="NIKON CORPORATION" tiff:Model="NIKON D300"/></rdf:RDF></x:xmpmeta>`;
    const id = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
    const segment = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.alloc(2), id, Buffer.from(xmp)]);
    segment.writeUInt16BE(segment.length - 2, 2);
    const jpeg = await sharp(await colourImage('blue', 'png', [64, 48]))
      .jpeg()
      .withExifMerge({ IFD2: { DateTimeOriginal: '2021:06:15 10:30:00' } } as never)
      .toBuffer();
    const withXmp = Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
    const d = await decoder.decode(withXmp, 'xmp.jpg', options);
    assert.match(d.exif.takenAt ?? '', /^2021-06-15T/, "EXIF's own date wins over XMP's");
    assert.equal(d.exif.camera, 'NIKON D300', "the maker's name is not said twice");
    assert.ok(
      Math.abs(d.exif.gps!.lat - 38.70833) < 1e-4 && Math.abs(d.exif.gps!.lon + 9.14) < 1e-4,
      JSON.stringify(d.exif.gps),
    );
    assert.equal(d.exif.country, 'PT');
  });

  it('gives near-identical perceptual hashes to a photo and its resized, re-encoded copy', async () => {
    const photo = await sharp(path.join(COCO_IMAGES, '000000000139.jpg')).toBuffer();
    const small = await sharp(photo).resize(320).jpeg({ quality: 60 }).toBuffer();
    const other = await sharp(path.join(COCO_IMAGES, '000000000790.jpg')).toBuffer();
    const [a, b, c] = await Promise.all([photo, small, other].map((x) => decoder.decode(x, 'x', options)));
    assert.ok(hammingDistance(a.phash, b.phash) <= 6, `resized copy ${hammingDistance(a.phash, b.phash)} bits away`);
    assert.ok(hammingDistance(a.phash, c.phash) > 16);
  });
});

describe('bad input gets a clear error code', () => {
  it('text with an image name → NOT_AN_IMAGE naming the file', async () => {
    await assert.rejects(
      decoder.decode(Buffer.from('hello, I am a text file\n'.repeat(20)), 'notes.jpg', options),
      (e: Error & { code: string }) => {
        assert.equal(e.code, 'NOT_AN_IMAGE');
        assert.match(e.message, /notes\.jpg: not an image \(its bytes say text\)/);
        return true;
      },
    );
  });
  it('zero bytes → NOT_AN_IMAGE (empty)', async () => {
    await assert.rejects(decoder.decode(Buffer.alloc(0), 'empty.png', options), { code: 'NOT_AN_IMAGE' });
  });
  it('truncated JPEG → UNDECODABLE', async () => {
    const jpeg = await sharp(path.join(COCO_IMAGES, '000000000139.jpg')).toBuffer();
    await assert.rejects(decoder.decode(jpeg.subarray(0, jpeg.length >> 1), 'half.jpg', options), {
      code: 'UNDECODABLE',
    });
  });
  it('a PNG declaring 50000×50000 pixels → TOO_MANY_PIXELS from the header, fast', async () => {
    const started = performance.now();
    await assert.rejects(
      decoder.decode(hugePngHeader(50000, 50000), 'bomb.png', options),
      (e: Error & { code: string }) => {
        assert.equal(e.code, 'TOO_MANY_PIXELS');
        assert.match(e.message, /50000x50000/);
        return true;
      },
    );
    assert.ok(performance.now() - started < 2000, 'refused before decoding pixels');
  });
  it('a BMP declaring huge dimensions → TOO_MANY_PIXELS before the JS decoder runs', async () => {
    const header = Buffer.from(bmp.encode({ data: await redRgba(8, 8), width: 8, height: 8, bitPP: 24 }).data);
    header.writeInt32LE(60000, 18);
    header.writeInt32LE(60000, 22);
    await assert.rejects(decoder.decode(header, 'bomb.bmp', options), { code: 'TOO_MANY_PIXELS' });
  });
  it('too many animation frames → TOO_MANY_FRAMES; within the limit the first frame is used', async () => {
    const frames = await Promise.all(
      ['#f00', '#0f0', '#00f', '#ff0', '#000', '#fff'].map((c) =>
        sharp({ create: { width: 16, height: 16, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } } as never)
      .gif()
      .toBuffer();
    await assert.rejects(decoder.decode(gif, 'anim.gif', { ...options, maxFrames: 3 }), { code: 'TOO_MANY_FRAMES' });
    const first = await decoder.decode(gif, 'anim.gif', options);
    assert.equal(first.frames, 6);
    assert.ok(first.pixels.data[0] > 200 && first.pixels.data[1] < 50, 'first frame (red) decoded');
  });
});

describe('a 12-megapixel phone photo', () => {
  it('stored sideways with EXIF orientation 6: the model input, thumbnail and size are upright', async () => {
    // 4032 × 3024 as the sensor wrote it: red on the left half, blue on the right; orientation 6 turns it 90° clockwise.
    const half = await sharp({ create: { width: 2016, height: 3024, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const sensor = await sharp({ create: { width: 4032, height: 3024, channels: 3, background: 'blue' } })
      .composite([{ input: half, left: 0, top: 0 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    const photo = await sharp(sensor).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    const d = await decoder.decode(photo, 'IMG_1.JPG', { ...options, thumbnailSize: 480 });
    assert.deepEqual([d.width, d.height], [3024, 4032]);
    const { data, width, height } = d.pixels;
    assert.ok(height > width && Math.min(width, height) === 224, `model input ${width}×${height}`);
    const at = (y: number) => [...data.subarray((y * width + (width >> 1)) * 3, (y * width + (width >> 1)) * 3 + 3)];
    assert.ok(at(2)[0] > 200 && at(2)[2] < 60, `top is red: ${at(2)}`);
    assert.ok(at(height - 3)[2] > 200 && at(height - 3)[0] < 60, `bottom is blue: ${at(height - 3)}`);
    assert.ok(
      d.thumbnail.height === 480 && d.thumbnail.width === 360,
      `thumbnail ${d.thumbnail.width}×${d.thumbnail.height}`,
    );
  });
});
