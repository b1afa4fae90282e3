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
      // One bar per pass, each with its own rate and ETA: the CLIP pass, then OCR, captions, text embeddings.
      let bar = flags.json ? undefined : progressBar('img', 'clip');
      let barPass = 'clip';
      const follow = (pass: string, done: number, total: number, item = '') => {
        if (flags.json) return;
        if (pass !== barPass) {
          bar?.stop();
          bar = progressBar('img', pass);
          barPass = pass;
        }
        bar?.update(done, total, item);
      };
      const summary = await withLibrary(flags, async (lib) => {
        const started = performance.now();
        const indexed = await indexPaths(lib, paths, { onProgress: (p) => p.phase === 'indexing' && follow('clip', p.done, p.total, p.path) });
        const clipPass: PassTiming = { pass: 'clip', images: indexed.indexed, seconds: (performance.now() - started) / 1000 };
        bar?.stop();
        if (indexed.stopped) return { ...indexed, passes: [withRate(clipPass)] };
        // Search by meaning works from here on; reading text and captioning are slower second passes.
        const report = await reindex(lib, { only: flags.ocr ? ['labels', 'ocr', 'caption', 'text-embedding'] : ['labels', 'caption', 'text-embedding'], onProgress: (p) => follow(p.analyzer, p.done, p.total) });
        const brief = (r: (typeof report)[string] | undefined) => r && { model: r.model, ok: r.ok, empty: r.empty, failed: r.failed.length, ...(r.unavailable ? { unavailable: r.unavailable } : {}) };
        const passes = [clipPass, ...Object.entries(report).filter(([, r]) => !r.unavailable && r.planned > 0).map(([pass, r]) => ({ pass, images: r.ok + r.empty + r.failed.length, seconds: r.seconds }))].map(withRate);
        return { ...indexed, labels: brief(report.labels), ...(report.ocr ? { ocr: brief(report.ocr) } : {}), caption: brief(report.caption), textEmbedding: brief(report['text-embedding']), passes };
      }).finally(() => bar?.stop());
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
      if ('labels' in summary && summary.labels && !summary.labels.unavailable)
        console.log(`object labels (${summary.labels.model}): ${summary.labels.ok} with labels, ${summary.labels.empty} without, ${summary.labels.failed} failed`);
      if ('caption' in summary && summary.caption && !summary.caption.unavailable)
        console.log(`captions (${summary.caption.model}): ${summary.caption.ok} written, ${summary.caption.failed} failed`);
      console.log(summary.passes.map((p) => `${p.pass}: ${p.images} images in ${p.seconds.toFixed(1)} s (${p.imagesPerSecond.toFixed(1)}/s)`).join(' · '));
    });
}

interface PassTiming {
  pass: string;
  images: number;
  seconds: number;
}

const withRate = (p: PassTiming) => ({ ...p, seconds: Math.round(p.seconds * 100) / 100, imagesPerSecond: p.seconds > 0 ? Math.round((p.images / p.seconds) * 10) / 10 : 0 });
