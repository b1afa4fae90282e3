/**
 * Spaces and API keys. A key is 32 random bytes shown once; only its sha256 is stored (a slow password
 * hash buys nothing for a random 256-bit secret, and every request checks one).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { LoupeError } from '../core/errors.js';
import { DEFAULT_SPACE_ID, DEFAULT_SPACE_NAME } from '../core/spaces.js';
import type { AccessStore, Caller } from '../ports/access-store.js';
import { originalKey, thumbnailKey } from '../core/blob-keys.js';
import type { Library } from './library.js';

export const KEY_PREFIX = 'loupe_';
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates a key for a user (all their spaces) or bound to one space (its owner's key). @returns the key, to show once. */
export async function createKey(access: AccessStore, options: { space?: string; user?: string; name?: string }) {
  let userName = options.user;
  let spaceId: string | null = null;
  if (options.space) {
    const space = await access.getSpace(options.space);
    if (!space)
      throw new LoupeError('NOT_FOUND', {
        what: `space "${options.space}" (create it with \`loupe spaces create ${options.space}\`)`,
      });
    spaceId = space.id;
    userName ??= space.owner ?? undefined;
    if (userName && !space.members.includes(userName))
      throw new LoupeError('BAD_ARGUMENT', {
        message: `user "${userName}" is not a member of space "${space.name}" (\`loupe spaces share ${space.name} --user ${userName}\`)`,
      });
  }
  if (!userName)
    throw new LoupeError('BAD_ARGUMENT', {
      message:
        'say whose key it is: --space NAME (a key for that space) or --user NAME (a key for all of their spaces)',
    });
  const user = await access.ensureUser(userName);
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  const id = randomUUID();
  const prefix = secret.slice(0, KEY_PREFIX.length + 8);
  await access.addKey({ id, userId: user.id, spaceId, name: options.name ?? null, prefix, hash: hashKey(secret) });
  return { id, key: secret, prefix, user: user.name, space: options.space ?? null };
}

export function authenticate(access: AccessStore, key: string): Promise<Caller | null> {
  if (!key.startsWith(KEY_PREFIX)) return Promise.resolve(null);
  return access.callerByKeyHash(hashKey(key));
}

/**
 * The space a request works in: the one it names, if the caller may use it; else the key's own space, or
 * the caller's only space. Without auth (a trusted local server), any space by name, else the default.
 */
export async function chooseSpace(
  access: AccessStore,
  caller: Caller | null,
  requested: string | undefined,
): Promise<string> {
  if (!caller) {
    if (!requested || requested === DEFAULT_SPACE_NAME) return DEFAULT_SPACE_ID;
    const space = await access.getSpace(requested);
    if (!space) throw new LoupeError('NOT_FOUND', { what: `space "${requested}"` });
    return space.id;
  }
  if (requested) {
    for (const [id, name] of caller.spaces) if (name === requested) return id;
    // The same answer for "no such space" and "not yours": names of others' spaces are not disclosed.
    throw new LoupeError('NOT_FOUND', { what: `space "${requested}"` });
  }
  if (caller.boundSpaceId && caller.spaces.has(caller.boundSpaceId)) return caller.boundSpaceId;
  if (caller.spaces.size === 1) return [...caller.spaces.keys()][0];
  throw new LoupeError('BAD_ARGUMENT', {
    message: `this key opens ${caller.spaces.size} spaces: name one with the X-Loupe-Space header or ?space= (${[...caller.spaces.values()].join(', ') || 'none'})`,
  });
}

/** Deletes a space: its images, vectors, jobs, Loupe's files of it (thumbnails, uploads) and the keys bound to it. */
export async function deleteSpace(
  lib: { access: Pick<AccessStore, 'getSpace' | 'deleteSpace'>; forSpace(spaceId: string): Pick<Library, 'blobs'> },
  name: string,
): Promise<{ images: number }> {
  const space = await lib.access.getSpace(name);
  if (!space) throw new LoupeError('NOT_FOUND', { what: `space "${name}"` });
  if (space.id === DEFAULT_SPACE_ID)
    throw new LoupeError('BAD_ARGUMENT', {
      message: 'the default space cannot be deleted (delete its images instead)',
    });
  const blobs = lib.forSpace(space.id).blobs;
  const shas = await lib.access.deleteSpace(space.id);
  for (const sha of shas) await Promise.all([blobs.delete(thumbnailKey(sha)), blobs.delete(originalKey(sha))]);
  return { images: shas.length };
}

/** The spaces a caller may open (id → name): a key's own, or every space its user owns or shares; all of them on a server without auth. */
export async function openableSpaces(access: AccessStore, caller: Caller | null): Promise<Map<string, string>> {
  if (caller) return caller.spaces;
  return new Map((await access.listSpaces()).map((s) => [s.id, s.name]));
}
