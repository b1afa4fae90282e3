/** What every command's action needs: the configuration and an open library. Loaded only when a command runs. */
import { parseConfig, type Config } from '../config.js';
import { openLibrary, type Library } from '../library.js';
import { chooseSpace } from '../app/access.js';
import type { CommonFlags } from './flags.js';
import { downloadProgress } from './output.js';

export type { CommonFlags };

/** The configuration for one command: the environment, with --data taking precedence over LOUPE_DATA_DIR. */
export function configFrom(flags: CommonFlags): Config {
  return parseConfig({ ...process.env, ...(flags.data ? { LOUPE_DATA_DIR: flags.data } : {}) });
}

/** Opens the library for a command, runs it, and always closes (releasing the data-folder lock). */
export async function withLibrary<T>(flags: CommonFlags, fn: (lib: Library) => Promise<T>): Promise<T> {
  const lib = await openLibrary(configFrom(flags), { onModelDownload: flags.json ? undefined : downloadProgress() });
  try {
    // The CLI is local administration: it may work in any space, by name, without a key.
    return await fn(lib.forSpace(await chooseSpace(lib.access, null, flags.space)));
  } finally {
    await lib.close();
  }
}
