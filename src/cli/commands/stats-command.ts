import type { Command } from 'commander';
import { withCommonFlags, type CommonFlags } from '../flags.js';

export function registerStats(program: Command) {
  withCommonFlags(program.command('stats').description('how many images, in which folders, embedded by which models'), {
    space: true,
    json: 'print {images, folders, models, analyzers, passes}',
  }).action(async (flags: CommonFlags) => {
    const [{ libraryStats }, { withLibrary }, { printJson, table }] = await Promise.all([
      import('../../app/stats.js'),
      import('../context.js'),
      import('../output.js'),
    ]);
    const stats = await withLibrary(flags, libraryStats, { existing: true });
    if (flags.json) return printJson(stats);
    console.log(`${stats.images} images (database: ${stats.database})`);
    console.log(
      table(
        ['folder', 'images'],
        Object.entries(stats.folders).map(([f, n]) => [f || '.', n]),
      ),
    );
    console.log(
      table(
        ['model', 'dim', 'vectors', 'configured'],
        stats.models.map((m) => [m.model, m.dim, m.count, m.configured ? 'yes' : '']),
      ),
    );
    console.log(
      table(
        ['pass', 'model', 'done', 'pending'],
        // Why a pass is off in a few words; the whole reason is under --json.
        stats.passes.map((p) => [p.pass, p.model ?? `off: ${shortReason(p.unavailable ?? '')}`, p.done, p.pending]),
      ),
    );
    const waiting = stats.passes.filter((p) => p.pending > 0);
    if (waiting.length)
      console.log(
        `pending: ${waiting.map((p) => `${p.pass} (${p.pending})`).join(', ')}; run \`loupe reindex\` (or index again) to finish them`,
      );
  });
}

/** The first clause of a reason, at most 60 characters. */
function shortReason(reason: string): string {
  const clause = reason.split(/(?<=[.;:])\s|\s\(/)[0];
  return clause.length > 60 ? `${clause.slice(0, 59)}…` : clause;
}
