/** Stores derived files (thumbnails) by key. Local folder by default; S3 in server mode. */
export interface BlobStore {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
}

/** The blobs under `prefix` (a space's own files), seen as a store of their own. */
export function withPrefix(blobs: BlobStore, prefix: string): BlobStore {
  return {
    put: (key, data, contentType) => blobs.put(prefix + key, data, contentType),
    get: (key) => blobs.get(prefix + key),
    delete: (key) => blobs.delete(prefix + key),
  };
}
