/**
 * A pgvector table of image posts, as LlamaIndex or a SQLAlchemy app writes it: a row per image with its path or
 * URL, a caption, and the caption's text embedding (OpenAI text-embedding-3-small, 1536 numbers, by default).
 */
import path from 'node:path';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { l2Normalize } from '../../core/scores.js';
import type { ImportPlan, ImportRow } from '../../ports/import-source.js';
import { openPostgres, redact } from '../pg/pg-client.js';

export interface PgvectorImportOptions {
  table: string;
  vectorColumn: string;
  captionColumn: string;
  /** Default: the first of image_path, path, image_url, url, file_path, filename, image that the table has. */
  pathColumn?: string;
  idColumn?: string;
  /** The text embedder that made the vectors, as Loupe names it. */
  model: string;
  /** Where images named by URL or by a bare file name are, as files. */
  root?: string;
}

const PATH_COLUMNS = ['image_path', 'path', 'image_url', 'url', 'file_path', 'filename', 'image'];
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function pgvectorImportPlan(url: string, o: PgvectorImportOptions): Promise<ImportPlan> {
  const db = await openPostgres(url, { poolSize: 1, statementTimeoutMs: 0 }).catch((e) =>
    Promise.reject(new LoupeError('DATABASE_UNAVAILABLE', { url: redact(url), reason: reasonOf(e) })),
  );
  try {
    const parts = o.table.split('.');
    if (parts.length > 2 || parts.some((p) => !p))
      throw new LoupeError('BAD_ARGUMENT', { message: `--table ${o.table}: name a table as TABLE or SCHEMA.TABLE` });
    const table = parts.at(-1)!;
    // Unqualified, the table is the one PostgreSQL itself would find first on the search path (not every schema's).
    const schema =
      parts.length === 2
        ? parts[0]
        : ((
            await db.query<{ table_schema: string }>(
              `select table_schema from information_schema.tables where table_name = $1 and table_schema = any(current_schemas(false))
               order by array_position(current_schemas(false), table_schema::name) limit 1`,
              [table],
            )
          )[0]?.table_schema ?? null);
    const columns = (
      await db.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_name = $1 and table_schema = $2 order by ordinal_position`,
        [table, schema],
      )
    ).map((c) => c.column_name);
    if (!columns.length) throw new LoupeError('NOT_FOUND', { what: `table ${o.table} in ${redact(url)}` });
    const has = (c: string) => columns.includes(c);
    const pathColumn = o.pathColumn ?? PATH_COLUMNS.find(has);
    const missing = [
      o.vectorColumn,
      o.captionColumn,
      pathColumn ?? '(a path column)',
      ...(o.idColumn ? [o.idColumn] : []),
    ].filter((c) => !has(c));
    if (missing.length || !pathColumn)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `${o.table} has no column ${missing.join(', ')} (its columns: ${columns.join(', ')}); name them with --vector-column, --caption-column, --path-column, --id-column`,
      });
    const id = o.idColumn ?? (has('id') ? 'id' : null);
    const rows = await db.query<{ id: unknown; image: string | null; caption: string | null; v: string | null }>(
      `select ${id ? quote(id) : 'null'} as id, ${quote(pathColumn)}::text as image, ${quote(o.captionColumn)}::text as caption, ${quote(o.vectorColumn)}::text as v
       from ${schema ? `${quote(schema)}.` : ''}${quote(table)} ${id ? `order by ${quote(id)}` : ''}`,
    );
    const unmapped: ImportPlan['unmapped'] = [];
    const planned: ImportRow[] = [];
    let dim = 0;
    rows.forEach((r, i) => {
      const sourceId = r.id === null || r.id === undefined ? `row ${i}` : `${id} ${String(r.id)}`;
      const vector = r.v ? vectorOf(r.v) : null;
      if (r.v && !vector)
        return void unmapped.push({ sourceId, reason: `its ${o.vectorColumn} is not a list of finite numbers` });
      if (vector) dim ||= vector.length;
      const image = r.image ? locate(r.image, o.root) : null;
      if (r.image && !image)
        unmapped.push({
          sourceId,
          reason: o.root
            ? `${r.image} names no file (a bad %-escape, or no file name)`
            : `${r.image} is a URL: download the images and give their folder with --root`,
        });
      else
        planned.push({
          sourceId,
          image,
          caption: r.caption,
          ...(vector ? { captionVector: l2Normalize(vector) } : {}),
        });
    });
    return {
      source: `pgvector table ${o.table} (${rows.length} rows, ${pathColumn} / ${o.captionColumn} / ${o.vectorColumn})`,
      text: { model: o.model, dim },
      rows: planned,
      unmapped,
      // A table has no folder of its own: its paths are read under --root, else under the folder Loupe runs in.
      root: path.resolve(o.root ?? '.'),
    };
  } finally {
    await db.close();
  }
}

/** pgvector's text form of a vector ("[1,2,3]"), or null when it is not one of finite, not all zero, numbers. */
function vectorOf(text: string): Float32Array | null {
  try {
    const values: unknown = JSON.parse(text);
    if (
      !Array.isArray(values) ||
      !values.length ||
      !values.every((x) => typeof x === 'number' && Number.isFinite(x)) ||
      values.every((x) => x === 0)
    )
      return null;
    return Float32Array.from(values as number[]);
  } catch {
    return null;
  }
}

/** A file path as it is (relative ones under --root); a URL only by its file name (decoded, no folders) under --root. */
function locate(where: string, root: string | undefined): string | null {
  if (/^https?:\/\//i.test(where)) {
    if (!root) return null;
    let name: string;
    try {
      name = path.basename(decodeURIComponent(new URL(where).pathname.split('/').pop() ?? '').replace(/\\/g, '/'));
    } catch {
      return null; // a bad % escape or not a URL: reported as unmapped
    }
    return name && name !== '.' && name !== '..' ? path.resolve(root, name) : null;
  }
  if (where.startsWith('s3://') || path.isAbsolute(where)) return where;
  return path.resolve(root ?? '.', where);
}
