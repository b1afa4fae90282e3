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
    .option('--space <name>', 'work in this space (default: the default space; create one with `loupe spaces create NAME`)')
    .option('--no-ocr', 'skip reading text in images (a second pass after indexing; also LOUPE_OCR=off)')
    .option('--json', 'print one JSON summary object')
    .action(async (paths: string[], flags: CommonFlags & { ocr: boolean }) => {
      const bar = flags.json ? undefined : progressBar('img');
      const ocrBar = flags.json ? undefined : progressBar('img');
      const summary = await withLibrary(flags, async (lib) => {
        const indexed = await indexPaths(lib, paths, { onProgress: (p) => p.phase === 'indexing' && bar?.update(p.done, p.total, p.path) });
        bar?.stop();
        if (indexed.stopped) return indexed;
        // Search by meaning works from here on; reading text and captioning are slower second passes.
        const report = await reindex(lib, { only: flags.ocr ? ['ocr', 'caption', 'text-embedding'] : ['caption', 'text-embedding'], onProgress: (p) => ocrBar?.update(p.done, p.total, p.analyzer) });
        const brief = (r: (typeof report)[string] | undefined) => r && { model: r.model, ok: r.ok, empty: r.empty, failed: r.failed.length, ...(r.unavailable ? { unavailable: r.unavailable } : {}) };
        return { ...indexed, ...(report.ocr ? { ocr: brief(report.ocr) } : {}), caption: brief(report.caption), textEmbedding: brief(report['text-embedding']) };
      }).finally(() => (bar?.stop(), ocrBar?.stop()));
      // A stopped run still reports what it did, then exits non-zero.
      if (summary.stopped) {
        process.exitCode = 1;
        process.stderr.write(`loupe: stopped: ${summary.stopped.error}\n`);
      }
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
      if ('caption' in summary && summary.caption && !summary.caption.unavailable)
        console.log(`captions (${summary.caption.model}): ${summary.caption.ok} written, ${summary.caption.failed} failed`);
    });
}
