// start, stop, restart, kill, pause, unpause, rm, wait: one API call per
// service container, in dependency order (stop in reverse).
import { ComposeError, nameOf, orderServices, projectContainers, type ContainerSummary } from '../../engine/project';
import { L } from '../../engine/labels';
import { waitCondition } from '../../engine/up';
import type { ComposeCommand } from '../command';
import type { ComposeContext } from '../context';
import type { Flags } from '../../../cli/flags';

async function targets(cc: ComposeContext, args: string[], all = true): Promise<{ cs: ContainerSummary[]; order: string[] }> {
  const p = cc.project();
  const api = await cc.api();
  const order = orderServices(p, args.length ? args : undefined, false);
  const cs = await projectContainers(api, p.name, { all, services: args.length ? args : undefined });
  return { cs, order };
}

function verbCommand(name: string, summary: string, past: [string, string], path: string, reverse: boolean, flags: ComposeCommand['flags'] = [], query?: (f: Flags) => Record<string, string | number | undefined>, states?: string[]): ComposeCommand {
  return {
    name,
    usage: '[OPTIONS] [SERVICE...]',
    summary,
    flags,
    async run(cc, f, args) {
      const api = await cc.api();
      const { cs, order } = await targets(cc, args);
      const progress = cc.progress();
      const rank = (c: ContainerSummary) => order.indexOf(c.Labels[L.service]) * (reverse ? -1 : 1);
      try {
        for (const c of [...cs].sort((a, b) => rank(a) - rank(b))) {
          if (states && !states.includes(c.State)) continue;
          progress.event('Container', nameOf(c), past[0]);
          await api.post(`/containers/${c.Id}/${path}`, query?.(f));
          progress.event('Container', nameOf(c), past[1], true);
        }
      } finally {
        progress.close();
      }
    },
  };
}

const timeoutFlag = { long: 'timeout', short: 't', kind: 'int' as const, help: 'Specify a shutdown timeout in seconds' };

export const startCommand = verbCommand('start', 'Start services', ['Starting', 'Started'], 'start', false, [], undefined, ['created', 'exited']);
export const stopCommand = verbCommand('stop', 'Stop services', ['Stopping', 'Stopped'], 'stop', true, [timeoutFlag], (f) => ({ t: f.isSet('timeout') ? f.int('timeout') : undefined }), ['running', 'restarting', 'paused']);
export const restartCommand = verbCommand('restart', 'Restart service containers', ['Restarting', 'Started'], 'restart', false, [timeoutFlag, { long: 'no-deps', kind: 'bool', help: "Don't restart dependent services" }], (f) => ({ t: f.isSet('timeout') ? f.int('timeout') : undefined }));
export const killCommand = verbCommand('kill', 'Force stop service containers', ['Killing', 'Killed'], 'kill', true, [{ long: 'signal', short: 's', kind: 'string', help: 'SIGNAL to send to the container', def: 'SIGKILL' }, { long: 'remove-orphans', kind: 'bool', help: 'Remove containers for services not defined in the Compose file' }], (f) => ({ signal: f.str('signal') }), ['running', 'restarting']);
export const pauseCommand = verbCommand('pause', 'Pause services', ['Pausing', 'Paused'], 'pause', false, [], undefined, ['running']);
export const unpauseCommand = verbCommand('unpause', 'Unpause services', ['Unpausing', 'Unpaused'], 'unpause', false, [], undefined, ['paused']);

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
    const { cs } = await targets(cc, args);
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
      if (!f.bool('force')) {
        const ok = await cc.cli.confirm(`Going to remove ${stopped.map(nameOf).join(', ')}\n? Are you sure? [y/N] `);
        if (!ok) return;
      }
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

export const waitCommand: ComposeCommand = {
  name: 'wait',
  usage: 'SERVICE [SERVICE...] [OPTIONS]',
  summary: 'Block until containers of all (or specified) services stop.',
  flags: [{ long: 'down-project', kind: 'bool', help: 'Drops project when the first container stops' }],
  async run(cc, _f, args) {
    if (!args.length) throw new ComposeError('wait requires at least 1 argument');
    const api = await cc.api();
    const { cs } = await targets(cc, args);
    let code = 0;
    for (const c of cs) {
      const r = await api.post(`/containers/${c.Id}/wait`);
      code = r.StatusCode ?? code;
    }
    return code;
  },
};

export { waitCondition };
