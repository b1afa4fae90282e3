import type { Command } from 'commander';
import { indexPaths } from '../../app/index-paths.js';
import { withLibrary, type CommonFlags } from '../context.js';
import { pc, printJson, progressBar, table } from '../output.js';

export function registerIndex(program: Command) {
  program
    .command('index')
    .description('index images from folders and files (recursively; unchanged files are skipped)')
    .argument('<paths...>', 'folders or image files')
    .option('--data <dir>', 'data folder (default: $LOUPE_DATA_DIR or ~/.local/share/loupe)')
    .option('--json', 'print one JSON summary object')
    .action(async (paths: string[], flags: CommonFlags) => {
      const bar = flags.json ? undefined : progressBar('img');
      const summary = await withLibrary(flags, (lib) =>
        indexPaths(lib, paths, { onProgress: (p) => p.phase === 'indexing' && bar?.update(p.done, p.total, p.path) }),
      ).finally(() => bar?.stop());
      if (flags.json) return printJson(summary);
      console.log(
        table(
          ['indexed', 'skipped (unchanged)', 'duplicates', 'moved', 'removed', 'failed'],
          [[summary.indexed, summary.skipped, summary.duplicates, summary.moved, summary.removed, summary.failed.length]],
        ),
      );
      for (const f of summary.failed) console.log(`${pc.red('✗')} ${f.error}`);
    });
}
