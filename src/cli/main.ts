#!/usr/bin/env node
/**
 * The `loupe` command. Only flags are declared here and in ./commands; each command loads its code (models,
 * database, HTTP) in its action, so `loupe --help` and a mistyped flag answer at once.
 */
import { Command, CommanderError } from 'commander';
import { isLoupeError, reasonOf } from '../core/errors.js';
import { EXIT, EXIT_HELP, exitCodeOf } from './exit-codes.js';
import { registerDuplicates } from './commands/duplicates-command.js';
import { registerIndex } from './commands/index-command.js';
import { registerModels } from './commands/models-command.js';
import { registerSearch } from './commands/search-command.js';
import { registerStats } from './commands/stats-command.js';
import { registerServe } from './commands/serve-command.js';
import { registerReindex } from './commands/reindex-command.js';
import { registerAccess } from './commands/access-commands.js';
import { registerWorker } from './commands/worker-command.js';
import { registerMigrateTo } from './commands/migrate-to-command.js';
import { registerImport } from './commands/import-command.js';

const program = new Command('loupe')
  .description('Index images and search them by meaning: text → image, image → image. Fully offline.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `\n${EXIT_HELP}`)
  .exitOverride();

for (const register of [
  registerIndex,
  registerSearch,
  registerDuplicates,
  registerStats,
  registerModels,
  registerServe,
  registerReindex,
  registerWorker,
  registerAccess,
  registerMigrateTo,
  registerImport,
])
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has printed its message; help and --version are not failures.
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  process.stderr.write(`loupe: ${isLoupeError(e) ? e.message : reasonOf(e)}\n`);
  if (!isLoupeError(e) && process.env.LOUPE_DEBUG) console.error(e);
  process.exit(isLoupeError(e) ? exitCodeOf(e.code) : EXIT.INTERNAL);
}
