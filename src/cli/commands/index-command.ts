import type { Command } from 'commander';
import { indexPaths } from '../../app/index-paths.js';
import { reindex } from '../../app/reindex.js';
import { withLibrary, type CommonFlags } from '../context.js';
import { pc, printJson, progressBar, table } from '../output.js';

export function registerIndex(program: Command) {
  program
    .command('index')
    .description('index images from folders and files (recursively; unchanged files are skipped)')
    .argument('<paths...>', 'folders or image files')
    .option('--data <dir>', 'data folder (default: $LOUPE_DATA_DIR or ~/.local/share/loupe)')
    .option('--no-ocr', 'skip reading text in images (a second pass after indexing; also LOUPE_OCR=off)')
    .option('--json', 'print one JSON summary object')
    .action(async (paths: string[], flags: CommonFlags & { ocr: boolean }) => {
      const bar = flags.json ? undefined : progressBar('img');
      const ocrBar = flags.json ? undefined : progressBar('OCR');
      const summary = await withLibrary(flags, async (lib) => {
        const indexed = await indexPaths(lib, paths, { onProgress: (p) => p.phase === 'indexing' && bar?.update(p.done, p.total, p.path) });
        bar?.stop();
        if (!flags.ocr) return indexed;
        // Search by meaning works from here on; reading text is the slower second pass.
        const { ocr } = await reindex(lib, { only: ['ocr'], onProgress: (p) => ocrBar?.update(p.done, p.total) });
        return { ...indexed, ocr: { model: ocr.model, ok: ocr.ok, empty: ocr.empty, failed: ocr.failed.length, ...(ocr.unavailable ? { unavailable: ocr.unavailable } : {}) } };
      }).finally(() => (bar?.stop(), ocrBar?.stop()));
      if (flags.json) return printJson(summary);
      console.log(
        table(
          ['indexed', 'skipped (unchanged)', 'duplicates', 'moved', 'removed', 'failed'],
          [[summary.indexed, summary.skipped, summary.duplicates, summary.moved, summary.removed, summary.failed.length]],
        ),
      );
      for (const f of summary.failed) console.log(`${pc.red('✗')} ${f.error}`);
      if ('ocr' in summary && summary.ocr)
        console.log(summary.ocr.unavailable ? pc.yellow(`text in images not read: ${summary.ocr.unavailable}`) : `text in images (${summary.ocr.model}): ${summary.ocr.ok} with text, ${summary.ocr.empty} without, ${summary.ocr.failed} failed`);
    });
}
