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
  const db = await openPostgres(url, { poolSize: 1, statementTimeoutMs: 0 }).catch((e) => Promise.reject(new LoupeError('DATABASE_UNAVAILABLE', { url: redact(url), reason: reasonOf(e) })));
  try {
    const [schema, table] = o.table.includes('.') ? o.table.split('.', 2) : [null, o.table];
    const columns = (
      await db.query<{ column_name: string }>(`select column_name from information_schema.columns where table_name = $1 and ($2::text is null or table_schema = $2) order by ordinal_position`, [
        table,
        schema,
      ])
    ).map((c) => c.column_name);
    if (!columns.length) throw new LoupeError('NOT_FOUND', { what: `table ${o.table} in ${redact(url)}` });
    const has = (c: string) => columns.includes(c);
    const pathColumn = o.pathColumn ?? PATH_COLUMNS.find(has);
    const missing = [o.vectorColumn, o.captionColumn, pathColumn ?? '(a path column)', ...(o.idColumn ? [o.idColumn] : [])].filter((c) => !has(c));
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
      const vector = r.v ? Float32Array.from(JSON.parse(r.v) as number[]) : null;
      if (vector) dim ||= vector.length;
      const image = r.image ? locate(r.image, o.root) : null;
      if (r.image && !image) unmapped.push({ sourceId, reason: `${r.image} is a URL: download the images and give their folder with --root` });
      else planned.push({ sourceId, image, caption: r.caption, ...(vector ? { captionVector: l2Normalize(vector) } : {}) });
    });
    return { source: `pgvector table ${o.table} (${rows.length} rows, ${pathColumn} / ${o.captionColumn} / ${o.vectorColumn})`, text: { model: o.model, dim }, rows: planned, unmapped };
  } finally {
    await db.close();
  }
}

/** A file path as it is (relative ones under --root); a URL only by its file name under --root. */
function locate(where: string, root: string | undefined): string | null {
  if (/^https?:\/\//i.test(where)) return root ? path.resolve(root, decodeURIComponent(new URL(where).pathname.split('/').pop() ?? '')) : null;
  if (where.startsWith('s3://') || path.isAbsolute(where)) return where;
  return path.resolve(root ?? '.', where);
}
