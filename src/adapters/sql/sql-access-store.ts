import { randomUUID } from 'node:crypto';
import { LoupeError } from '../../core/errors.js';
import { NAME_PATTERN } from '../../core/spaces.js';
import type { AccessStore, ApiKeyInfo, Caller, Space, User } from '../../ports/access-store.js';
import type { SqlClient } from './sql-client.js';
import { iso } from './sql-store.js';

/** How stale a key's last_used_at may get before a request writes it again. */
const LAST_USED_PRECISION_SECONDS = 60;

function checkName(kind: string, name: string) {
  if (!NAME_PATTERN.test(name))
    throw new LoupeError('BAD_ARGUMENT', {
      message: `${kind} name "${name}" is not allowed: use 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    });
}

export class SqlAccessStore implements AccessStore {
  constructor(private readonly db: SqlClient) {}

  async ensureUser(name: string): Promise<User> {
    checkName('user', name);
    await this.db.query('insert into users (id, name) values ($1, $2) on conflict (name) do nothing', [
      randomUUID(),
      name,
    ]);
    const [row] = await this.db.query<User>('select id, name from users where name = $1', [name]);
    return row;
  }

  async createSpace(name: string, owner: string): Promise<Space> {
    checkName('space', name);
    const user = await this.ensureUser(owner);
    await this.db.transaction(async (tx) => {
      const id = randomUUID();
      const rows = await tx.query(
        'insert into spaces (id, name, owner_id) values ($1, $2, $3) on conflict (name) do nothing returning id',
        [id, name, user.id],
      );
      if (!rows.length) throw new LoupeError('CONFLICT', { what: `space "${name}"` });
      await tx.query(`insert into space_members (space_id, user_id, role) values ($1, $2, 'owner')`, [id, user.id]);
    });
    return (await this.getSpace(name))!;
  }

  listSpaces(): Promise<Space[]> {
    return this.spaces();
  }

  async getSpace(name: string) {
    return (await this.spaces(name))[0] ?? null;
  }

  /** Spaces with owner and members: all, or the one named (asked on requests that name a space). */
  private async spaces(name?: string): Promise<Space[]> {
    const rows = await this.db.query<{
      id: string;
      name: string;
      owner: string | null;
      members: string[] | null;
      created_at: Date | string;
    }>(
      `select s.id, s.name, o.name as owner, s.created_at,
              array_remove(array_agg(u.name order by u.name), null) as members
       from spaces s left join users o on o.id = s.owner_id
       left join space_members m on m.space_id = s.id left join users u on u.id = m.user_id
       ${name === undefined ? '' : 'where s.name = $1'} group by s.id, o.name order by s.name`,
      name === undefined ? [] : [name],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      owner: r.owner,
      members: r.members ?? [],
      createdAt: iso(r.created_at),
    }));
  }

  async shareSpace(space: string, user: string) {
    const s = await this.getSpace(space);
    if (!s) throw new LoupeError('NOT_FOUND', { what: `space "${space}"` });
    const u = await this.ensureUser(user);
    await this.db.query(
      `insert into space_members (space_id, user_id, role) values ($1, $2, 'member') on conflict do nothing`,
      [s.id, u.id],
    );
  }

  async deleteSpace(id: string) {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ sha256: string }>(
        `select sha256 from images where space_id = $1 union select sha256 from jobs where space_id = $1`,
        [id],
      );
      // Keys bound to the space go with it (cascade); members, images, paths, vectors and jobs too.
      await tx.query('delete from embeddings where space_id = $1', [id]);
      await tx.query('delete from image_paths where space_id = $1', [id]);
      await tx.query('delete from spaces where id = $1', [id]);
      return rows.map((r) => r.sha256);
    });
  }

  async addKey(k: {
    id: string;
    userId: string;
    spaceId: string | null;
    name: string | null;
    prefix: string;
    hash: string;
  }) {
    await this.db.query(
      'insert into api_keys (id, user_id, space_id, name, prefix, hash) values ($1, $2, $3, $4, $5, $6)',
      [k.id, k.userId, k.spaceId, k.name, k.prefix, k.hash],
    );
  }

  async listKeys(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.query<{
      id: string;
      prefix: string;
      user: string;
      space: string | null;
      name: string | null;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>(
      `select k.id, k.prefix, u.name as user, s.name as space, k.name, k.created_at, k.last_used_at, k.revoked_at
       from api_keys k join users u on u.id = k.user_id left join spaces s on s.id = k.space_id order by k.created_at`,
    );
    return rows.map((r) => ({
      id: r.id,
      prefix: r.prefix,
      user: r.user,
      space: r.space,
      name: r.name,
      createdAt: iso(r.created_at),
      lastUsedAt: r.last_used_at ? iso(r.last_used_at) : null,
      revoked: r.revoked_at !== null,
    }));
  }

  async revokeKey(idOrPrefix: string) {
    const rows = await this.db.query(
      `update api_keys set revoked_at = now() where revoked_at is null and (id::text = $1 or prefix = $1) returning id`,
      [idOrPrefix],
    );
    return rows.length > 0;
  }

  async callerByKeyHash(hash: string): Promise<Caller | null> {
    // last_used_at is for people reading `keys list`: minute precision is enough, and writing it on every
    // request would turn each read into a row update on the server.
    const [key] = await this.db.query<{ id: string; user_id: string; user: string; space_id: string | null }>(
      `with key as (
         select k.id, k.user_id, u.name as user, k.space_id, k.last_used_at from api_keys k join users u on u.id = k.user_id
         where k.hash = $1 and k.revoked_at is null
       ), touched as (
         update api_keys set last_used_at = now()
         where id in (select id from key where last_used_at is null or last_used_at < now() - interval '${LAST_USED_PRECISION_SECONDS} seconds')
       )
       select id, user_id, "user", space_id from key`,
      [hash],
    );
    if (!key) return null;
    // A key bound to a space opens only it (and only while its user may still use it).
    const spaces = await this.db.query<{ id: string; name: string }>(
      `select s.id, s.name from spaces s join space_members m on m.space_id = s.id
       where m.user_id = $1 ${key.space_id ? 'and s.id = $2' : ''} order by s.name`,
      key.space_id ? [key.user_id, key.space_id] : [key.user_id],
    );
    return {
      keyId: key.id,
      userId: key.user_id,
      user: key.user,
      spaces: new Map(spaces.map((s) => [s.id, s.name])),
      boundSpaceId: key.space_id,
    };
  }
}
