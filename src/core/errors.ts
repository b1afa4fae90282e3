/**
 * One table of error codes. Each message tells the user what went wrong and how to fix it;
 * surfaces (CLI, HTTP) map codes to exit statuses / HTTP statuses in one place each.
 */
export const ERROR_MESSAGES = {
  FILE_TOO_LARGE: (p: { path: string; bytes: number; limit: number; setting?: string }) =>
    `${p.path}: ${p.path === 'request body' ? 'it' : 'file'} is ${p.bytes} bytes, over the ${p.limit}-byte limit (raise ${p.setting ?? 'LOUPE_MAX_FILE_BYTES'} to accept it)`,
  EMPTY_FILE: (p: { path: string }) => `${p.path}: file is empty (0 bytes)`,
  NOT_AN_IMAGE: (p: { path: string; detected?: string }) =>
    `${p.path}: not an image${p.detected ? ` (its bytes say ${p.detected})` : ''}; supported: JPEG, PNG, GIF, BMP, TIFF, WebP, AVIF, HEIC, and camera RAW (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2) by its preview`,
  RAW_WITHOUT_PREVIEW: (p: { path: string; format: string }) =>
    `${p.path}: a ${p.format} RAW photo with no embedded JPEG preview Loupe can read (RAW photos are indexed by the preview the camera stores in them): export a JPEG of it with your raw converter and index that`,
  TOO_MANY_PIXELS: (p: { path: string; width: number; height: number; limit: number }) =>
    `${p.path}: ${p.width}x${p.height} is ${p.width * p.height} pixels, over the ${p.limit}-pixel limit (a decompression bomb guard; raise LOUPE_MAX_PIXELS to accept it)`,
  TOO_MANY_FRAMES: (p: { path: string; frames: number; limit: number }) =>
    `${p.path}: ${p.frames} animation frames, over the ${p.limit}-frame limit (raise LOUPE_MAX_FRAMES to accept it)`,
  UNDECODABLE: (p: { path: string; reason: string }) =>
    `${p.path}: the image could not be decoded (${p.reason}); the file may be truncated or corrupt`,
  UNREADABLE: (p: { path: string; reason: string }) => `${p.path}: cannot read the file (${p.reason})`,
  BAD_ARGUMENT: (p: { message: string }) => p.message,
  FILE_CHANGED: (p: { path: string; reason: string }) =>
    `${p.path} changed since it was indexed (${p.reason}): run \`loupe index\` on its folder again`,
  NOT_FOUND: (p: { what: string }) => `${p.what} not found`,
  CONFLICT: (p: { what: string }) => `${p.what} already exists`,
  UNAUTHORIZED: (p: { reason: string }) =>
    `${p.reason}: send an API key as "Authorization: Bearer KEY" (create one with \`loupe keys create --space NAME\`)`,
  FORBIDDEN: (p: { reason: string }) => `refused: ${p.reason}`,
  UNSUPPORTED_MEDIA_TYPE: (p: { got: string; expected: string }) =>
    `the body is ${p.got || 'of no declared type'}; send ${p.expected}`,
  RATE_LIMITED: (p: { retryAfterSeconds: number }) =>
    `too many requests: try again in ${p.retryAfterSeconds} s (the limit is LOUPE_RATE_LIMIT per minute)`,
  MODEL_MISSING_OFFLINE: (p: { model: string; looked: string[] }) =>
    `model ${p.model} is not available offline (looked in ${p.looked.join(', ')}). ` +
    `Run \`npx loupe models pull --model ${p.model}\` on a machine with internet, or set LOUPE_MODELS_DIR to a folder holding ${p.model}/ (Transformers.js layout), or unset LOUPE_OFFLINE`,
  MODEL_DOWNLOAD_FAILED: (p: { model: string; file: string; reason: string }) =>
    `could not download ${p.file} of model ${p.model} (${p.reason}). Check your connection, or set LOUPE_MODELS_DIR to a local copy and LOUPE_OFFLINE=1`,
  MODEL_CHECKSUM_MISMATCH: (p: { model: string; file: string; expected: string; actual: string }) =>
    `${p.model}/${p.file} failed verification: expected ${p.expected}, got ${p.actual}. The partial file was deleted; run \`npx loupe models pull\` again`,
  MODEL_LOAD_FAILED: (p: { model: string; reason: string }) =>
    `could not load model ${p.model}: ${p.reason}. Its files may be damaged: run \`npx loupe models pull --model ${p.model}\` (downloads again and checks each file's sha256), or check the copy in LOUPE_MODELS_DIR`,
  MODEL_MISMATCH: (p: { stored: string; requested: string; count: number }) =>
    `this library's ${p.count} image embeddings were made with ${p.stored}, but ${p.requested} is configured. ` +
    `Embeddings of different models cannot be compared: set LOUPE_CLIP_MODEL=${p.stored} to keep using this library, or index into a new --data folder`,
  DATA_DIR_LOCKED: (p: { dir: string }) =>
    `${p.dir} is in use by another loupe process (embedded mode allows one at a time). Wait for it to finish, or use another --data folder`,
  UNSAFE_URL: (p: { url: string; reason: string }) => `refused to fetch ${p.url}: ${p.reason}`,
  FETCH_FAILED: (p: { url: string; reason: string }) => `could not fetch ${p.url}: ${p.reason}`,
  PGVECTOR_MISSING: (p: { reason: string; major?: string }) =>
    `the database has no pgvector (${p.reason}). Install it on the server (Debian/Ubuntu: apt-get install postgresql-${p.major ?? '<version>'}-pgvector; see github.com/pgvector/pgvector) ` +
    `and run once as a superuser: CREATE EXTENSION vector;`,
  PGVECTOR_TOO_OLD: (p: { found: string; needed: string; major?: string }) =>
    `the database has pgvector ${p.found}; Loupe needs ${p.needed} or newer. Upgrade the package on the server (Debian/Ubuntu: apt-get install postgresql-${p.major ?? '<version>'}-pgvector), ` +
    `then run once as a superuser: ALTER EXTENSION vector UPDATE;`,
  DATABASE_UNAVAILABLE: (p: { url: string; reason: string }) =>
    `cannot connect to the database at ${p.url} (${p.reason}). Check DATABASE_URL and that the server is running`,
  NO_WORKER: (p: { queued: number; silentMs: number }) =>
    `${p.queued} upload${p.queued === 1 ? ' is' : 's are'} queued, but no worker has asked for jobs in the last ${Math.round(p.silentMs / 1000)} s, so nothing is indexing them: ` +
    `start one with \`loupe worker\` (they stay queued; GET /api/v1/images/{id} shows when each is done)`,
  QUERY_TIMEOUT: (p: { ms: number; statement: string }) =>
    `a database statement ran over ${p.ms} ms and was stopped (${p.statement}…). Narrow the query, or raise LOUPE_DB_STATEMENT_TIMEOUT_MS`,
  DISK_FULL: (p: { dir: string; freeBytes?: number; neededBytes?: number }) =>
    `no space left in ${p.dir}${p.freeBytes !== undefined ? ` (${mb(p.freeBytes)} free` + (p.neededBytes ? `, at least ${mb(p.neededBytes)} needed)` : ')') : ''}. ` +
    `Free some space (or use another --data folder) and run the same command again: it goes on where it stopped`,
  CONFIG_INVALID: (p: { problems: string[] }) => `invalid configuration:\n  ${p.problems.join('\n  ')}`,
} as const;

const mb = (bytes: number) => `${Math.max(0, Math.round(bytes / 1e6))} MB`;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

/** Failures that no other file of a batch would escape: a run stops on them instead of failing every file. */
const FATAL: ErrorCode[] = [
  'MODEL_LOAD_FAILED',
  'MODEL_CHECKSUM_MISMATCH',
  'MODEL_MISSING_OFFLINE',
  'MODEL_DOWNLOAD_FAILED',
  'DISK_FULL',
  'DATABASE_UNAVAILABLE',
];
export const isFatal = (e: unknown): e is LoupeError => e instanceof LoupeError && FATAL.includes(e.code);
type Params<C extends ErrorCode> = Parameters<(typeof ERROR_MESSAGES)[C]>[0];

export class LoupeError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Params<C>;
  constructor(code: C, details: Params<C>, options?: { cause?: unknown }) {
    super((ERROR_MESSAGES[code] as (p: Params<C>) => string)(details), options);
    this.name = 'LoupeError';
    this.code = code;
    this.details = details;
  }
}

export function isLoupeError(e: unknown, code?: ErrorCode): e is LoupeError {
  return e instanceof LoupeError && (code === undefined || e.code === code);
}

/** A short reason string for any thrown value, for reports that list failures. */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string')
    return (e as { message: string }).message;
  if (e && typeof e === 'object') return JSON.stringify(e).slice(0, 300);
  return String(e);
}

/** The error of a full disk (ENOSPC, or PostgreSQL's "No space left on device") as DISK_FULL naming `dir`; others unchanged. */
export function diskFullOr(e: unknown, dir: string): unknown {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOSPC' || /no space left on device/i.test(reasonOf(e)))
    return new LoupeError('DISK_FULL', { dir }, { cause: e });
  return e;
}
