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
  const bytes = await readFile(file).catch((e) =>
    Promise.reject(new LoupeError('UNREADABLE', { path: file, reason: reasonOf(e) })),
  );
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
        throw new LoupeError('BAD_ARGUMENT', {
          message: `${file}: the Chroma database cannot be read (${reasonOf(e)}); copy it again from the running app, or point at its backup`,
        });
      }
    };
    const [collection] = all('select id, dimension from collections where name = ?', [o.collection]);
    if (!collection) {
      const names = all('select name from collections').map((r) => r.name);
      throw new LoupeError('NOT_FOUND', {
        what: `collection "${o.collection}" in ${file} (its collections: ${names.join(', ') || 'none'}; choose one with --collection)`,
      });
    }
    const collectionId = String(collection.id);
    const [segment] = all(`select id from segments where collection = ? and scope = 'METADATA'`, [collectionId]);
    const records = segment
      ? all('select id, embedding_id from embeddings where segment_id = ? order by id', [String(segment.id)])
      : [];
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
    const vectors = vectorSegment
      ? await hnswVectors(path.join(path.dirname(file), String(vectorSegment.id)))
      : new Map<string, Float32Array>();
    for (const q of all(
      `select id, operation, vector, encoding from embeddings_queue where topic like ? order by seq_id`,
      [`%${collectionId}`],
    )) {
      const id = String(q.id);
      if (Number(q.operation) === DELETE) vectors.delete(id);
      // A blob that is not a whole number of floats is not a vector: that record keeps whatever it had.
      else if (
        q.vector instanceof Uint8Array &&
        (q.encoding ?? 'FLOAT32') === 'FLOAT32' &&
        q.vector.length % 4 === 0 &&
        q.vector.length > 0
      )
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
      notes: withoutVector
        ? [
            `${withoutVector} records have no vector in the log or the HNSW segment: their captions are imported without one`,
          ]
        : [],
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
  const [header, data, pickle] = await Promise.all(
    ['header.bin', 'data_level0.bin', 'index_metadata.pickle'].map((f) =>
      readFile(path.join(dir, f)).catch(() => null),
    ),
  );
  const out = new Map<string, Float32Array>();
  if (!header || !data || !pickle) return out;
  const bad = (why: string) =>
    new LoupeError('BAD_ARGUMENT', { message: `${dir}: not a Chroma HNSW segment Loupe can read (${why})` });
  if (header.length < HNSW_HEADER_BYTES)
    throw bad(`header.bin is ${header.length} bytes, shorter than hnswlib's ${HNSW_HEADER_BYTES}`);
  const u64 = (at: number) => Number(header.readBigUInt64LE(at));
  // version (u32), offsetLevel0, max_elements, cur_element_count, size_data_per_element, label_offset, offset_data (u64 each)
  const [count, size, labelOffset, dataOffset] = [u64(20), u64(28), u64(36), u64(44)];
  const dim = (labelOffset - dataOffset) / 4;
  // Every size the header claims is checked against the files before anything is allocated or looped over.
  if (!Number.isInteger(dim) || dim <= 0 || dim > MAX_EMBEDDING_DIM) throw bad(`a vector of ${dim} numbers`);
  if (size < labelOffset + 8 || !(count >= 0) || count > Math.floor(data.length / size))
    throw bad(`${count} elements of ${size} bytes in a ${data.length}-byte data_level0.bin`);
  // pickleparser's integers cost more than quadratic time in their length: a label map is small, so a big pickle is refused.
  if (pickle.length > PICKLE_BASE_BYTES + PICKLE_BYTES_PER_ELEMENT * count)
    throw bad(`index_metadata.pickle is ${pickle.length} bytes for ${count} elements`);
  const unexpected = unexpectedPickleOp(pickle);
  if (unexpected) throw bad(`index_metadata.pickle: ${unexpected}`);
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

/**
 * Bytes each pickle opcode a Chroma label map can use takes after it (a function for those that say their own
 * length). Everything else is refused before unpickling: LONG4 above all, since pickleparser decodes it in more than
 * quadratic time (a 1 MB one ran for minutes), while labels fit LONG1's 255 bytes.
 */
const PICKLE_OPS: Record<number, number | ((b: Buffer, at: number) => number)> = {
  0x80: 1, // PROTO
  0x95: 8, // FRAME
  0x8c: (b, at) => 1 + b[at], // SHORT_BINUNICODE
  0x58: (b, at) => 4 + b.readUInt32LE(at), // BINUNICODE
  0x8d: (b, at) => 8 + Number(b.readBigUInt64LE(at)), // BINUNICODE8
  0x43: (b, at) => 1 + b[at], // SHORT_BINBYTES
  0x42: (b, at) => 4 + b.readUInt32LE(at), // BINBYTES
  0x8a: (b, at) => 1 + b[at], // LONG1
  0x4a: 4, // BININT
  0x4b: 1, // BININT1
  0x4d: 2, // BININT2
  0x47: 8, // BINFLOAT
  0x94: 0, // MEMOIZE
  0x71: 1, // BINPUT
  0x72: 4, // LONG_BINPUT
  0x68: 1, // BINGET
  0x6a: 4, // LONG_BINGET
  0x93: 0, // STACK_GLOBAL
  0x63: (b, at) => lineEnd(b, lineEnd(b, at)) - at, // GLOBAL: module and name, each ended by a newline
  0x29: 0, // EMPTY_TUPLE
  0x85: 0, // TUPLE1
  0x86: 0, // TUPLE2
  0x87: 0, // TUPLE3
  0x74: 0, // TUPLE
  0x81: 0, // NEWOBJ
  0x52: 0, // REDUCE
  0x62: 0, // BUILD
  0x7d: 0, // EMPTY_DICT
  0x5d: 0, // EMPTY_LIST
  0x8f: 0, // EMPTY_SET
  0x90: 0, // ADDITEMS
  0x28: 0, // MARK
  0x73: 0, // SETITEM
  0x75: 0, // SETITEMS
  0x61: 0, // APPEND
  0x65: 0, // APPENDS
  0x64: 0, // DICT
  0x6c: 0, // LIST
  0x4e: 0, // NONE
  0x88: 0, // NEWTRUE
  0x89: 0, // NEWFALSE
  0x2e: 0, // STOP
};
const lineEnd = (b: Buffer, at: number) => {
  const nl = b.indexOf(0x0a, at);
  return nl < 0 ? b.length + 1 : nl + 1;
};

/** Why this pickle is not a label map to unpickle (an opcode no label map uses, or one running past the end), or null. */
function unexpectedPickleOp(b: Buffer): string | null {
  let at = 0;
  while (at < b.length) {
    const op = b[at++];
    const size = PICKLE_OPS[op];
    if (size === undefined) return `opcode 0x${op.toString(16)} at byte ${at - 1}, which a label map does not use`;
    if (op === 0x2e) return null;
    let skip = Infinity;
    try {
      skip = typeof size === 'number' ? size : size(b, at);
    } catch {
      // a length field cut short by the end of the file
    }
    if (!(at + skip <= b.length)) return `opcode 0x${op.toString(16)} at byte ${at - 1} runs past the end`;
    at += skip;
  }
  return 'no STOP opcode';
}
