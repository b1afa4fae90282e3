import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_QUERY_CHARS, MAX_VECTOR_DIM, searchByImage, searchByText, withSourceUrls } from '../../app/search.js';
import { MAX_K, SEARCH_MODES } from '../../core/hybrid.js';
import type { SearchResult } from '../../core/types.js';
import type { Library } from '../../app/library.js';
import type { AppEnv } from '../context.js';
import { intParam, parseWith, percentParam, readImageRequest, readJson } from '../inputs.js';
import { hitView } from '../views.js';
import { FUSION_MODES } from '../../core/hybrid.js';
import {
  HAS_VALUES,
  MAX_YEAR,
  MIN_YEAR,
  ORIENTATIONS,
  SORTS,
  filtersFromFields,
  type Orientation,
} from '../../core/filters.js';
import { imagesById } from '../../app/browse.js';

/** The one shape of a text query on every route (v1 and the compatibility routes). */
export const QueryText = z
  .string()
  .min(1)
  .max(MAX_QUERY_CHARS)
  .refine((q) => !q.includes('\u0000'), 'contains a NUL character');
export const KParam = z.number().int().min(1).max(MAX_K);

/** Structured filters beside the query's own words (both apply): the query syntax's keys as fields. */
export const FiltersBody = z
  .object({
    after: z.string().max(10).optional().describe('taken on or after: YYYY, YYYY-MM or YYYY-MM-DD'),
    before: z.string().max(10).optional().describe('taken before: YYYY, YYYY-MM or YYYY-MM-DD'),
    taken: z.string().max(10).optional().describe('taken within this year, month or day'),
    year: z.number().int().min(MIN_YEAR).max(MAX_YEAR).optional(),
    camera: z.string().max(200).optional().describe('camera make or model contains this'),
    near: z
      .object({
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
        km: z.number().positive().max(20000).optional(),
      })
      .optional(),
    country: z.string().max(100).optional().describe('country name or ISO code, from the GPS position'),
    type: z
      .union([z.string().max(10), z.array(z.string().max(10)).max(10)])
      .optional()
      .describe('file type(s): jpeg, png, webp, …'),
    minWidth: z.number().int().min(1).optional(),
    minHeight: z.number().int().min(1).optional(),
    orientation: z.enum(ORIENTATIONS as [Orientation, ...Orientation[]]).optional(),
    has: z.array(z.enum(HAS_VALUES)).max(4).optional(),
    tags: z.array(z.string().max(200)).max(50).optional(),
  })
  .strict();

export const SortParam = z.enum(SORTS);

export const SearchBody = z.object({
  /** Words to look for; may be empty when filters say what to show (then newest first). */
  query: z
    .string()
    .max(MAX_QUERY_CHARS)
    .refine((q) => !q.includes('\u0000'), 'contains a NUL character')
    .default(''),
  k: KParam.default(10),
  filters: FiltersBody.optional(),
  sort: SortParam.optional(),
  folder: z.string().max(1000).optional(),
  mode: z.enum(SEARCH_MODES).optional(),
  weights: z.object({ vector: z.number().min(0), text: z.number().min(0) }).optional(),
  fusion: z.enum(FUSION_MODES).optional(),
  /** Leave out results below this similarity, 0–100 %. */
  minSimilarity: z.number().min(0).max(100).optional(),
  /** The query's CLIP vector (the library model's dimension; normalised here), with or without words. */
  vector: z.array(z.number()).min(1).max(MAX_VECTOR_DIM).optional(),
  /** The model that made `vector`; refused unless it is the library's CLIP model. */
  model: z.string().max(200).optional(),
});

function jsonOf(text: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'filters must be a JSON object' });
    return z.NEVER;
  }
}

export async function searchView(lib: Library, found: SearchResult) {
  const result = await withSourceUrls(lib, found);
  const byId = await imagesById(
    lib,
    result.hits.map((h) => h.id),
  );
  return { results: result.hits.map((h) => hitView(h, byId.get(h.id))), applied: result.applied };
}

export function searchRoutes() {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const lib = c.var.lib;
    const body = parseWith(SearchBody, await readJson(c));
    const filters = body.filters ? filtersFromFields(body.filters) : undefined;
    return c.json(
      await searchView(
        lib,
        await searchByText(lib, body.query, {
          k: body.k,
          folder: body.folder,
          mode: body.mode,
          fusion: { mode: body.fusion, weights: body.weights },
          minSimilarity: body.minSimilarity,
          filters,
          sort: body.sort,
          vector: body.vector,
          vectorModel: body.model,
        }),
      ),
    );
  });
  app.post('/by-image', async (c) => {
    const lib = c.var.lib;
    const req = await readImageRequest(c, lib);
    try {
      const k = intParam('k', req.json?.k ?? req.fields.k, 10, 1, MAX_K);
      const folder = parseWith(z.string().max(1000).optional(), req.json?.folder ?? req.fields.folder);
      // Filters and sort as JSON fields, or in a multipart form as a JSON-encoded `filters` field and a `sort` field.
      const rawFilters =
        req.json?.filters ??
        (req.fields.filters
          ? parseWith(
              z.string().transform((s, ctx) => jsonOf(s, ctx)),
              req.fields.filters,
            )
          : undefined);
      const filters = rawFilters === undefined ? undefined : filtersFromFields(parseWith(FiltersBody, rawFilters));
      const sort = parseWith(SortParam.optional(), req.json?.sort ?? req.fields.sort);
      const minSimilarity = percentParam('minSimilarity', req.json?.minSimilarity ?? req.fields.minSimilarity);
      return c.json(
        await searchView(
          lib,
          await searchByImage(lib, await req.images[0].bytes(), { k, folder, filters, sort, minSimilarity }),
        ),
      );
    } finally {
      await req.dispose();
    }
  });
  return app;
}
