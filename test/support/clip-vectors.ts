/**
 * Real CLIP outputs from ../shared/datasets/clip-vectors (see its README): OpenAI CLIP ViT-B/32 image and caption
 * vectors of 1000 Flickr8k photos, and ViT-B/16 ones of 500 COCO photos. No weights and no images: what a trained
 * CLIP says, for designing and testing ranking, the similarity % and cutoffs.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'npyjs';
import { l2Normalize } from '../../src/core/scores.js';
import { SHARED } from './fixtures.js';

export const CLIP_VECTORS = path.join(SHARED, 'datasets/clip-vectors');

export interface ClipVectorSet {
  name: string;
  /** The hub id of the model that made them. */
  model: string;
  /** Unit image vectors, one per photo. */
  images: Float32Array[];
  /** Unit text vectors of `query[i]`, the caption encoded for photo i. */
  texts: Float32Array[];
  /** The caption that was encoded for photo i. */
  query: string[];
  /** Other captions of photo i, written by other people (Flickr8k has 4 more; the COCO set none). */
  others: string[][];
  /** The photo's file name in its dataset. */
  file: string[];
}

async function npy(file: string) {
  const bytes = await readFile(file);
  return parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const rowsOf = (data: Float32Array, n: number, dim: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => l2Normalize(data.subarray(offset + i * dim, offset + (i + 1) * dim)));
const jsonl = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** Whether the folder is there; tests and benches say loudly when it is not. */
export const haveClipVectors = () =>
  access(path.join(CLIP_VECTORS, 'flickr8k-val/image_embs.npy')).then(
    () => true,
    () => false,
  );

export async function flickr8kVitB32(): Promise<ClipVectorSet> {
  const dir = path.join(CLIP_VECTORS, 'flickr8k-val');
  const [im, tx, rows] = await Promise.all([
    npy(path.join(dir, 'image_embs.npy')),
    npy(path.join(dir, 'text_embs.npy')),
    jsonl(path.join(dir, 'rows.jsonl')),
  ]);
  const [n, dim] = im.shape;
  return {
    name: 'Flickr8k val, ViT-B/32',
    model: 'openai/clip-vit-base-patch32',
    images: rowsOf(im.data as Float32Array, n, dim),
    texts: rowsOf(tx.data as Float32Array, n, dim),
    query: rows.map((r: { captions: string[] }) => r.captions[0]),
    others: rows.map((r: { captions: string[] }) => r.captions.slice(1)),
    file: rows.map((r: { image: string }) => r.image),
  };
}

export async function cocoVitB16(): Promise<ClipVectorSet> {
  const dir = path.join(CLIP_VECTORS, 'coco-val2017-500-vitb16');
  const [f, rows] = await Promise.all([npy(path.join(dir, 'features.npy')), jsonl(path.join(dir, 'rows.jsonl'))]);
  const [, n, dim] = f.shape;
  return {
    name: 'COCO val2017 500, ViT-B/16',
    model: 'openai/clip-vit-base-patch16',
    images: rowsOf(f.data as Float32Array, n, dim),
    texts: rowsOf(f.data as Float32Array, n, dim, n * dim),
    query: rows.map((r: { caption: string }) => r.caption),
    others: rows.map(() => []),
    file: rows.map((r: { file_name: string }) => r.file_name),
  };
}
