/**
 * Re-running analyzers over stored images: after `index` (OCR runs as a second pass, so search by
 * meaning is ready first), after a model change, or on request (`loupe reindex`).
 */
import { ANALYZERS, type RunnableAnalyzer } from '../core/analyzers.js';
import { LoupeError, reasonOf } from '../core/errors.js';
import type { ImageDetails } from '../core/types.js';
import type { AnalysisState, AnalyzerName, AnalyzerState, ImageRecords, VectorIndex } from '../ports/store.js';
import { textEmbedderFor, type Library } from './library.js';
import { decodeForIndex } from './ingest-batch.js';
import { readOriginal } from './originals.js';
import { thumbnailKey } from '../core/blob-keys.js';

/** What the analyzer passes use: the models, the originals, and the store's images, vectors and analysis state. */
export type ReindexDeps = Pick<
  Library,
  'config' | 'clip' | 'ocr' | 'labeler' | 'captioner' | 'textEmbedders' | 'decoder' | 'blobs' | 'imageSource'
> & {
  store: ImageRecords & VectorIndex & AnalysisState;
};

export interface ReindexOptions {
  only: RunnableAnalyzer[];
  /** Every image, even those already analyzed (default: only images the analyzer has not handled). */
  force?: boolean;
  /** Clear the chosen fields of the selected images first (for clip: all vectors, e.g. after a model change). */
  reset?: boolean;
  folder?: string | null;
  limit?: number;
  offset?: number;
  dryRun?: boolean;
  onProgress?: (p: { analyzer: RunnableAnalyzer; done: number; total: number }) => void;
  /** Restrict to these images (used after indexing and by upload jobs). */
  imageIds?: string[];
}

export interface AnalyzerReport {
  model: string | null;
  planned: number;
  ok: number;
  empty: number;
  failed: { id: string; error: string }[];
  /** Wall time of the pass, model loading included. */
  seconds: number;
  /** Why the analyzer could not run at all. */
  unavailable?: string;
}

export async function reindex(lib: ReindexDeps, o: ReindexOptions): Promise<Record<string, AnalyzerReport>> {
  const report: Record<string, AnalyzerReport> = {};
  for (const analyzer of o.only) {
    if (!(ANALYZERS as readonly string[]).includes(analyzer))
      throw new LoupeError('BAD_ARGUMENT', {
        message: `unknown analyzer "${analyzer}"; choose from ${ANALYZERS.join(', ')}`,
      });
    const selected =
      o.imageIds ??
      (await lib.store.imagesForAnalysis({
        analyzer,
        missing: !o.force && !o.reset,
        folder: o.folder,
        limit: o.limit,
        offset: o.offset,
      }));
    const ids = o.imageIds && !o.force ? await onlyMissing(lib, analyzer, selected) : selected;
    const r: AnalyzerReport = (report[analyzer] = {
      model: null,
      planned: ids.length,
      ok: 0,
      empty: 0,
      failed: [],
      seconds: 0,
    });
    if (o.dryRun || ids.length === 0) continue;
    const started = performance.now();
    const run =
      analyzer === 'ocr'
        ? await ocrRunner(lib, r)
        : analyzer === 'labels'
          ? await labelsRunner(lib, r)
          : analyzer === 'caption'
            ? await captionRunner(lib, r, o.reset ?? false, ids)
            : analyzer === 'text-embedding'
              ? await textEmbeddingRunner(lib, r, o.reset ?? false, ids)
              : await clipRunner(lib, r, o.reset ?? false, ids);
    if (!run) continue;
    let done = 0;
    let next = 0;
    // Each worker takes the next image: one image's reads and writes overlap another's inference.
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const [image] = await lib.store.getImages([id]);
        if (image) {
          let state: AnalyzerState;
          try {
            const found = await run.analyze(id, picturesOf(lib, image), image.paths[0]?.path ?? id);
            state = { model: r.model!, at: new Date().toISOString(), status: found ? 'ok' : 'empty' };
            found ? r.ok++ : r.empty++;
          } catch (e) {
            state = { model: r.model!, at: new Date().toISOString(), status: 'failed', error: reasonOf(e) };
            r.failed.push({ id, error: reasonOf(e) });
          }
          await lib.store.markAnalyzed(id, analyzer, state);
        }
        o.onProgress?.({ analyzer, done: ++done, total: ids.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(run.workers, ids.length) }, worker));
    r.seconds = (performance.now() - started) / 1000;
  }
  return report;
}

async function onlyMissing(lib: ReindexDeps, analyzer: AnalyzerName, ids: string[]) {
  const images = await lib.store.getImages(ids);
  return images.filter((i) => !i.analyzed[analyzer]).map((i) => i.id);
}

/** An image's pictures, each read when a pass first asks for it. */
interface Pictures {
  original(): Promise<Buffer>;
  /** The stored thumbnail (WebP, LOUPE_THUMBNAIL_SIZE on its long side; smaller originals keep their size), or null. */
  thumbnail(): Promise<Buffer | null>;
}

function picturesOf(lib: ReindexDeps, image: Pick<ImageDetails, 'id' | 'sha256' | 'paths'>): Pictures {
  let original: Promise<Buffer> | undefined;
  return {
    original: () =>
      (original ??= readOriginal(lib, image).then((bytes) => {
        if (!bytes)
          throw new LoupeError('UNREADABLE', {
            path: image.paths[0]?.path ?? image.id,
            reason: 'no stored or readable original',
          });
        return bytes;
      })),
    thumbnail: () => lib.blobs.get(thumbnailKey(image.sha256)),
  };
}

/**
 * The stored thumbnail serves a pass that looks at no more pixels than it holds (NanoDet's 416 px, the OCR gate's
 * 480 px): one decode of a 12 MP original then serves the model input, the thumbnail, labels and the look for text.
 */
const thumbnailServes = (lib: ReindexDeps, side: number | undefined) =>
  side !== undefined && lib.config.thumbnailSize >= side;

interface Runner {
  analyze(id: string, pictures: Pictures, name: string): Promise<boolean>;
  /**
   * Images in flight at once: with two, one image's read, decode and database writes overlap the other's
   * inference (the models run on every core; a second image does not run a second network at once).
   */
  workers: number;
}

async function ocrRunner(lib: ReindexDeps, r: AnalyzerReport): Promise<Runner | null> {
  const ocr = await lib.ocr();
  if ('unavailable' in ocr) {
    r.unavailable = ocr.unavailable;
    return null;
  }
  r.model = ocr.model;
  const analyze: Runner['analyze'] = async (id, pictures) => {
    // Most photos have no text: a look at the thumbnail tells, and the original is read only where there is some.
    const thumbnail = ocr.lookForText && thumbnailServes(lib, ocr.lookSide) ? await pictures.thumbnail() : null;
    const none = thumbnail !== null && !(await ocr.lookForText!(thumbnail));
    const result = none
      ? { text: '', words: [] }
      : await ocr.recognize(await lib.decoder.readable(await pictures.original(), lib.config.ocr.maxResolution), {
          looked: thumbnail !== null,
        });
    await lib.store.setOcr(id, { ...result, model: ocr.model });
    return result.words.length > 0;
  };
  return { analyze, workers: 2 };
}

async function labelsRunner(lib: ReindexDeps, r: AnalyzerReport): Promise<Runner | null> {
  const labeler = await lib.labeler();
  if ('unavailable' in labeler) {
    r.unavailable = labeler.unavailable;
    return null;
  }
  r.model = labeler.model;
  const analyze: Runner['analyze'] = async (id, pictures) => {
    const thumbnail = thumbnailServes(lib, labeler.inputSide) ? await pictures.thumbnail() : null;
    const labels = await labeler.label(
      thumbnail ?? (await lib.decoder.readable(await pictures.original(), labeler.inputSide ?? 1024)),
    );
    await lib.store.setLabels(id, labels);
    return labels.length > 0;
  };
  return { analyze, workers: 2 };
}

async function textEmbeddingRunner(
  lib: ReindexDeps,
  r: AnalyzerReport,
  reset: boolean,
  ids: string[],
): Promise<Runner | null> {
  const embedder = await textEmbedderFor(lib);
  if ('unavailable' in embedder) {
    r.unavailable = embedder.unavailable;
    return null;
  }
  r.model = embedder.model;
  if (reset) await lib.store.deleteEmbeddings(ids, 'text');
  const analyze: Runner['analyze'] = async (id) => {
    const [image] = await lib.store.getImages([id]);
    const text = describableText(image);
    if (!text) {
      await lib.store.deleteEmbeddings([id], 'text');
      return false;
    }
    const [vector] = await embedder.embed([text]);
    await lib.store.setEmbedding(id, embedder.model, vector, 'text');
    return true;
  };
  return { analyze, workers: 2 };
}

/** What a text embedding describes: the caption, tags and the text in the image. */
export function describableText(
  image: { caption: string | null; tags: string[]; ocrText: string | null } | undefined,
): string {
  if (!image) return '';
  return [image.caption, image.tags.join(', '), image.ocrText]
    .filter((t) => t && t.trim())
    .join('\n')
    .slice(0, 4000);
}

async function captionRunner(
  lib: ReindexDeps,
  r: AnalyzerReport,
  reset: boolean,
  ids: string[],
): Promise<Runner | null> {
  const captioner = await lib.captioner();
  if ('unavailable' in captioner) {
    r.unavailable = captioner.unavailable;
    return null;
  }
  r.model = captioner.model;
  if (reset) for (const id of ids) await lib.store.setModelCaption(id, null);
  const analyze: Runner['analyze'] = async (id, pictures) => {
    const [image] = await lib.store.getImages([id]);
    if (image?.captionSource === 'user') return true; // the user's words stand; nothing to generate
    // Vision APIs take JPEG everywhere and bill by size: send at most 1024 px.
    const caption = await captioner.caption(await lib.decoder.toJpeg(await pictures.original(), 1024), 'image/jpeg');
    await lib.store.setModelCaption(id, caption || null);
    return caption.length > 0;
  };
  return { analyze, workers: 2 };
}

async function clipRunner(lib: ReindexDeps, r: AnalyzerReport, reset: boolean, ids: string[]): Promise<Runner> {
  const clip = await lib.clip();
  r.model = clip.model;
  // Re-embedding after a model change replaces every vector; without --reset, other models' vectors stay.
  if (reset) await lib.store.deleteEmbeddings(ids);
  const analyze: Runner['analyze'] = async (id, pictures, name) => {
    const decoded = await decodeForIndex(lib, clip, await pictures.original(), name);
    const [vector] = await clip.embedImages([decoded.pixels]);
    await lib.store.setEmbedding(id, clip.model, vector);
    return true;
  };
  return { analyze, workers: 2 };
}
