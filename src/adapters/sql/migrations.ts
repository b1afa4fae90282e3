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
];

/**
 * Applies pending migrations in one transaction under an advisory lock, so that several processes
 * starting at once against one server (API, workers) migrate once and the others wait.
 */
export async function migrate(db: SqlClient): Promise<number> {
  await assertVectorAvailable(db);
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`);
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
  const [row] = await db.query<{ available: boolean; installed: boolean }>(
    `select exists (select 1 from pg_available_extensions where name = 'vector') as available,
            exists (select 1 from pg_extension where extname = 'vector') as installed`,
  );
  if (row.installed) return;
  if (!row.available) throw new LoupeError('PGVECTOR_MISSING', { reason: 'the pgvector extension is not installed on the database server' });
  try {
    await db.exec('create extension if not exists vector');
  } catch (e) {
    throw new LoupeError('PGVECTOR_MISSING', { reason: `cannot create it: ${(e as Error).message}` }, { cause: e });
  }
}
