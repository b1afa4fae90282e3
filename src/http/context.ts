import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Caller } from '../ports/access-store.js';
import type { IngestWorker } from '../app/ingest-worker.js';
import type { JobFeed } from '../app/job-feed.js';
import type { Library } from '../library.js';

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

/** The route that lists the caller's spaces; it works in no space, so it needs none chosen. */
export const SPACES_PATH = '/api/v1/spaces';

/**
 * The space a request names: the X-Loupe-Space header, a `space` query parameter, or the cookie the web UI's
 * space picker sets (images and EventSource cannot send headers).
 */
export const requestedSpace = (c: Context) => c.req.header('x-loupe-space') ?? c.req.query('space') ?? getCookie(c, 'loupe_space');
