/**
 * Routes of the systems Loupe replaces, each answering in that system's own shape, so their clients
 * work unchanged: a Flask + ChromaDB image-search demo (`/api/index-image` ...) and a FastAPI
 * demo backend (`/api/demo_backend_v2/image_search/...`, distance = L2 between unit vectors).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { searchByImage, searchByText } from '../../app/search.js';
import { MAX_K } from '../../core/hybrid.js';
import { l2FromCosine } from '../../core/scores.js';
import type { AppEnv, ServerDeps } from '../context.js';
import type { ErrorCode } from '../../core/errors.js';
import { errorBody, statusOf } from '../errors.js';
import { intParam, parseWith, readImageRequest, readJson } from '../inputs.js';
import { displayName, imageUrls } from '../views.js';
import { uploadRequest } from './images.js';
import { KParam, QueryText } from './search.js';
import { imageCount, imagesById, listImages } from '../../app/browse.js';

export function compatRoutes(deps: ServerDeps) {
  const app = new Hono<AppEnv>();

  // Flask/ChromaDB family: {success: false, error} on failure.
  const flask = (handler: (c: Context<AppEnv>) => Promise<Response>) => async (c: Context<AppEnv>) => {
    try {
      return await handler(c);
    } catch (e) {
      const { status, body } = errorBody(e);
      return c.json({ success: false, error: body.message }, status as 400);
    }
  };

  app.post(
    '/api/index-image',
    flask(async (c) => {
      const lib = c.var.lib;
      const { records, failed } = await uploadRequest(lib, deps, await readImageRequest(c, lib), true);
      if (!records.length) throw failed[0].error;
      const r = records[0];
      if (r.status !== 'ready' || !r.image) {
        const code = r.job?.errorCode as ErrorCode | null | undefined;
        return c.json(
          { success: false, error: r.job?.error ?? 'indexing did not finish' },
          (code ? statusOf(code) : 500) as 500,
        );
      }
      return c.json({
        success: true,
        filename: displayName(r.image.paths[0]?.path ?? 'image'),
        caption: r.image.caption ?? '',
        url: imageUrls(r.image.id).url,
      });
    }),
  );

  app.post(
    '/api/search-images',
    flask(async (c) => {
      const lib = c.var.lib;
      const body = parseWith(z.object({ query: QueryText, n_results: KParam.default(5) }), await readJson(c));
      const { hits } = await searchByText(lib, body.query, { k: body.n_results, folder: '' });
      const details = await imagesById(
        lib,
        hits.map((h) => h.id),
      );
      const results = hits.map((h) => ({
        image_path: displayName(h.path),
        caption: details.get(h.id)?.caption ?? '',
        similarity: h.score ?? 0,
        url: imageUrls(h.id).url,
      }));
      return c.json({ success: true, results, count: results.length });
    }),
  );

  app.get(
    '/api/get-all-images',
    flask(async (c) => {
      const lib = c.var.lib;
      const results = [];
      for (let cursor: string | null = null; ;) {
        const page: Awaited<ReturnType<typeof listImages>> = await listImages(lib, { limit: 500, cursor });
        for (const d of page.items)
          results.push({
            image_path: displayName(d.paths[0]?.path ?? ''),
            caption: d.caption ?? '',
            url: imageUrls(d.id).url,
          });
        if (!(cursor = page.nextCursor)) break;
      }
      return c.json({ success: true, results, count: results.length });
    }),
  );

  app.get(
    '/api/stats',
    flask(async (c) => c.json({ success: true, total_images: await imageCount(c.var.lib) })),
  );

  // FastAPI family: {detail} on failure; results are a bare array.
  const fastapi = (handler: (c: Context<AppEnv>) => Promise<Response>) => async (c: Context<AppEnv>) => {
    try {
      return await handler(c);
    } catch (e) {
      const { status, body } = errorBody(e);
      return c.json({ detail: body.message }, status as 400);
    }
  };
  const demoHits = async (hits: Awaited<ReturnType<typeof searchByText>>['hits']) =>
    hits.map((h) => ({
      distance: l2FromCosine(h.score ?? -1),
      folder: h.folder,
      s3_path: h.path,
      image_url: imageUrls(h.id).url,
    }));

  app.post(
    '/api/demo_backend_v2/image_search/search',
    fastapi(async (c) => {
      const lib = c.var.lib;
      const body = parseWith(
        z.object({ query: QueryText, k: KParam.default(5), folder: z.string().max(1000).nullable().optional() }),
        await readJson(c),
      );
      const { hits } = await searchByText(lib, body.query, {
        k: body.k,
        folder: body.folder ?? undefined,
        mode: 'vector',
      }); // a pure CLIP backend
      return c.json(await demoHits(hits));
    }),
  );

  app.post(
    '/api/demo_backend_v2/image_search/search_by_image',
    fastapi(async (c) => {
      const lib = c.var.lib;
      const req = await readImageRequest(c, lib);
      try {
        const k = intParam('k', req.json?.k ?? req.fields.k, 5, 1, MAX_K);
        const { hits } = await searchByImage(lib, await req.images[0].bytes(), { k, folder: req.fields.folder });
        return c.json(await demoHits(hits));
      } finally {
        await req.dispose();
      }
    }),
  );

  return app;
}
