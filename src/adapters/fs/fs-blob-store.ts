import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diskFullOr } from '../../core/errors.js';
import type { BlobStore } from '../../ports/blob-store.js';

/**
 * Blobs as files under a root folder; writes go through a temporary file in one folder (`tmp/blobs`, same disk,
 * so the rename is atomic) so readers never see half a file, and what a killed process left there is found at once.
 */
export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;
  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp', 'blobs');
  }

  /** Removes temporaries older than `olderThanMs` (0: all — the caller owns the folder). @returns how many. */
  async cleanTemporaries(olderThanMs = 0): Promise<number> {
    let removed = 0;
    for (const dir of [this.tmpDir, path.join(this.root, 'tmp', 'uploads')]) {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        const full = path.join(dir, name);
        const st = await stat(full).catch(() => null);
        if (!st || Date.now() - st.mtimeMs < olderThanMs) continue;
        await rm(full, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  private resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`blob key escapes the store: ${key}`);
    return full;
  }

  async put(key: string, data: Buffer) {
    const full = this.resolve(key);
    const tmp = path.join(this.tmpDir, `${process.pid}.${randomBytes(8).toString('hex')}.tmp`); // unique: the same key may be written twice at once
    try {
      await mkdir(path.dirname(full), { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, full);
    } catch (e) {
      await rm(tmp, { force: true });
      throw diskFullOr(e, this.root);
    }
  }

  async get(key: string) {
    return readFile(this.resolve(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
  }

  async delete(key: string) {
    await rm(this.resolve(key), { force: true });
  }
}
