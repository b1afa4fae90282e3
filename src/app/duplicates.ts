import { groupDuplicates, NEAR_DUPLICATE_BITS, type DuplicateGroup } from '../core/duplicate-groups.js';
import type { Library } from '../library.js';

/** Exact duplicates (one content, several paths) and near duplicates (perceptual hashes within `maxBits`). */
export async function findDuplicates(lib: Library, maxBits = NEAR_DUPLICATE_BITS): Promise<DuplicateGroup[]> {
  return groupDuplicates(await lib.store.allHashes(), maxBits);
}
