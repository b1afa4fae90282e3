/**
 * Loupe as a library.
 *
 * @example
 * ```ts
 * import { getConfig, openLibrary, indexAndAnalyze, searchByText } from 'loupe';
 * const lib = await openLibrary(getConfig());
 * await indexAndAnalyze(lib, ['./photos']); // what `loupe index` does: CLIP, then labels, OCR, captions
 * const { hits } = await searchByText(lib, 'a dog on the beach', { k: 5 });
 * await lib.close();
 * ```
 */
export { getConfig, parseConfig, type Config } from './config.js';
export { openLibrary } from './wiring/library.js';
export type { Library } from './app/library.js';
export { indexPaths, type IndexProgress } from './app/index-paths.js';
export { indexAndAnalyze, type IndexAndAnalyzeSummary } from './app/index-and-analyze.js';
export { reindex } from './app/reindex.js';
export { searchByText, searchByImage, searchSimilar } from './app/search.js';
export { findDuplicates } from './app/duplicates.js';
export { libraryStats } from './app/stats.js';
export * from './core/index.js';
