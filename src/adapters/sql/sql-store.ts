/**
 * The Store over plain PostgreSQL + pgvector SQL. Runs unchanged on embedded PGlite and on a server.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { LoupeError } from '../../core/errors.js';
import type { ImageDetails, ImagePatch, ImagePath } from '../../core/types.js';
import type {
  AnalyzerName,
  AnalyzerState,
  EmbeddingKind,
  ImageLabel,
  ModelCount,
  NewImageItem,
  OcrResult,
  SearchFilters,
  Store,
  TextField,
  TextHit,
  TextQuery,
  StoredPath,
  VectorHit,
  VectorQuery,
} from '../../ports/store.js';
import { EARTH_KM, restricts, type Sort } from '../../core/filters.js';
import type { SqlClient } from './sql-client.js';
import { DEFAULT_SPACE_ID } from '../../core/spaces.js';

const INDEX_LOCK = 0x4c6f7571;
/**
 * What a filtered vector search costs on each database, measured by bench/filtered-search.ts (100k clustered vectors,
 * 2 cores): the exact path reads every passing image's vector (ms per image); a filtered HNSW walk costs a base plus
 * a share of the images it must step over to find k that pass (ms per unit of library / kept).
 */
export const FILTER_COSTS = {
  postgres: { exactPerImage: 0.01, hnswBase: 11, hnswPerRatio: 0.9 },
  pglite: { exactPerImage: 0.02, hnswBase: 50, hnswPerRatio: 4.4 },
} as const;

/**
 * The most images a filter may keep and still be searched exactly: where the exact path's cost (growing with the images
 * kept) meets the HNSW walk's (growing as the filter narrows), c·m = a + b·N/m.
 */
export function exactFilterMax(engine: keyof typeof FILTER_COSTS, libraryImages: number): number {
  const { exactPerImage: c, hnswBase: a, hnswPerRatio: b } = FILTER_COSTS[engine];
  return Math.floor((a + Math.sqrt(a * a + 4 * c * b * libraryImages)) / (2 * c));
}
/** How far a filtered HNSW scan may go looking for k that pass (pgvector's default stops at 20,000). */
const FILTERED_SCAN_TUPLES = 200_000;
/** A filtered HNSW scan asks for this many times k and keeps the nearest k. */
const FILTERED_OVERFETCH = 4;

interface PathRow {
  path: string;
  image_id: string;
  root: string;
  folder: string;
  size: string | number;
  mtime_ms: number;
  sha256: string;
  etag: string | null;
}

/** Where undated images sort among dates (listed by date taken, newest first: at the end). */
const UNDATED = '0001-01-01T00:00:00Z';

export class SqlStore implements Store {
  private readonly indexed = new Set<string>();
  /**
   * Answers asked on every search (folder names, embedding models), cached briefly. Other processes
   * (workers, a CLI run) may change them, hence the expiry; this process's own writes clear the cache at once.
   */
  private cache = new Map<string, { at: number; value: Promise<unknown> }>();

  private readonly frequencies = new LRUCache<string, { word: string; lexeme: string | null; df: number }>({
    max: 5000,
    ttl: 300_000,
  });

  /** This process changed the library: forget the cached answers. */
  private invalidate() {
    this.cache.clear();
    this.frequencies.clear();
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < 5000) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: Date.now(), value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  /** Every query below is confined to this space (a literal: validated as a uuid). */
  private readonly S: string;

  /**
   * @param owner whether close() closes the database (scoped views share their parent's).
   * @param exactFilterMax filters keeping at most this many images are searched exactly (default: by the database's
   *   measured costs and the library's size; tests and benchmarks fix it to reach one path).
   */
  constructor(
    private readonly db: SqlClient,
    readonly spaceId = DEFAULT_SPACE_ID,
    private readonly owner = true,
    private readonly exactFilterMax?: number,
  ) {
    if (!isUuid(spaceId)) throw new Error(`not a space id: ${spaceId}`);
    this.S = `'${spaceId}'::uuid`;
  }

  /** The same database seen through another space. */
  forSpace(spaceId: string): SqlStore {
    return new SqlStore(this.db, spaceId, false, this.exactFilterMax);
  }

  async getPath(path: string): Promise<StoredPath | null> {
    return (await this.getPaths([path]))[0] ?? null;
  }

  async getPaths(paths: string[]): Promise<StoredPath[]> {
    if (!paths.length) return [];
    const rows = await this.db.query<PathRow>(
      `select p.*, i.sha256 from image_paths p join images i on i.id = p.image_id where p.space_id = ${this.S} and p.path = any($1::text[])`,
      [paths],
    );
    return rows.map(toStoredPath);
  }

  async pathsUnderRoot(root: string): Promise<StoredPath[]> {
    const rows = await this.db.query<PathRow>(
      `select p.*, i.sha256 from image_paths p join images i on i.id = p.image_id where p.space_id = ${this.S} and p.root = $1`,
      [root],
    );
    return rows.map(toStoredPath);
  }

  async findImageBySha(sha256: string) {
    const id = (await this.findImagesBySha([sha256])).get(sha256);
    return id ? { id } : null;
  }

  async findImagesBySha(sha256s: string[]) {
    if (!sha256s.length) return new Map<string, string>();
    const rows = await this.db.query<{ id: string; sha256: string }>(
      `select id, sha256 from images where space_id = ${this.S} and sha256 = any($1::text[])`,
      [sha256s],
    );
    return new Map(rows.map((r) => [r.sha256, r.id]));
  }

  async insertImages(items: NewImageItem[]) {
    this.invalidate();
    for (const model of new Set(items.map((i) => `${i.embedding.model}\u0000${i.embedding.vector.length}`))) {
      const [name, dim] = model.split('\u0000');
      await this.ensureVectorIndex(name, Number(dim));
    }
    // One transaction per batch, a handful of set-based statements whatever its size: a killed run loses at most
    // the batch in flight, and the database (a thread of its own, or a server) is not kept busy by round trips.
    const now = new Date().toISOString();
    const rows = items.map(({ image, embedding, labels }, n) => ({
      n,
      id: image.id,
      sha256: image.sha256,
      phash: image.phash,
      width: image.width,
      height: image.height,
      format: image.format,
      bytes: image.bytes,
      taken_at: image.exif.takenAt ?? null,
      camera: image.exif.camera ?? null,
      gps_lat: image.exif.gps?.lat ?? null,
      gps_lon: image.exif.gps?.lon ?? null,
      gps_alt: image.exif.gps?.alt ?? null,
      country: image.exif.country ?? null,
      caption: image.caption ?? null,
      caption_source: image.caption ? (image.captionSource ?? 'user') : null,
      tags: image.tags ?? [],
      labels: labels?.labels ?? [],
      label_words: labelWords(labels?.labels ?? []),
      // The CLIP pass (and the labels pass, when labels came along) is done for what is inserted: `reindex` must not plan it again.
      analyzed: {
        clip: { model: embedding.model, at: now, status: 'ok' },
        ...(labels ? { labels: { model: labels.model, at: now, status: labels.labels.length ? 'ok' : 'empty' } } : {}),
      },
    }));
    const results = await this.db.transaction(async (tx) => {
      // Content already stored (or twice in this batch) is not inserted again: its path is attached instead.
      const inserted = await tx.query<{ id: string }>(
        `insert into images (id, space_id, sha256, phash, width, height, format, bytes, taken_at, camera, gps_lat, gps_lon, gps_alt, country, caption, caption_source, tags, analyzed, labels, label_words)
         select r.id, ${this.S}, r.sha256, r.phash, r.width, r.height, r.format, r.bytes, r.taken_at, r.camera, r.gps_lat, r.gps_lon, r.gps_alt, r.country,
           r.caption, r.caption_source, array(select jsonb_array_elements_text(r.tags)), r.analyzed, r.labels, array(select jsonb_array_elements_text(r.label_words))
         from jsonb_to_recordset($1::jsonb) as r(n int, id uuid, sha256 text, phash text, width int, height int, format text, bytes bigint,
           taken_at timestamptz, camera text, gps_lat float8, gps_lon float8, gps_alt float8, country text, caption text, caption_source text, tags jsonb, analyzed jsonb, labels jsonb, label_words jsonb)
         order by r.n
         on conflict (space_id, sha256) do nothing returning id`,
        [JSON.stringify(rows)],
      );
      const insertedIds = new Set(inserted.map((r) => r.id));
      const owner = await new SqlStore(tx, this.spaceId, false).findImagesBySha([
        ...new Set(items.map((i) => i.image.sha256)),
      ]);
      // The last record of a path wins, as one upsert after another would.
      const paths = new Map(
        items.map(({ image, path }) => [path.path, { ...path, imageId: owner.get(image.sha256)! }]),
      );
      await upsertPathsWith(tx, this.spaceId, [...paths.values()]);
      const fresh = items.filter((i) => insertedIds.has(i.image.id));
      if (fresh.length) {
        // Content seen before and removed: the user's caption and tags come back (fields given now win).
        await tx.query(
          `with kept as (delete from kept_user_fields where space_id = ${this.S} and sha256 = any($1::text[]) returning sha256, caption, tags)
           update images i set caption = coalesce(i.caption, kept.caption),
             caption_source = case when i.caption is null and kept.caption is not null then 'user' else i.caption_source end,
             tags = case when cardinality(i.tags) = 0 then kept.tags else i.tags end
           from kept where i.space_id = ${this.S} and i.sha256 = kept.sha256`,
          [fresh.map((i) => i.image.sha256)],
        );
        for (const [model, group] of groupBy(fresh, (i) => `${i.embedding.model}\u0000${i.embedding.vector.length}`)) {
          const [name, dim] = model.split('\u0000');
          await tx.query(
            `insert into embeddings (image_id, space_id, kind, model, dim, embedding)
             select id, ${this.S}, 'clip', $3, $4, v::halfvec from unnest($1::uuid[], $2::text[]) as u(id, v)`,
            [group.map((i) => i.image.id), group.map((i) => vectorLiteral(i.embedding.vector)), name, Number(dim)],
          );
        }
      }
      return items.map(({ image }) => ({ imageId: owner.get(image.sha256)!, inserted: insertedIds.has(image.id) }));
    });
    await this.refreshDocs([...new Set(results.map((r) => r.imageId))]);
    return results;
  }

  async pathsOfImage(imageId: string) {
    const rows = await this.db.query<{ path: string }>(
      `select path from image_paths where space_id = ${this.S} and image_id = $1::uuid order by path`,
      [imageId],
    );
    return rows.map((r) => r.path);
  }

  async upsertPath(path: ImagePath) {
    this.invalidate();
    await upsertPathWith(this.db, this.spaceId, path);
    await this.refreshDocs([path.imageId]);
  }

  async removePaths(paths: string[]) {
    this.invalidate();
    if (!paths.length) return;
    const rows = await this.db.query<{ image_id: string }>(
      `delete from image_paths where space_id = ${this.S} and path = any($1::text[]) returning image_id`,
      [paths],
    );
    await this.refreshDocs([...new Set(rows.map((r) => r.image_id))]);
  }

  async deleteOrphanImages(): Promise<string[]> {
    this.invalidate();
    // What the user wrote about an image outlives its removal: restored if the same content comes back.
    const rows = await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into kept_user_fields (space_id, sha256, caption, tags)
         select i.space_id, i.sha256, case when i.caption_source = 'user' then i.caption end, i.tags from images i
         where i.space_id = ${this.S} and not exists (select 1 from image_paths p where p.image_id = i.id)
           and ((i.caption_source = 'user' and i.caption is not null) or cardinality(i.tags) > 0)
         on conflict (space_id, sha256) do update set caption = excluded.caption, tags = excluded.tags, removed_at = now()`,
      );
      return tx.query<{ sha256: string }>(
        `delete from images i where i.space_id = ${this.S} and not exists (select 1 from image_paths p where p.image_id = i.id) returning sha256`,
      );
    });
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
    // Under a lock: processes sharing a server (workers) would otherwise race to create the same index.
    await this.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [INDEX_LOCK]);
      await tx.exec(
        `create index if not exists ${name} on embeddings using hnsw ((embedding::vector(${int(dim)})) vector_cosine_ops) ` +
          `where model = ${quoteLiteral(model)} and dim = ${int(dim)}`,
      );
    });
    this.indexed.add(key);
  }

  async searchByVector(q: VectorQuery & { exact?: boolean }): Promise<VectorHit[]> {
    const dim = int(q.vector.length);
    await this.ensureVectorIndex(q.model, dim); // vectors may have arrived without one (bulk loads, older data)
    // A filter that keeps few images is answered exactly over those images (their vectors read by primary key): an
    // HNSW walk would have to step over ~k / share candidates to find k that pass. Which is cheaper is measured per database.
    const filtered = restricts(q) || (q.phrases?.length ?? 0) > 0 || (q.exclude?.length ?? 0) > 0;
    const libraryImages = await this.imageCount();
    const ef = q.efSearch ?? efSearchFor(libraryImages, q.k);
    const exactMax = this.exactFilterMax ?? exactFilterMax(this.db.engine ?? 'postgres', libraryImages);
    const nearest = await this.db.transaction(async (tx) => {
      // ef_search bounds how many candidates HNSW returns; iterative scans keep filtered queries from coming back short.
      await tx.exec(
        `set local hnsw.ef_search = ${Math.min(1000, int(ef))}; set local hnsw.iterative_scan = relaxed_order;`,
      );
      // The filtered images are found through their indexes, not by scanning every image: lookups by key cost little
      // when the tables are in memory, as a library's are (the default of 4 is for spinning disks). The estimate of how
      // many images pass runs under the same setting.
      if (filtered)
        await tx.exec(`set local hnsw.max_scan_tuples = ${FILTERED_SCAN_TUPLES}; set local random_page_cost = 1.1;`);
      if (q.exact) await tx.exec('set local enable_indexscan = off');
      const exactOverFilter =
        !q.exact &&
        filtered &&
        exactMax > 0 &&
        (exactMax >= Number.MAX_SAFE_INTEGER || (await this.estimateMatching(tx, q)) <= exactMax);
      const params: unknown[] = [vectorLiteral(q.vector)];
      const conditions = [`e.space_id = ${this.S}`];
      if (filtered) {
        const on = this.imageWhere(q, 'fi', params).join(' and ');
        conditions.push(
          exactOverFilter
            ? `e.image_id in (select fi.id from images fi where ${on})`
            : `exists (select 1 from images fi where fi.id = e.image_id and ${on})`,
        );
      }
      if (q.excludeImageId) {
        params.push(q.excludeImageId);
        conditions.push(`e.image_id <> $${params.length}::uuid`);
      }
      // Model and dimension are literals (not parameters) so the planner can match the partial index.
      const distance = `(e.embedding::vector(${dim}) <=> $1::vector(${dim}))`;
      // A filtered HNSW scan (relaxed order) hands back the first k that pass, not the nearest k that pass: asking for
      // more and keeping the nearest k lifts recall@10 from 0.82 to 0.96–1.0 when a filter keeps 1–3 % (bench/filtered-search.ts).
      const fetch = filtered && !exactOverFilter && !q.exact ? Math.min(1000, int(q.k) * FILTERED_OVERFETCH) : int(q.k);
      const sql = `
        select e.image_id, ${distance} as distance
        from embeddings e
        where e.model = ${quoteLiteral(q.model)} and e.dim = ${dim} ${conditions.map((f) => `and ${f}`).join(' ')}
        order by ${distance}${exactOverFilter ? ' + 0' /* an expression the HNSW index cannot serve */ : ''}
        limit ${fetch}`;
      return tx.query<{ image_id: string; distance: number }>(sql, params);
    });
    if (nearest.length === 0) return [];
    const pathOf = await this.firstPaths(
      nearest.map((n) => n.image_id),
      q.folder,
    );
    // relaxed_order may return near-ties out of order: sort once more.
    return nearest
      .filter((n) => pathOf.has(n.image_id))
      .map((n) => ({
        imageId: n.image_id,
        distance: Number(n.distance),
        path: pathOf.get(n.image_id)!.path,
        folder: pathOf.get(n.image_id)!.folder,
      }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, int(q.k));
  }

  /** How many images pass the filters, counting no further than `upTo`. */
  /**
   * How many images the planner expects the filters to keep, from the tables' statistics: a count would read them all
   * (at 1M images a folder keeping 100k cost 300 ms to count, against 15 ms for the search itself).
   */
  private async estimateMatching(db: SqlClient, f: SearchFilters): Promise<number> {
    const params: unknown[] = [];
    const on = this.imageWhere(f, 'i', params);
    const [row] = await db.query<{ 'QUERY PLAN': unknown }>(
      `explain (format json) select 1 from images i where ${on.join(' and ')}`,
      params,
    );
    const plan = row['QUERY PLAN'];
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: { 'Plan Rows': number } }[];
    return Number(parsed[0]?.Plan?.['Plan Rows'] ?? Infinity);
  }

  /** SQL conditions (joined with and) that an image row `a` must meet: its space, then every filter. */
  private imageWhere(f: SearchFilters, a: string, params: unknown[]): string[] {
    const p = (value: unknown) => (params.push(value), `$${params.length}`);
    const on: string[] = [`${a}.space_id = ${this.S}`];
    if (f.folder)
      on.push(
        `exists (select 1 from image_paths fp where fp.image_id = ${a}.id and (fp.folder = ${p(f.folder)} or starts_with(fp.folder, ${p(f.folder + '/')})))`,
      );
    // A tag is the user's own (any case) or a detector's label (stored lower-case).
    for (const tag of f.tags ?? []) {
      const [exact, lower] = [p([tag]), p([tag.toLowerCase()])];
      on.push(
        `(${a}.tags @> ${exact}::text[] or ${a}.label_words @> ${lower}::text[] or exists (select 1 from unnest(${a}.tags) ut where lower(ut) = (${lower}::text[])[1]))`,
      );
    }
    for (const has of f.has ?? [])
      on.push(
        has === 'text'
          ? `coalesce(${a}.ocr_text, '') <> ''`
          : has === 'caption'
            ? `coalesce(${a}.caption, '') <> ''`
            : has === 'gps'
              ? `${a}.gps_lat is not null`
              : `${a}.label_words <> '{}'`,
      );
    if (f.takenAfter) on.push(`${a}.taken_at >= ${p(f.takenAfter)}::timestamptz`);
    if (f.takenBefore) on.push(`${a}.taken_at < ${p(f.takenBefore)}::timestamptz`);
    if (f.camera)
      on.push(`lower(${a}.camera) like ${p('%' + f.camera.toLowerCase().replace(/[\\%_]/g, '\\$&') + '%')}`);
    if (f.country) on.push(`${a}.country = ${p(f.country.toUpperCase())}`);
    if (f.formats?.length) on.push(`${a}.format = any(${p(f.formats)}::text[])`);
    if (f.minWidth) on.push(`${a}.width >= ${p(f.minWidth)}::int`);
    if (f.minHeight) on.push(`${a}.height >= ${p(f.minHeight)}::int`);
    if (f.orientation)
      on.push(
        f.orientation === 'portrait'
          ? `${a}.height > ${a}.width`
          : f.orientation === 'landscape'
            ? `${a}.width > ${a}.height`
            : `${a}.width = ${a}.height`,
      );
    if (f.near) {
      const { lat, lon, km } = f.near;
      // A box first (indexed), then the great-circle distance: the same haversine as core's kmBetween.
      const dLat = km / ((EARTH_KM * Math.PI) / 180);
      const cosLat = Math.cos((lat * Math.PI) / 180);
      on.push(`${a}.gps_lat between ${p(lat - dLat)}::float8 and ${p(lat + dLat)}::float8`);
      const dLon = cosLat > 1e-6 ? dLat / cosLat : 360;
      if (lon - dLon >= -180 && lon + dLon <= 180)
        on.push(`${a}.gps_lon between ${p(lon - dLon)}::float8 and ${p(lon + dLon)}::float8`);
      const [la, lo] = [p(lat), p(lon)];
      on.push(
        `2 * ${EARTH_KM} * asin(least(1, sqrt(power(sin(radians(${a}.gps_lat - ${la}::float8) / 2), 2) + cos(radians(${la}::float8)) * cos(radians(${a}.gps_lat)) * power(sin(radians(${a}.gps_lon - ${lo}::float8) / 2), 2)))) <= ${p(km)}::float8`,
      );
    }
    for (const phrase of f.phrases ?? [])
      on.push(`coalesce(${a}.doc @@ phraseto_tsquery('${TEXT_CONFIG}', ${p(phrase)}), false)`);
    // Exclusions as one query (any of them), matched once per image rather than once per exclusion.
    if (f.exclude?.length)
      on.push(
        `not coalesce(${a}.doc @@ (${f.exclude.map((word) => `phraseto_tsquery('${TEXT_CONFIG}', ${p(word)})`).join(' || ')}), false)`,
      );
    return on;
  }

  async filterImages(q: { filters: SearchFilters; sort: Sort; limit: number }) {
    const params: unknown[] = [];
    const on = this.imageWhere(q.filters, 'i', params);
    const order =
      q.sort === 'oldest'
        ? 'i.taken_at asc nulls last, i.created_at asc, i.id'
        : q.sort === 'name'
          ? `(select min(regexp_replace(p.path, '^.*/', '')) from image_paths p where p.image_id = i.id), i.id`
          : 'i.taken_at desc nulls last, i.created_at desc, i.id';
    const rows = await this.db.query<{ id: string }>(
      `select i.id from images i where ${on.join(' and ')} order by ${order} limit ${int(q.limit)}`,
      params,
    );
    const pathOf = await this.firstPaths(
      rows.map((r) => r.id),
      q.filters.folder,
    );
    return rows
      .filter((r) => pathOf.has(r.id))
      .map((r) => ({ imageId: r.id, path: pathOf.get(r.id)!.path, folder: pathOf.get(r.id)!.folder }));
  }

  async setLabels(imageId: string, labels: ImageLabel[]) {
    const words = labelWords(labels);
    await this.db.query(
      `update images set labels = $2::jsonb, label_words = $3::text[] where id = $1 and space_id = ${this.S}`,
      [imageId, JSON.stringify(labels), words],
    );
    await this.refreshDocs([imageId]);
  }

  /** One path per image (the first by name), within the folder filter when there is one. */
  private async firstPaths(ids: string[], folder?: string | null) {
    const rows = await this.db.query<{ image_id: string; path: string; folder: string }>(
      `select distinct on (image_id) image_id, path, folder from image_paths
       where space_id = ${this.S} and image_id = any($1::uuid[]) ${folder ? 'and (folder = $2 or starts_with(folder, $3))' : ''} order by image_id, path`,
      folder ? [ids, folder, folder + '/'] : [ids],
    );
    return new Map(rows.map((r) => [r.image_id, r]));
  }

  async textSearch(q: TextQuery): Promise<TextHit[]> {
    if (!q.text.trim()) return [];
    const fields = q.fields ?? ALL_FIELDS;
    const everyField = fields.length === ALL_FIELDS.length;
    const doc = everyField ? 'i.doc' : `(${fields.map((f) => FIELD_SQL[f]).join(' || ')})`;
    const { terms, fuzzy } = await this.queryTerms(q.text);
    // Words found nowhere exactly may be OCR misreadings: those (and only those) are looked up by trigrams.
    const fuzzyWords = everyField ? fuzzy : [];
    if (!terms.length && !fuzzyWords.length) return [];
    const total = terms.reduce((sum, t) => sum + t.idf, 0) + fuzzyWords.reduce((sum, t) => sum + t.idf, 0) || 1;
    const params: unknown[] = [
      terms.map((t) => t.lexeme),
      terms.map((t) => t.idf),
      total,
      fuzzyWords.map((f) => f.word),
      fuzzyWords.map((f) => f.idf),
      q.limit,
    ];
    // One literal condition per fuzzy word: each can use the trigram index (a condition over an array cannot).
    const fuzzyConditions = fuzzyWords.map((f) => (params.push(f.word), `$${params.length}::text <% i.doc_text`));
    const filters = this.imageWhere(q, 'i', params);
    // Not every word must match: any of them makes a candidate, and the score is the rarity-weighted share
    // matched (so "a red bus" finds "a red picture", below what has both words); a fuzzy word counts at half weight.
    const rows = await this.db.query<{ id: string; score: number; matched: TextField[] }>(
      `with q as (
         select coalesce(array_agg(quote_literal(l)::tsquery), '{}') as lexemes,
                coalesce(string_agg(quote_literal(l), ' | ')::tsquery, ''::tsquery) as any_word
         from unnest($1::text[]) l
       ), hits as (
         select i.id,
                ((select coalesce(sum(w), 0) from unnest(q.lexemes, $2::float8[]) u(t, w) where ${doc} @@ u.t)
                  + (select coalesce(sum(0.5 * w * word_similarity(f, coalesce(i.doc_text, ''))), 0) from unnest($4::text[], $5::float8[]) v(f, w)))
                  / $3::float8 + 0.01 * ts_rank_cd(${doc}, q.any_word, 1) as score
         from images i, q
         where (${[`${doc} @@ q.any_word`, ...fuzzyConditions].join(' or ')}) ${filters.map((f) => `and ${f}`).join(' ')}
         order by score desc, i.sha256 limit $6
       )
       -- Which fields matched, for the explanation: only for the hits shown (it re-reads each field's words).
       select h.id, h.score, array_remove(array[${fields.map((f) => `case when ${FIELD_SQL[f]} @@ q.any_word then '${f}' end`).join(', ')}]::text[], null) as matched
       from hits h join images i on i.id = h.id, q order by h.score desc, i.sha256`,
      params,
    );
    const pathOf = await this.firstPaths(
      rows.map((r) => r.id),
      q.folder,
    );
    return rows
      .filter((r) => pathOf.has(r.id))
      .map((r) => ({
        imageId: r.id,
        score: Number(r.score),
        matched: r.matched,
        path: pathOf.get(r.id)!.path,
        folder: pathOf.get(r.id)!.folder,
      }));
  }

  /**
   * The query's words as the index knows them (stemmed, stop words dropped), each with its IDF in this space;
   * and the words of 4+ characters found in no image, for the trigram look-up.
   */
  private async queryTerms(
    text: string,
  ): Promise<{ terms: { lexeme: string; idf: number }[]; fuzzy: { word: string; idf: number }[] }> {
    const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 32);
    if (!words.length) return { terms: [], fuzzy: [] };
    // Document frequencies change slowly: kept a few minutes per word (this process's writes clear them at once).
    const known = words.map((w) => this.frequencies.get(w));
    const missing = words.filter((_, i) => known[i] === undefined);
    const fetched = missing.length
      ? await this.db.query<{ word: string; lexeme: string | null; df: string | number }>(
          `select w as word, l as lexeme, case when l is null then 0 else (select count(*) from images i where i.space_id = ${this.S} and i.doc @@ quote_literal(l)::tsquery) end as df
           from unnest($1::text[]) w, lateral (select (tsvector_to_array(to_tsvector('${TEXT_CONFIG}', w)))[1] as l) x`,
          [missing],
        )
      : [];
    for (const r of fetched) this.frequencies.set(r.word, { word: r.word, lexeme: r.lexeme, df: Number(r.df) });
    const rows = words.map((w) => this.frequencies.get(w)!).filter(Boolean);
    const n = await this.imageCount();
    // BM25's IDF, floored so a word in every image still counts a little.
    const idf = (df: number) => Math.max(0.05, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
    const terms = new Map<string, number>();
    const fuzzy: { word: string; idf: number }[] = [];
    for (const r of rows) {
      if (r.lexeme === null) continue; // a stop word
      if (Number(r.df) > 0) terms.set(r.lexeme, idf(Number(r.df)));
      else if (r.word.length >= 4) fuzzy.push({ word: r.word, idf: idf(0) });
      else terms.set(r.lexeme, idf(0));
    }
    return { terms: [...terms].map(([lexeme, w]) => ({ lexeme, idf: w })), fuzzy };
  }

  async undescribed(imageIds: string[]) {
    if (!imageIds.length) return new Set<string>();
    const rows = await this.db.query<{ id: string }>(
      // A photo with detector labels counts as described: the detector looked, and not finding a dog says something.
      `select id from images where space_id = ${this.S} and id = any($1::uuid[]) and caption is null
         and coalesce(cardinality(tags), 0) = 0 and coalesce(cardinality(label_words), 0) = 0 and coalesce(ocr_text, '') = ''`,
      [imageIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  vectorSample(model: string, dim: number, n: number) {
    // The first n by content hash: a uniform sample (hashes are pseudo-random) that is the same for the same photos
    // however often they are re-imported (ids are random UUIDs, so a sample by id changed the % between rebuilds),
    // read in the order of the (space, sha256) index with one primary-key probe each.
    return this.cached(`sample:${model}:${dim}:${n}`, async () => {
      const rows = await this.db.query<{ v: string }>(
        `select e.embedding::text as v from images i join embeddings e on e.image_id = i.id and e.space_id = i.space_id
         where i.space_id = ${this.S} and e.model = $1 and e.dim = ${int(dim)} order by i.sha256 limit ${int(n)}`,
        [model],
      );
      return rows.map((r) => parseVector(r.v));
    });
  }

  async setOcr(imageId: string, result: OcrResult) {
    await this.db.query(
      `update images set ocr_text = $2, ocr_words = $3::jsonb where id = $1 and space_id = ${this.S}`,
      [imageId, result.text, JSON.stringify(result.words)],
    );
    await this.refreshDocs([imageId]);
  }

  async setModelCaption(imageId: string, caption: string | null) {
    // A user's caption is never overwritten by a model's.
    const rows = await this.db.query(
      `update images set caption = $2, caption_source = case when $2::text is null then null else 'model' end
       where id = $1 and space_id = ${this.S} and coalesce(caption_source, 'model') = 'model' returning 1`,
      [imageId, caption],
    );
    if (rows.length) await this.refreshDocs([imageId]);
    return rows.length > 0;
  }

  async markAnalyzed(imageId: string, analyzer: AnalyzerName, state: AnalyzerState) {
    await this.db.query(
      `update images set analyzed = jsonb_set(analyzed, $2::text[], $3::jsonb) where id = $1 and space_id = ${this.S}`,
      [imageId, [analyzer], JSON.stringify(state)],
    );
  }

  async imagesForAnalysis(q: {
    analyzer: AnalyzerName;
    missing: boolean;
    folder?: string | null;
    limit?: number;
    offset?: number;
  }) {
    const params: unknown[] = q.missing ? [q.analyzer] : [];
    const where = [
      ...(q.missing ? [`not (i.analyzed ? $1::text)`] : []),
      ...this.imageWhere({ folder: q.folder }, 'i', params),
    ];
    params.push(q.limit ?? null, q.offset ?? 0);
    const rows = await this.db.query<{ id: string }>(
      `select i.id from images i where ${where.join(' and ')} order by i.created_at, i.id limit $${params.length - 1} offset $${params.length}`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async analyzerCounts() {
    const rows = await this.db.query<{ analyzer: string; status: string; n: string | number }>(
      `select a.key as analyzer, a.value->>'status' as status, count(*) as n from images, jsonb_each(analyzed) a where space_id = ${this.S} group by 1, 2 order by 1, 2`,
    );
    const counts: Record<string, Record<string, number>> = {};
    for (const r of rows) (counts[r.analyzer] ??= {})[r.status] = Number(r.n);
    return counts;
  }

  /** Rebuilds the full-text document of images from caption, tags, OCR text, file names and folders. */
  async refreshDocs(ids: string[]) {
    if (!ids.length) return;
    this.invalidate(); // word frequencies follow the documents
    await this.db.query(
      `with joined as (
         select image_id, string_agg(regexp_replace(regexp_replace(path, '^.*/', ''), '[._-]+', ' ', 'g') || ' ' || replace(folder, '/', ' '), ' ') as names
         from image_paths where space_id = ${this.S} and image_id = any($1::uuid[]) group by image_id
       ), names as (
         select image_id, names, setweight(to_tsvector('${TEXT_CONFIG}', coalesce(names, '')), 'C') as vec from joined
       )
       update images i set
         doc = ${FIELD_SQL.caption} || ${FIELD_SQL.tags} || ${FIELD_SQL.labels} || ${FIELD_SQL.ocr} || n.vec,
         doc_text = lower(concat_ws(' ', i.caption, array_to_string(i.tags, ' '), array_to_string(i.label_words, ' '), i.ocr_text, n.names)),
         names_doc = n.vec
       from names n where n.image_id = i.id and i.space_id = ${this.S}`,
      [ids],
    );
  }

  async getEmbedding(imageId: string, model: string) {
    const rows = await this.db.query<{ v: string }>(
      `select embedding::text as v from embeddings e where e.image_id = $1::uuid and e.model = $2 and e.space_id = ${this.S}`,
      [imageId, model],
    );
    return rows[0] ? parseVector(rows[0].v) : null;
  }

  async setEmbedding(imageId: string, model: string, vector: Float32Array, kind: EmbeddingKind = 'clip') {
    this.invalidate();
    await this.ensureVectorIndex(model, vector.length);
    await this.db.query(
      `insert into embeddings (image_id, space_id, kind, model, dim, embedding)
       select id, space_id, $5, $2, $3, $4::halfvec from images where id = $1 and space_id = ${this.S}
       on conflict (image_id, kind, model) do update set dim = excluded.dim, embedding = excluded.embedding, created_at = now()`,
      [imageId, model, vector.length, vectorLiteral(vector), kind],
    );
  }

  async deleteEmbeddings(imageIds?: string[], kind: EmbeddingKind = 'clip') {
    this.invalidate();
    const rows = imageIds
      ? await this.db.query(
          `delete from embeddings e where kind = $2 and image_id = any($1::uuid[]) and e.space_id = ${this.S} returning 1`,
          [imageIds, kind],
        )
      : await this.db.query(`delete from embeddings e where kind = $1 and e.space_id = ${this.S} returning 1`, [kind]);
    return rows.length;
  }

  async distances(vector: Float32Array, model: string, imageIds: string[]) {
    if (!imageIds.length) return new Map<string, number>();
    const dim = int(vector.length);
    const rows = await this.db.query<{ image_id: string; d: number }>(
      `select image_id, embedding::vector(${dim}) <=> $1::vector(${dim}) as d from embeddings e
       where model = $2 and dim = ${dim} and image_id = any($3::uuid[]) and e.space_id = ${this.S}`,
      [vectorLiteral(vector), model, imageIds],
    );
    return new Map(rows.map((r) => [r.image_id, Number(r.d)]));
  }

  async imageExists(imageId: string) {
    if (!UUID.test(imageId)) return false;
    const rows = await this.db.query(`select 1 from images where id = $1::uuid and space_id = ${this.S}`, [imageId]);
    return rows.length > 0;
  }

  folderNames(): Promise<string[]> {
    return this.cached('folders', async () =>
      (
        await this.db.query<{ folder: string }>(`select distinct folder from image_paths where space_id = ${this.S}`)
      ).map((r) => r.folder),
    );
  }

  async folders() {
    const rows = await this.db.query<{ folder: string; n: string | number }>(
      `select folder, count(distinct image_id) as n from image_paths where space_id = ${this.S} group by folder order by folder`,
    );
    return Object.fromEntries(rows.map((r) => [r.folder, Number(r.n)]));
  }

  imageCount() {
    // Asked by every text search (IDF): cached like the other per-search answers.
    return this.cached('count', async () => {
      const [row] = await this.db.query<{ n: string | number }>(
        `select count(*) as n from images where space_id = ${this.S}`,
      );
      return Number(row.n);
    });
  }

  embeddingModels(kind: EmbeddingKind = 'clip'): Promise<ModelCount[]> {
    return this.cached(`models:${kind}`, async () => {
      const rows = await this.db.query<{ model: string; dim: number; n: string | number }>(
        `select model, dim, count(*) as n from embeddings e where kind = $1 and e.space_id = ${this.S} group by model, dim order by model`,
        [kind],
      );
      return rows.map((r) => ({ model: r.model, dim: r.dim, count: Number(r.n) }));
    });
  }

  async allHashes() {
    const rows = await this.db.query<{ id: string; phash: string; paths: string[] }>(
      `select i.id, i.phash, array_agg(p.path order by p.path) as paths
       from images i join image_paths p on p.image_id = i.id where i.space_id = ${this.S} group by i.id, i.phash order by min(p.path)`,
    );
    return rows;
  }

  async getImages(ids: string[]): Promise<ImageDetails[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return [];
    const rows = await this.db.query<ImageRow>(
      `${IMAGE_SELECT} where i.space_id = ${this.S} and i.id = any($1::uuid[]) group by i.id`,
      [valid],
    );
    const byId = new Map(rows.map((r) => [r.id, toDetails(r)]));
    return valid.map((id) => byId.get(id)).filter((d): d is ImageDetails => d !== undefined);
  }

  async places(q: { folder?: string | null }) {
    const params: unknown[] = [];
    const where = [
      ...this.imageWhere({ folder: q.folder }, 'i', params),
      'i.gps_lat is not null',
      'i.gps_lon is not null',
    ];
    const rows = await this.db.query<{ country: string | null; count: number | string; lat: number; lon: number }>(
      `select i.country, count(*) as count, avg(i.gps_lat) as lat, avg(i.gps_lon) as lon from images i where ${where.join(' and ')} group by i.country order by count(*) desc`,
      params,
    );
    return rows.map((r) => ({ country: r.country, count: Number(r.count), lat: Number(r.lat), lon: Number(r.lon) }));
  }

  async timeline(q: { folder?: string | null }) {
    const params: unknown[] = [];
    const where = this.imageWhere({ folder: q.folder }, 'i', params);
    const rows = await this.db.query<{ month: string | null; count: number | string }>(
      `select to_char(i.taken_at at time zone 'UTC', 'YYYY-MM') as month, count(*) as count from images i where ${where.join(' and ')} group by 1 order by 1 desc nulls last`,
      params,
    );
    return {
      months: rows.filter((r) => r.month !== null).map((r) => ({ month: r.month!, count: Number(r.count) })),
      undated: Number(rows.find((r) => r.month === null)?.count ?? 0),
    };
  }

  async listImages(q: {
    folder?: string | null;
    limit: number;
    cursor?: string | null;
    order?: 'added' | 'taken';
    before?: string | null;
  }) {
    const params: unknown[] = [q.limit + 1]; // one more than shown, to know whether another page exists
    const where = this.imageWhere({ folder: q.folder }, 'i', params);
    // By date taken, images without one come last (as if taken in year 1); either way a keyset on (date, id).
    const key = q.order === 'taken' ? `coalesce(i.taken_at, '${UNDATED}'::timestamptz)` : 'i.created_at';
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !cursor)
      throw new LoupeError('BAD_ARGUMENT', {
        message: 'cursor is not one this server gave out (use nextCursor from the previous page)',
      });
    if (cursor) {
      params.push(cursor.createdAt, cursor.id);
      where.push(`(${key}, i.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    } else if (q.before) {
      if (Number.isNaN(Date.parse(q.before)))
        throw new LoupeError('BAD_ARGUMENT', { message: `before must be a date like 2021-03-01, not "${q.before}"` });
      params.push(q.before);
      where.push(`${key} < $${params.length}::timestamptz`);
    }
    const rows = await this.db.query<ImageRow & { sort_key: Date | string }>(
      `${IMAGE_SELECT.replace('select ', `select ${key} as sort_key, `)} where ${where.join(' and ')} group by i.id order by ${key} desc, i.id desc limit $1`,
      params,
    );
    const items = rows.slice(0, q.limit).map(toDetails);
    const last = rows.length > q.limit ? rows[q.limit - 1] : null;
    return { items, nextCursor: last ? encodeCursor(last.sort_key, last.id) : null };
  }

  async updateImage(id: string, patch: ImagePatch): Promise<ImageDetails | null> {
    this.invalidate();
    if (!isUuid(id)) return null;
    if (!(await this.imageExists(id))) return null;
    await this.db.transaction(async (tx) => {
      if (patch.caption !== undefined)
        await tx.query(`update images set caption = $2, caption_source = $3 where id = $1 and space_id = ${this.S}`, [
          id,
          patch.caption,
          patch.caption === null ? null : 'user',
        ]);
      if (patch.tags !== undefined)
        await tx.query(`update images set tags = $2 where id = $1 and space_id = ${this.S}`, [id, patch.tags]);
      if (patch.folder !== undefined)
        await tx.query(`update image_paths set folder = $2 where image_id = $1 and space_id = ${this.S}`, [
          id,
          patch.folder,
        ]);
    });
    await this.refreshDocs([id]);
    const [image] = await this.getImages([id]);
    return image ?? null;
  }

  async deleteImage(id: string): Promise<string | null> {
    this.invalidate();
    if (!isUuid(id)) return null;
    const rows = await this.db.query<{ sha256: string }>(
      `delete from images where id = $1 and space_id = ${this.S} returning sha256`,
      [id],
    );
    return rows[0]?.sha256 ?? null;
  }

  async close() {
    if (this.owner) await this.db.close();
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
  country: string | null;
  labels: ImageLabel[] | string | null;
  caption: string | null;
  caption_source: 'user' | 'model' | null;
  tags: string[];
  created_at: Date | string;
  paths: { path: string; folder: string }[] | null;
  ocr_text: string | null;
  analyzed: ImageDetails['analyzed'] | string | null;
}

const IMAGE_SELECT = `
  select i.id, i.sha256, i.phash, i.width, i.height, i.format, i.bytes, i.taken_at, i.camera, i.gps_lat, i.gps_lon, i.gps_alt, i.country, i.labels,
    i.caption, i.caption_source, i.tags, i.created_at, i.ocr_text, i.analyzed, coalesce(json_agg(json_build_object('path', p.path, 'folder', p.folder) order by p.path)
    filter (where p.path is not null), '[]') as paths
  from images i left join image_paths p on p.image_id = i.id`;

/** A timestamp column as ISO text (drivers give Dates or strings). */
export const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function toDetails(r: ImageRow): ImageDetails {
  const exif: ImageDetails['exif'] = {};
  if (r.taken_at) exif.takenAt = iso(r.taken_at);
  if (r.camera) exif.camera = r.camera;
  if (r.gps_lat !== null && r.gps_lon !== null)
    exif.gps = { lat: r.gps_lat, lon: r.gps_lon, ...(r.gps_alt !== null ? { alt: r.gps_alt } : {}) };
  if (r.country) exif.country = r.country;
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
    labels: typeof r.labels === 'string' ? JSON.parse(r.labels) : (r.labels ?? []),
    createdAt: iso(r.created_at),
    paths: typeof r.paths === 'string' ? JSON.parse(r.paths) : (r.paths ?? []),
    ocrText: r.ocr_text,
    analyzed: typeof r.analyzed === 'string' ? JSON.parse(r.analyzed) : (r.analyzed ?? {}),
  };
}

function encodeCursor(createdAt: Date | string, id: string): string {
  return Buffer.from(JSON.stringify([iso(createdAt), id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only what encodeCursor writes: an ISO instant that reads back to itself (no "1", no 2020-02-30, no year +275760).
    const exact =
      typeof createdAt === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(createdAt) &&
      new Date(createdAt).toISOString() === createdAt;
    return exact && typeof id === 'string' && isUuid(id) ? { createdAt, id } : null;
  } catch {
    return null;
  }
}

/** Text search configuration: English stemming ("cars" finds "car"), stop words dropped. */
const TEXT_CONFIG = 'english';
const ALL_FIELDS: TextField[] = ['caption', 'ocr', 'tags', 'labels', 'name'];
/** Each field's weighted tsvector; caption and tags weigh most (A), OCR text next (B), names last (C). */
const FIELD_SQL: Record<TextField, string> = {
  caption: `setweight(to_tsvector('${TEXT_CONFIG}', coalesce(i.caption, '')), 'A')`,
  tags: `setweight(to_tsvector('${TEXT_CONFIG}', array_to_string(i.tags, ' ')), 'A')`,
  // A detector's labels weigh as OCR text does: evidence, below what a person wrote.
  labels: `setweight(to_tsvector('${TEXT_CONFIG}', array_to_string(i.label_words, ' ')), 'B')`,
  ocr: `setweight(to_tsvector('${TEXT_CONFIG}', coalesce(i.ocr_text, '')), 'B')`,
  name: `coalesce(i.names_doc, ''::tsvector)`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** Many paths in one statement (each path at most once). */
function upsertPathsWith(db: SqlClient, spaceId: string, paths: ImagePath[]) {
  return db.query(
    `insert into image_paths (space_id, path, image_id, root, folder, size, mtime_ms, etag)
     select $1, r.path, r.image_id, r.root, r.folder, r.size, r.mtime_ms, r.etag
     from jsonb_to_recordset($2::jsonb) as r(path text, image_id uuid, root text, folder text, size bigint, mtime_ms float8, etag text)
     on conflict (space_id, path) do update set image_id = excluded.image_id, root = excluded.root, folder = excluded.folder,
       size = excluded.size, mtime_ms = excluded.mtime_ms, etag = excluded.etag`,
    [
      spaceId,
      JSON.stringify(
        paths.map((p) => ({
          path: p.path,
          image_id: p.imageId,
          root: p.root,
          folder: p.folder ?? '',
          size: p.size,
          mtime_ms: p.mtimeMs,
          etag: p.etag ?? null,
        })),
      ),
    ],
  );
}

/**
 * hnsw.ef_search for a library of n images. pgvector's 40 gave recall@10 0.94 at 100k clustered vectors; 100 gives
 * 0.98 there at the same p50. At 500k, two builds of the same data gave 0.87–0.91 at 100, 0.89–0.96 at 200,
 * 0.93–0.96 at 400 and 0.97 at 800 for ~4 ms more than 100 (bench/RESULTS.md, "scale"): HNSW graphs that size
 * vary from build to build, so the list grows with the library.
 */
export function efSearchFor(n: number, k: number): number {
  const byLibrary = n >= 500_000 ? 800 : n >= 250_000 ? 400 : 100;
  return Math.max(byLibrary, int(k) * 2);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

function upsertPathWith(db: SqlClient, spaceId: string, p: ImagePath) {
  return db.query(
    `insert into image_paths (space_id, path, image_id, root, folder, size, mtime_ms, etag) values ($7, $1, $2, $3, $4, $5, $6, $8)
     on conflict (space_id, path) do update set image_id = excluded.image_id, root = excluded.root, folder = excluded.folder,
       size = excluded.size, mtime_ms = excluded.mtime_ms, etag = excluded.etag`,
    [p.path, p.imageId, p.root, p.folder, p.size, p.mtimeMs, spaceId, p.etag ?? null],
  );
}

function toStoredPath(r: PathRow): StoredPath {
  return {
    path: r.path,
    imageId: r.image_id,
    root: r.root,
    folder: r.folder,
    size: Number(r.size),
    mtimeMs: Number(r.mtime_ms),
    sha256: r.sha256,
    etag: r.etag,
  };
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

/** What tag: and word search match a label by: its everyday word and the detector's, lower-cased. */
function labelWords(labels: ImageLabel[]): string[] {
  return [...new Set(labels.flatMap((l) => [l.label, l.raw]).map((w) => w.toLowerCase()))];
}
