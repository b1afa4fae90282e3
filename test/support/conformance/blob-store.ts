/** What every BlobStore does, run on each adapter (test/s3.test.ts: filesystem and S3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withPrefix, type BlobStore } from '../../../src/ports/blob-store.js';

export function blobStoreConformance(name: string, make: () => Promise<BlobStore>) {
  describe(`BlobStore on ${name}`, () => {
    it('stores, replaces, reads and deletes by key', async () => {
      const blobs = await make();
      assert.equal(await blobs.get('thumbnails/ab/none.webp'), null, 'a missing key reads as null');
      await blobs.put('thumbnails/ab/x.webp', Buffer.from('one'), 'image/webp');
      await blobs.put('thumbnails/ab/x.webp', Buffer.from('two'), 'image/webp');
      assert.equal((await blobs.get('thumbnails/ab/x.webp'))?.toString(), 'two');
      await blobs.delete('thumbnails/ab/x.webp');
      await blobs.delete('thumbnails/ab/x.webp'); // deleting twice is fine
      assert.equal(await blobs.get('thumbnails/ab/x.webp'), null);
    });
    it('keeps each prefix (space) apart, and refuses keys that climb out', async () => {
      const blobs = await make();
      const a = withPrefix(blobs, 'spaces/a/');
      const b = withPrefix(blobs, 'spaces/b/');
      await a.put('originals/k', Buffer.from('A'), 'image/png');
      assert.equal(await b.get('originals/k'), null);
      assert.equal((await a.get('originals/k'))?.toString(), 'A');
      await assert.rejects(blobs.put('../escape', Buffer.from('x'), 'text/plain'), /escapes the store/);
    });
  });
}
