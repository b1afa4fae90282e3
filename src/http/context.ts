import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { LoupeError } from '../core/errors.js';
import type { Caller } from '../ports/access-store.js';
import type { IngestWorker } from '../app/ingest-worker.js';
import type { JobFeed } from '../app/job-feed.js';
import type { Library } from '../app/library.js';

/**
 * What route handlers share: the library (each request gets its caller's space through `c.var.lib`),
 * the job feed, and the worker running in this process, if any.
 */
export interface ServerDeps {
  lib: Library;
  feed: JobFeed;
  worker: IngestWorker | null;
}

export interface AppEnv {
  Variables: {
    /** The library seen through the caller's space. */
    lib: Library;
    /** Who called (null without auth). */
    caller: Caller | null;
    requestId: string;
    /** Why the caller is not identified (auth on, no valid key); set before the rate limit, refused after it. */
    refusal?: string;
  };
}

/** Where the web UI signs in with a key (it is then kept in an HttpOnly cookie scripts cannot read). */
export const SESSION_PATH = '/api/v1/session';
export const SESSION_COOKIE = 'loupe_key';

/**
 * Paths a cookie of the same name could be planted at to shadow the session's (a page on another port of this host
 * can set cookies here: cookies do not keep to a port). Sign-in and sign-out clear them all.
 */
export const SHADOW_PATHS = [
  '/',
  '/api',
  '/api/v1',
  '/api/v1/images',
  '/api/v1/images/search',
  '/api/v1/session',
  '/api/v1/spaces',
  '/api/v1/events',
  '/api/v1/stats',
];

/**
 * The session key the browser sent, or undefined. A request carrying the session cookie more than once is refused:
 * the browser sends the most specific path first, so a planted cookie would win over the one this server set.
 */
export function sessionKey(c: Context): string | undefined {
  const values = (c.req.header('cookie') ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.slice(0, part.indexOf('=')) === SESSION_COOKIE)
    .map((part) => part.slice(part.indexOf('=') + 1));
  if (values.length > 1)
    throw new LoupeError('UNAUTHORIZED', {
      reason: `the request carries ${values.length} ${SESSION_COOKIE} cookies (another page on this host may have set one): sign in again, which clears them`,
    });
  return values[0] ? decodeURIComponent(values[0]) : undefined;
}

/** The route that lists the caller's spaces; it works in no space, so it needs none chosen. */
export const SPACES_PATH = '/api/v1/spaces';

/**
 * The space a request names: the X-Loupe-Space header, a `space` query parameter, or the cookie the web UI's
 * space picker sets (images and EventSource cannot send headers).
 */
export const requestedSpace = (c: Context) =>
  c.req.header('x-loupe-space') ?? c.req.query('space') ?? getCookie(c, 'loupe_space');
