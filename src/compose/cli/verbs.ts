// The containers of the services a command names (all of the project's when
// none), with the services in dependency order; and the commands that make one
// API call per container in that order (stop and kill in reverse). What a
// command does with a service the project does not have is Compose v5's:
// `stop`, `kill`, `pause`, `unpause` and `rm` act on nothing and exit 0,
// `start` fails with its own text, the others with "no such service".
import { ComposeError, nameOf, orderServices, projectContainers, type ContainerSummary } from '../engine/project';
import { L } from '../engine/labels';
import type { ComposeCommand } from './command';
import type { ComposeContext } from './context';
import type { Flags } from '../../cli/flags';

/** How a command meets a service the project does not have. */
export type UnknownService = 'error' | 'ignore' | 'notFound';

export async function targets(
  cc: ComposeContext,
  args: string[],
  all = true,
  unknown: UnknownService = 'error',
): Promise<{ cs: ContainerSummary[]; order: string[] }> {
  const p = cc.project();
  const api = await cc.api();
  const missing = args.find((a) => !p.services[a]);
  if (missing !== undefined && unknown === 'notFound') throw new ComposeError(`no such service: "${missing}": not found`);
  const names = unknown === 'ignore' ? args.filter((a) => p.services[a]) : args;
  if (args.length && !names.length) return { cs: [], order: [] };
  const order = orderServices(p, names.length ? names : undefined, false);
  const cs = await projectContainers(api, p.name, { all, services: names.length ? names : undefined });
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
  unknown: UnknownService = 'error',
  /** what Compose prints on stderr when no container is in a state to act on */
  none?: string,
): ComposeCommand {
  return {
    name,
    usage: '[OPTIONS] [SERVICE...]',
    summary,
    flags,
    async run(cc, f, args) {
      const api = await cc.api();
      const { cs, order } = await targets(cc, args, true, unknown);
      const rank = (c: ContainerSummary) => order.indexOf(c.Labels[L.service]) * (reverse ? -1 : 1);
      const acted = cs.filter((c) => !states || states.includes(c.State)).sort((a, b) => rank(a) - rank(b));
      if (!acted.length && none) {
        cc.cli.err(`${none}\n`);
        return;
      }
      const progress = cc.progress();
      try {
        for (const c of acted) {
          if (past[0]) progress.event('Container', nameOf(c), past[0]);
          await api.post(`/containers/${c.Id}/${path}`, query?.(f));
          progress.event('Container', nameOf(c), past[1], true);
        }
      } finally {
        progress.close();
      }
    },
  };
}
