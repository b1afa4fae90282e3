import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import { Hono } from 'hono';
import { z } from 'zod';
import { LoupeError, type ErrorCode } from '../../core/errors.js';
import { cleanFolder, deleteImage, editImage, findRecord, uploadMany } from '../../app/upload.js';
import { originalsForDownload, previewOf, readOriginal } from '../../app/originals.js';
import { searchSimilar, withSourceUrls } from '../../app/search.js';
import type { AppEnv, ServerDeps } from '../context.js';
import type { Library } from '../../app/library.js';
import { errorBody, statusOf } from '../errors.js';
import {
  intParam,
  parseWith,
  percentParam,
  readImageRequest,
  readJson,
  tagsFrom,
  type ImageRequest,
} from '../inputs.js';
import { hitView, imageView, recordView } from '../views.js';
import { filtersFromFields } from '../../core/filters.js';
import { FiltersBody, SortParam } from './search.js';
import { getImage, imagesById, listImages, places, thumbnailOf, timeline } from '../../app/browse.js';

const MIME: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  heif: 'image/heif',
  dng: 'image/x-adobe-dng',
  cr2: 'image/x-canon-cr2',
  cr3: 'image/x-canon-cr3',
  nef: 'image/x-nikon-nef',
  arw: 'image/x-sony-arw',
  raf: 'image/x-fujifilm-raf',
  orf: 'image/x-olympus-orf',
  rw2: 'image/x-panasonic-rw2',
};

export const ImagePatchBody = z
  .object({
    caption: z.string().nullable().optional(),
    tags: z.array(z.string()).optional(),
    folder: z.string().max(1000).optional(),
  })
  .strict();

const pick = (q: Record<string, string>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => q[k] !== undefined).map((k) => [k, q[k]]));

/** `LAT,LON[,KM]` from a query parameter, as the structured field (the schema then checks the ranges). */
function nearOf(value: string) {
  const [lat, lon, km] = value.split(',').map(Number);
  return { lat, lon, ...(km !== undefined ? { km } : {}) };
}

/** A request's images, accepted and (with `wait`) indexed: shared by the v1 API and the compatibility routes. */
export const uploadRequest = (lib: Library, deps: ServerDeps, req: ImageRequest, wait: boolean) =>
  uploadMany(
    lib,
    deps,
    req.images,
    { folder: req.fields.folder, caption: req.fields.caption, tags: tagsFrom(req.json?.tags ?? req.fields.tags) },
    { wait, release: req.dispose },
  );

export function imageRoutes(deps: ServerDeps) {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const lib = c.var.lib;
    const req = await readImageRequest(c, lib);
    const wait = c.req.query('wait') === 'true';
    const { records, failed, unattended } = await uploadRequest(lib, deps, req, wait);
    const errors = failed.map((f) => ({ filename: f.filename, ...errorBody(f.error) }));
    // Queued, but nothing is taking jobs: say so at once, with the ids to look up later, instead of waiting.
    if (unattended) return c.json({ images: records.map(recordView), errors, ...errorBody(unattended).body }, 202);
    // With ?wait=true, indexing failures count as failures of the request too.
    for (const r of records.filter((r) => r.status === 'failed')) {
      const code = (r.job?.errorCode ?? 'UNDECODABLE') as ErrorCode;
      errors.push({
        filename: r.job?.payload.filename ?? r.id,
        status: statusOf(code),
        body: { error: code, message: r.job?.error ?? 'indexing failed' },
      });
    }
    const ok = records.filter((r) => r.status !== 'failed');
    // One file that failed answers with its own status; in a batch, failures are listed beside the successes.
    if (ok.length === 0 && errors.length === 1) return c.json(errors[0].body, errors[0].status as 400);
    const status = ok.length === 0 ? errors[0].status : 201;
    return c.json(
      { images: ok.map(recordView), errors: errors.map((e) => ({ filename: e.filename, ...e.body })) },
      status as 201,
    );
  });

  app.get('/', async (c) => {
    const lib = c.var.lib;
    const limit = intParam('limit', c.req.query('limit'), 50, 1, 500);
    const folder = c.req.query('folder') ? cleanFolder(c.req.query('folder')) : null;
    const order = parseWith(z.enum(['added', 'taken']).default('added'), c.req.query('order'));
    const page = await listImages(lib, {
      folder,
      limit,
      cursor: c.req.query('cursor') || null,
      order,
      before: c.req.query('before') || null,
    });
    return c.json({ items: page.items.map(imageView), nextCursor: page.nextCursor });
  });

  // Months with photos (by date taken), for the gallery's timeline.
  app.get('/timeline', async (c) => {
    const folder = c.req.query('folder') ? cleanFolder(c.req.query('folder')) : null;
    return c.json(await timeline(c.var.lib, folder));
  });

  // Photos with a GPS position by country (count and mean position), and the world's outlines to draw them on.
  app.get('/places', async (c) => {
    const folder = c.req.query('folder') ? cleanFolder(c.req.query('folder')) : null;
    return c.json({ places: await places(c.var.lib, folder) });
  });
  app.get('/places/outlines.svg', async (c) =>
    c.body(
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 180"><path d="${await c.var.lib.places.outlines()}"/></svg>`,
      200,
      {
        'content-type': 'image/svg+xml',
        'cache-control': 'public, max-age=86400',
      },
    ),
  );

  // Photos like several at once (a selection): ?ids=a,b,c and the same filters as /:id/similar.
  app.get('/similar', async (c) => {
    const ids = (c.req.query('ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return c.json(await similarAnswer(c.var.lib, ids, c.req.query()));
  });

  // The originals of a selection as one zip, streamed (stored, not recompressed: photos do not shrink). A form post
  // (ids=a,b,c) or JSON ({"ids": [...]}); what cannot be read is listed in NOT-INCLUDED.txt inside the zip.
  app.post('/zip', async (c) => {
    const lib = c.var.lib;
    const type = c.req.header('content-type') ?? '';
    const raw = type.includes('application/json')
      ? ((await readJson(c)) as { ids?: unknown }).ids
      : (await c.req.parseBody()).ids;
    const ids = parseWith(
      z.array(z.string().min(1)).min(1),
      Array.isArray(raw)
        ? raw
        : String(raw ?? '')
            .split(',')
            .filter(Boolean),
    );
    const files = originalsForDownload(lib, ids);
    const first = await files.next(); // a bad request fails here, before the download starts
    const zip = new ZipArchive({ store: true });
    void (async () => {
      const missing: string[] = [];
      try {
        for (let entry = first; !entry.done; entry = await files.next()) {
          const item = entry.value;
          if ('bytes' in item) zip.append(item.bytes, { name: item.name });
          else missing.push(`${item.missing}: ${item.reason}`);
        }
        if (missing.length)
          zip.append(`${missing.length} of ${ids.length} photos are not in this zip:\n${missing.join('\n')}\n`, {
            name: 'NOT-INCLUDED.txt',
          });
        await zip.finalize();
      } catch (e) {
        zip.destroy(e as Error); // the download ends broken, not silently short
      }
    })();
    const stamp = new Date().toISOString().slice(0, 10);
    return c.body(Readable.toWeb(zip) as ReadableStream, 200, {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="loupe-${stamp}.zip"`,
    });
  });

  app.get('/:id', async (c) => {
    const lib = c.var.lib;
    const record = await findRecord(lib, c.req.param('id'));
    if (!record) throw new LoupeError('NOT_FOUND', { what: `image ${c.req.param('id')}` });
    return c.json(recordView(record));
  });

  app.patch('/:id', async (c) =>
    c.json(imageView(await editImage(c.var.lib, c.req.param('id'), parseWith(ImagePatchBody, await readJson(c))))),
  );

  app.delete('/:id', async (c) => {
    await deleteImage(c.var.lib, c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/:id/file', async (c) => {
    const lib = c.var.lib;
    const image = await getImage(lib, c.req.param('id'));
    const bytes = await readOriginal(lib, image);
    if (!bytes) throw new LoupeError('NOT_FOUND', { what: `the original file of image ${image.id}` });
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': MIME[image.format] ?? 'application/octet-stream',
      'cache-control': 'private, max-age=3600',
      etag: `"${image.sha256}"`,
    });
  });

  // A JPEG any browser shows (HEIC, TIFF and RAW included), ?size= up to 4096 on the long edge (default 2048).
  app.get('/:id/preview', async (c) => {
    const lib = c.var.lib;
    const size = intParam('size', c.req.query('size'), 2048, 64, 4096);
    const image = await getImage(lib, c.req.param('id'));
    const preview = await previewOf(lib, image, size);
    if (!preview) throw new LoupeError('NOT_FOUND', { what: `the original file of image ${image.id}` });
    return c.body(new Uint8Array(preview), 200, {
      'content-type': 'image/jpeg',
      'cache-control': 'private, max-age=3600',
      etag: `"p${size}-${image.sha256}"`,
    });
  });

  app.get('/:id/thumbnail', async (c) => {
    const lib = c.var.lib;
    const image = await getImage(lib, c.req.param('id'));
    const etag = `"t-${image.sha256.slice(0, 32)}"`;
    // Content-addressed: a thumbnail never changes, so clients may keep it for good.
    const headers = { etag, 'cache-control': 'public, max-age=31536000, immutable' };
    if (
      c.req
        .header('if-none-match')
        ?.split(/\s*,\s*/)
        .includes(etag)
    )
      return c.body(null, 304, headers);
    return c.body(new Uint8Array(await thumbnailOf(lib, image)), 200, { ...headers, 'content-type': 'image/webp' });
  });

  app.get('/:id/similar', async (c) => c.json(await similarAnswer(c.var.lib, [c.req.param('id')], c.req.query())));

  return app;
}

/** "Find similar" for one photo or several: filters as query parameters with the structured fields' names (?after=2019&camera=pixel&has=gps,text). */
async function similarAnswer(lib: Library, ids: string[], q: Record<string, string>) {
  const k = intParam('k', q.k, 5, 1, 1000);
  const list = (v: string | undefined) =>
    v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const fields = parseWith(FiltersBody, {
    ...pick(q, ['after', 'before', 'taken', 'camera', 'country', 'orientation']),
    ...(q.year !== undefined ? { year: Number(q.year) } : {}),
    ...(q.near !== undefined ? { near: nearOf(q.near) } : {}),
    ...(q.type !== undefined ? { type: list(q.type) } : {}),
    ...(q.minWidth !== undefined ? { minWidth: Number(q.minWidth) } : {}),
    ...(q.minHeight !== undefined ? { minHeight: Number(q.minHeight) } : {}),
    ...(q.has !== undefined ? { has: list(q.has) } : {}),
    ...(q.tags !== undefined ? { tags: list(q.tags) } : {}),
  });
  const sort = parseWith(SortParam.optional(), q.sort);
  const minSimilarity = percentParam('minSimilarity', q.minSimilarity);
  const result = await withSourceUrls(
    lib,
    await searchSimilar(lib, ids, { k, folder: q.folder, filters: filtersFromFields(fields), sort, minSimilarity }),
  );
  const byId = await imagesById(
    lib,
    result.hits.map((h) => h.id),
  );
  return {
    results: result.hits.map((h) => hitView(h, byId.get(h.id))),
    applied: {
      folder: result.applied.folder,
      ...(result.applied.minSimilarity ? { minSimilarity: result.applied.minSimilarity } : {}),
      ...(result.applied.filters ? { filters: result.applied.filters } : {}),
      ...(result.applied.sort ? { sort: result.applied.sort } : {}),
    },
  };
}
