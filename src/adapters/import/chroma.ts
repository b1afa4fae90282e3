/**
 * A persistent ChromaDB folder, read as Chroma leaves it: `chroma.sqlite3` (with sql.js: SQLite in WASM, nothing
 * to build) holds the collection's records, documents (captions) and metadata, and the newest vectors in its
 * write-ahead log (`embeddings_queue`, float32 blobs); older vectors, purged from the log once indexed, live in
 * the collection's HNSW segment folder (hnswlib's level-0 data, and a pickle mapping hnswlib labels to ids).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Parser as PickleParser } from 'pickleparser';
import initSqlJs from 'sql.js';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { MAX_EMBEDDING_DIM, l2Normalize } from '../../core/scores.js';
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

/** hnswlib's header up to offset_data; no embedding model has more numbers than MAX_EMBEDDING_DIM. */
const HNSW_HEADER_BYTES = 52;
/** A label → id pickle holds ~50 bytes per element; anything far past that is not one. */
const PICKLE_BASE_BYTES = 64 * 1024;
const PICKLE_BYTES_PER_ELEMENT = 256;

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
      try {
        const s = db.prepare(sql);
        s.bind(params);
        const rows: Record<string, Value>[] = [];
        while (s.step()) rows.push(s.getAsObject() as Record<string, Value>);
        s.free();
        return rows;
      } catch (e) {
        // A database damaged past its first pages fails only when those pages are read.
        throw new LoupeError('BAD_ARGUMENT', { message: `${file}: the Chroma database cannot be read (${reasonOf(e)}); copy it again from the running app, or point at its backup` });
      }
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
    // Each record's vector: from the HNSW segment, then the log's newer writes (a topic per collection).
    const [vectorSegment] = all(`select id from segments where collection = ? and scope = 'VECTOR'`, [collectionId]);
    const vectors = vectorSegment ? await hnswVectors(path.join(path.dirname(file), String(vectorSegment.id))) : new Map<string, Float32Array>();
    for (const q of all(`select id, operation, vector, encoding from embeddings_queue where topic like ? order by seq_id`, [`%${collectionId}`])) {
      const id = String(q.id);
      if (Number(q.operation) === DELETE) vectors.delete(id);
      // A blob that is not a whole number of floats is not a vector: that record keeps whatever it had.
      else if (q.vector instanceof Uint8Array && (q.encoding ?? 'FLOAT32') === 'FLOAT32' && q.vector.length % 4 === 0 && q.vector.length > 0)
        vectors.set(id, new Float32Array(q.vector.slice().buffer));
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
      notes: withoutVector ? [`${withoutVector} records have no vector in the log or the HNSW segment: their captions are imported without one`] : [],
      root: path.resolve(base),
    };
  } finally {
    db.close();
  }
}

/**
 * The vectors of a Chroma HNSW segment folder, by record id. hnswlib's layout as Chroma writes it: header.bin
 * (a format version, then hnswlib's sizes and offsets), data_level0.bin (per element: its level-0 links, the
 * vector, the label), and index_metadata.pickle (label → id). Missing files mean nothing was indexed yet.
 */
export async function hnswVectors(dir: string): Promise<Map<string, Float32Array>> {
  const [header, data, pickle] = await Promise.all(['header.bin', 'data_level0.bin', 'index_metadata.pickle'].map((f) => readFile(path.join(dir, f)).catch(() => null)));
  const out = new Map<string, Float32Array>();
  if (!header || !data || !pickle) return out;
  const bad = (why: string) => new LoupeError('BAD_ARGUMENT', { message: `${dir}: not a Chroma HNSW segment Loupe can read (${why})` });
  if (header.length < HNSW_HEADER_BYTES) throw bad(`header.bin is ${header.length} bytes, shorter than hnswlib's ${HNSW_HEADER_BYTES}`);
  const u64 = (at: number) => Number(header.readBigUInt64LE(at));
  // version (u32), offsetLevel0, max_elements, cur_element_count, size_data_per_element, label_offset, offset_data (u64 each)
  const [count, size, labelOffset, dataOffset] = [u64(20), u64(28), u64(36), u64(44)];
  const dim = (labelOffset - dataOffset) / 4;
  // Every size the header claims is checked against the files before anything is allocated or looped over.
  if (!Number.isInteger(dim) || dim <= 0 || dim > MAX_EMBEDDING_DIM) throw bad(`a vector of ${dim} numbers`);
  if (size < labelOffset + 8 || !(count >= 0) || count > Math.floor(data.length / size)) throw bad(`${count} elements of ${size} bytes in a ${data.length}-byte data_level0.bin`);
  // pickleparser's integers cost more than quadratic time in their length: a label map is small, so a big pickle is refused.
  if (pickle.length > PICKLE_BASE_BYTES + PICKLE_BYTES_PER_ELEMENT * count) throw bad(`index_metadata.pickle is ${pickle.length} bytes for ${count} elements`);
  let meta: { label_to_id?: unknown };
  try {
    meta = new PickleParser().parse(pickle) as { label_to_id?: unknown };
  } catch (e) {
    throw bad(`index_metadata.pickle: ${reasonOf(e)}`);
  }
  const labels = meta?.label_to_id;
  if (!labels || typeof labels !== 'object') throw bad('index_metadata.pickle has no label_to_id map');
  for (let e = 0; e < count; e++) {
    const at = e * size;
    const id = (labels as Record<string, unknown>)[String(Number(data.readBigUInt64LE(at + labelOffset)))];
    if (typeof id !== 'string') continue;
    const v = new Float32Array(dim);
    for (let j = 0; j < dim; j++) v[j] = data.readFloatLE(at + dataOffset + j * 4);
    if (v.every(Number.isFinite) && v.some((x) => x !== 0)) out.set(id, v);
  }
  return out;
}
