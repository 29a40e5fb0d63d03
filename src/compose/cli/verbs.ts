// The containers of the services a command names (all of the project's when
// none), with the services in dependency order; and the commands that make one
// API call per container in that order (stop and kill in reverse).
import { nameOf, orderServices, projectContainers, type ContainerSummary } from '../engine/project';
import { L } from '../engine/labels';
import type { ComposeCommand } from './command';
import type { ComposeContext } from './context';
import type { Flags } from '../../cli/flags';

export async function targets(cc: ComposeContext, args: string[], all = true): Promise<{ cs: ContainerSummary[]; order: string[] }> {
  const p = cc.project();
  const api = await cc.api();
  const order = orderServices(p, args.length ? args : undefined, false);
  const cs = await projectContainers(api, p.name, { all, services: args.length ? args : undefined });
  return { cs, order };
}

export function verbCommand(
  name: string,
  summary: string,
  past: [string, string],
  path: string,
  reverse: boolean,
  flags: ComposeCommand['flags'] = [],
  query?: (f: Flags) => Record<string, string | number | undefined>,
  states?: string[],
): ComposeCommand {
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
