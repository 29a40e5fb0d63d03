// Every prune command: `container|image|network|volume|builder prune` and
// `system prune`, over one pruner per object type made as the docker CLI's
// pruners make them (request, then the "Deleted …:" block); `system prune`
// runs them in Docker's order.
import type { ApiClient } from '../../client/api';
import { StatusError, type Command } from '../command';
import { humanSize } from '../../util/humansize';
import { filterFlag, filterQuery } from '../opts/filter';

export interface PruneResult {
  space: number;
  /** the "Deleted X:" block with one line per object, or '' */
  output: string;
}

const block = (title: string, lines: string[] | null | undefined) => (lines?.length ? `${title}:\n${lines.map((l) => l + '\n').join('')}` : '');

export async function pruneContainers(api: ApiClient, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('/containers/prune', { filters: filterQuery(filters) });
  const output = block('Deleted Containers', r.ContainersDeleted);
  return { space: output ? (r.SpaceReclaimed ?? 0) : 0, output };
}

export async function pruneNetworks(api: ApiClient, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ NetworksDeleted: string[] | null }>('/networks/prune', { filters: filterQuery(filters) });
  return { space: 0, output: block('Deleted Networks', r.NetworksDeleted) };
}

/** `filters` already carries all=true when every unused volume is meant (API >= 1.42). */
export async function pruneVolumes(api: ApiClient, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('/volumes/prune', { filters: filterQuery(filters) });
  const output = block('Deleted Volumes', r.VolumesDeleted);
  return { space: output ? (r.SpaceReclaimed ?? 0) : 0, output };
}

export async function pruneImages(api: ApiClient, all: boolean, filters: string[]): Promise<PruneResult> {
  const r = await api.post<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>('/images/prune', {
    filters: filterQuery([...filters, `dangling=${all ? 'false' : 'true'}`]),
  });
  const output = block(
    'Deleted Images',
    r.ImagesDeleted?.map((e) => (e.Untagged ? `untagged: ${e.Untagged}` : `deleted: ${e.Deleted}`)),
  );
  return { space: output ? (r.SpaceReclaimed ?? 0) : 0, output };
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
    steps.push(
      () => pruneImages(api, all, filters),
      () => pruneBuildCache(api, all, filters),
    );
    let space = 0;
    for (const step of steps) {
      const r = await step();
      space += r.space;
      if (r.output) ctx.out(r.output + '\n');
    }
    ctx.out(`Total reclaimed space: ${humanSize(space)}\n`);
  },
};

export const containerPruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  maxArgs: 0,
  flags: [
    filterFlag('Provide filter values (e.g. "until=<timestamp>")', false),
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, f) {
    if (!f.bool('force') && !(await ctx.confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return 0;
    ctx.out(pruneReport(await pruneContainers(await ctx.api(), f.list('filter'))));
  },
};

export const imagePruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    filterFlag('Provide filter values (e.g. "until=<timestamp>")', false),
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, f) {
    const all = f.bool('all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!f.bool('force') && !(await ctx.confirm(`${warning}\nAre you sure you want to continue? [y/N] `))) return;
    ctx.out(pruneReport(await pruneImages(await ctx.api(), all, f.list('filter'))));
  },
};

export const networkPruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  maxArgs: 0,
  flags: [
    filterFlag('Provide filter values (e.g. "until=<timestamp>")', false),
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, f) {
    if (
      !f.bool('force') &&
      !(await ctx.confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] '))
    )
      return 0;
    const r = await pruneNetworks(await ctx.api(), f.list('filter'));
    if (r.output) ctx.out(r.output + '\n');
  },
};

export const volumePruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove unused local volumes',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    filterFlag('Provide filter values (e.g. "label=<label>")', false),
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, f) {
    const api = await ctx.api();
    const filters = f.list('filter');
    const atLeast142 = versionAtLeast(api.apiVersion, '1.42');
    // before API 1.42 the daemon removes every unused volume, named or not
    let all = !atLeast142;
    if (atLeast142 && f.bool('all')) {
      if (filters.some((x) => x.split('=')[0].trim().toLowerCase() === 'all'))
        throw new Error('conflicting options: cannot specify both --all and --filter all=1');
      filters.push('all=true');
      all = true;
    }
    const warning = all
      ? 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] '
      : 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ';
    if (!f.bool('force') && !(await ctx.confirm(warning))) return 0;
    ctx.out(pruneReport(await pruneVolumes(api, filters)));
  },
};

export const builderPruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused build cache, not just dangling ones' },
    { long: 'filter', kind: 'list', help: 'Provide filter values (e.g. "until=24h")' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
    { long: 'keep-storage', kind: 'string', help: 'Amount of disk space to keep for cache', valueName: 'bytes' },
  ],
  async run(ctx, f) {
    if (!f.bool('force')) {
      const what = f.bool('all') ? 'all build cache' : 'all dangling build cache';
      if (!(await ctx.confirm(`WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `))) return;
    }
    const filters: Record<string, string[]> = {};
    for (const kv of f.list('filter')) {
      const eq = kv.indexOf('=');
      if (eq < 0) throw new StatusError(`bad format of filter (expected name=value)`, 1);
      (filters[kv.slice(0, eq)] ??= []).push(kv.slice(eq + 1));
    }
    const api = await ctx.api();
    const r = await api.post<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('/build/prune', {
      all: f.bool('all') || undefined,
      filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined,
    });
    if (r.CachesDeleted?.length) ctx.out(`Deleted build cache objects:\n${r.CachesDeleted.join('\n')}\n\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};

function versionAtLeast(v: string, min: string): boolean {
  const [a, b] = v.split('.').map(Number);
  const [c, d] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}
