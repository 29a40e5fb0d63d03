// pause and unpause: the services' containers.
import { verbCommand } from '../verbs';

export const pauseCommand = verbCommand('pause', 'Pause services', ['Pausing', 'Paused'], 'pause', false, [], undefined, ['running'], 'ignore');
export const unpauseCommand = verbCommand('unpause', 'Unpause services', ['Unpausing', 'Unpaused'], 'unpause', false, [], undefined, ['paused'], 'ignore');
