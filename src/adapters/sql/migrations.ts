import semver from 'semver';
import { LoupeError } from '../../core/errors.js';
import type { SqlClient } from './sql-client.js';

/**
 * Versioned schema. Plain PostgreSQL + pgvector SQL: the same migrations run on PGlite and on a server.
 * Vectors are stored as halfvec without a fixed dimension so that several models can coexist; each model
 * gets its own partial HNSW index over a cast to its dimension (see SqlStore.ensureVectorIndex).
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'images, paths, embeddings',
    sql: `
      create extension if not exists vector;
      create table images (
        id uuid primary key,
        sha256 text not null unique,
        phash text not null,
        width integer not null,
        height integer not null,
        format text not null,
        bytes bigint not null,
        taken_at timestamptz,
        camera text,
        gps_lat double precision,
        gps_lon double precision,
        gps_alt double precision,
        created_at timestamptz not null default now()
      );
      create table image_paths (
        path text primary key,
        image_id uuid not null references images(id) on delete cascade,
        root text not null,
        folder text not null,
        size bigint not null,
        mtime_ms double precision not null
      );
      create index image_paths_image_id on image_paths (image_id);
      create index image_paths_root on image_paths (root);
      create index image_paths_folder on image_paths (folder text_pattern_ops);
      create table embeddings (
        image_id uuid not null references images(id) on delete cascade,
        kind text not null,
        model text not null,
        dim integer not null,
        embedding halfvec not null,
        created_at timestamptz not null default now(),
        primary key (image_id, kind, model)
      );
      create index embeddings_model on embeddings (model);
    `,
  },
  {
    version: 2,
    name: 'captions, tags, ingestion jobs',
    sql: `
      alter table images add column caption text;
      alter table images add column caption_source text;
      alter table images add column tags text[] not null default '{}';
      create index images_created on images (created_at desc, id desc);
      create table jobs (
        id uuid primary key,
        kind text not null,
        status text not null check (status in ('pending', 'running', 'done', 'failed')),
        sha256 text not null,
        payload jsonb not null,
        image_id uuid,
        error text,
        error_code text,
        attempts integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index jobs_pending on jobs (created_at) where status = 'pending';
      create index jobs_sha on jobs (sha256) where status in ('pending', 'running');
    `,
  },
  {
    version: 3,
    name: 'text in images, full text search',
    sql: `
      create extension if not exists pg_trgm;
      alter table images add column ocr_text text;
      alter table images add column ocr_words jsonb;
      -- Per analyzer (clip, ocr, caption, text-embedding): {model, at, status: ok|empty|failed, error}.
      alter table images add column analyzed jsonb not null default '{}';
      -- Kept by SqlStore.refreshDocs from caption, tags, OCR text, file names and folders.
      alter table images add column doc tsvector;
      alter table images add column doc_text text;
      alter table images add column names_doc tsvector;
      create index images_doc on images using gin (doc);
      create index images_doc_trgm on images using gin (doc_text gin_trgm_ops);
    `,
  },
  {
    version: 4,
    name: 'distributed workers: leases, retries with backoff, dead letters',
    sql: `
      alter table jobs drop constraint jobs_status_check;
      alter table jobs add constraint jobs_status_check check (status in ('pending', 'running', 'done', 'failed', 'dead'));
      -- A pending job becomes claimable at run_after (retries back off); a running job is its worker's
      -- until lease_until, which the worker extends while it works: a killed worker's jobs are taken over.
      alter table jobs add column run_after timestamptz not null default now();
      alter table jobs add column locked_by text;
      alter table jobs add column lease_until timestamptz;
      -- How many times the job was completed: 1 when done (tests check exactly-once).
      alter table jobs add column completions integer not null default 0;
      drop index jobs_pending;
      create index jobs_ready on jobs (run_after, created_at) where status = 'pending';
      create index jobs_leases on jobs (lease_until) where status = 'running';
    `,
  },
  {
    version: 5,
    name: 'users, spaces, API keys; everything scoped to a space',
    sql: `
      create table users (
        id uuid primary key,
        name text not null unique,
        created_at timestamptz not null default now()
      );
      create table spaces (
        id uuid primary key,
        name text not null unique,
        owner_id uuid references users(id) on delete set null,
        created_at timestamptz not null default now()
      );
      create table space_members (
        space_id uuid not null references spaces(id) on delete cascade,
        user_id uuid not null references users(id) on delete cascade,
        role text not null check (role in ('owner', 'member')),
        primary key (space_id, user_id)
      );
      -- Keys are stored as sha256 hashes (they are long random strings, so a fast hash is enough); the
      -- prefix identifies a key in listings. A key with a space_id opens only that space.
      create table api_keys (
        id uuid primary key,
        user_id uuid not null references users(id) on delete cascade,
        space_id uuid references spaces(id) on delete cascade,
        name text,
        prefix text not null,
        hash text not null unique,
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      insert into spaces (id, name) values ('00000000-0000-0000-0000-000000000000', 'default');
      alter table images add column space_id uuid not null default '00000000-0000-0000-0000-000000000000' references spaces(id) on delete cascade;
      alter table images drop constraint images_sha256_key;
      create unique index images_space_sha256 on images (space_id, sha256);
      drop index images_created;
      create index images_space_created on images (space_id, created_at desc, id desc);
      alter table image_paths add column space_id uuid not null default '00000000-0000-0000-0000-000000000000';
      alter table image_paths drop constraint image_paths_pkey;
      alter table image_paths add primary key (space_id, path);
      drop index image_paths_root;
      create index image_paths_space_root on image_paths (space_id, root);
      alter table jobs add column space_id uuid not null default '00000000-0000-0000-0000-000000000000' references spaces(id) on delete cascade;
      drop index jobs_sha;
      create index jobs_space_sha on jobs (space_id, sha256) where status in ('pending', 'running');
    `,
  },
  {
    version: 6,
    name: 'content versions of source objects (S3 ETags)',
    sql: `alter table image_paths add column etag text;`,
  },
  {
    version: 7,
    name: 'space of each vector, for filtering inside the vector scan',
    // Checking each HNSW candidate's space through images cost ~3x on exact scans (bench/RESULTS.md); a column is a plain filter.
    sql: `
      alter table embeddings add column space_id uuid not null default '00000000-0000-0000-0000-000000000000';
      update embeddings e set space_id = i.space_id from images i where i.id = e.image_id and i.space_id <> e.space_id;
    `,
  },
  {
    version: 8,
    name: 'user-written captions and tags kept when their image is removed',
    // A file that goes away and comes back (a folder unmounted, restored from backup) gets its user's words back, by content.
    sql: `
      create table kept_user_fields (
        space_id uuid not null references spaces(id) on delete cascade,
        sha256 text not null,
        caption text,
        tags text[] not null default '{}',
        removed_at timestamptz not null default now(),
        primary key (space_id, sha256)
      );
    `,
  },
  {
    version: 9,
    name: 'filters by date, camera, place, size; labels from a detector',
    // Filters run in SQL before the nearest are picked; these indexes let a selective filter find its few images fast.
    sql: `
      alter table images add column country text;
      -- A detector's labels: [{label, raw, confidence}], and their words (friendly and raw) for tag: and text search.
      alter table images add column labels jsonb not null default '[]';
      alter table images add column label_words text[] not null default '{}';
      create index images_taken on images (space_id, taken_at desc);
      create index images_camera_trgm on images using gin (lower(camera) gin_trgm_ops);
      create index images_gps on images (space_id, gps_lat, gps_lon) where gps_lat is not null;
      create index images_country on images (space_id, country) where country is not null;
      create index images_tags on images using gin (tags);
      create index images_label_words on images using gin (label_words);
    `,
  },
  {
    version: 10,
    name: 'the CLIP pass recorded for images indexed with their vector',
    // Indexing stored the vector without saying the pass was done, so `reindex` planned it again for every image.
    sql: `
      update images i set analyzed = i.analyzed || jsonb_build_object('clip', jsonb_build_object('model', e.model, 'at', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'status', 'ok'))
      from (select distinct on (image_id) image_id, model from embeddings where kind = 'clip' order by image_id, model) e
      where e.image_id = i.id and not (i.analyzed ? 'clip');
    `,
  },
  {
    version: 11,
    name: 'when each worker last asked the queue for work',
    // So a request that would wait for indexing can tell at once that no worker is running.
    sql: `create table worker_polls (worker_id text primary key, polled_at timestamptz not null);`,
  },
];

/**
 * Applies pending migrations in one transaction under an advisory lock, so that several processes
 * starting at once against one server (API, workers) migrate once and the others wait.
 */
export async function migrate(db: SqlClient): Promise<number> {
  // The usual start: everything applied and pgvector there. Two reads, no lock, no DDL (measured 150 → 20 ms per
  // CLI command on the embedded database).
  const [state] = await db.query<{ migrated: boolean; extversion: string | null }>(
    `select to_regclass('schema_migrations') is not null as migrated, (select extversion from pg_extension where extname = 'vector') as extversion`,
  );
  if (state.migrated && state.extversion) {
    const [{ v }] = await db.query<{ v: number | null }>('select max(version) as v from schema_migrations');
    if (v === MIGRATIONS.at(-1)!.version) {
      checkPgvectorVersion(state.extversion);
      return 0;
    }
  }
  return db.transaction(async (tx) => {
    // The lock first: processes starting together on a fresh database would otherwise race to create the extension
    // ("duplicate key value violates unique constraint pg_extension_name_index").
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await assertVectorAvailable(tx);
    await tx.exec(
      `create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const [{ v }] = await tx.query<{ v: number | null }>('select max(version) as v from schema_migrations');
    let applied = 0;
    for (const m of MIGRATIONS) {
      if (v !== null && m.version <= v) continue;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied++;
    }
    return applied;
  });
}

const MIGRATION_LOCK = 0x4c6f7570; // "Loup"

/** A server without pgvector gets the command that fixes it, not "extension vector is not available". */
async function assertVectorAvailable(db: SqlClient) {
  const [row] = await db.query<{ available: boolean; installed: boolean; major: string }>(
    `select exists (select 1 from pg_available_extensions where name = 'vector') as available,
            exists (select 1 from pg_extension where extname = 'vector') as installed,
            current_setting('server_version_num')::int / 10000 as major`,
  );
  const major = String(row.major);
  if (!row.installed) {
    if (!row.available)
      throw new LoupeError('PGVECTOR_MISSING', {
        reason: 'the pgvector extension is not installed on the database server',
        major,
      });
    try {
      await db.exec('create extension if not exists vector');
    } catch (e) {
      throw new LoupeError(
        'PGVECTOR_MISSING',
        { reason: `cannot create it: ${(e as Error).message}`, major },
        { cause: e },
      );
    }
  }
  const [{ extversion }] = await db.query<{ extversion: string }>(
    `select extversion from pg_extension where extname = 'vector'`,
  );
  checkPgvectorVersion(extversion, major);
}

/** halfvec storage needs pgvector 0.7, iterative index scans (filtered searches that do not come back short) 0.8. */
export const PGVECTOR_MIN_VERSION = '0.8.0';

/** Older pgvector would fail at the first search with "unrecognized configuration parameter": say so at start. */
export function checkPgvectorVersion(version: string, major?: string) {
  const found = semver.coerce(version);
  if (!found || semver.lt(found, PGVECTOR_MIN_VERSION))
    throw new LoupeError('PGVECTOR_TOO_OLD', {
      found: version,
      needed: PGVECTOR_MIN_VERSION,
      ...(major ? { major } : {}),
    });
}
