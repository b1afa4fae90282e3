import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { chooseSpace, openableSpaces } from '../../app/access.js';
import { libraryStats } from '../../app/stats.js';
import type { JobEvent } from '../../app/ingest-worker.js';
import { reasonOf } from '../../core/errors.js';
import { requestedSpace, SPACES_PATH, type AppEnv, type ServerDeps } from '../context.js';
import { queueCounts } from '../../app/browse.js';

export function systemRoutes({ lib: rootLib, feed }: ServerDeps) {
  const app = new Hono<AppEnv>();

  // The spaces the caller may open, and the one its requests work in now (null when it must name one).
  app.get(SPACES_PATH, async (c) => {
    const caller = c.var.caller;
    const spaces = await openableSpaces(rootLib.access, caller);
    const current = await chooseSpace(rootLib.access, caller, requestedSpace(c)).catch(() => null);
    return c.json({
      items: [...spaces.values()].map((name) => ({ name })),
      current: current ? (spaces.get(current) ?? null) : null,
    });
  });

  app.get('/api/v1/stats', async (c) => {
    const lib = c.var.lib;
    const [stats, queue] = await Promise.all([libraryStats(lib), queueCounts(lib)]);
    // The server's folders are not the caller's business: the embedded database is named, not placed.
    const { dataDir: _omit, ...rest } = stats;
    return c.json({ ...rest, database: lib.config.database ? stats.database : 'embedded', queue });
  });

  // Server-sent events about the caller's space: `progress` (queue counts) at once and after jobs end, `job` as each upload ends.
  app.get('/api/v1/events', (c) => {
    const lib = c.var.lib;
    return streamSSE(c, async (stream) => {
      const send = (event: string, data: unknown) =>
        stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => {});
      let progressDue: NodeJS.Timeout | null = null;
      const onJob = (e: JobEvent) => {
        if (e.spaceId !== lib.spaceId) return;
        void send('job', e);
        progressDue ??= setTimeout(async () => {
          progressDue = null;
          await send('progress', { counts: await queueCounts(lib) });
        }, 100);
      };
      feed.on('job', onJob);
      await send('progress', { counts: await queueCounts(lib) });
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => {}), 15_000);
      // Until the client goes, or the server stops (an open stream must not hold a shutdown).
      let end = () => {};
      await new Promise<void>((resolve) => {
        end = resolve;
        stream.onAbort(end);
        feed.once('stop', end);
      });
      feed.off('stop', end);
      clearInterval(keepAlive);
      if (progressDue) clearTimeout(progressDue);
      feed.off('job', onJob);
    });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // Ready when the database answers and the model's files are at hand (loading itself is lazy).
  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      // Asked each time (not the cached image count): readiness must follow an outage at once.
      await rootLib.ping();
      checks.database = 'ok';
    } catch (e) {
      ok = false;
      checks.database = reasonOf(e);
    }
    try {
      await rootLib.clip();
      checks.model = 'ok';
    } catch (e) {
      ok = false;
      checks.model = reasonOf(e);
    }
    return c.json({ status: ok ? 'ready' : 'not ready', checks }, ok ? 200 : 503);
  });

  return app;
}
