/**
 * What use cases are given: the library's ports for one space, and its models, each loaded on first use.
 * src/wiring/ builds it from the configuration; use cases only see this interface.
 */
import type { Config } from '../config.js';
import { LoupeError } from '../core/errors.js';
import type { AccessStore } from '../ports/access-store.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Captioner } from '../ports/captioner.js';
import type { ClipEmbedder } from '../ports/clip-embedder.js';
import type { ImageDecoder } from '../ports/image-decoder.js';
import type { ImageSource } from '../ports/image-source.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectLabeler } from '../ports/object-labeler.js';
import type { Places } from '../ports/places.js';
import type { Store, VectorIndex } from '../ports/store.js';
import type { TextEmbedder } from '../ports/text-embedder.js';
import type { TextRecognizer } from '../ports/text-recognizer.js';

export interface Library {
  config: Config;
  /** The space this view of the library reads and writes (the default space unless chosen). */
  spaceId: string;
  /** The same library seen through another space: its own images, jobs and files; models are shared. */
  forSpace(spaceId: string): Library;
  /**
   * Runs work that may wait (searches, indexing): on a one-connection database its statements queue behind everyone
   * else's, so listing, stats and sign-in stay quick. Absent where connections are pooled.
   */
  behind?<T>(fn: () => Promise<T>): Promise<T>;
  /** Asks the database (readiness): rejects when it cannot be reached. */
  ping(): Promise<void>;
  store: Store;
  /** Users, spaces and API keys (not scoped: administration). */
  access: AccessStore;
  jobs: JobQueue;
  blobs: BlobStore;
  /** Where files to index are read from: s3:// URLs from a bucket, anything else from the filesystem (one kind per run). */
  imageSource(inputs: string[]): Promise<ImageSource>;
  /** A URL a client can fetch an original from directly (a presigned S3 URL), or null for local files. */
  sourceUrl(path: string): Promise<string | null>;
  decoder: ImageDecoder;
  places: Places;
  /** Fetches untrusted image URLs with the SSRF guards and limits from the configuration. */
  fetchUrl(url: string): Promise<Buffer>;
  /** Loads (and if needed downloads) the CLIP model on first call. */
  clip(): Promise<ClipEmbedder>;
  /**
   * Text embedders in the configured order of preference, each loaded on first use, or why one cannot be used.
   * Vectors of different models are never mixed: a search uses the provider whose model made the stored vectors.
   */
  textEmbedders(): Promise<(TextEmbedder | { provider: string; unavailable: string })[]>;
  /** The configured captioner, or why there is none. */
  captioner(): Promise<Captioner | { unavailable: string }>;
  /** The configured OCR engine, or why there is none (turned off, or not installed). */
  ocr(): Promise<TextRecognizer | { unavailable: string }>;
  /** The object labeler (LOUPE_LABELS), loaded on first call, or why there is none. */
  labeler(): Promise<ObjectLabeler | { unavailable: string }>;
  close(): Promise<void>;
}

/** Refuses to mix embedding spaces: stored vectors of another model make the configured one unusable here. */
export async function assertModelMatches(store: Pick<VectorIndex, 'embeddingModels'>, model: string): Promise<void> {
  const others = (await store.embeddingModels()).filter((m) => m.model !== model);
  if (others.length)
    throw new LoupeError('MODEL_MISMATCH', { stored: others[0].model, requested: model, count: others[0].count });
}

/**
 * The text embedder to use: the configured provider whose model made the stored text vectors (so spaces are
 * never mixed), else the first usable one in the configured order.
 */
export async function textEmbedderFor(
  lib: Pick<Library, 'textEmbedders'> & { store: Pick<VectorIndex, 'embeddingModels'> },
): Promise<TextEmbedder | { unavailable: string }> {
  const candidates = await lib.textEmbedders();
  const usable = candidates.filter((c): c is TextEmbedder => !('unavailable' in c));
  const stored = (await lib.store.embeddingModels('text')).map((m) => m.model);
  const match = usable.find((e) => stored.includes(e.model)) ?? (stored.length ? undefined : usable[0]);
  if (match) return match;
  if (stored.length && usable.length)
    return {
      unavailable: `stored caption vectors were made with ${stored.join(', ')}, which is not among the configured providers (${usable.map((u) => u.model).join(', ')}); run \`loupe reindex --only text-embedding --reset\``,
    };
  return {
    unavailable: candidates
      .map((c) => ('unavailable' in c ? `${c.provider}: ${c.unavailable}` : ''))
      .filter(Boolean)
      .join('; '),
  };
}
