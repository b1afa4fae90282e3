/** The HTTP surface: wires access control, limits, routes and the error handler; no logic of its own. */
import path from 'node:path';
import { createRequire } from 'node:module';
import { serveStatic } from '@hono/node-server/serve-static';
import { getConnInfo } from '@hono/node-server/conninfo';
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { rateLimiter } from 'hono-rate-limiter';
import { authenticate, chooseSpace } from '../app/access.js';
import { LoupeError } from '../core/errors.js';
import type { Logger } from '../adapters/observability/logger.js';
import type { Metrics } from '../adapters/observability/metrics.js';
import { requestedSpace, sessionKey, SESSION_PATH, SPACES_PATH, type AppEnv, type ServerDeps } from './context.js';
import { sessionRoutes } from './routes/session.js';
import { onError } from './errors.js';
import { isMultipart } from './inputs.js';
import { openApiDocument } from './openapi.js';
import { compatRoutes } from './routes/compat.js';
import { imageRoutes } from './routes/images.js';
import { duplicateRoutes } from './routes/duplicates.js';
import { searchRoutes } from './routes/search.js';
import { systemRoutes } from './routes/system.js';

const WEB_ROOT = path.resolve(import.meta.dirname, '../../web');
const SWAGGER_ROOT = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Multipart bodies may be as large as uploads; JSON bodies have their own (smaller) limit. */
function limits(maxUploadBytes: number, maxJsonBytes: number): MiddlewareHandler {
  const tooLarge = (limit: number, setting: string) => () => {
    throw new LoupeError('FILE_TOO_LARGE', { path: 'request body', bytes: limit + 1, limit, setting });
  };
  const multipart = bodyLimit({ maxSize: maxUploadBytes, onError: tooLarge(maxUploadBytes, 'LOUPE_MAX_UPLOAD_BYTES') });
  const other = bodyLimit({ maxSize: maxJsonBytes, onError: tooLarge(maxJsonBytes, 'LOUPE_MAX_JSON_BYTES') });
  return (c, next) => (isMultipart(c) ? multipart(c, next) : other(c, next));
}

/** The caller's API key: the Authorization header, or the HttpOnly cookie the web UI's sign-in sets (images and EventSource cannot send headers). */
const keyOf = (c: Context) => bearer(c) ?? sessionKey(c);
const bearer = (c: Context) => /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];

/** Who calls (with auth on): a valid key's caller, or why not — refused after the rate limit has counted the attempt. */
function identify({ lib }: ServerDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('caller', null);
    if (lib.config.http.auth && c.req.path !== SESSION_PATH) {
      const key = keyOf(c);
      const caller = key ? await authenticate(lib.access, key) : null;
      c.set('caller', caller);
      if (!caller) c.set('refusal', key ? 'unknown or revoked API key' : 'this server requires an API key');
    }
    await next();
  };
}

/** Refuses unidentified callers, then resolves the space the request works in; every handler sees only that space. */
function access({ lib }: ServerDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const refusal = c.get('refusal');
    if (refusal) throw new LoupeError('UNAUTHORIZED', { reason: refusal });
    if (c.req.path === SPACES_PATH || c.req.path === SESSION_PATH) return next(); // these work in no space
    c.set('lib', lib.forSpace(await chooseSpace(lib.access, c.var.caller, requestedSpace(c))));
    await next();
  };
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');

/**
 * Against DNS rebinding: a page on attacker.example that resolves to 127.0.0.1 reaches this server with
 * its own Host header. Only the configured names are answered (by default the loopback ones on loopback).
 */
function allowedHosts(bindHost: string, configured: string[] | null): MiddlewareHandler {
  const allowed = configured ?? (isLoopback(bindHost) ? [...LOOPBACK_HOSTS, bindHost] : ['*']);
  if (allowed.includes('*')) return (_c, next) => next();
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '');
    if (!allowed.includes(host))
      throw new LoupeError('FORBIDDEN', {
        reason: `host "${host}" is not one this server answers to (LOUPE_ALLOWED_HOSTS: ${allowed.join(', ')})`,
      });
    await next();
  };
}

/**
 * Against cross-site request forgery: a browser says where a request comes from (Sec-Fetch-Site, Origin);
 * a state-changing request from another site — or another port on localhost — is refused unless its origin is
 * allowed by LOUPE_CORS_ORIGINS. Clients that are not browsers send neither header and are not affected.
 */
function sameOrigin(corsOrigins: string[]): MiddlewareHandler {
  return async (c, next) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) return next();
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const own = new URL(c.req.url).origin;
    const allowedOrigin =
      origin !== undefined && (origin === own || corsOrigins.includes(origin) || corsOrigins.includes('*'));
    const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
    if ((origin !== undefined && !allowedOrigin) || (crossSite && !allowedOrigin))
      throw new LoupeError('FORBIDDEN', {
        reason: `a ${c.req.method} from ${origin ?? `a ${site} page`} (only this server's own pages, or origins in LOUPE_CORS_ORIGINS, may change the library)`,
      });
    await next();
  };
}

export interface AppOptions {
  log?: Logger;
  metrics?: Metrics;
  /** The address the server listens on (decides the default allowed Host names). */
  bindHost?: string;
}

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function createApp(deps: ServerDeps, options: AppOptions = {}) {
  const { http } = deps.lib.config;
  const { log, metrics } = options;
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.onError(onError(log));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    metrics?.httpRequests.inc({ method: c.req.method, status: String(c.res.status) });
    if (c.req.path.includes('/search') && c.res.status < 400)
      metrics?.searchSeconds.observe({ kind: c.req.path.endsWith('/by-image') ? 'image' : 'text' }, ms / 1000);
    if (c.req.path.endsWith('/similar') && c.res.status < 400)
      metrics?.searchSeconds.observe({ kind: 'similar' }, ms / 1000);
    log?.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
      },
      'request',
    );
  });
  if (http.corsOrigins.length) {
    app.use(
      '/api/*',
      cors({
        origin: http.corsOrigins.includes('*') ? '*' : http.corsOrigins,
        allowHeaders: ['Authorization', 'Content-Type', 'X-Loupe-Space'],
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }
  app.use(allowedHosts(options.bindHost ?? http.host, http.allowedHosts));
  app.use('/api/*', sameOrigin(http.corsOrigins));
  app.use('/api/*', identify(deps));
  if (http.rateLimitPerMinute > 0) {
    app.use(
      '/api/*',
      rateLimiter<AppEnv>({
        windowMs: 60_000,
        limit: http.rateLimitPerMinute,
        standardHeaders: 'draft-6',
        // Per authenticated key (a key is one client), else per client address: made-up keys share their address's budget.
        keyGenerator: (c) =>
          c.var.caller ? `key:${c.var.caller.keyId}` : `addr:${getConnInfo(c).remote.address ?? 'unknown'}`,
        handler: (c) => {
          const reset = Number(c.res.headers.get('RateLimit-Reset') ?? 60);
          throw new LoupeError('RATE_LIMITED', { retryAfterSeconds: reset });
        },
      }),
    );
  }
  app.use('/api/*', limits(http.maxUploadBytes, http.maxJsonBytes));
  app.use('/api/*', access(deps));

  // Searches (and the duplicates scan) wait behind listing, stats and sign-in on a one-connection database.
  for (const route of [
    '/api/v1/images/search/*',
    '/api/v1/images/:id/similar',
    '/api/v1/duplicates',
    '/api/search-images',
    '/api/demo_backend_v2/*',
  ])
    app.use(route, (_c, next) => (deps.lib.behind ? deps.lib.behind(next) : next()));

  app.route('/', sessionRoutes(deps));
  app.route('/api/v1/images/search', searchRoutes());
  app.route('/api/v1/images', imageRoutes(deps));
  app.route('/api/v1/duplicates', duplicateRoutes());
  app.route('/', systemRoutes(deps));
  app.route('/', compatRoutes(deps));

  if (metrics)
    app.get('/metrics', async (c) => {
      // Counts cover every space: with auth on, an API key or LOUPE_METRICS_TOKEN is needed.
      if (http.auth) {
        const token = bearer(c);
        const ok =
          token !== undefined &&
          ((http.metricsToken !== undefined && safeEqual(token, http.metricsToken)) ||
            (await authenticate(deps.lib.access, token)) !== null);
        if (!ok) throw new LoupeError('UNAUTHORIZED', { reason: '/metrics needs an API key or LOUPE_METRICS_TOKEN' });
      }
      return c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
    });
  app.get('/docs/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/docs', (c) => c.html(SWAGGER_PAGE));
  app.use(
    '/docs/assets/*',
    serveStatic({ root: SWAGGER_ROOT, rewriteRequestPath: (p) => p.replace(/^\/docs\/assets/, '') }),
  );
  app.all('/api/*', () => {
    throw new LoupeError('NOT_FOUND', { what: 'this API route' });
  });
  app.use('/*', serveStatic({ root: WEB_ROOT }));
  app.get('*', serveStatic({ root: WEB_ROOT, path: 'index.html' })); // client-side routes
  return app;
}

const SWAGGER_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loupe API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui' });</script></body></html>`;
