/** The HTTP surface: wires access control, limits, routes and the error handler; no logic of its own. */
import path from 'node:path';
import { createRequire } from 'node:module';
import { serveStatic } from '@hono/node-server/serve-static';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { getCookie } from 'hono/cookie';
import { requestId } from 'hono/request-id';
import { rateLimiter } from 'hono-rate-limiter';
import { authenticate, chooseSpace } from '../app/access.js';
import { LoupeError } from '../core/errors.js';
import type { Logger } from '../adapters/observability/logger.js';
import type { Metrics } from '../adapters/observability/metrics.js';
import { requestedSpace, SPACES_PATH, type AppEnv, type ServerDeps } from './context.js';
import { onError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { compatRoutes } from './routes/compat.js';
import { imageRoutes } from './routes/images.js';
import { searchRoutes } from './routes/search.js';
import { systemRoutes } from './routes/system.js';

const WEB_ROOT = path.resolve(import.meta.dirname, '../../web');
const SWAGGER_ROOT = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Multipart bodies may be as large as uploads; JSON bodies have their own (smaller) limit. */
function limits(maxUploadBytes: number, maxJsonBytes: number): MiddlewareHandler {
  const tooLarge = (limit: number) => () => {
    throw new LoupeError('FILE_TOO_LARGE', { path: 'request body', bytes: limit + 1, limit });
  };
  const multipart = bodyLimit({ maxSize: maxUploadBytes, onError: tooLarge(maxUploadBytes) });
  const other = bodyLimit({ maxSize: maxJsonBytes, onError: tooLarge(maxJsonBytes) });
  return (c, next) => ((c.req.header('content-type') ?? '').startsWith('multipart/') ? multipart(c, next) : other(c, next));
}

/** The caller's API key: the Authorization header, or the cookie the web UI sets (images and EventSource cannot send headers). */
const keyOf = (c: Parameters<MiddlewareHandler>[0]) => /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? getCookie(c, 'loupe_key');

/** Resolves the caller (with auth on) and the space the request works in; every handler then sees only that space. */
function access({ lib }: ServerDeps): MiddlewareHandler<AppEnv> {
  const { auth } = lib.config.http;
  return async (c, next) => {
    let caller = null;
    if (auth) {
      const key = keyOf(c);
      if (!key) throw new LoupeError('UNAUTHORIZED', { reason: 'this server requires an API key' });
      caller = await authenticate(lib.access, key);
      if (!caller) throw new LoupeError('UNAUTHORIZED', { reason: 'unknown or revoked API key' });
    }
    c.set('caller', caller);
    if (c.req.path === SPACES_PATH) return next(); // lists the caller's spaces: works in none of them
    c.set('lib', lib.forSpace(await chooseSpace(lib.access, caller, requestedSpace(c))));
    await next();
  };
}

export interface AppOptions {
  log?: Logger;
  metrics?: Metrics;
}

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
    if (c.req.path.includes('/search') && c.res.status < 400) metrics?.searchSeconds.observe({ kind: c.req.path.endsWith('/by-image') ? 'image' : 'text' }, ms / 1000);
    if (c.req.path.endsWith('/similar') && c.res.status < 400) metrics?.searchSeconds.observe({ kind: 'similar' }, ms / 1000);
    log?.info({ requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms * 10) / 10 }, 'request');
  });
  if (http.corsOrigins.length) {
    app.use('/api/*', cors({
      origin: http.corsOrigins.includes('*') ? '*' : http.corsOrigins,
      allowHeaders: ['Authorization', 'Content-Type', 'X-Loupe-Space'],
      allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      maxAge: 600,
    }));
  }
  if (http.rateLimitPerMinute > 0) {
    app.use('/api/*', rateLimiter<AppEnv>({
      windowMs: 60_000,
      limit: http.rateLimitPerMinute,
      standardHeaders: 'draft-6',
      // Per key when there is one (a key is one client), else per client address.
      keyGenerator: (c) => keyOf(c) ?? getConnInfo(c).remote.address ?? 'unknown',
      handler: (c) => {
        const reset = Number(c.res.headers.get('RateLimit-Reset') ?? 60);
        throw new LoupeError('RATE_LIMITED', { retryAfterSeconds: reset });
      },
    }));
  }
  app.use('/api/*', limits(http.maxUploadBytes, http.maxJsonBytes));
  app.use('/api/*', access(deps));

  app.route('/api/v1/images/search', searchRoutes());
  app.route('/api/v1/images', imageRoutes(deps));
  app.route('/', systemRoutes(deps));
  app.route('/', compatRoutes(deps));

  if (metrics) app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.get('/docs/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/docs', (c) => c.html(SWAGGER_PAGE));
  app.use('/docs/assets/*', serveStatic({ root: SWAGGER_ROOT, rewriteRequestPath: (p) => p.replace(/^\/docs\/assets/, '') }));
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
