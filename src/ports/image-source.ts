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

/** Whether a stored path is still there: only `absent` (confirmed gone) lets an index run forget it. */
export type Presence = 'present' | 'absent' | 'unknown';

export interface ImageSource {
  /**
   * Expands inputs into files; folders (prefixes) are walked, with paging. Inputs that cannot be read are
   * reported to `fail`; folders that could not be listed are returned too, so nothing under them is dropped.
   */
  list(
    inputs: string[],
    fail: (path: string, e: unknown) => void,
  ): Promise<{ files: SourceFile[]; walkedRoots: string[]; unreadableDirs?: string[] }>;
  stat(path: string): Promise<SourceStat>;
  /** The first `bytes` bytes (to recognise the format before reading everything). */
  readHead(path: string, bytes: number): Promise<Uint8Array>;
  read(path: string): Promise<Buffer>;
  /** Reads a file only if it really lies under `root` (symbolic links resolved); FILE_CHANGED otherwise. */
  readWithin(path: string, root: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  /** `absent` only when the file is confirmed gone (not when it cannot be checked: permissions, I/O errors). */
  presence(path: string): Promise<Presence>;
  /** The file's folder relative to its root, '/'-separated, '' for the root itself. */
  folderOf(root: string, path: string): string;
}
