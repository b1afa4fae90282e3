/** Where images to index come from: a filesystem, or a bucket. Paths are the source's own (absolute paths, s3:// URLs). */
export interface SourceFile {
  path: string;
  /** The folder or prefix it was found under (or its own folder when named alone). */
  root: string;
  /** Named by the user rather than found in a walk: a non-image is then an error, not noise. */
  explicit: boolean;
}

export interface SourceStat {
  size: number;
  mtimeMs: number;
  /** A content version when the source has one (an S3 ETag): unchanged versions are skipped. */
  etag?: string;
}

export interface ImageSource {
  /** Expands inputs into files; folders (prefixes) are walked, with paging. Inputs that cannot be read are reported to `fail`. */
  list(inputs: string[], fail: (path: string, e: unknown) => void): Promise<{ files: SourceFile[]; walkedRoots: string[] }>;
  stat(path: string): Promise<SourceStat>;
  /** The first `bytes` bytes (to recognise the format before reading everything). */
  readHead(path: string, bytes: number): Promise<Uint8Array>;
  read(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  /** The file's folder relative to its root, '/'-separated, '' for the root itself. */
  folderOf(root: string, path: string): string;
}
