/**
 * A persistent ChromaDB folder (`chroma.sqlite3`), read with sql.js (SQLite in WASM, nothing to build): the
 * collection's documents (captions) and metadata from its metadata segment, and its vectors from Chroma's
 * write-ahead log (`embeddings_queue`, float32 blobs), where Chroma keeps every record it was given.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { l2Normalize } from '../../core/scores.js';
import type { ImportPlan, ImportRow } from '../../ports/import-source.js';

export interface ChromaImportOptions {
  collection: string;
  /** The text embedder that made the vectors, as Loupe names it (the Flask + LLaVA demo: all-MiniLM-L6-v2). */
  model: string;
  /** The folder image paths in the metadata are relative to (an app's uploads folder). */
  root?: string;
}

/** Metadata keys that name an image, in the order they are tried. */
const PATH_KEYS = ['image_path', 'path', 'filepath', 'file_path', 'image', 'filename', 'file', 'source', 'uri'];
const DOCUMENT = 'chroma:document';
// embeddings_queue operations (chromadb/db/mixins/embeddings_queue.py): ADD, UPDATE, UPSERT, DELETE.
const DELETE = 3;

type Value = string | number | Uint8Array | null;

export async function chromaImportPlan(folder: string, o: ChromaImportOptions): Promise<ImportPlan> {
  const file = (await stat(folder).catch(() => null))?.isDirectory() ? path.join(folder, 'chroma.sqlite3') : folder;
  const bytes = await readFile(file).catch((e) => Promise.reject(new LoupeError('UNREADABLE', { path: file, reason: reasonOf(e) })));
  const SQL = await initSqlJs();
  let db;
  try {
    db = new SQL.Database(bytes);
    db.exec('select 1 from collections limit 0');
  } catch (e) {
    throw new LoupeError('BAD_ARGUMENT', { message: `${file} is not a Chroma database (${reasonOf(e)})` });
  }
  try {
    const all = (sql: string, params: Value[] = []) => {
      const s = db.prepare(sql);
      s.bind(params);
      const rows: Record<string, Value>[] = [];
      while (s.step()) rows.push(s.getAsObject() as Record<string, Value>);
      s.free();
      return rows;
    };
    const [collection] = all('select id, dimension from collections where name = ?', [o.collection]);
    if (!collection) {
      const names = all('select name from collections').map((r) => r.name);
      throw new LoupeError('NOT_FOUND', { what: `collection "${o.collection}" in ${file} (its collections: ${names.join(', ') || 'none'}; choose one with --collection)` });
    }
    const collectionId = String(collection.id);
    const [segment] = all(`select id from segments where collection = ? and scope = 'METADATA'`, [collectionId]);
    const records = segment ? all('select id, embedding_id from embeddings where segment_id = ? order by id', [String(segment.id)]) : [];
    const metadata = new Map<number, Record<string, Value>>();
    for (const m of all(
      `select m.id, m.key, coalesce(m.string_value, m.int_value, m.float_value, m.bool_value) as value
       from embedding_metadata m join embeddings e on e.id = m.id where e.segment_id = ?`,
      [String(segment?.id ?? '')],
    )) {
      const entry = metadata.get(Number(m.id)) ?? {};
      entry[String(m.key)] = m.value;
      metadata.set(Number(m.id), entry);
    }
    // The latest vector of each record, from the log (a topic per collection).
    const vectors = new Map<string, Float32Array | null>();
    for (const q of all(`select id, operation, vector, encoding from embeddings_queue where topic like ? order by seq_id`, [`%${collectionId}`])) {
      const id = String(q.id);
      if (Number(q.operation) === DELETE) vectors.delete(id);
      else if (q.vector instanceof Uint8Array && (q.encoding ?? 'FLOAT32') === 'FLOAT32') vectors.set(id, new Float32Array(q.vector.slice().buffer));
    }
    const unmapped: ImportPlan['unmapped'] = [];
    const rows: ImportRow[] = [];
    let withoutVector = 0;
    const base = o.root ?? path.dirname(path.resolve(file));
    for (const r of records) {
      const id = String(r.embedding_id);
      const meta = metadata.get(Number(r.id)) ?? {};
      const where = PATH_KEYS.map((k) => meta[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
      if (!where) {
        unmapped.push({ sourceId: `id ${id}`, reason: `its metadata names no image (${PATH_KEYS.join(', ')})` });
        continue;
      }
      const vector = vectors.get(id);
      if (!vector) withoutVector++;
      rows.push({
        sourceId: `id ${id}`,
        image: where.startsWith('s3://') || path.isAbsolute(where) ? where : path.resolve(base, where),
        caption: typeof meta[DOCUMENT] === 'string' ? (meta[DOCUMENT] as string) : null,
        ...(vector ? { captionVector: l2Normalize(vector) } : {}),
      });
    }
    const dim = Number(collection.dimension) || rows.find((r) => r.captionVector)?.captionVector?.length || 0;
    return {
      source: `Chroma collection "${o.collection}" in ${file} (${records.length} records of ${dim} dimensions)`,
      text: { model: o.model, dim },
      rows,
      unmapped,
      notes: withoutVector ? [`${withoutVector} records' vectors are no longer in Chroma's log (purged after indexing): their captions are imported without them`] : [],
    };
  } finally {
    db.close();
  }
}
