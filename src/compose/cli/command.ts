// What a `berth compose` command is: its flags and what it does with the
// project context (one file per command under ./commands).
import type { FlagDef, Flags } from '../../cli/flags';
import type { ComposeContext } from './context';

export interface ComposeCommand {
  name: string;
  usage: string;
  summary: string;
  flags: FlagDef[];
  interspersed?: boolean;
  run(cc: ComposeContext, f: Flags, args: string[]): Promise<number | void>;
}
