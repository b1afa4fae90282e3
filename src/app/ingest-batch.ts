/**
 * The shared tail of every ingestion (folder index, upload jobs): decode with the configured limits,
 * embed a batch in one inference call, write thumbnails, and store the batch in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { ImagePath, TextSource } from '../core/types.js';
import { thumbnailKey } from '../core/blob-keys.js';
import type { ClipEmbedder } from '../ports/clip-embedder.js';
import type { DecodedImage } from '../ports/image-decoder.js';
import type { ObjectLabeler } from '../ports/object-labeler.js';
import type { ImageLabel, ImageRecords } from '../ports/store.js';
import type { Library } from './library.js';

/** @param labelSide also the object labeler's input, from the same decode. */
export function decodeForIndex(
  lib: Pick<Library, 'config' | 'decoder'>,
  clip: Pick<ClipEmbedder, 'inputSize'>,
  bytes: Buffer,
  name: string,
  labelSide?: number,
): Promise<DecodedImage> {
  return lib.decoder.decode(bytes, name, {
    modelInputSize: clip.inputSize,
    thumbnailSize: lib.config.thumbnailSize,
    maxPixels: lib.config.limits.maxPixels,
    maxFrames: lib.config.limits.maxFrames,
    ...(labelSide ? { labelSide } : {}),
  });
}

export interface ReadyImage {
  sha256: string;
  bytes: number;
  decoded: DecodedImage;
  path: Omit<ImagePath, 'imageId'>;
  /** A chosen id (upload jobs hand it out before indexing); random otherwise. */
  id?: string;
  caption?: string | null;
  captionSource?: TextSource | null;
  tags?: string[];
  /** Object labels made from the same decode. */
  labels?: { model: string; labels: ImageLabel[] };
}

export type StoreOutcome = { imageId: string; inserted: boolean } | { error: unknown };

/** One inference call for the batch; a failure fails each item of it. */
export async function embedBatch(
  clip: ClipEmbedder,
  items: ReadyImage[],
): Promise<Float32Array[] | { error: unknown }> {
  try {
    return await clip.embedImages(items.map((i) => i.decoded.pixels));
  } catch (error) {
    return { error };
  }
}

/**
 * Object labels for a batch from the pixels its decode made (no second decode, as the labels pass would need).
 * An image the labeler fails on is left for the labels pass, which records why.
 */
export async function labelBatch(
  labeler: Required<Pick<ObjectLabeler, 'model' | 'labelPixels'>>,
  items: ReadyImage[],
): Promise<{ ok: number; empty: number }> {
  const counts = { ok: 0, empty: 0 };
  for (const item of items) {
    if (!item.decoded.labelPixels) continue;
    try {
      item.labels = { model: labeler.model, labels: await labeler.labelPixels(item.decoded.labelPixels) };
      counts[item.labels.labels.length ? 'ok' : 'empty']++;
    } catch {
      // left to the labels pass
    }
  }
  return counts;
}

/** Thumbnails, then the batch's rows in one transaction. @returns one outcome per item, in order. */
/** What storing a batch writes to: thumbnails in the blobs, rows in the store. */
export type StoreBatchDeps = Pick<Library, 'blobs'> & { store: Pick<ImageRecords, 'insertImages'> };

export async function storeBatch(
  lib: StoreBatchDeps,
  model: string,
  items: ReadyImage[],
  vectors: Float32Array[],
): Promise<StoreOutcome[]> {
  const outcomes: StoreOutcome[] = new Array(items.length);
  const rows: { index: number; item: Parameters<ImageRecords['insertImages']>[0][number] }[] = [];
  for (const [index, item] of items.entries()) {
    try {
      await lib.blobs.put(thumbnailKey(item.sha256), item.decoded.thumbnail.data, 'image/webp');
    } catch (error) {
      outcomes[index] = { error };
      continue;
    }
    const id = item.id ?? randomUUID();
    const d = item.decoded;
    rows.push({
      index,
      item: {
        image: {
          id,
          sha256: item.sha256,
          phash: d.phash,
          width: d.width,
          height: d.height,
          format: d.format,
          bytes: item.bytes,
          exif: d.exif,
          caption: item.caption,
          captionSource: item.captionSource,
          tags: item.tags,
        },
        path: { ...item.path, imageId: id },
        embedding: { model, vector: vectors[index] },
        ...(item.labels ? { labels: item.labels } : {}),
      },
    });
  }
  try {
    const results = await lib.store.insertImages(rows.map((r) => r.item));
    rows.forEach((r, i) => (outcomes[r.index] = results[i]));
  } catch (error) {
    for (const r of rows) outcomes[r.index] = { error };
  }
  return outcomes;
}

/** Embed, then store (upload jobs; the folder index overlaps the two across batches). */
export async function embedAndStore(
  lib: StoreBatchDeps,
  clip: ClipEmbedder,
  items: ReadyImage[],
): Promise<StoreOutcome[]> {
  if (items.length === 0) return [];
  const vectors = await embedBatch(clip, items);
  if ('error' in vectors) return items.map(() => ({ error: vectors.error }));
  return storeBatch(lib, clip.model, items, vectors);
}
