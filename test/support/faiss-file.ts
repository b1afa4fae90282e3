/** FAISS index files written in FAISS's own layout, for import tests and the ranking bench. */

/** A FAISS index file in FAISS's own layout: IndexFlatL2 / IndexFlatIP, optionally inside an IndexIDMap. */
export function faissFile(vectors: Float32Array[], o: { metric: 'L2' | 'IP'; ids?: number[] }): Buffer {
  const dim = vectors[0].length;
  const parts: Buffer[] = [];
  const i32 = (n: number) => Buffer.from(new Int32Array([n]).buffer);
  const i64 = (n: number) => Buffer.from(new BigInt64Array([BigInt(n)]).buffer);
  const header = (metric: number) =>
    Buffer.concat([i32(dim), i64(vectors.length), i64(1 << 20), i64(1 << 20), Buffer.from([1]), i32(metric)]);
  const metric = o.metric === 'IP' ? 0 : 1;
  if (o.ids) parts.push(Buffer.from('IxMp', 'latin1'), header(metric));
  parts.push(Buffer.from(o.metric === 'IP' ? 'IxFI' : 'IxF2', 'latin1'), header(metric), i64(dim * vectors.length));
  for (const v of vectors) parts.push(Buffer.from(new Float32Array(v).buffer));
  if (o.ids) parts.push(i64(o.ids.length), ...o.ids.map(i64));
  return Buffer.concat(parts);
}
