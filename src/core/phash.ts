/**
 * 64-bit DCT perceptual hash (the classic pHash): 32×32 grayscale → 2-D DCT → the 8×8
 * lowest frequencies (without DC) compared with their median. Robust to resizing,
 * re-encoding and small crops; a Hamming distance ≤ ~10 means "the same picture".
 */
const N = 32;
const COS = (() => {
  const table = new Float64Array(N * N);
  for (let u = 0; u < N; u++)
    for (let x = 0; x < N; x++) table[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return table;
})();

/** @param gray 32×32 luminance values, row-major. @returns 16 hex characters. */
export function phashFromGray32(gray: Uint8Array | Float32Array): string {
  if (gray.length !== N * N) throw new Error(`phash needs ${N * N} samples, got ${gray.length}`);
  // Separable DCT: rows, then columns; only the 8 lowest frequencies are needed on each axis.
  const rows = new Float64Array(N * 8);
  for (let y = 0; y < N; y++)
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += gray[y * N + x] * COS[u * N + x];
      rows[y * 8 + u] = s;
    }
  const coeffs = new Float64Array(64);
  for (let v = 0; v < 8; v++)
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * 8 + u] * COS[v * N + y];
      coeffs[v * 8 + u] = s;
    }
  const ac = Array.from(coeffs.subarray(1));
  const median = ac.slice().sort((a, b) => a - b)[Math.floor(ac.length / 2)];
  let hash = 0n;
  for (let i = 0; i < 64; i++) hash = (hash << 1n) | (coeffs[i] > median ? 1n : 0n);
  return hash.toString(16).padStart(16, '0');
}

export function hammingDistance(a: string, b: string): number {
  return (
    popcount32(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) +
    popcount32(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16))
  );
}

/** Split a 16-hex-character hash into two 32-bit halves, for tight pairwise loops. */
export function phashHalves(hash: string): [number, number] {
  return [parseInt(hash.slice(0, 8), 16) >>> 0, parseInt(hash.slice(8), 16) >>> 0];
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * 32×32 luminance (BT.601) by area averaging of 8-bit RGB pixels: the phash input, computed from pixels
 * the pipeline already has instead of a second resize.
 */
export function gray32FromRgb(data: Uint8Array, width: number, height: number): Float32Array {
  const out = new Float32Array(N * N);
  const counts = new Uint32Array(N * N);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(N - 1, Math.floor((y * N) / height));
    for (let x = 0; x < width; x++) {
      const cx = Math.min(N - 1, Math.floor((x * N) / width));
      const i = (y * width + x) * 3;
      out[cy * N + cx] += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      counts[cy * N + cx]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= counts[i] || 1;
  return out;
}
