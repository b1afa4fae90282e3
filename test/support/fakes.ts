/**
 * In-memory fakes for use-case tests: a use case asks for a few capabilities, so a fake implements those and
 * fails loudly, naming the member, if the use case reaches for anything else.
 */
import type { BlobStore } from '../../src/ports/blob-store.js';
import type { ImageDetails, ImagePath } from '../../src/core/types.js';
import type { ImageSource } from '../../src/ports/image-source.js';
import type { Store, StoredPath } from '../../src/ports/store.js';

/** An object with `impl`'s members; any other member throws "<name>.<member> is not part of this fake". */
export function fake<T extends object>(name: string, impl: Partial<T>): T {
  return new Proxy(impl as T, {
    get(target, key) {
      if (key in target) return target[key as keyof T];
      if (key === 'then') return undefined; // not a promise
      throw new Error(
        `${name}.${String(key)} is not part of this fake: the use case reached for more than it declares`,
      );
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

/**
 * Images, paths and vectors in Maps: the part of the store that indexing and uploads write (ImageRecords' paths and
 * images, and the vectors' models), for use-case tests. Anything else throws, naming the member.
 */
export function memoryStore() {
  const images = new Map<string, ImageDetails>();
  const paths = new Map<string, ImagePath>();
  const vectors = new Map<string, { model: string; vector: Float32Array }>();
  const stored = (p: ImagePath): StoredPath => ({ ...p, sha256: images.get(p.imageId)!.sha256 });
  const withPaths = (i: ImageDetails): ImageDetails => ({
    ...i,
    paths: [...paths.values()]
      .filter((p) => p.imageId === i.id)
      .map(({ imageId: _, ...p }) => p) as ImageDetails['paths'],
  });
  const bySha = (sha: string) => [...images.values()].find((i) => i.sha256 === sha);
  const impl: Partial<Store> = {
    getPath: async (p) => (paths.has(p) ? stored(paths.get(p)!) : null),
    getPaths: async (ps) => ps.filter((p) => paths.has(p)).map((p) => stored(paths.get(p)!)),
    pathsUnderRoot: async (root) => [...paths.values()].filter((p) => p.root === root).map(stored),
    findImageBySha: async (sha) => (bySha(sha) ? { id: bySha(sha)!.id } : null),
    findImagesBySha: async (shas) => new Map(shas.flatMap((s) => (bySha(s) ? [[s, bySha(s)!.id] as const] : []))),
    insertImages: async (items) =>
      items.map(({ image, path, embedding }) => {
        const existing = bySha(image.sha256);
        const imageId = existing?.id ?? image.id;
        if (!existing) {
          images.set(
            image.id,
            imageRecord({
              ...image,
              caption: image.caption ?? null,
              captionSource: image.captionSource ?? null,
              tags: image.tags ?? [],
            }),
          );
          vectors.set(image.id, embedding);
        }
        paths.set(path.path, { ...path, imageId });
        return { imageId, inserted: !existing };
      }),
    pathsOfImage: async (id) => [...paths.values()].filter((p) => p.imageId === id).map((p) => p.path),
    upsertPath: async (p) => void paths.set(p.path, p),
    removePaths: async (ps) => ps.forEach((p) => paths.delete(p)),
    deleteOrphanImages: async () => {
      const orphans = [...images.values()].filter((i) => ![...paths.values()].some((p) => p.imageId === i.id));
      for (const o of orphans) {
        images.delete(o.id);
        vectors.delete(o.id);
      }
      return orphans.map((o) => o.sha256);
    },
    getImages: async (ids) => ids.flatMap((id) => (images.has(id) ? [withPaths(images.get(id)!)] : [])),
    updateImage: async (id, patch) => {
      const image = images.get(id);
      if (!image) return null;
      images.set(id, { ...image, ...(patch as Partial<ImageDetails>) });
      return withPaths(images.get(id)!);
    },
    embeddingModels: async () => {
      const counts = new Map<string, { model: string; dim: number; count: number }>();
      for (const { model, vector } of vectors.values())
        counts.set(model, { model, dim: vector.length, count: (counts.get(model)?.count ?? 0) + 1 });
      return [...counts.values()];
    },
  };
  return Object.assign(fake<Store>('store', impl), { images, paths, vectors });
}

/** Files in a Map, as an image source: one root, folders from the '/'-separated paths. */
export function memorySource(root: string, files: Record<string, Buffer>): ImageSource {
  const at = (p: string) => {
    const bytes = files[p];
    if (!bytes) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return bytes;
  };
  return fake<ImageSource>('imageSource', {
    list: async () => ({
      files: Object.keys(files).map((p) => ({ path: p, root, explicit: false })),
      walkedRoots: [root],
    }),
    stat: async (p) => ({ size: at(p).length, mtimeMs: 0 }),
    readHead: async (p, n) => at(p).subarray(0, n),
    read: async (p) => at(p),
    exists: async (p) => p in files,
    presence: async (p) => (p in files ? 'present' : 'absent'),
    folderOf: (r, p) =>
      p
        .slice(r.length + 1)
        .split('/')
        .slice(0, -1)
        .join('/'),
  });
}
