import { InvalidArgumentError, Option, type Command } from 'commander';
import { ANALYZERS, type RunnableAnalyzer } from '../../core/analyzers.js';
import { LoupeError } from '../../core/errors.js';
import { withCommonFlags, type CommonFlags } from '../flags.js';

const whole = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0.`);
  return n;
};

interface ReindexFlags extends CommonFlags {
  only: RunnableAnalyzer[];
  missing?: boolean;
  force?: boolean;
  reset?: boolean;
  limit?: number;
  offset?: number;
  folder?: string;
  dryRun?: boolean;
}

export function registerReindex(program: Command) {
  const cmd = program
    .command('reindex')
    .description('re-run analyzers over stored images (e.g. after changing a model), with progress')
    .addOption(
      new Option('--only <analyzers>', `comma-separated: ${ANALYZERS.join(', ')}`)
        .argParser((v) => {
          const list = v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const unknown = list.filter((a) => !(ANALYZERS as readonly string[]).includes(a));
          if (unknown.length)
            throw new InvalidArgumentError(
              `unknown analyzer ${unknown.join(', ')}; choose from ${ANALYZERS.join(', ')}.`,
            );
          return list;
        })
        .default([...ANALYZERS], 'all of them'),
    )
    .option('--missing', 'only images an analyzer has not handled yet (the default)')
    .option('--force', 'every selected image, even those already analyzed')
    .option('--reset', 'clear the chosen fields first (clip: delete the vectors, e.g. after a model change)')
    .option('--limit <n>', 'at most n images', whole('limit'))
    .option('--offset <n>', 'skip the first n images (oldest first)', whole('offset'))
    .option('--folder <name>', 'only this folder and below')
    .option('--dry-run', 'say what would change, change nothing');
  withCommonFlags(cmd, { space: true, json: 'print the report as JSON' }).action(async (flags: ReindexFlags) => {
    if (flags.missing && (flags.force || flags.reset))
      throw new LoupeError('BAD_ARGUMENT', { message: '--missing cannot go with --force or --reset' });
    const [{ reindex }, { withLibrary }, { pc, printJson, progressBar, table }] = await Promise.all([
      import('../../app/reindex.js'),
      import('../context.js'),
      import('../output.js'),
    ]);
    const bar = flags.json ? undefined : progressBar('img');
    const report = await withLibrary(flags, (lib) =>
      reindex(lib, {
        only: flags.only,
        force: flags.force,
        reset: flags.reset,
        limit: flags.limit,
        offset: flags.offset,
        folder: flags.folder,
        dryRun: flags.dryRun,
        onProgress: (p) => bar?.update(p.done, p.total, p.analyzer),
      }),
    ).finally(() => bar?.stop());
    if (flags.json) return printJson(report);
    if (flags.dryRun) console.log(pc.dim('dry run: nothing was changed'));
    console.log(
      table(
        ['analyzer', 'model', flags.dryRun ? 'would run on' : 'images', 'ok', 'nothing found', 'failed'],
        Object.entries(report).map(([name, r]) => [
          name,
          r.unavailable ? pc.yellow(r.unavailable) : (r.model ?? '—'),
          r.planned,
          r.ok,
          r.empty,
          r.failed.length,
        ]),
      ),
    );
    for (const r of Object.values(report))
      for (const f of r.failed.slice(0, 20)) console.log(`${pc.red('✗')} ${f.id}: ${f.error}`);
  });
}
