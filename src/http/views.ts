/** The API's JSON shapes, built from domain records. */
import type { ImageDetails, SearchHit } from '../core/types.js';
import type { UploadRecord } from '../app/upload.js';
import { isUploadPath } from '../core/blob-keys.js';

export const imageUrls = (id: string) => ({
  url: `/api/v1/images/${id}/file`,
  thumbnailUrl: `/api/v1/images/${id}/thumbnail`,
});

/** Upload paths are internal (`upload:<id>/<name>`); clients see the file name. */
export function displayName(path: string): string {
  return isUploadPath(path) ? path.slice(path.indexOf('/') + 1) : path.split('/').pop()!;
}

export function imageView(d: ImageDetails) {
  const first = d.paths[0];
  return {
    id: d.id,
    status: 'ready' as const,
    filename: first ? displayName(first.path) : null,
    folder: first?.folder ?? '',
    caption: d.caption,
    captionSource: d.captionSource,
    tags: d.tags,
    labels: d.labels,
    textInImage: d.ocrText,
    analyzed: d.analyzed,
    width: d.width,
    height: d.height,
    format: d.format,
    bytes: d.bytes,
    sha256: d.sha256,
    exif: d.exif,
    createdAt: d.createdAt,
    paths: d.paths.filter((p) => !isUploadPath(p.path)).map((p) => p.path),
    ...imageUrls(d.id),
  };
}

export function recordView(r: UploadRecord) {
  if (r.image) return { ...imageView(r.image), duplicate: r.duplicate };
  const job = r.job!;
  return {
    id: r.id,
    status: r.status,
    duplicate: r.duplicate,
    filename: job.payload.filename,
    folder: job.payload.folder,
    caption: job.payload.caption,
    tags: job.payload.tags,
    bytes: job.payload.bytes,
    sha256: job.sha256,
    createdAt: job.createdAt,
    ...(job.error ? { error: job.errorCode ?? 'FAILED', message: job.error } : {}),
    url: null,
    thumbnailUrl: null,
  };
}

export function hitView(hit: SearchHit, details: ImageDetails | undefined) {
  return {
    id: hit.id,
    folder: hit.folder,
    filename: displayName(hit.path),
    caption: details?.caption ?? null,
    /** When and where it was taken, with what: what date sorting and the gallery's headings show. */
    exif: details?.exif ?? {},
    score: hit.score,
    similarity: hit.similarity,
    distance: hit.distance,
    ...(hit.s3Path ? { s3Path: hit.s3Path, sourceUrl: hit.sourceUrl ?? null } : {}),
    ...(hit.fused !== undefined
      ? { explain: { vector: hit.score, text: hit.textScore ?? null, fused: hit.fused, matched: hit.matched ?? [] } }
      : {}),
    ...imageUrls(hit.id),
  };
}
