/** Pieces of a Chroma HNSW segment folder (hnswlib's header.bin, index_metadata.pickle), for hostile-file tests and benches. */

/** header.bin claiming `count` elements of `size` bytes, the label at `labelOffset` and the vector at `dataOffset`. */
export function hnswHeader(count: number, size: number, labelOffset: number, dataOffset: number): Buffer {
  const b = Buffer.alloc(96);
  for (const [at, v] of [
    [20, count],
    [28, size],
    [36, labelOffset],
    [44, dataOffset],
  ] as const)
    b.writeBigUInt64LE(BigInt(v), at);
  return b;
}

/** A pickle of {'label_to_id': {}}. */
export const EMPTY_LABEL_MAP = Buffer.from('80049500000000000000007d948c0b6c6162656c5f746f5f6964947d94732e', 'hex');

/** A pickle holding one LONG4 integer of `bytes` bytes (pickleparser decodes it in more than quadratic time). */
export const long4Pickle = (bytes: number) =>
  Buffer.concat([
    Buffer.from([0x80, 4, 0x8b]),
    Buffer.from(new Uint32Array([bytes]).buffer),
    Buffer.alloc(bytes, 1),
    Buffer.from('.'),
  ]);
