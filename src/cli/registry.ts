// Every command, by management group, and the top-level shortcuts docker has
// (`berth ps` = `berth container ls`, `berth rmi` = `berth image rm`). Command
// modules load on first use: a CLI call pays only for the command it runs.
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
    cmd('archive', 'commitCommand', 'commit'),
    cmd('files', 'cpCommand', 'cp'),
    cmd('run', 'createCommand', 'create'),
    cmd('files', 'diffCommand', 'diff'),
    cmd('io', 'execCommand', 'exec'),
    cmd('files', 'exportCommand', 'export'),
    cmd('inspect', 'containerInspectCommand', 'inspect'),
    cmd('lifecycle', 'killCommand', 'kill'),
    cmd('io', 'logsCommand', 'logs'),
    cmd('ps', 'psCommand', 'ls', ['ps', 'list']),
    cmd('lifecycle', 'pauseCommand', 'pause'),
    cmd('observe', 'portCommand', 'port'),
    cmd('lifecycle', 'containerPruneCommand', 'prune'),
    cmd('lifecycle', 'renameCommand', 'rename'),
    cmd('lifecycle', 'restartCommand', 'restart'),
    cmd('lifecycle', 'rmCommand', 'rm', ['remove']),
    cmd('run', 'runCommand', 'run'),
    cmd('lifecycle', 'startCommand', 'start'),
    cmd('observe', 'statsCommand', 'stats'),
    cmd('lifecycle', 'stopCommand', 'stop'),
    cmd('observe', 'topCommand', 'top'),
    cmd('lifecycle', 'unpauseCommand', 'unpause'),
    cmd('lifecycle', 'updateCommand', 'update'),
    cmd('lifecycle', 'waitCommand', 'wait'),
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
  builder: [
    cmd('build', 'buildCommand', 'build'),
    cmd('build', 'builderPruneCommand', 'prune'),
  ],
  image: [
    cmd('image', 'historyCommand', 'history'),
    cmd('image', 'importCommand', 'import'),
    cmd('inspect', 'imageInspectCommand', 'inspect'),
    cmd('archive', 'loadCommand', 'load'),
    cmd('image', 'imagesCommand', 'ls', ['images', 'list']),
    cmd('image', 'imagePruneCommand', 'prune'),
    cmd('registry', 'pullCommand', 'pull'),
    cmd('registry', 'pushCommand', 'push'),
    cmd('image', 'rmiCommand', 'rm', ['rmi', 'remove']),
    cmd('archive', 'saveCommand', 'save'),
    cmd('image', 'tagCommand', 'tag'),
    cmd('build', 'buildCommand', 'build'),
  ],
  network: [
    cmd('network', 'networkConnectCommand', 'connect'),
    cmd('network', 'networkCreateCommand', 'create'),
    cmd('network', 'networkDisconnectCommand', 'disconnect'),
    cmd('network', 'networkInspectCommand', 'inspect'),
    cmd('network', 'networkLsCommand', 'ls', ['list']),
    cmd('network', 'networkPruneCommand', 'prune'),
    cmd('network', 'networkRmCommand', 'rm', ['remove']),
  ],
  system: [
    cmd('certs', 'certsCommand', 'certs'),
    cmd('df', 'dfCommand', 'df'),
    cmd('dial-stdio', 'dialStdioCommand', 'dial-stdio'),
    cmd('observe', 'eventsCommand', 'events'),
    cmd('system', 'infoCommand', 'info'),
    cmd('prune', 'systemPruneCommand', 'prune'),
  ],
  volume: [
    cmd('volume', 'volumeCreateCommand', 'create'),
    cmd('volume', 'volumeInspectCommand', 'inspect'),
    cmd('volume', 'volumeLsCommand', 'ls', ['list']),
    cmd('volume', 'volumePruneCommand', 'prune'),
    cmd('volume', 'volumeRmCommand', 'rm', ['remove']),
  ],
  // commands that exist only at the top level
  '': [
    { name: 'compose', summary: 'Define and run multi-container applications', load: () => (require('../compose/cli/main') as typeof import('../compose/cli/main')).composeCommand },
    cmd('inspect', 'inspectCommand', 'inspect'),
    cmd('registry', 'loginCommand', 'login'),
    cmd('registry', 'logoutCommand', 'logout'),
    cmd('registry', 'searchCommand', 'search'),
    cmd('system', 'versionCommand', 'version'),
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
