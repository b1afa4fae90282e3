import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { libraryStats } from '../../app/stats.js';
import type { JobEvent, QueueProgress } from '../../app/ingest-worker.js';
import { reasonOf } from '../../core/errors.js';
import type { ServerDeps } from '../context.js';

export function systemRoutes({ lib, worker }: ServerDeps) {
  const app = new Hono();

  app.get('/api/v1/stats', async (c) => {
    const [stats, queue] = await Promise.all([libraryStats(lib), lib.jobs.counts()]);
    const { dataDir: _omit, ...rest } = stats;
    return c.json({ ...rest, queue });
  });

  // Server-sent events: `progress` (queue counts) at once and after each batch, `job` as each upload ends.
  app.get('/api/v1/events', (c) =>
    streamSSE(c, async (stream) => {
      const send = (event: string, data: unknown) => stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => {});
      const onJob = (e: JobEvent) => void send('job', e);
      const onProgress = (p: QueueProgress) => void send('progress', p);
      worker.on('job', onJob);
      worker.on('progress', onProgress);
      await send('progress', { counts: await lib.jobs.counts() });
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => {}), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      worker.off('job', onJob);
      worker.off('progress', onProgress);
    }),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // Ready when the database answers and the model's files are at hand (loading itself is lazy).
  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await lib.store.imageCount();
      checks.database = 'ok';
    } catch (e) {
      ok = false;
      checks.database = reasonOf(e);
    }
    try {
      await lib.clip();
      checks.model = 'ok';
    } catch (e) {
      ok = false;
      checks.model = reasonOf(e);
    }
    return c.json({ status: ok ? 'ready' : 'not ready', checks }, ok ? 200 : 503);
  });

  return app;
}
