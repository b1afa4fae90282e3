/**
 * Decodes image bytes with sharp (libvips), with a pure-JS fallback for BMP and libheif's WASM build for HEVC-coded
 * HEIC, which prebuilt libvips cannot read; camera RAW photos by their embedded JPEG preview.
 * Formats are recognised by their bytes, never by the file name. Pixel-count and frame limits are
 * checked from the header, before any pixel is decoded.
 */
// What only some images need (HEIC, a place for GPS, sniffing a file) is imported when first needed: a search
// opens the library without paying for them.
import sharp, { type Metadata, type Sharp } from 'sharp';
import * as bmp from 'bmp-ts';
import { heifExifTiff, heifHasTransform } from './heif-boxes.js';
import { cameraName, jpegXmpPacket, xmpEdits, xmpExif } from './xmp.js';
import { largestJpegPreview } from './raw-preview.js';
import exifr from 'exifr';
import { LoupeError, isLoupeError, reasonOf } from '../../core/errors.js';
import { gray32FromRgb, phashFromGray32 } from '../../core/phash.js';
import type { ExifSummary } from '../../core/types.js';
import type {
  DecodedImage,
  DecodeOptions,
  ImageDecoder,
  ImageHeader,
  SidecarEdits,
} from '../../ports/image-decoder.js';

const SUPPORTED: Record<string, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/tiff': 'tiff',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/apng': 'png',
  'image/x-adobe-dng': 'dng',
  'image/x-canon-cr2': 'cr2',
  'image/x-canon-cr3': 'cr3',
  'image/x-nikon-nef': 'nef',
  'image/x-sony-arw': 'arw',
  'image/x-fujifilm-raf': 'raf',
  'image/x-olympus-orf': 'orf',
  'image/x-panasonic-rw2': 'rw2',
};
/** Camera RAW formats: indexed by their embedded JPEG preview (raw-preview.ts). */
const RAW_FORMATS = new Set(['dng', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'orf', 'rw2']);

/** The image format of some leading bytes (4 KiB is enough), or null with what the bytes look like instead. */
export async function sniffImageFormat(head: Uint8Array): Promise<{ format: string | null; detected: string }> {
  const type = await (await import('file-type')).fileTypeFromBuffer(head);
  const format = (type && SUPPORTED[type.mime]) || null;
  return {
    format,
    detected: type?.mime ?? describeUnknown(Buffer.from(head.buffer, head.byteOffset, head.byteLength)),
  };
}

// One libvips thread per decode: the pipeline runs several decodes at once and leaves a core for inference.
sharp.concurrency(1);

export class SharpDecoder implements ImageDecoder {
  sniff(head: Uint8Array) {
    return sniffImageFormat(head);
  }

  async toJpeg(bytes: Buffer, maxSide: number) {
    const header = await this.inspect(bytes, 'image', { maxPixels: Infinity, maxFrames: Infinity });
    const { image } = await openPixels(bytes, 'image', header, false);
    return image
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#fff' })
      .jpeg({ quality: 85 })
      .toBuffer();
  }

  sidecarEdits(xmp: Buffer): Promise<SidecarEdits> {
    return xmpEdits(xmp);
  }

  async readable(bytes: Buffer, maxSide: number) {
    const header = await this.inspect(bytes, 'image', { maxPixels: Infinity, maxFrames: Infinity });
    return header.compression === 'hevc' || RAW_FORMATS.has(header.format) ? this.toJpeg(bytes, maxSide) : bytes;
  }

  async inspect(bytes: Buffer, name: string, limits: { maxPixels: number; maxFrames: number }): Promise<ImageHeader> {
    const { format, detected } = await sniffImageFormat(bytes);
    if (!format) throw new LoupeError('NOT_AN_IMAGE', { path: name, detected });
    let header: ImageHeader;
    if (RAW_FORMATS.has(format)) {
      const preview = largestJpegPreview(bytes);
      if (!preview) throw new LoupeError('RAW_WITHOUT_PREVIEW', { path: name, format: format.toUpperCase() });
      header = { format, width: preview.width, height: preview.height, frames: 1, orientation: 1 };
    } else if (format === 'bmp') {
      // BITMAPINFOHEADER: width at 18, height at 22 (negative for top-down), little-endian.
      if (bytes.length < 26) throw new LoupeError('UNDECODABLE', { path: name, reason: 'truncated BMP header' });
      header = {
        format,
        width: Math.abs(bytes.readInt32LE(18)),
        height: Math.abs(bytes.readInt32LE(22)),
        frames: 1,
        orientation: 1,
      };
    } else {
      let meta: Metadata;
      try {
        // Read without a pixel limit so that an over-limit image gets its own, precise error below.
        meta = await sharp(bytes, { limitInputPixels: false, failOn: 'truncated' }).metadata(); // header only
      } catch (e) {
        throw new LoupeError('UNDECODABLE', { path: name, reason: cleanSharpError(e) }, { cause: e });
      }
      header = {
        format,
        width: meta.width ?? 0,
        height: meta.height ?? 0,
        frames: meta.pages ?? 1,
        orientation: meta.orientation ?? 1,
        ...(meta.compression ? { compression: meta.compression } : {}),
      };
    }
    const { width, height, frames } = header;
    if (width * height > limits.maxPixels)
      throw new LoupeError('TOO_MANY_PIXELS', { path: name, width, height, limit: limits.maxPixels });
    if (frames > limits.maxFrames)
      throw new LoupeError('TOO_MANY_FRAMES', { path: name, frames, limit: limits.maxFrames });
    return header;
  }

  async decode(bytes: Buffer, name: string, o: DecodeOptions): Promise<DecodedImage> {
    const header = await this.inspect(bytes, name, o);
    const { format, frames } = header;
    try {
      // One full decode (first frame, EXIF-oriented, alpha flattened onto white) to the smallest working size
      // that still serves both the model input (short edge) and the thumbnail (long edge). Scaling by about
      // half or more lets libjpeg shrink while decoding, so this costs little more than the decode floor.
      const { image, width: w, height: h } = await openPixels(bytes, name, header, o.maxPixels);
      const scale = Math.min(1, Math.max(o.thumbnailSize / Math.max(w, h), o.modelInputSize / Math.min(w, h)));
      const { data, info } = await image
        .resize({ width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)), fit: 'fill' })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const raw = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 3 } });

      const [model, thumb, label] = await Promise.all([
        raw()
          .resize({ width: o.modelInputSize, height: o.modelInputSize, fit: 'outside', withoutEnlargement: false })
          .raw()
          .toBuffer({ resolveWithObject: true }),
        raw()
          .resize({ width: o.thumbnailSize, height: o.thumbnailSize, fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 75, effort: 0 })
          .toBuffer({ resolveWithObject: true }),
        // libvips' default (lanczos): bilinear was 2–3 ms cheaper but cost labels 0.02 recall on coco-mini (bench/labels.ts).
        o.labelSide
          ? raw()
              .resize({ width: o.labelSide, height: o.labelSide, fit: 'fill' })
              .raw()
              .toBuffer({ resolveWithObject: true })
          : null,
      ]);
      return {
        format,
        width: w,
        height: h,
        frames,
        exif: await readExif(bytes, format),
        // From the working-size pixels (≥ 224 px), whose aspect ratio is the original's.
        phash: phashFromGray32(
          gray32FromRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height),
        ),
        pixels: {
          data: new Uint8Array(model.data.buffer, model.data.byteOffset, model.data.length),
          width: model.info.width,
          height: model.info.height,
        },
        thumbnail: { data: thumb.data, format: 'webp', width: thumb.info.width, height: thumb.info.height },
        ...(label
          ? {
              labelPixels: {
                data: new Uint8Array(label.data.buffer, label.data.byteOffset, label.data.length),
                width: label.info.width,
                height: label.info.height,
              },
            }
          : {}),
      };
    } catch (e) {
      if (isLoupeError(e)) throw e;
      throw new LoupeError('UNDECODABLE', { path: name, reason: cleanSharpError(e) }, { cause: e });
    }
  }
}

/**
 * The pixels to work from, oriented, with their oriented size. HEVC-coded HEIF (the iPhone's photos) goes through
 * libheif's WASM build, as prebuilt libvips has no HEVC decoder: the primary image, its grid tiles joined and its
 * rotation applied by libheif (HEIF's own transforms, not EXIF's, say which way is up).
 */
async function openPixels(
  bytes: Buffer,
  name: string,
  header: ImageHeader,
  maxPixels: number | false,
): Promise<{ image: Sharp; width: number; height: number }> {
  if (header.compression === 'hevc') return decodeHeic(bytes, name);
  if (RAW_FORMATS.has(header.format)) return decodeRawPreview(bytes);
  const turned = header.orientation >= 5;
  const image =
    header.format === 'bmp'
      ? decodeBmp(bytes, name)
      : sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' });
  return {
    image: image.rotate(),
    width: turned ? header.height : header.width,
    height: turned ? header.width : header.height,
  };
}

async function decodeHeic(bytes: Buffer, name: string): Promise<{ image: Sharp; width: number; height: number }> {
  try {
    const images = await (await import('heic-decode')).default.all({ buffer: bytes });
    try {
      // The primary image is the largest top-level one (others are bursts or previews; depth maps are not top-level).
      const primary = images.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
      const { width, height, data } = await primary.decode();
      const image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
        raw: { width, height, channels: 4 },
      });
      // A file without HEIF's own rotation (older writers) still says which way is up in its EXIF.
      const tiff = heifHasTransform(bytes) ? null : heifExifTiff(bytes);
      const orientation = tiff ? ((await exifr.orientation(tiff).catch(() => 1)) ?? 1) : 1;
      return {
        image: orient(image, orientation),
        width: orientation >= 5 ? height : width,
        height: orientation >= 5 ? width : height,
      };
    } finally {
      images.dispose();
    }
  } catch (e) {
    throw new LoupeError('UNDECODABLE', { path: name, reason: `HEIC: ${reasonOf(e)}` }, { cause: e });
  }
}

/** A RAW's largest JPEG preview, turned as the preview's own EXIF says or else as the RAW's. */
async function decodeRawPreview(bytes: Buffer): Promise<{ image: Sharp; width: number; height: number }> {
  const { jpeg, width, height } = largestJpegPreview(bytes)!;
  const own = (await sharp(jpeg).metadata()).orientation;
  const orientation = own ?? ((await exifr.orientation(bytes).catch(() => 1)) || 1);
  const image = own
    ? sharp(jpeg, { failOn: 'truncated' }).rotate()
    : orient(sharp(jpeg, { failOn: 'truncated' }), orientation);
  return { image, width: orientation >= 5 ? height : width, height: orientation >= 5 ? width : height };
}

/** Pixels without EXIF turned as an EXIF orientation (1–8) says, as `.rotate()` turns a JPEG that carries it. */
function orient(image: Sharp, orientation: number): Sharp {
  const [angle, flop] = (
    [
      [0, false],
      [0, true],
      [180, false],
      [180, true],
      [270, true],
      [90, false],
      [90, true],
      [270, false],
    ] as const
  )[orientation - 1] ?? [0, false];
  return (flop ? image.flop() : image).rotate(angle);
}

function decodeBmp(bytes: Buffer, name: string): Sharp {
  try {
    const image = bmp.decode(bytes, { toRGBA: true });
    // Only 32-bit BMPs carry alpha; below that the decoder leaves the alpha byte at 0, meaning opaque.
    if ((image.bitPP ?? 24) < 32) for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
    return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
  } catch (e) {
    throw new LoupeError('UNDECODABLE', { path: name, reason: reasonOf(e) }, { cause: e });
  }
}

async function readExif(bytes: Buffer, format: string): Promise<ExifSummary> {
  const summary = await exifSummary(bytes, format);
  // A RAW whose container exifr does not read (RAF, CR3) still has its preview's EXIF.
  if (RAW_FORMATS.has(format) && !summary.takenAt && !summary.camera)
    return { ...(await exifSummary(largestJpegPreview(bytes)?.jpeg ?? Buffer.alloc(0), 'jpeg')), ...summary };
  return summary;
}

async function exifSummary(bytes: Buffer, format: string): Promise<ExifSummary> {
  if (!['jpeg', 'tiff', 'heic', 'heif', 'avif', 'png', 'webp', ...RAW_FORMATS].includes(format) || bytes.length === 0)
    return {};
  const exif: ExifSummary = {};
  try {
    // A HEIF's Exif item is found by Loupe (exifr misplaces items that have a base offset).
    const source = format === 'heic' || format === 'heif' ? (heifExifTiff(bytes) ?? bytes) : bytes;
    const tags = await exifr.parse(source, {
      pick: [
        'DateTimeOriginal',
        'CreateDate',
        'Make',
        'Model',
        'GPSLatitude',
        'GPSLongitude',
        'GPSAltitude',
        'GPSLatitudeRef',
        'GPSLongitudeRef',
      ],
      gps: true,
    });
    const taken = tags?.DateTimeOriginal ?? tags?.CreateDate;
    if (taken instanceof Date && !Number.isNaN(taken.getTime())) exif.takenAt = taken.toISOString();
    const camera = cameraName(tags?.Make, tags?.Model);
    if (camera) exif.camera = camera;
    if (Number.isFinite(tags?.latitude) && Number.isFinite(tags?.longitude))
      exif.gps = {
        lat: tags.latitude,
        lon: tags.longitude,
        ...(Number.isFinite(tags.GPSAltitude) ? { alt: tags.GPSAltitude } : {}),
      };
  } catch {
    // Broken EXIF never costs the image.
  }
  // Some photos keep their date, camera or place only in XMP (edited in Lightroom or Photoshop): fill what EXIF lacks.
  const packet = format === 'jpeg' && !(exif.takenAt && exif.camera && exif.gps) ? jpegXmpPacket(bytes) : null;
  if (packet) Object.assign(exif, { ...(await xmpExif(packet)), ...exif });
  const country = exif.gps && (await import('../geo/countries.js')).countryAt(exif.gps.lat, exif.gps.lon);
  if (country) exif.country = country;
  return exif;
}

function describeUnknown(bytes: Buffer): string {
  if (bytes.length === 0) return 'empty';
  const head = bytes.subarray(0, 512);
  const printable = head.filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)).length;
  return printable / head.length > 0.95 ? 'text' : 'unknown binary data';
}

function cleanSharpError(e: unknown): string {
  return reasonOf(e).replace(/\s+/g, ' ').trim();
}
