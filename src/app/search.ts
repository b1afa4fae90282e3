/**
 * Search use cases: by text, by image (path, URL or base64) and similar-to-id. All three embed a query
 * into the CLIP space and ask the store for the k nearest, with an optional or detected folder filter.
 */
import { readFile } from 'node:fs/promises';
import { LoupeError, reasonOf } from '../core/errors.js';
import { detectFolder } from '../core/folder-detect.js';
import { scoreFromCosineDistance } from '../core/scores.js';
import type { SearchResult } from '../core/types.js';
import { assertModelMatches, type Library } from '../library.js';
import { isUuid } from '../adapters/sql/sql-store.js';
import { decodeForIndex } from './ingest-batch.js';

export const MAX_K = 1000;

export interface SearchOptions {
  k?: number;
  /** A folder filter; '' turns automatic detection off; undefined lets a text query pick one. */
  folder?: string;
}

export function checkK(k: number | undefined): number {
  const value = k ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_K)
    throw new LoupeError('BAD_ARGUMENT', { message: `k must be a whole number from 1 to ${MAX_K}, got ${k}` });
  return value;
}

/** Normalises a folder argument: trims slashes, '' stays '' (meaning "no filter, no detection"). */
function folderArg(folder: string | undefined): string | undefined {
  return folder === undefined ? undefined : folder.replace(/^\/+|\/+$/g, '');
}

export async function searchByText(lib: Library, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const k = checkK(options.k);
  if (!query.trim()) throw new LoupeError('BAD_ARGUMENT', { message: 'the search query is empty' });
  let folder = folderArg(options.folder);
  let detected = false;
  if (folder === undefined) {
    folder = detectFolder(query, await lib.store.folderNames()) ?? undefined;
    detected = folder !== undefined;
  }
  const clip = await lib.clip();
  await assertModelMatches(lib.store, clip.model);
  const [vector] = await clip.embedTexts([query]);
  return nearest(lib, vector, clip.model, k, folder || null, detected);
}

/** @param source a file path, an http(s) URL, a data URL or plain base64. */
export async function searchByImage(lib: Library, source: string | Buffer, options: SearchOptions = {}): Promise<SearchResult> {
  const k = checkK(options.k);
  const bytes = Buffer.isBuffer(source) ? source : await loadImageSource(lib, source);
  const clip = await lib.clip();
  await assertModelMatches(lib.store, clip.model);
  const name = Buffer.isBuffer(source) ? 'query image' : source.length > 200 ? 'query image (base64)' : source;
  const decoded = await decodeForIndex(lib, clip, bytes, name);
  const [vector] = await clip.embedImages([decoded.pixels]);
  const folder = folderArg(options.folder);
  return nearest(lib, vector, clip.model, k, folder || null, false);
}

export async function searchSimilar(lib: Library, imageId: string, options: SearchOptions = {}): Promise<SearchResult> {
  const k = checkK(options.k);
  if (!isUuid(imageId) || !(await lib.store.imageExists(imageId))) throw new LoupeError('NOT_FOUND', { what: `image ${imageId}` });
  const model = lib.config.clipModel;
  await assertModelMatches(lib.store, model);
  const vector = await lib.store.getEmbedding(imageId, model);
  if (!vector) throw new LoupeError('NOT_FOUND', { what: `a ${model} embedding of image ${imageId}` });
  const folder = folderArg(options.folder);
  return nearest(lib, vector, model, k, folder || null, false, imageId);
}

async function nearest(lib: Library, vector: Float32Array, model: string, k: number, folder: string | null, detected: boolean, excludeImageId?: string): Promise<SearchResult> {
  const hits = await lib.store.searchByVector({ vector, model, k, folder, excludeImageId });
  return {
    hits: hits.map((h) => ({ id: h.imageId, path: h.path, folder: h.folder, ...scoreFromCosineDistance(h.distance) })),
    applied: { folder, folderDetected: detected, model },
  };
}

/** An image named by a file path, an http(s) URL (fetched with the SSRF guards), a data URL or plain base64. */
export async function loadImageSource(lib: Library, source: string): Promise<Buffer> {
  if (/^https?:\/\//i.test(source)) return lib.fetchUrl(source);
  const bytes = decodeBase64Image(source);
  if (bytes) return bytes;
  try {
    return await readFile(source);
  } catch (e) {
    // Not a readable file: plain base64 if it looks like it, else the file error.
    if (source.length > 64 && /^[A-Za-z0-9+/=\s]+$/.test(source)) return Buffer.from(source, 'base64');
    throw new LoupeError('UNREADABLE', { path: source, reason: reasonOf(e) }, { cause: e });
  }
}

/** The bytes of a data URL (`data:image/...;base64,...`), or null when the string is not one. */
export function decodeBase64Image(source: string): Buffer | null {
  const dataUrl = /^data:[\w.+/-]*;base64,(.*)$/is.exec(source);
  return dataUrl ? Buffer.from(dataUrl[1], 'base64') : null;
}
