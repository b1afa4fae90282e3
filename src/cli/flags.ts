/** Flags every command shares, declared once. */
import type { Command } from 'commander';

export interface CommonFlags {
  data?: string;
  json?: boolean;
  space?: string;
}

const DATA = 'data folder (default: $LOUPE_DATA_DIR or ~/.local/share/loupe)';
const SPACE = 'work in this space (default: the default space; create one with `loupe spaces create NAME`)';

/**
 * Adds --data to a command, and --space and --json where it takes them.
 * @param o.json what --json prints (the command has no --json without it)
 */
export function withCommonFlags(cmd: Command, o: { space?: boolean; json?: string; data?: string } = {}): Command {
  cmd.option('--data <dir>', o.data ?? DATA);
  if (o.space) cmd.option('--space <name>', SPACE);
  if (o.json) cmd.option('--json', o.json);
  return cmd;
}
