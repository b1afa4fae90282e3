/**
 * The web UI's sign-in. The key goes into an HttpOnly, SameSite=Strict cookie scoped to /api: scripts — this
 * page's or another localhost port's — cannot read it; the UI learns whether it is signed in from GET.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { authenticate } from '../../app/access.js';
import { LoupeError } from '../../core/errors.js';
import { SESSION_COOKIE, SESSION_PATH, SHADOW_PATHS, sessionKey, type AppEnv, type ServerDeps } from '../context.js';
import { parseWith, readJson } from '../inputs.js';

const cookieOptions = { httpOnly: true, sameSite: 'Strict', path: '/api' } as const;

/** Expires the session cookie at every path one could have been planted at, so the one set now is the only one. */
function clearShadows(c: Context) {
  for (const path of SHADOW_PATHS) if (path !== cookieOptions.path) deleteCookie(c, SESSION_COOKIE, { path });
}

export function sessionRoutes({ lib }: ServerDeps) {
  const app = new Hono<AppEnv>();
  const { auth } = lib.config.http;

  app.get(SESSION_PATH, async (c) => {
    const key = sessionKey(c);
    const caller = auth && key ? await authenticate(lib.access, key) : null;
    return c.json({ auth, signedIn: !auth || caller !== null, user: caller?.user ?? null });
  });

  app.post(SESSION_PATH, async (c) => {
    const { key } = parseWith(z.object({ key: z.string().min(1).max(200) }), await readJson(c));
    if (!auth) return c.json({ auth, signedIn: true, user: null });
    const caller = await authenticate(lib.access, key.trim());
    if (!caller) throw new LoupeError('UNAUTHORIZED', { reason: 'unknown or revoked API key' });
    setCookie(c, SESSION_COOKIE, key.trim(), cookieOptions);
    clearShadows(c);
    return c.json({ auth, signedIn: true, user: caller.user });
  });

  app.delete(SESSION_PATH, (c) => {
    clearShadows(c);
    deleteCookie(c, SESSION_COOKIE, cookieOptions);
    return c.body(null, 204);
  });
  return app;
}
