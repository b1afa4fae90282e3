/** Reading the library as people browse it: one image, a page, the months and places, a thumbnail, the queue. */
import { thumbnailKey } from '../core/blob-keys.js';
import { LoupeError } from '../core/errors.js';
import type { ImageDetails } from '../core/types.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ImageRecords } from '../ports/store.js';
import type { Library } from './library.js';

type Images = { store: Pick<ImageRecords, 'getImages'> };

/** An image's record, or NOT_FOUND naming the id. */
export async function getImage(lib: Images, id: string): Promise<ImageDetails> {
  const [image] = await lib.store.getImages([id]);
  if (!image) throw new LoupeError('NOT_FOUND', { what: `image ${id}` });
  return image;
}

/** The records of these images by id (unknown ids are left out), for shaping search results. */
export async function imagesById(lib: Images, ids: string[]): Promise<Map<string, ImageDetails>> {
  return new Map((await lib.store.getImages([...new Set(ids)])).map((d) => [d.id, d]));
}

export const listImages = (
  lib: { store: Pick<ImageRecords, 'listImages'> },
  q: Parameters<ImageRecords['listImages']>[0],
) => lib.store.listImages(q);
export const timeline = (lib: { store: Pick<ImageRecords, 'timeline'> }, folder: string | null) =>
  lib.store.timeline({ folder });
export const places = (lib: { store: Pick<ImageRecords, 'places'> }, folder: string | null) =>
  lib.store.places({ folder });
export const imageCount = (lib: { store: Pick<ImageRecords, 'imageCount'> }) => lib.store.imageCount();
export const queueCounts = (lib: { jobs: Pick<JobQueue, 'counts'> }) => lib.jobs.counts();

/** An image's stored thumbnail (WebP), or NOT_FOUND. */
export async function thumbnailOf(
  lib: Pick<Library, 'blobs'>,
  image: Pick<ImageDetails, 'id' | 'sha256'>,
): Promise<Buffer> {
  const bytes = await lib.blobs.get(thumbnailKey(image.sha256));
  if (!bytes) throw new LoupeError('NOT_FOUND', { what: `the thumbnail of image ${image.id}` });
  return bytes;
}
