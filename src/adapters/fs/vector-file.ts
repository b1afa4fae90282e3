/** A query vector written by the caller's own encoder: a JSON array of numbers, or a one-row .npy file. */
import { readFile } from 'node:fs/promises';
import { parse as parseNpy } from 'npyjs';
import { LoupeError, reasonOf } from '../../core/errors.js';

/** Vector files are small: a 4096-d float64 row is 32 KiB. */
const MAX_VECTOR_FILE_BYTES = 1 << 20;

export async function readVectorFile(file: string): Promise<number[]> {
  const bad = (why: string) => new LoupeError('BAD_ARGUMENT', { message: `${file}: ${why}` });
  const bytes = await readFile(file).catch((e) =>
    Promise.reject(new LoupeError('UNREADABLE', { path: file, reason: reasonOf(e) }, { cause: e })),
  );
  if (bytes.length > MAX_VECTOR_FILE_BYTES)
    throw bad(`${bytes.length} bytes is too large for one query vector (at most ${MAX_VECTOR_FILE_BYTES})`);
  if (bytes.subarray(0, 6).toString('latin1') === '\x93NUMPY') {
    let array: ReturnType<typeof parseNpy>;
    try {
      array = parseNpy(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    } catch (e) {
      throw bad(`not a readable .npy file (${reasonOf(e)})`);
    }
    if (!['f4', 'f8', 'f2'].includes(array.dtype))
      throw bad(`a .npy query vector must hold floats (float16/32/64), not ${array.dtype}`);
    const rows = array.shape.length === 1 ? 1 : array.shape[0];
    if (array.shape.length > 2 || rows !== 1)
      throw bad(`a .npy query vector must be one row (shape (D,) or (1, D)), not (${array.shape.join(', ')})`);
    return Array.from(array.data as Float32Array | Float64Array);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw bad(
      `neither a .npy file nor JSON (${reasonOf(e)}): write the vector as a JSON array of numbers, e.g. [0.12, -0.03, …]`,
    );
  }
  // One row of a 2-d list is accepted too ([[…]]), as numpy's tolist() writes a (1, D) array.
  if (Array.isArray(value) && value.length === 1 && Array.isArray(value[0])) value = value[0];
  if (!Array.isArray(value)) throw bad('the JSON must be an array of numbers');
  return value as number[];
}
