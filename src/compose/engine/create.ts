// A service's container as the Engine API's create body: Config, HostConfig
// and the first network's endpoint (Compose connects the others after create).
import { parseGoDuration } from '../../util/time';
import type { Project, ServiceConfig } from '../model';
import { COMPOSE_VERSION, L, containerName } from './labels';
import { byteOrder } from '../../util/compare';

export interface CreateBody {
  name: string;
  body: Record<string, unknown>;
  /** networks to connect after create (name -> endpoint config) */
  extraNetworks: Array<{ network: string; endpoint: Record<string, unknown> }>;
}

const seconds = (d: string | undefined): number | undefined => {
  if (!d) return undefined;
  const ns = parseGoDuration(d);
  return ns === undefined ? undefined : Math.round(ns / 1e9);
};
const nanos = (d: string | undefined, where: string): number | undefined => {
  if (!d) return undefined;
  const ns = parseGoDuration(d);
  if (ns === undefined) throw new Error(`${where}: invalid duration "${d}"`);
  return ns;
};

export function imageOf(p: Project, s: ServiceConfig): string {
  return s.image ?? `${p.name}-${s.name}`;
}

/** The container to run service `s` as number `n` (oneOff: a `compose run` container). */
export function createBody(
  p: Project,
  s: ServiceConfig,
  n: number,
  hash: string,
  opts: {
    oneOff?: string;
    imageId?: string;
    resolveContainer: (service: string) => string | undefined;
    override?: Partial<{
      cmd: string[];
      entrypoint: string[];
      env: string[];
      user: string;
      workdir: string;
      tty: boolean;
      stdin: boolean;
      name: string;
      ports: boolean;
      labels: Record<string, string>;
      volumes: string[];
    }>;
  },
): CreateBody {
  const o = opts.override ?? {};
  const name = o.name ?? s.container_name ?? (opts.oneOff ? `${p.name}-${s.name}-run-${opts.oneOff}` : containerName(p.name, s.name, n));
  const labels: Record<string, string> = {
    ...s.labels,
    ...(o.labels ?? {}),
    [L.project]: p.name,
    [L.service]: s.name,
    [L.number]: String(n),
    [L.oneoff]: opts.oneOff ? 'True' : 'False',
    [L.configHash]: hash,
    [L.workingDir]: p.workingDir,
    [L.configFiles]: p.configFiles.join(','),
    ...(p.envFiles.length ? { [L.environmentFile]: p.envFiles.join(',') } : {}),
    [L.dependsOn]: Object.entries(s.depends_on)
      .map(([d, c]) => `${d}:${c.condition}:${c.restart}`)
      .join(','),
    // the image's ID, as Compose records it (what the container was made from)
    [L.image]: opts.imageId ?? imageOf(p, s),
    [L.version]: COMPOSE_VERSION,
  };
  const env = Object.entries(s.environment)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`);
  const exposed: Record<string, object> = {};
  for (const e of s.expose) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  if (o.ports !== false)
    for (const pc of s.ports) {
      const k = `${pc.target}/${pc.protocol}`;
      exposed[k] = {};
      (bindings[k] ??= []).push({ HostIp: pc.host_ip, HostPort: pc.published });
    }
  const mounts: Array<Record<string, unknown>> = [];
  const binds: string[] = [];
  const anon: Record<string, object> = {};
  for (const v of s.volumes) {
    if (v.type === 'volume' && !v.source) {
      anon[v.target] = {};
      continue;
    }
    if (v.type === 'bind' && v.create_host_path) {
      // as Compose: a bind whose host path may be created goes as -v, which the daemon creates when missing
      const opts = [v.read_only ? 'ro' : '', v.selinux ?? '', v.propagation ?? ''].filter(Boolean).join(',');
      binds.push(`${v.source}:${v.target}${opts ? `:${opts}` : ''}`);
      continue;
    }
    const m: Record<string, unknown> = { Type: v.type, Target: v.target, ReadOnly: v.read_only };
    if (v.type === 'volume') {
      m.Source = p.volumes[v.source]?.name ?? v.source;
      if (v.nocopy) m.VolumeOptions = { NoCopy: true };
    } else if (v.type === 'bind') {
      m.Source = v.source;
      if (v.propagation) m.BindOptions = { Propagation: v.propagation };
    } else if (v.type === 'tmpfs') {
      m.TmpfsOptions = { ...(v.tmpfs_size ? { SizeBytes: v.tmpfs_size } : {}), ...(v.tmpfs_mode ? { Mode: v.tmpfs_mode } : {}) };
    }
    mounts.push(m);
  }
  // secrets and configs from files are bind-mounted read-only at their target
  for (const r of [...s.secrets.map((x) => ({ ...x, kind: 'secrets' as const })), ...s.configs.map((x) => ({ ...x, kind: 'configs' as const }))]) {
    const def = (r.kind === 'secrets' ? p.secrets : p.configs)[r.source];
    if (def?.file) mounts.push({ Type: 'bind', Source: def.file, Target: r.target, ReadOnly: true });
  }
  const tmpfs: Record<string, string> = {};
  for (const t of s.tmpfs) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  let networkMode = 'default';
  const nets = Object.entries(s.networks).sort(([a, x], [b, y]) => y.priority - x.priority || byteOrder(a, b));
  const endpoint = (key: string) => {
    const sn = s.networks[key];
    const ep: Record<string, unknown> = { Aliases: [s.name, ...sn.aliases] };
    if (sn.ipv4_address || sn.ipv6_address)
      ep.IPAMConfig = { ...(sn.ipv4_address ? { IPv4Address: sn.ipv4_address } : {}), ...(sn.ipv6_address ? { IPv6Address: sn.ipv6_address } : {}) };
    if (s.links.length) ep.Links = s.links.map((l) => linkSpec(l, opts.resolveContainer));
    return ep;
  };
  let endpoints: Record<string, unknown> | undefined;
  const extraNetworks: CreateBody['extraNetworks'] = [];
  if (s.network_mode) {
    const nm = s.network_mode;
    if (nm.startsWith('service:')) {
      const c = opts.resolveContainer(nm.slice(8));
      if (!c) throw new Error(`service ${s.name} depends on service ${nm.slice(8)} for its network, which has no container`);
      networkMode = `container:${c}`;
    } else networkMode = nm;
  } else if (nets.length) {
    const [first, ...rest] = nets;
    networkMode = p.networks[first[0]].name;
    endpoints = { [networkMode]: endpoint(first[0]) };
    for (const [k] of rest) extraNetworks.push({ network: p.networks[k].name, endpoint: endpoint(k) });
  }
  const volumesFrom = s.volumes_from.map((v) => {
    const [src, mode] = v.split(':');
    const target = src.startsWith('container:') ? src.slice(10) : (opts.resolveContainer(src) ?? src);
    return mode ? `${target}:${mode}` : target;
  });
  const hc = s.healthcheck;
  const healthcheck = hc
    ? hc.disable
      ? { Test: ['NONE'] }
      : {
          Test: hc.test,
          Interval: nanos(hc.interval, `services.${s.name}.healthcheck.interval`),
          Timeout: nanos(hc.timeout, `services.${s.name}.healthcheck.timeout`),
          StartPeriod: nanos(hc.start_period, `services.${s.name}.healthcheck.start_period`),
          StartInterval: nanos(hc.start_interval, `services.${s.name}.healthcheck.start_interval`),
          Retries: hc.retries,
        }
    : undefined;
  const restart = s.restart ?? 'no';
  const [rname, rmax] = restart.split(':');
  const body: Record<string, unknown> = {
    Image: imageOf(p, s),
    Cmd: o.cmd ?? s.command ?? undefined,
    Entrypoint: o.entrypoint ?? s.entrypoint ?? undefined,
    Env: [...env, ...(o.env ?? [])],
    Labels: labels,
    Tty: o.tty ?? s.tty,
    OpenStdin: o.stdin ?? s.stdin_open,
    AttachStdin: o.stdin ?? false,
    AttachStdout: !!opts.oneOff,
    AttachStderr: !!opts.oneOff,
    StdinOnce: !!o.stdin,
    User: o.user ?? s.user,
    WorkingDir: o.workdir ?? s.working_dir,
    Hostname: s.hostname,
    Domainname: s.domainname,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Volumes: Object.keys(anon).length ? anon : undefined,
    Healthcheck: healthcheck,
    StopSignal: s.stop_signal,
    StopTimeout: seconds(s.stop_grace_period),
    MacAddress: s.mac_address,
    HostConfig: {
      Mounts: mounts,
      Binds: binds.length || o.volumes?.length ? [...binds, ...(o.volumes ?? [])] : undefined,
      PortBindings: bindings,
      RestartPolicy: { Name: opts.oneOff ? 'no' : rname, MaximumRetryCount: rmax ? Number(rmax) : 0 },
      NetworkMode: networkMode,
      Privileged: s.privileged,
      ReadonlyRootfs: s.read_only,
      CapAdd: s.cap_add.length ? s.cap_add : undefined,
      CapDrop: s.cap_drop.length ? s.cap_drop : undefined,
      SecurityOpt: s.security_opt.length ? s.security_opt : undefined,
      Devices: s.devices.length
        ? s.devices.map((d) => {
            const [host, container = host, perms = 'rwm'] = d.split(':');
            return { PathOnHost: host, PathInContainer: container, CgroupPermissions: perms };
          })
        : undefined,
      DeviceCgroupRules: s.device_cgroup_rules.length ? s.device_cgroup_rules : undefined,
      Sysctls: Object.keys(s.sysctls).length ? s.sysctls : undefined,
      Ulimits: Object.keys(s.ulimits).length ? Object.entries(s.ulimits).map(([Name, u]) => ({ Name, Soft: u.soft, Hard: u.hard })) : undefined,
      ExtraHosts: s.extra_hosts.length ? s.extra_hosts : undefined,
      Dns: s.dns.length ? s.dns : undefined,
      DnsSearch: s.dns_search.length ? s.dns_search : undefined,
      DnsOptions: s.dns_opt.length ? s.dns_opt : undefined,
      GroupAdd: s.group_add.length ? s.group_add : undefined,
      ShmSize: s.shm_size,
      LogConfig: s.logging ? { Type: s.logging.driver ?? '', Config: s.logging.options } : undefined,
      PidMode: s.pid,
      IpcMode: s.ipc,
      UTSMode: s.uts,
      UsernsMode: s.userns_mode,
      CgroupnsMode: s.cgroup,
      CgroupParent: s.cgroup_parent,
      Memory: s.mem_limit,
      MemoryReservation: s.mem_reservation,
      MemorySwap: s.memswap_limit,
      MemorySwappiness: s.mem_swappiness,
      NanoCpus: s.cpus !== undefined ? Math.round(s.cpus * 1e9) : undefined,
      CpuShares: s.cpu_shares,
      CpuQuota: s.cpu_quota,
      CpuPeriod: s.cpu_period,
      CpusetCpus: s.cpuset,
      PidsLimit: s.pids_limit,
      OomScoreAdj: s.oom_score_adj,
      OomKillDisable: s.oom_kill_disable,
      Init: s.init,
      Runtime: s.runtime,
      Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
      VolumesFrom: volumesFrom.length ? volumesFrom : undefined,
      StorageOpt: s.storage_opt,
    },
    NetworkingConfig: endpoints ? { EndpointsConfig: endpoints } : undefined,
  };
  return { name, body: prune(body) as Record<string, unknown>, extraNetworks };
}

/** "db" or "db:alias" -> "<db's container>:<alias>" (Docker's legacy link form). */
function linkSpec(l: string, resolve: (service: string) => string | undefined): string {
  const [svc, alias = svc] = l.split(':');
  return `${resolve(svc) ?? svc}:${alias}`;
}

/** Drops undefined fields (the API's decoder takes absent as default). */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = prune(x);
    return out;
  }
  return v;
}
