import type { Command } from 'commander';
import { withCommonFlags, type CommonFlags } from '../flags.js';

export function registerIndex(program: Command) {
  const cmd = program
    .command('index')
    .description('index images from folders and files (recursively; unchanged files are skipped)')
    .argument('<paths...>', 'folders or image files')
    .option('--no-ocr', 'skip reading text in images (a second pass after indexing; also LOUPE_OCR=off)');
  withCommonFlags(cmd, { space: true, json: 'print one JSON summary object' }).action(
    async (paths: string[], flags: CommonFlags & { ocr: boolean }) => {
      const [{ indexAndAnalyze }, { withLibrary }, { pc, printJson, progressBar, table }, { exitCodeOf }] =
        await Promise.all([
          import('../../app/index-and-analyze.js'),
          import('../context.js'),
          import('../output.js'),
          import('../exit-codes.js'),
        ]);
      // Nothing named is there: a mistake in the command, not an empty run (some missing among others are reported each).
      const { existsSync } = await import('node:fs');
      const missing = paths.filter((p) => !/^s3:\/\//.test(p) && !existsSync(p));
      if (missing.length === paths.length) {
        const { LoupeError } = await import('../../core/errors.js');
        throw new LoupeError('BAD_ARGUMENT', {
          message: `${missing.join(', ')}: no such file or folder (give the folders or files of the photos to index)`,
        });
      }
      // One bar per pass, each with its own rate and ETA: the CLIP pass, then labels, OCR, captions, text embeddings.
      let bar: ReturnType<typeof progressBar> | undefined;
      let barPass = '';
      const follow = (p: { pass: string; done: number; total: number; item?: string }) => {
        if (flags.json) return;
        if (p.pass !== barPass) {
          bar?.stop();
          bar = progressBar('img', p.pass);
          barPass = p.pass;
        }
        bar?.update(p.done, p.total, p.item);
      };
      const summary = await withLibrary(flags, (lib) =>
        indexAndAnalyze(lib, paths, { ocr: flags.ocr, onProgress: follow }),
      ).finally(() => bar?.stop());
      // A stopped run still reports what it did, then exits with the status of what stopped it.
      if (summary.stopped) {
        process.exitCode = exitCodeOf(summary.stopped.code);
        process.stderr.write(`loupe: stopped: ${summary.stopped.error}\n`);
      }
      // Passes that did not run, and why, once per run on stderr (with --json too): a model that cannot be had is news.
      for (const [pass, r] of [
        ['object labels', summary.labels],
        ['text in images', summary.ocr],
        ['captions', summary.caption],
        ['caption embeddings', summary.textEmbedding],
      ] as const)
        if (r?.unavailable) process.stderr.write(`loupe: ${pass} not made: ${r.unavailable}\n`);
      if (flags.json) return printJson(summary);
      console.log(
        table(
          ['indexed', 'skipped (unchanged)', 'duplicates', 'moved', 'removed', 'failed'],
          [
            [
              summary.indexed,
              summary.skipped,
              summary.duplicates,
              summary.moved,
              summary.removed,
              summary.failed.length,
            ],
          ],
        ),
      );
      for (const f of summary.failed) console.log(`${pc.red('✗')} ${f.error}`);
      const { video, sidecar, other } = summary.passedOver;
      const passed = [
        video && `${video} video${video === 1 ? '' : 's'}`,
        sidecar && `${sidecar} sidecar${sidecar === 1 ? '' : 's'} (XMP, AAE)`,
        other && `${other} other file${other === 1 ? '' : 's'}`,
      ].filter(Boolean);
      if (passed.length) console.log(pc.dim(`not images, left alone: ${passed.join(', ')}`));
      if (summary.paired)
        console.log(
          pc.dim(
            `${summary.paired} RAW or HEIC file${summary.paired === 1 ? '' : 's'} kept as one more file of the JPEG beside ${summary.paired === 1 ? 'it' : 'them'} (one photo, two files)`,
          ),
        );
      if (summary.ocr?.model && !summary.ocr.unavailable)
        console.log(
          `text in images (${summary.ocr.model}): ${summary.ocr.ok} with text, ${summary.ocr.empty} without, ${summary.ocr.failed} failed`,
        );
      if (summary.labels?.model && !summary.labels.unavailable)
        console.log(
          `object labels (${summary.labels.model}): ${summary.labels.ok} with labels, ${summary.labels.empty} without, ${summary.labels.failed} failed`,
        );
      if (summary.caption?.model && !summary.caption.unavailable)
        console.log(
          `captions (${summary.caption.model}): ${summary.caption.ok} written, ${summary.caption.failed} failed`,
        );
      console.log(
        summary.passes
          .map((p) => `${p.pass}: ${p.images} images in ${p.seconds.toFixed(1)} s (${p.imagesPerSecond.toFixed(1)}/s)`)
          .join(' · '),
      );
    },
  );
}
