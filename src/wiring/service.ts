/** A long-running process (`serve`, `worker`): the library with its log and its metrics, wired together. */
import type { Config } from '../config.js';
import { createLogger, type Logger } from '../adapters/observability/logger.js';
import { Metrics } from '../adapters/observability/metrics.js';
import { openLibrary, type OpenLibraryOptions, type WiredLibrary } from './library.js';

export type { Logger, Metrics };

export async function openService(
  config: Config,
  name: 'api' | 'worker',
  options: Pick<OpenLibraryOptions, 'onModelDownload'> = {},
): Promise<{ lib: WiredLibrary; log: Logger; metrics: Metrics }> {
  const log = createLogger(config, name);
  let metrics: Metrics | undefined;
  // CLIP loads later, on first use: by then the metrics exist to time it.
  const lib = await openLibrary(config, { ...options, wrapClip: (clip) => metrics?.timeEmbedder(clip) ?? clip });
  metrics = new Metrics(lib.jobs);
  return { lib, log, metrics };
}
