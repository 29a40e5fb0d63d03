// The engine side of a project: its containers, networks and volumes as the
// Engine API lists them (by Compose's labels), and the small operations
// convergence is made of.
import type { ApiClient } from '../../client/api';
import type { ContainerSummary as ApiContainerSummary } from '../../client/types';
import type { Project } from '../model';
import { networkHash, volumeHash } from './hash';
import { COMPOSE_VERSION, L, projectFilter } from './labels';
import type { Progress } from './progress';
import { byteOrder } from '../../util/compare';

/** A project container as listed: compose containers always carry labels. */
export type ContainerSummary = ApiContainerSummary & { Labels: Record<string, string> };

export const nameOf = (c: ContainerSummary): string => (c.Names[0] ?? '').replace(/^\//, '');
export const numberOf = (c: ContainerSummary): number => Number(c.Labels[L.number] ?? 0);

export class ComposeError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Every container of the project (one-off `run` containers only when asked). */
export async function projectContainers(
  api: ApiClient,
  project: string,
  opts: { all?: boolean; oneOff?: boolean; services?: string[] } = {},
): Promise<ContainerSummary[]> {
  const extra = opts.oneOff ? [] : [`${L.oneoff}=False`];
  const list = (await api.get('/containers/json', { all: opts.all ?? true, filters: projectFilter(project, extra) })) as ContainerSummary[];
  return list
    .filter((c) => !opts.services?.length || opts.services.includes(c.Labels[L.service]))
    .sort((a, b) => byteOrder(a.Labels[L.service], b.Labels[L.service]) || numberOf(a) - numberOf(b));
}

export async function ensureNetworks(api: ApiClient, p: Project, keys: string[], progress: Progress): Promise<void> {
  await Promise.all(keys.map((key) => ensureNetwork(api, p, key, progress)));
}

async function ensureNetwork(api: ApiClient, p: Project, key: string, progress: Progress): Promise<void> {
  const n = p.networks[key];
  const existing = await api.get(`/networks/${encodeURIComponent(n.name)}`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
  if (n.external) {
    if (!existing) throw new ComposeError(`network ${n.name} declared as external, but could not be found`);
    return;
  }
  if (existing) {
    const owner = existing.Labels?.[L.project];
    if (owner !== undefined && owner !== p.name)
      progress.event('Network', n.name, `Warning: network ${n.name} was found but has incorrect label ${L.project} set to "${owner}"`, true);
    return;
  }
  progress.event('Network', n.name, 'Creating');
  const body: Record<string, unknown> = {
    Name: n.name,
    CheckDuplicate: true,
    Driver: n.driver ?? 'bridge',
    Options: n.driver_opts,
    Internal: n.internal,
    Attachable: n.attachable,
    EnableIPv6: n.enable_ipv6,
    Labels: { ...n.labels, [L.project]: p.name, [L.network]: key, [L.version]: COMPOSE_VERSION, [L.configHash]: networkHash(p, key) },
  };
  if (n.ipam)
    body.IPAM = {
      Driver: n.ipam.driver ?? 'default',
      Config: n.ipam.config.map((c) => ({ Subnet: c.subnet, IPRange: c.ip_range, Gateway: c.gateway, AuxiliaryAddresses: c.aux_addresses })),
    };
  await api.post('/networks/create', undefined, body);
  progress.event('Network', n.name, 'Created', true);
}

export async function ensureVolumes(api: ApiClient, p: Project, keys: string[], progress: Progress): Promise<void> {
  await Promise.all(keys.map((key) => ensureVolume(api, p, key, progress)));
}

async function ensureVolume(api: ApiClient, p: Project, key: string, progress: Progress): Promise<void> {
  const v = p.volumes[key];
  const existing = await api.get(`/volumes/${encodeURIComponent(v.name)}`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
  if (v.external) {
    if (!existing) throw new ComposeError(`external volume "${v.name}" not found`);
    return;
  }
  if (existing) return;
  progress.event('Volume', v.name, 'Creating');
  await api.post('/volumes/create', undefined, {
    Name: v.name,
    Driver: v.driver ?? 'local',
    DriverOpts: v.driver_opts,
    Labels: { ...v.labels, [L.project]: p.name, [L.volume]: key, [L.version]: COMPOSE_VERSION, [L.configHash]: volumeHash(p, key) },
  });
  progress.event('Volume', v.name, 'Created', true);
}

/** Services in dependency order (dependencies first), restricted to `names` and what they need. */
/**
 * The container a command on one service means, as Compose picks it: replica
 * #index when given (>0), else the lowest-numbered, with its words when none.
 */
export async function specifiedContainer(api: ApiClient, project: string, service: string, index: number): Promise<ContainerSummary> {
  const cs = (await projectContainers(api, project, { all: false, services: [service] })).filter((c) => index <= 0 || numberOf(c) === index);
  if (!cs.length) throw new ComposeError(index > 0 ? `service "${service}" is not running container #${index}` : `service "${service}" is not running`);
  return cs[0];
}

export function orderServices(p: Project, names: string[] | undefined, withDeps = true): string[] {
  const want = new Set<string>();
  const add = (n: string) => {
    if (want.has(n) || !p.services[n]) return;
    want.add(n);
    if (withDeps) for (const d of Object.keys(p.services[n].depends_on)) add(d);
  };
  for (const n of names?.length ? names : Object.keys(p.services)) {
    if (!p.services[n]) throw new ComposeError(`no such service: ${n}`);
    add(n);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of Object.keys(p.services[n]?.depends_on ?? {})) if (want.has(d)) visit(d);
    out.push(n);
  };
  for (const n of [...want].sort()) visit(n);
  return out;
}
