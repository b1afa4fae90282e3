/** `loupe spaces ...` and `loupe keys ...`: local administration of spaces, members and API keys. */
import type { Command } from 'commander';
import { LoupeError } from '../../core/errors.js';
import { withCommonFlags, type CommonFlags } from '../flags.js';

/** What every action here uses, loaded when one runs. */
const tools = async () => {
  const [{ withLibrary }, { pc, printJson, table }] = await Promise.all([
    import('../context.js'),
    import('../output.js'),
  ]);
  return { withLibrary, pc, printJson, table };
};

export function registerAccess(program: Command) {
  const spaces = program
    .command('spaces')
    .description('spaces: separate libraries in one database, owned and shared by users');
  withCommonFlags(
    spaces
      .command('create')
      .description('create a space')
      .argument('<name>', 'space name (letters, digits, . _ -)')
      .option('--owner <user>', 'its owner (created if missing)', 'admin'),
    {
      json: 'print the space as JSON',
    },
  ).action(async (name: string, flags: CommonFlags & { owner: string }) => {
    const { withLibrary, pc, printJson } = await tools();
    const space = await withLibrary(flags, (lib) => lib.access.createSpace(name, flags.owner));
    if (flags.json) return printJson(space);
    console.log(
      `${pc.green('✓')} space ${space.name} (owner ${space.owner}). Make a key for it: loupe keys create --space ${space.name}`,
    );
  });
  withCommonFlags(
    spaces
      .command('share')
      .description('let another user use a space')
      .argument('<name>', 'space name')
      .requiredOption('--user <user>', 'the user (created if missing)'),
  ).action(async (name: string, flags: CommonFlags & { user: string }) => {
    const { withLibrary, pc } = await tools();
    await withLibrary(flags, (lib) => lib.access.shareSpace(name, flags.user));
    console.log(`${pc.green('✓')} ${flags.user} may use space ${name}`);
  });
  withCommonFlags(
    spaces
      .command('delete')
      .description(
        "delete a space: its images' records, vectors, thumbnails and uploads, and the keys bound to it (photos in your own folders are never touched)",
      )
      .argument('<name>', 'space name')
      .requiredOption('--yes', 'confirm: this cannot be undone'),
    { json: 'print what was deleted' },
  ).action(async (name: string, flags: CommonFlags) => {
    const [{ withLibrary, pc, printJson }, { deleteSpace }] = await Promise.all([
      tools(),
      import('../../app/access.js'),
    ]);
    const deleted = await withLibrary({ data: flags.data }, (lib) => deleteSpace(lib, name));
    if (flags.json) return printJson({ space: name, ...deleted });
    console.log(`${pc.green('✓')} deleted space ${name} (${deleted.images} images; its keys no longer work)`);
  });
  withCommonFlags(spaces.command('list').description('list spaces with their owners and members'), {
    json: 'print JSON',
  }).action(async (flags: CommonFlags) => {
    const { withLibrary, printJson, table } = await tools();
    const list = await withLibrary(flags, (lib) => lib.access.listSpaces());
    if (flags.json) return printJson(list);
    console.log(
      table(
        ['space', 'owner', 'members', 'created'],
        list.map((s) => [s.name, s.owner ?? '', s.members.join(', '), s.createdAt.slice(0, 10)]),
      ),
    );
  });

  const keys = program.command('keys').description('API keys (used when the server runs with LOUPE_AUTH=on)');
  // --space names the key's space here, not the space to work in: declared by this command, not as the shared flag.
  withCommonFlags(
    keys
      .command('create')
      .description('create an API key and print it once (only its hash is kept)')
      .option('--space <name>', 'a key that opens only this space')
      .option('--user <name>', 'a key that opens every space of this user (with --space: whose key it is)')
      .option('--name <label>', 'a label to recognise the key by'),
    { json: 'print {id, key, prefix, user, space}' },
  ).action(async (flags: Omit<CommonFlags, 'space'> & { space?: string; user?: string; name?: string }) => {
    if (!flags.space && !flags.user)
      throw new LoupeError('BAD_ARGUMENT', { message: 'give --space NAME or --user NAME' });
    const [{ withLibrary, pc, printJson }, { createKey }] = await Promise.all([tools(), import('../../app/access.js')]);
    const created = await withLibrary({ data: flags.data }, (lib) => createKey(lib.access, flags));
    if (flags.json) return printJson(created);
    console.log(created.key);
    console.error(
      pc.dim(
        `key ${created.prefix}… for ${created.space ? `space ${created.space}` : `all spaces of ${created.user}`}: shown once, store it now`,
      ),
    );
  });
  withCommonFlags(keys.command('list').description('list keys (prefixes only)'), { json: 'print JSON' }).action(
    async (flags: CommonFlags) => {
      const { withLibrary, printJson, table } = await tools();
      const list = await withLibrary(flags, (lib) => lib.access.listKeys());
      if (flags.json) return printJson(list);
      console.log(
        table(
          ['id', 'prefix', 'user', 'space', 'name', 'last used', 'revoked'],
          list.map((k) => [
            k.id,
            k.prefix,
            k.user,
            k.space ?? '(all)',
            k.name ?? '',
            k.lastUsedAt?.slice(0, 19) ?? '',
            k.revoked ? 'yes' : '',
          ]),
        ),
      );
    },
  );
  withCommonFlags(
    keys.command('revoke').description('revoke a key at once').argument('<id-or-prefix>', 'the key id or its prefix'),
  ).action(async (id: string, flags: CommonFlags) => {
    const { withLibrary, pc } = await tools();
    if (!(await withLibrary(flags, (lib) => lib.access.revokeKey(id))))
      throw new LoupeError('NOT_FOUND', { what: `active key ${id}` });
    console.log(`${pc.green('✓')} revoked ${id}`);
  });
}
