/**
 * One process at a time per embedded data folder: PGlite is single-process. The lock file holds the
 * owner's pid, so a lock left by a killed process (SIGKILL) is recognised as stale and taken over at once.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../../core/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockPath = path.join(dir, 'loupe.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await rm(lockPath, { force: true });
      };
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && alive(owner)) throw new LoupeError('DATA_DIR_LOCKED', { dir });
      await rm(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new LoupeError('DATA_DIR_LOCKED', { dir });
}
