// Every command, by management group, and the top-level shortcuts docker has
// (`berth ps` = `berth container ls`, `berth rmi` = `berth image rm`).
import type { Command } from './command';
import { attachCommand } from './commands/attach';
import { execCommand, logsCommand } from './commands/io';
import {
  containerPruneCommand, killCommand, pauseCommand, renameCommand, restartCommand, rmCommand, startCommand, stopCommand,
  unpauseCommand, updateCommand, waitCommand,
} from './commands/lifecycle';
import { createCommand, runCommand } from './commands/run';
import { cpCommand, diffCommand, exportCommand } from './commands/files';
import { historyCommand, imagePruneCommand, imagesCommand, importCommand, rmiCommand, tagCommand } from './commands/image';
import { commitCommand, loadCommand, saveCommand } from './commands/archive';
import { dfCommand } from './commands/df';
import { buildCommand, builderPruneCommand } from './commands/build';
import { loginCommand, logoutCommand, pullCommand, pushCommand, searchCommand } from './commands/registry';
import { containerInspectCommand, imageInspectCommand, inspectCommand } from './commands/inspect';
import { eventsCommand, portCommand, statsCommand, topCommand } from './commands/observe';
import {
  networkConnectCommand, networkCreateCommand, networkDisconnectCommand, networkInspectCommand, networkLsCommand, networkPruneCommand,
  networkRmCommand,
} from './commands/network';
import { psCommand } from './commands/ps';
import { infoCommand, versionCommand } from './commands/system';
import { volumeCreateCommand, volumeInspectCommand, volumeLsCommand, volumePruneCommand, volumeRmCommand } from './commands/volume';

export const groups: Record<string, Command[]> = {
  container: [
    attachCommand, commitCommand, cpCommand, createCommand, diffCommand, execCommand, exportCommand, containerInspectCommand, psCommand, portCommand,
    statsCommand, topCommand, killCommand, logsCommand, pauseCommand, containerPruneCommand, renameCommand,
    restartCommand, rmCommand, runCommand, startCommand, stopCommand, unpauseCommand, updateCommand, waitCommand,
  ],
  builder: [buildCommand, builderPruneCommand],
  image: [
    buildCommand, historyCommand, importCommand, imageInspectCommand, loadCommand, imagesCommand, imagePruneCommand, pullCommand, pushCommand, rmiCommand,
    saveCommand, tagCommand,
  ],
  network: [
    networkConnectCommand, networkCreateCommand, networkDisconnectCommand, networkInspectCommand, networkLsCommand, networkPruneCommand,
    networkRmCommand,
  ],
  system: [dfCommand, eventsCommand, infoCommand],
  volume: [volumeCreateCommand, volumeInspectCommand, volumeLsCommand, volumePruneCommand, volumeRmCommand],
  // commands that exist only at the top level
  '': [inspectCommand, loginCommand, logoutCommand, searchCommand, versionCommand],
};

/** [top-level name, group ('' = top-level only), name in the group] */
export const topLevel: Array<[string, string, string]> = [
  ['attach', 'container', 'attach'],
  ['build', 'image', 'build'],
  ['commit', 'container', 'commit'],
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
