/** What every ImageSource does, run on each adapter (test/s3.test.ts: filesystem and S3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageSource } from '../../../src/ports/image-source.js';

/** A fresh, empty place to put files, and the source that reads it. */
export interface SourceFixture {
  source: ImageSource;
  /** The folder (or bucket prefix) as a user names it to `loupe index`. */
  root: string;
  /** Writes a file at `rel` under the root. @returns its path as the source names it. */
  put(rel: string, bytes: Buffer): Promise<string>;
  remove(path: string): Promise<void>;
}

export function imageSourceConformance(name: string, setup: () => Promise<SourceFixture>) {
  describe(`ImageSource on ${name}`, () => {
    it('walks a root into its files with their folders, skipping hidden ones; a file named alone is explicit', async () => {
      const f = await setup();
      const a = await f.put('a.jpg', Buffer.from('aaaa'));
      const b = await f.put('trips/2024/b.jpg', Buffer.from('bbbbbb'));
      await f.put('.hidden/c.jpg', Buffer.from('c'));
      const failed: string[] = [];
      const walk = await f.source.list([f.root], (p) => failed.push(p));
      assert.deepEqual(failed, []);
      assert.deepEqual(walk.files.map((x) => x.path).sort(), [a, b].sort());
      assert.ok(walk.files.every((x) => x.root === walk.walkedRoots[0] && !x.explicit));
      assert.deepEqual(walk.files.map((x) => f.source.folderOf(x.root, x.path)).sort(), ['', 'trips/2024']);
      const alone = await f.source.list([b], () => assert.fail('a file named alone is read'));
      assert.deepEqual(
        alone.files.map((x) => [x.path, x.explicit]),
        [[b, true]],
      );
    });
    it('reads the head, the whole file and its size; says when a file is gone', async () => {
      const f = await setup();
      const p = await f.put('x/photo.jpg', Buffer.from('0123456789'));
      assert.equal(Buffer.from(await f.source.readHead(p, 4)).toString(), '0123');
      assert.equal((await f.source.read(p)).toString(), '0123456789');
      assert.equal((await f.source.readWithin(p, f.root)).toString(), '0123456789');
      assert.equal((await f.source.stat(p)).size, 10);
      assert.equal(await f.source.exists(p), true);
      assert.equal(await f.source.presence(p), 'present');
      await f.remove(p);
      assert.equal(await f.source.exists(p), false);
      assert.equal(await f.source.presence(p), 'absent', 'a file confirmed gone is absent');
      await assert.rejects(
        f.source.read(p),
        (e: Error & { code?: string }) => e.code === 'UNREADABLE' || e.code === 'FILE_CHANGED',
      );
    });
    it('reports an input that does not exist to the failure callback and goes on with the others', async () => {
      const f = await setup();
      const ok = await f.put('ok.jpg', Buffer.from('ok'));
      const failed: string[] = [];
      const missing = ok.replace(/ok\.jpg$/, 'missing.jpg');
      const walk = await f.source.list([missing, ok], (p) => failed.push(p));
      assert.deepEqual(
        walk.files.map((x) => x.path),
        [ok],
      );
      assert.ok(
        failed.length === 1 || walk.walkedRoots.length === 1,
        'the missing input is failed, or (in a bucket) read as an empty prefix',
      );
    });
  });
}
