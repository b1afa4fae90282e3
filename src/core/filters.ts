/**
 * What an image must be to be shown: when it was taken, with which camera, where, its shape and type, and
 * what Loupe knows about it. One shape for the query syntax (`after:2019-06 camera:pixel`), the API's
 * structured fields and the CLI's flags; the store turns it into SQL, so filters apply before the k nearest
 * are picked, never after.
 */
import { LoupeError } from './errors.js';

export type Orientation = 'portrait' | 'landscape' | 'square';
export const ORIENTATIONS: readonly Orientation[] = ['portrait', 'landscape', 'square'];

/** Things an image can have: `has:text` (recognised text), `has:caption`, `has:gps`, `has:labels` (a detector's). */
export const HAS_VALUES = ['text', 'caption', 'gps', 'labels'] as const;
export type HasValue = (typeof HAS_VALUES)[number];

export interface ImageFilters {
  /** Only images with a path in this folder or below it. */
  folder?: string | null;
  /** Images carrying all these tags (the user's own or a detector's labels). */
  tags?: string[];
  /** Taken at or after this instant (ISO 8601). */
  takenAfter?: string;
  /** Taken before this instant (ISO 8601), exclusive. */
  takenBefore?: string;
  /** Camera make or model contains this text (case-insensitive). */
  camera?: string;
  /** Within `km` of a point (needs GPS in the image). */
  near?: { lat: number; lon: number; km: number };
  /** Taken in this country: ISO 3166-1 alpha-2 code (names are resolved before they get here). */
  country?: string;
  /** File types, as stored: jpeg, png, webp, gif, tiff, bmp, avif, heif. */
  formats?: string[];
  minWidth?: number;
  minHeight?: number;
  orientation?: Orientation;
  has?: HasValue[];
}

/** Orders of results: relevance (searches with words or an image), date taken, or file name. */
export const SORTS = ['relevance', 'newest', 'oldest', 'name'] as const;
export type Sort = (typeof SORTS)[number];

const FORMAT_ALIASES: Record<string, string> = { jpg: 'jpeg', jpe: 'jpeg', tif: 'tiff', heic: 'heif', heif: 'heif' };
export const FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'bmp', 'avif', 'heif'];

export function normaliseFormat(value: string): string {
  const f = value.trim().toLowerCase().replace(/^\./, '');
  const format = FORMAT_ALIASES[f] ?? f;
  if (!FORMATS.includes(format))
    throw new LoupeError('BAD_ARGUMENT', {
      message: `type:${value} is not an image type Loupe stores (${FORMATS.join(', ')})`,
    });
  return format;
}

/** Years a date filter may name. */
export const MIN_YEAR = 1800;
export const MAX_YEAR = 3000;

/**
 * A calendar period written as YYYY, YYYY-MM or YYYY-MM-DD, as the instants it starts and ends at. Dates
 * are in the process's time zone: EXIF times carry no zone and are read in that same zone at indexing.
 */
export function periodOf(value: string, what = 'date'): { start: Date; end: Date } {
  const m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(value.trim());
  const bad = () =>
    new LoupeError('BAD_ARGUMENT', {
      message: `${what} "${value}" is not a date: write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019-06)`,
    });
  if (!m) throw bad();
  const [y, mo, d] = [Number(m[1]), m[2] ? Number(m[2]) : null, m[3] ? Number(m[3]) : null];
  // Photos' years; past this range dates leave what the database stores (and JavaScript reads 0099 as 1999).
  if (y < MIN_YEAR || y > MAX_YEAR)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `${what} "${value}": the year must be from ${MIN_YEAR} to ${MAX_YEAR}`,
    });
  if (mo !== null && (mo < 1 || mo > 12)) throw bad();
  const start = new Date(y, (mo ?? 1) - 1, d ?? 1);
  if (d !== null && start.getDate() !== d) throw bad(); // 2021-02-30
  const end = d !== null ? new Date(y, mo! - 1, d + 1) : mo !== null ? new Date(y, mo, 1) : new Date(y + 1, 0, 1);
  return { start, end };
}

/** `LAT,LON` or `LAT,LON,KM` (default 10 km). */
export function parseNear(value: string): { lat: number; lon: number; km: number } {
  const parts = value.split(',').map((s) => s.trim());
  const [lat, lon, km] = [Number(parts[0]), Number(parts[1]), parts[2] === undefined ? 10 : Number(parts[2])];
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    parts.some((p) => p === '') ||
    !(Math.abs(lat) <= 90) ||
    !(Math.abs(lon) <= 180) ||
    !(km > 0 && km <= 20_000)
  )
    throw new LoupeError('BAD_ARGUMENT', {
      message: `near:${value} is not a place: write near:LAT,LON or near:LAT,LON,KM (e.g. near:48.858,2.294,5)`,
    });
  return { lat, lon, km };
}

export function parseMinSize(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1_000_000)
    throw new LoupeError('BAD_ARGUMENT', { message: `${what}:${value} must be a whole number of pixels` });
  return n;
}

/** The later of two lower bounds and the earlier of two upper bounds: `year:2021 after:2021-06` is June onwards. */
function later(a: string | undefined, b: string | undefined) {
  return a === undefined ? b : b === undefined ? a : a > b ? a : b;
}
function earlier(a: string | undefined, b: string | undefined) {
  return a === undefined ? b : b === undefined ? a : a < b ? a : b;
}

/** Both sets of filters at once (the query's words and the structured fields): every condition must hold. */
export function bothFilters(a: ImageFilters, b: ImageFilters): ImageFilters {
  const out: ImageFilters = { ...a, ...b };
  out.folder = b.folder || a.folder || null;
  out.tags = [...new Set([...(a.tags ?? []), ...(b.tags ?? [])])];
  out.has = [...new Set([...(a.has ?? []), ...(b.has ?? [])])];
  out.takenAfter = later(a.takenAfter, b.takenAfter);
  out.takenBefore = earlier(a.takenBefore, b.takenBefore);
  if (a.formats?.length && b.formats?.length) out.formats = a.formats.filter((f) => b.formats!.includes(f));
  if (a.minWidth !== undefined || b.minWidth !== undefined) out.minWidth = Math.max(a.minWidth ?? 0, b.minWidth ?? 0);
  if (a.minHeight !== undefined || b.minHeight !== undefined)
    out.minHeight = Math.max(a.minHeight ?? 0, b.minHeight ?? 0);
  for (const key of Object.keys(out) as (keyof ImageFilters)[]) if (out[key] === undefined) delete out[key];
  return out;
}

/** Whether anything beyond the folder restricts the images (what decides if a search with no words is allowed). */
export function restricts(f: ImageFilters): boolean {
  return Boolean(
    f.folder ||
    f.tags?.length ||
    f.takenAfter ||
    f.takenBefore ||
    f.camera ||
    f.near ||
    f.country ||
    f.formats?.length ||
    f.minWidth ||
    f.minHeight ||
    f.orientation ||
    f.has?.length,
  );
}

/** Great-circle distance in km (haversine): the same formula the SQL filter uses. */
export function kmBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
export const EARTH_KM = 6371.0088;

/** Filters as the API's structured fields and the CLI's flags write them: the same words as the query syntax. */
export interface FilterFields {
  after?: string;
  before?: string;
  taken?: string;
  year?: number | string;
  camera?: string;
  near?: string | { lat: number; lon: number; km?: number };
  country?: string;
  type?: string | string[];
  minWidth?: number | string;
  minHeight?: number | string;
  orientation?: Orientation;
  has?: HasValue[];
  tags?: string[];
  folder?: string;
}

export function filtersFromFields(f: FilterFields): ImageFilters {
  const out: ImageFilters = {};
  let after: string | undefined;
  let before: string | undefined;
  if (f.after !== undefined) after = periodOf(f.after, 'after').start.toISOString();
  if (f.before !== undefined) before = periodOf(f.before, 'before').start.toISOString();
  for (const [what, value] of [
    ['taken', f.taken],
    ['year', f.year === undefined ? undefined : String(f.year)],
  ] as const) {
    if (value === undefined) continue;
    if (what === 'year' && !/^\d{4}$/.test(value))
      throw new LoupeError('BAD_ARGUMENT', { message: `year ${value} is not a year: write four digits (e.g. 2021)` });
    const period = periodOf(value, what);
    after = after && after > period.start.toISOString() ? after : period.start.toISOString();
    before = before && before < period.end.toISOString() ? before : period.end.toISOString();
  }
  if (after) out.takenAfter = after;
  if (before) out.takenBefore = before;
  if (f.camera?.trim()) out.camera = f.camera.trim();
  if (f.near !== undefined)
    out.near =
      typeof f.near === 'string'
        ? parseNear(f.near)
        : parseNear(`${f.near.lat},${f.near.lon}${f.near.km === undefined ? '' : `,${f.near.km}`}`);
  if (f.country?.trim()) out.country = f.country.trim();
  if (f.type !== undefined)
    out.formats = [...new Set((Array.isArray(f.type) ? f.type : f.type.split(',')).map(normaliseFormat))];
  if (f.minWidth !== undefined) out.minWidth = parseMinSize(String(f.minWidth), 'minWidth');
  if (f.minHeight !== undefined) out.minHeight = parseMinSize(String(f.minHeight), 'minHeight');
  if (f.orientation !== undefined) {
    if (!ORIENTATIONS.includes(f.orientation))
      throw new LoupeError('BAD_ARGUMENT', { message: `orientation must be one of ${ORIENTATIONS.join(', ')}` });
    out.orientation = f.orientation;
  }
  if (f.has?.length) {
    const bad = f.has.find((h) => !HAS_VALUES.includes(h));
    if (bad) throw new LoupeError('BAD_ARGUMENT', { message: `has: ${bad} is not one of ${HAS_VALUES.join(', ')}` });
    out.has = [...new Set(f.has)];
  }
  if (f.tags?.length) out.tags = f.tags;
  if (f.folder !== undefined) out.folder = f.folder.replace(/^\/+|\/+$/g, '');
  return out;
}
