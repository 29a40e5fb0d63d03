// Read-only views of containers: inspect and the `ps` summary, in Docker's shape.
import * as path from 'node:path';
import type { Container, HostConfig } from '../../container';
import { Filters, invalidFilter } from '../../filters';
import { badRequest } from '../../util/errors';
import { humanDuration, ZERO_TIME } from '../../util/time';
import type { EngineContext } from '../context';
import { apiMountPoints } from './mounts';
import { netFilePaths } from './netfiles';
import { networkSettingsView, summaryNetworking } from '../../network';

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
    HostConfig: hostConfigView(c.HostConfig),
    GraphDriver: {
      Data: { LowerDir: lower, MergedDir: path.join(rw, 'merged'), UpperDir: path.join(rw, 'upper'), WorkDir: path.join(rw, 'work') },
      Name: 'overlay2',
    },
    Mounts: apiMountPoints(c),
    // dockerd: null when neither the image nor the request set a variable
    Config: c.Config.Env.length ? c.Config : { ...c.Config, Env: null },
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
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);
const LIST_FILTERS = [
  'ancestor',
  'before',
  'exited',
  'id',
  'isolation',
  'label',
  'name',
  'status',
  'health',
  'since',
  'volume',
  'network',
  'is-task',
  'publish',
  'expose',
];

export interface ListOptions {
  all: boolean;
  limit?: number;
  filters?: Filters;
}

/** "80", "80/udp", "8000-8080/tcp" as the set of "port/proto" keys a publish/expose filter names. */
function portSet(key: string, values: string[]): Set<string> {
  const out = new Set<string>();
  for (const v of values) {
    if (v.includes(':')) throw badRequest(`filter for '${key}' should not contain ':': ${v}`);
    const slash = v.indexOf('/');
    const proto = slash < 0 ? 'tcp' : v.slice(slash + 1) || 'tcp';
    const range = slash < 0 ? v : v.slice(0, slash);
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    const start = m ? Number(m[1]) : NaN;
    const end = m?.[2] !== undefined ? Number(m[2]) : start;
    if (!m || start > 65535 || end > 65535) throw badRequest(`error while looking up for ${key} ${v}: invalid port range: ${range}`);
    if (end < start) throw badRequest(`error while looking up for ${key} ${v}: invalid range specified for port: ${range}`);
    for (let p = start; p <= end; p++) out.add(`${p}/${proto}`);
  }
  return out;
}

/** A container for `before`/`since`: by ID, ID prefix or name, as Docker's idOrNameFilter. */
function refContainer(ctx: EngineContext, ref: string): Container {
  return ctx.containers.get(ref.startsWith('/') ? ref.slice(1) : ref);
}

/** The image and every image built on it: the `ancestor` filter's set. */
function withDescendants(ctx: EngineContext, id: string, into: Set<string>): void {
  if (into.has(id)) return;
  into.add(id);
  for (const child of ctx.images.children(id)) withDescendants(ctx, child.id, into);
}

/** GET /containers/json: Docker's filters, order (newest first), `all` and `limit`. */
export function listContainers(ctx: EngineContext, opts: ListOptions): Container[] {
  const f = opts.filters ?? Filters.empty();
  f.validate(LIST_FILTERS);
  const exited = f.get('exited').map((v) => {
    if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  });
  let all = opts.all;
  for (const s of f.get('status')) {
    if (!STATUSES.has(s)) throw invalidFilter('status', s);
    all = true;
  }
  let isTask: boolean | undefined;
  if (f.has('is-task')) {
    if (f.exactMatch('is-task', 'true')) isTask = true;
    else if (f.exactMatch('is-task', 'false')) isTask = false;
    else throw invalidFilter('is-task', f.get('is-task'));
  }
  for (const h of f.get('health')) if (!HEALTH.has(h)) throw badRequest(`Unrecognised filter value for health: ${h}`);
  let before: string | undefined;
  let since: string | undefined;
  for (const v of f.get('before')) before = refContainer(ctx, v).ID;
  for (const v of f.get('since')) since = refContainer(ctx, v).ID;
  let ancestors: Set<string> | undefined;
  if (f.has('ancestor')) {
    ancestors = new Set();
    for (const a of f.get('ancestor')) {
      const img = ctx.images.find(a);
      if (img) withDescendants(ctx, img.id, ancestors);
    }
  }
  const publish = portSet('publish', f.get('publish'));
  const expose = portSet('expose', f.get('expose'));
  const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;

  // the `id` filter resolves unique prefixes, as Docker's ID index does
  const ids = f.get('id');
  let idHits: Set<string> | undefined;
  if (ids.length) {
    idHits = new Set();
    const every = ctx.containers.all();
    for (const v of ids) {
      const m = every.filter((c) => c.ID.startsWith(v));
      if (m.length === 1) idHits.add(m[0].ID);
    }
  }

  const sorted = ctx.containers.all().sort((a, b) => (b.Created < a.Created ? -1 : b.Created > a.Created ? 1 : 0));
  const out: Container[] = [];
  for (const c of sorted) {
    if (before !== undefined) {
      if (c.ID === before) before = undefined;
      continue;
    }
    if (since !== undefined && c.ID === since) break;
    if (!c.State.Running && !all && limit === 0) continue;
    // names are matched with and without their leading slash
    if (!f.match('name', c.Name) && !f.match('name', c.Name.replace(/^\//, ''))) continue;
    if (idHits && !idHits.has(c.ID)) continue;
    if (!f.match('id', c.ID)) continue;
    if (isTask === true) continue; // berth runs no swarm tasks
    if (!f.matchKVList('label', c.Config.Labels)) continue;
    if (limit > 0 && out.length === limit) break;
    if (exited.length && !(exited.includes(c.State.ExitCode) && !c.State.Running && c.State.StartedAt !== ZERO_TIME && !!c.State.StartedAt)) continue;
    if (!f.match('status', c.State.Status)) continue;
    if (!f.exactMatch('health', c.State.Health?.Status ?? 'none')) continue;
    if (f.has('volume')) {
      const vols = f.get('volume');
      if (!c.MountPoints.some((m) => vols.includes(m.Destination) || vols.includes(m.Name || m.Source))) continue;
    }
    if (ancestors && !ancestors.has(c.Image)) continue;
    if (f.has('network')) {
      const nets = c.NetworkSettings?.Networks ?? {};
      const vals = f.get('network');
      if (!vals.some((v) => v in nets || Object.values(nets).some((ep) => !!ep.NetworkID && ep.NetworkID.startsWith(v)))) continue;
    }
    if (publish.size || expose.size) {
      const ports = summaryNetworking(c).Ports;
      if (!ports.some((p) => publish.has(`${p.PublicPort ?? 0}/${p.Type}`) || expose.has(`${p.PrivatePort}/${p.Type}`))) continue;
    }
    out.push(c);
  }
  return out;
}

/**
 * HostConfig as API 1.41 shows it: KernelMemory and KernelMemoryTCP are still
 * there (0 when not given; berth keeps them, it sets no kernel memory limit), and Init is left out when not set (Go's omitempty).
 */
function hostConfigView(hc: HostConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...hc, KernelMemory: hc.KernelMemory ?? 0, KernelMemoryTCP: hc.KernelMemoryTCP ?? 0 };
  if (hc.Init === null || hc.Init === undefined) delete out.Init;
  return out;
}
