// stop and restart: the services' containers (stop in reverse dependency order).
import { verbCommand } from '../verbs';

const timeoutFlag = { long: 'timeout', short: 't', kind: 'int' as const, help: 'Specify a shutdown timeout in seconds' };

export const stopCommand = verbCommand(
  'stop',
  'Stop services',
  ['Stopping', 'Stopped'],
  'stop',
  true,
  [timeoutFlag],
  (f) => ({ t: f.isSet('timeout') ? f.int('timeout') : undefined }),
  ['running', 'restarting', 'paused'],
  'ignore',
);
export const restartCommand = verbCommand(
  'restart',
  'Restart service containers',
  ['Restarting', 'Started'],
  'restart',
  false,
  [timeoutFlag, { long: 'no-deps', kind: 'bool', help: "Don't restart dependent services" }],
  (f) => ({ t: f.isSet('timeout') ? f.int('timeout') : undefined }),
);
