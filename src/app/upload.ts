/**
 * Accepting images from outside (uploads, URLs, base64): checked cheaply at once (size, format, pixel
 * limits from the header), deduplicated by content, the original kept, and indexing queued as a job.
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { LoupeError } from '../core/errors.js';
import type { ImageDetails } from '../core/types.js';
import type { IngestJob, JobQueue } from '../ports/job-queue.js';
import type { ImageRecords } from '../ports/store.js';
import type { Library } from './library.js';
import { Limiter } from '../core/limiter.js';
import { originalKey, thumbnailKey } from '../core/blob-keys.js';
import type { JobFeed } from './job-feed.js';
import { reindex, type ReindexDeps } from './reindex.js';

export interface UploadInput {
  bytes: Buffer;
  filename: string;
  folder?: string;
  caption?: string | null;
  tags?: string[];
}

export type UploadStatus = 'pending' | 'running' | 'ready' | 'failed';

/** What finding an upload's record reads: the image, or the job that is making it. */
export type RecordDeps = { store: Pick<ImageRecords, 'getImages'>; jobs: Pick<JobQueue, 'get'> };

/** What accepting an upload uses: the limits, a header check, the stored original and the queue. */
export type AcceptDeps = Pick<Library, 'config' | 'decoder' | 'blobs'> & {
  store: Pick<ImageRecords, 'findImageBySha' | 'getImages'>;
  jobs: Pick<JobQueue, 'findActiveBySha' | 'enqueue' | 'get'>;
};

/** What the API answers about an uploaded image, before or after indexing. */
export interface UploadRecord {
  id: string;
  status: UploadStatus;
  /** The content was already stored (or queued): this is that record. */
  duplicate: boolean;
  image: ImageDetails | null;
  job: IngestJob | null;
}

/** One set of limits for user-written text, whichever way it arrives (upload fields, PATCH, CLI). */
export const TEXT_LIMITS = { captionChars: 10_000, tagChars: 200, tags: 100 } as const;

// PostgreSQL text cannot hold NUL; refuse it up front rather than fail half-way through a write.
const hasNul = (s: string) => s.includes('\u0000');

/** A user's caption: trimmed, '' → null; too long or with a NUL character → BAD_ARGUMENT. */
// Control characters (NUL to US) never belong in a folder or file name.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f]/g;

export function cleanCaption(caption: string | null | undefined): string | null {
  if (caption === undefined || caption === null) return null;
  if (hasNul(caption)) throw new LoupeError('BAD_ARGUMENT', { message: 'caption: contains a NUL character' });
  if (caption.length > TEXT_LIMITS.captionChars)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `caption: ${caption.length} characters, over the ${TEXT_LIMITS.captionChars}-character limit`,
    });
  return caption.trim() || null;
}

/** A folder label from a client: '/'-separated names, no '.', '..' or empty segments. */
export function cleanFolder(folder: string | undefined | null): string {
  if (!folder) return '';
  const parts = folder.split(/[\\/]+/).filter(Boolean);
  if (folder.length > 1000 || parts.some((p) => p === '.' || p === '..' || p.length > 200 || CONTROL_CHARACTER.test(p)))
    throw new LoupeError('BAD_ARGUMENT', {
      message: `folder "${folder}" is not allowed: use names separated by "/", without "." or ".."`,
    });
  return parts.join('/');
}

export function cleanFilename(name: string | undefined): string {
  const base = path
    .basename((name ?? '').replace(/\\/g, '/'))
    .replace(CONTROL_CHARACTERS, '')
    .slice(0, 255);
  return base && base !== '.' && base !== '..' ? base : 'image';
}

export async function acceptUpload(lib: AcceptDeps, input: UploadInput): Promise<UploadRecord> {
  const filename = cleanFilename(input.filename);
  const folder = cleanFolder(input.folder);
  const { limits } = lib.config;
  // Every field is checked before anything is stored: a refused upload leaves nothing behind.
  const caption = cleanCaption(input.caption);
  const tags = cleanTags(input.tags);
  if (input.bytes.length === 0) throw new LoupeError('EMPTY_FILE', { path: filename });
  if (input.bytes.length > limits.maxFileBytes)
    throw new LoupeError('FILE_TOO_LARGE', { path: filename, bytes: input.bytes.length, limit: limits.maxFileBytes });
  // Cheap checks now (format, pixel and frame limits from the header), so a bad file is refused before it is queued.
  const { format } = await lib.decoder.inspect(input.bytes, filename, limits);

  const sha256 = createHash('sha256').update(input.bytes).digest('hex');
  const existing = await lib.store.findImageBySha(sha256);
  if (existing) {
    const [image] = await lib.store.getImages([existing.id]);
    return { id: existing.id, status: 'ready', duplicate: true, image, job: null };
  }
  const active = await lib.jobs.findActiveBySha(sha256);
  if (active)
    return { id: active.id, status: active.status as UploadStatus, duplicate: true, image: null, job: active };

  const id = randomUUID();
  await lib.blobs.put(originalKey(sha256), input.bytes, `image/${format}`);
  const payload = { blobKey: originalKey(sha256), filename, folder, caption, tags, bytes: input.bytes.length };
  await lib.jobs.enqueue({ id, sha256, payload });
  return { id, status: 'pending', duplicate: false, image: null, job: await lib.jobs.get(id) };
}

/** A user's tags: trimmed, deduplicated; too many, too long or with a NUL character → BAD_ARGUMENT. */
export function cleanTags(tags: string[] | undefined): string[] {
  const cleaned = [...new Set((tags ?? []).map((t) => String(t).trim()).filter(Boolean))];
  if (cleaned.length > TEXT_LIMITS.tags)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `tags: ${cleaned.length} tags, over the limit of ${TEXT_LIMITS.tags}`,
    });
  for (const t of cleaned) {
    if (hasNul(t)) throw new LoupeError('BAD_ARGUMENT', { message: 'tags: a tag contains a NUL character' });
    if (t.length > TEXT_LIMITS.tagChars)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `tags: "${t.slice(0, 40)}…" is over the ${TEXT_LIMITS.tagChars}-character limit`,
      });
  }
  return cleaned;
}

/** The record of an id: an indexed image, or a queued / running / failed upload job. */
export async function findRecord(lib: RecordDeps, id: string): Promise<UploadRecord | null> {
  const [image] = await lib.store.getImages([id]);
  if (image) return { id, status: 'ready', duplicate: false, image, job: null };
  const job = await lib.jobs.get(id);
  if (!job) return null;
  if (job.status === 'done' && job.imageId) {
    // The same content finished under another id (two uploads raced): answer with that image.
    const [done] = await lib.store.getImages([job.imageId]);
    return done ? { id: done.id, status: 'ready', duplicate: true, image: done, job } : null;
  }
  return {
    id,
    status: job.status === 'done' ? 'ready' : (job.status as UploadStatus),
    duplicate: false,
    image: null,
    job,
  };
}

/** How many uploads are read into memory at once across requests: large uploads cannot pile up in RAM. */
const uploadSlots = new Limiter(2);

/** A worker that has not asked for jobs this long is taken to be gone (a busy one asks between batches). */
const WORKER_SILENT_MS = 60_000;

/** Accepts several images, one file in memory at a time; a file that fails is listed, the others go on. */
export async function acceptMany(
  lib: AcceptDeps,
  images: { filename: string; bytes(): Promise<Buffer> }[],
  fields: { folder?: string; caption?: string; tags?: string[] },
): Promise<{ accepted: UploadRecord[]; failed: { filename: string; error: unknown }[] }> {
  const accepted: UploadRecord[] = [];
  const failed: { filename: string; error: unknown }[] = [];
  for (const image of images) {
    try {
      accepted.push(
        await uploadSlots.run(async () =>
          acceptUpload(lib, {
            bytes: await image.bytes(),
            filename: image.filename,
            folder: fields.folder,
            caption: fields.caption,
            tags: fields.tags,
          }),
        ),
      );
    } catch (error) {
      failed.push({ filename: image.filename, error });
    }
  }
  return { accepted, failed };
}

/**
 * Wakes the worker for accepted uploads and, with `wait`, waits until each is indexed — unless nothing will index
 * them: no worker in this process and none has asked for jobs lately (then `unattended` says so at once).
 */
export async function awaitIndexed(
  lib: RecordDeps & { jobs: Pick<JobQueue, 'lastPolled'> },
  runner: { feed: Pick<JobFeed, 'waitFor'>; worker: { wake(): void } | null },
  accepted: UploadRecord[],
  wait: boolean,
): Promise<{ records: UploadRecord[]; unattended: LoupeError | null }> {
  const queued = accepted.filter((r) => r.status === 'pending');
  if (queued.length) runner.worker?.wake();
  if (wait && queued.length && !runner.worker) {
    const last = await lib.jobs.lastPolled();
    if (!last || Date.now() - last.getTime() > WORKER_SILENT_MS)
      return {
        records: accepted,
        unattended: new LoupeError('NO_WORKER', { queued: queued.length, silentMs: WORKER_SILENT_MS }),
      };
  }
  if (!wait) return { records: accepted, unattended: null };
  await Promise.all(accepted.map((r) => runner.feed.waitFor(lib.jobs, r.id)));
  const records = await Promise.all(
    accepted.map(async (r) => (await findRecord(lib, r.id).then((f) => f && { ...f, duplicate: r.duplicate })) ?? r),
  );
  return { records, unattended: null };
}

/**
 * Accepts several images and, with `wait`, waits until they are indexed. `release` runs in between: a request's
 * temporary files go before any waiting (on a full disk their room is needed).
 */
export async function uploadMany(
  lib: AcceptDeps & RecordDeps & { jobs: Pick<JobQueue, 'lastPolled'> },
  runner: Parameters<typeof awaitIndexed>[1],
  images: Parameters<typeof acceptMany>[1],
  fields: Parameters<typeof acceptMany>[2],
  o: { wait: boolean; release?: () => Promise<void> },
): Promise<{ records: UploadRecord[]; failed: { filename: string; error: unknown }[]; unattended: LoupeError | null }> {
  let accepted;
  try {
    accepted = await acceptMany(lib, images, fields);
  } finally {
    await o.release?.();
  }
  const { records, unattended } = await awaitIndexed(lib, runner, accepted.accepted, o.wait);
  return { records, failed: accepted.failed, unattended };
}

/** Changes an image's caption, tags or folder; new words refresh its caption vector. */
export async function editImage(
  lib: ReindexDeps & { store: Pick<ImageRecords, 'updateImage'> },
  id: string,
  edit: { caption?: string | null; tags?: string[]; folder?: string },
): Promise<ImageDetails> {
  const patch = {
    ...(edit.caption !== undefined ? { caption: cleanCaption(edit.caption) } : {}),
    ...(edit.tags !== undefined ? { tags: cleanTags(edit.tags) } : {}),
    ...(edit.folder !== undefined ? { folder: cleanFolder(edit.folder) } : {}),
  };
  const updated = await lib.store.updateImage(id, patch);
  if (!updated) throw new LoupeError('NOT_FOUND', { what: `image ${id}` });
  if (patch.caption === undefined && patch.tags === undefined) return updated;
  // The caption vector describes caption, tags and text: refresh it with the new words.
  await reindex(lib, { only: ['text-embedding'], imageIds: [updated.id], force: true });
  const [fresh] = await lib.store.getImages([updated.id]);
  return fresh;
}

/** Deletes an image's record with Loupe's own files (thumbnail, stored upload); photos in the user's folders stay. */
export async function deleteImage(
  lib: Pick<Library, 'blobs'> & { store: Pick<ImageRecords, 'deleteImage'> },
  id: string,
): Promise<void> {
  const sha = await lib.store.deleteImage(id);
  if (!sha) throw new LoupeError('NOT_FOUND', { what: `image ${id}` });
  await Promise.all([lib.blobs.delete(thumbnailKey(sha)), lib.blobs.delete(originalKey(sha))]);
}
