/** `loupe worker`: a process that indexes queued uploads from the shared database until told to stop. */
import { createServer } from 'node:http';
import type { Command } from 'commander';
import { withCommonFlags, type CommonFlags } from '../flags.js';

export function registerWorker(program: Command) {
  const cmd = program
    .command('worker')
    .description(
      'index queued uploads (server mode: run any number of these against DATABASE_URL); SIGTERM finishes or gives back the batch in flight',
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics on this port (0 picks one)', (v) => Number(v));
  withCommonFlags(cmd, {
    data: 'data folder (embedded mode only; in server mode blobs come from LOUPE_BLOB_STORE)',
  }).action(async (flags: CommonFlags & { metricsPort?: number }) => {
    const [{ IngestWorker }, { openService }, { configFrom }] = await Promise.all([
      import('../../app/ingest-worker.js'),
      import('../../wiring/service.js'),
      import('../context.js'),
    ]);
    const config = configFrom(flags);
    const { lib, log, metrics } = await openService(config, 'worker');
    const worker = new IngestWorker(lib, { ownsDatabase: !config.database });
    metrics.watchWorker(worker);
    worker.on('job', (e) => {
      const entry = {
        job: e.id,
        space: e.spaceId,
        file: e.filename,
        status: e.status,
        attempts: e.attempts,
        ...(e.error ? { error: e.error, code: e.code } : {}),
      };
      if (e.status === 'done') log.info(entry, 'job done');
      else log.warn(entry, e.status === 'pending' ? 'job failed; will retry' : `job ${e.status}`);
    });
    worker.on('batch', (b) => log.debug(b, 'batch'));
    worker.on('fault', (f) => log.error(f, f.message));
    let metricsServer: ReturnType<typeof createServer> | undefined;
    if (flags.metricsPort !== undefined) {
      metricsServer = createServer(async (req, res) => {
        if (req.url !== '/metrics') return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      }).listen(flags.metricsPort, config.http.host, () =>
        log.info({ address: metricsServer!.address() }, 'metrics listening'),
      );
    }
    await worker.start();
    log.info(
      {
        worker: worker.workerId,
        database: config.database ? 'postgres' : 'embedded',
        batch: config.batchSize,
        leaseMs: config.jobs.leaseMs,
      },
      'worker started',
    );
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, graceMs: config.jobs.graceMs }, 'stopping: finishing the batch in flight');
      await worker.stop();
      metricsServer?.close();
      await lib.close();
      log.info({}, 'worker stopped');
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
