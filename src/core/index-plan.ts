/**
 * What an index run does with each file, decided from facts alone (no I/O): the rules `indexPaths` applies
 * between reading the source and writing the store.
 */

/** What the store knows of a path from an earlier run. */
export interface KnownPath {
  size: number;
  mtimeMs: number;
  sha256: string;
  root: string;
  etag?: string | null;
}

/** What the source says of the file now. */
export interface FileNow {
  size: number;
  mtimeMs: number;
  etag?: string | null;
}

/** Names a user would give an image file: a file with one of these that is empty or not an image is an error, others are not ours. */
export const IMAGE_EXTENSIONS = new Set([
  ...['.jpg', '.jpeg', '.jpe', '.png', '.gif', '.bmp', '.dib', '.tif', '.tiff', '.webp', '.avif', '.heic', '.heif'],
  // camera RAW
  ...['.dng', '.cr2', '.cr3', '.nef', '.arw', '.raf', '.orf', '.rw2', '.pef'],
]);

const RAW_EXTENSIONS = new Set(['.dng', '.cr2', '.cr3', '.nef', '.arw', '.raf', '.orf', '.rw2', '.pef']);

/**
 * Files that are one photo: a RAW beside the JPEG or HEIC the camera made of it, or a HEIC beside its JPEG (same folder,
 * same name before the extension). The JPEG (else the HEIC) is the photo indexed; each companion becomes one more path
 * of it, as Immich stacks them, so a search shows the photo once. Returns companion path → the photo's path.
 */
export function companionsOf(files: readonly { path: string }[]): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const { path } of files) {
    const dot = path.lastIndexOf('.');
    if (dot <= path.lastIndexOf('/')) continue;
    const key = path.slice(0, dot).toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), path]);
  }
  const out = new Map<string, string>();
  for (const paths of groups.values()) {
    if (paths.length < 2) continue;
    const jpeg = paths.find((p) => ['.jpg', '.jpeg'].includes(extensionOf(p)));
    const heic = paths.find((p) => ['.heic', '.heif'].includes(extensionOf(p)));
    const primary = jpeg ?? heic;
    if (!primary) continue;
    for (const p of paths)
      if (p !== primary && (RAW_EXTENSIONS.has(extensionOf(p)) || (jpeg && p === heic))) out.set(p, primary);
  }
  return out;
}

/**
 * The XMP sidecar of each photo among `files`: `IMG_1.JPG.xmp` (darktable, digiKam) or `IMG_1.xmp` (Lightroom, for
 * every file of that name). Returns photo path → sidecar path.
 */
export function sidecarsOf(files: readonly { path: string }[]): Map<string, string> {
  const xmp = new Map<string, string>();
  for (const { path } of files) if (extensionOf(path) === '.xmp') xmp.set(path.slice(0, -4).toLowerCase(), path);
  const out = new Map<string, string>();
  for (const { path } of files) {
    if (extensionOf(path) === '.xmp') continue;
    const dot = path.lastIndexOf('.');
    const sidecar =
      xmp.get(path.toLowerCase()) ??
      (dot > path.lastIndexOf('/') ? xmp.get(path.slice(0, dot).toLowerCase()) : undefined);
    if (sidecar) out.set(path, sidecar);
  }
  return out;
}

/** What a phone or camera folder holds beside its photos, counted by kind in an index run's summary. */
export type PassedOverKind = 'video' | 'sidecar' | 'other';
const VIDEO_EXTENSIONS = new Set([
  '.mov',
  '.mp4',
  '.m4v',
  '.avi',
  '.mkv',
  '.3gp',
  '.mts',
  '.m2ts',
  '.webm',
  '.wmv',
  '.mpg',
  '.mpeg',
]);
const SIDECAR_EXTENSIONS = new Set(['.xmp', '.aae', '.thm', '.json']);

/** The kind of a file that is not an image, from what its bytes say (a MIME type, when known) or else its name. */
export function passedOverKind(path: string, detected: string): PassedOverKind {
  const ext = extensionOf(path);
  if (detected.startsWith('video/') || VIDEO_EXTENSIONS.has(ext)) return 'video';
  return SIDECAR_EXTENSIONS.has(ext) ? 'sidecar' : 'other';
}

const extensionOf = (p: string) => {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
};

/** Whether a file that turns out empty or not an image is reported (named by the user, or named like an image) or quietly passed over (noise in a folder). */
export const mustBeImage = (file: { path: string; explicit: boolean }) =>
  file.explicit || IMAGE_EXTENSIONS.has(extensionOf(file.path));

/** Unchanged since it was indexed: a version (S3 ETag) says so when both have one; else size and modification time. */
export function isUnchanged(before: KnownPath | undefined, now: FileNow): boolean {
  if (!before) return false;
  return before.etag && now.etag
    ? before.etag === now.etag
    : before.size === now.size && before.mtimeMs === now.mtimeMs;
}

/**
 * A read and hashed file's fate: `touched` (same content at the same path: refresh its size and time), `attach`
 * (the content is stored already, under another path: a duplicate or a move, no model run), or `new` (decode and embed).
 */
export function contentPlan(
  before: KnownPath | undefined,
  sha256: string,
  storedImageId: string | undefined,
): 'touched' | 'attach' | 'new' {
  if (storedImageId && before?.sha256 === sha256) return 'touched';
  return storedImageId ? 'attach' : 'new';
}

/** The first of each path, in order (the same file named twice: a folder and a file inside it). */
export function uniqueByPath<T extends { path: string }>(files: T[]): T[] {
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(f.path) && Boolean(seen.add(f.path)));
}

export function batchesOf<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * Stored paths of walked folders that the walk did not see: the ones to check for removal. Paths under a folder
 * that could not be read are never candidates (not seeing them proves nothing).
 */
export function sweepCandidates(stored: string[], seen: ReadonlySet<string>, unreadableDirs: string[]): string[] {
  const under = (p: string) => unreadableDirs.some((d) => p.startsWith(d.endsWith('/') ? d : d + '/'));
  return stored.filter((p) => !seen.has(p) && !under(p));
}
