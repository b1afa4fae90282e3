import type { Library } from '../library.js';

export interface LibraryStats {
  images: number;
  folders: Record<string, number>;
  models: { model: string; dim: number; count: number; configured: boolean }[];
  dataDir: string;
  /** Per analyzer (clip, ocr, ...): images by status (ok, empty, failed). */
  analyzers: Record<string, Record<string, number>>;
  /** The OCR engine in use, or why there is none. */
  ocr: { model: string } | { unavailable: string };
  /** The captioner in use, or why there is none. */
  captioner: { model: string } | { unavailable: string };
}

export async function libraryStats(lib: Library): Promise<LibraryStats> {
  const [images, folders, models, analyzers, ocr, captioner] = await Promise.all([lib.store.imageCount(), lib.store.folders(), lib.store.embeddingModels(), lib.store.analyzerCounts(), lib.ocr(), lib.captioner()]);
  const configured = lib.config.clipModel;
  const listed = models.map((m) => ({ ...m, configured: m.model === configured }));
  if (!listed.some((m) => m.configured)) listed.push({ model: configured, dim: 0, count: 0, configured: true });
  return { images, folders, models: listed, dataDir: lib.config.dataDir, analyzers, ocr: 'unavailable' in ocr ? ocr : { model: ocr.model }, captioner: 'unavailable' in captioner ? captioner : { model: captioner.model } };
}
