// pause and unpause: the services' containers (Compose v5 shows only the outcome).
import { verbCommand } from '../verbs';

export const pauseCommand = verbCommand('pause', 'Pause services', ['', 'Paused'], 'pause', false, [], undefined, ['running'], 'ignore');
export const unpauseCommand = verbCommand('unpause', 'Unpause services', ['', 'Unpaused'], 'unpause', false, [], undefined, ['paused'], 'ignore');
