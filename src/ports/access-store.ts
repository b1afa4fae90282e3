/** Users, spaces and API keys: who may see which library. */
export interface User {
  id: string;
  name: string;
}

export interface Space {
  id: string;
  name: string;
  owner: string | null;
  members: string[];
  createdAt: string;
}

export interface ApiKeyInfo {
  id: string;
  prefix: string;
  user: string;
  /** The one space the key opens, or null: every space its user owns or shares. */
  space: string | null;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}

/** What a valid key lets its caller do. */
export interface Caller {
  keyId: string;
  userId: string;
  user: string;
  /** Spaces the caller may use: id → name. */
  spaces: Map<string, string>;
  /** The key's own space, when it is bound to one. */
  boundSpaceId: string | null;
}

export interface AccessStore {
  /** The user, created when missing. */
  ensureUser(name: string): Promise<User>;
  createSpace(name: string, owner: string): Promise<Space>;
  listSpaces(): Promise<Space[]>;
  getSpace(name: string): Promise<Space | null>;
  /** Adds a member to a space. */
  shareSpace(space: string, user: string): Promise<void>;
  /** Stores a key's hash. */
  addKey(key: {
    id: string;
    userId: string;
    spaceId: string | null;
    name: string | null;
    prefix: string;
    hash: string;
  }): Promise<void>;
  listKeys(): Promise<ApiKeyInfo[]>;
  /** @returns whether a key with this id or prefix was revoked. */
  revokeKey(idOrPrefix: string): Promise<boolean>;
  /** The caller behind a key hash, or null for unknown and revoked keys. */
  callerByKeyHash(hash: string): Promise<Caller | null>;
  /** Deletes a space with everything in it and the keys bound to it. @returns the content hashes it held (their files are the caller's to delete). */
  deleteSpace(id: string): Promise<string[]>;
}
