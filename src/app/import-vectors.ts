/**
 * Moving in from another stack (a FAISS index, a Chroma collection, a pgvector table) without re-running the
 * models it already ran: each row's image is read once for what only the image gives (content hash, thumbnail,
 * EXIF, perceptual hash), and its vectors are stored as the vectors of the model that made them.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LoupeError, isFatal, reasonOf } from '../core/errors.js';
import { l2Normalize } from '../core/scores.js';
import { assertModelMatches, type Library } from './library.js';
import type { ImportPlan, ImportRow } from '../ports/import-source.js';
import { decodeForIndex, storeBatch, type ReadyImage } from './ingest-batch.js';
import type { ImageRecords, VectorIndex } from '../ports/store.js';

/** What importing uses: the models to check and embed with, the image files, thumbnails and the store's paths and vectors. */
export type ImportDeps = Pick<Library, 'config' | 'clip' | 'textEmbedders' | 'imageSource' | 'decoder' | 'blobs'> & {
  store: Pick<ImageRecords, 'getPath' | 'insertImages'> &
    Pick<VectorIndex, 'embeddingModels' | 'getEmbedding' | 'setEmbedding'>;
};

export interface ImportReport {
  source: string;
  dryRun: boolean;
  /** Which model each kind of vector is stored as. */
  vectors: { clip?: { model: string; dim: number }; text?: { model: string; dim: number } };
  rows: number;
  imported: number;
  /** Rows whose path was imported before (re-running is idempotent). */
  already: number;
  /** Rows imported before whose vectors an interrupted run had not stored yet: stored now. */
  completed: number;
  /** Rows whose content another row already brought (stored once, with both paths). */
  duplicates: number;
  skipped: { sourceId: string; reason: string }[];
  /** What to set so search uses the imported vectors. */
  next: string[];
}

const BATCH = 16;

/** The hub names the same CLIP weights are known by: vectors of one are vectors of the other. */
const SAME_SPACE: Record<string, string> = { 'openai/clip-vit-base-patch32': 'Xenova/clip-vit-base-patch32' };
export const canonicalModel = (model: string) => SAME_SPACE[model] ?? model;

export async function importVectors(
  lib: ImportDeps,
  plan: ImportPlan,
  o: { dryRun?: boolean; onProgress?: (p: { done: number; total: number }) => void } = {},
): Promise<ImportReport> {
  const clip = plan.clip && { ...plan.clip, model: canonicalModel(plan.clip.model) };
  const report: ImportReport = {
    source: plan.source,
    dryRun: Boolean(o.dryRun),
    vectors: { clip, text: plan.text },
    rows: plan.rows.length,
    imported: 0,
    already: 0,
    completed: 0,
    duplicates: 0,
    skipped: [...plan.unmapped],
    next: [],
  };
  await checkModels(lib, clip, plan.text);
  if (plan.text && !(await lib.textEmbedders()).some((t) => !('unavailable' in t) && t.model === plan.text!.model))
    report.next.push(
      `caption vectors are ${plan.text.model}'s: configure that text embedder (LOUPE_TEXT_EMBEDDER) so caption search uses them`,
    );
  const rows: ImportRow[] = [];
  for (const row of plan.rows) {
    const problem = rowProblem(row, clip, plan.text) ?? outsideRoot(row.image!, plan.root);
    if (problem) report.skipped.push({ sourceId: row.sourceId, reason: problem });
    else rows.push(row);
  }
  if (!clip)
    report.next.push(
      `no image vectors in the source: Loupe embeds each image with ${lib.config.clipModel} as it imports it`,
    );
  report.next.push('`loupe reindex` fills in what the old stack did not have: object labels, text in images');
  if (o.dryRun) {
    for (const row of rows) {
      if (await lib.store.getPath(row.image!)) report.already++;
      else if (!(await (await lib.imageSource([row.image!])).exists(row.image!).catch(() => false)))
        report.skipped.push({ sourceId: row.sourceId, reason: `${row.image} cannot be read` });
      else report.imported++;
    }
    return report;
  }
  // Rows the old stack never embedded as images are embedded now, from the same decode.
  const embedder = rows.some((r) => !r.clipVector) ? await lib.clip() : null;
  if (embedder && !clip) await assertModelMatches(lib.store, embedder.model);
  const model = clip?.model ?? embedder?.model ?? lib.config.clipModel;
  let done = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch: { row: ImportRow; ready: ReadyImage }[] = [];
    for (const row of rows.slice(i, i + BATCH)) {
      try {
        const before = await lib.store.getPath(row.image!);
        if (before) {
          (await storeMissingVectors(lib, before.imageId, row, clip?.model, plan.text?.model))
            ? report.completed++
            : report.already++;
          continue;
        }
        const source = await lib.imageSource([row.image!]);
        // Read only inside the root, symbolic links resolved (the file route serves it only from there too).
        const bytes = await source.readWithin(row.image!, plan.root);
        const stat = await source.stat(row.image!);
        // With the source's vectors the model input is never used: any size serves (CLIP's 224 keeps it small).
        const decoded = await decodeForIndex(lib, embedder ?? { inputSize: 224 }, bytes, row.image!);
        const root = row.image!.startsWith('s3://') ? row.image!.slice(0, row.image!.lastIndexOf('/')) : plan.root;
        batch.push({
          row,
          ready: {
            sha256: createHash('sha256').update(bytes).digest('hex'),
            bytes: bytes.length,
            decoded,
            path: {
              path: row.image!,
              root,
              folder: row.folder ?? '',
              size: stat.size,
              mtimeMs: stat.mtimeMs,
              etag: stat.etag ?? null,
            },
            ...(row.caption ? { caption: row.caption, captionSource: 'model' as const } : {}),
          },
        });
      } catch (e) {
        if (isFatal(e)) throw e;
        report.skipped.push({ sourceId: row.sourceId, reason: reasonOf(e) });
      }
    }
    const missing = batch.filter((b) => !b.row.clipVector);
    const made = missing.length ? await embedder!.embedImages(missing.map((b) => b.ready.decoded.pixels)) : [];
    const vectors = batch.map((b) => b.row.clipVector ?? made[missing.indexOf(b)]);
    const outcomes = batch.length
      ? await storeBatch(
          lib,
          model,
          batch.map((b) => b.ready),
          vectors,
        )
      : [];
    for (const [j, outcome] of outcomes.entries()) {
      const { row } = batch[j];
      if ('error' in outcome) {
        if (isFatal(outcome.error)) throw outcome.error;
        report.skipped.push({ sourceId: row.sourceId, reason: reasonOf(outcome.error) });
        continue;
      }
      outcome.inserted ? report.imported++ : report.duplicates++;
      if (row.captionVector && plan.text)
        await lib.store.setEmbedding(outcome.imageId, plan.text.model, row.captionVector, 'text');
    }
    done += Math.min(BATCH, rows.length - i);
    o.onProgress?.({ done, total: rows.length });
  }
  return report;
}

/**
 * A row imported before: stores the vectors the source brings that the library lacks (a run stopped between a row's
 * image and its caption vector leaves that vector out). @returns whether anything was missing.
 */
async function storeMissingVectors(
  lib: Pick<ImportDeps, 'store'>,
  imageId: string,
  row: ImportRow,
  clipModel: string | undefined,
  textModel: string | undefined,
): Promise<boolean> {
  let stored = false;
  for (const [vector, model, kind] of [
    [row.clipVector, clipModel, 'clip'],
    [row.captionVector, textModel, 'text'],
  ] as const) {
    if (!vector || !model || (await lib.store.getEmbedding(imageId, model))) continue;
    await lib.store.setEmbedding(imageId, model, kind === 'clip' ? l2Normalize(vector) : vector, kind);
    stored = true;
  }
  return stored;
}

/** The library must search in the space the vectors are in: same CLIP model, and no other already stored. */
async function checkModels(
  lib: Pick<ImportDeps, 'store' | 'config'>,
  clip: ImportPlan['clip'],
  text: ImportPlan['text'],
) {
  if (clip) {
    if (clip.model !== lib.config.clipModel)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `the source's image vectors were made with ${clip.model}, but this library uses ${lib.config.clipModel}: import into a library set to it (LOUPE_CLIP_MODEL=${clip.model}, a new --data folder if this one has images), or pass --model if the source's model is another`,
      });
    await assertModelMatches(lib.store, clip.model);
    const stored = (await lib.store.embeddingModels('clip')).find((m) => m.model === clip.model);
    if (stored && stored.dim !== clip.dim)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `the source's vectors have ${clip.dim} dimensions; this library's ${clip.model} vectors have ${stored.dim}: they are not the same model`,
      });
  }
  if (text) {
    const stored = (await lib.store.embeddingModels('text')).filter((m) => m.model !== text.model);
    if (stored.length)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `this library's caption vectors were made with ${stored[0].model}; the source's with ${text.model}: import into a new --data folder, or clear them first (loupe reindex --only text-embedding --reset)`,
      });
  }
}

/**
 * Why an image may not be read for this import, or null: a local path must lie inside the plan's root (--root), as
 * `loupe index` keeps to the folder it walks; a bucket key may not hold "." or ".." segments. Symbolic links are
 * resolved when the file is read (ImageSource.readWithin).
 */
export function outsideRoot(image: string, root: string): string | null {
  if (image.startsWith('s3://'))
    return image
      .slice(5)
      .split('/')
      .some((seg) => seg === '.' || seg === '..')
      ? `${image} has "." or ".." segments in its key`
      : null;
  const rel = path.relative(root, path.resolve(image));
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel)
    ? `${image} lies outside ${root}: images are read only inside the root (give their folder with --root)`
    : null;
}

/** Why a row cannot be imported as it is, or null. */
function rowProblem(row: ImportRow, clip: ImportPlan['clip'], text: ImportPlan['text']): string | null {
  if (!row.image) return 'names no image';
  if (clip && !row.clipVector) return 'has no image vector';
  if (row.clipVector && clip && row.clipVector.length !== clip.dim)
    return `its vector has ${row.clipVector.length} dimensions, not ${clip.dim}`;
  if (row.clipVector && !row.clipVector.every(Number.isFinite)) return 'its vector holds NaN or infinity';
  if (row.captionVector && text && row.captionVector.length !== text.dim)
    return `its caption vector has ${row.captionVector.length} dimensions, not ${text.dim}`;
  return null;
}
