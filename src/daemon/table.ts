// berthd's settings, each spelled once: its daemon.json key (dockerd's), its
// flag, its environment variable, its type, its help line, whether SIGHUP
// reloads it, and its check. Flags, --help, daemon.json decoding and
// validation are all generated from this table (options.ts).
import * as fs from 'node:fs';
import { parseAddr } from '../common/ipnet';
import { ULIMIT_TYPES } from '../common/units';

/** Value kinds and what they decode to. */
export interface KindValue {
  string: string;
  bool: boolean;
  int: number;
  strings: string[];
  /** map of string to string (log-opts) */
  map: Record<string, string>;
  /** any JSON object, checked by the option's own `check` (runtimes, proxies, default-ulimits, features, pools) */
  object: Record<string, unknown>;
  /** a JSON array of objects (default-address-pools) */
  objects: Array<Record<string, unknown>>;
}
export type Kind = keyof KindValue;

export interface OptionDef<K extends Kind = Kind> {
  kind: K;
  /** the flag, without dashes; none = daemon.json only */
  flag?: string;
  short?: string;
  /** for --help: the value's name ("string", "list", "int") and the line */
  meta?: string;
  help?: string;
  default?: string;
  /** environment variable read when neither flag nor file sets it */
  env?: string;
  /** not in daemon.json (environment knobs, test hooks) */
  noFile?: boolean;
  /** not in --help */
  hidden?: boolean;
  /** SIGHUP applies it to the running daemon (dockerd's reloadable keys) */
  reload?: boolean;
  /** a flag value (string) → the option's value; repeated flags arrive one by one */
  fromFlag?: (v: string) => KindValue[K];
  /** throws a message naming the bad value */
  check?: (v: KindValue[K]) => void;
  /** accepted by dockerd but not by berth: the reason, given when it is set */
  unsupported?: string;
}

/** One definition of some kind (the table's element type). */
export type AnyOptionDef = { [K in Kind]: OptionDef<K> }[Kind];

const opt = <K extends Kind>(kind: K, o: Omit<OptionDef<K>, 'kind'> = {}): OptionDef<K> => ({ kind, ...o });

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'];

export function checkIp(v: string): void {
  if (!parseAddr(v)) throw new Error(`IP address is not correctly formatted: ${v}`);
}

function checkDnsSearch(v: string): void {
  const d = v.replace(/\.$/, '');
  if (v !== '.' && (!/^[A-Za-z0-9]/.test(d) || d.length > 255 || !/^[A-Za-z0-9.-]+$/.test(d))) throw new Error(`${v} is not a valid domain`);
}

function checkLabel(v: string): void {
  if (!v.includes('=')) throw new Error(`bad attribute format: ${v}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** "nofile=1024:2048" (the flag) → { nofile: {Name, Soft, Hard} } as daemon.json holds it */
function ulimitFlag(v: string): Record<string, unknown> {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
  if (!m) throw new Error(`invalid ulimit argument: ${v}`);
  return { [m[1]]: { Name: m[1], Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) } };
}

function checkUlimits(v: Record<string, unknown>): void {
  for (const [name, u] of Object.entries(v)) {
    if (!isObject(u) || typeof u.Soft !== 'number' || typeof u.Hard !== 'number')
      throw new Error(`default-ulimits: ${name} must be {"Name": "${name}", "Soft": n, "Hard": n}`);
    const n = typeof u.Name === 'string' && u.Name ? u.Name : name;
    if (!(n in ULIMIT_TYPES)) throw new Error(`invalid ulimit type: ${n}`);
    if (u.Soft > u.Hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
  }
}

function checkRuntimes(v: Record<string, unknown>): void {
  for (const [name, r] of Object.entries(v)) {
    if (!isObject(r) || typeof r.path !== 'string' || !r.path) throw new Error(`runtime ${name}: "path" must be set to the runtime's binary`);
    if (!fs.existsSync(r.path)) throw new Error(`runtime ${name}: ${r.path} does not exist`);
    if (r.runtimeArgs !== undefined && (!Array.isArray(r.runtimeArgs) || r.runtimeArgs.some((a) => typeof a !== 'string')))
      throw new Error(`runtime ${name}: "runtimeArgs" must be a list of strings`);
  }
}

function checkProxies(v: Record<string, unknown>): void {
  for (const [k, x] of Object.entries(v)) {
    if (!['http-proxy', 'https-proxy', 'no-proxy'].includes(k)) throw new Error(`the following directives don't match any configuration option: proxies.${k}`);
    if (typeof x !== 'string') throw new Error(`json: cannot unmarshal ${jsonType(x)} into Go struct field ProxyConfig.proxies.${k} of type string`);
  }
}

/** Features berth has; any other feature may be named, but not turned on. */
const FEATURES: Record<string, boolean> = {};

function checkFeatures(v: Record<string, unknown>): void {
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'boolean') throw new Error(`json: cannot unmarshal ${jsonType(x)} into Go struct field Config.features of type bool`);
    if (x && !FEATURES[k])
      throw new Error(`feature "${k}" is not supported by berth (features: berth has none to turn on; the classic builder serves docker build)`);
  }
}

/** Go's encoding/json name for a JSON value's type, for its unmarshal errors. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string, number
}

/** Every setting, by daemon.json key (env-only knobs by a name of their own). */
export const OPTIONS = {
  // ---------- daemon ----------
  hosts: opt('strings', { flag: 'host', short: 'H', meta: 'list', help: 'Daemon socket(s) to connect to (unix://, fd://, or tcp:// with TLS)' }),
  tls: opt('bool', { flag: 'tls', help: 'Use TLS; implied by --tlsverify (--tls=false allows plain tcp://, insecure)' }),
  tlsverify: opt('bool', { flag: 'tlsverify', help: 'Use TLS and verify the remote (clients must present a certificate from the CA)' }),
  tlscacert: opt('string', { flag: 'tlscacert', meta: 'string', help: 'Trust certs signed only by this CA', default: '~/.docker/ca.pem' }),
  tlscert: opt('string', { flag: 'tlscert', meta: 'string', help: 'Path to TLS certificate file', default: '~/.docker/cert.pem' }),
  tlskey: opt('string', { flag: 'tlskey', meta: 'string', help: 'Path to TLS key file', default: '~/.docker/key.pem' }),
  'data-root': opt('string', { flag: 'data-root', meta: 'string', help: 'Root directory of persistent berth state', default: '/var/lib/berth' }),
  'exec-root': opt('string', { flag: 'exec-root', meta: 'string', help: 'Root directory for execution state files', default: '/run/berth' }),
  pidfile: opt('string', { flag: 'pidfile', short: 'p', meta: 'string', help: 'Path to use for daemon PID file', default: '/run/berthd.pid' }),
  'cri-socket': opt('string', {
    flag: 'cri-socket',
    meta: 'string',
    help: "Kubernetes CRI socket ('' = off)",
    default: 'unix:///run/berth/cri.sock with the default data root',
    check: (v) => {
      if (v && !v.startsWith('unix:///') && !v.startsWith('/')) throw new Error(`invalid --cri-socket ${v}: only unix:// sockets are supported`);
    },
  }),
  'cni-conf-dir': opt('string', { flag: 'cni-conf-dir', meta: 'string', help: 'CNI network configurations for pods', default: '/etc/cni/net.d' }),
  'cni-bin-dirs': opt('strings', { flag: 'cni-bin-dir', meta: 'list', help: 'CNI plugin directories', default: '/opt/cni/bin, /usr/lib/cni' }),
  'log-level': opt('string', {
    flag: 'log-level',
    short: 'l',
    meta: 'string',
    help: 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")',
    default: 'info',
    env: 'BERTH_LOG_LEVEL',
    reload: true,
    check: (v) => {
      if (!LOG_LEVELS.includes(v)) throw new Error(`unable to parse logging level: ${v}`);
    },
  }),
  debug: opt('bool', { flag: 'debug', short: 'D', help: 'Enable debug mode (log level "debug")', reload: true }),
  'shutdown-timeout': opt('int', {
    flag: 'shutdown-timeout',
    meta: 'int',
    help: 'Seconds to wait for API requests in flight at shutdown (containers keep running)',
    default: '3',
    check: (v) => {
      if (v < 0) throw new Error(`invalid shutdown timeout: ${v}`);
    },
  }),
  labels: opt('strings', { flag: 'label', meta: 'list', help: 'Set key=value labels to the daemon', reload: true, check: (v) => v.forEach(checkLabel) }),
  experimental: opt('bool', { flag: 'experimental', help: 'Enable experimental features' }),
  features: opt('object', { help: 'Enable or disable named features', check: checkFeatures }),
  'live-restore': opt('bool', { flag: 'live-restore', help: 'Keep containers running while the daemon is down (always so in berth)', reload: true }),
  // ---------- runtime ----------
  'default-runtime': opt('string', { flag: 'default-runtime', meta: 'string', help: 'Default OCI runtime for containers', default: 'runc', reload: true }),
  runtimes: opt('object', { help: 'OCI runtimes by name ({"name": {"path": ..., "runtimeArgs": [...]}})', check: checkRuntimes }),
  'storage-driver': opt('string', {
    flag: 'storage-driver',
    short: 's',
    meta: 'string',
    help: 'Storage driver to use (berth has overlay2 only)',
    check: (v) => {
      if (v !== 'overlay2') throw new Error(`storage-driver "${v}" is not supported by berth: berth stores containers and images with overlay2 only`);
    },
  }),
  'cgroup-parent': opt('string', { flag: 'cgroup-parent', meta: 'string', help: 'Set parent cgroup for all containers', default: '/berth' }),
  'seccomp-profile': opt('string', {
    flag: 'seccomp-profile',
    meta: 'string',
    help: 'Path to the default seccomp profile',
    default: '/usr/share/berth/seccomp/default.json',
  }),
  'init-path': opt('string', { flag: 'init-path', meta: 'string', help: 'Path to the docker-init binary' }),
  'no-new-privileges': opt('bool', { flag: 'no-new-privileges', help: 'Set no-new-privileges by default for new containers' }),
  'default-ulimits': opt('object', {
    flag: 'default-ulimit',
    meta: 'ulimit',
    help: 'Default ulimits for containers (nofile=1024:2048)',
    fromFlag: ulimitFlag,
    check: checkUlimits,
  }),
  'default-shm-size': opt('string', {
    flag: 'default-shm-size',
    meta: 'bytes',
    help: 'Default shm size for containers',
    default: '64MiB',
    check: (v) => {
      if (!/^\d+(\.\d+)?\s*([kmgtp]?i?b?)?$/i.test(v)) throw new Error(`invalid default-shm-size: invalid size: '${v}'`);
    },
  }),
  'default-ipc-mode': opt('string', {
    flag: 'default-ipc-mode',
    meta: 'string',
    help: 'Default mode for containers ipc ("shareable" | "private")',
    default: 'private',
    check: (v) => {
      if (v !== 'private' && v !== 'shareable') throw new Error(`invalid IPC mode: ${v}`);
    },
  }),
  'default-cgroupns-mode': opt('string', {
    flag: 'default-cgroupns-mode',
    meta: 'string',
    help: 'Default mode for containers cgroup namespace ("host" | "private")',
    check: (v) => {
      if (v !== 'private' && v !== 'host') throw new Error(`default cgroup namespace mode (${v}) is invalid; must be "host" or "private"`);
    },
  }),
  'log-driver': opt('string', { flag: 'log-driver', meta: 'string', help: 'Default driver for container logs', default: 'json-file' }),
  'log-opts': opt('map', {
    flag: 'log-opt',
    meta: 'map',
    help: 'Default log driver options for containers',
    fromFlag: (v) => {
      const i = v.indexOf('=');
      if (i <= 0) throw new Error(`invalid key value pair format in log-opt: ${v}`);
      return { [v.slice(0, i)]: v.slice(i + 1) };
    },
  }),
  // ---------- networks ----------
  bip: opt('string', { flag: 'bip', meta: 'string', help: 'Specify default-bridge IP and subnet (e.g. 172.26.0.1/16)' }),
  bridge: opt('string', { flag: 'bridge', short: 'b', meta: 'string', help: 'Name of the default bridge device' }),
  'default-address-pools': opt('objects', {
    flag: 'default-address-pool',
    meta: 'pool',
    help: 'Default address pools for networks (base=10.10.0.0/16,size=24)',
    fromFlag: (s) => {
      const kv = Object.fromEntries(s.split(',').map((p) => p.split('=').map((x) => x.trim())));
      if (!kv.base || !kv.size || !/^\d+$/.test(kv.size)) throw new Error(`invalid default address pool: ${s}`);
      return [{ base: kv.base, size: Number(kv.size) }];
    },
    check: (v) => {
      for (const p of v)
        if (typeof p.base !== 'string' || typeof p.size !== 'number') throw new Error('invalid default-address-pools in the configuration file');
    },
  }),
  dns: opt('strings', { flag: 'dns', meta: 'list', help: 'DNS server to use', check: (v) => v.forEach(checkIp) }),
  'dns-opts': opt('strings', { flag: 'dns-opt', meta: 'list', help: 'DNS options to use' }),
  'dns-search': opt('strings', { flag: 'dns-search', meta: 'list', help: 'DNS search domains to use', check: (v) => v.forEach(checkDnsSearch) }),
  'fixed-cidr': opt('string', { flag: 'fixed-cidr', meta: 'string', help: "IPv4 subnet for the default bridge's addresses" }),
  'fixed-cidr-v6': opt('string', { flag: 'fixed-cidr-v6', meta: 'string', help: "IPv6 subnet for the default bridge's addresses" }),
  'host-gateway-ip': opt('string', {
    flag: 'host-gateway-ip',
    meta: 'string',
    help: "IP address that the special 'host-gateway' string in --add-host resolves to",
    check: checkIp,
  }),
  icc: opt('bool', { flag: 'icc', help: 'Enable inter-container communication on the default bridge', default: 'true' }),
  'ip-masq': opt('bool', { flag: 'ip-masq', help: 'Enable IP masquerading for the default bridge', default: 'true' }),
  ipv6: opt('bool', { flag: 'ipv6', help: 'Enable IPv6 on the default bridge' }),
  iptables: opt('bool', {
    flag: 'iptables',
    help: 'Enable addition of iptables rules (berth cannot run without them)',
    default: 'true',
    check: (v) => {
      if (!v) throw new Error('--iptables=false is not supported: bridge networks and published ports are iptables rules (netavark)');
    },
  }),
  mtu: opt('int', {
    flag: 'mtu',
    meta: 'int',
    help: 'Set the MTU of the default bridge',
    check: (v) => {
      if (v < 0) throw new Error(`invalid default MTU: ${v}`);
    },
  }),
  // ---------- registries ----------
  'registry-mirrors': opt('strings', { flag: 'registry-mirror', meta: 'list', help: 'Preferred registry mirror', reload: true }),
  'insecure-registries': opt('strings', { flag: 'insecure-registry', meta: 'list', help: 'Enable insecure registry communication', reload: true }),
  'max-concurrent-downloads': opt('int', {
    flag: 'max-concurrent-downloads',
    meta: 'int',
    help: 'Set the max concurrent downloads',
    default: '3',
    reload: true,
  }),
  'max-concurrent-uploads': opt('int', { flag: 'max-concurrent-uploads', meta: 'int', help: 'Set the max concurrent uploads', default: '5', reload: true }),
  'max-download-attempts': opt('int', {
    flag: 'max-download-attempts',
    meta: 'int',
    help: 'Set the max download attempts for each pull',
    default: '5',
    reload: true,
  }),
  proxies: opt('object', { help: 'Proxies for registry traffic ({"http-proxy", "https-proxy", "no-proxy"})', check: checkProxies }),
  // ---------- environment knobs ----------
  'upload-chunk-size': opt('int', { noFile: true, hidden: true, env: 'BERTH_UPLOAD_CHUNK_SIZE', help: 'Push blobs in chunks of this many bytes (tests)' }),
  'crash-at': opt('string', { noFile: true, hidden: true, env: 'BERTHD_CRASH_AT', help: 'Crash-injection step (tests; see src/util/fault.ts)' }),
  // ---------- dockerd keys berth refuses ----------
  'storage-opts': opt('strings', { unsupported: 'overlay2 takes no storage options in berth' }),
  'userns-remap': opt('string', { unsupported: 'user namespace remapping is not implemented' }),
  'selinux-enabled': opt('bool', { unsupported: 'SELinux labelling is not implemented' }),
  'userland-proxy': opt('bool', { unsupported: 'published ports are DNAT rules (netavark); there is no userland proxy to turn on or off' }),
  'exec-opts': opt('strings', {
    help: 'Runtime execution options (berth: native.cgroupdriver=cgroupfs only)',
    check: (v) => {
      for (const o of v)
        if (o.replace(/\s/g, '') !== 'native.cgroupdriver=cgroupfs')
          throw new Error(`exec-opt ${o} is not supported by berth: berth drives cgroups with cgroupfs`);
    },
  }),
  group: opt('string', { unsupported: 'the socket belongs to the group "berth" when it exists' }),
  ip: opt('string', { unsupported: 'ports publish on 0.0.0.0 unless -p names an address' }),
  'ip-forward': opt('bool', { unsupported: "IP forwarding is netavark's to turn on" }),
  ip6tables: opt('bool', { unsupported: "IPv6 rules are netavark's, with --ipv6" }),
  'default-gateway': opt('string', { unsupported: "the default bridge's gateway is the address of --bip" }),
  'default-gateway-v6': opt('string', { unsupported: "the default bridge's gateway is the address of --bip" }),
  'userland-proxy-path': opt('string', { unsupported: 'there is no userland proxy' }),
  'oom-score-adjust': opt('int', { unsupported: 'berthd does not change its own OOM score' }),
  'log-format': opt('string', { unsupported: 'berthd logs JSON lines' }),
  'authorization-plugins': opt('strings', { unsupported: 'plugins are not implemented' }),
  containerd: opt('string', { unsupported: 'berth runs containers with runc under conmon, without containerd' }),
  'cpu-rt-period': opt('int', { unsupported: 'real-time scheduling limits are per container' }),
  'cpu-rt-runtime': opt('int', { unsupported: 'real-time scheduling limits are per container' }),
} satisfies Record<string, AnyOptionDef>;

export type OptionKey = keyof typeof OPTIONS;

/** Decoded settings: each key's value, when flag, file or environment set it. */
export type Settings = { -readonly [P in OptionKey]?: KindValue[(typeof OPTIONS)[P]['kind']] };

export const optionDef = (k: OptionKey): AnyOptionDef => OPTIONS[k] as AnyOptionDef;
export const optionKeys = Object.keys(OPTIONS) as OptionKey[];
