/** HTTP status is chosen here and only here: core and adapters throw LoupeErrors with codes. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isLoupeError, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../adapters/observability/logger.js';

const STATUS: Record<ErrorCode, number> = {
  BAD_ARGUMENT: 400,
  UNSAFE_URL: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  FILE_CHANGED: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  MODEL_MISMATCH: 409,
  FILE_TOO_LARGE: 413,
  TOO_MANY_PIXELS: 413,
  TOO_MANY_FRAMES: 413,
  NOT_AN_IMAGE: 415,
  EMPTY_FILE: 415,
  UNDECODABLE: 422,
  RAW_WITHOUT_PREVIEW: 422,
  UNREADABLE: 422,
  FETCH_FAILED: 422,
  MODEL_MISSING_OFFLINE: 503,
  MODEL_DOWNLOAD_FAILED: 503,
  MODEL_CHECKSUM_MISMATCH: 503,
  MODEL_LOAD_FAILED: 503,
  DATA_DIR_LOCKED: 503,
  DATABASE_UNAVAILABLE: 503,
  PGVECTOR_MISSING: 503,
  PGVECTOR_TOO_OLD: 503,
  QUERY_TIMEOUT: 503,
  NO_WORKER: 503,
  DISK_FULL: 507,
  CONFIG_INVALID: 500,
};

export const statusOf = (code: ErrorCode) => STATUS[code] ?? 500;

export interface ErrorBody {
  error: string;
  message: string;
  requestId?: string;
}

export function errorBody(e: unknown, requestId?: string): { status: number; body: ErrorBody } {
  if (isLoupeError(e)) return { status: statusOf(e.code), body: { error: e.code, message: e.message, requestId } };
  if (e instanceof HTTPException) {
    const status = e.status;
    const error =
      status === 413 ? 'FILE_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : status === 400 ? 'BAD_ARGUMENT' : 'HTTP_ERROR';
    return { status, body: { error, message: e.message || `HTTP ${status}`, requestId } };
  }
  return {
    status: 500,
    body: { error: 'INTERNAL', message: 'internal error (see the server log for the request id)', requestId },
  };
}

export const onError = (log?: Logger) => (e: Error, c: Context) => {
  const requestId = c.get('requestId' as never) as string | undefined;
  const { status, body } = errorBody(e, requestId);
  if (status >= 500) {
    if (log) log.error({ requestId, err: e }, 'request failed');
    else console.error(`[${requestId}]`, e);
  }
  const headers: Record<string, string> = isLoupeError(e, 'RATE_LIMITED')
    ? { 'retry-after': String((e.details as { retryAfterSeconds: number }).retryAfterSeconds) }
    : {};
  return c.json(body, status as 500, headers);
};
