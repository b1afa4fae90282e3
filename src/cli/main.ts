#!/usr/bin/env node
/** The `loupe` command: parses flags and calls the use cases; nothing else lives here. */
import { Command, CommanderError } from 'commander';
import { isLoupeError, reasonOf } from '../core/errors.js';
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

const program = new Command('loupe')
  .description('Index images and search them by meaning: text → image, image → image. Fully offline.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerIndex(program);
registerSearch(program);
registerDuplicates(program);
registerStats(program);
registerModels(program);
registerServe(program);
registerReindex(program);
registerWorker(program);
registerAccess(program);
registerMigrateTo(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  process.stderr.write(`loupe: ${isLoupeError(e) ? e.message : reasonOf(e)}\n`);
  if (!isLoupeError(e) && process.env.LOUPE_DEBUG) console.error(e);
  process.exit(1);
}
