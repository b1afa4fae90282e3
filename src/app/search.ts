/**
 * Search use cases. By text: hybrid by default — CLIP vectors fused with full text over captions, OCR
 * text, tags and names (modes: hybrid, vector, text, caption), with the query syntax's filters. By image
 * (path, URL or base64) and similar-to-id: nearest CLIP vectors. A folder filter is given, written in the
 * query (`folder:x`), or detected from a folder name in the words.
 */
import { LoupeError, isLoupeError, reasonOf } from '../core/errors.js';
import { detectFolder } from '../core/folder-detect.js';
import { MAX_EMBEDDING_DIM, cosine, l2Normalize, scoreFromCosineDistance } from '../core/scores.js';
import { canonicalModel } from './import-vectors.js';
import type { SearchHit, SearchResult } from '../core/types.js';
import {
  FUSION_MODES,
  MAX_K,
  SEARCH_MODES,
  TEXT_EVIDENCE,
  checkK,
  fuse,
  imageSimilarity,
  similarityOf,
  vectorEvidence,
  type FusionMode,
  type SearchMode,
  type VectorBackground,
} from '../core/hybrid.js';
import { LRUCache } from 'lru-cache';
import { parseQuery } from '../core/query-syntax.js';
import { SORTS, bothFilters, restricts, type ImageFilters, type Sort } from '../core/filters.js';
import { assertModelMatches, textEmbedderFor, type Library } from './library.js';
import type { ImageRecords, SearchFilters, TextHit, TextIndex, VectorIndex } from '../ports/store.js';
import { decodeForIndex } from './ingest-batch.js';

/** Longest text query, on every surface: full-text and trigram work grow with it, and nobody types more. */
export const MAX_QUERY_CHARS = 2000;

/** What searching uses of the library: its models, place names and URL fetcher, and three of the store's capabilities. */
export type SearchDeps = Pick<
  Library,
  'config' | 'clip' | 'places' | 'fetchUrl' | 'sourceUrl' | 'textEmbedders' | 'decoder' | 'imageSource'
> & { store: ImageRecords & VectorIndex & TextIndex };

export interface SearchOptions {
  k?: number;
  /** A folder filter; '' turns automatic detection off; undefined lets a text query pick one. */
  folder?: string;
  /** Text queries only. Default: hybrid. */
  mode?: SearchMode;
  /** Text queries in hybrid and caption modes. Default: from the configuration (adaptive, weights 1 / 1). */
  fusion?: { mode?: FusionMode; weights?: { vector: number; text: number } | undefined };
  /** Text queries: leave out results below this similarity (0–100 %). Default: LOUPE_MIN_SIMILARITY (0). */
  minSimilarity?: number;
  /** Conditions beside the query's own (`after:2019 camera:pixel`); both apply. A country may be a name or a code. */
  filters?: ImageFilters;
  /** Order of the results: relevance (default; newest first when there are no words), newest, oldest, name. */
  sort?: Sort;
  /**
   * Text queries: the query's CLIP vector, computed by the caller (clip-retrieval's embedding input), used instead of
   * encoding the words; with no words, a search by this vector alone. Normalised here; its length must be the model's.
   */
  vector?: ArrayLike<number>;
  /** The model that made `vector`, when the caller names it: refused unless it is the library's CLIP model. */
  vectorModel?: string;
}

/** Longest query vector accepted. */
export const MAX_VECTOR_DIM = MAX_EMBEDDING_DIM;

/** A caller's query vector, checked against the library's CLIP vectors and normalised, or BAD_ARGUMENT saying what to fix. */
export async function checkQueryVector(
  lib: SearchDeps,
  values: ArrayLike<number>,
  vectorModel?: string,
): Promise<Float32Array> {
  const model = lib.config.clipModel;
  const bad = (message: string) => new LoupeError('BAD_ARGUMENT', { message });
  if (vectorModel !== undefined && canonicalModel(vectorModel) !== model)
    throw bad(
      `the query vector is ${vectorModel}'s, but this library's images are ${model} vectors: embed the query with ${model} (or set LOUPE_CLIP_MODEL to the library's model)`,
    );
  if (!values || typeof values.length !== 'number' || values.length < 1 || values.length > MAX_VECTOR_DIM)
    throw bad(`the query vector must be a list of 1 to ${MAX_VECTOR_DIM} numbers`);
  const v = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw bad(
        `the query vector's number ${i} is ${JSON.stringify(x) ?? String(x)}: every entry must be a finite number`,
      );
    v[i] = x;
  }
  const stored = (await lib.store.embeddingModels('clip')).find((m) => m.model === model);
  if (!stored)
    throw bad(`the library has no ${model} image vectors to compare a query vector with: index images first`);
  if (v.length !== stored.dim)
    throw bad(`the query vector has ${v.length} numbers, but ${model} vectors have ${stored.dim}`);
  if (!v.some((x) => x !== 0)) throw bad('the query vector is all zeros: it points nowhere');
  return l2Normalize(v);
}

/** Normalises a folder argument: trims slashes, '' stays '' (meaning "no filter, no detection"). */
function folderArg(folder: string | undefined): string | undefined {
  return folder === undefined ? undefined : folder.replace(/^\/+|\/+$/g, '');
}

/** A text query within the limits: at most MAX_QUERY_CHARS characters, no NUL. */
export function checkQuery(query: string): string {
  if (typeof query !== 'string') throw new LoupeError('BAD_ARGUMENT', { message: 'the search query must be text' });
  if (query.length > MAX_QUERY_CHARS)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `the search query is ${query.length} characters, over the ${MAX_QUERY_CHARS}-character limit`,
    });
  if (query.includes('\u0000'))
    throw new LoupeError('BAD_ARGUMENT', { message: 'the search query contains a NUL character' });
  return query;
}

export async function searchByText(lib: SearchDeps, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const k = checkK(options.k);
  checkQuery(query);
  if (options.mode !== undefined && !SEARCH_MODES.includes(options.mode))
    throw new LoupeError('BAD_ARGUMENT', { message: `mode must be one of ${SEARCH_MODES.join(', ')}` });
  const parsed = parseQuery(query);
  // A query vector with no words is a search by that vector alone.
  const mode = options.mode ?? (options.vector !== undefined && !parsed.text.trim() ? 'vector' : 'hybrid');
  const sort = checkSort(options.sort);
  const given = await resolveFilters(lib, bothFilters(parsed.filters, options.filters ?? {}));
  const queryVector =
    options.vector !== undefined ? await checkQueryVector(lib, options.vector, options.vectorModel) : null;
  // No words, only filters: the images that pass them, newest first (or in the order asked for).
  if (!parsed.text.trim() && !queryVector) {
    if (!restricts({ ...given, folder: folderArg(options.folder) || given.folder }) && !parsed.exclude.length)
      throw new LoupeError('BAD_ARGUMENT', {
        message: 'the search query has no words to look for (give words, or filters such as after:2020 camera:pixel)',
      });
    return filterOnly(
      lib,
      { ...given, folder: folderArg(options.folder) || given.folder || null, exclude: parsed.exclude },
      sort,
      k,
    );
  }
  let folder = folderArg(options.folder) ?? (given.folder || undefined);
  let detected = false;
  if (folder === undefined && parsed.text.trim()) {
    folder = detectFolder(parsed.text, await lib.store.folderNames()) ?? undefined;
    detected = folder !== undefined;
  }
  const filters: SearchFilters = { ...given, folder: folder || null, exclude: parsed.exclude, phrases: parsed.phrases };
  const fusionMode: FusionMode = options.fusion?.mode ?? lib.config.fusion.mode;
  if (!FUSION_MODES.includes(fusionMode))
    throw new LoupeError('BAD_ARGUMENT', { message: `fusion must be one of ${FUSION_MODES.join(', ')}` });
  const pool = mode === 'hybrid' || mode === 'caption' ? Math.min(MAX_K, Math.max(4 * k, 50)) : k;

  const q = await queryVectors(lib, parsed.text, mode, fusionMode, queryVector);
  const { vector, model, captionModel, fallbacks } = q;
  const signals = await gatherSignals(lib, q, filters, parsed.text, mode, pool);
  const { weights, minSimilarity, hits } = rank(lib, signals, { vector, mode, fusionMode, options, k });
  const fused = vector !== null && (mode === 'hybrid' || mode === 'caption');
  return {
    hits: await sortHits(lib, hits, sort),
    applied: {
      folder: folder || null,
      folderDetected: detected,
      model,
      mode,
      ...(fused ? { fusion: fusionMode, weights } : {}),
      ...(captionModel ? { captionModel } : {}),
      ...(minSimilarity > 0 ? { minSimilarity } : {}),
      ...(fallbacks.length ? { fallback: fallbacks.join('; ') } : {}),
      ...appliedFilters(filters, sort),
    },
  };
}

/** A text query's vectors. */
interface QueryVectors {
  /** The vector side: CLIP, or caption embeddings standing in for it (caption mode, CLIP unusable); null: words only. */
  vector: Float32Array | null;
  model: string;
  /** In adaptive hybrid, caption embeddings as a third signal beside CLIP and the words. */
  captionVector: Float32Array | null;
  captionModel: string | null;
  /** Why a signal was left out, for the answer. */
  fallbacks: string[];
}

/**
 * The query's words (phrases unquoted) in CLIP space; in caption mode, or when CLIP cannot be used, in the
 * caption-embedding space. Fallback order: CLIP → caption embeddings → words only.
 */
async function queryVectors(
  lib: SearchDeps,
  text: string,
  mode: SearchMode,
  fusionMode: FusionMode,
  given: Float32Array | null,
): Promise<QueryVectors> {
  let vector: Float32Array | null = null;
  let model: string = lib.config.clipModel;
  const fallbacks: string[] = [];
  if (given && mode !== 'text' && mode !== 'caption') vector = given;
  else if (mode === 'hybrid' || mode === 'vector') {
    try {
      const clip = await lib.clip();
      await assertModelMatches(lib.store, clip.model);
      model = clip.model;
      vector = await embedQuery(clip.model, text, (t) => clip.embedTexts([t]).then(([v]) => v));
    } catch (e) {
      // A broken model is an error to fix, not a reason to answer with words alone.
      if (
        mode === 'vector' ||
        isLoupeError(e, 'MODEL_MISMATCH') ||
        isLoupeError(e, 'MODEL_LOAD_FAILED') ||
        isLoupeError(e, 'MODEL_CHECKSUM_MISMATCH')
      )
        throw e;
      fallbacks.push(`CLIP not used: ${reasonOf(e)}`);
    }
  }
  // Caption embeddings: the vector side of caption mode, CLIP's stand-in when it cannot be used, and in adaptive
  // hybrid a third signal beside CLIP and the words (descriptions people or models wrote, compared by meaning).
  let captionVector: Float32Array | null = null;
  let captionModel: string | null = null;
  const adaptiveHybrid = mode === 'hybrid' && fusionMode === 'adaptive';
  if (text.trim() && (mode === 'caption' || (mode === 'hybrid' && (!vector || adaptiveHybrid)))) {
    const embedder = await textEmbedderFor(lib);
    if ('unavailable' in embedder) {
      if (!vector) fallbacks.push(`caption embeddings not used: ${embedder.unavailable}`);
    } else
      try {
        const v = await embedQuery(embedder.model, text, (t) => embedder.embed([t]).then(([e]) => e));
        if (vector) [captionVector, captionModel] = [v, embedder.model];
        else [vector, model] = [v, embedder.model];
      } catch (e) {
        fallbacks.push(`caption embeddings not used: ${reasonOf(e)}`);
      }
  }
  return { vector, model, captionVector, captionModel, fallbacks };
}

/** Every candidate with its value on every signal, and the backgrounds the cosines are measured against. */
interface Signals {
  where: Map<string, { path: string; folder: string }>;
  cosines: Map<string, number>;
  captionCosine: Map<string, number>;
  textScore: Map<string, TextHit>;
  background: VectorBackground | null;
  captionBackground: VectorBackground | null;
  undescribed: Set<string>;
}

/** The nearest images by each vector and the best by words, each candidate then scored on the other signals too. */
async function gatherSignals(
  lib: SearchDeps,
  q: QueryVectors,
  filters: SearchFilters,
  text: string,
  mode: SearchMode,
  pool: number,
): Promise<Signals> {
  const { vector, model, captionVector, captionModel } = q;
  const [vectorHits, captionHits, textHits, background, captionBackground] = await Promise.all([
    vector ? lib.store.searchByVector({ ...filters, vector, model, k: pool }) : [],
    captionVector ? lib.store.searchByVector({ ...filters, vector: captionVector, model: captionModel!, k: pool }) : [],
    // Text side: words and phrases over captions, OCR text, tags and names (caption mode: captions only).
    mode === 'vector'
      ? []
      : lib.store.textSearch({ ...filters, text, limit: pool, fields: mode === 'caption' ? ['caption'] : undefined }),
    vector ? backgroundOf(lib, model, vector) : null,
    captionVector ? backgroundOf(lib, captionModel!, captionVector) : null,
  ]);
  const where = new Map<string, { path: string; folder: string }>();
  const cosines = new Map<string, number>();
  for (const h of vectorHits) {
    where.set(h.imageId, { path: h.path, folder: h.folder });
    cosines.set(h.imageId, 1 - h.distance);
  }
  for (const h of [...captionHits, ...textHits])
    if (!where.has(h.imageId)) where.set(h.imageId, { path: h.path, folder: h.folder });
  // Finds of one side get their true value on the others too, so every result is explained on every signal.
  if (vector)
    for (const [id, d] of await lib.store.distances(
      vector,
      model,
      [...where.keys()].filter((id) => !cosines.has(id)),
    ))
      cosines.set(id, 1 - d);
  const captionCosine = new Map<string, number>();
  if (captionVector)
    for (const [id, d] of await lib.store.distances(captionVector, captionModel!, [...where.keys()]))
      captionCosine.set(id, 1 - d);
  // Images with no words of their own: fusion counts their silence as neither for nor against the query's words.
  const worded = new Set(textHits.map((h) => h.imageId));
  const undescribed =
    mode === 'vector' || !vector
      ? new Set<string>()
      : await lib.store.undescribed([...where.keys()].filter((id) => !worded.has(id)));
  return {
    where,
    cosines,
    captionCosine,
    textScore: new Map(textHits.map((h) => [h.imageId, h])),
    background,
    captionBackground,
    undescribed,
  };
}

/** Fuses the signals as the mode says, and keeps the best k at or above the similarity floor. */
function rank(
  lib: SearchDeps,
  sig: Signals,
  o: { vector: Float32Array | null; mode: SearchMode; fusionMode: FusionMode; options: SearchOptions; k: number },
): { weights: { vector: number; text: number }; minSimilarity: number; hits: SearchHit[] } {
  const { mode, fusionMode, options } = o;
  const { where, cosines, captionCosine, textScore, background, captionBackground, undescribed } = sig;
  // What counts in each mode: both signals (hybrid, caption), the cosine alone (vector), the words alone (text).
  const defaults = fusionMode === 'weighted' ? { vector: 0.7, text: 0.3 } : { vector: 1, text: 1 };
  const chosen = options.fusion?.weights ?? lib.config.fusion.weights ?? defaults;
  const weights =
    mode === 'vector' ? { vector: 1, text: 0 } : mode === 'text' || !o.vector ? { vector: 0, text: 1 } : chosen;
  const rankMode: FusionMode = mode === 'hybrid' || mode === 'caption' ? fusionMode : 'adaptive';
  const ranked = fuse(
    [...where.keys()].map((id) => ({
      id,
      key: where.get(id)!.path,
      vector: cosines.get(id),
      caption: captionCosine.get(id),
      text: textScore.get(id)?.score,
      matched: textScore.get(id)?.matched,
      undescribed: undescribed.has(id),
    })),
    { mode: rankMode, weights, background, captionBackground },
  );
  // The percentage means the same in every query: evidence against chance (adaptive), whatever ranked the list.
  const evidence = (r: (typeof ranked)[number]) =>
    rankMode === 'adaptive'
      ? r.fused
      : (r.vector !== null && background ? weights.vector * vectorEvidence(r.vector, background) : 0) +
        (r.text !== null ? weights.text * TEXT_EVIDENCE * r.text : 0);
  const minSimilarity = options.minSimilarity ?? lib.config.fusion.minSimilarity;
  const hits: SearchHit[] = ranked
    .map((r) => ({ r, similarity: similarityOf(evidence(r)) }))
    .filter((x) => x.similarity >= minSimilarity)
    .slice(0, o.k)
    .map(({ r, similarity }) => {
      const cos = r.vector ?? null;
      const base = cos !== null ? scoreFromCosineDistance(1 - cos) : { score: null, distance: null };
      return {
        id: r.id,
        ...where.get(r.id)!,
        ...base,
        similarity,
        fused: r.fused,
        textScore: r.text,
        matched: r.matched,
      };
    });
  return { weights, minSimilarity, hits };
}

export function checkSort(sort: Sort | undefined): Sort {
  if (sort !== undefined && !SORTS.includes(sort))
    throw new LoupeError('BAD_ARGUMENT', { message: `sort must be one of ${SORTS.join(', ')}` });
  return sort ?? 'relevance';
}

/** Names turned into what the store compares: a country name into its code. */
async function resolveFilters(lib: SearchDeps, f: ImageFilters): Promise<ImageFilters> {
  return f.country ? { ...f, country: await lib.places.countryCode(f.country) } : f;
}

/** What the filters and the order were, for the answer (only what was set). */
function appliedFilters(f: SearchFilters, sort: Sort) {
  const { folder: _folder, exclude: _exclude, phrases: _phrases, ...rest } = f;
  const set = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)),
  );
  return {
    ...(Object.keys(set).length ? { filters: set as ImageFilters } : {}),
    ...(sort !== 'relevance' ? { sort } : {}),
  };
}

async function filterOnly(lib: SearchDeps, filters: SearchFilters, sort: Sort, k: number): Promise<SearchResult> {
  const found = await lib.store.filterImages({ filters, sort, limit: k });
  return {
    hits: found.map((h) => ({
      id: h.imageId,
      path: h.path,
      folder: h.folder,
      score: null,
      distance: null,
      similarity: 100,
    })),
    applied: {
      folder: filters.folder ?? null,
      folderDetected: false,
      model: lib.config.clipModel,
      mode: 'filter',
      ...appliedFilters(filters, sort),
    },
  };
}

/** The k best, shown in the order asked for: by date taken (undated last) or by file name. */
async function sortHits(lib: SearchDeps, hits: SearchHit[], sort: Sort): Promise<SearchHit[]> {
  if (sort === 'relevance' || hits.length < 2) return hits;
  if (sort === 'name')
    return [...hits].sort((a, b) => baseName(a.path).localeCompare(baseName(b.path)) || a.path.localeCompare(b.path));
  const taken = new Map((await lib.store.getImages(hits.map((h) => h.id))).map((d) => [d.id, d.exif.takenAt]));
  const sign = sort === 'newest' ? -1 : 1;
  return [...hits].sort((a, b) => {
    const [x, y] = [taken.get(a.id), taken.get(b.id)];
    if (!x || !y) return x ? -1 : y ? 1 : 0;
    return sign * (Date.parse(x) - Date.parse(y));
  });
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1).toLowerCase();

/** Query embeddings, by model and text: repeated and paged searches do not run the text encoder again. */
const queryEmbeddings = new LRUCache<string, Float32Array>({ max: 1000 });
async function embedQuery(
  model: string,
  text: string,
  embed: (text: string) => Promise<Float32Array>,
): Promise<Float32Array> {
  const key = `${model}\u0000${text}`;
  const hit = queryEmbeddings.get(key);
  if (hit) return hit;
  const v = await embed(text);
  queryEmbeddings.set(key, v);
  return v;
}

const SAMPLE_SIZE = 256;

/** The spread of the query's cosine over a sample of the library: what chance alone gives this query. */
async function backgroundOf(lib: SearchDeps, model: string, vector: Float32Array): Promise<VectorBackground | null> {
  const [sample, models] = await Promise.all([
    lib.store.vectorSample(model, vector.length, SAMPLE_SIZE),
    lib.store.embeddingModels(model === lib.config.clipModel ? 'clip' : 'text'),
  ]);
  if (sample.length < 2) return null;
  // Mean and standard deviation of the sample. (Median and MAD were tried: on libraries of near-identical
  // pictures, such as scanned forms, the MAD shrinks to nothing and noise looks like evidence — bench/RESULTS.md.)
  const cos = sample.map((v) => cosine(v, vector));
  const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
  const std = Math.sqrt(cos.reduce((a, b) => a + (b - mean) ** 2, 0) / (cos.length - 1));
  return { mean, std, count: Math.max(models.find((m) => m.model === model)?.count ?? 0, sample.length) };
}

/** @param source a file path, an http(s) URL, a data URL or plain base64. */
export async function searchByImage(
  lib: SearchDeps,
  source: string | Buffer,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const k = checkK(options.k);
  const bytes = Buffer.isBuffer(source) ? source : await loadImageSource(lib, source);
  const clip = await lib.clip();
  await assertModelMatches(lib.store, clip.model);
  const name = Buffer.isBuffer(source) ? 'query image' : source.length > 200 ? 'query image (base64)' : source;
  const decoded = await decodeForIndex(lib, clip, bytes, name);
  const [vector] = await clip.embedImages([decoded.pixels]);
  return nearest(lib, vector, clip.model, k, options);
}

/** Photos like one stored photo, or like several (the mean of their vectors); the given photos are left out. */
export async function searchSimilar(
  lib: SearchDeps,
  imageIds: string | readonly string[],
  options: SearchOptions = {},
): Promise<SearchResult> {
  const k = checkK(options.k);
  const ids = [...new Set(typeof imageIds === 'string' ? [imageIds] : imageIds)];
  if (ids.length === 0 || ids.length > MAX_SIMILAR_TO)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `give from 1 to ${MAX_SIMILAR_TO} image ids to find photos like them`,
    });
  const model = lib.config.clipModel;
  await assertModelMatches(lib.store, model);
  const vectors: Float32Array[] = [];
  for (const id of ids) {
    if (!(await lib.store.imageExists(id))) throw new LoupeError('NOT_FOUND', { what: `image ${id}` });
    const vector = await lib.store.getEmbedding(id, model);
    if (!vector) throw new LoupeError('NOT_FOUND', { what: `a ${model} embedding of image ${id}` });
    vectors.push(vector);
  }
  const vector =
    vectors.length === 1
      ? vectors[0]
      : l2Normalize(vectors[0].map((_, d) => vectors.reduce((sum, v) => sum + v[d], 0)));
  return nearest(lib, vector, model, k, options, ids);
}

/** How many photos "find similar" takes at once (a selection). */
export const MAX_SIMILAR_TO = 200;

/** By image and similar-to-id: the nearest vectors among the images that pass the filters. */
async function nearest(
  lib: SearchDeps,
  vector: Float32Array,
  model: string,
  k: number,
  options: SearchOptions,
  exclude: readonly string[] = [],
): Promise<SearchResult> {
  const sort = checkSort(options.sort);
  const given = await resolveFilters(lib, options.filters ?? {});
  const filters: SearchFilters = { ...given, folder: folderArg(options.folder) || given.folder || null };
  const minSimilarity = options.minSimilarity ?? lib.config.fusion.minSimilarity;
  // The store leaves out one image itself; more are asked for and left out here.
  const [found, background] = await Promise.all([
    lib.store.searchByVector({
      ...filters,
      vector,
      model,
      k: k + Math.max(0, exclude.length - 1),
      excludeImageId: exclude[0],
    }),
    backgroundOf(lib, model, vector),
  ]);
  const hits = found.filter((h) => !exclude.includes(h.imageId)).slice(0, k);
  const shown = hits
    .map((h) => ({ id: h.imageId, path: h.path, folder: h.folder, ...scoreFromCosineDistance(h.distance) }))
    .map((h) => ({ ...h, similarity: imageSimilarity(h.score, background) }))
    .filter((h) => h.similarity >= minSimilarity);
  return {
    hits: await sortHits(lib, shown, sort),
    applied: {
      folder: filters.folder ?? null,
      folderDetected: false,
      model,
      ...(minSimilarity > 0 ? { minSimilarity } : {}),
      ...appliedFilters(filters, sort),
    },
  };
}

/** An image named by a file path, an http(s) URL (fetched with the SSRF guards), a data URL or plain base64. */
export async function loadImageSource(lib: SearchDeps, source: string): Promise<Buffer> {
  if (/^https?:\/\//i.test(source)) return lib.fetchUrl(source);
  const bytes = decodeBase64Image(source);
  if (bytes) return bytes;
  try {
    return await (await lib.imageSource([source])).read(source);
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
export async function withSourceUrls(lib: SearchDeps, result: SearchResult): Promise<SearchResult> {
  const hits = await Promise.all(
    result.hits.map(async (h) => {
      if (!h.path.startsWith('s3://')) return h;
      const url = await lib.sourceUrl(h.path);
      return { ...h, s3Path: h.path, ...(url ? { sourceUrl: url } : {}) };
    }),
  );
  return { ...result, hits };
}
