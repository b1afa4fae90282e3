/**
 * FAISS index files, read directly: the format is the fields of each index class in order, after a four-character
 * code naming the class (faiss/impl/index_read.cpp). Flat indexes (IndexFlatIP "IxFI", IndexFlatL2 "IxF2") and
 * IndexIDMap / IndexIDMap2 ("IxMp" / "IxM2") around them hold the vectors themselves, which is what moving in needs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImportPlan, ImportRow } from '../../ports/import-source.js';
import { LoupeError, reasonOf } from '../../core/errors.js';
import { MAX_EMBEDDING_DIM, l2Normalize } from '../../core/scores.js';

export interface FaissIndex {
  type: 'IndexFlatIP' | 'IndexFlatL2';
  dim: number;
  metric: 'inner product' | 'L2';
  /** One vector per row, as stored (not normalised). */
  vectors: Float32Array[];
  /** IndexIDMap's external id of each row; null without a map. */
  ids: bigint[] | null;
}

const FLAT: Record<string, FaissIndex['type']> = { IxFI: 'IndexFlatIP', IxF2: 'IndexFlatL2' };
const MIN_DIM = 16;

/** @param name for error messages */
export function parseFaissIndex(bytes: Buffer, name: string): FaissIndex {
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `${name}: the FAISS index ends inside its ${what} (truncated?)`,
      });
  };
  const fourcc = () => (need(4, 'type code'), bytes.toString('latin1', at, (at += 4)));
  const i32 = () => (need(4, 'header'), (at += 4), bytes.readInt32LE(at - 4));
  const i64 = () => (need(8, 'header'), (at += 8), bytes.readBigInt64LE(at - 8));
  const header = () => {
    const dim = i32();
    const ntotal = Number(i64());
    i64(); // two fields FAISS no longer uses
    i64();
    need(1, 'header');
    at += 1; // is_trained
    const metric = i32();
    if (metric > 1) at += 4; // metric_arg
    if (dim <= 0 || dim > MAX_EMBEDDING_DIM || !(ntotal >= 0))
      throw new LoupeError('BAD_ARGUMENT', {
        message: `${name}: not a FAISS index (dimension ${dim}, ${ntotal} vectors)`,
      });
    // Image embeddings have hundreds of numbers: a "vector" of a few is not one, and millions of them would fill memory.
    if (dim < MIN_DIM)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `${name}: vectors of ${dim} numbers are not image embeddings (CLIP's have 512 or more)`,
      });
    return { dim, ntotal, metric };
  };
  const readIndex = (inMap = false): FaissIndex => {
    const code = fourcc();
    if (code === 'IxMp' || code === 'IxM2') {
      // An id map holds one flat index; maps inside maps are refused rather than read (or recursed) without end.
      if (inMap)
        throw new LoupeError('BAD_ARGUMENT', {
          message: `${name}: an IndexIDMap inside an IndexIDMap is not a layout FAISS writes for flat indexes`,
        });
      header();
      const inner = readIndex(true);
      const n = Number(i64());
      need(n * 8, 'id map');
      const ids = Array.from({ length: n }, (_, i) => bytes.readBigInt64LE(at + i * 8));
      at += n * 8;
      if (n !== inner.vectors.length)
        throw new LoupeError('BAD_ARGUMENT', {
          message: `${name}: the id map has ${n} ids for ${inner.vectors.length} vectors`,
        });
      return { ...inner, ids };
    }
    const type = FLAT[code];
    if (!type)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `${name}: FAISS index type "${code.replace(/[^\x20-\x7e]/g, '?')}" is not supported: Loupe reads IndexFlatIP, IndexFlatL2 and IndexIDMap around them (compressed indexes such as IVF-PQ or HNSW no longer hold the original vectors; export them with index.reconstruct_n into an IndexFlat first)`,
      });
    const { dim, ntotal, metric } = header();
    const floats = Number(i64());
    if (floats !== dim * ntotal)
      throw new LoupeError('BAD_ARGUMENT', {
        message: `${name}: ${floats} numbers stored for ${ntotal} vectors of ${dim}`,
      });
    need(floats * 4, 'vectors');
    // One copy of all the numbers; each row is a view of it (the file's size bounds what is allocated).
    const all = new Float32Array(floats);
    for (let k = 0; k < floats; k++) all[k] = bytes.readFloatLE(at + k * 4);
    const vectors = Array.from({ length: ntotal }, (_, i) => all.subarray(i * dim, (i + 1) * dim));
    at += floats * 4;
    return { type, dim, metric: metric === 0 ? 'inner product' : 'L2', vectors, ids: null };
  };
  return readIndex();
}

/** One metadata entry per vector, as image-search demos write it: where the image is, and its folder. */
interface MetadataEntry {
  s3_path?: string;
  path?: string;
  image_path?: string;
  file?: string;
  folder?: string;
}

export interface FaissImportOptions {
  /** The model that made the vectors (default: OpenAI CLIP ViT-B/32, the space of Loupe's default model). */
  model: string;
  /** A local mirror of the bucket: s3://bucket/key is read from ROOT/key (else ROOT/<file name>). */
  root?: string;
}

export async function faissImportPlan(
  indexFile: string,
  metadataFile: string,
  o: FaissImportOptions,
): Promise<ImportPlan> {
  const read = (file: string) =>
    readFile(file).catch((e) => Promise.reject(new LoupeError('UNREADABLE', { path: file, reason: reasonOf(e) })));
  const index = parseFaissIndex(await read(indexFile), indexFile);
  let metadata: unknown;
  try {
    metadata = JSON.parse((await read(metadataFile)).toString('utf8'));
  } catch (e) {
    if (e instanceof LoupeError) throw e;
    throw new LoupeError('BAD_ARGUMENT', { message: `${metadataFile}: not JSON (${reasonOf(e)})` });
  }
  if (!metadata || typeof metadata !== 'object')
    throw new LoupeError('BAD_ARGUMENT', {
      message: `${metadataFile}: the metadata must be a JSON list, or an object by id, of {s3_path, folder}`,
    });
  const entries: Record<string, MetadataEntry> = Array.isArray(metadata)
    ? Object.fromEntries(metadata.map((m, i) => [String(i), m]))
    : (metadata as Record<string, MetadataEntry>);
  // With an id map, an entry is found by the row's id when the metadata is keyed (or listed) by those ids, else by row.
  const byId = index.ids !== null;
  const keyOf = (row: number) => (byId ? String(index.ids![row]) : String(row));
  const unmapped: ImportPlan['unmapped'] = [];
  const rows: ImportRow[] = [];
  const base = path.dirname(path.resolve(metadataFile));
  index.vectors.forEach((v, row) => {
    const entry: unknown = entries[keyOf(row)];
    const fields = entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as MetadataEntry) : null;
    const where =
      fields &&
      [fields.s3_path, fields.path, fields.image_path, fields.file].find((w) => w !== undefined && w !== null);
    const sourceId = `row ${row}`;
    if (typeof where !== 'string' || !where) {
      const reason = !entry
        ? 'no metadata entry for it'
        : !fields
          ? 'its metadata entry is not an object'
          : where === undefined
            ? 'its metadata names no image (s3_path, path, image_path or file)'
            : 'its image path is not text';
      return void unmapped.push({ sourceId, reason });
    }
    if (!v.every(Number.isFinite) || !v.some((x) => x !== 0))
      return void unmapped.push({ sourceId, reason: 'its vector is all zeros or holds NaN or infinity' });
    rows.push({
      sourceId,
      image: locate(where, o.root, base),
      folder: cleanFolderName(fields!.folder),
      clipVector: l2Normalize(v),
    });
  });
  const extra = Object.keys(entries).length - index.vectors.length;
  if (extra > 0) unmapped.push({ sourceId: 'metadata', reason: `${extra} metadata entries have no vector` });
  return {
    source: `FAISS ${index.type} (${index.vectors.length} vectors of ${index.dim}, ${index.metric}${index.ids ? ', with an id map' : ''})`,
    clip: { model: o.model, dim: index.dim },
    rows,
    unmapped,
    root: o.root ? path.resolve(o.root) : base,
  };
}

/** A folder as the metadata names it, as a relative folder name: text only, no "..", no leading slash. */
function cleanFolderName(folder: unknown): string {
  if (typeof folder !== 'string') return '';
  return folder
    .split(/[\\/]+/)
    .filter((part) => part && part !== '.' && part !== '..')
    .join('/');
}

/** An s3:// URL stays one unless a local mirror is given; a relative path is relative to the metadata file. */
function locate(where: string, root: string | undefined, base: string): string {
  const s3 = /^s3:\/\/[^/]+\/(.+)$/.exec(where);
  if (root) return path.resolve(root, s3 ? s3[1] : where.replace(/^\/+/, ''));
  if (s3 || path.isAbsolute(where)) return where;
  return path.resolve(base, where);
}
