/**
 * The adaptive fusion Loupe shipped before it was recalibrated on real CLIP outputs (commit e48e33c,
 * src/core/hybrid.ts): a cosine counted only above the noise ceiling √(2 ln N) + 1 σ, a full word match was worth
 * 5, and the vector side was trusted by the Pearson correlation of word score and cosine (full at 0.3). Kept here,
 * and only here, so bench/ranking.ts can rank the same candidates both ways and show before and after side by side.
 */
export interface PreviousCandidate {
  id: string;
  vector?: number;
  text?: number;
}

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < n; i++)
    [sxy, sxx, syy] = [sxy + (x[i] - mx) * (y[i] - my), sxx + (x[i] - mx) ** 2, syy + (y[i] - my) ** 2];
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** The ids best first, as the previous default ranked them. */
export function previousAdaptive(
  candidates: PreviousCandidate[],
  bg: { mean: number; std: number; count: number },
): string[] {
  const both = candidates.filter((c) => c.vector !== undefined && c.text !== undefined && c.text > 0);
  const r =
    both.length < 8
      ? null
      : pearson(
          both.map((c) => c.text!),
          both.map((c) => c.vector!),
        );
  const trust = r === null ? 1 : Math.max(0, Math.min(1, r / 0.3));
  const ceiling = Math.sqrt(2 * Math.log(Math.max(2, bg.count)));
  const evidence = (cos: number) => softplus(4 * ((cos - bg.mean) / Math.max(bg.std, 1e-6) - ceiling - 1)) / 4;
  const fused = (c: PreviousCandidate) => (c.vector !== undefined ? trust * evidence(c.vector) : 0) + 5 * (c.text ?? 0);
  return [...candidates]
    .sort(
      (a, b) => fused(b) - fused(a) || (b.vector ?? -Infinity) - (a.vector ?? -Infinity) || a.id.localeCompare(b.id),
    )
    .map((c) => c.id);
}
