// The prune calls of every object type, as the docker CLI's pruners make them
// (request, then the "Deleted …:" block), shared by each `X prune` command and
// by `system prune`, which runs them in Docker's order.
import type { ApiClient } from '../../client/api';
import type { Command } from '../command';
import { humanSize } from '../../util/humansize';
import { filterFlag, filterQuery } from './filters';

export interface PruneResult {
  space: number;
  /** the "Deleted X:" block with one line per object, or '' */
  output: string;
}

const block = (title: string, lines: string[] | null | undefined) => (lines?.length ? `${title}:\n${lines.map((l) => l + '\n').join('')}` : '');

export async function pruneContainers(api: ApiClient, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('/containers/prune', { filters: filterQuery(filters) });
  const output = block('Deleted Containers', r.ContainersDeleted);
  return { space: output ? r.SpaceReclaimed ?? 0 : 0, output };
}

export async function pruneNetworks(api: ApiClient, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ NetworksDeleted: string[] | null }>('/networks/prune', { filters: filterQuery(filters) });
  return { space: 0, output: block('Deleted Networks', r.NetworksDeleted) };
}

/** `filters` already carries all=true when every unused volume is meant (API >= 1.42). */
export async function pruneVolumes(api: ApiClient, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('/volumes/prune', { filters: filterQuery(filters) });
  const output = block('Deleted Volumes', r.VolumesDeleted);
  return { space: output ? r.SpaceReclaimed ?? 0 : 0, output };
}

export async function pruneImages(api: ApiClient, all: boolean, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>('/images/prune', {
    filters: filterQuery([...filters, `dangling=${all ? 'false' : 'true'}`]),
  });
  const output = block('Deleted Images', r.ImagesDeleted?.map((e) => (e.Untagged ? `untagged: ${e.Untagged}` : `deleted: ${e.Deleted}`)));
  return { space: output ? r.SpaceReclaimed ?? 0 : 0, output };
}

export async function pruneBuildCache(api: ApiClient, all: boolean, filters: string[], keepStorage?: number): Promise<PruneResult> {
  const r = await api.post<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('/build/prune', {
    all: all || undefined,
    'keep-storage': keepStorage || undefined,
    filters: filterQuery(filters),
  });
  return { space: r.SpaceReclaimed ?? 0, output: block('Deleted build cache objects', r.CachesDeleted) };
}

/** What a standalone prune prints: the block, an empty line, then the total. */
export function pruneReport(r: PruneResult): string {
  return (r.output ? r.output + '\n' : '') + `Total reclaimed space: ${humanSize(r.space)}\n`;
}

/** Docker's NaturalLess, enough for filter strings: digit runs compare by value. */
function naturalLess(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export const systemPruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove unused data',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
    filterFlag('Provide filter values (e.g. "label=<key>=<value>")', false),
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
    { long: 'volumes', kind: 'bool', help: 'Prune anonymous volumes' },
  ],
  async run(ctx, f) {
    const all = f.bool('all');
    const volumes = f.bool('volumes');
    const filters = f.list('filter');
    const key = (v: string) => v.slice(0, v.indexOf('=')).trim().toLowerCase();
    if (volumes && filters.some((v) => key(v) === 'until')) throw new Error('ERROR: The "until" filter is not supported with "--volumes"');
    if (!f.bool('force')) {
      const warnings = [
        'all stopped containers',
        'all networks not used by at least one container',
        ...(volumes ? ['all anonymous volumes not used by at least one container'] : []),
        all ? 'all images without at least one container associated to them' : 'all dangling images',
        all ? 'all build cache' : 'unused build cache',
      ];
      const shown = filters.filter((v) => ['label', 'label!', 'until'].includes(key(v))).map((v) => `${key(v)}=${v.slice(v.indexOf('=') + 1)}`);
      shown.sort(naturalLess);
      let msg = 'WARNING! This will remove:\n' + warnings.map((w) => `  - ${w}\n`).join('');
      if (shown.length) msg += '\n  Items to be pruned will be filtered with:\n' + shown.map((s) => `  - ${s}\n`).join('');
      if (!(await ctx.confirm(msg + '\nAre you sure you want to continue? [y/N] '))) return;
    }
    const api = await ctx.api();
    const steps: Array<() => Promise<PruneResult>> = [() => pruneContainers(api, filters), () => pruneNetworks(api, filters)];
    if (volumes) steps.push(() => pruneVolumes(api, filters));
    steps.push(() => pruneImages(api, all, filters), () => pruneBuildCache(api, all, filters));
    let space = 0;
    for (const step of steps) {
      const r = await step();
      space += r.space;
      if (r.output) ctx.out(r.output + '\n');
    }
    ctx.out(`Total reclaimed space: ${humanSize(space)}\n`);
  },
};
