/**
 * The CLI's exit status is chosen here and only here, as the HTTP status is in http/errors.ts: one number per
 * kind of failure, so scripts can tell bad input from a missing model or a database that is down.
 */
import type { ErrorCode } from '../core/errors.js';

export const EXIT = {
  OK: 0,
  /** An unexpected failure (a bug): run with LOUPE_DEBUG=1 for the stack. */
  INTERNAL: 1,
  /** Unknown command or flag, a bad value, a contradiction between flags. */
  USAGE: 2,
  /** A file or URL that is not a usable image (the batch goes on; a single named input ends with this). */
  BAD_INPUT: 3,
  NOT_FOUND: 4,
  /** The library disagrees: it exists already, it was made with another model, a file changed under it. */
  CONFLICT: 5,
  /** A model cannot be had: missing offline, download failed, damaged. */
  MODEL_UNAVAILABLE: 6,
  /** The database cannot be used: unreachable, locked by another process, without pgvector, too slow. */
  DATABASE_UNAVAILABLE: 7,
  DISK_FULL: 8,
  /** Refused: no or wrong API key, not allowed, rate limited. */
  REFUSED: 9,
  /** The environment's configuration is invalid. */
  CONFIG: 10,
} as const;

const EXIT_OF: Record<ErrorCode, number> = {
  BAD_ARGUMENT: EXIT.USAGE,
  UNSUPPORTED_MEDIA_TYPE: EXIT.USAGE,
  FILE_TOO_LARGE: EXIT.BAD_INPUT,
  EMPTY_FILE: EXIT.BAD_INPUT,
  NOT_AN_IMAGE: EXIT.BAD_INPUT,
  TOO_MANY_PIXELS: EXIT.BAD_INPUT,
  TOO_MANY_FRAMES: EXIT.BAD_INPUT,
  UNDECODABLE: EXIT.BAD_INPUT,
  RAW_WITHOUT_PREVIEW: EXIT.BAD_INPUT,
  UNREADABLE: EXIT.BAD_INPUT,
  UNSAFE_URL: EXIT.BAD_INPUT,
  FETCH_FAILED: EXIT.BAD_INPUT,
  NOT_FOUND: EXIT.NOT_FOUND,
  CONFLICT: EXIT.CONFLICT,
  FILE_CHANGED: EXIT.CONFLICT,
  MODEL_MISMATCH: EXIT.CONFLICT,
  MODEL_MISSING_OFFLINE: EXIT.MODEL_UNAVAILABLE,
  MODEL_DOWNLOAD_FAILED: EXIT.MODEL_UNAVAILABLE,
  MODEL_CHECKSUM_MISMATCH: EXIT.MODEL_UNAVAILABLE,
  MODEL_LOAD_FAILED: EXIT.MODEL_UNAVAILABLE,
  DATA_DIR_LOCKED: EXIT.DATABASE_UNAVAILABLE,
  DATABASE_UNAVAILABLE: EXIT.DATABASE_UNAVAILABLE,
  PGVECTOR_MISSING: EXIT.DATABASE_UNAVAILABLE,
  PGVECTOR_TOO_OLD: EXIT.DATABASE_UNAVAILABLE,
  QUERY_TIMEOUT: EXIT.DATABASE_UNAVAILABLE,
  NO_WORKER: EXIT.DATABASE_UNAVAILABLE,
  DISK_FULL: EXIT.DISK_FULL,
  UNAUTHORIZED: EXIT.REFUSED,
  FORBIDDEN: EXIT.REFUSED,
  RATE_LIMITED: EXIT.REFUSED,
  CONFIG_INVALID: EXIT.CONFIG,
};

export const exitCodeOf = (code: ErrorCode): number => EXIT_OF[code] ?? EXIT.INTERNAL;

const MEANING: Record<keyof typeof EXIT, string> = {
  OK: 'ok',
  INTERNAL: 'internal error',
  USAGE: 'bad usage',
  BAD_INPUT: 'not a usable image',
  NOT_FOUND: 'not found',
  CONFLICT: 'conflict (exists, other model, file changed)',
  MODEL_UNAVAILABLE: 'model unavailable',
  DATABASE_UNAVAILABLE: 'database unavailable',
  DISK_FULL: 'disk full',
  REFUSED: 'refused',
  CONFIG: 'invalid configuration',
};

/** The table for `loupe --help`. */
export const EXIT_HELP = `Exit status: ${(Object.keys(EXIT) as (keyof typeof EXIT)[]).map((k) => `${EXIT[k]} ${MEANING[k]}`).join(' · ')}`;
