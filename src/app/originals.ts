import { createHash } from 'node:crypto';
import { LoupeError } from '../core/errors.js';
import type { ImageDetails } from '../core/types.js';
import type { Library } from './library.js';
import type { ImageRecords } from '../ports/store.js';
import { isUploadPath, originalKey } from '../core/blob-keys.js';

/**
 * The bytes of an image's original: the stored upload, else the first of its files that still holds the
 * indexed content. A file is read only inside the folder it was indexed under (a symlink put in its place
 * cannot lead elsewhere) and only if its bytes still hash to the image's sha256.
 * @returns null when no copy can be read; throws FILE_CHANGED when the files are there but are not this image any more.
 */
export async function readOriginal(
  lib: Pick<Library, 'blobs' | 'imageSource'> & { store: Pick<ImageRecords, 'getPath'> },
  image: Pick<ImageDetails, 'sha256' | 'paths'>,
): Promise<Buffer | null> {
  const stored = await lib.blobs.get(originalKey(image.sha256));
  if (stored) return stored;
  let changed: LoupeError | null = null;
  for (const p of image.paths) {
    if (isUploadPath(p.path)) continue;
    const record = await lib.store.getPath(p.path);
    if (!record) continue;
    const source = await lib.imageSource([p.path]);
    const bytes = await source.readWithin(p.path, record.root).catch((e: unknown) => {
      if (e instanceof LoupeError && e.code === 'FILE_CHANGED') changed = e;
      return null;
    });
    if (!bytes) continue;
    if (createHash('sha256').update(bytes).digest('hex') === image.sha256) return bytes;
    changed = new LoupeError('FILE_CHANGED', { path: p.path, reason: 'its content is not what was indexed' });
  }
  if (changed) throw changed;
  return null;
}

/**
 * A picture of the image any browser shows (HEIC outside Safari, TIFF and camera RAW included), at most `maxSide` on
 * its long edge: an oriented JPEG, the viewer's large picture (thumbnails stay WebP). Null when no copy can be read.
 */
export async function previewOf(
  lib: Pick<Library, 'blobs' | 'imageSource' | 'decoder'> & { store: Pick<ImageRecords, 'getPath'> },
  image: Pick<ImageDetails, 'sha256' | 'paths'>,
  maxSide: number,
): Promise<Buffer | null> {
  const bytes = await readOriginal(lib, image);
  return bytes && lib.decoder.toJpeg(bytes, maxSide);
}

/** How many photos one zip download takes. */
export const MAX_DOWNLOAD = 1000;

/**
 * The originals of several images, one at a time (for a streamed zip): each under its file name, made unique
 * ("beach (2).jpg"); an image whose original cannot be read is named with the reason instead, never left out silently.
 */
export async function* originalsForDownload(
  lib: Pick<Library, 'blobs' | 'imageSource'> & { store: Pick<ImageRecords, 'getPath' | 'getImages'> },
  ids: readonly string[],
): AsyncGenerator<{ name: string; bytes: Buffer } | { missing: string; reason: string }> {
  if (ids.length === 0 || ids.length > MAX_DOWNLOAD)
    throw new LoupeError('BAD_ARGUMENT', { message: `download from 1 to ${MAX_DOWNLOAD} images at a time` });
  const used = new Set<string>();
  const unique = (name: string) => {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    used.add(candidate.toLowerCase());
    return candidate;
  };
  const found = new Map((await lib.store.getImages([...ids])).map((i) => [i.id, i]));
  for (const id of ids) {
    const image = found.get(id);
    if (!image) {
      yield { missing: id, reason: 'not in the library (deleted?)' };
      continue;
    }
    const name = (image.paths[0]?.path ?? id).split(/[\\/]/).pop() || id;
    try {
      const bytes = await readOriginal(lib, image);
      if (bytes) yield { name: unique(name), bytes };
      else yield { missing: name, reason: 'no copy of the original can be read (moved or deleted from its folder?)' };
    } catch (e) {
      yield { missing: name, reason: e instanceof Error ? e.message : String(e) };
    }
  }
}
