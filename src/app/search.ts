/**
 * Search use cases. By text: hybrid by default — CLIP vectors fused with full text over captions, OCR
 * text, tags and names (modes: hybrid, vector, text, caption), with the query syntax's filters. By image
 * (path, URL or base64) and similar-to-id: nearest CLIP vectors. A folder filter is given, written in the
 * query (`folder:x`), or detected from a folder name in the words.
 */
import { readFile } from 'node:fs/promises';
import { LoupeError, isLoupeError, reasonOf } from '../core/errors.js';
import { detectFolder } from '../core/folder-detect.js';
import { scoreFromCosineDistance } from '../core/scores.js';
import type { SearchHit, SearchResult } from '../core/types.js';
import { fuse, type FusionMode } from '../core/hybrid.js';
import { parseQuery } from '../core/query-syntax.js';
import type { SearchFilters } from '../ports/store.js';
import { assertModelMatches, type Library } from '../library.js';
import { isUuid } from '../adapters/sql/sql-store.js';
import { decodeForIndex } from './ingest-batch.js';
import { textEmbedderFor } from './reindex.js';

export const MAX_K = 1000;
/** Longest text query, on every surface: full-text and trigram work grow with it, and nobody types more. */
export const MAX_QUERY_CHARS = 2000;

export const SEARCH_MODES = ['hybrid', 'vector', 'text', 'caption'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export interface SearchOptions {
  k?: number;
  /** A folder filter; '' turns automatic detection off; undefined lets a text query pick one. */
  folder?: string;
  /** Text queries only. Default: hybrid. */
  mode?: SearchMode;
  /** Text queries in hybrid mode. Default: from the configuration (weighted, vector 0.7 / text 0.3). */
  fusion?: { mode?: FusionMode; weights?: { vector: number; text: number } | undefined };
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

/** A text query within the limits: at most MAX_QUERY_CHARS characters, no NUL. */
export function checkQuery(query: string): string {
  if (typeof query !== 'string') throw new LoupeError('BAD_ARGUMENT', { message: 'the search query must be text' });
  if (query.length > MAX_QUERY_CHARS)
    throw new LoupeError('BAD_ARGUMENT', { message: `the search query is ${query.length} characters, over the ${MAX_QUERY_CHARS}-character limit` });
  if (query.includes('\u0000')) throw new LoupeError('BAD_ARGUMENT', { message: 'the search query contains a NUL character' });
  return query;
}

export async function searchByText(lib: Library, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const k = checkK(options.k);
  checkQuery(query);
  const mode = options.mode ?? 'hybrid';
  if (!SEARCH_MODES.includes(mode)) throw new LoupeError('BAD_ARGUMENT', { message: `mode must be one of ${SEARCH_MODES.join(', ')}` });
  const parsed = parseQuery(query);
  if (!parsed.text.trim()) throw new LoupeError('BAD_ARGUMENT', { message: 'the search query has no words to look for' });
  let folder = folderArg(options.folder) ?? (parsed.folder || undefined);
  let detected = false;
  if (folder === undefined) {
    folder = detectFolder(parsed.text, await lib.store.folderNames()) ?? undefined;
    detected = folder !== undefined;
  }
  const filters: SearchFilters = { folder: folder || null, tags: parsed.tags, hasText: parsed.hasText, exclude: parsed.exclude };
  const pool = mode === 'hybrid' ? Math.min(MAX_K, Math.max(4 * k, 50)) : k;

  // Vector side: the query's words (phrases unquoted) in CLIP space; in caption mode, or when CLIP cannot
  // be used, in the caption-embedding space. Fallback order: CLIP → caption embeddings → words only.
  let vector: Float32Array | null = null;
  let model: string = lib.config.clipModel;
  const fallbacks: string[] = [];
  if (mode === 'hybrid' || mode === 'vector') {
    try {
      const clip = await lib.clip();
      await assertModelMatches(lib.store, clip.model);
      model = clip.model;
      [vector] = await clip.embedTexts([parsed.text]);
    } catch (e) {
      // A broken model is an error to fix, not a reason to answer with words alone.
      if (mode === 'vector' || isLoupeError(e, 'MODEL_MISMATCH') || isLoupeError(e, 'MODEL_LOAD_FAILED') || isLoupeError(e, 'MODEL_CHECKSUM_MISMATCH')) throw e;
      fallbacks.push(`CLIP not used: ${reasonOf(e)}`);
    }
  }
  if (mode === 'caption' || (mode === 'hybrid' && !vector)) {
    const embedder = await textEmbedderFor(lib);
    if ('unavailable' in embedder) fallbacks.push(`caption embeddings not used: ${embedder.unavailable}`);
    else
      try {
        [vector] = await embedder.embed([parsed.text]);
        model = embedder.model;
      } catch (e) {
        fallbacks.push(`caption embeddings not used: ${reasonOf(e)}`);
      }
  }
  const vectorHits = vector ? await lib.store.searchByVector({ ...filters, vector, model, k: pool }) : [];
  // Text side: words and phrases over captions, OCR text, tags and names (caption mode: captions only).
  const textQuery = [...parsed.phrases.map((p) => `"${p}"`), ...parsed.text.split(/\s+/).filter((w) => !parsed.phrases.some((p) => p.split(/\s+/).includes(w)))].join(' ');
  const textHits = mode === 'vector' ? [] : await lib.store.textSearch({ ...filters, text: textQuery, limit: pool, fields: mode === 'caption' ? ['caption'] : undefined });

  const where = new Map<string, { path: string; folder: string }>();
  const cosine = new Map<string, number>();
  for (const h of vectorHits) where.set(h.imageId, { path: h.path, folder: h.folder }), cosine.set(h.imageId, 1 - h.distance);
  for (const h of textHits) if (!where.has(h.imageId)) where.set(h.imageId, { path: h.path, folder: h.folder });
  // Text-only finds get their true cosine too, so every result can be explained on both signals.
  if (vector) for (const [id, d] of await lib.store.distances(vector, model, textHits.map((h) => h.imageId).filter((id) => !cosine.has(id)))) cosine.set(id, 1 - d);
  const textScore = new Map(textHits.map((h) => [h.imageId, h]));

  const fused = vector !== null && (mode === 'hybrid' || mode === 'caption');
  const weights = mode === 'vector' ? { vector: 1, text: 0 } : fused ? (options.fusion?.weights ?? lib.config.fusion.weights) : { vector: 0, text: 1 };
  const fusionMode = fused ? (options.fusion?.mode ?? lib.config.fusion.mode) : 'weighted';
  const ranked = fuse(
    [...where.keys()].map((id) => ({ id, vector: cosine.get(id), text: textScore.get(id)?.score, matched: textScore.get(id)?.matched })),
    { mode: fusionMode, weights },
  );
  // The user-facing percentage follows the ranking: cosine in vector mode, the fused score otherwise.
  const best = fusionMode === 'rrf' ? Math.max(...ranked.map((r) => r.fused), Number.MIN_VALUE) : weights.vector + weights.text || 1;
  const hits: SearchHit[] = ranked.slice(0, k).map((r) => {
    const cos = r.vector ?? null;
    const base = cos !== null ? scoreFromCosineDistance(1 - cos) : { score: null, distance: null, similarity: 0 };
    return {
      id: r.id,
      ...where.get(r.id)!,
      ...base,
      similarity: mode === 'vector' ? base.similarity : Math.round((r.fused / best) * 1000) / 10,
      fused: r.fused,
      textScore: r.text,
      matched: r.matched,
    };
  });
  return { hits, applied: { folder: folder || null, folderDetected: detected, model, mode, ...(fused ? { fusion: fusionMode, weights } : {}), ...(fallbacks.length ? { fallback: fallbacks.join('; ') } : {}) } };
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

/** Hits of images that live in a bucket get their s3:// path and a presigned URL (results stay usable without Loupe's file proxy). */
export async function withSourceUrls(lib: Library, result: SearchResult): Promise<SearchResult> {
  const hits = await Promise.all(
    result.hits.map(async (h) => {
      if (!h.path.startsWith('s3://')) return h;
      const url = await lib.sourceUrl(h.path);
      return { ...h, s3Path: h.path, ...(url ? { sourceUrl: url } : {}) };
    }),
  );
  return { ...result, hits };
}
