// Read-only views of containers: inspect and the `ps` summary, in Docker's shape.
import * as path from 'node:path';
import type { Container } from '../../container';
import { badRequest } from '../../util/errors';
import { humanDuration, ZERO_TIME } from '../../util/time';
import type { EngineContext } from '../context';
import { apiMountPoints } from './mounts';
import { netFilePaths } from './netfiles';
import { networkSettingsView, summaryNetworking } from '../../network';

/** Names and IDs of the networks a container is on, for the `network` filter. */
function networkRefs(c: Container): string[] {
  const nets = c.NetworkSettings?.Networks ?? {};
  const m = c.HostConfig.NetworkMode;
  const names = Object.keys(nets).length ? Object.keys(nets) : [m === 'default' ? 'bridge' : m];
  return [...names, ...Object.values(nets).map((e) => e.NetworkID).filter(Boolean)];
}

export function inspectContainer(ctx: EngineContext, c: Container, sizes?: { rw: number; rootfs: number }) {
  const rw = path.join(ctx.containers.dir(c.ID), 'rootfs-rw');
  const nf = netFilePaths(ctx, c);
  const lower = [path.join(rw, 'init'), ...ctx.layers.diffDirs(c.ImageTopLayer)].join(':');
  const out: Record<string, unknown> = {
    Id: c.ID,
    Created: c.Created,
    Path: c.Path,
    Args: c.Args,
    State: c.State,
    Image: c.Image,
    ResolvConfPath: nf.resolv,
    HostnamePath: nf.hostname,
    HostsPath: nf.hosts,
    LogPath: c.LogPath,
    Name: c.Name,
    RestartCount: c.RestartCount,
    Driver: c.Driver,
    Platform: c.Platform,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: c.ExecIDs && c.ExecIDs.length ? c.ExecIDs : null,
    HostConfig: c.HostConfig,
    GraphDriver: {
      Data: { LowerDir: lower, MergedDir: path.join(rw, 'merged'), UpperDir: path.join(rw, 'upper'), WorkDir: path.join(rw, 'work') },
      Name: 'overlay2',
    },
    Mounts: apiMountPoints(c),
    Config: c.Config,
    NetworkSettings: networkSettingsView(c),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootfs;
  }
  return out;
}

export function statusText(c: Container, now = Date.now()): string {
  const s = c.State;
  const ago = (t: string) => humanDuration(now - Date.parse(t));
  switch (s.Status) {
    case 'created':
      return 'Created';
    case 'running':
    case 'paused': {
      let t = `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
      if (s.Paused) t += ' (Paused)';
      else if (s.Health && s.Health.Status !== 'none') t += s.Health.Status === 'starting' ? ' (health: starting)' : ` (${s.Health.Status})`;
      return t;
    }
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return s.FinishedAt === ZERO_TIME ? `Exited (${s.ExitCode})` : `Exited (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
  }
}

export function summarize(c: Container, sizes?: { rw: number; rootfs: number }) {
  const net = summaryNetworking(c);
  const out: Record<string, unknown> = {
    Id: c.ID,
    Names: [c.Name],
    Image: c.Config.Image,
    ImageID: c.Image,
    Command: [c.Path, ...c.Args].join(' '),
    Created: Math.floor(Date.parse(c.Created) / 1000),
    Ports: net.Ports,
    Labels: c.Config.Labels ?? {},
    State: c.State.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: c.HostConfig.NetworkMode },
    NetworkSettings: { Networks: net.Networks },
    Mounts: apiMountPoints(c),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootfs;
  }
  return out;
}

const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);
const LIST_FILTERS = new Set(['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since', 'health', 'volume', 'network', 'is-task', 'publish', 'expose']);

export interface ListOptions {
  all: boolean;
  limit?: number;
  filters: Record<string, string[]>;
}

export function listContainers(ctx: EngineContext, opts: ListOptions): Container[] {
  const f = opts.filters;
  for (const k of Object.keys(f)) if (!LIST_FILTERS.has(k)) throw badRequest(`invalid filter '${k}'`);
  for (const s of f.status ?? []) if (!STATUSES.has(s)) throw badRequest(`invalid filter 'status=${s}'`);
  for (const h of f.health ?? []) if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h)) throw badRequest(`Unrecognised filter value for health: ${h}`);
  let list = ctx.containers.all().sort((a, b) => (b.Created < a.Created ? -1 : b.Created > a.Created ? 1 : 0));
  const refTime = (ref: string) => ctx.containers.get(ref).Created;
  const before = f.before?.length ? refTime(f.before[0]) : undefined;
  const since = f.since?.length ? refTime(f.since[0]) : undefined;
  const ancestors = (f.ancestor ?? []).map((a) => ctx.images.find(a)?.id ?? a);
  const showAll = opts.all || (opts.limit !== undefined && opts.limit > 0) || !!f.status || !!f.exited || before !== undefined || since !== undefined;
  list = list.filter((c) => {
    if (!showAll && !c.State.Running) return false;
    if (f.id && !f.id.some((v) => c.ID.startsWith(v))) return false;
    if (f.name && !f.name.some((v) => regexpMatch(v, c.Name.slice(1)))) return false;
    if (f.status && !f.status.includes(c.State.Status)) return false;
    if (f.exited && !(c.State.Status === 'exited' && f.exited.includes(String(c.State.ExitCode)))) return false;
    if (f.label) {
      for (const l of f.label) {
        const eq = l.indexOf('=');
        const k = eq < 0 ? l : l.slice(0, eq);
        if (!(k in (c.Config.Labels ?? {}))) return false;
        if (eq >= 0 && c.Config.Labels[k] !== l.slice(eq + 1)) return false;
      }
    }
    if (ancestors.length && !ancestors.includes(c.Image) && !f.ancestor!.includes(c.Config.Image)) return false;
    if (before !== undefined && c.Created >= before) return false;
    if (since !== undefined && c.Created <= since) return false;
    if (f.health && !f.health.includes(c.State.Health?.Status ?? 'none')) return false;
    if (f.network && !networkRefs(c).some((r) => f.network!.some((v) => r === v || (v.length >= 12 && r.startsWith(v))))) return false;
    if (f.volume && !c.MountPoints.some((m) => f.volume!.includes(m.Name ?? '') || f.volume!.includes(m.Destination))) return false;
    return true;
  });
  if (opts.limit !== undefined && opts.limit > 0) list = list.slice(0, opts.limit);
  return list;
}

/** filters.Args.Match: a pattern that does not compile matches nothing (dockerd skips it). */
function regexpMatch(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    return false;
  }
}
