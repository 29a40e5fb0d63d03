// berth: the CLI. Global flags, command lookup (`berth ps` and `berth container
// ls` are one command), flag parsing with docker's messages, and exit codes.
import type * as readline from 'node:readline';
import { ApiClient, ConnectError } from '../client/api';
import { ContextError, resolveConnection, type ResolvedConnection } from '../client/contexts';
import { HostError } from '../client/endpoint';
import { PROG, StatusError, errorText, type CliContext, type Command, type ConnectionInfo } from './command';
import { DEFAULT_HOST, startDaemon } from './daemon';
import { FlagError, flagUsages, parseFlags, type FlagDef } from './flags';
import { groups, topLevel, type CommandRef } from './table';
import { byteOrder } from '../util/compare';
import { restoreExtraCaCerts } from '../client/extraca';
import { CLIENT_VERSION } from './commands/version';

const globalFlags: FlagDef[] = [
  { long: 'config', kind: 'string', help: 'Location of client config files' },
  { long: 'context', short: 'c', kind: 'string', help: 'Name of the context to use to connect to the daemon' },
  { long: 'debug', short: 'D', kind: 'bool', help: 'Enable debug mode' },
  { long: 'host', short: 'H', kind: 'list', help: 'Daemon socket to connect to' },
  { long: 'log-level', short: 'l', kind: 'string', help: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', def: 'info' },
  { long: 'tls', kind: 'bool', help: 'Use TLS; implied by --tlsverify' },
  { long: 'tlscacert', kind: 'string', help: 'Trust certs signed only by this CA', def: '~/.docker/ca.pem' },
  { long: 'tlscert', kind: 'string', help: 'Path to TLS certificate file', def: '~/.docker/cert.pem' },
  { long: 'tlskey', kind: 'string', help: 'Path to TLS key file', def: '~/.docker/key.pem' },
  { long: 'tlsverify', kind: 'bool', help: 'Use TLS and verify the remote' },
  { long: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
];

/** -H, --context, the TLS flags and the environment, with the docker CLI's precedence (src/client/contexts.ts). */
function resolveTarget(g: ReturnType<typeof parseFlags>['flags']): ResolvedConnection {
  const opt = (n: string) => (g.isSet(n) ? g.str(n) : undefined);
  try {
    return resolveConnection(
      {
        hosts: g.list('host'),
        context: g.str('context') || undefined,
        tls: g.bool('tls'),
        tlsVerify: g.bool('tlsverify'),
        tlsCaCert: opt('tlscacert'),
        tlsCert: opt('tlscert'),
        tlsKey: opt('tlskey'),
      },
      DEFAULT_HOST,
    );
  } catch (e) {
    if (e instanceof ContextError || e instanceof HostError) throw new StatusError(e.message, 1);
    throw e;
  }
}

function makeContext(target: ResolvedConnection, connection: ConnectionInfo): CliContext & { client?: ApiClient } {
  const ctx: CliContext & { client?: ApiClient } = {
    async api() {
      try {
        ctx.client ??= new ApiClient(target.endpoint);
      } catch (e) {
        if (e instanceof HostError) throw new StatusError(e.message, 1);
        throw e;
      }
      return ctx.client;
    },
    connection,
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    // getters: process.stdin costs a handle and most commands never ask
    get stdinTty() {
      return Boolean(process.stdin.isTTY);
    },
    get stdoutTty() {
      return Boolean(process.stdout.isTTY);
    },
    get stderrTty() {
      return Boolean(process.stderr.isTTY);
    },
    confirm: (q) => confirm(q),
  };
  return ctx;
}

function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  return new Promise((resolve) => {
    const rl = (require('node:readline') as typeof readline).createInterface({ input: process.stdin });
    let answered = false;
    rl.once('line', (l) => {
      answered = true;
      rl.close();
      // Docker takes "y" or "Y" alone as yes
      resolve(/^y$/i.test(l.trim()));
    });
    rl.once('close', () => !answered && resolve(false));
  });
}

function fullName(group: string | undefined, cmd: Command): string {
  return group ? `${PROG} ${group} ${cmd.name}` : `${PROG} ${cmd.name}`;
}

function commandHelp(group: string | undefined, cmd: Command, typed: string): string {
  const aliases = [fullName(group, cmd), ...(cmd.aliases ?? []).map((a) => (group ? `${PROG} ${group} ${a}` : `${PROG} ${a}`))];
  const short = topLevel.find(([, g, n]) => g === group && n === cmd.name);
  if (short && group) aliases.push(`${PROG} ${short[0]}`);
  let s = `\nUsage:  ${typed} ${cmd.usage}\n\n${cmd.summary}\n`;
  if (aliases.length > 1) s += `\nAliases:\n  ${aliases.join(', ')}\n`;
  if (cmd.flags.length) s += `\nOptions:\n${flagUsages(cmd.flags)}\n`;
  return s;
}

const summaryOf = (ref: CommandRef | undefined): string => (ref ? (ref.summary ?? ref.load().summary) : '');

function mainHelp(): string {
  const rows = [...topLevel].sort(([a], [b]) => byteOrder(a, b)).map(([n, g, c]) => [n, summaryOf(groups[g ?? '']?.find((x) => x.name === c))]);
  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  return (
    `\nUsage:  ${PROG} [OPTIONS] COMMAND\n\nA container engine that speaks the Docker Engine API\n\n` +
    `Management Commands:\n  container   Manage containers\n  context     Manage contexts\n  image       Manage images\n  network     Manage networks\n  system      Manage berth\n  volume      Manage volumes\n\n` +
    `Commands:\n${rows.map(([n, s]) => `  ${n.padEnd(w)}${s}`).join('\n')}\n\nGlobal Options:\n${flagUsages(globalFlags)}\n\n` +
    `Run '${PROG} COMMAND --help' for more information on a command.\n`
  );
}

/** Finds the command for argv (after global flags); returns it with its own arguments. */
function lookup(argv: string[]): { group?: string; cmd?: Command; rest: string[]; unknown?: string; invoked: string } {
  const [first, ...rest] = argv;
  if (first in groups && first !== '') {
    const [sub, ...rest2] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h') return { group: first, rest: [], invoked: first };
    const cmd = groups[first].find((c) => c.name === sub || c.aliases?.includes(sub))?.load();
    return cmd ? { group: first, cmd, rest: rest2, invoked: `${first} ${sub}` } : { group: first, rest: rest2, unknown: sub, invoked: first };
  }
  const short = topLevel.find(([n]) => n === first);
  if (!short) return { rest, unknown: first, invoked: first };
  const [, g, name] = short;
  return { group: g, cmd: groups[g].find((c) => c.name === name)!.load(), rest, invoked: first };
}

function groupHelp(group: string): string {
  const cmds = groups[group];
  const w = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return `\nUsage:  ${PROG} ${group} COMMAND\n\nManage ${group === 'system' ? PROG : group + 's'}\n\nCommands:\n${cmds
    .map((c) => `  ${c.name.padEnd(w)}${summaryOf(c)}`)
    .join('\n')}\n\nRun '${PROG} ${group} COMMAND --help' for more information on a command.\n`;
}

async function dispatch(argv: string[]): Promise<number> {
  let g;
  try {
    g = parseFlags(globalFlags, argv, false);
  } catch (e) {
    process.stderr.write(`${PROG}: ${(e as Error).message}\nSee '${PROG} --help'.\n`);
    return 125;
  }
  if (g.flags.bool('version')) {
    // as `docker --version`: the client's version alone, no daemon contacted (or started)
    process.stdout.write(`${PROG} version ${CLIENT_VERSION}, build berth\n`);
    return 0;
  }
  if (g.help || g.args.length === 0 || g.args[0] === 'help') {
    process.stdout.write(mainHelp());
    return 0;
  }
  if (g.flags.str('config')) process.env.DOCKER_CONFIG = g.flags.str('config');
  const target = resolveTarget(g.flags);
  const connection: ConnectionInfo = {
    context: target.context,
    defaultHost: g.flags.list('host')[0] || process.env.BERTH_HOST || process.env.DOCKER_HOST || DEFAULT_HOST,
    warning: target.warning,
  };
  const { group, cmd, rest, unknown, invoked } = lookup(g.args);
  const typed = `${PROG} ${invoked}`;
  if (!cmd) {
    if (unknown === undefined && group) {
      process.stdout.write(groupHelp(group));
      return 0;
    }
    const where = group ? `${PROG} ${group}` : PROG;
    const usage = group ? `Usage:  ${where}\n\n` : '';
    process.stderr.write(`${PROG}: unknown command: ${where} ${unknown}\n\n${usage}Run '${where} --help' for more information\n`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseFlags(cmd.flags, rest, cmd.interspersed !== false);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    // the docker CLI's (28) words for a flag it cannot parse: no prefix, the usage line
    process.stderr.write(`${e.message}\n\nUsage:  ${typed} ${cmd.usage}\n\nRun '${typed} --help' for more information\n`);
    return 125;
  }
  if (parsed.help) {
    process.stdout.write(commandHelp(group, cmd, typed));
    return 0;
  }
  const n = parsed.args.length;
  // the docker CLI's (28) words, "See" where its RequiresMinArgs says so
  const argErr = (what: string, see = 'Run') => {
    process.stderr.write(`${PROG}: '${typed}' ${what}\n\nUsage:  ${typed} ${cmd.usage}\n\n${see} '${typed} --help' for more information\n`);
    return 1;
  };
  const plural = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
  const { minArgs: min, maxArgs: max } = cmd;
  if (min !== undefined && min === max && n !== min) return argErr(`requires ${plural(min)}`);
  if (min !== undefined && max !== undefined && (n < min || n > max)) return argErr(`requires at least ${min} and at most ${plural(max)}`);
  if (min !== undefined && n < min) return argErr(`requires at least ${plural(min)}`, 'See');
  if (max !== undefined && n > max) return argErr(max === 0 ? 'accepts no arguments' : `requires at most ${plural(max)}`);

  const run = async () => {
    const ctx = makeContext(target, connection);
    try {
      return (await cmd.run(ctx, parsed.flags, parsed.args)) ?? 0;
    } finally {
      ctx.client?.close();
    }
  };
  try {
    return await run();
  } catch (e) {
    // nothing was sent when the socket refused: start the default daemon and go again
    if (e instanceof ConnectError && !target.explicit && target.endpoint.kind === 'unix') {
      await startDaemon(target.endpoint.path, (s) => process.stderr.write(s));
      return run();
    }
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  restoreExtraCaCerts();
  let code: number;
  try {
    code = await dispatch(argv);
  } catch (e) {
    if (e instanceof StatusError) {
      process.stderr.write(e.message + '\n');
      code = e.status;
    } else {
      process.stderr.write(errorText(e) + '\n');
      code = 1;
    }
  }
  process.exitCode = code;
  // stdin and sockets may hold the loop open after a session: leave once output is flushed
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/**
 * Loads the command modules, warms those that say how and renders the help
 * once: run while a start-up snapshot is built, so a command starts with all
 * of it ready. Heavy ones (with a summary of their own: compose) only with
 * `heavy`, for the snapshot compose commands start from (scripts/build-cli.js).
 */
export function preload(heavy = false): void {
  for (const refs of Object.values(groups)) for (const r of refs) if (heavy || r.summary === undefined) r.load().warm?.();
  mainHelp();
  for (const g of Object.keys(groups)) if (g) groupHelp(g);
}
