/** What a reader of another stack's store (FAISS, Chroma, pgvector) hands to the import use case. */
/** One record of the old stack. */
export interface ImportRow {
  /** Where it came from, for the report (a FAISS row number, a Chroma id, a primary key). */
  sourceId: string;
  /** The image: a local path or an s3:// URL; null when the row names none. */
  image: string | null;
  folder?: string;
  /** An image embedding of `ImportPlan.clip.model`. */
  clipVector?: Float32Array;
  /** A model-made caption, and its text embedding of `ImportPlan.text.model`. */
  caption?: string | null;
  captionVector?: Float32Array;
}

/** What the source holds, read before anything is written. */
export interface ImportPlan {
  source: string;
  clip?: { model: string; dim: number };
  text?: { model: string; dim: number };
  rows: ImportRow[];
  /** Rows the reader could not map at all, with the reason. */
  unmapped: { sourceId: string; reason: string }[];
  /** What the reader wants the user to know (said in the report). */
  notes?: string[];
  /** The folder every local image must lie in (--root, else the folder the source sits in): nothing outside it is read. */
  root: string;
}
