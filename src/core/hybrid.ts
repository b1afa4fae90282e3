/**
 * Fusing vector similarity with full-text relevance into one ranking that explains itself.
 * Weighted fusion normalises each signal per query (min–max over the candidates that have it);
 * Reciprocal Rank Fusion uses ranks only. A weight of 0 means "ignore this signal", never "default".
 */
export interface FusionCandidate {
  id: string;
  /** Cosine similarity, when the vector side found it. */
  vector?: number;
  /** Full-text relevance, when the text side found it. */
  text?: number;
  matched?: string[];
}

export interface FusedResult {
  id: string;
  fused: number;
  vector: number | null;
  text: number | null;
  /** The per-query normalised signals that were weighted (weighted mode), 0..1. */
  vectorNorm: number | null;
  textNorm: number | null;
  matched: string[];
}

export type FusionMode = 'weighted' | 'rrf';

export interface FusionOptions {
  mode: FusionMode;
  weights: { vector: number; text: number };
  /** RRF's damping constant. */
  rrfK?: number;
}

/** Defaults: vector 0.7, text 0.3, weighted; RRF k = 60. */
export const DEFAULT_FUSION: Readonly<FusionOptions> = Object.freeze({ mode: 'weighted', weights: Object.freeze({ vector: 0.7, text: 0.3 }), rrfK: 60 });

function normaliser(values: number[]) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return () => 0;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  // One value, or all equal: each present candidate gets full credit rather than 0/0.
  return max > min ? (v: number) => (v - min) / (max - min) : () => 1;
}

export function fuse(candidates: readonly FusionCandidate[], options: FusionOptions = DEFAULT_FUSION): FusedResult[] {
  const { vector: wv, text: wt } = options.weights;
  if (!(wv >= 0) || !(wt >= 0)) throw new RangeError('fusion weights must be numbers ≥ 0');
  const withVector = candidates.filter((c) => c.vector !== undefined && Number.isFinite(c.vector));
  const withText = candidates.filter((c) => c.text !== undefined && Number.isFinite(c.text));
  let score: (c: FusionCandidate) => { fused: number; vectorNorm: number | null; textNorm: number | null };
  if (options.mode === 'rrf') {
    const k = options.rrfK ?? 60;
    const rank = (list: FusionCandidate[], key: 'vector' | 'text') =>
      new Map([...list].sort((a, b) => b[key]! - a[key]!).map((c, i) => [c.id, i + 1]));
    const vr = rank(withVector, 'vector');
    const tr = rank(withText, 'text');
    score = (c) => ({
      fused: (vr.has(c.id) ? wv / (k + vr.get(c.id)!) : 0) + (tr.has(c.id) ? wt / (k + tr.get(c.id)!) : 0),
      vectorNorm: null,
      textNorm: null,
    });
  } else {
    const nv = normaliser(withVector.map((c) => c.vector!));
    const nt = normaliser(withText.map((c) => c.text!));
    score = (c) => {
      const vectorNorm = c.vector !== undefined && Number.isFinite(c.vector) ? nv(c.vector) : null;
      const textNorm = c.text !== undefined && Number.isFinite(c.text) ? nt(c.text) : null;
      return { fused: wv * (vectorNorm ?? 0) + wt * (textNorm ?? 0), vectorNorm, textNorm };
    };
  }
  return candidates
    .map((c) => ({ id: c.id, vector: c.vector ?? null, text: c.text ?? null, matched: c.matched ?? [], ...score(c) }))
    .sort((a, b) => b.fused - a.fused || (b.vector ?? -Infinity) - (a.vector ?? -Infinity) || a.id.localeCompare(b.id));
}
