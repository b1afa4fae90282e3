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
  /** A stable key (e.g. the path) that orders exact ties, so the same search always lists them the same way. */
  key?: string;
  /** The image has no description of its own (no caption, tags, labels or text in it): no text score is no evidence against it. */
  undescribed?: boolean;
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
  if (!Number.isInteger(value) || value < 1 || value > MAX_K)
    throw new LoupeError('BAD_ARGUMENT', { message: `k must be a whole number from 1 to ${MAX_K}, got ${k}` });
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
export const DEFAULT_FUSION: Readonly<FusionOptions> = Object.freeze({
  mode: 'adaptive',
  weights: Object.freeze({ vector: 1, text: 1 }),
  rrfK: 60,
});

/*
 * The constants below were set on real CLIP outputs (../shared/datasets/clip-vectors; bench/ranking.ts family 6 and
 * test/ranking-real-clip.test.ts): the photo a caption describes stands a median 3.7 σ above its query's cosines
 * (p10 2.5), the best unrelated photos of 1000 reach ~3.5 σ, and 99 % of unrelated photos stay under 2.6 σ. The
 * generated test models' families (bench/ranking.ts 1–4) keep their targets with the same constants.
 */
/** Evidence grows from this many standard deviations above the query's mean cosine. */
export const VECTOR_FROM_Z = 2;
/** Softness of the hinge there (σ⁻¹): lower is softer, so a cosine 0.5 σ below VECTOR_FROM_Z still counts a little. */
const HINGE = 2;
/** A full match of the query's words counts as much as a cosine this many standard deviations above VECTOR_FROM_Z. */
export const TEXT_EVIDENCE = 2;
/** Evidence → %: nothing below SIMILARITY_FROM (what the best unrelated photos reach), then 1 − e^(−excess / SIMILARITY_SCALE). */
const SIMILARITY_FROM = 0.5;
const SIMILARITY_SCALE = 2;

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/** The query's cosine as a z-score against its background. */
export const zOf = (cos: number, bg: VectorBackground) => (cos - bg.mean) / Math.max(bg.std, 1e-6);

/** Evidence (≥ 0) of a cosine against its background: ~0 below VECTOR_FROM_Z σ, then linear in σ. */
export function vectorEvidence(cos: number, bg: VectorBackground): number {
  return softplus(HINGE * (zOf(cos, bg) - VECTOR_FROM_Z)) / HINGE;
}

/** The 0–100 % shown to people: the same evidence gives the same percentage in every query. */
export const similarityOf = (evidence: number) =>
  Math.round((1 - Math.exp(-Math.max(0, evidence - SIMILARITY_FROM) / SIMILARITY_SCALE)) * 1000) / 10;

/**
 * Image → image (by image, similar to an indexed one): 0 % up to what unrelated photos reach for this query (its
 * background's mean + 2.33 σ, chance's 99th percentile; for real ViT-B/32 photos about cos 0.78), rising to 100 % at
 * an identical image, so a near copy (cos ≥ 0.95) shows over 95 %. Without a background (a library of one image),
 * ViT-B/32's image–image spread stands in.
 */
export function imageSimilarity(cos: number, bg: VectorBackground | null): number {
  const { mean, std } = bg ?? IMAGE_BACKGROUND;
  const noise = Math.min(0.98, mean + 2.33 * std);
  const x = Math.max(0, Math.min(1, (cos - noise) / (1 - noise)));
  return Math.round(((1 - Math.exp(-4 * x)) / (1 - Math.exp(-4))) * 1000) / 10;
}
/** Random pairs of real ViT-B/32 photo vectors: mean cosine 0.52, 99th percentile 0.78. */
const IMAGE_BACKGROUND = { mean: 0.52, std: 0.11, count: 0 };

function normaliser(values: number[]) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return () => 0;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // One value, or all equal: each present candidate gets full credit rather than 0/0.
  return max > min ? (v: number) => (v - min) / (max - min) : () => 1;
}

/** Below this many images found by the words, the vector side is not judged against them: it is trusted. */
const AGREEMENT_MIN = 8;
/** Mean z (over what the words found) at which the vector side starts to count, and at which it fully counts. */
export const AGREEMENT_FROM = 0.2;
export const AGREEMENT_FULL = 0.8;
/** Correlation of word score and z over all candidates at which the vector side starts to be discounted, and is fully. */
export const REDUNDANT_FROM = -0.4;
export const REDUNDANT_FULL = 0.1;
/** Fields whose words can judge the vector side (not labels, not file names). */
const JUDGING_FIELDS = new Set(['caption', 'ocr', 'tags']);
/** Fewer distinct word scores (to 0.01) than this among the worded finds: the words are too coarse to judge the vector side. */
const COARSE_LEVELS = 5;

/** How many matches it takes for an undescribed image to be given half the best word score (see fuse). */
const UNWRITTEN_MATCH_ODDS = 8;

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));
const has = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/**
 * How much the vector side counts in this query, 0..1: how far it is informative about the query, times how far it
 * says something the words do not.
 * - Informative: do the images holding the query's words lie nearer the query than the library at large? A real CLIP
 *   puts them a median 0.8–1.2 σ above their background; a vector side that says nothing about this query (noise, a
 *   colour model asked about something else) leaves them at ~0 σ and is turned down instead of adding noise.
 * - Not redundant: over every candidate (the nearest and the best by words), word score and cosine correlate at about
 *   −0.35 for a real CLIP (its nearest are often photos described in other words) and at ~0 or above for a vector
 *   side that re-measures the words (a bag-of-words sentence model): counting that one fully counts the words twice.
 */
export function vectorTrust(
  candidates: readonly FusionCandidate[],
  bg: VectorBackground,
  side: 'vector' | 'caption' = 'vector',
): number {
  const scored = candidates.filter((c) => has(c[side]));
  // Only descriptions people or OCR wrote judge the vector side: detector labels come from the pixels as the vector
  // does, and a few nouns shared by many photos ("person" is on most) can tell neither noise nor redundancy.
  const worded = scored.filter(
    (c) => has(c.text) && c.text > 0 && (!c.matched || c.matched.some((f) => JUDGING_FIELDS.has(f))),
  );
  if (worded.length < AGREEMENT_MIN) return 1;
  if (new Set(worded.map((c) => Math.round(c.text! * 100))).size < COARSE_LEVELS) return 1;
  const meanZ = worded.reduce((sum, c) => sum + zOf(c[side]!, bg), 0) / worded.length;
  const informative = clamp01((meanZ - AGREEMENT_FROM) / (AGREEMENT_FULL - AGREEMENT_FROM));
  const r = pearson(
    scored.map((c) => (has(c.text) ? c.text : 0)),
    scored.map((c) => c[side]!),
  );
  const redundant = clamp01((r - REDUNDANT_FROM) / (REDUNDANT_FULL - REDUNDANT_FROM));
  return informative * (1 - redundant);
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
  if (options.mode === 'adaptive') {
    const bg = options.background;
    const cbg = options.captionBackground;
    const trust = bg ? vectorTrust(candidates, bg, 'vector') : 0;
    const captionTrust = cbg ? vectorTrust(candidates, cbg, 'caption') : 0;
    // An image with no description of its own cannot match the query's words, but might if it had one: it is given
    // the best word score found, times how common a match is (n matched of n + UNWRITTEN_MATCH_ODDS). Words many
    // photos share would likely be in its description too; a name one caption holds would not, and still wins.
    // Measured on real CLIP's half-captioned library: 0.566 R@1, against 0.541 for the matched images' average.
    const matched = withText.filter((c) => c.text! > 0);
    const silent = matched.length
      ? (Math.max(...matched.map((c) => c.text!)) * matched.length) / (matched.length + UNWRITTEN_MATCH_ODDS)
      : 0;
    score = (c) => {
      const vectorPart =
        (has(c.vector) && bg ? trust * wv * vectorEvidence(c.vector, bg) : 0) +
        (has(c.caption) && cbg ? captionTrust * wv * vectorEvidence(c.caption, cbg) : 0);
      const textPart = wt * TEXT_EVIDENCE * (has(c.text) ? Math.max(0, c.text) : c.undescribed ? silent : 0);
      return { fused: vectorPart + textPart, vectorPart, textPart };
    };
  } else if (options.mode === 'rrf') {
    const k = options.rrfK ?? 60;
    const rank = (list: FusionCandidate[], key: 'vector' | 'text') =>
      new Map([...list].sort((a, b) => b[key]! - a[key]!).map((c, i) => [c.id, i + 1]));
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
    .map((c) => ({
      id: c.id,
      key: c.key,
      vector: c.vector ?? null,
      text: c.text ?? null,
      matched: c.matched ?? [],
      ...score(c),
    }))
    .sort(
      (a, b) =>
        b.fused - a.fused ||
        (b.vector ?? -Infinity) - (a.vector ?? -Infinity) ||
        (a.key ?? a.id).localeCompare(b.key ?? b.id) ||
        a.id.localeCompare(b.id),
    );
}
