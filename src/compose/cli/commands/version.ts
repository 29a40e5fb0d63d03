// version: the Compose version berth speaks.
import { COMPOSE_VERSION } from '../../engine/labels';
import type { ComposeCommand } from '../command';

export const versionCommand: ComposeCommand = {
  name: 'version',
  usage: '[OPTIONS]',
  summary: 'Show the berth compose version information',
  flags: [
    { long: 'short', kind: 'bool', help: 'Shows only the version number' },
    { long: 'format', short: 'f', kind: 'string', help: 'Format the output. Values: [pretty | json]', def: 'pretty' },
  ],
  async run(cc, f) {
    if (f.bool('short')) cc.cli.out(`${COMPOSE_VERSION}\n`);
    else if (f.str('format') === 'json') cc.cli.out(JSON.stringify({ version: `v${COMPOSE_VERSION}`, implementation: 'berth compose' }) + '\n');
    else cc.cli.out(`berth compose version v${COMPOSE_VERSION}\n`);
  },
};
