/**
 * Images in local folders, walked recursively (hidden entries and the data folder skipped). Folders that
 * cannot be read are reported, and what was indexed under them is kept; symlinked folders and files are
 * followed when they lead inside the folder being indexed (with loop protection), and reported otherwise.
 */
import { constants } from 'node:fs';
import { access, lstat, open, opendir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { LoupeError, reasonOf } from '../../core/errors.js';
import type { ImageSource, Presence, SourceFile } from '../../ports/image-source.js';
import { fsPath, nameFromBytes } from './fs-names.js';

const unreadable = (p: string) => (e: unknown) => {
  throw new LoupeError('UNREADABLE', { path: p, reason: reasonOf(e) });
};

/** The real path (symbolic links resolved), as a lossless string (names that are not UTF-8 survive). */
const realPath = (p: string) => realpath(fsPath(p), { encoding: 'buffer' }).then(nameFromBytes);

const isInside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

interface Walk {
  root: string;
  realRoot: string;
  /** Real paths of the folders walked (loop protection). */
  visited: Set<string>;
  /** Symlinked folders, walked after the real ones. */
  linked: string[];
  files: SourceFile[];
  unreadableDirs: string[];
  fail: (path: string, e: unknown) => void;
}

export class FsImageSource implements ImageSource {
  constructor(private readonly dataDir: string) {}

  async list(inputs: string[], fail: (path: string, e: unknown) => void) {
    const files: SourceFile[] = [];
    const walkedRoots: string[] = [];
    const unreadableDirs: string[] = [];
    for (const input of inputs) {
      const abs = path.resolve(input);
      const st = await stat(fsPath(abs)).catch((e: unknown) => e as Error);
      if (st instanceof Error) {
        fail(abs, new LoupeError('UNREADABLE', { path: abs, reason: reasonOf(st) }));
        continue;
      }
      if (st.isDirectory()) {
        walkedRoots.push(abs);
        // Real folders first, symlinked ones after: a folder reachable both ways is indexed under its real path.
        const walk: Walk = {
          root: abs,
          realRoot: await realPath(abs),
          visited: new Set(),
          linked: [],
          files,
          unreadableDirs,
          fail,
        };
        await this.walk(abs, walk);
        while (walk.linked.length) await this.walk(walk.linked.shift()!, walk);
      } else {
        files.push({ path: abs, root: path.dirname(abs), explicit: true });
      }
    }
    return {
      files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      walkedRoots,
      unreadableDirs,
    };
  }

  private async walk(dir: string, w: Walk) {
    const { root, realRoot, visited, files, unreadableDirs, fail } = w;
    const real = await realPath(dir).catch(() => dir);
    if (visited.has(real)) return; // a symlink loop, or a folder reached twice
    visited.add(real);
    let handle;
    try {
      handle = await opendir(fsPath(dir) as string, { encoding: 'buffer' as BufferEncoding });
    } catch (e) {
      unreadableDirs.push(dir);
      fail(
        dir,
        new LoupeError('UNREADABLE', {
          path: dir,
          reason: `${reasonOf(e)}; the folder was skipped and what was indexed under it is kept`,
        }),
      );
      return;
    }
    const subdirs: string[] = [];
    try {
      for await (const entry of handle) {
        const name = nameFromBytes(entry.name as unknown as Buffer);
        if (name.startsWith('.')) continue;
        const full = path.join(dir, name);
        if (full === this.dataDir || isInside(this.dataDir, full)) continue;
        if (entry.isDirectory()) subdirs.push(full);
        else if (entry.isFile()) files.push({ path: full, root, explicit: false });
        else if (entry.isSymbolicLink()) {
          const target = await realPath(full).catch(() => null);
          const st = target && (await stat(fsPath(target)).catch(() => null));
          if (!target || !st)
            fail(full, new LoupeError('UNREADABLE', { path: full, reason: 'a broken symbolic link' }));
          else if (!isInside(realRoot, target))
            fail(
              full,
              new LoupeError('UNREADABLE', {
                path: full,
                reason: `a symbolic link out of the indexed folder (to ${target}); index that folder by its own path`,
              }),
            );
          else if (st.isDirectory()) w.linked.push(full);
          else if (st.isFile()) files.push({ path: full, root, explicit: false });
        }
      }
    } catch (e) {
      unreadableDirs.push(dir);
      fail(
        dir,
        new LoupeError('UNREADABLE', { path: dir, reason: `${reasonOf(e)}; what was indexed under it is kept` }),
      );
    }
    for (const sub of subdirs.sort()) await this.walk(sub, w);
  }

  async stat(p: string) {
    const st = await stat(fsPath(p)).catch(unreadable(p));
    return { size: st.size, mtimeMs: st.mtimeMs };
  }

  async readHead(p: string, bytes: number) {
    const handle = await open(fsPath(p), 'r').catch(unreadable(p));
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
    return readFile(fsPath(p)).catch(unreadable(p));
  }

  async readWithin(p: string, root: string) {
    const [real, realRoot] = await Promise.all([realPath(p), realPath(root)]).catch(unreadable(p));
    if (!isInside(realRoot, real))
      throw new LoupeError('FILE_CHANGED', { path: p, reason: `it now leads out of ${root} (to ${real})` });
    const st = await stat(fsPath(real)).catch(unreadable(p));
    if (!st.isFile()) throw new LoupeError('FILE_CHANGED', { path: p, reason: 'it is not a regular file any more' });
    return readFile(fsPath(real)).catch(unreadable(p));
  }

  exists(p: string) {
    return access(fsPath(p)).then(
      () => true,
      () => false,
    );
  }

  /** Absent only when the file is confirmed gone: ENOENT, with the nearest existing folder above it readable. */
  async presence(p: string): Promise<Presence> {
    try {
      await lstat(fsPath(p));
      return 'present';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return 'unknown';
    }
    for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
      try {
        await access(fsPath(dir), constants.R_OK | constants.X_OK);
        return 'absent';
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return 'unknown';
        if (path.dirname(dir) === dir) return 'absent';
      }
    }
  }

  folderOf(root: string, file: string) {
    return path.relative(root, path.dirname(file)).split(path.sep).filter(Boolean).join('/');
  }
}
