/**
 * The web UI's sign-in. The key goes into an HttpOnly, SameSite=Strict cookie scoped to /api: scripts — this
 * page's or another localhost port's — cannot read it; the UI learns whether it is signed in from GET.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { authenticate } from '../../app/access.js';
import { LoupeError } from '../../core/errors.js';
import { SESSION_COOKIE, SESSION_PATH, type AppEnv, type ServerDeps } from '../context.js';
import { parseWith, readJson } from '../inputs.js';

const cookieOptions = { httpOnly: true, sameSite: 'Strict', path: '/api' } as const;

export function sessionRoutes({ lib }: ServerDeps) {
  const app = new Hono<AppEnv>();
  const { auth } = lib.config.http;

  app.get(SESSION_PATH, async (c) => {
    const key = getCookie(c, SESSION_COOKIE);
    const caller = auth && key ? await authenticate(lib.access, key) : null;
    return c.json({ auth, signedIn: !auth || caller !== null, user: caller?.user ?? null });
  });

  app.post(SESSION_PATH, async (c) => {
    const { key } = parseWith(z.object({ key: z.string().min(1).max(200) }), await readJson(c));
    if (!auth) return c.json({ auth, signedIn: true, user: null });
    const caller = await authenticate(lib.access, key.trim());
    if (!caller) throw new LoupeError('UNAUTHORIZED', { reason: 'unknown or revoked API key' });
    setCookie(c, SESSION_COOKIE, key.trim(), cookieOptions);
    return c.json({ auth, signedIn: true, user: caller.user });
  });

  app.delete(SESSION_PATH, (c) => {
    deleteCookie(c, SESSION_COOKIE, cookieOptions);
    return c.body(null, 204);
  });
  return app;
}
