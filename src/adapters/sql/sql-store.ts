/**
 * The Store over plain PostgreSQL + pgvector SQL. Runs unchanged on embedded PGlite and on a server.
 */
import { createHash } from 'node:crypto';
import { LoupeError } from '../../core/errors.js';
import type { ImageDetails, ImagePatch, ImagePath } from '../../core/types.js';
import type { ModelCount, NewImageItem, Store, StoredPath, VectorHit, VectorQuery } from '../../ports/store.js';
import type { SqlClient } from './sql-client.js';

interface PathRow {
  path: string;
  image_id: string;
  root: string;
  folder: string;
  size: string | number;
  mtime_ms: number;
  sha256: string;
}

export class SqlStore implements Store {
  private readonly indexed = new Set<string>();
  /**
   * Answers asked on every search (folder names, embedding models), cached briefly. Other processes
   * (workers, a CLI run) may change them, hence the expiry; this process's own writes clear the cache at once.
   */
  private cache = new Map<string, { at: number; value: Promise<unknown> }>();

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < 5000) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: Date.now(), value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  constructor(private readonly db: SqlClient) {}

  async getPath(path: string): Promise<StoredPath | null> {
    const rows = await this.db.query<PathRow>(
      'select p.*, i.sha256 from image_paths p join images i on i.id = p.image_id where p.path = $1',
      [path],
    );
    return rows[0] ? toStoredPath(rows[0]) : null;
  }

  async pathsUnderRoot(root: string): Promise<StoredPath[]> {
    const rows = await this.db.query<PathRow>(
      'select p.*, i.sha256 from image_paths p join images i on i.id = p.image_id where p.root = $1',
      [root],
    );
    return rows.map(toStoredPath);
  }

  async findImageBySha(sha256: string) {
    const rows = await this.db.query<{ id: string }>('select id from images where sha256 = $1', [sha256]);
    return rows[0] ?? null;
  }

  async insertImages(items: NewImageItem[]) {
    this.cache.clear();
    for (const model of new Set(items.map((i) => `${i.embedding.model}\u0000${i.embedding.vector.length}`))) {
      const [name, dim] = model.split('\u0000');
      await this.ensureVectorIndex(name, Number(dim));
    }
    // One transaction per batch: a killed run loses at most the batch in flight, and commits are amortised.
    return this.db.transaction(async (tx) => {
      const results: { imageId: string; inserted: boolean }[] = [];
      for (const { image, path, embedding } of items) {
        const inserted = await tx.query<{ id: string }>(
          `insert into images (id, sha256, phash, width, height, format, bytes, taken_at, camera, gps_lat, gps_lon, gps_alt, caption, caption_source, tags)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           on conflict (sha256) do nothing returning id`,
          [
            image.id, image.sha256, image.phash, image.width, image.height, image.format, image.bytes,
            image.exif.takenAt ?? null, image.exif.camera ?? null,
            image.exif.gps?.lat ?? null, image.exif.gps?.lon ?? null, image.exif.gps?.alt ?? null,
            image.caption ?? null, image.caption ? (image.captionSource ?? 'user') : null, image.tags ?? [],
          ],
        );
        if (inserted.length === 0) {
          // Same content stored meanwhile (e.g. an identical file earlier in the batch): attach the path.
          const [existing] = await tx.query<{ id: string }>('select id from images where sha256 = $1', [image.sha256]);
          await upsertPathWith(tx, { ...path, imageId: existing.id });
          results.push({ imageId: existing.id, inserted: false });
          continue;
        }
        await upsertPathWith(tx, path);
        await tx.query('insert into embeddings (image_id, kind, model, dim, embedding) values ($1, $2, $3, $4, $5::halfvec)', [
          image.id, 'clip', embedding.model, embedding.vector.length, vectorLiteral(embedding.vector),
        ]);
        results.push({ imageId: image.id, inserted: true });
      }
      return results;
    });
  }

  async pathsOfImage(imageId: string) {
    const rows = await this.db.query<{ path: string }>('select path from image_paths where image_id = $1::uuid order by path', [imageId]);
    return rows.map((r) => r.path);
  }

  async upsertPath(path: ImagePath) {
    this.cache.clear();
    await upsertPathWith(this.db, path);
  }

  async removePaths(paths: string[]) {
    this.cache.clear();
    if (paths.length) await this.db.query('delete from image_paths where path = any($1::text[])', [paths]);
  }

  async deleteOrphanImages(): Promise<string[]> {
    this.cache.clear();
    const rows = await this.db.query<{ sha256: string }>(
      'delete from images i where not exists (select 1 from image_paths p where p.image_id = i.id) returning sha256',
    );
    return rows.map((r) => r.sha256);
  }

  /**
   * One partial HNSW index per (model, dimension), over a cast to that dimension: lets several
   * embedding models share one table while each gets a real ANN index (pgvector's documented pattern).
   * Rows store halfvec (half the bytes); the index is over vector(dim) because in PGlite's WASM build
   * fp16 distance math is done in software and halfvec HNSW inserts cost ~5× more (bench/RESULTS.md).
   */
  async ensureVectorIndex(model: string, dim: number) {
    const key = `${model}\u0000${dim}`;
    if (this.indexed.has(key)) return;
    const name = `embeddings_hnsw_v_${createHash('sha1').update(key).digest('hex').slice(0, 12)}`;
    await this.db.exec(
      `create index if not exists ${name} on embeddings using hnsw ((embedding::vector(${int(dim)})) vector_cosine_ops) ` +
        `where model = ${quoteLiteral(model)} and dim = ${int(dim)}`,
    );
    this.indexed.add(key);
  }

  async searchByVector(q: VectorQuery & { exact?: boolean }): Promise<VectorHit[]> {
    const dim = int(q.vector.length);
    await this.ensureVectorIndex(q.model, dim); // vectors may have arrived without one (bulk loads, older data)
    const params: unknown[] = [vectorLiteral(q.vector)];
    const filters: string[] = [];
    if (q.folder) {
      params.push(q.folder, q.folder + '/');
      filters.push(`exists (select 1 from image_paths p where p.image_id = e.image_id and (p.folder = $2 or starts_with(p.folder, $3)))`);
    }
    if (q.excludeImageId) {
      params.push(q.excludeImageId);
      filters.push(`e.image_id <> $${params.length}::uuid`);
    }
    // Model and dimension are literals (not parameters) so the planner can match the partial index.
    const distance = `(e.embedding::vector(${dim}) <=> $1::vector(${dim}))`;
    const sql = `
      select e.image_id, ${distance} as distance
      from embeddings e
      where e.model = ${quoteLiteral(q.model)} and e.dim = ${dim} ${filters.map((f) => `and ${f}`).join(' ')}
      order by ${distance}
      limit ${int(q.k)}`;
    const nearest = await this.db.transaction(async (tx) => {
      // ef_search bounds how many candidates HNSW returns; iterative scans keep filtered queries from coming back short.
      await tx.exec(`set local hnsw.ef_search = ${Math.min(1000, Math.max(40, int(q.k) * 2))}; set local hnsw.iterative_scan = relaxed_order;`);
      if (q.exact) await tx.exec('set local enable_indexscan = off');
      return tx.query<{ image_id: string; distance: number }>(sql, params);
    });
    if (nearest.length === 0) return [];
    const where = q.folder ? 'and (folder = $2 or starts_with(folder, $3))' : '';
    const pathRows = await this.db.query<{ image_id: string; path: string; folder: string }>(
      `select distinct on (image_id) image_id, path, folder from image_paths
       where image_id = any($1::uuid[]) ${where} order by image_id, path`,
      q.folder ? [nearest.map((n) => n.image_id), q.folder, q.folder + '/'] : [nearest.map((n) => n.image_id)],
    );
    const pathOf = new Map(pathRows.map((r) => [r.image_id, r]));
    // relaxed_order may return near-ties out of order: sort once more.
    return nearest
      .filter((n) => pathOf.has(n.image_id))
      .map((n) => ({ imageId: n.image_id, distance: Number(n.distance), path: pathOf.get(n.image_id)!.path, folder: pathOf.get(n.image_id)!.folder }))
      .sort((a, b) => a.distance - b.distance);
  }

  async getEmbedding(imageId: string, model: string) {
    const rows = await this.db.query<{ v: string }>(
      `select embedding::text as v from embeddings where image_id = $1::uuid and model = $2 and kind = 'clip'`,
      [imageId, model],
    );
    return rows[0] ? parseVector(rows[0].v) : null;
  }

  async imageExists(imageId: string) {
    if (!UUID.test(imageId)) return false;
    const rows = await this.db.query('select 1 from images where id = $1::uuid', [imageId]);
    return rows.length > 0;
  }

  folderNames(): Promise<string[]> {
    return this.cached('folders', async () => (await this.db.query<{ folder: string }>('select distinct folder from image_paths')).map((r) => r.folder));
  }

  async folders() {
    const rows = await this.db.query<{ folder: string; n: string | number }>(
      'select folder, count(distinct image_id) as n from image_paths group by folder order by folder',
    );
    return Object.fromEntries(rows.map((r) => [r.folder, Number(r.n)]));
  }

  async imageCount() {
    const [row] = await this.db.query<{ n: string | number }>('select count(*) as n from images');
    return Number(row.n);
  }

  embeddingModels(): Promise<ModelCount[]> {
    return this.cached('models', async () => {
      const rows = await this.db.query<{ model: string; dim: number; n: string | number }>(
        'select model, dim, count(*) as n from embeddings group by model, dim order by model',
      );
      return rows.map((r) => ({ model: r.model, dim: r.dim, count: Number(r.n) }));
    });
  }

  async allHashes() {
    const rows = await this.db.query<{ id: string; phash: string; paths: string[] }>(
      `select i.id, i.phash, array_agg(p.path order by p.path) as paths
       from images i join image_paths p on p.image_id = i.id group by i.id, i.phash order by min(p.path)`,
    );
    return rows;
  }

  async getImages(ids: string[]): Promise<ImageDetails[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return [];
    const rows = await this.db.query<ImageRow>(`${IMAGE_SELECT} where i.id = any($1::uuid[]) group by i.id`, [valid]);
    const byId = new Map(rows.map((r) => [r.id, toDetails(r)]));
    return valid.map((id) => byId.get(id)).filter((d): d is ImageDetails => d !== undefined);
  }

  async listImages(q: { folder?: string | null; limit: number; cursor?: string | null }) {
    const params: unknown[] = [q.limit + 1]; // one more than shown, to know whether another page exists
    const where: string[] = [];
    if (q.folder) {
      params.push(q.folder, q.folder + '/');
      where.push(`exists (select 1 from image_paths f where f.image_id = i.id and (f.folder = $2 or starts_with(f.folder, $3)))`);
    }
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !cursor) throw new LoupeError('BAD_ARGUMENT', { message: 'cursor is not one this server gave out (use nextCursor from the previous page)' });
    if (cursor) {
      params.push(cursor.createdAt, cursor.id);
      where.push(`(i.created_at, i.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = await this.db.query<ImageRow>(
      `${IMAGE_SELECT} ${where.length ? 'where ' + where.join(' and ') : ''} group by i.id order by i.created_at desc, i.id desc limit $1`,
      params,
    );
    const items = rows.slice(0, q.limit).map(toDetails);
    const last = rows.length > q.limit ? rows[q.limit - 1] : null;
    return { items, nextCursor: last ? encodeCursor(last.created_at, last.id) : null };
  }

  async updateImage(id: string, patch: ImagePatch): Promise<ImageDetails | null> {
    this.cache.clear();
    if (!isUuid(id)) return null;
    await this.db.transaction(async (tx) => {
      if (patch.caption !== undefined)
        await tx.query('update images set caption = $2, caption_source = $3 where id = $1', [id, patch.caption, patch.caption === null ? null : 'user']);
      if (patch.tags !== undefined) await tx.query('update images set tags = $2 where id = $1', [id, patch.tags]);
      if (patch.folder !== undefined) await tx.query('update image_paths set folder = $2 where image_id = $1', [id, patch.folder]);
    });
    const [image] = await this.getImages([id]);
    return image ?? null;
  }

  async deleteImage(id: string): Promise<string | null> {
    this.cache.clear();
    if (!isUuid(id)) return null;
    const rows = await this.db.query<{ sha256: string }>('delete from images where id = $1 returning sha256', [id]);
    return rows[0]?.sha256 ?? null;
  }

  close() {
    return this.db.close();
  }
}

interface ImageRow {
  id: string;
  sha256: string;
  phash: string;
  width: number;
  height: number;
  format: string;
  bytes: string | number;
  taken_at: Date | string | null;
  camera: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  gps_alt: number | null;
  caption: string | null;
  caption_source: 'user' | 'model' | null;
  tags: string[];
  created_at: Date | string;
  paths: { path: string; folder: string }[] | null;
}

const IMAGE_SELECT = `
  select i.*, coalesce(json_agg(json_build_object('path', p.path, 'folder', p.folder) order by p.path)
    filter (where p.path is not null), '[]') as paths
  from images i left join image_paths p on p.image_id = i.id`;

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function toDetails(r: ImageRow): ImageDetails {
  const exif: ImageDetails['exif'] = {};
  if (r.taken_at) exif.takenAt = iso(r.taken_at);
  if (r.camera) exif.camera = r.camera;
  if (r.gps_lat !== null && r.gps_lon !== null) exif.gps = { lat: r.gps_lat, lon: r.gps_lon, ...(r.gps_alt !== null ? { alt: r.gps_alt } : {}) };
  return {
    id: r.id,
    sha256: r.sha256,
    phash: r.phash,
    width: r.width,
    height: r.height,
    format: r.format,
    bytes: Number(r.bytes),
    exif,
    caption: r.caption,
    captionSource: r.caption_source,
    tags: r.tags ?? [],
    createdAt: iso(r.created_at),
    paths: typeof r.paths === 'string' ? JSON.parse(r.paths) : (r.paths ?? []),
  };
}

function encodeCursor(createdAt: Date | string, id: string): string {
  return Buffer.from(JSON.stringify([iso(createdAt), id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof createdAt === 'string' && typeof id === 'string' && isUuid(id) && !Number.isNaN(Date.parse(createdAt)) ? { createdAt, id } : null;
  } catch {
    return null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

function upsertPathWith(db: SqlClient, p: ImagePath) {
  return db.query(
    `insert into image_paths (path, image_id, root, folder, size, mtime_ms) values ($1, $2, $3, $4, $5, $6)
     on conflict (path) do update set image_id = excluded.image_id, root = excluded.root, folder = excluded.folder,
       size = excluded.size, mtime_ms = excluded.mtime_ms`,
    [p.path, p.imageId, p.root, p.folder, p.size, p.mtimeMs],
  );
}

function toStoredPath(r: PathRow): StoredPath {
  return { path: r.path, imageId: r.image_id, root: r.root, folder: r.folder, size: Number(r.size), mtimeMs: Number(r.mtime_ms), sha256: r.sha256 };
}

export function vectorLiteral(v: Float32Array): string {
  return `[${Array.from(v).join(',')}]`;
}

function parseVector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(','), Number);
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function int(n: number): number {
  if (!Number.isInteger(n)) throw new Error(`expected an integer, got ${n}`);
  return n;
}
