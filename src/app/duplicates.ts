import { groupDuplicates, NEAR_DUPLICATE_BITS, type DuplicateGroup } from '../core/duplicate-groups.js';
import type { ImageRecords } from '../ports/store.js';

/** Lets other work run between steps of a long scan: a server keeps answering while it looks for duplicates. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Scans under way, by store and threshold: callers asking for the same scan at once share it (pages of one review, or a flood). */
const scans = new WeakMap<object, Map<number, Promise<DuplicateGroup[]>>>();

/** Exact duplicates (one content, several paths) and near duplicates (perceptual hashes within `maxBits`). */
export function findDuplicates(
  lib: { store: Pick<ImageRecords, 'allHashes'> },
  maxBits = NEAR_DUPLICATE_BITS,
): Promise<DuplicateGroup[]> {
  const byBits = scans.get(lib.store) ?? scans.set(lib.store, new Map()).get(lib.store)!;
  const running = byBits.get(maxBits);
  if (running) return running;
  const scan = (async () => groupDuplicates(await lib.store.allHashes(), maxBits, yieldToOthers))().finally(() =>
    byBits.delete(maxBits),
  );
  byBits.set(maxBits, scan);
  return scan;
}

/** One page of the groups (in a stable order: by the first path), and the cursor of the next page or null. */
export function pageOf(
  groups: DuplicateGroup[],
  limit: number,
  cursor = 0,
): { groups: DuplicateGroup[]; next: number | null; total: number } {
  const page = groups.slice(cursor, cursor + limit);
  return { groups: page, next: cursor + limit < groups.length ? cursor + limit : null, total: groups.length };
}
