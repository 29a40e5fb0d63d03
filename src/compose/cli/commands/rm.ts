// rm: the services' stopped containers (after stopping them with -s).
import { nameOf } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { targets } from '../verbs';

export const rmCommand: ComposeCommand = {
  name: 'rm',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Removes stopped service containers',
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: "Don't ask to confirm removal" },
    { long: 'stop', short: 's', kind: 'bool', help: 'Stop the containers, if required, before removing' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove any anonymous volumes attached to containers' },
  ],
  async run(cc, f, args) {
    const api = await cc.api();
    const { cs } = await targets(cc, args, true, 'ignore');
    const progress = cc.progress('Removing');
    try {
      if (f.bool('stop'))
        for (const c of cs.filter((x) => x.State === 'running')) {
          progress.event('Container', nameOf(c), 'Stopping');
          await api.post(`/containers/${c.Id}/stop`);
          progress.event('Container', nameOf(c), 'Stopped', true);
          c.State = 'exited';
        }
      const stopped = cs.filter((c) => c.State !== 'running' && c.State !== 'restarting' && c.State !== 'paused');
      if (!stopped.length) {
        cc.cli.err('No stopped containers\n');
        return;
      }
      const going = `Going to remove ${stopped.map(nameOf).join(', ')}`;
      // Compose v5 says it on stdout with -f too
      if (f.bool('force')) cc.cli.out(`${going}\n`);
      else if (!(await cc.cli.confirm(`${going}\n? Are you sure? [y/N] `))) return;
      for (const c of stopped) {
        progress.event('Container', nameOf(c), 'Removing');
        await api.json('DELETE', `/containers/${c.Id}`, { query: { v: f.bool('volumes') } });
        progress.event('Container', nameOf(c), 'Removed', true);
      }
    } finally {
      progress.close();
    }
  },
};
