// The project as `docker compose config` prints it: compose-go's (v2.16)
// canonical model, its keys in the order of compose-go's Go structs, empty
// and false values left out (its omitempty), only the networks, volumes,
// secrets and configs a service uses. YAML keeps the struct order; JSON is
// Go's encoding/json of the same structs (top-level keys sorted, `command`
// and `entrypoint` always present, zero structs such as `ipam` as {}).
// Loaded only by `config`: nothing here is on the up path.
import * as YAML from 'yaml';
import { Scalar } from 'yaml';
import { parseMemory } from '../common/units';
import { formatGoDuration, parseGoDuration } from '../util/time';
import { byteOrder } from '../util/compare';
import type { Project, ServiceConfig, VolumeMount } from './model';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON-only value: Go marshals zero structs as {} where YAML's omitempty drops them. */
class JsonOnly {
  constructor(readonly value: unknown) {}
}

/** An object with keys in this order, without undefined, empty lists/maps, false and "" (omitempty). */
function ordered(entries: [string, unknown][], keep: string[] = []): Obj {
  const out: Obj = {};
  for (const [k, v] of entries) {
    if (keep.includes(k)) {
      out[k] = v;
      continue;
    }
    if (v === undefined || v === false || v === '' || v === 0) continue;
    if (Array.isArray(v) && !v.length) continue;
    if (isObj(v) && !(v instanceof JsonOnly) && !Object.keys(v).length) continue;
    out[k] = v;
  }
  return out;
}

/** Go maps (not structs): encoding/json sorts their keys bytewise, go-yaml naturally (s2 before s10). */
const GO_MAP = Symbol('go map');

function goMap<T>(entries: [string, T][]): Record<string, T> {
  const m = Object.fromEntries(entries.sort(([a], [b]) => byteOrder(a, b)));
  Object.defineProperty(m, GO_MAP, { value: true });
  return m;
}

/** A map with Go's sorted keys (undefined when empty: omitempty). */
const sortedMap = <T>(m: Record<string, T> | undefined): Record<string, T> | undefined => (m && Object.keys(m).length ? goMap(Object.entries(m)) : undefined);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isLetter = (c: string) => /\p{L}/u.test(c);

/** go-yaml's map key order (sorter.go keyList.Less) for string keys: digit runs compare as numbers. */
export function goYamlLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

/** A Go duration as compose-go prints it ("90s" is "1m30s"). */
function duration(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const ns = parseGoDuration(String(v));
  return ns === undefined ? String(v) : formatGoDuration(ns);
}

/** UnitBytes: the byte count as a string. */
function bytes(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return String(parseMemory(typeof v === 'number' ? v : String(v)));
  } catch {
    return String(v);
  }
}

/** The mount with compose-go's sub-objects: volume: {} and bind: {} are kept even when empty. */
function withEmpty(m: VolumeMount, bind: Obj | undefined): Obj {
  const out = ordered([
    ['type', m.type],
    ['source', m.source],
    ['target', m.target],
    ['read_only', m.read_only],
  ]);
  if (m.type === 'bind') out.bind = bind ?? {};
  if (m.type === 'volume') out.volume = ordered([['nocopy', m.nocopy]]);
  if (m.type === 'tmpfs') {
    const t = ordered([
      ['size', m.tmpfs_size],
      ['mode', m.tmpfs_mode],
    ]);
    if (Object.keys(t).length) out.tmpfs = t;
  }
  return out;
}

function deploy(raw: unknown): Obj | undefined {
  if (!isObj(raw)) return undefined;
  const resource = (r: unknown) =>
    isObj(r)
      ? ordered([
          ['cpus', r.cpus === undefined ? undefined : Number(r.cpus)],
          ['memory', bytes(r.memory)],
          ['pids', r.pids === undefined ? undefined : Number(r.pids)],
          ['devices', r.devices],
        ])
      : undefined;
  const res = isObj(raw.resources) ? raw.resources : {};
  const rp = isObj(raw.restart_policy) ? raw.restart_policy : undefined;
  return ordered([
    ['mode', raw.mode],
    ['replicas', raw.replicas === undefined ? undefined : Number(raw.replicas)],
    ['labels', sortedMap(raw.labels as Record<string, string>)],
    ['update_config', raw.update_config],
    ['rollback_config', raw.rollback_config],
    [
      'resources',
      ordered([
        ['limits', resource(res.limits)],
        ['reservations', resource(res.reservations)],
      ]),
    ],
    [
      'restart_policy',
      rp
        ? ordered([
            ['condition', rp.condition],
            ['delay', duration(rp.delay)],
            ['max_attempts', rp.max_attempts === undefined ? undefined : Number(rp.max_attempts)],
            ['window', duration(rp.window)],
          ])
        : undefined,
    ],
    ['placement', new JsonOnly(isObj(raw.placement) ? raw.placement : {})],
    ['endpoint_mode', raw.endpoint_mode],
  ]);
}

function service(s: ServiceConfig, raw: Obj): Obj {
  const rawPorts = Array.isArray(raw.ports) ? raw.ports : [];
  const nets = s.network_mode
    ? undefined
    : goMap(
        Object.entries(s.networks).map(([k, n]): [string, Obj | null] => {
          const o = ordered([
            ['aliases', n.aliases],
            ['ipv4_address', n.ipv4_address],
            ['ipv6_address', n.ipv6_address],
            ['priority', n.priority],
          ]);
          return [k, Object.keys(o).length ? o : null];
        }),
      );
  const h = s.healthcheck;
  return ordered([
    ['profiles', s.profiles],
    ['deploy', deploy(raw.deploy)],
    ['restart', s.restart],
    ['scale', raw.scale === undefined ? undefined : s.scale],
    ['attach', raw.attach === undefined ? undefined : s.attach],
    ['container_name', s.container_name],
    ['external_links', s.external_links],
    ['links', s.links],
    ['annotations', sortedMap(s.annotations)],
    ['cap_add', s.cap_add],
    ['cap_drop', s.cap_drop],
    ['cgroup_parent', s.cgroup_parent],
    ['cgroup', s.cgroup],
    ['cpu_period', s.cpu_period],
    ['cpu_quota', s.cpu_quota],
    ['cpus', raw.cpus === undefined ? undefined : s.cpus],
    ['cpuset', s.cpuset],
    ['cpu_shares', s.cpu_shares],
    ['command', s.command ?? undefined],
    [
      'configs',
      s.configs.map((c) => {
        const r = (Array.isArray(raw.configs) ? raw.configs : []).find((x) => isObj(x) && x.source === c.source) as Obj | undefined;
        return ordered([
          ['source', c.source],
          ['target', r?.target === undefined ? undefined : c.target],
          ['uid', c.uid],
          ['gid', c.gid],
          ['mode', c.mode === undefined ? undefined : `0${c.mode.toString(8)}`],
        ]);
      }),
    ],
    ['device_cgroup_rules', s.device_cgroup_rules],
    ['devices', s.devices],
    ['dns', s.dns],
    ['dns_opt', s.dns_opt],
    ['dns_search', s.dns_search],
    ['domainname', s.domainname],
    ['entrypoint', s.entrypoint ?? undefined],
    ['environment', sortedMap(s.environment)],
    ['extra_hosts', s.extra_hosts],
    ['group_add', s.group_add],
    ['hostname', s.hostname],
    ['image', s.image],
    ['init', raw.init === undefined ? undefined : s.init],
    ['ipc', s.ipc],
    ['labels', sortedMap(s.labels)],
    [
      'logging',
      s.logging
        ? ordered([
            ['driver', s.logging.driver],
            ['options', sortedMap(s.logging.options)],
          ])
        : undefined,
    ],
    ['mem_limit', raw.mem_limit === undefined ? undefined : bytes(raw.mem_limit)],
    ['mem_reservation', raw.mem_reservation === undefined ? undefined : bytes(raw.mem_reservation)],
    ['memswap_limit', raw.memswap_limit === undefined ? undefined : bytes(raw.memswap_limit)],
    ['mac_address', s.mac_address],
    ['network_mode', s.network_mode],
    ['networks', nets],
    ['oom_kill_disable', s.oom_kill_disable],
    ['oom_score_adj', s.oom_score_adj],
    ['pid', s.pid],
    ['pids_limit', raw.pids_limit === undefined ? undefined : s.pids_limit],
    ['platform', s.platform],
    ['privileged', s.privileged],
    ['pull_policy', raw.pull_policy === undefined ? undefined : raw.pull_policy],
    ['read_only', s.read_only],
    ['runtime', s.runtime],
    [
      'secrets',
      s.secrets.map((c) =>
        ordered([
          ['source', c.source],
          ['target', c.target],
          ['uid', c.uid],
          ['gid', c.gid],
          ['mode', c.mode === undefined ? undefined : `0${c.mode.toString(8)}`],
        ]),
      ),
    ],
    ['security_opt', s.security_opt],
    ['shm_size', raw.shm_size === undefined ? undefined : bytes(raw.shm_size)],
    ['stop_grace_period', duration(s.stop_grace_period)],
    ['stop_signal', s.stop_signal],
    ['storage_opt', sortedMap(s.storage_opt)],
    ['sysctls', sortedMap(s.sysctls)],
    ['tmpfs', s.tmpfs],
    ['ulimits', sortedMap(s.ulimits)],
    ['user', s.user],
    ['userns_mode', s.userns_mode],
    ['uts', s.uts],
    ['volumes', s.volumes.map((m) => withEmpty(m, m.type === 'bind' ? volumeBind(m) : undefined))],
    ['volumes_from', s.volumes_from],
    ['working_dir', s.working_dir],
    [
      'build',
      s.build
        ? ordered([
            ['context', s.build.context],
            ['dockerfile', s.build.dockerfile ?? (s.build.dockerfile_inline ? undefined : 'Dockerfile')],
            ['dockerfile_inline', s.build.dockerfile_inline],
            ['args', sortedMap(s.build.args)],
            ['labels', sortedMap(s.build.labels)],
            ['cache_from', s.build.cache_from],
            ['no_cache', s.build.no_cache],
            ['pull', s.build.pull],
            ['extra_hosts', s.build.extra_hosts],
            ['network', s.build.network],
            ['target', s.build.target],
            ['shm_size', s.build.shm_size === undefined ? undefined : String(s.build.shm_size)],
            ['tags', s.build.tags],
          ])
        : undefined,
    ],
    [
      'depends_on',
      sortedMap(
        Object.fromEntries(
          Object.entries(s.depends_on).map(([k, d]) => [
            k,
            ordered(
              [
                ['condition', d.condition],
                ['restart', d.restart],
                ['required', d.required],
              ],
              ['required'],
            ),
          ]),
        ),
      ),
    ],
    ['expose', s.expose],
    [
      'healthcheck',
      h
        ? ordered([
            ['test', h.test],
            ['timeout', duration(h.timeout)],
            ['interval', duration(h.interval)],
            ['retries', h.retries],
            ['start_period', duration(h.start_period)],
            ['start_interval', duration(h.start_interval)],
            ['disable', h.disable],
          ])
        : undefined,
    ],
    [
      'ports',
      s.ports.map((p, i) =>
        ordered([
          ['mode', (isObj(rawPorts[i]) && typeof rawPorts[i].mode === 'string' ? rawPorts[i].mode : undefined) ?? 'ingress'],
          ['host_ip', p.host_ip],
          ['target', p.target],
          ['published', p.published],
          ['protocol', p.protocol],
        ]),
      ),
    ],
    ['stdin_open', s.stdin_open],
    ['tty', s.tty],
  ]);
}

function volumeBind(m: VolumeMount): Obj {
  return ordered([
    ['selinux', m.selinux],
    ['propagation', m.propagation],
  ]);
}

/** The canonical model (JsonOnly values still wrapped: see toYaml/toJson). */
export function canonicalModel(p: Project): Obj {
  const rawServices = (isObj(p.source?.services) ? p.source.services : {}) as Obj;
  const names = Object.keys(p.services).sort(byteOrder);
  const services = goMap(names.map((n): [string, Obj] => [n, service(p.services[n], (isObj(rawServices[n]) ? rawServices[n] : {}) as Obj)]));
  const used = { networks: new Set<string>(), volumes: new Set<string>(), secrets: new Set<string>(), configs: new Set<string>() };
  for (const s of Object.values(p.services)) {
    for (const n of Object.keys(s.networks)) used.networks.add(n);
    for (const m of s.volumes) if (m.type === 'volume' && m.source) used.volumes.add(m.source);
    for (const x of s.secrets) used.secrets.add(x.source);
    for (const x of s.configs) used.configs.add(x.source);
  }
  const rawTop = (kind: string, key: string): Obj => {
    const t = p.source?.[kind];
    return (isObj(t) && isObj(t[key]) ? t[key] : {}) as Obj;
  };
  const pick = <T>(m: Record<string, T>, u: Set<string>) =>
    Object.entries(m)
      .filter(([k]) => u.has(k))
      .sort(([a], [b]) => byteOrder(a, b));
  const networks = goMap(
    pick(p.networks, used.networks).map(([k, n]): [string, Obj] => {
      const r = rawTop('networks', k);
      const ipam = n.ipam
        ? ordered([
            ['driver', n.ipam.driver],
            [
              'config',
              n.ipam.config.map((c) =>
                ordered([
                  ['subnet', c.subnet],
                  ['gateway', c.gateway],
                  ['ip_range', c.ip_range],
                  ['aux_addresses', sortedMap(c.aux_addresses)],
                ]),
              ),
            ],
          ])
        : {};
      return [
        k,
        ordered([
          ['name', n.name],
          ['driver', n.driver],
          ['driver_opts', sortedMap(n.driver_opts)],
          ['ipam', Object.keys(ipam).length ? ipam : new JsonOnly({})],
          ['external', n.external],
          ['internal', n.internal],
          ['attachable', n.attachable],
          ['labels', sortedMap(n.labels)],
          ['enable_ipv4', r.enable_ipv4],
          ['enable_ipv6', r.enable_ipv6 === undefined ? undefined : n.enable_ipv6],
        ]),
      ];
    }),
  );
  const volumes = goMap(
    pick(p.volumes, used.volumes).map(([k, v]): [string, Obj] => [
      k,
      ordered([
        ['name', v.name],
        ['driver', v.driver],
        ['driver_opts', sortedMap(v.driver_opts)],
        ['external', v.external],
        ['labels', sortedMap(v.labels)],
      ]),
    ]),
  );
  const files = (m: Project['secrets'], u: Set<string>) =>
    goMap(
      pick(m, u).map(([k, v]): [string, Obj] => [
        k,
        ordered([
          ['name', v.name],
          ['file', v.file],
          ['environment', v.environment],
          ['content', v.content],
          ['external', v.external],
        ]),
      ]),
    );
  return ordered(
    [
      ['name', p.name],
      ['services', services],
      ['networks', networks],
      ['volumes', volumes],
      ['secrets', files(p.secrets, used.secrets)],
      ['configs', files(p.configs, used.configs)],
    ],
    ['services'],
  );
}

function unwrap(v: unknown, json: boolean): unknown {
  if (v instanceof JsonOnly) return json ? unwrap(v.value, json) : undefined;
  if (Array.isArray(v)) return v.map((x) => unwrap(x, json));
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const u = unwrap(x, json);
      if (u !== undefined) out[k] = u;
    }
    if ((v as Record<symbol, unknown>)[GO_MAP]) Object.defineProperty(out, GO_MAP, { value: true });
    return out;
  }
  return v;
}

// go-yaml quotes, with single quotes, the strings YAML 1.1 read as booleans or base-60 numbers
const OLD_BOOL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function quoteOld(v: unknown): unknown {
  if (typeof v === 'string' && (OLD_BOOL.test(v) || BASE60.test(v))) {
    const s = new Scalar(v);
    s.type = 'QUOTE_SINGLE';
    return s;
  }
  if (Array.isArray(v)) return v.map(quoteOld);
  if (isObj(v)) {
    const entries = Object.entries(v);
    if ((v as Record<symbol, unknown>)[GO_MAP]) entries.sort(([a], [b]) => (goYamlLess(a, b) ? -1 : goYamlLess(b, a) ? 1 : 0));
    return Object.fromEntries(entries.map(([k, x]) => [k, quoteOld(x)]));
  }
  return v;
}

/** `config` as YAML: go-yaml's output of the struct (zero structs dropped, 2-space indent). */
export const yamlText = (p: Project): string => YAML.stringify(quoteOld(unwrap(canonicalModel(p), false)), { lineWidth: 0 });

/** The project as `config --format json` shows it, parsed (the input of Compose's config hashes), keys in Go's order. */
export function canonicalJson(p: Project): Record<string, unknown> {
  return JSON.parse(jsonText(p)) as Record<string, unknown>;
}

/** `config --format json`: Go's json.MarshalIndent of the project (top-level keys sorted, <>& escaped). */
export function jsonText(p: Project): string {
  const m = unwrap(canonicalModel(p), true) as Obj;
  for (const s of Object.values(m.services as Obj) as Obj[]) {
    // ShellCommand has no omitempty for JSON: null when unset, in its struct place
    const entries = Object.entries(s);
    const at = (k: string, before: string[]) => {
      if (k in s) return;
      const i = entries.findIndex(([x]) => before.includes(x));
      entries.splice(i < 0 ? entries.length : i, 0, [k, null]);
    };
    const after = (k: string) => CONTAINER_KEYS.slice(CONTAINER_KEYS.indexOf(k) + 1).concat(WORKLOAD_KEYS);
    at('command', after('command'));
    at('entrypoint', after('entrypoint'));
    for (const k of Object.keys(s)) delete s[k];
    for (const [k, v] of entries) s[k] = v;
  }
  const top = Object.fromEntries(Object.entries(m).sort(([a], [b]) => byteOrder(a, b)));
  return JSON.stringify(top, null, 2).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

// compose-go's ContainerSpec and WorkloadSpec keys, in struct order (for placing JSON nulls)
const CONTAINER_KEYS = [
  'annotations',
  'blkio_config',
  'cap_add',
  'cap_drop',
  'cgroup_parent',
  'cgroup',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpus',
  'cpuset',
  'cpu_shares',
  'command',
  'configs',
  'credential_spec',
  'device_cgroup_rules',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'environment',
  'env_file',
  'extra_hosts',
  'group_add',
  'gpus',
  'hostname',
  'image',
  'init',
  'ipc',
  'isolation',
  'labels',
  'label_file',
  'logging',
  'log_driver',
  'log_opt',
  'mem_limit',
  'mem_reservation',
  'memswap_limit',
  'mem_swappiness',
  'mac_address',
  'models',
  'network_mode',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  'privileged',
  'pull_policy',
  'pull_refresh_after',
  'read_only',
  'runtime',
  'secrets',
  'security_opt',
  'shm_size',
  'stop_grace_period',
  'stop_signal',
  'storage_opt',
  'sysctls',
  'tmpfs',
  'ulimits',
  'use_api_socket',
  'user',
  'userns_mode',
  'uts',
  'volume_driver',
  'volumes',
  'volumes_from',
  'working_dir',
];
const WORKLOAD_KEYS = ['build', 'depends_on', 'dockerfile', 'expose', 'healthcheck', 'ports', 'stdin_open', 'tty'];
