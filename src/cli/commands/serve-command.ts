import { InvalidArgumentError, type Command } from 'commander';
import { withCommonFlags, type CommonFlags } from '../flags.js';

export function registerServe(program: Command) {
  const cmd = program
    .command('serve')
    .description('start the HTTP API and the web UI, with background indexing of uploads')
    .option('--port <port>', 'port (default: $LOUPE_PORT or 8080; 0 picks a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port must be 0–65535.');
      return n;
    })
    .option('--host <host>', 'address to listen on (default: $LOUPE_HOST or 127.0.0.1)');
  withCommonFlags(cmd).action(async (flags: CommonFlags & { port?: number; host?: string }) => {
    const [{ startServer }, { openService }, { configFrom }, { downloadProgress, pc }] = await Promise.all([
      import('../../http/server.js'),
      import('../../wiring/service.js'),
      import('../context.js'),
      import('../output.js'),
    ]);
    const config = configFrom(flags);
    const { lib, log, metrics } = await openService(config, 'api', { onModelDownload: downloadProgress() });
    const server = await startServer(lib, { port: flags.port, host: flags.host, log, metrics });
    // One search now loads what searches use (CLIP's text tower, the sentence embedder, the index pages), so the first
    // user's search does not wait for them.
    void import('../../app/search.js')
      .then(({ searchByText }) => searchByText(lib, 'warm up', { k: 1 }))
      .catch((e) => log.warn({ reason: (e as Error).message }, 'search not warmed at start'));
    console.log(
      `${pc.green('●')} Loupe on ${server.url}  (API docs: ${server.url}/docs, metrics: ${server.url}/metrics)`,
    );
    log.info(
      {
        url: server.url,
        database: config.database ? 'postgres' : 'embedded',
        auth: config.http.auth,
        inlineWorker: Boolean(server.worker),
      },
      'listening',
    );
    if (!server.worker)
      log.info({}, 'uploads are indexed by `loupe worker` processes (LOUPE_INLINE_WORKER=on runs one here)');
    if (config.database && config.blobStore === 'fs')
      log.warn(
        { dataDir: config.dataDir },
        "uploads are kept in this machine's data folder: workers on other machines need LOUPE_BLOB_STORE=s3 (or the same shared folder)",
      );
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
