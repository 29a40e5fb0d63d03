// `berth compose`: Compose's global flags, then one of its commands (one file
// per command family under ./commands, named after the command). The docker
// CLI reaches the same code through the `docker-compose` plugin
// (bin/docker-compose), which passes its context's host.
import { StatusError, type CliContext, type Command } from '../../cli/command';
import { FlagError, flagUsages, parseFlags, type FlagDef, type Flags } from '../../cli/flags';
import { ComposeLoadError } from '../load';
import { ComposeError } from '../engine/project';
import { composeContext } from './context';
import type { ComposeCommand } from './command';

const COMMANDS: Record<string, () => ComposeCommand> = {
  build: () => require('./commands/build').buildCommand,
  config: () => require('./commands/config').configCommand,
  cp: () => require('./commands/cp').composeCpCommand,
  create: () => require('./commands/up').createCommand,
  down: () => require('./commands/down').downCommand,
  events: () => require('./commands/events').eventsCommand,
  exec: () => require('./commands/exec').execCommand,
  images: () => require('./commands/images').imagesCommand,
  kill: () => require('./commands/kill').killCommand,
  logs: () => require('./commands/logs').logsCommand,
  ls: () => require('./commands/ls').lsCommand,
  pause: () => require('./commands/pause').pauseCommand,
  port: () => require('./commands/port').portCommand,
  ps: () => require('./commands/ps').psCommand,
  pull: () => require('./commands/pull').pullCommand,
  push: () => require('./commands/push').pushCommand,
  restart: () => require('./commands/stop').restartCommand,
  rm: () => require('./commands/rm').rmCommand,
  run: () => require('./commands/run').runCommand,
  start: () => require('./commands/start').startCommand,
  stop: () => require('./commands/stop').stopCommand,
  top: () => require('./commands/top').topCommand,
  unpause: () => require('./commands/pause').unpauseCommand,
  up: () => require('./commands/up').upCommand,
  version: () => require('./commands/version').versionCommand,
  wait: () => require('./commands/wait').waitCommand,
};

export const composeGlobalFlags: FlagDef[] = [
  { long: 'file', short: 'f', kind: 'list', help: 'Compose configuration files' },
  { long: 'project-name', short: 'p', kind: 'string', help: 'Project name' },
  { long: 'project-directory', kind: 'string', help: 'Specify an alternate working directory (default: the path of the first Compose file)' },
  { long: 'env-file', kind: 'list', help: 'Specify an alternate environment file' },
  { long: 'profile', kind: 'list', help: 'Specify a profile to enable' },
  { long: 'parallel', kind: 'int', help: 'Control max parallelism, -1 for unlimited', def: -1 },
  { long: 'ansi', kind: 'string', help: 'Control when to print ANSI control characters ("never"|"always"|"auto")', def: 'auto' },
  { long: 'progress', kind: 'string', help: 'Set type of progress output (auto, tty, plain, json, quiet)', def: 'auto' },
  { long: 'dry-run', kind: 'bool', help: 'Execute command in dry run mode', hidden: true },
];

function help(): string {
  const names = Object.keys(COMMANDS).sort();
  const w = Math.max(...names.map((n) => n.length)) + 2;
  return `\nUsage:  berth compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with berth\n\nOptions:\n${flagUsages(composeGlobalFlags)}\n\nCommands:\n${names
    .map((n) => `  ${n.padEnd(w)}${COMMANDS[n]().summary}`)
    .join('\n')}\n\nRun 'berth compose COMMAND --help' for more information on a command.\n`;
}

export const composeCommand: Command = {
  name: 'compose',
  usage: '[OPTIONS] COMMAND',
  summary: 'Define and run multi-container applications',
  flags: composeGlobalFlags,
  interspersed: false,
  async run(ctx: CliContext, g: Flags, args: string[]) {
    const [name, ...rest] = args;
    if (!name || name === 'help') {
      ctx.out(help());
      return 0;
    }
    const get = COMMANDS[name];
    if (!get) {
      ctx.err(`unknown docker command: "compose ${name}"\n`);
      return 1;
    }
    const cmd = get();
    let parsed;
    try {
      parsed = parseFlags(cmd.flags, rest, cmd.interspersed !== false);
    } catch (e) {
      if (!(e instanceof FlagError)) throw e;
      ctx.err(`${e.message}\n`);
      return 1;
    }
    if (parsed.help) {
      ctx.out(`\nUsage:  berth compose ${name} ${cmd.usage}\n\n${cmd.summary}\n\nOptions:\n${flagUsages(cmd.flags)}\n`);
      return 0;
    }
    const cc = composeContext(ctx, g);
    try {
      return (await cmd.run(cc, parsed.flags, parsed.args)) ?? 0;
    } catch (e) {
      if (e instanceof ComposeLoadError || e instanceof ComposeError) throw new StatusError(e.message, e instanceof ComposeError ? e.exitCode : 1);
      throw e;
    }
  },
  warm() {
    (require('./warm') as typeof import('./warm')).warm();
  },
};
