import { redact } from '../core/redact.js';
import type { Library } from './library.js';
import type { AnalysisState, ImageRecords, VectorIndex } from '../ports/store.js';

/** What stats read: counts from the store, and which engines are configured. */
export type StatsDeps = Pick<Library, 'config' | 'ocr' | 'captioner' | 'textEmbedders' | 'labeler'> & {
  store: Pick<ImageRecords, 'imageCount' | 'folders'> &
    Pick<VectorIndex, 'embeddingModels'> &
    Pick<AnalysisState, 'analyzerCounts'>;
};

export interface LibraryStats {
  images: number;
  folders: Record<string, number>;
  models: { model: string; dim: number; count: number; configured: boolean }[];
  dataDir: string;
  /** Where the library's database is: the embedded folder, or the server's URL without its password. */
  database: string;
  /** Per analyzer (clip, ocr, ...): images by status (ok, empty, failed). */
  analyzers: Record<string, Record<string, number>>;
  /** The OCR engine in use, or why there is none. */
  ocr: { model: string } | { unavailable: string };
  /** The captioner in use, or why there is none. */
  captioner: { model: string } | { unavailable: string };
  /** Each indexing pass in the order it runs: how many images it has handled and how many wait for it. */
  passes: PassState[];
}

export interface PassState {
  pass: 'clip' | 'labels' | 'ocr' | 'caption' | 'text-embedding';
  /** The model doing it, or null when the pass is off (then `unavailable` says why). */
  model: string | null;
  done: number;
  pending: number;
  unavailable?: string;
}

export async function libraryStats(lib: StatsDeps): Promise<LibraryStats> {
  const [images, folders, models, analyzers, ocr, captioner, textEmbedders, labeler] = await Promise.all([
    lib.store.imageCount(),
    lib.store.folders(),
    lib.store.embeddingModels(),
    lib.store.analyzerCounts(),
    lib.ocr(),
    lib.captioner(),
    lib.textEmbedders(),
    lib.labeler(),
  ]);
  const configured = lib.config.clipModel;
  const listed = models.map((m) => ({ ...m, configured: m.model === configured }));
  if (!listed.some((m) => m.configured)) listed.push({ model: configured, dim: 0, count: 0, configured: true });
  const vectors = listed.find((m) => m.configured)!.count;
  const textEmbedder = textEmbedders.find((t) => !('unavailable' in t)) as { model: string } | undefined;
  const handled = (analyzer: string) => Object.values(analyzers[analyzer] ?? {}).reduce((a, b) => a + b, 0);
  const pass = (name: PassState['pass'], engine: { model: string } | { unavailable: string }): PassState => {
    if ('unavailable' in engine)
      return { pass: name, model: null, done: handled(name), pending: 0, unavailable: engine.unavailable };
    const done = Math.min(images, handled(name));
    return { pass: name, model: engine.model, done, pending: images - done };
  };
  const passes: PassState[] = [
    { pass: 'clip', model: configured, done: Math.min(images, vectors), pending: Math.max(0, images - vectors) },
    pass('labels', labeler),
    pass('ocr', ocr),
    pass('caption', captioner),
    pass(
      'text-embedding',
      textEmbedder ?? {
        unavailable:
          textEmbedders.map((t) => ('unavailable' in t ? `${t.provider}: ${t.unavailable}` : '')).join('; ') ||
          'LOUPE_TEXT_EMBEDDER=off',
      },
    ),
  ];
  return {
    images,
    folders,
    models: listed,
    dataDir: lib.config.dataDir,
    database: lib.config.database ? redact(lib.config.database.url) : `embedded, in ${lib.config.dataDir}`,
    analyzers,
    ocr: 'unavailable' in ocr ? ocr : { model: ocr.model },
    captioner: 'unavailable' in captioner ? captioner : { model: captioner.model },
    passes,
  };
}
