/** Domain types shared by every layer. No I/O here. */
import type { ImageFilters, Sort } from './filters.js';
import type { ErrorCode } from './errors.js';

export interface ExifSummary {
  takenAt?: string; // ISO 8601
  camera?: string; // "Make Model"
  gps?: { lat: number; lon: number; alt?: number };
  /** ISO 3166-1 alpha-2 code of the country the GPS position lies in (looked up offline at indexing). */
  country?: string;
}

/** The facts of one stored image, fixed when it is first indexed: one content hash, possibly at several paths. */
export interface ImageFacts {
  id: string;
  sha256: string;
  /** 64-bit perceptual hash as 16 hex characters. */
  phash: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  exif: ExifSummary;
}

export interface ImagePath {
  imageId: string;
  path: string;
  /** Directory relative to the indexed root ('' for the root itself), '/'-separated. */
  folder: string;
  root: string;
  size: number;
  mtimeMs: number;
  /** The source's content version when it has one (S3 ETag). */
  etag?: string | null;
}

/** A float vector that has been L2-normalised, with the model that made it. */
export interface Embedding {
  model: string;
  vector: Float32Array;
}

export interface SearchHit {
  id: string;
  path: string;
  folder: string;
  /** Cosine similarity, -1..1 (null when the image has no vector of the model). */
  score: number | null;
  /** User-facing 0..100 percentage of the ranking score (cosine for image and vector searches, fused otherwise). */
  similarity: number;
  /** Cosine distance, 0..2 (null with score). */
  distance: number | null;
  /** Hybrid and text searches: the fused ranking score, the full-text score and the fields the words matched. */
  fused?: number;
  textScore?: number | null;
  matched?: string[];
  /** Images from a bucket: where the original is (s3://bucket/key) and a presigned URL to fetch it directly. */
  s3Path?: string;
  sourceUrl?: string;
}

export interface SearchResult {
  hits: SearchHit[];
  applied: {
    folder: string | null;
    folderDetected: boolean;
    model: string;
    mode?: string;
    fusion?: string;
    weights?: { vector: number; text: number };
    /** What could not be used, and so what the results rest on (e.g. words only). */
    fallback?: string;
    /** The similarity cutoff in force (0–100 %), when one was set. */
    minSimilarity?: number;
    /** The filters in force (from the query's words and the structured fields), and the order when not relevance. */
    filters?: ImageFilters;
    sort?: Sort;
  };
}

export interface IndexSummary {
  indexed: number;
  skipped: number;
  duplicates: number;
  moved: number;
  removed: number;
  failed: { path: string; error: string; code?: string }[];
  /** New images labelled by the object detector from the same decode, with labels and without (the labels pass then has nothing left for them). */
  labelled: { model: string | null; ok: number; empty: number };
  /** RAW or HEIC files kept as one more path of the JPEG (or HEIC) beside them with the same name: one photo, two files. */
  paired: number;
  /** Files in the walked folders that are not images, by kind (videos, sidecars, other): left alone, but counted. */
  passedOver: Record<'video' | 'sidecar' | 'other', number>;
  /** Why the run stopped before the end (a full disk, a model that cannot load); re-running goes on from there. */
  stopped?: { code: ErrorCode; error: string };
}

/** Who wrote a text field: the user's text is never overwritten by a model's. */
export type TextSource = 'user' | 'model';

/** An image with everything the API shows about it. */
export interface ImageDetails extends ImageFacts {
  caption: string | null;
  captionSource: TextSource | null;
  tags: string[];
  /** Objects a detector found (LOUPE_LABELS): searchable words beside the user's tags, never replacing them. */
  labels: { label: string; raw: string; confidence: number }[];
  createdAt: string;
  paths: { path: string; folder: string }[];
  ocrText: string | null;
  /** What each analyzer (clip, ocr, caption, text-embedding) did with this image. */
  analyzed: Record<string, { model: string; at: string; status: 'ok' | 'empty' | 'failed'; error?: string }>;
}

export interface ImagePatch {
  caption?: string | null;
  tags?: string[];
  folder?: string;
}
