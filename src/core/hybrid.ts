/**
 * Fusing vector similarity with full-text relevance into one ranking that explains itself.
 *
 * Adaptive fusion (the default) measures each signal against what it would give by chance, so a signal that
 * says nothing this query adds nothing: a cosine counts by how far it stands above the best that unrelated
 * images reach (its z-score against a sample of the library, less the expected maximum of as many draws of
 * noise, √(2 ln N)); the text score is already absolute (the rarity-weighted share of the query's words an
 * image holds). The evidence adds up, and the similarity shown is 1 − e^(−evidence/2): the same scale for
 * every query, low when nothing stands out.
 *
 * Weighted fusion normalises each signal per query (min–max over the candidates that have it); Reciprocal
 * Rank Fusion uses ranks only. A weight of 0 means "ignore this signal", never "default".
 */
import { LoupeError } from './errors.js';
export interface FusionCandidate {
  id: string;
  /** Cosine similarity, when the vector side found it. */
  vector?: number;
  /** Full-text relevance, when the text side found it. */
  text?: number;
  /** Cosine similarity in the caption-embedding space (adaptive hybrid: a second vector signal). */
  caption?: number;
  matched?: string[];
}

export interface FusedResult {
  id: string;
  fused: number;
  vector: number | null;
  text: number | null;
  /** What each signal contributed to `fused` (adaptive: evidence; weighted: weight × normalised value; rrf: weight / (k + rank)). */
  vectorPart: number;
  textPart: number;
  matched: string[];
}

/** How a text query searches: both signals fused (the default), one of them, or captions only. */
export const SEARCH_MODES = ['hybrid', 'vector', 'text', 'caption'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Most results one search returns. */
export const MAX_K = 1000;

/** The k asked for (default 10), or BAD_ARGUMENT: the one check every surface and use case shares. */
export function checkK(k: number | undefined): number {
  const value = k ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_K) throw new LoupeError('BAD_ARGUMENT', { message: `k must be a whole number from 1 to ${MAX_K}, got ${k}` });
  return value;
}

export const FUSION_MODES = ['adaptive', 'weighted', 'rrf'] as const;
export type FusionMode = (typeof FUSION_MODES)[number];

/** How the query's cosine is spread over the library (a sample of it): what chance alone gives. */
export interface VectorBackground {
  mean: number;
  std: number;
  /** How many images the vector side searched (N in the noise ceiling √(2 ln N)). */
  count: number;
}

export interface FusionOptions {
  mode: FusionMode;
  weights: { vector: number; text: number };
  /** RRF's damping constant. */
  rrfK?: number;
  /** Adaptive mode: the vector side's background; without it the vector side counts for nothing. */
  background?: VectorBackground | null;
  /** Adaptive mode: the caption-embedding side's background, when that signal is used too. */
  captionBackground?: VectorBackground | null;
}

/** Defaults: adaptive, weights 1 / 1; RRF k = 60. */
export const DEFAULT_FUSION: Readonly<FusionOptions> = Object.freeze({ mode: 'adaptive', weights: Object.freeze({ vector: 1, text: 1 }), rrfK: 60 });

/** A full match of the query's words counts as much as a cosine this many standard deviations above the noise ceiling. */
export const TEXT_EVIDENCE = 5;
/** Evidence starts this many standard deviations above the noise ceiling: the best of noise (and images near every query) count for ~nothing. */
const MARGIN = 1;
/** Sharpness of the soft hinge (in standard deviations⁻¹). */
const HINGE = 4;

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/** Evidence (≥ 0) of a cosine against its background: ~0 up to the best that chance gives among `count` images, then linear in σ. */
export function vectorEvidence(cos: number, bg: VectorBackground): number {
  const z = (cos - bg.mean) / Math.max(bg.std, 1e-6);
  const ceiling = Math.sqrt(2 * Math.log(Math.max(2, bg.count)));
  return softplus(HINGE * (z - ceiling - MARGIN)) / HINGE;
}

/** The 0–100 % shown to people: the same evidence gives the same percentage in every query. */
export const similarityOf = (evidence: number) => Math.round((1 - Math.exp(-Math.max(0, evidence) / 2)) * 1000) / 10;

function normaliser(values: number[]) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return () => 0;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // One value, or all equal: each present candidate gets full credit rather than 0/0.
  return max > min ? (v: number) => (v - min) / (max - min) : () => 1;
}

/** Below this many images found by both sides, their agreement is not measured: the vector side is trusted. */
const AGREEMENT_MIN = 8;
/** Correlation (text score vs cosine over what the text side found) at which the vector side is fully trusted. */
export const AGREEMENT_FULL = 0.3;

/**
 * How far to trust the vector side in this query, 0..1, from its agreement with the words: over the images the
 * text side found, do the ones holding more of the query's words lie nearer the query? A vector side that is
 * confident about something else (a colour, a hub image near every query) disagrees and is turned down.
 */
export function vectorTrust(candidates: readonly FusionCandidate[], side: 'vector' | 'caption' = 'vector'): number {
  const both = candidates.filter((c) => c[side] !== undefined && Number.isFinite(c[side]) && c.text !== undefined && Number.isFinite(c.text) && c.text > 0);
  if (both.length < AGREEMENT_MIN) return 1;
  const r = pearson(
    both.map((c) => c.text!),
    both.map((c) => c[side]!),
  );
  return Math.max(0, Math.min(1, r / AGREEMENT_FULL));
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

export function fuse(candidates: readonly FusionCandidate[], options: FusionOptions = DEFAULT_FUSION): FusedResult[] {
  const { vector: wv, text: wt } = options.weights;
  if (!(wv >= 0) || !(wt >= 0)) throw new RangeError('fusion weights must be numbers ≥ 0');
  const withVector = candidates.filter((c) => c.vector !== undefined && Number.isFinite(c.vector));
  const withText = candidates.filter((c) => c.text !== undefined && Number.isFinite(c.text));
  let score: (c: FusionCandidate) => { fused: number; vectorPart: number; textPart: number };
  const has = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  if (options.mode === 'adaptive') {
    const bg = options.background;
    const cbg = options.captionBackground;
    const trust = bg ? vectorTrust(candidates, 'vector') : 0;
    const captionTrust = cbg ? vectorTrust(candidates, 'caption') : 0;
    score = (c) => {
      const vectorPart = (has(c.vector) && bg ? trust * wv * vectorEvidence(c.vector, bg) : 0) + (has(c.caption) && cbg ? captionTrust * wv * vectorEvidence(c.caption, cbg) : 0);
      const textPart = has(c.text) ? wt * TEXT_EVIDENCE * Math.max(0, c.text) : 0;
      return { fused: vectorPart + textPart, vectorPart, textPart };
    };
  } else if (options.mode === 'rrf') {
    const k = options.rrfK ?? 60;
    const rank = (list: FusionCandidate[], key: 'vector' | 'text') => new Map([...list].sort((a, b) => b[key]! - a[key]!).map((c, i) => [c.id, i + 1]));
    const vr = rank(withVector, 'vector');
    const tr = rank(withText, 'text');
    score = (c) => {
      const vectorPart = vr.has(c.id) ? wv / (k + vr.get(c.id)!) : 0;
      const textPart = tr.has(c.id) ? wt / (k + tr.get(c.id)!) : 0;
      return { fused: vectorPart + textPart, vectorPart, textPart };
    };
  } else {
    const nv = normaliser(withVector.map((c) => c.vector!));
    const nt = normaliser(withText.map((c) => c.text!));
    score = (c) => {
      const vectorPart = has(c.vector) ? wv * nv(c.vector) : 0;
      const textPart = has(c.text) ? wt * nt(c.text) : 0;
      return { fused: vectorPart + textPart, vectorPart, textPart };
    };
  }
  return candidates
    .map((c) => ({ id: c.id, vector: c.vector ?? null, text: c.text ?? null, matched: c.matched ?? [], ...score(c) }))
    .sort((a, b) => b.fused - a.fused || (b.vector ?? -Infinity) - (a.vector ?? -Infinity) || a.id.localeCompare(b.id));
}
