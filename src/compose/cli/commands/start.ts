// start: the services' existing containers, in dependency order.
import { verbCommand } from '../verbs';

export const startCommand = verbCommand('start', 'Start services', ['Starting', 'Started'], 'start', false, [], undefined, ['created', 'exited'], 'notFound');
