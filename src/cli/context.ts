/** What every command's action needs: the configuration and an open library. Loaded only when a command runs. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../config.js';
import { LoupeError } from '../core/errors.js';
import type { Library } from '../app/library.js';
import { openLibrary, type OpenLibraryOptions } from '../wiring/library.js';
import { chooseSpace } from '../app/access.js';
import type { CommonFlags } from './flags.js';
import { downloadProgress } from './output.js';

export type { CommonFlags };

/** The configuration for one command: the environment, with --data taking precedence over LOUPE_DATA_DIR. */
export function configFrom(flags: CommonFlags): Config {
  return parseConfig({ ...process.env, ...(flags.data ? { LOUPE_DATA_DIR: flags.data } : {}) });
}

/**
 * Opens the library for a command, runs it, and always closes (releasing the data-folder lock).
 * @param o.existing a command that only reads (search, stats): a data folder with no library is an error that says
 * how to make one, not a new empty database and "no results".
 */
export async function withLibrary<T>(
  flags: CommonFlags,
  fn: (lib: Library) => Promise<T>,
  o: { existing?: boolean; warm?: OpenLibraryOptions['warm'] } = {},
): Promise<T> {
  const config = configFrom(flags);
  if (o.existing && !config.database && !existsSync(path.join(config.dataDir, 'db')))
    throw new LoupeError('NOT_FOUND', {
      what: `a library in ${config.dataDir} (make one with \`loupe index PHOTOS${flags.data ? ` --data ${flags.data}` : ''}\`, or give the folder of yours with --data)`,
    });
  // Creating the database takes seconds: say so before it starts, once.
  if (!config.database && !existsSync(path.join(config.dataDir, 'db')))
    process.stderr.write(`loupe: making a new library in ${config.dataDir} (a few seconds, once)…\n`);
  const lib = await openLibrary(config, { onModelDownload: flags.json ? undefined : downloadProgress(), warm: o.warm });
  try {
    // The CLI is local administration: it may work in any space, by name, without a key.
    return await fn(lib.forSpace(await chooseSpace(lib.access, null, flags.space)));
  } finally {
    await lib.close();
  }
}
