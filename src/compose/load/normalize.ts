// The merged, validated document -> the canonical Project (see ../model.ts):
// long forms only, lists-or-maps as maps, sizes in bytes, paths absolute,
// env_file contents folded under environment, deploy settings mapped onto the
// container settings they mean without Swarm.
import * as fs from 'node:fs';
import { parseMemory } from '../../common/units';
import type {
  BuildConfig,
  DependsOn,
  FileRef,
  Healthcheck,
  NetworkConfig,
  PortConfig,
  Project,
  SecretConfig,
  ServiceConfig,
  ServiceNetwork,
  VolumeConfig,
  VolumeMount,
} from '../model';
import { parseEnvFile, parseRawEnvFile } from './dotenv';
import { listToDict } from './merge';
import { parsePortShort, parseVolumeShort, resolveHostPath, splitCommand } from './shortsyntax';

export class ProjectError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

const asBool = (v: unknown, where: string): boolean => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|no|off|0|)$/i.test(v)) return false;
  throw new ProjectError(`${where} must be a boolean`);
};
const asInt = (v: unknown, where: string): number => {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || String(v).trim() === '') throw new ProjectError(`${where} must be an integer`);
  return Math.trunc(n);
};
const asNum = (v: unknown, where: string): number => {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n)) throw new ProjectError(`${where} must be a number`);
  return n;
};
const asSize = (v: unknown, where: string): number => {
  try {
    return parseMemory(typeof v === 'number' ? v : String(v));
  } catch {
    throw new ProjectError(`${where}: invalid size: '${v}'`);
  }
};
const strMap = (v: unknown): Record<string, string> => {
  const d = listToDict(v, '') as Obj | undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(d ?? {})) out[k] = x === null || x === undefined ? '' : String(x);
  return out;
};
const strList = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function command(v: unknown, where: string): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === 'string') return splitCommand(v, where);
  return (v as unknown[]).map(String);
}

export interface NormalizeContext {
  projectName: string;
  workingDir: string;
  /** the interpolation environment (shell over .env) */
  env: Record<string, string>;
  warnings: string[];
}

export function normalizeProject(doc: Obj, ctx: NormalizeContext, files: string[], envFiles: string[], profiles: string[], enable: string[]): Project {
  const services: Record<string, ServiceConfig> = {};
  for (const [name, raw] of Object.entries((doc.services as Obj | undefined) ?? {})) {
    if (!isObj(raw)) throw new ProjectError(`services.${name} must be a mapping`);
    services[name] = normalizeService(name, raw, ctx);
  }
  const networks: Record<string, NetworkConfig> = {};
  for (const [key, raw] of Object.entries((doc.networks as Obj | undefined) ?? {})) networks[key] = normalizeNetwork(key, (raw ?? {}) as Obj, ctx.projectName);
  const volumes: Record<string, VolumeConfig> = {};
  for (const [key, raw] of Object.entries((doc.volumes as Obj | undefined) ?? {})) volumes[key] = normalizeVolume(key, (raw ?? {}) as Obj, ctx.projectName);
  const secrets = fileObjects(doc.secrets, 'secret', ctx);
  const configs = fileObjects(doc.configs, 'config', ctx);

  // profiles: a service runs when it has none, one of them is active, or it is named on the command line
  const active = new Set(profiles);
  const enabled: Record<string, ServiceConfig> = {};
  const disabled: Record<string, ServiceConfig> = {};
  for (const [n, s] of Object.entries(services)) {
    if (!s.profiles.length || s.profiles.some((p) => active.has(p) || p === '*') || active.has('*') || enable.includes(n)) enabled[n] = s;
    else disabled[n] = s;
  }
  // a service named on the command line brings the dependencies it requires
  const queue = [...enable.filter((n) => enabled[n])];
  while (queue.length) {
    const s = enabled[queue.shift()!];
    for (const [dep, d] of Object.entries(s.depends_on)) {
      if (!enabled[dep] && disabled[dep] && d.required) {
        enabled[dep] = disabled[dep];
        delete disabled[dep];
        queue.push(dep);
      }
    }
  }
  // the default network exists when a service needs it
  const needsDefault = Object.values(enabled).some((s) => !s.network_mode && (Object.keys(s.networks).length === 0 || 'default' in s.networks));
  if (needsDefault && !networks.default) networks.default = normalizeNetwork('default', {}, ctx.projectName);
  for (const s of Object.values(enabled)) if (!s.network_mode && Object.keys(s.networks).length === 0) s.networks = { default: { aliases: [], priority: 0 } };

  const project: Project = {
    name: ctx.projectName,
    workingDir: ctx.workingDir,
    configFiles: files,
    envFiles,
    environment: ctx.env,
    services: enabled,
    disabledServices: disabled,
    networks,
    volumes,
    secrets,
    configs,
    profiles,
    warnings: ctx.warnings,
  };
  checkReferences(project);
  return project;
}

function normalizeService(name: string, r: Obj, ctx: NormalizeContext): ServiceConfig {
  const at = `services.${name}`;
  const base = ctx.workingDir;
  const env: Record<string, string | null> = {};
  // env_file first, environment over it (Compose's order)
  for (const ef of envFileRefs(r.env_file)) {
    const p = resolveHostPath(ef.path, base);
    let text: string;
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !ef.required) continue;
      throw new ProjectError(`env file ${p} not found: stat ${p}: no such file or directory`);
    }
    const vals = ef.format === 'raw' ? parseRawEnvFile(text) : parseEnvFile(text, (k) => ctx.env[k], p);
    for (const [k, v] of vals) env[k] = v;
  }
  for (const [k, v] of Object.entries((listToDict(r.environment, 'environment') as Obj | undefined) ?? {})) {
    // a name without a value takes the shell's, or stays unset
    env[k] = v === null || v === undefined ? (ctx.env[k] ?? null) : String(v);
  }
  const ports: PortConfig[] = [];
  for (const [i, p] of ((r.ports as unknown[]) ?? []).entries()) {
    if (isObj(p))
      ports.push({
        target: asInt(p.target, `${at}.ports[${i}].target`),
        published: p.published === undefined ? '' : String(p.published),
        host_ip: String(p.host_ip ?? ''),
        protocol: String(p.protocol ?? 'tcp'),
      });
    else ports.push(...parsePortShort(p as string | number, `${at}.ports[${i}]`));
  }
  const volumes: VolumeMount[] = ((r.volumes as unknown[]) ?? []).map((v, i) => {
    const where = `${at}.volumes[${i}]`;
    if (typeof v === 'string') return parseVolumeShort(v, base, where);
    const o = v as Obj;
    const type = String(o.type);
    if (!['volume', 'bind', 'tmpfs'].includes(type))
      throw new ProjectError(`${where}.type: unsupported mount type "${type}" (berth compose supports volume, bind and tmpfs)`);
    if (o.target === undefined) throw new ProjectError(`${where}: missing target`);
    const m: VolumeMount = {
      type: type as VolumeMount['type'],
      source: String(o.source ?? ''),
      target: String(o.target),
      read_only: o.read_only !== undefined && asBool(o.read_only, `${where}.read_only`),
    };
    if (m.type === 'bind') {
      if (!m.source) throw new ProjectError(`${where}: invalid mount config for type "bind": field Source must not be empty`);
      m.source = resolveHostPath(m.source, base);
      const b = (o.bind ?? {}) as Obj;
      m.create_host_path = b.create_host_path === undefined ? true : asBool(b.create_host_path, `${where}.bind.create_host_path`);
      if (b.propagation) m.propagation = String(b.propagation);
    }
    if (m.type === 'volume' && isObj(o.volume) && o.volume.nocopy !== undefined) m.nocopy = asBool(o.volume.nocopy, `${where}.volume.nocopy`);
    if (m.type === 'tmpfs' && isObj(o.tmpfs)) {
      if (o.tmpfs.size !== undefined) m.tmpfs_size = asSize(o.tmpfs.size, `${where}.tmpfs.size`);
      if (o.tmpfs.mode !== undefined) m.tmpfs_mode = asInt(o.tmpfs.mode, `${where}.tmpfs.mode`);
    }
    return m;
  });
  const networks: Record<string, ServiceNetwork> = {};
  const rn = r.networks;
  if (Array.isArray(rn)) for (const n of rn) networks[String(n)] = { aliases: [], priority: 0 };
  else if (isObj(rn))
    for (const [n, c] of Object.entries(rn)) {
      const o = (c ?? {}) as Obj;
      networks[n] = {
        aliases: strList(o.aliases),
        ipv4_address: o.ipv4_address as string | undefined,
        ipv6_address: o.ipv6_address as string | undefined,
        priority: Number(o.priority ?? 0),
      };
    }
  const depends: Record<string, DependsOn> = {};
  const rd = r.depends_on;
  if (Array.isArray(rd)) for (const d of rd) depends[String(d)] = { condition: 'service_started', restart: false, required: true };
  else if (isObj(rd))
    for (const [d, c] of Object.entries(rd)) {
      const o = (c ?? {}) as Obj;
      const cond = String(o.condition ?? 'service_started');
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(cond))
        throw new ProjectError(`${at}.depends_on.${d}.condition must be one of service_started, service_healthy, service_completed_successfully`);
      depends[d] = {
        condition: cond as DependsOn['condition'],
        restart: o.restart !== undefined && asBool(o.restart, `${at}.depends_on.${d}.restart`),
        required: o.required === undefined || asBool(o.required, `${at}.depends_on.${d}.required`),
      };
    }
  let healthcheck: Healthcheck | undefined;
  if (isObj(r.healthcheck)) {
    const h = r.healthcheck;
    healthcheck = {};
    if (h.disable !== undefined && asBool(h.disable, `${at}.healthcheck.disable`)) healthcheck = { disable: true, test: ['NONE'] };
    else {
      if (h.test !== undefined) healthcheck.test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : (h.test as unknown[]).map(String);
      for (const k of ['interval', 'timeout', 'start_period', 'start_interval'] as const) if (h[k] !== undefined) healthcheck[k] = String(h[k]);
      if (h.retries !== undefined) healthcheck.retries = asInt(h.retries, `${at}.healthcheck.retries`);
    }
  }
  const deploy = (r.deploy ?? {}) as Obj;
  const limits = (((deploy.resources ?? {}) as Obj).limits ?? {}) as Obj;
  let restart = r.restart === undefined ? undefined : String(r.restart);
  const rp = deploy.restart_policy as Obj | undefined;
  if (restart === undefined && rp) {
    const c = String(rp.condition ?? 'any');
    restart = c === 'none' ? 'no' : c === 'on-failure' ? `on-failure${rp.max_attempts !== undefined ? `:${rp.max_attempts}` : ''}` : 'always';
  }
  const scale = r.scale !== undefined ? asInt(r.scale, `${at}.scale`) : deploy.replicas !== undefined ? asInt(deploy.replicas, `${at}.deploy.replicas`) : 1;
  if (r.scale !== undefined && deploy.replicas !== undefined && asInt(r.scale, '') !== asInt(deploy.replicas, ''))
    throw new ProjectError(`${at}: can't set distinct values on 'scale' and 'deploy.replicas'`);
  const build = r.build === undefined ? undefined : normalizeBuild(r.build, base, `${at}.build`);
  if (!r.image && !build) throw new ProjectError(`service "${name}" has neither an image nor a build context specified: invalid compose project`);
  const pp = String(r.pull_policy ?? (build && !r.image ? 'build' : 'missing'));
  if (!['always', 'never', 'missing', 'build', 'if_not_present'].includes(pp) && !/^(daily|weekly|every_.+)$/.test(pp))
    throw new ProjectError(`${at}.pull_policy: invalid value "${pp}"`);
  const refs = (v: unknown, kind: 'secrets' | 'configs'): FileRef[] =>
    ((v as unknown[]) ?? []).map((x) => {
      if (typeof x === 'string') return { source: x, target: kind === 'secrets' ? `/run/secrets/${x}` : `/${x}` };
      const o = x as Obj;
      const src = String(o.source);
      let target = String(o.target ?? (kind === 'secrets' ? `/run/secrets/${src}` : `/${src}`));
      if (kind === 'secrets' && !target.startsWith('/')) target = `/run/secrets/${target}`;
      return {
        source: src,
        target,
        uid: o.uid as string | undefined,
        gid: o.gid as string | undefined,
        mode: o.mode === undefined ? undefined : asInt(o.mode, `${at}.${kind}.mode`),
      };
    });
  const ulimits: ServiceConfig['ulimits'] = {};
  for (const [k, v] of Object.entries((r.ulimits as Obj | undefined) ?? {})) {
    if (isObj(v)) ulimits[k] = { soft: asInt(v.soft, `${at}.ulimits.${k}.soft`), hard: asInt(v.hard, `${at}.ulimits.${k}.hard`) };
    else ulimits[k] = { soft: asInt(v, `${at}.ulimits.${k}`), hard: asInt(v, `${at}.ulimits.${k}`) };
  }
  const hooks = (v: unknown, w: string) =>
    ((v as Obj[]) ?? []).map((h, i) => ({
      command: command(h.command, `${at}.${w}[${i}].command`) ?? [],
      user: h.user as string | undefined,
      privileged: h.privileged !== undefined && asBool(h.privileged, `${at}.${w}[${i}].privileged`),
      working_dir: h.working_dir as string | undefined,
      environment: Object.fromEntries(
        Object.entries((listToDict(h.environment, 'environment') as Obj | undefined) ?? {}).map(([k, x]) => [k, x === null ? null : String(x)]),
      ),
    }));
  const opt = <T>(k: string, f: (v: unknown, where: string) => T): T | undefined => (r[k] === undefined || r[k] === null ? undefined : f(r[k], `${at}.${k}`));
  const s: ServiceConfig = {
    name,
    image: r.image as string | undefined,
    build,
    command: command(r.command, `${at}.command`),
    entrypoint: command(r.entrypoint, `${at}.entrypoint`),
    environment: env,
    labels: strMap(r.labels),
    annotations: strMap(r.annotations),
    ports,
    expose: strList(r.expose),
    volumes,
    volumes_from: strList(r.volumes_from),
    tmpfs: strList(r.tmpfs),
    networks,
    network_mode: r.network_mode as string | undefined,
    links: strList(r.links),
    external_links: strList(r.external_links),
    depends_on: depends,
    healthcheck,
    container_name: r.container_name as string | undefined,
    hostname: r.hostname as string | undefined,
    domainname: r.domainname as string | undefined,
    restart,
    user: r.user as string | undefined,
    working_dir: r.working_dir as string | undefined,
    tty: opt('tty', asBool) ?? false,
    stdin_open: opt('stdin_open', asBool) ?? false,
    init: opt('init', asBool),
    privileged: opt('privileged', asBool) ?? false,
    read_only: opt('read_only', asBool) ?? false,
    cap_add: strList(r.cap_add),
    cap_drop: strList(r.cap_drop),
    security_opt: strList(r.security_opt),
    devices: ((r.devices as unknown[]) ?? []).map((d) =>
      isObj(d) ? `${d.source}:${d.target ?? d.source}${d.permissions ? `:${d.permissions}` : ''}` : String(d),
    ),
    device_cgroup_rules: strList(r.device_cgroup_rules),
    sysctls: strMap(r.sysctls),
    ulimits,
    extra_hosts: Object.entries(strMap(listToDict(r.extra_hosts, 'extra_hosts'))).map(([h, ip]) => `${h}:${ip}`),
    dns: strList(r.dns),
    dns_search: strList(r.dns_search),
    dns_opt: strList(r.dns_opt),
    group_add: strList(r.group_add),
    shm_size: opt('shm_size', asSize),
    stop_signal: r.stop_signal as string | undefined,
    stop_grace_period: r.stop_grace_period as string | undefined,
    logging: isObj(r.logging) ? { driver: r.logging.driver as string | undefined, options: strMap(r.logging.options) } : undefined,
    pid: (r.pid as string | null | undefined) ?? undefined,
    ipc: r.ipc as string | undefined,
    uts: r.uts as string | undefined,
    userns_mode: r.userns_mode as string | undefined,
    cgroup: r.cgroup as string | undefined,
    cgroup_parent: r.cgroup_parent as string | undefined,
    mem_limit: opt('mem_limit', asSize) ?? (limits.memory !== undefined ? asSize(limits.memory, `${at}.deploy.resources.limits.memory`) : undefined),
    mem_reservation: opt('mem_reservation', asSize),
    memswap_limit: opt('memswap_limit', asSize),
    mem_swappiness: opt('mem_swappiness', asInt),
    cpus: opt('cpus', asNum) ?? (limits.cpus !== undefined ? asNum(limits.cpus, `${at}.deploy.resources.limits.cpus`) : undefined),
    cpu_shares: opt('cpu_shares', asInt),
    cpu_quota: opt('cpu_quota', asInt),
    cpu_period: opt('cpu_period', asInt),
    cpuset: r.cpuset as string | undefined,
    pids_limit: opt('pids_limit', asInt) ?? (limits.pids !== undefined ? asInt(limits.pids, `${at}.deploy.resources.limits.pids`) : undefined),
    oom_score_adj: opt('oom_score_adj', asInt),
    oom_kill_disable: opt('oom_kill_disable', asBool),
    mac_address: r.mac_address as string | undefined,
    platform: r.platform as string | undefined,
    runtime: r.runtime as string | undefined,
    pull_policy: (pp === 'if_not_present' ? 'missing' : pp) as ServiceConfig['pull_policy'],
    scale,
    profiles: strList(r.profiles),
    secrets: refs(r.secrets, 'secrets'),
    configs: refs(r.configs, 'configs'),
    attach: r.attach === undefined || asBool(r.attach, `${at}.attach`),
    post_start: hooks(r.post_start, 'post_start'),
    pre_stop: hooks(r.pre_stop, 'pre_stop'),
    storage_opt: r.storage_opt ? strMap(r.storage_opt) : undefined,
  };
  if (s.container_name && s.scale > 1)
    throw new ProjectError(`services.${name}: can't set container_name and ${name} as container name must be unique: invalid compose project`);
  return s;
}

function envFileRefs(v: unknown): Array<{ path: string; required: boolean; format?: string }> {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) =>
    isObj(x)
      ? { path: String(x.path), required: x.required === undefined ? true : asBool(x.required, 'env_file.required'), format: x.format as string | undefined }
      : { path: String(x), required: true },
  );
}

function normalizeBuild(v: unknown, base: string, where: string): BuildConfig {
  const o: Obj = typeof v === 'string' ? { context: v } : (v as Obj);
  const context = resolveHostPath(String(o.context ?? '.'), base);
  return {
    context,
    dockerfile: o.dockerfile as string | undefined,
    dockerfile_inline: o.dockerfile_inline as string | undefined,
    args: Object.fromEntries(Object.entries((listToDict(o.args, 'args') as Obj | undefined) ?? {}).map(([k, x]) => [k, x === null ? null : String(x)])),
    labels: strMap(o.labels),
    target: o.target as string | undefined,
    network: o.network as string | undefined,
    extra_hosts: Object.entries(strMap(listToDict(o.extra_hosts, 'extra_hosts'))).map(([h, ip]) => `${h}:${ip}`),
    shm_size: o.shm_size === undefined ? undefined : asSize(o.shm_size, `${where}.shm_size`),
    cache_from: strList(o.cache_from),
    no_cache: o.no_cache !== undefined && asBool(o.no_cache, `${where}.no_cache`),
    pull: o.pull !== undefined && asBool(o.pull, `${where}.pull`),
    tags: strList(o.tags),
  };
}

function externalOf(o: Obj, kind: string, key: string): { external: boolean; name?: string } {
  const e = o.external;
  if (e === undefined || e === null) return { external: false };
  if (isObj(e)) return { external: true, name: e.name as string | undefined };
  const ext = asBool(e, `${kind}s.${key}.external`);
  if (ext)
    for (const k of ['driver', 'driver_opts', 'ipam', 'internal', 'labels', 'file', 'content', 'environment'])
      if (o[k] !== undefined) throw new ProjectError(`conflicting parameters "external" and "${k}" specified for ${kind} "${key}"`);
  return { external: ext };
}

function normalizeNetwork(key: string, o: Obj, project: string): NetworkConfig {
  const ext = externalOf(o, 'network', key);
  const ipam = isObj(o.ipam)
    ? {
        driver: o.ipam.driver as string | undefined,
        config: ((o.ipam.config as Obj[]) ?? []).map((c) => ({
          subnet: c.subnet as string | undefined,
          ip_range: c.ip_range as string | undefined,
          gateway: c.gateway as string | undefined,
          aux_addresses: c.aux_addresses as Record<string, string> | undefined,
        })),
      }
    : undefined;
  return {
    key,
    name: (o.name as string | undefined) ?? ext.name ?? (ext.external ? key : `${project}_${key}`),
    external: ext.external,
    driver: o.driver as string | undefined,
    driver_opts: strMap(o.driver_opts),
    internal: o.internal !== undefined && asBool(o.internal, `networks.${key}.internal`),
    attachable: o.attachable !== undefined && asBool(o.attachable, `networks.${key}.attachable`),
    enable_ipv6: o.enable_ipv6 !== undefined && asBool(o.enable_ipv6, `networks.${key}.enable_ipv6`),
    labels: strMap(o.labels),
    ipam,
  };
}

function normalizeVolume(key: string, o: Obj, project: string): VolumeConfig {
  const ext = externalOf(o, 'volume', key);
  return {
    key,
    name: (o.name as string | undefined) ?? ext.name ?? (ext.external ? key : `${project}_${key}`),
    external: ext.external,
    driver: o.driver as string | undefined,
    driver_opts: strMap(o.driver_opts),
    labels: strMap(o.labels),
  };
}

function fileObjects(v: unknown, kind: 'secret' | 'config', ctx: NormalizeContext): Record<string, SecretConfig> {
  const out: Record<string, SecretConfig> = {};
  for (const [key, raw] of Object.entries((v as Obj | undefined) ?? {})) {
    const o = raw as Obj;
    const ext = externalOf(o, kind, key);
    const sources = ['file', 'environment', 'content'].filter((k) => o[k] !== undefined);
    if (!ext.external && sources.length !== 1) throw new ProjectError(`${kind} "${key}" must declare exactly one of "file", "environment" or "content"`);
    out[key] = {
      key,
      name: (o.name as string | undefined) ?? `${ctx.projectName}_${key}`,
      external: ext.external,
      file: o.file === undefined ? undefined : resolveHostPath(String(o.file), ctx.workingDir),
      environment: o.environment as string | undefined,
      content: o.content as string | undefined,
    };
  }
  return out;
}

/** Compose's semantic checks: every reference resolves, depends_on has no cycle. */
function checkReferences(p: Project): void {
  const all = { ...p.services, ...p.disabledServices };
  for (const s of Object.values(p.services)) {
    for (const n of Object.keys(s.networks))
      if (!p.networks[n]) throw new ProjectError(`service "${s.name}" refers to undefined network ${n}: invalid compose project`);
    for (const v of s.volumes)
      if (v.type === 'volume' && v.source && !p.volumes[v.source])
        throw new ProjectError(`service "${s.name}" refers to undefined volume ${v.source}: invalid compose project`);
    for (const r of s.secrets)
      if (!p.secrets[r.source]) throw new ProjectError(`service "${s.name}" refers to undefined secret ${r.source}: invalid compose project`);
    for (const r of s.configs)
      if (!p.configs[r.source]) throw new ProjectError(`service "${s.name}" refers to undefined config ${r.source}: invalid compose project`);
    for (const [d, c] of Object.entries(s.depends_on)) {
      if (!all[d]) {
        if (c.required) throw new ProjectError(`service "${s.name}" depends on undefined service "${d}": invalid compose project`);
      } else if (!p.services[d] && c.required)
        throw new ProjectError(`service "${s.name}" depends on service "${d}" which is disabled by its profiles: invalid compose project`);
    }
    const nm = s.network_mode;
    if (nm?.startsWith('service:') && !all[nm.slice(8)])
      throw new ProjectError(`service "${s.name}" refers to undefined service ${nm.slice(8)} in network_mode: invalid compose project`);
    if (nm && Object.keys(s.networks).length && !(Object.keys(s.networks).length === 1 && s.networks.default))
      throw new ProjectError(`service ${s.name} declares mutually exclusive \`network_mode\` and \`networks\`: invalid compose project`);
  }
  // cycles, reported with the path
  const state = new Map<string, number>();
  const visit = (n: string, trail: string[]) => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      const cyc = [...trail.slice(trail.indexOf(n)), n];
      throw new ProjectError(`dependency cycle detected: ${cyc.join(' -> ')}`);
    }
    state.set(n, 1);
    for (const d of Object.keys(all[n]?.depends_on ?? {})) if (all[d]) visit(d, [...trail, n]);
    state.set(n, 2);
  };
  for (const n of Object.keys(all)) visit(n, []);
}

/** Reads a whole file for a compose `secrets`/`configs` source; used when creating containers. */
export function readSource(s: SecretConfig, env: Record<string, string>): Buffer {
  if (s.content !== undefined) return Buffer.from(s.content);
  if (s.environment !== undefined) {
    const v = env[s.environment];
    if (v === undefined) throw new ProjectError(`environment variable "${s.environment}" required by ${s.key} is not set`);
    return Buffer.from(v);
  }
  return fs.readFileSync(s.file!);
}
