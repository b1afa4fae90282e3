/**
 * What `loupe index` does, for every caller (CLI, library): the CLIP pass over the paths, so search by meaning
 * works first, then the slower analyzer passes (labels, OCR, captions, text embeddings) over what is new.
 */
import type { IndexSummary } from '../core/types.js';
import { indexPaths, type IndexDeps } from './index-paths.js';
import type { RunnableAnalyzer } from '../core/analyzers.js';
import { reindex, type AnalyzerReport, type ReindexDeps } from './reindex.js';

export interface PassTiming {
  pass: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface AnalyzerBrief {
  model: string | null;
  ok: number;
  empty: number;
  failed: number;
  unavailable?: string;
}

export interface IndexAndAnalyzeSummary extends IndexSummary {
  labels?: AnalyzerBrief;
  ocr?: AnalyzerBrief;
  caption?: AnalyzerBrief;
  textEmbedding?: AnalyzerBrief;
  /** Each pass that ran, with its rate: clip first. */
  passes: PassTiming[];
}

export interface IndexAndAnalyzeOptions {
  /** Read text in images (default true; LOUPE_OCR=off also turns it off). */
  ocr?: boolean;
  /** Progress of each pass in turn: clip, then the analyzers. */
  onProgress?: (p: { pass: string; done: number; total: number; item?: string }) => void;
}

export async function indexAndAnalyze(
  lib: IndexDeps & ReindexDeps,
  paths: string[],
  o: IndexAndAnalyzeOptions = {},
): Promise<IndexAndAnalyzeSummary> {
  const started = performance.now();
  const indexed = await indexPaths(lib, paths, {
    onProgress: (p) =>
      p.phase === 'indexing' && o.onProgress?.({ pass: 'clip', done: p.done, total: p.total, item: p.path }),
  });
  const clipPass = withRate('clip', indexed.indexed, (performance.now() - started) / 1000);
  if (indexed.stopped) return { ...indexed, passes: [clipPass] };
  const only: RunnableAnalyzer[] =
    o.ocr === false ? ['labels', 'caption', 'text-embedding'] : ['labels', 'ocr', 'caption', 'text-embedding'];
  const report = await reindex(lib, {
    only,
    onProgress: (p) => o.onProgress?.({ pass: p.analyzer, done: p.done, total: p.total }),
  });
  const ran = Object.entries(report).filter(([, r]) => !r.unavailable && r.planned > 0);
  return {
    ...indexed,
    labels: withInlineLabels(brief(report.labels), indexed.labelled),
    ...(report.ocr ? { ocr: brief(report.ocr) } : {}),
    caption: brief(report.caption),
    textEmbedding: brief(report['text-embedding']),
    passes: [clipPass, ...ran.map(([pass, r]) => withRate(pass, r.ok + r.empty + r.failed.length, r.seconds))],
  };
}

/** The labels pass's brief with the labels made while indexing (from the same decode) counted in. */
function withInlineLabels(
  pass: AnalyzerBrief | undefined,
  inline: IndexSummary['labelled'],
): AnalyzerBrief | undefined {
  if (!inline.model) return pass;
  return {
    model: inline.model,
    ok: inline.ok + (pass?.ok ?? 0),
    empty: inline.empty + (pass?.empty ?? 0),
    failed: pass?.failed ?? 0,
  };
}

const brief = (r: AnalyzerReport | undefined): AnalyzerBrief | undefined =>
  r && {
    model: r.model,
    ok: r.ok,
    empty: r.empty,
    failed: r.failed.length,
    ...(r.unavailable ? { unavailable: r.unavailable } : {}),
  };

const withRate = (pass: string, images: number, seconds: number): PassTiming => ({
  pass,
  images,
  seconds: Math.round(seconds * 100) / 100,
  imagesPerSecond: seconds > 0 ? Math.round((images / seconds) * 10) / 10 : 0,
});
