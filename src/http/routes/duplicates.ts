import { Hono } from 'hono';
import { findDuplicates, pageOf } from '../../app/duplicates.js';
import { MAX_DUPLICATE_BITS, NEAR_DUPLICATE_BITS } from '../../core/duplicate-groups.js';
import type { AppEnv } from '../context.js';
import { intParam } from '../inputs.js';
import { imageView } from '../views.js';
import { imagesById } from '../../app/browse.js';

/** Duplicates to review, a page at a time (`limit`, `cursor` from `next`): groups of exact copies (one picture at several paths) and near copies, with what tells them apart. */
export function duplicateRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const lib = c.var.lib;
    const maxBits = intParam('maxBits', c.req.query('maxBits'), NEAR_DUPLICATE_BITS, 0, MAX_DUPLICATE_BITS);
    const limit = intParam('limit', c.req.query('limit'), 100, 1, 500);
    const cursor = intParam('cursor', c.req.query('cursor'), 0, 0, Number.MAX_SAFE_INTEGER);
    const { groups, next, total } = pageOf(await findDuplicates(lib, maxBits), limit, cursor);
    const details = await imagesById(
      lib,
      groups.flatMap((g) => g.images.map((i) => i.id)),
    );
    return c.json({
      total,
      next: next === null ? null : String(next),
      groups: groups.map((g) => ({
        kind: g.kind,
        maxDistance: g.maxDistance,
        images: g.images
          .filter((i) => details.has(i.id))
          .map((i) => ({ ...imageView(details.get(i.id)!), distance: i.distance })),
      })),
    });
  });
  return app;
}
