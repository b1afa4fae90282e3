/** Conversions between the ways a match is reported. Inputs are unit vectors. */

/** Longest embedding any input may bring (a query vector, an imported index): no CLIP or sentence model is wider. */
export const MAX_EMBEDDING_DIM = 4096;

export function scoreFromCosineDistance(distance: number) {
  const score = 1 - distance;
  return {
    score,
    distance,
    // A plain linear map of the cosine; searches replace it with a % measured against the query's background (core/hybrid.ts).
    similarity: Math.round(Math.max(0, Math.min(1, (score + 1) / 2)) * 1000) / 10,
  };
}

/** L2 distance between unit vectors from their cosine similarity: 0 identical … 2 opposite. */
export function l2FromCosine(score: number): number {
  return Math.sqrt(Math.max(0, 2 - 2 * score));
}

export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) throw new Error('cannot normalise a zero or non-finite vector');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
