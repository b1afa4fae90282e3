/** The HTTP surface: wires routes, limits and the error handler; no logic of its own. */
import path from 'node:path';
import { createRequire } from 'node:module';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { LoupeError } from '../core/errors.js';
import type { ServerDeps } from './context.js';
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

export function createApp(deps: ServerDeps) {
  const { http } = deps.lib.config;
  const app = new Hono();
  app.use(requestId());
  app.onError(onError);
  app.use('/api/*', limits(http.maxUploadBytes, http.maxJsonBytes));

  app.route('/api/v1/images/search', searchRoutes(deps));
  app.route('/api/v1/images', imageRoutes(deps));
  app.route('/', systemRoutes(deps));
  app.route('/', compatRoutes(deps));

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
