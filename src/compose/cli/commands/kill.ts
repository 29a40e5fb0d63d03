// kill: a signal to the services' running containers.
import { verbCommand } from '../verbs';

export const killCommand = verbCommand(
  'kill',
  'Force stop service containers',
  ['Killing', 'Killed'],
  'kill',
  true,
  [
    { long: 'signal', short: 's', kind: 'string', help: 'SIGNAL to send to the container', def: 'SIGKILL' },
    { long: 'remove-orphans', kind: 'bool', help: 'Remove containers for services not defined in the Compose file' },
  ],
  (f) => ({ signal: f.str('signal') }),
  ['running', 'restarting'],
  'ignore',
  'No container to kill',
);
