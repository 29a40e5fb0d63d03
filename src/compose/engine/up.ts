// `up` converges the engine to the project: networks and volumes first, then
// each service's containers in dependency order (independent services in
// parallel). A container is recreated only when its service's config hash or
// image changed (or --force-recreate); dependants wait for their
// dependencies' conditions (started, healthy, completed successfully).
import type { ApiClient } from '../../client/api';
import type { Project, ServiceConfig } from '../model';
import { readSource } from '../load/normalize';
import { createBody, imageOf } from './create';
import { serviceHash } from './hash';
import { L } from './labels';
import { ComposeError, ensureNetworks, ensureVolumes, nameOf, numberOf, orderServices, projectContainers, type ContainerSummary } from './project';
import type { Progress } from './progress';
import { ensureImages } from './images';
import { postStart } from './hooks';

export interface UpOptions {
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  noStart?: boolean;
  removeOrphans?: boolean;
  renewAnonVolumes?: boolean;
  scale?: Record<string, number>;
  build?: boolean;
  noBuild?: boolean;
  pull?: 'always' | 'missing' | 'never';
  quietPull?: boolean;
  /** stop timeout (seconds) for recreated/removed containers */
  timeout?: number;
  /** --wait: every service running (healthy when it has a healthcheck) before returning */
  wait?: boolean;
  waitTimeout?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function up(api: ApiClient, p: Project, o: UpOptions, progress: Progress, warn: (s: string) => void): Promise<void> {
  const order = orderServices(p, o.services, !o.noDeps);
  // one listing serves the orphan check and the convergence
  const listed = await projectContainers(api, p.name, { all: true });
  const existing = await orphans(api, p, listed, o, progress, warn);
  const netKeys = [...new Set(order.flatMap((n) => Object.keys(p.services[n].networks)))];
  const volKeys = [...new Set(order.flatMap((n) => p.services[n].volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source)))];
  await Promise.all([ensureNetworks(api, p, netKeys, progress), ensureVolumes(api, p, volKeys, progress)]);
  const imageIds = await ensureImages(api, p, order, { build: o.build, noBuild: o.noBuild, pull: o.pull, quiet: o.quietPull }, progress);

  const byService = new Map<string, ContainerSummary[]>();
  for (const c of existing) (byService.get(c.Labels[L.service]) ?? byService.set(c.Labels[L.service], []).get(c.Labels[L.service])!).push(c);
  const names = new Map<string, string>();
  for (const [svc, cs] of byService) if (cs[0]) names.set(svc, nameOf(cs[0]));
  const resolveContainer = (svc: string) => names.get(svc);
  const recreated = new Set<string>();

  // one promise per service: resolved once its containers are up to date and started
  const done = new Map<string, Promise<void>>();
  const converge = async (name: string): Promise<void> => {
    const s = p.services[name];
    for (const [dep, cond] of Object.entries(s.depends_on)) {
      if (!done.has(dep)) continue;
      await done.get(dep);
      if (!o.noStart) await waitCondition(api, p, dep, cond.condition, cond.required, progress);
    }
    const depRecreated = Object.entries(s.depends_on).some(([d, c]) => c.restart && recreated.has(d));
    const didRecreate = await convergeService(
      api,
      p,
      s,
      byService.get(name) ?? [],
      { ...o, forceRecreate: o.forceRecreate || depRecreated },
      resolveContainer,
      progress,
      (n) => names.set(name, n),
      imageIds.get(imageOf(p, s)),
    );
    if (didRecreate) recreated.add(name);
  };
  for (const name of order) done.set(name, converge(name));
  const results = await Promise.allSettled([...done.values()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (o.wait) await waitAll(api, p, order, o.waitTimeout, progress);
}

/** Reports (or with --remove-orphans removes) containers of services the files no longer have; returns the rest. */
async function orphans(
  api: ApiClient,
  p: Project,
  all: ContainerSummary[],
  o: UpOptions,
  progress: Progress,
  warn: (s: string) => void,
): Promise<ContainerSummary[]> {
  const known = new Set([...Object.keys(p.services), ...Object.keys(p.disabledServices)]);
  const orphans = all.filter((c) => !known.has(c.Labels[L.service]));
  if (!orphans.length) return all;
  if (!o.removeOrphans) {
    warn(
      `Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
    );
    return all;
  }
  for (const c of orphans) await removeContainer(api, c, o.timeout, progress, false);
  return all.filter((c) => known.has(c.Labels[L.service]));
}

export async function removeContainer(api: ApiClient, c: ContainerSummary, timeout: number | undefined, progress: Progress, volumes: boolean): Promise<void> {
  const n = nameOf(c);
  if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
    progress.event('Container', n, 'Stopping');
    await api.post(`/containers/${c.Id}/stop`, timeout !== undefined ? { t: timeout } : undefined).catch(ignore404);
    progress.event('Container', n, 'Stopped', true);
  }
  progress.event('Container', n, 'Removing');
  await api.json('DELETE', `/containers/${c.Id}`, { query: { force: true, v: volumes } }).catch(ignore404);
  progress.event('Container', n, 'Removed', true);
}

const ignore404 = (e: { status?: number }) => {
  if (e.status !== 404 && e.status !== 304) throw e;
};

/** Brings one service to its scale; true when a container was recreated. */
async function convergeService(
  api: ApiClient,
  p: Project,
  s: ServiceConfig,
  current: ContainerSummary[],
  o: UpOptions,
  resolveContainer: (svc: string) => string | undefined,
  progress: Progress,
  setName: (n: string) => void,
  imageId: string | undefined,
): Promise<boolean> {
  const scale = o.scale?.[s.name] ?? s.scale;
  const hash = serviceHash(p, s);
  let recreated = false;
  const keep = current.filter((c) => numberOf(c) <= scale).sort((a, b) => numberOf(a) - numberOf(b));
  const extra = current.filter((c) => numberOf(c) > scale);
  for (const c of extra) await removeContainer(api, c, o.timeout, progress, false);
  const used = new Set(keep.map(numberOf));
  // what to start: containers kept as they are only when they are not running
  const toStart: Array<{ id: string; name: string }> = [];
  let first: string | undefined;
  for (const c of keep) {
    const stale = c.Labels[L.configHash] !== hash || (imageId !== undefined && c.ImageID !== imageId);
    if ((o.forceRecreate || stale) && !o.noRecreate) {
      const id = await recreate(api, p, s, c, hash, o, resolveContainer, progress, imageId);
      toStart.push({ id, name: nameOf(c) });
      recreated = true;
    } else if (c.State !== 'running') toStart.push({ id: c.Id, name: nameOf(c) });
    else progress.event('Container', nameOf(c), 'Running', true);
    first ??= nameOf(c);
  }
  for (let n = 1, count = keep.length; count < scale; n++) {
    if (used.has(n)) continue;
    used.add(n);
    count++;
    const created = await createContainer(api, p, s, n, hash, resolveContainer, progress, undefined, undefined, imageId);
    toStart.push(created);
    first ??= created.name;
  }
  if (first) setName(first);
  if (!o.noStart)
    for (const t of toStart) {
      await startContainer(api, t.id, t.name, progress);
      if (s.post_start.length) await postStart(api, s, t.id, t.name);
    }
  return recreated;
}

async function createContainer(
  api: ApiClient,
  p: Project,
  s: ServiceConfig,
  n: number,
  hash: string,
  resolveContainer: (svc: string) => string | undefined,
  progress: Progress,
  volumes?: Array<Record<string, unknown>>,
  nameOverride?: string,
  imageId?: string,
): Promise<{ id: string; name: string }> {
  const cb = createBody(p, s, n, hash, { resolveContainer, imageId, override: nameOverride ? { name: nameOverride } : undefined });
  if (volumes?.length) {
    // anonymous volumes carried over from the container being replaced
    const hc = cb.body.HostConfig as Record<string, unknown>;
    hc.Mounts = [...((hc.Mounts as unknown[]) ?? []), ...volumes];
    const anon = { ...((cb.body.Volumes as Record<string, object>) ?? {}) };
    for (const v of volumes) delete anon[v.Target as string];
    cb.body.Volumes = Object.keys(anon).length ? anon : undefined;
  }
  progress.event('Container', cb.name, 'Creating');
  const r = await api.post('/containers/create', { name: cb.name }, cb.body);
  for (const x of cb.extraNetworks)
    await api.post(`/networks/${encodeURIComponent(x.network)}/connect`, undefined, { Container: r.Id, EndpointConfig: x.endpoint });
  await copyFileObjects(api, p, s, r.Id);
  progress.event('Container', cb.name, 'Created', true);
  return { id: r.Id as string, name: cb.name };
}

/** secrets/configs given as `content` or `environment` are written into the container before it starts. */
async function copyFileObjects(api: ApiClient, p: Project, s: ServiceConfig, id: string): Promise<void> {
  const files: Array<{ path: string; data: Buffer; mode: number; uid?: number; gid?: number }> = [];
  for (const [kind, refs] of [
    ['secrets', s.secrets],
    ['configs', s.configs],
  ] as const) {
    for (const r of refs) {
      const def = (kind === 'secrets' ? p.secrets : p.configs)[r.source];
      if (!def || def.file || def.external) continue;
      files.push({
        path: r.target,
        data: readSource(def, p.environment),
        mode: r.mode ?? 0o444,
        uid: r.uid ? Number(r.uid) : undefined,
        gid: r.gid ? Number(r.gid) : undefined,
      });
    }
  }
  if (!files.length) return;
  const { writeTarFiles } = require('../../util/tarfiles') as typeof import('../../util/tarfiles');
  const tar = await writeTarFiles(files.map((f) => ({ ...f, path: f.path.replace(/^\/+/, '') })));
  await api.request('PUT', `/containers/${id}/archive`, { query: { path: '/' }, body: tar, headers: { 'Content-Type': 'application/x-tar' } });
}

async function recreate(
  api: ApiClient,
  p: Project,
  s: ServiceConfig,
  old: ContainerSummary,
  hash: string,
  o: UpOptions,
  resolveContainer: (svc: string) => string | undefined,
  progress: Progress,
  imageId?: string,
): Promise<string> {
  const name = nameOf(old);
  progress.event('Container', name, 'Recreate');
  const info = await api.get(`/containers/${old.Id}/json`);
  // anonymous volumes survive recreation unless -V
  const anon: Array<Record<string, unknown>> = o.renewAnonVolumes
    ? []
    : ((info.Mounts ?? []) as Array<{ Type: string; Name?: string; Destination: string }>)
        .filter(
          (m) =>
            m.Type === 'volume' &&
            m.Name &&
            /^[0-9a-f]{64}$/.test(m.Name) &&
            s.volumes.some((v) => v.type === 'volume' && !v.source && v.target === m.Destination),
        )
        .map((m) => ({ Type: 'volume', Source: m.Name, Target: m.Destination }));
  if (old.State === 'running' || old.State === 'paused' || old.State === 'restarting')
    await api.post(`/containers/${old.Id}/stop`, o.timeout !== undefined ? { t: o.timeout } : undefined).catch(ignore404);
  await api.post(`/containers/${old.Id}/rename`, { name: `${old.Id.slice(0, 12)}_${name}` });
  const { id } = await createContainer(
    api,
    p,
    s,
    numberOf(old),
    hash,
    resolveContainer,
    { event() {}, close() {} },
    anon,
    s.container_name ? undefined : name,
    imageId,
  );
  await api.json('DELETE', `/containers/${old.Id}`, { query: { force: true, v: false } }).catch(ignore404);
  progress.event('Container', name, 'Recreated', true);
  return id;
}

async function startContainer(api: ApiClient, id: string, name: string, progress: Progress): Promise<void> {
  progress.event('Container', name, 'Starting');
  await api.post(`/containers/${id}/start`).catch(ignore404);
  progress.event('Container', name, 'Started', true);
}

/** Waits for a dependency's condition (Compose's words on failure). */
export async function waitCondition(api: ApiClient, p: Project, service: string, condition: string, required: boolean, progress: Progress): Promise<void> {
  if (condition === 'service_started') return;
  const cs = await projectContainers(api, p.name, { all: true, services: [service] });
  for (const c of cs) {
    const name = nameOf(c);
    progress.event('Container', name, 'Waiting');
    for (;;) {
      const info = await api.get(`/containers/${c.Id}/json`);
      const st = info.State ?? {};
      if (condition === 'service_healthy') {
        const h = st.Health?.Status;
        if (!info.Config?.Healthcheck || h === undefined) {
          if (!required) break;
          throw new ComposeError(`dependency failed to start: container ${name} has no healthcheck configured`);
        }
        if (h === 'healthy') {
          progress.event('Container', name, 'Healthy', true);
          break;
        }
        if (h === 'unhealthy' || (!st.Running && st.Status === 'exited')) {
          if (!required) break;
          throw new ComposeError(`dependency failed to start: container ${name} is unhealthy`);
        }
      } else if (condition === 'service_completed_successfully') {
        if (st.Status === 'exited' || st.Status === 'dead') {
          if (st.ExitCode === 0) {
            progress.event('Container', name, 'Exited', true);
            break;
          }
          if (!required) break;
          throw new ComposeError(`service "${service}" didn't complete successfully: exit ${st.ExitCode}`);
        }
      }
      await sleep(100);
    }
  }
}

async function waitAll(api: ApiClient, p: Project, services: string[], timeoutS: number | undefined, progress: Progress): Promise<void> {
  const deadline = timeoutS ? Date.now() + timeoutS * 1000 : Infinity;
  const cs = await projectContainers(api, p.name, { all: true, services });
  for (const c of cs) {
    const name = nameOf(c);
    for (;;) {
      if (Date.now() > deadline) throw new ComposeError(`timeout waiting for ${name} to be ready`);
      const info = await api.get(`/containers/${c.Id}/json`);
      const st = info.State ?? {};
      if (!st.Running) throw new ComposeError(`container ${name} exited (${st.ExitCode})`);
      if (!info.Config?.Healthcheck || info.Config.Healthcheck.Test?.[0] === 'NONE' || st.Health?.Status === 'healthy') {
        progress.event('Container', name, info.Config?.Healthcheck ? 'Healthy' : 'Running', true);
        break;
      }
      if (st.Health?.Status === 'unhealthy') throw new ComposeError(`container ${name} is unhealthy`);
      await sleep(100);
    }
  }
}
