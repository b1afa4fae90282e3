import { groupDuplicates, NEAR_DUPLICATE_BITS, type DuplicateGroup } from '../core/duplicate-groups.js';
import type { ImageRecords } from '../ports/store.js';

/** Exact duplicates (one content, several paths) and near duplicates (perceptual hashes within `maxBits`). */
export async function findDuplicates(lib: { store: Pick<ImageRecords, 'allHashes'> }, maxBits = NEAR_DUPLICATE_BITS): Promise<DuplicateGroup[]> {
  return groupDuplicates(await lib.store.allHashes(), maxBits);
}
