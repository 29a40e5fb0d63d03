// berthd's flags, environment and daemon.json, decoded from the one option
// table (table.ts) with dockerd's rules and wording: unknown keys, wrong
// types and a setting given both as a flag and in the file refuse the start.
import * as fs from 'node:fs';
import { defaultEngineConfig, type EngineConfig, type RuntimeEntry } from '../engine/config';
import { parseBip } from '../network/config';
import { parseCidr } from '../common/ipnet';
import { defaultNetworkConfig, type AddressPool, type NetworkDaemonConfig } from '../network/types';
import { parseMemory, type Ulimit } from '../common/units';
import { parseRegistryOptions } from './registry-options';
import { jsonType, optionDef, optionKeys, OPTIONS, type AnyOptionDef, type Kind, type KindValue, type OptionKey, type Settings } from './table';

/** TLS for tcp:// listeners, as dockerd's --tls/--tlsverify/--tlscacert/--tlscert/--tlskey. */
export interface DaemonTlsOptions {
  /** true with --tls or --tlsverify; false only when the operator said --tls=false */
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

export interface DaemonOptions {
  hosts: string[];
  tls: DaemonTlsOptions;
  pidfile: string;
  configFile: string;
  engine: EngineConfig;
  /** what flags, environment and file set, as decoded (reload compares these) */
  settings: Settings;
  /** keys set by a flag (a reload keeps them: the file cannot override a flag) */
  fromFlags: Set<OptionKey>;
  shutdownTimeoutSec: number;
  /** BERTHD_CRASH_AT: the crash-injection step, if any */
  crashAt?: string;
  /** the CRI (Kubernetes) listener; undefined = off */
  cri?: { socket: string; cniConfDir: string; cniBinDirs: string[] };
}

export class OptionsError extends Error {}

export const DEFAULT_SOCKET = '/run/berth.sock';
export const DEFAULT_CRI_SOCKET = '/run/berth/cri.sock';
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

// ---------- flags ----------

const GO_TYPE: Record<Kind, string> = {
  string: 'string',
  bool: 'bool',
  int: 'int',
  strings: '[]string',
  map: 'map[string]string',
  object: 'map[string]interface {}',
  objects: '[]map[string]interface {}',
};

interface FlagSpec {
  key: OptionKey | 'config-file' | 'help' | 'version';
  def?: AnyOptionDef;
  bool: boolean;
}

function flagIndex(): Map<string, FlagSpec> {
  const idx = new Map<string, FlagSpec>();
  for (const key of optionKeys) {
    const def = optionDef(key);
    if (!def.flag) continue;
    const spec: FlagSpec = { key, def, bool: def.kind === 'bool' };
    idx.set(`--${def.flag}`, spec);
    if (def.short) idx.set(`-${def.short}`, spec);
  }
  idx.set('--config-file', { key: 'config-file', bool: false });
  idx.set('--help', { key: 'help', bool: true });
  idx.set('-h', { key: 'help', bool: true });
  idx.set('--version', { key: 'version', bool: true });
  idx.set('-v', { key: 'version', bool: true });
  return idx;
}

function parseBool(v: string, flag: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new OptionsError(`invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** One flag value decoded to its option's kind; repeatable kinds merge. */
function flagValue(def: AnyOptionDef, raw: string, prev: unknown, flag: string): unknown {
  const bad = (m: string) => new OptionsError(`invalid argument "${raw}" for "${flag}" flag: ${m}`);
  let v: unknown;
  try {
    v = def.fromFlag ? def.fromFlag(raw) : raw;
  } catch (e) {
    throw bad((e as Error).message);
  }
  switch (def.kind) {
    case 'int':
      if (!/^-?\d+$/.test(raw)) throw bad(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
      return Number(raw);
    case 'strings':
      return [...((prev as string[]) ?? []), v as string];
    case 'objects':
      return [...((prev as unknown[]) ?? []), ...(v as unknown[])];
    case 'map':
    case 'object':
      return { ...((prev as object) ?? {}), ...(v as object) };
    default:
      return v;
  }
}

interface ParsedFlags {
  values: Settings;
  configFile?: string;
  help: boolean;
  version: boolean;
}

/** pflag's rules: --name value, --name=value, -x value, -xvalue; booleans take --name=false. */
export function parseFlags(argv: string[]): ParsedFlags {
  const idx = flagIndex();
  const out: ParsedFlags = { values: {}, help: false, version: false };
  const values = out.values as Record<string, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') throw new OptionsError(`unknown command "${a}" for "berthd"`);
    let name = a;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) [name, inline] = [a.slice(0, eq), a.slice(eq + 1)];
    } else if (a.length > 2) {
      [name, inline] = [a.slice(0, 2), a.slice(2).replace(/^=/, '')];
    }
    const spec = idx.get(name);
    if (!spec) throw new OptionsError(name.startsWith('--') ? `unknown flag: ${name}` : `unknown shorthand flag: '${name.slice(1)}' in ${a}`);
    let raw: string;
    if (spec.bool) raw = inline ?? 'true';
    else if (inline !== undefined) raw = inline;
    else {
      if (i + 1 >= argv.length) throw new OptionsError(`flag needs an argument: ${name}`);
      raw = argv[++i];
    }
    if (spec.key === 'help') out.help = parseBool(raw, name);
    else if (spec.key === 'version') out.version = parseBool(raw, name);
    else if (spec.key === 'config-file') out.configFile = raw;
    else if (spec.bool) values[spec.key] = parseBool(raw, name);
    else values[spec.key] = flagValue(spec.def!, raw, values[spec.key], name);
  }
  return out;
}

// ---------- daemon.json ----------

/** Decodes daemon.json text: every key known, every value of its type, as dockerd's decoder says it. */
export function decodeConfigFile(text: string): Settings {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new OptionsError(`json: cannot unmarshal ${jsonType(raw)} into Go value of type map[string]interface {}`);
  const file = raw as Record<string, unknown>;
  const unknown = Object.keys(file).filter((k) => !(k in OPTIONS) || optionDef(k as OptionKey).noFile);
  if (unknown.length) throw new OptionsError(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (v === null) continue; // Go leaves the zero value
    const def = optionDef(k as OptionKey);
    if (!ofKind(def.kind, v)) throw new OptionsError(`json: cannot unmarshal ${jsonType(v)} into Go struct field Config.${k} of type ${GO_TYPE[def.kind]}`);
    out[k] = v;
  }
  return out as Settings;
}

function ofKind(kind: Kind, v: unknown): boolean {
  const isObj = (x: unknown) => !!x && typeof x === 'object' && !Array.isArray(x);
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'map':
      return isObj(v) && Object.values(v as object).every((x) => typeof x === 'string');
    case 'object':
      return isObj(v);
    case 'objects':
      return Array.isArray(v) && v.every(isObj);
  }
}

function readConfigFile(configFile: string, explicit: boolean): Settings {
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return {};
    throw new OptionsError(
      `unable to configure the Docker daemon with file ${configFile}: open ${configFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
    );
  }
  try {
    return decodeConfigFile(text);
  } catch (e) {
    throw new OptionsError(`unable to configure the Docker daemon with file ${configFile}: ${(e as Error).message}`);
  }
}

function conflicts(flags: Settings, file: Settings): string[] {
  const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return (Object.keys(flags) as OptionKey[])
    .filter((k) => file[k] !== undefined)
    .map((k) => `${k}: (from flag: ${show(flags[k])}, from file: ${show(file[k])})`);
}

/** Environment knobs: used when neither a flag nor the file sets the key. */
function fromEnv(env: NodeJS.ProcessEnv): Settings {
  const out: Record<string, unknown> = {};
  for (const key of optionKeys) {
    const def = optionDef(key);
    const raw = def.env ? env[def.env] : undefined;
    if (raw === undefined || raw === '') continue;
    if (def.kind === 'int') {
      if (!/^\d+$/.test(raw)) throw new OptionsError(`invalid value "${raw}" for ${def.env}: not an integer`);
      out[key] = Number(raw);
    } else out[key] = raw;
  }
  return out as Settings;
}

/** Every option's own check, and the refusal of dockerd keys berth does not have. */
export function validateSettings(s: Settings): void {
  for (const key of Object.keys(s) as OptionKey[]) {
    const def = optionDef(key);
    const v = s[key] as KindValue[Kind];
    if (def.unsupported) {
      const empty = v === false || v === '' || (Array.isArray(v) && v.length === 0);
      if (!empty) throw new OptionsError(`${key} is not supported by berth: ${def.unsupported}`);
      continue;
    }
    try {
      def.check?.(v as never);
    } catch (e) {
      throw new OptionsError((e as Error).message);
    }
  }
}

// ---------- --help ----------

export const USAGE = (() => {
  const rows: Array<[string, string]> = [['--config-file string', `Daemon configuration file (default "${DEFAULT_CONFIG_FILE}")`]];
  for (const key of optionKeys) {
    const d = optionDef(key);
    if (!d.flag || d.hidden || d.unsupported) continue;
    const name = `${d.short ? `-${d.short}, ` : '    '}--${d.flag}${d.meta ? ' ' + d.meta : ''}`;
    rows.push([name, `${d.help ?? ''}${d.default !== undefined ? ` (default ${d.kind === 'string' ? `"${d.default}"` : d.default})` : ''}`]);
  }
  rows.push(['-h, --help', 'Print usage'], ['-v, --version', 'Print version information and quit']);
  const lefts = rows.map(([n]) => (/^(-\w, |    )/.test(n) ? n : `    ${n}`));
  const width = Math.max(...lefts.map((l) => l.length));
  const lines = rows.map(([, h], i) => `  ${lefts[i].padEnd(width)}  ${h}`);
  const env = optionKeys
    .filter((k) => optionDef(k).env && !optionDef(k).hidden)
    .map((k) => `  ${optionDef(k).env!.padEnd(width)}  same as --${optionDef(k).flag ?? k}`);
  return `Usage:\tberthd [OPTIONS]\n\nA self-sufficient runtime for containers that speaks the Docker Engine API.\n\nOptions:\n${lines.join('\n')}\n${env.length ? `\nEnvironment:\n${env.join('\n')}\n` : ''}`;
})();

// ---------- everything together ----------

export function parseDaemonArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DaemonOptions | 'help' | 'version' {
  const flags = parseFlags(argv);
  if (flags.help) return 'help';
  if (flags.version) return 'version';
  const configFile = flags.configFile ?? DEFAULT_CONFIG_FILE;
  const file = readConfigFile(configFile, flags.configFile !== undefined);
  const both = conflicts(flags.values, file);
  if (both.length)
    throw new OptionsError(
      `unable to configure the Docker daemon with file ${configFile}: the following directives are specified both as a flag and in the configuration file: ${both.join(', ')}`,
    );
  const settings: Settings = { ...fromEnv(env), ...file, ...flags.values };
  try {
    validateSettings(settings);
  } catch (e) {
    const m = (e as Error).message;
    // dockerd names the file when the merged settings are refused
    throw new OptionsError(
      Object.keys(file).length
        ? `unable to configure the Docker daemon with file ${configFile}: merged configuration validation from file and command line flags failed: ${m}`
        : m,
    );
  }
  return { ...toDaemonOptions(settings, configFile), fromFlags: new Set(Object.keys(flags.values) as OptionKey[]) };
}

/** Reads the file again for a reload: flags keep their values, the file's reloadable keys are new. */
export function reloadSettings(current: DaemonOptions): Settings {
  const file = readConfigFile(current.configFile, true);
  const both = conflicts(Object.fromEntries([...current.fromFlags].map((k) => [k, current.settings[k]])) as Settings, file);
  if (both.length)
    throw new OptionsError(
      `unable to configure the Docker daemon with file ${current.configFile}: the following directives are specified both as a flag and in the configuration file: ${both.join(', ')}`,
    );
  const flagged = Object.fromEntries([...current.fromFlags].map((k) => [k, current.settings[k]]));
  const next = { ...fromEnv(process.env), ...file, ...flagged } as Settings;
  try {
    validateSettings(next);
  } catch (e) {
    throw new OptionsError(
      `unable to configure the Docker daemon with file ${current.configFile}: file configuration validation failed: ${(e as Error).message}`,
    );
  }
  return next;
}

function toDaemonOptions(s: Settings, configFile: string): Omit<DaemonOptions, 'fromFlags'> {
  return {
    hosts: (s.hosts ?? [`unix://${DEFAULT_SOCKET}`]).map((h) => (h.startsWith('/') ? `unix://${h}` : h)),
    tls: { tls: s.tls, tlsverify: s.tlsverify, tlscacert: s.tlscacert, tlscert: s.tlscert, tlskey: s.tlskey },
    pidfile: s.pidfile ?? '/run/berthd.pid',
    configFile,
    engine: engineConfig(s),
    settings: s,
    shutdownTimeoutSec: s['shutdown-timeout'] ?? 3,
    crashAt: s['crash-at'],
    cri: criOptions(s),
  };
}

/** CRI is on by default only for the default data root: a second daemon must not take the node's socket. */
function criOptions(s: Settings): DaemonOptions['cri'] {
  const sock = s['cri-socket'] ?? ((s['data-root'] ?? defaultEngineConfig().dataRoot) === defaultEngineConfig().dataRoot ? DEFAULT_CRI_SOCKET : '');
  if (!sock) return undefined;
  return {
    socket: sock.replace(/^unix:\/\//, ''),
    cniConfDir: s['cni-conf-dir'] ?? '/etc/cni/net.d',
    cniBinDirs: s['cni-bin-dirs'] ?? ['/opt/cni/bin', '/usr/lib/cni'],
  };
}

/** The engine's configuration from decoded settings (start and reload alike). */
export function engineConfig(s: Settings): EngineConfig {
  const d = defaultEngineConfig();
  const runtimes: Record<string, RuntimeEntry> = { ...d.runtimes };
  for (const [name, r] of Object.entries((s.runtimes ?? {}) as Record<string, RuntimeEntry>)) {
    runtimes[name] = { path: r.path, ...(r.runtimeArgs ? { runtimeArgs: r.runtimeArgs } : {}) };
  }
  const defaultRuntime = s['default-runtime'] ?? d.defaultRuntime;
  if (!runtimes[defaultRuntime]) throw new OptionsError(`default runtime ${defaultRuntime} does not exist`);
  let registry;
  try {
    registry = parseRegistryOptions(s as Record<string, unknown>, (m) => new OptionsError(m));
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  const ulimits: Ulimit[] = Object.entries((s['default-ulimits'] ?? {}) as Record<string, { Name?: string; Soft: number; Hard: number }>).map(([name, u]) => ({
    Name: u.Name || name,
    Soft: u.Soft,
    Hard: u.Hard,
  }));
  return {
    ...d,
    dataRoot: s['data-root'] ?? d.dataRoot,
    execRoot: s['exec-root'] ?? d.execRoot,
    runtimes,
    defaultRuntime,
    seccompProfile: s['seccomp-profile'] ?? d.seccompProfile,
    initPath: s['init-path'] ?? d.initPath,
    logDriver: s['log-driver'] ?? d.logDriver,
    logOpts: s['log-opts'] ?? d.logOpts,
    liveRestore: s['live-restore'] ?? d.liveRestore,
    shmSize: s['default-shm-size'] !== undefined ? parseMemory(s['default-shm-size']) : d.shmSize,
    dns: s.dns ?? d.dns,
    dnsSearch: s['dns-search'] ?? d.dnsSearch,
    dnsOptions: s['dns-opts'] ?? d.dnsOptions,
    cgroupParent: s['cgroup-parent'] ?? d.cgroupParent,
    logLevel: s.debug ? 'debug' : (s['log-level'] ?? d.logLevel),
    network: networkConfig(s),
    registry,
    labels: s.labels ?? [],
    experimental: s.experimental ?? false,
    noNewPrivileges: s['no-new-privileges'] ?? false,
    defaultUlimits: ulimits,
    defaultIpcMode: (s['default-ipc-mode'] ?? 'private') as EngineConfig['defaultIpcMode'],
    defaultCgroupnsMode: s['default-cgroupns-mode'] as EngineConfig['defaultCgroupnsMode'],
    features: (s.features ?? {}) as Record<string, boolean>,
  };
}

function networkConfig(s: Settings): NetworkDaemonConfig {
  const pools = s['default-address-pools'] as AddressPool[] | undefined;
  for (const p of pools ?? []) {
    const c = parseCidr(p.base);
    if (!c || p.size < c.bits || p.size > (c.family === 4 ? 32 : 128)) throw new OptionsError(`invalid default address pool: base=${p.base},size=${p.size}`);
  }
  const cfg = defaultNetworkConfig({
    bip: s.bip,
    fixedCidr: s['fixed-cidr'],
    fixedCidrV6: s['fixed-cidr-v6'],
    ipv6: s.ipv6,
    icc: s.icc,
    ipMasq: s['ip-masq'],
    mtu: s.mtu,
    bridgeName: s.bridge,
    hostGatewayIp: s['host-gateway-ip'],
    defaultAddressPools: pools,
  });
  try {
    parseBip(cfg);
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  return cfg;
}
