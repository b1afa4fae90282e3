/** `loupe migrate-to DATABASE_URL`: copies an embedded data folder's database into PostgreSQL. */
import type { Command } from 'commander';
import { LoupeError } from '../../core/errors.js';
import { withCommonFlags, type CommonFlags } from '../flags.js';

export function registerMigrateTo(program: Command) {
  const cmd = program
    .command('migrate-to')
    .description(
      'copy this embedded library (database: images, paths, vectors, spaces, keys, jobs) into a PostgreSQL + pgvector database',
    )
    .argument('<database-url>', 'postgres://user:password@host:5432/db (must be an empty Loupe database or a new one)');
  withCommonFlags(cmd, {
    data: 'the embedded data folder to copy (default: $LOUPE_DATA_DIR)',
    json: 'print the row counts as JSON',
  }).action(async (url: string, flags: CommonFlags) => {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new LoupeError('BAD_ARGUMENT', { message: `"${url}" is not a postgres:// URL` });
    const [{ copyIntoServer }, { redact }, { parseConfig }, { pc, printJson, table }] = await Promise.all([
      import('../../wiring/tools.js'),
      import('../../core/redact.js'),
      import('../../config.js'),
      import('../output.js'),
    ]);
    // The source is always the embedded database, whatever DATABASE_URL says.
    const { DATABASE_URL: _server, ...env } = process.env;
    const config = parseConfig({ ...env, ...(flags.data ? { LOUPE_DATA_DIR: flags.data } : {}) });
    const copied = await copyIntoServer(
      config,
      url,
      flags.json ? undefined : (p) => process.stderr.write(`\r${p.table}: ${p.copied} rows`.padEnd(60)),
    );
    if (!flags.json) process.stderr.write('\n');
    if (flags.json) return printJson(copied);
    console.log(table(['table', 'rows copied'], Object.entries(copied)));
    console.log(
      `${pc.green('✓')} copied into ${redact(url)}. Originals and thumbnails stay in the data folder (or copy them to S3); run with DATABASE_URL=${redact(url)} from now on.`,
    );
  });
}
