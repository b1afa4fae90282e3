/**
 * The layout of Loupe's own files, in its blob store (the data folder or a bucket) and in the paths it records for
 * uploads: one place, so a key is built the same way wherever it is written, read or deleted.
 */
import { DEFAULT_SPACE_ID } from './spaces.js';

/** An uploaded original, fanned out by the first two hex characters of its hash. */
export const originalKey = (sha256: string) => `originals/${sha256.slice(0, 2)}/${sha256}`;

/** An image's thumbnail (WebP), fanned out the same way. */
export const thumbnailKey = (sha256: string) => `thumbnails/${sha256.slice(0, 2)}/${sha256}.webp`;

/** Where a space's files live: the default space keeps the layout from before spaces existed, others their own prefix. */
export const spacePrefix = (spaceId: string) => (spaceId === DEFAULT_SPACE_ID ? '' : `spaces/${spaceId}/`);

/** Paths of uploads begin with this (they are not files on a disk): `upload:<job id>/<file name>`. */
export const UPLOAD_ROOT = 'upload:';

export const uploadPath = (jobId: string, filename: string) => `${UPLOAD_ROOT}${jobId}/${filename}`;

export const isUploadPath = (path: string) => path.startsWith(UPLOAD_ROOT);
