import type { RunnableAnalyzer } from '../core/analyzers.js';
import type { ImageFilters, Sort } from '../core/filters.js';
import type { ImageDetails, ImageFacts, ImagePatch, ImagePath, TextSource } from '../core/types.js';

export interface NewImage extends ImageFacts {
  caption?: string | null;
  captionSource?: TextSource | null;
  tags?: string[];
}

export interface NewImageItem {
  image: NewImage;
  path: ImagePath;
  embedding: { model: string; vector: Float32Array };
  /** Object labels made from the same decode, stored with the image (the labels pass is then done for it). */
  labels?: { model: string; labels: ImageLabel[] };
}

export interface StoredPath extends ImagePath {
  sha256: string;
}

export interface VectorHit {
  imageId: string;
  distance: number;
  path: string;
  folder: string;
}

/** Filters shared by vector and text search (the query syntax's and the structured fields'). */
export interface SearchFilters extends ImageFilters {
  /** Words or phrases the image's text (caption, OCR, tags, names) must not contain. */
  exclude?: string[];
  /** Phrases the image's text must contain, in this order (quoted in the query: strict). */
  phrases?: string[];
}

export interface VectorQuery extends SearchFilters {
  vector: Float32Array;
  model: string;
  k: number;
  excludeImageId?: string;
  /** HNSW candidate list (hnsw.ef_search); default: the store's rule for the library's size. */
  efSearch?: number;
}

export interface TextQuery extends SearchFilters {
  /** Words and "phrases" to look for (no exclusions, no filters). */
  text: string;
  limit: number;
  /** Search only these fields. Default: all. */
  fields?: TextField[];
}

export type TextField = 'caption' | 'ocr' | 'tags' | 'labels' | 'name';

export interface TextHit {
  imageId: string;
  /**
   * How much of the query the image's text holds, 0..1, comparable across queries: the share of the query's
   * words (stemmed, stop words dropped) it contains, each word weighted by its rarity in the library (IDF);
   * trigram similarity stands in, at half weight, for words OCR misread. A little full-text rank breaks ties.
   */
  score: number;
  matched: TextField[];
  path: string;
  folder: string;
}

export interface OcrResult {
  text: string;
  words: { text: string; confidence: number; box: [number, number, number, number] }[];
  model: string;
}

/** The analyzers whose runs the store records. */
export type AnalyzerName = RunnableAnalyzer;

/** One object a detector found, with the friendly word searched for and the model's own class name. */
export interface ImageLabel {
  label: string;
  raw: string;
  confidence: number;
}

export interface AnalyzerState {
  model: string;
  at: string;
  status: 'ok' | 'empty' | 'failed';
  error?: string;
}

export type EmbeddingKind = 'clip' | 'text';

export interface ModelCount {
  model: string;
  dim: number;
  count: number;
}

/** Images, their paths and their facts: what the index writes and every view reads. */
export interface ImageRecords {
  getPath(path: string): Promise<StoredPath | null>;
  /** The stored ones of these paths (one query for a batch). */
  getPaths(paths: string[]): Promise<StoredPath[]>;
  /** Every stored path whose indexed root is `root`. */
  pathsUnderRoot(root: string): Promise<StoredPath[]>;
  findImageBySha(sha256: string): Promise<{ id: string } | null>;
  /** Image id by content hash, for those of these hashes that are stored. */
  findImagesBySha(sha256s: string[]): Promise<Map<string, string>>;
  /**
   * Adds images, each with its first path and its embedding, in one transaction (all or none). When an
   * image with the same sha256 already exists, only the path is attached to it.
   * @returns for each item, the id its path now points at and whether a new image was stored.
   */
  insertImages(items: NewImageItem[]): Promise<{ imageId: string; inserted: boolean }[]>;
  pathsOfImage(imageId: string): Promise<string[]>;
  /** Points `path` at an existing image (insert or update). */
  upsertPath(path: ImagePath): Promise<void>;
  removePaths(paths: string[]): Promise<void>;
  /** Deletes images that no path points at any more. @returns their sha256. */
  deleteOrphanImages(): Promise<string[]>;
  imageExists(imageId: string): Promise<boolean>;
  /** Images per folder (for stats). */
  folders(): Promise<Record<string, number>>;
  /** Every folder name, cheaply (for detecting a folder named in a query). */
  folderNames(): Promise<string[]>;
  imageCount(): Promise<number>;
  allHashes(): Promise<{ id: string; phash: string; paths: string[] }[]>;
  getImages(ids: string[]): Promise<ImageDetails[]>;
  /** Newest first, by when they were added (default) or taken (else added); `cursor` is the previous page's nextCursor. */
  /** A page of images, newest first; `before` starts the list at a date (by the order's date; an undated image sorts as year 1). */
  listImages(q: {
    folder?: string | null;
    limit: number;
    cursor?: string | null;
    order?: 'added' | 'taken';
    before?: string | null;
  }): Promise<{ items: ImageDetails[]; nextCursor: string | null }>;
  /** Photos with a GPS position, by country: how many and their mean position (unknown country: at sea or unmapped). */
  places(q: { folder?: string | null }): Promise<{ country: string | null; count: number; lat: number; lon: number }[]>;
  /** How many images were taken in each month ("2021-03"), newest first, and how many have no date. */
  timeline(q: { folder?: string | null }): Promise<{ months: { month: string; count: number }[]; undated: number }>;
  /** Images that pass the filters, in the given order (relevance means newest taken): a search with no words. */
  filterImages(q: {
    filters: SearchFilters;
    sort: Sort;
    limit: number;
  }): Promise<{ imageId: string; path: string; folder: string }[]>;
  updateImage(id: string, patch: ImagePatch): Promise<ImageDetails | null>;
  /** Deletes the record, its paths and vectors. @returns its sha256, or null when unknown. */
  deleteImage(id: string): Promise<string | null>;
}

/** Vectors per image and model, and nearest-neighbour search over them. */
export interface VectorIndex {
  /** k nearest by cosine distance; `exact` skips the ANN index (for recall checks). */
  searchByVector(q: VectorQuery & { exact?: boolean }): Promise<VectorHit[]>;
  getEmbedding(imageId: string, model: string): Promise<Float32Array | null>;
  /** Replaces the image's vector of `kind` (clip: the image; text: its caption and OCR text) for `model`. */
  setEmbedding(imageId: string, model: string, vector: Float32Array, kind?: EmbeddingKind): Promise<void>;
  /** Deletes vectors of `kind` (default clip): of all images, or of the given ones. @returns how many. */
  deleteEmbeddings(imageIds?: string[], kind?: EmbeddingKind): Promise<number>;
  /** Cosine distances from `vector` to the given images' vectors of `model`. */
  distances(vector: Float32Array, model: string, imageIds: string[]): Promise<Map<string, number>>;
  /** Vector counts per model, for one kind (default clip). */
  embeddingModels(kind?: EmbeddingKind): Promise<ModelCount[]>;
  /** Up to `n` stored vectors of a model, a fixed pseudo-random sample of the space (the first by content hash): the background a query's cosines are measured against. */
  vectorSample(model: string, dim: number, n: number): Promise<Float32Array[]>;
}

/** Word search over captions, text in images, tags, labels and names. */
export interface TextIndex {
  textSearch(q: TextQuery): Promise<TextHit[]>;
  /** Of these images, those with no description of their own: no caption, tags, detector labels or text read in them (a file name does not count). */
  undescribed(imageIds: string[]): Promise<Set<string>>;
}

/** What the analyzers found and which images each has handled. */
export interface AnalysisState {
  setOcr(imageId: string, result: OcrResult): Promise<void>;
  /** Sets a model-made caption, unless the image has the user's own caption. @returns whether it was set. */
  setModelCaption(imageId: string, caption: string | null): Promise<boolean>;
  /** Replaces the image's detector labels (never its user's tags). */
  setLabels(imageId: string, labels: ImageLabel[]): Promise<void>;
  /** Records an analyzer's run on an image (success, nothing found, or failure with its reason). */
  markAnalyzed(imageId: string, analyzer: AnalyzerName, state: AnalyzerState): Promise<void>;
  /** Ids of images, oldest first, for re-running analyzers; `missing` keeps those the analyzer has not handled. */
  imagesForAnalysis(q: {
    analyzer: AnalyzerName;
    missing: boolean;
    folder?: string | null;
    limit?: number;
    offset?: number;
  }): Promise<string[]>;
  /** Counts per analyzer and status, for stats. */
  analyzerCounts(): Promise<Record<string, Record<string, number>>>;
}

/**
 * The library's persistent state: the four capabilities above, in one space. One implementation over SQL
 * serves PGlite and PostgreSQL; a use case asks for the capabilities it uses (e.g. `{ store: ImageRecords }`).
 */
export interface Store extends ImageRecords, VectorIndex, TextIndex, AnalysisState {
  /** The space this store reads and writes; every method stays inside it. */
  readonly spaceId: string;
  /** The same library database seen through another space (shares the connection; closing it does nothing). */
  forSpace(spaceId: string): Store;
  close(): Promise<void>;
}
