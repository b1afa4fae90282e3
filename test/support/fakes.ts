/**
 * In-memory fakes for use-case tests: a use case asks for a few capabilities, so a fake implements those and
 * fails loudly, naming the member, if the use case reaches for anything else.
 */
import type { BlobStore } from '../../src/ports/blob-store.js';
import type { ImageDetails } from '../../src/core/types.js';

/** An object with `impl`'s members; any other member throws "<name>.<member> is not part of this fake". */
export function fake<T extends object>(name: string, impl: Partial<T>): T {
  return new Proxy(impl as T, {
    get(target, key) {
      if (key in target) return target[key as keyof T];
      if (key === 'then') return undefined; // not a promise
      throw new Error(`${name}.${String(key)} is not part of this fake: the use case reached for more than it declares`);
    },
  });
}

/** Blobs in a Map. */
export function memoryBlobs(initial: Record<string, Buffer> = {}): BlobStore & { keys(): string[] } {
  const m = new Map(Object.entries(initial));
  return {
    put: async (k, d) => void m.set(k, d),
    get: async (k) => m.get(k) ?? null,
    delete: async (k) => void m.delete(k),
    keys: () => [...m.keys()],
  };
}

/** An image record with only the facts a test names. */
export function imageRecord(over: Partial<ImageDetails> & { id: string }): ImageDetails {
  return {
    sha256: over.id.padEnd(64, '0'),
    phash: '0000000000000000',
    width: 640,
    height: 480,
    format: 'jpeg',
    bytes: 1000,
    exif: {},
    caption: null,
    captionSource: null,
    tags: [],
    labels: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    paths: [],
    ocrText: null,
    analyzed: {},
    ...over,
  };
}
