import { InvalidArgumentError, type Command } from 'commander';
import { MAX_DUPLICATE_BITS, NEAR_DUPLICATE_BITS } from '../../core/duplicate-groups.js';
import { withCommonFlags, type CommonFlags } from '../flags.js';

export function registerDuplicates(program: Command) {
  const cmd = program
    .command('duplicates')
    .description('list groups of exact duplicates and near duplicates (resized, re-encoded, slightly cropped copies)')
    .option('--threshold <bits>', `near-duplicate distance in bits of 64 (default ${NEAR_DUPLICATE_BITS})`, (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > MAX_DUPLICATE_BITS)
        throw new InvalidArgumentError(`threshold must be a whole number from 0 to ${MAX_DUPLICATE_BITS}.`);
      return n;
    });
  withCommonFlags(cmd, { space: true, json: 'print the groups as JSON' }).action(
    async (flags: CommonFlags & { threshold?: number }) => {
      const [{ findDuplicates }, { withLibrary }, { pc, printJson }] = await Promise.all([
        import('../../app/duplicates.js'),
        import('../context.js'),
        import('../output.js'),
      ]);
      const groups = await withLibrary(flags, (lib) => findDuplicates(lib, flags.threshold ?? NEAR_DUPLICATE_BITS), {
        existing: true,
      });
      if (flags.json) return printJson(groups);
      if (groups.length === 0) return console.log('no duplicates');
      for (const g of groups) {
        console.log(
          pc.bold(
            g.kind === 'exact' ? 'exact duplicates (same bytes):' : `near duplicates (≤ ${g.maxDistance} bits apart):`,
          ),
        );
        for (const img of g.images)
          for (const p of img.paths) console.log(`  ${p}${g.kind === 'near' ? pc.dim(`  [${img.distance}]`) : ''}`);
      }
    },
  );
}
