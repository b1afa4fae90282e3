import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../../http/server.js';
import { openLibrary } from '../../library.js';
import { configFrom, type CommonFlags } from '../context.js';
import { downloadProgress, pc } from '../output.js';
import { createLogger } from '../../adapters/observability/logger.js';
import { Metrics } from '../../adapters/observability/metrics.js';

export function registerServe(program: Command) {
  program
    .command('serve')
    .description('start the HTTP API and the web UI, with background indexing of uploads')
    .option('--port <port>', 'port (default: $LOUPE_PORT or 8080; 0 picks a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port must be 0–65535.');
      return n;
    })
    .option('--host <host>', 'address to listen on (default: $LOUPE_HOST or 127.0.0.1)')
    .option('--data <dir>', 'data folder')
    .action(async (flags: CommonFlags & { port?: number; host?: string }) => {
      const config = configFrom(flags);
      const log = createLogger(config, 'api');
      let metrics: Metrics | undefined;
      const lib = await openLibrary(config, { onModelDownload: downloadProgress(), wrapClip: (clip) => metrics?.timeEmbedder(clip) ?? clip });
      metrics = new Metrics(lib.jobs);
      const server = await startServer(lib, { port: flags.port, host: flags.host, log, metrics });
      // Load the text tower now, so the first search is not the one that waits for it.
      void lib.clip().then((clip) => clip.embedTexts(['warm up'])).catch((e) => log.warn({ reason: (e as Error).message }, 'CLIP not loaded at start'));
      console.log(`${pc.green('●')} Loupe on ${server.url}  (API docs: ${server.url}/docs, metrics: ${server.url}/metrics)`);
      log.info({ url: server.url, database: config.database ? 'postgres' : 'embedded', auth: config.http.auth, inlineWorker: Boolean(server.worker) }, 'listening');
      if (!server.worker) log.info({}, 'uploads are indexed by `loupe worker` processes (LOUPE_INLINE_WORKER=on runs one here)');
      if (config.database && config.blobStore === 'fs')
        log.warn({ dataDir: config.dataDir }, 'uploads are kept in this machine\'s data folder: workers on other machines need LOUPE_BLOB_STORE=s3 (or the same shared folder)');
      const stop = async () => {
        // Whatever is still running (a slow statement, a model call) may not keep the process alive past the grace.
        setTimeout(() => process.exit(0), config.jobs.graceMs + 5000).unref();
        await server.close();
        await lib.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
