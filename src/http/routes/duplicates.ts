import { Hono } from 'hono';
import { findDuplicates } from '../../app/duplicates.js';
import { NEAR_DUPLICATE_BITS } from '../../core/duplicate-groups.js';
import type { AppEnv } from '../context.js';
import { intParam } from '../inputs.js';
import { imageView } from '../views.js';

/** Duplicates to review: groups of exact copies (one picture at several paths) and near copies, with what tells them apart. */
export function duplicateRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const lib = c.var.lib;
    const maxBits = intParam('maxBits', c.req.query('maxBits'), NEAR_DUPLICATE_BITS, 0, 32);
    const groups = await findDuplicates(lib, maxBits);
    const details = new Map((await lib.store.getImages([...new Set(groups.flatMap((g) => g.images.map((i) => i.id)))])).map((d) => [d.id, d]));
    return c.json({
      groups: groups.map((g) => ({
        kind: g.kind,
        maxDistance: g.maxDistance,
        images: g.images.filter((i) => details.has(i.id)).map((i) => ({ ...imageView(details.get(i.id)!), distance: i.distance })),
      })),
    });
  });
  return app;
}
