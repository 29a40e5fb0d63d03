// What a CLI command is, and the context it runs in. Commands only talk to the
// Engine API through the client; they never touch the data root.
import type { ApiClient } from '../client/api';
import type { FlagDef, Flags } from './flags';

export const PROG = 'berth';

/** Where this CLI call connects, as resolved from -H, --context and the environment. */
export interface ConnectionInfo {
  /** the context in use ("default" when -H or DOCKER_HOST decide) */
  context: string;
  /** the daemon URL of the default context (-H, BERTH_HOST, DOCKER_HOST, or berth's socket) */
  defaultHost: string;
  /** the docker CLI's warning when DOCKER_HOST hides the current context */
  warning?: string;
}

export interface CliContext {
  /** connects lazily (and starts berthd when the default socket has no daemon) */
  api(): Promise<ApiClient>;
  connection: ConnectionInfo;
  out(s: string): void;
  err(s: string): void;
  /** true when stdin / stdout are terminals */
  stdinTty: boolean;
  stdoutTty: boolean;
  stderrTty: boolean;
  /** asks a yes/no question on the terminal (prune confirmations) */
  confirm(question: string): Promise<boolean>;
}

export interface Command {
  /** the name inside its group ("ls"), or the top-level name ("version") */
  name: string;
  /** other names inside the group ("ps", "list") */
  aliases?: string[];
  usage: string;
  summary: string;
  flags: FlagDef[];
  /** false for run/exec/create: options stop at the image or container name */
  interspersed?: boolean;
  minArgs?: number;
  maxArgs?: number;
  run(ctx: CliContext, flags: Flags, args: string[]): Promise<number | void>;
  /**
   * Runs the command's pure work once on sample input while the CLI's start-up
   * snapshot is built: the snapshot keeps the compiled code, so a command does
   * not compile it again on every start (compose's YAML and project code: ~10 ms).
   */
  warm?(): void;
}

/** An error whose exit status is not 1 (run's 125/126/127). */
export class StatusError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Runs fn for each name, printing errors like docker ("Error response from daemon: …") and continuing. */
export async function forEachName(
  ctx: CliContext,
  names: string[],
  fn: (name: string) => Promise<void>,
  summary?: (failed: string[]) => string,
): Promise<number> {
  const failed: string[] = [];
  for (const n of names) {
    try {
      await fn(n);
    } catch (e) {
      failed.push(n);
      ctx.err(errorText(e) + '\n');
    }
  }
  // a closing line some commands print after the errors (start's "Error: failed to start containers: …")
  if (failed.length && summary) ctx.err(summary(failed) + '\n');
  return failed.length ? 1 : 0;
}

/** "Error response from daemon: …" for API errors, the message for the rest. */
export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'ApiError') return `Error response from daemon: ${(e as Error).message}`;
  return e instanceof Error ? e.message : String(e);
}
