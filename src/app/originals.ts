import type { ImageDetails } from '../core/types.js';
import type { Library } from '../library.js';
import { originalKey, UPLOAD_ROOT } from './upload.js';

/** The bytes of an image's original: the stored upload, else the first of its files that can still be read. */
export async function readOriginal(lib: Library, image: Pick<ImageDetails, 'sha256' | 'paths'>): Promise<Buffer | null> {
  const stored = await lib.blobs.get(originalKey(image.sha256));
  if (stored) return stored;
  for (const p of image.paths) {
    if (p.path.startsWith(UPLOAD_ROOT)) continue;
    const bytes = await (await lib.imageSource([p.path])).read(p.path).catch(() => null);
    if (bytes) return bytes;
  }
  return null;
}
