/**
 * XMP, embedded in a JPEG or beside a photo as a sidecar: what Loupe reads from it. exifr parses the packet;
 * finding it in a JPEG is done here because some writers label the segment `XMP\0://ns.adobe.com/xap/1.0/`
 * instead of `http://…` (10 of coco-mini's 239 photos), which exifr and libvips pass over, as ExifTool does not.
 */
import exifr from 'exifr';
import type { ExifSummary } from '../../core/types.js';

const XMP_IDS = ['http://ns.adobe.com/xap/1.0/\0', 'XMP\0://ns.adobe.com/xap/1.0/\0'].map((id) =>
  Buffer.from(id, 'latin1'),
);

/** The XMP packet of a JPEG's APP1 segment, or null. Reads segment headers only, up to the image data. */
export function jpegXmpPacket(jpeg: Buffer): Buffer | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1];
    if (marker === 0xda || marker === 0xd9) return null; // image data: no metadata segments after it
    if (marker === 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += marker === 0xff ? 1 : 2; // fill byte, or a marker without a length
      continue;
    }
    const length = jpeg.readUInt16BE(at + 2);
    const body = jpeg.subarray(at + 4, Math.min(jpeg.length, at + 2 + length));
    if (marker === 0xe1)
      for (const id of XMP_IDS) if (body.subarray(0, id.length).equals(id)) return body.subarray(id.length);
    at += 2 + length;
  }
  return null;
}

type XmpTree = Record<string, Record<string, unknown> | undefined>;

async function parsePacket(packet: Buffer): Promise<XmpTree | null> {
  return ((await exifr.sidecar(packet).catch(() => null)) as XmpTree | null) ?? null;
}

/** A property under its usual prefix or the old one (`xap:` before XMP was renamed). */
function basic(x: XmpTree, name: string): unknown {
  return x.xmp?.[name] ?? x.xap?.[name];
}

/** Date, camera and place from an XMP packet, for what a photo's EXIF lacks. */
export async function xmpExif(packet: Buffer): Promise<ExifSummary> {
  const x = await parsePacket(packet);
  if (!x) return {};
  const exif: ExifSummary = {};
  const taken = wallClock(x.exif?.DateTimeOriginal ?? x.photoshop?.DateCreated ?? basic(x, 'CreateDate'));
  if (taken) exif.takenAt = taken;
  const camera = cameraName(x.tiff?.Make, x.tiff?.Model);
  if (camera) exif.camera = camera;
  const lat = xmpCoordinate(x.exif?.GPSLatitude);
  const lon = xmpCoordinate(x.exif?.GPSLongitude);
  if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) exif.gps = { lat, lon };
  return exif;
}

/** A user's edits in an XMP sidecar: keywords, description and rating (1–5). */
export async function xmpEdits(packet: Buffer): Promise<{ keywords: string[]; description?: string; rating?: number }> {
  const x = (await parsePacket(packet)) ?? {};
  const text = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? v
      : v && typeof v === 'object' && 'value' in v
        ? text((v as { value: unknown }).value)
        : undefined;
  const subject = x.dc?.subject;
  const keywords = (Array.isArray(subject) ? subject : subject === undefined ? [] : [subject])
    .map(text)
    .filter((k): k is string => Boolean(k?.trim()));
  const described = x.dc?.description;
  const description = text(Array.isArray(described) ? described[0] : described)?.trim();
  const rating = Number(basic(x, 'Rating'));
  return {
    keywords: keywords.map((k) => k.trim()),
    ...(description ? { description } : {}),
    ...(rating >= 1 && rating <= 5 ? { rating: Math.round(rating) } : {}),
  };
}

/** "Canon" + "Canon EOS 550D" → "Canon EOS 550D"; "NIKON CORPORATION" + "NIKON D300" → "NIKON D300"; "SONY" + "DSC-T900" → "SONY DSC-T900". */
export function cameraName(make: unknown, model: unknown): string | undefined {
  const parts = [make, model]
    .filter((s): s is string => typeof s === 'string' && Boolean(s.trim()))
    .map((s) => s.trim());
  if (!parts.length) return undefined;
  return parts[1]?.toLowerCase().startsWith(parts[0].split(/\s+/)[0].toLowerCase()) ? parts[1] : parts.join(' ');
}

/**
 * An XMP date's wall-clock time, stored as UTC: EXIF dates carry no zone and are read the same way, so a photo's
 * year and day do not move with its offset. Accepts a year, a date, or a date-time with or without seconds and zone.
 */
function wallClock(value: unknown): string | undefined {
  const m =
    typeof value === 'string'
      ? /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?/.exec(value.trim())
      : null;
  if (!m) return undefined;
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((p) => (p === undefined ? undefined : Number(p))) as number[];
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  return year >= 1800 && !Number.isNaN(date.getTime()) && date.getUTCMonth() === month - 1
    ? date.toISOString()
    : undefined;
}

/** XMP GPS coordinates: "51,30.5N" (degrees, decimal minutes) or "51,30,15N" (degrees, minutes, seconds). */
export function xmpCoordinate(value: unknown): number | null {
  const m =
    typeof value === 'string'
      ? /^\s*(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$/i.exec(value)
      : null;
  if (!m) return null;
  const degrees = Number(m[1]) + Number(m[2]) / 60 + (m[3] ? Number(m[3]) / 3600 : 0);
  return /[SW]/i.test(m[4]) ? -degrees : degrees;
}
