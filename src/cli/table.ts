// The command table: every command, by management group, and the top-level
// shortcuts docker has (`berth ps` = `berth container ls`, `berth rmi` =
// `berth image rm`). One module per command family in commands/, named after
// the command (`commands/logs.ts`); modules load on first use, so a CLI call
// pays only for the command it runs.
import type { Command } from './command';

export interface CommandRef {
  name: string;
  aliases?: string[];
  /** for a heavy module: the help lists it without loading it (must equal the command's own) */
  summary?: string;
  load(): Command;
}

function cmd(file: string, exp: string, name: string, aliases?: string[]): CommandRef {
  return { name, aliases, load: () => (require(`./commands/${file}.js`) as Record<string, Command>)[exp] };
}

export const groups: Record<string, CommandRef[]> = {
  container: [
    cmd('attach', 'attachCommand', 'attach'),
    cmd('commit', 'commitCommand', 'commit'),
    cmd('cp', 'cpCommand', 'cp'),
    cmd('run', 'createCommand', 'create'),
    cmd('diff', 'diffCommand', 'diff'),
    cmd('exec', 'execCommand', 'exec'),
    cmd('export', 'exportCommand', 'export'),
    cmd('inspect', 'containerInspectCommand', 'inspect'),
    cmd('kill', 'killCommand', 'kill'),
    cmd('logs', 'logsCommand', 'logs'),
    cmd('ps', 'psCommand', 'ls', ['ps', 'list']),
    cmd('pause', 'pauseCommand', 'pause'),
    cmd('port', 'portCommand', 'port'),
    cmd('prune', 'containerPruneCommand', 'prune'),
    cmd('rename', 'renameCommand', 'rename'),
    cmd('stop', 'restartCommand', 'restart'),
    cmd('rm', 'rmCommand', 'rm', ['remove']),
    cmd('run', 'runCommand', 'run'),
    cmd('start', 'startCommand', 'start'),
    cmd('stats', 'statsCommand', 'stats'),
    cmd('stop', 'stopCommand', 'stop'),
    cmd('top', 'topCommand', 'top'),
    cmd('pause', 'unpauseCommand', 'unpause'),
    cmd('update', 'updateCommand', 'update'),
    cmd('wait', 'waitCommand', 'wait'),
  ],
  context: [
    cmd('context', 'contextCreateCommand', 'create'),
    cmd('context', 'contextExportCommand', 'export'),
    cmd('context', 'contextImportCommand', 'import'),
    cmd('context', 'contextInspectCommand', 'inspect'),
    cmd('context', 'contextLsCommand', 'ls', ['list']),
    cmd('context', 'contextRmCommand', 'rm', ['remove']),
    cmd('context', 'contextShowCommand', 'show'),
    cmd('context', 'contextUpdateCommand', 'update'),
    cmd('context', 'contextUseCommand', 'use'),
  ],
  builder: [cmd('build', 'buildCommand', 'build'), cmd('prune', 'builderPruneCommand', 'prune')],
  image: [
    cmd('history', 'historyCommand', 'history'),
    cmd('import', 'importCommand', 'import'),
    cmd('inspect', 'imageInspectCommand', 'inspect'),
    cmd('load', 'loadCommand', 'load'),
    cmd('images', 'imagesCommand', 'ls', ['images', 'list']),
    cmd('prune', 'imagePruneCommand', 'prune'),
    cmd('pull', 'pullCommand', 'pull'),
    cmd('push', 'pushCommand', 'push'),
    cmd('rmi', 'rmiCommand', 'rm', ['rmi', 'remove']),
    cmd('save', 'saveCommand', 'save'),
    cmd('tag', 'tagCommand', 'tag'),
    cmd('build', 'buildCommand', 'build'),
  ],
  network: [
    cmd('network', 'networkConnectCommand', 'connect'),
    cmd('network', 'networkCreateCommand', 'create'),
    cmd('network', 'networkDisconnectCommand', 'disconnect'),
    cmd('network', 'networkInspectCommand', 'inspect'),
    cmd('network', 'networkLsCommand', 'ls', ['list']),
    cmd('prune', 'networkPruneCommand', 'prune'),
    cmd('network', 'networkRmCommand', 'rm', ['remove']),
  ],
  system: [
    cmd('certs', 'certsCommand', 'certs'),
    cmd('df', 'dfCommand', 'df'),
    cmd('dial-stdio', 'dialStdioCommand', 'dial-stdio'),
    cmd('events', 'eventsCommand', 'events'),
    cmd('info', 'infoCommand', 'info'),
    cmd('prune', 'systemPruneCommand', 'prune'),
  ],
  volume: [
    cmd('volume', 'volumeCreateCommand', 'create'),
    cmd('volume', 'volumeInspectCommand', 'inspect'),
    cmd('volume', 'volumeLsCommand', 'ls', ['list']),
    cmd('prune', 'volumePruneCommand', 'prune'),
    cmd('volume', 'volumeRmCommand', 'rm', ['remove']),
  ],
  // commands that exist only at the top level
  '': [
    {
      name: 'compose',
      summary: 'Define and run multi-container applications',
      load: () => (require('../compose/cli/main') as typeof import('../compose/cli/main')).composeCommand,
    },
    cmd('inspect', 'inspectCommand', 'inspect'),
    cmd('login', 'loginCommand', 'login'),
    cmd('login', 'logoutCommand', 'logout'),
    cmd('search', 'searchCommand', 'search'),
    cmd('version', 'versionCommand', 'version'),
  ],
};

/** [top-level name, group ('' = top-level only), name in the group] */
export const topLevel: Array<[string, string, string]> = [
  ['attach', 'container', 'attach'],
  ['build', 'image', 'build'],
  ['commit', 'container', 'commit'],
  ['compose', '', 'compose'],
  ['history', 'image', 'history'],
  ['load', 'image', 'load'],
  ['login', '', 'login'],
  ['logout', '', 'logout'],
  ['pull', 'image', 'pull'],
  ['push', 'image', 'push'],
  ['save', 'image', 'save'],
  ['search', '', 'search'],
  ['tag', 'image', 'tag'],
  ['cp', 'container', 'cp'],
  ['diff', 'container', 'diff'],
  ['export', 'container', 'export'],
  ['import', 'image', 'import'],
  ['rmi', 'image', 'rm'],
  ['create', 'container', 'create'],
  ['events', 'system', 'events'],
  ['exec', 'container', 'exec'],
  ['images', 'image', 'ls'],
  ['info', 'system', 'info'],
  ['inspect', '', 'inspect'],
  ['port', 'container', 'port'],
  ['ps', 'container', 'ls'],
  ['stats', 'container', 'stats'],
  ['top', 'container', 'top'],
  ['version', '', 'version'],
  ['kill', 'container', 'kill'],
  ['logs', 'container', 'logs'],
  ['pause', 'container', 'pause'],
  ['rename', 'container', 'rename'],
  ['restart', 'container', 'restart'],
  ['rm', 'container', 'rm'],
  ['run', 'container', 'run'],
  ['start', 'container', 'start'],
  ['stop', 'container', 'stop'],
  ['unpause', 'container', 'unpause'],
  ['update', 'container', 'update'],
  ['wait', 'container', 'wait'],
];
