/** Images in local folders: walked recursively (hidden entries and the data folder skipped). */
import { access, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fdir } from 'fdir';
import { LoupeError, reasonOf } from '../../core/errors.js';
import type { ImageSource, SourceFile } from '../../ports/image-source.js';

const unreadable = (p: string) => (e: unknown) => {
  throw new LoupeError('UNREADABLE', { path: p, reason: reasonOf(e) });
};

export class FsImageSource implements ImageSource {
  constructor(private readonly dataDir: string) {}

  async list(inputs: string[], fail: (path: string, e: unknown) => void) {
    const files: SourceFile[] = [];
    const walkedRoots: string[] = [];
    const dataDir = this.dataDir;
    for (const input of inputs) {
      const abs = path.resolve(input);
      const st = await stat(abs).catch((e: unknown) => e as Error);
      if (st instanceof Error) {
        fail(abs, new LoupeError('UNREADABLE', { path: abs, reason: reasonOf(st) }));
        continue;
      }
      if (st.isDirectory()) {
        walkedRoots.push(abs);
        const found = await new fdir()
          .withFullPaths()
          .exclude((name, dir) => name.startsWith('.') || path.resolve(dir) === dataDir || path.resolve(dir).startsWith(dataDir + path.sep))
          .filter((p) => !path.basename(p).startsWith('.'))
          .crawl(abs)
          .withPromise();
        for (const f of found.sort()) files.push({ path: f, root: abs, explicit: false });
      } else {
        files.push({ path: abs, root: path.dirname(abs), explicit: true });
      }
    }
    return { files, walkedRoots };
  }

  async stat(p: string) {
    const st = await stat(p).catch(unreadable(p));
    return { size: st.size, mtimeMs: st.mtimeMs };
  }

  async readHead(p: string, bytes: number) {
    const handle = await open(p, 'r').catch(unreadable(p));
    try {
      const buf = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buf, 0, bytes, 0);
      return buf.subarray(0, bytesRead);
    } catch (e) {
      return unreadable(p)(e);
    } finally {
      await handle.close();
    }
  }

  read(p: string) {
    return readFile(p).catch(unreadable(p));
  }

  exists(p: string) {
    return access(p).then(() => true, () => false);
  }

  folderOf(root: string, file: string) {
    return path.relative(root, path.dirname(file)).split(path.sep).filter(Boolean).join('/');
  }
}
