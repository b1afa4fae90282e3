/**
 * Moves an embedded library (PGlite) into a server database: the same migrations on the target, then every
 * table copied in primary-key order, in batches, rows travelling as JSON so each column's type round-trips.
 */
import { LoupeError } from '../../core/errors.js';
import { migrate } from './migrations.js';
import { SqlStore } from './sql-store.js';
import type { SqlClient } from './sql-client.js';

/** Parents before children (foreign keys), with each table's primary key for keyset paging. */
const TABLES: { name: string; key: string[] }[] = [
  { name: 'users', key: ['id'] },
  { name: 'spaces', key: ['id'] },
  { name: 'space_members', key: ['space_id', 'user_id'] },
  { name: 'api_keys', key: ['id'] },
  { name: 'images', key: ['id'] },
  { name: 'image_paths', key: ['space_id', 'path'] },
  { name: 'embeddings', key: ['image_id', 'kind', 'model'] },
  { name: 'jobs', key: ['id'] },
  { name: 'kept_user_fields', key: ['space_id', 'sha256'] },
];

export interface MigrateProgress {
  table: string;
  copied: number;
}

export async function migrateDatabase(
  source: SqlClient,
  target: SqlClient,
  options: { batch?: number; onProgress?: (p: MigrateProgress) => void } = {},
) {
  const batch = options.batch ?? 500;
  await migrate(source);
  await migrate(target);
  const [{ n }] = await target.query<{ n: string | number }>('select count(*) as n from images');
  if (Number(n) > 0)
    throw new LoupeError('BAD_ARGUMENT', {
      message: `the target database already holds ${n} images: migrate-to copies into an empty Loupe database`,
    });
  const copied: Record<string, number> = {};
  for (const { name, key } of TABLES) {
    const keyList = key.join(', ');
    let last: unknown[] | null = null;
    copied[name] = 0;
    for (;;) {
      const after = last ? `where (${keyList}) > (${key.map((_, i) => `$${i + 2}`).join(', ')})` : '';
      const rows: { j: string; k: unknown[] }[] = await source.query(
        `select row_to_json(t)::text as j, json_build_array(${keyList})::text as k from ${name} t ${after} order by ${keyList} limit $1`,
        [batch, ...(last ?? [])],
      );
      if (!rows.length) break;
      // The default space (and anything else the target's migrations made) is already there.
      const [{ n }] = await target.query<{ n: string | number }>(
        `with ins as (insert into ${name} select * from json_populate_recordset(null::${name}, $1::json) on conflict do nothing returning 1) select count(*) as n from ins`,
        [`[${rows.map((r) => r.j).join(',')}]`],
      );
      copied[name] += Number(n);
      options.onProgress?.({ table: name, copied: copied[name] });
      last = JSON.parse(rows[rows.length - 1].k as unknown as string);
    }
  }
  // One HNSW index per model, as the store makes them.
  const store = new SqlStore(target);
  for (const { model, dim } of await target.query<{ model: string; dim: number }>(
    'select distinct model, dim from embeddings',
  ))
    await store.ensureVectorIndex(model, dim);
  return copied;
}
