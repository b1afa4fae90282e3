import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_K, MAX_QUERY_CHARS, SEARCH_MODES, searchByImage, searchByText, withSourceUrls } from '../../app/search.js';
import type { SearchResult } from '../../core/types.js';
import type { Library } from '../../library.js';
import type { AppEnv } from '../context.js';
import { intParam, parseWith, readImageRequest, readJson } from '../inputs.js';
import { hitView } from '../views.js';
import { FUSION_MODES } from '../../core/hybrid.js';

/** The one shape of a text query on every route (v1 and the compatibility routes). */
export const QueryText = z.string().min(1).max(MAX_QUERY_CHARS).refine((q) => !q.includes('\u0000'), 'contains a NUL character');
export const KParam = z.number().int().min(1).max(MAX_K);

export const SearchBody = z.object({
  query: QueryText,
  k: KParam.default(10),
  folder: z.string().max(1000).optional(),
  mode: z.enum(SEARCH_MODES).optional(),
  weights: z.object({ vector: z.number().min(0), text: z.number().min(0) }).optional(),
  fusion: z.enum(FUSION_MODES).optional(),
  /** Leave out results below this similarity, 0–100 %. */
  minSimilarity: z.number().min(0).max(100).optional(),
});

export async function searchView(lib: Library, found: SearchResult) {
  const result = await withSourceUrls(lib, found);
  const details = await lib.store.getImages(result.hits.map((h) => h.id));
  const byId = new Map(details.map((d) => [d.id, d]));
  return { results: result.hits.map((h) => hitView(h, byId.get(h.id))), applied: result.applied };
}

export function searchRoutes() {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const lib = c.var.lib;
    const body = parseWith(SearchBody, await readJson(c));
    return c.json(await searchView(lib, await searchByText(lib, body.query, { k: body.k, folder: body.folder, mode: body.mode, fusion: { mode: body.fusion, weights: body.weights }, minSimilarity: body.minSimilarity })));
  });
  app.post('/by-image', async (c) => {
    const lib = c.var.lib;
    const req = await readImageRequest(c, lib);
    try {
      const k = intParam('k', req.json?.k ?? req.fields.k, 10, 1, MAX_K);
      const folder = (req.json?.folder as string | undefined) ?? req.fields.folder;
      return c.json(await searchView(lib, await searchByImage(lib, await req.images[0].bytes(), { k, folder })));
    } finally {
      await req.dispose();
    }
  });
  return app;
}
