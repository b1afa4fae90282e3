/**
 * One process at a time per embedded data folder: PGlite is single-process.
 *
 * The lock file is created whole and at once — written under a temporary name, then hard-linked into place
 * (link fails if the name exists) — so nobody ever reads half a lock. It names its owner by pid and the
 * process's start time, so a pid reused by an unrelated process, or a killed process still lingering as a
 * zombie, is not mistaken for the owner. Taking over a stale lock happens under a second lock file of the
 * same kind: of processes that find the same stale lock at once, exactly one replaces it.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../../core/errors.js';

interface Owner {
  pid: number;
  /** The process's start time (Linux: clock ticks since boot, from /proc), '' where it cannot be read. */
  started: string;
  token: string;
}

/** Start time and state of a process (Linux /proc), or null when that cannot be read. */
async function procStat(pid: number): Promise<{ started: string; state: string } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // the name, in parentheses, may contain spaces
  return { state: fields[0], started: fields[19] };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isAlive(owner: Owner): Promise<boolean> {
  if (!pidExists(owner.pid)) return false;
  const now = await procStat(owner.pid);
  if (!now) return true; // no /proc (not Linux): the pid is all there is to go on
  if (now.state === 'Z' || now.state === 'X') return false; // killed, not yet reaped
  return !owner.started || owner.started === now.started; // another process under a reused pid is not the owner
}

const parse = (text: string): Owner | null => {
  try {
    const o = JSON.parse(text) as Owner;
    return Number.isInteger(o.pid) && typeof o.token === 'string' ? o : null;
  } catch {
    // An older Loupe wrote the bare pid.
    return /^\d+$/.test(text.trim()) ? { pid: Number(text.trim()), started: '', token: text.trim() } : null;
  }
};

/** Creates `target` holding `content`, atomically; false if it exists. */
async function createWhole(target: string, content: string): Promise<boolean> {
  const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, content);
  try {
    await link(tmp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock file whose contents are not a lock (empty, garbage) counts as stale once it is this old. */
const UNREADABLE_GRACE_MS = 2000;
/** The takeover lock is held for a few file operations; one older than this was left by a killed process. */
const TAKEOVER_STALE_MS = 5000;

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockPath = path.join(dir, 'loupe.lock');
  const takeoverPath = `${lockPath}.takeover`;
  const me: Owner = {
    pid: process.pid,
    started: (await procStat(process.pid))?.started ?? '',
    token: randomBytes(12).toString('hex'),
  };
  const mine = JSON.stringify(me);
  const release = async () => {
    // Only our own lock is removed (never one that replaced it).
    const current = await readFile(lockPath, 'utf8').catch(() => null);
    if (current === mine) await rm(lockPath, { force: true });
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await createWhole(lockPath, mine)) return once(release);
    const text = await readFile(lockPath, 'utf8').catch(() => null);
    if (text === null) continue; // released meanwhile: try again
    const owner = parse(text);
    if (owner && (await isAlive(owner))) throw new LoupeError('DATA_DIR_LOCKED', { dir });
    if (!owner) {
      const age = Date.now() - ((await stat(lockPath).catch(() => null))?.mtimeMs ?? 0);
      if (age < UNREADABLE_GRACE_MS) throw new LoupeError('DATA_DIR_LOCKED', { dir });
    }
    // Stale. One process at a time replaces it: the one that creates the takeover lock.
    if (!(await createWhole(takeoverPath, mine))) {
      const age = Date.now() - ((await stat(takeoverPath).catch(() => null))?.mtimeMs ?? Date.now());
      if (age > TAKEOVER_STALE_MS) await rm(takeoverPath, { force: true });
      await sleep(20 + Math.random() * 30);
      continue;
    }
    try {
      // Still the same stale lock (not one a faster process put there meanwhile)? Then it goes.
      if ((await readFile(lockPath, 'utf8').catch(() => null)) === text) await rm(lockPath, { force: true });
      if (await createWhole(lockPath, mine)) return once(release);
    } finally {
      await rm(takeoverPath, { force: true });
    }
  }
  throw new LoupeError('DATA_DIR_LOCKED', { dir });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => (done ??= fn());
}
