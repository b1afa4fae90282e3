import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../../ports/blob-store.js';

/** Blobs as files under a root folder; writes go through a temporary name so readers never see half a file. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`blob key escapes the store: ${key}`);
    return full;
  }

  async put(key: string, data: Buffer) {
    const full = this.resolve(key);
    await mkdir(path.dirname(full), { recursive: true });
    const tmp = `${full}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`; // unique: the same key may be written twice at once
    await writeFile(tmp, data);
    await rename(tmp, full);
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
