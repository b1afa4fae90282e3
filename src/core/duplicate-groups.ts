import { hammingDistance, phashHalves, popcount32 } from './phash.js';

export interface HashedImage {
  id: string;
  phash: string;
  paths: string[];
}

export interface DuplicateGroup {
  kind: 'exact' | 'near';
  /** Largest Hamming distance between the group's first image and any other, 0 for exact. */
  maxDistance: number;
  images: { id: string; paths: string[]; distance: number }[];
}

/** Default near-duplicate threshold, in bits of 64: resized and re-encoded copies land at 0–6, small crops up to ~10. */
export const NEAR_DUPLICATE_BITS = 10;
/**
 * Widest threshold asked for: past it the search grows steeply (bench/duplicates.ts at 100k: 2.6 s at 10 bits, 12.5 s
 * at 13, 64 s at 16) and what it joins are different pictures more than copies.
 */
export const MAX_DUPLICATE_BITS = 12;

/** Called every few thousand images, so a caller can let other work run (a server answers requests meanwhile). */
export type Pause = () => Promise<void>;
const PAUSE_EVERY = 2000;

/**
 * Exact groups: one image (one content hash) stored at several paths, when it is in no near group.
 * Near groups: distinct images whose perceptual hashes are within `maxBits`, joined transitively. Found exactly, without
 * comparing every pair: multi-index hashing (Norouzi, Punjani & Fleet) — the 64 bits are 4 blocks of 16, and two hashes
 * within t bits agree within ⌊t/4⌋ bits on at least one block, so each hash is compared only with the hashes whose block
 * value lies that close to its own (at the default 10 bits, 548 table look-ups per image instead of n comparisons).
 */
export async function groupDuplicates(
  images: readonly HashedImage[],
  maxBits = NEAR_DUPLICATE_BITS,
  pause?: Pause,
): Promise<DuplicateGroup[]> {
  if (!Number.isInteger(maxBits) || maxBits < 0 || maxBits > MAX_DUPLICATE_BITS)
    throw new RangeError(`maxBits must be a whole number from 0 to ${MAX_DUPLICATE_BITS}`);
  const groups: DuplicateGroup[] = [];

  const parent = images.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const n = images.length;
  const hiOf = new Uint32Array(n);
  const loOf = new Uint32Array(n);
  images.forEach((img, i) => ([hiOf[i], loOf[i]] = phashHalves(img.phash)));
  const blockOf = (i: number, t: number) => ((t < 2 ? hiOf[i] : loOf[i]) >>> (t % 2 ? 0 : 16)) & 0xffff;
  // One table per block: the images holding each 16-bit value, as offsets into one flat array (no per-bucket objects).
  const tables = [0, 1, 2, 3].map((t) => {
    const start = new Uint32Array(65537);
    for (let i = 0; i < n; i++) start[blockOf(i, t) + 1]++;
    for (let v = 0; v < 65536; v++) start[v + 1] += start[v];
    const members = new Uint32Array(n);
    const fill = start.slice(0, 65536);
    for (let i = 0; i < n; i++) members[fill[blockOf(i, t)]++] = i;
    return { start, members };
  });
  const flips = masksWithin(Math.floor(maxBits / 4));
  for (let i = 0; i < n; i++) {
    if (pause && i % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
    const [hi, lo] = [hiOf[i], loOf[i]];
    for (let t = 0; t < 4; t++) {
      const { start, members } = tables[t];
      const own = blockOf(i, t);
      for (const flip of flips) {
        const v = own ^ flip;
        for (let m = start[v], end = start[v + 1]; m < end; m++) {
          const j = members[m];
          if (j > i && popcount32(hi ^ hiOf[j]) + popcount32(lo ^ loOf[j]) <= maxBits) parent[find(j)] = find(i);
        }
      }
    }
  }

  const byRoot = new Map<number, number[]>();
  images.forEach((_, i) => {
    const r = find(i);
    const members = byRoot.get(r);
    if (members) members.push(i);
    else byRoot.set(r, [i]);
  });
  for (const members of byRoot.values()) {
    if (members.length < 2) continue;
    const first = images[members[0]];
    const withDistance = members.map((i) => ({
      id: images[i].id,
      paths: images[i].paths,
      distance: hammingDistance(first.phash, images[i].phash),
    }));
    groups.push({
      kind: 'near',
      maxDistance: withDistance.reduce((m, x) => Math.max(m, x.distance), 0),
      images: withDistance,
    });
  }
  // Near groups first (there is something to delete); an image at several paths that is in no near group after them
  // (its card in a near group already lists every path), so no picture is listed twice.
  const inNear = new Set(groups.flatMap((g) => g.images.map((i) => i.id)));
  for (const img of images)
    if (img.paths.length > 1 && !inNear.has(img.id))
      groups.push({ kind: 'exact', maxDistance: 0, images: [{ id: img.id, paths: img.paths, distance: 0 }] });
  return groups;
}

/** Every 16-bit mask with at most `radius` bits set. */
function masksWithin(radius: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < 1 << 16; m++) if (popcount32(m) <= radius) out.push(m);
  return out;
}
