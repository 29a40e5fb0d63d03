// The flags of `run` and `create` and their translation into the Engine API's
// create body (Config + HostConfig + NetworkingConfig), with the docker CLI's
// client-side checks and messages.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMemory, parseUlimit } from '../../common/units';
import { parseGoDuration } from '../../util/time';
import { StatusError } from '../command';
import { FlagError, type FlagDef, type Flags } from '../flags';
import { parseGpuRequest, parseThrottleBps, parseThrottleIops, parseWeightDevice } from './devices';
import { parseMountSpec } from './mount';
import { parsePortSpecs } from './ports';

const bytes = (v: string): string => {
  if (v === '') return v;
  parseMemory(v);
  return v;
};
const swapBytes = (v: string): string => (v === '-1' ? v : bytes(v));
const duration = (v: string): string => {
  if (parseGoDuration(v) === undefined) throw new Error(`time: invalid duration "${v}"`);
  return v;
};
const decimal = (v: string): string => {
  if (!/^\d*\.?\d+$/.test(v.trim())) throw new Error(`failed to parse ${v} as a rational number`);
  return v;
};
const ulimit = (v: string): string => {
  parseUlimit(v);
  return v;
};
const extraHost = (v: string): string => {
  // host:ip, with "host-gateway" allowed as the address; IPv6 addresses contain colons
  const i = v.indexOf(':');
  if (i <= 0 || i === v.length - 1) throw new Error(`bad format for add-host: "${v}"`);
  return v;
};

/** a flag value checked by a parser whose result the body builder makes again */
const check =
  (parse: (v: string) => unknown) =>
  (v: string): string => {
    parse(v);
    return v;
  };

const F = (long: string, kind: FlagDef['kind'], help: string, more: Partial<FlagDef> = {}): FlagDef => ({ long, kind, help, ...more });

/** Flags shared by `create` and `run` (docker's container options). */
export const containerFlags: FlagDef[] = [
  F('add-host', 'list', 'Add a custom host-to-IP mapping (host:ip)', { parse: extraHost }),
  F('annotation', 'list', 'Add an annotation to the container (passed through to the OCI runtime)', { valueName: 'map' }),
  F('attach', 'list', 'Attach to STDIN, STDOUT or STDERR', { short: 'a' }),
  F('blkio-weight', 'int', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', { valueName: 'uint16' }),
  F('blkio-weight-device', 'list', 'Block IO weight (relative device weight)', { parse: check(parseWeightDevice) }),
  F('cap-add', 'list', 'Add Linux capabilities'),
  F('cap-drop', 'list', 'Drop Linux capabilities'),
  F('cgroup-parent', 'string', 'Optional parent cgroup for the container'),
  F('cgroupns', 'string', 'Cgroup namespace to use (host|private)'),
  F('cidfile', 'string', 'Write the container ID to the file'),
  F('cpu-period', 'int', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  F('cpu-quota', 'int', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  F('cpu-rt-period', 'int', 'Limit CPU real-time period in microseconds'),
  F('cpu-rt-runtime', 'int', 'Limit CPU real-time runtime in microseconds'),
  F('cpu-shares', 'int', 'CPU shares (relative weight)', { short: 'c' }),
  F('cpus', 'string', 'Number of CPUs', { valueName: 'decimal', parse: decimal }),
  F('cpuset-cpus', 'string', 'CPUs in which to allow execution (0-3, 0,1)'),
  F('cpuset-mems', 'string', 'MEMs in which to allow execution (0-3, 0,1)'),
  F('device', 'list', 'Add a host device to the container'),
  F('device-cgroup-rule', 'list', 'Add a rule to the cgroup allowed devices list'),
  F('device-read-bps', 'list', 'Limit read rate (bytes per second) from a device', { parse: check(parseThrottleBps) }),
  F('device-read-iops', 'list', 'Limit read rate (IO per second) from a device', { parse: check(parseThrottleIops) }),
  F('device-write-bps', 'list', 'Limit write rate (bytes per second) to a device', { parse: check(parseThrottleBps) }),
  F('device-write-iops', 'list', 'Limit write rate (IO per second) to a device', { parse: check(parseThrottleIops) }),
  F('disable-content-trust', 'bool', 'Skip image verification (default true)'),
  F('dns', 'list', 'Set custom DNS servers'),
  F('dns-option', 'list', 'Set DNS options'),
  F('dns-search', 'list', 'Set custom DNS search domains'),
  F('domainname', 'string', 'Container NIS domain name'),
  F('entrypoint', 'string', 'Overwrite the default ENTRYPOINT of the image'),
  F('env', 'list', 'Set environment variables', { short: 'e' }),
  F('env-file', 'list', 'Read in a file of environment variables'),
  F('expose', 'list', 'Expose a port or a range of ports'),
  F('group-add', 'list', 'Add additional groups to join'),
  F('health-cmd', 'string', 'Command to run to check health'),
  F('health-interval', 'string', 'Time between running the check (ms|s|m|h) (default 0s)', { valueName: 'duration', parse: duration }),
  F('health-retries', 'int', 'Consecutive failures needed to report unhealthy'),
  F('health-start-interval', 'string', 'Time between running the check during the start period (ms|s|m|h) (default 0s)', {
    valueName: 'duration',
    parse: duration,
  }),
  F('health-start-period', 'string', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)', {
    valueName: 'duration',
    parse: duration,
  }),
  F('health-timeout', 'string', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)', { valueName: 'duration', parse: duration }),
  F('hostname', 'string', 'Container host name', { short: 'h' }),
  F('gpus', 'list', "GPU devices to add to the container ('all' to pass all GPUs)", { valueName: 'gpu-request', parse: check(parseGpuRequest) }),
  F('init', 'bool', 'Run an init inside the container that forwards signals and reaps processes'),
  F('interactive', 'bool', 'Keep STDIN open even if not attached', { short: 'i' }),
  F('ip', 'string', 'IPv4 address (e.g., 172.30.100.104)'),
  F('ip6', 'string', 'IPv6 address (e.g., 2001:db8::33)'),
  F('ipc', 'string', 'IPC mode to use'),
  F('isolation', 'string', 'Container isolation technology'),
  F('kernel-memory', 'string', 'Kernel memory limit', { valueName: 'bytes', parse: bytes }),
  F('label', 'list', 'Set meta data on a container', { short: 'l' }),
  F('link-local-ip', 'list', 'Container IPv4/IPv6 link-local addresses'),
  F('label-file', 'list', 'Read in a line delimited file of labels'),
  F('link', 'list', 'Add link to another container'),
  F('log-driver', 'string', 'Logging driver for the container'),
  F('log-opt', 'list', 'Log driver options'),
  F('mac-address', 'string', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  F('memory', 'string', 'Memory limit', { short: 'm', valueName: 'bytes', parse: bytes }),
  F('memory-reservation', 'string', 'Memory soft limit', { valueName: 'bytes', parse: bytes }),
  F('memory-swap', 'string', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", { valueName: 'bytes', parse: swapBytes }),
  F('memory-swappiness', 'int', 'Tune container memory swappiness (0 to 100)', { def: -1 }),
  F('mount', 'list', 'Attach a filesystem mount to the container', { valueName: 'mount', parse: (v) => (parseMountSpec(v), v) }),
  F('name', 'string', 'Assign a name to the container'),
  F('network', 'list', 'Connect a container to a network', { valueName: 'network' }),
  F('network-alias', 'list', 'Add network-scoped alias for the container'),
  F('no-healthcheck', 'bool', 'Disable any container-specified HEALTHCHECK'),
  F('oom-kill-disable', 'bool', 'Disable OOM Killer'),
  F('oom-score-adj', 'int', "Tune host's OOM preferences (-1000 to 1000)"),
  F('pid', 'string', 'PID namespace to use'),
  F('pids-limit', 'int', 'Tune container pids limit (set -1 for unlimited)'),
  F('platform', 'string', 'Set platform if server is multi-platform capable'),
  F('privileged', 'bool', 'Give extended privileges to this container'),
  F('publish', 'list', "Publish a container's port(s) to the host", { short: 'p' }),
  F('publish-all', 'bool', 'Publish all exposed ports to random ports', { short: 'P' }),
  F('pull', 'string', 'Pull image before running ("always", "missing", "never")', { def: 'missing' }),
  F('quiet', 'bool', 'Suppress the pull output', { short: 'q' }),
  F('read-only', 'bool', "Mount the container's root filesystem as read only"),
  F('restart', 'string', 'Restart policy to apply when a container exits', { def: 'no' }),
  F('rm', 'bool', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  F('runtime', 'string', 'Runtime to use for this container'),
  F('security-opt', 'list', 'Security Options'),
  F('shm-size', 'string', 'Size of /dev/shm', { valueName: 'bytes', parse: bytes }),
  F('stop-signal', 'string', 'Signal to stop the container'),
  F('stop-timeout', 'int', 'Timeout (in seconds) to stop a container'),
  F('storage-opt', 'list', 'Storage driver options for the container'),
  F('sysctl', 'list', 'Sysctl options', { valueName: 'map' }),
  F('tmpfs', 'list', 'Mount a tmpfs directory'),
  F('tty', 'bool', 'Allocate a pseudo-TTY', { short: 't' }),
  F('ulimit', 'list', 'Ulimit options', { valueName: 'ulimit', parse: ulimit }),
  F('user', 'string', 'Username or UID (format: <name|uid>[:<group|gid>])', { short: 'u' }),
  F('userns', 'string', 'User namespace to use'),
  F('uts', 'string', 'UTS namespace to use'),
  F('volume', 'list', 'Bind mount a volume', { short: 'v' }),
  F('volume-driver', 'string', 'Optional volume driver for the container'),
  F('volumes-from', 'list', 'Mount volumes from the specified container(s)'),
  F('workdir', 'string', 'Working directory inside the container', { short: 'w' }),
];

/** Only `run` has these. */
export const runOnlyFlags: FlagDef[] = [
  F('detach', 'bool', 'Run container in background and print container ID', { short: 'd' }),
  F('detach-keys', 'string', 'Override the key sequence for detaching a container'),
  F('sig-proxy', 'bool', 'Proxy received signals to the process', { def: true }),
];

export interface CreateBody {
  [k: string]: unknown;
  HostConfig: Record<string, unknown>;
  NetworkingConfig: { EndpointsConfig: Record<string, unknown> };
}

export interface ParsedContainer {
  body: CreateBody;
  name?: string;
  platform?: string;
  detach: boolean;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
}

/** KEY=VALUE lines; KEY alone takes the value from our environment (and is dropped when unset). */
export function readKvFile(file: string, what: 'env' | 'label'): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (what === 'env' && /\s/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
    if (eq >= 0) out.push(line);
    else if (what === 'label') out.push(key);
    else if (process.env[key] !== undefined) out.push(`${key}=${process.env[key]}`);
  }
  return out;
}

function envList(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.includes('=')) out.push(v);
    else if (v !== '' && process.env[v] !== undefined) out.push(`${v}=${process.env[v]}`);
  }
  return out;
}

function kvMap(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 && flag !== 'label') throw new FlagError(`invalid argument "${v}" for "--${flag}" flag: invalid key value pair: ${v}`);
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

function parseRestart(spec: string): { Name: string; MaximumRetryCount: number } {
  if (spec === '') return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count, extra] = spec.split(':');
  if (extra !== undefined) throw new Error(`invalid restart policy format: ${spec}`);
  if (count === undefined) return { Name: name, MaximumRetryCount: 0 };
  if (!/^\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
  return { Name: name, MaximumRetryCount: Number(count) };
}

/** --device /dev/x[:/dev/y[:rwm]] */
function parseDevice(spec: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = spec.split(':');
  let perms = 'rwm';
  let src = parts[0];
  let dst = parts[0];
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) perms = parts[1];
    else dst = parts[1];
  } else if (parts.length === 3) {
    dst = parts[1];
    perms = parts[2];
  } else if (parts.length > 3) throw new FlagError(`invalid argument "${spec}" for "--device" flag: invalid device specification: ${spec}`);
  if (!/^[rwm]+$/.test(perms)) throw new FlagError(`invalid argument "${spec}" for "--device" flag: invalid device mode: ${perms}`);
  if (!dst.startsWith('/')) throw new FlagError(`invalid argument "${spec}" for "--device" flag: ${dst} is not an absolute path`);
  src = src || dst;
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

/** docker reads a seccomp profile file on the client and sends its JSON. */
function securityOpts(values: string[]): string[] {
  return values.map((o) => {
    const eq = o.indexOf('=');
    const sep = eq >= 0 ? eq : o.indexOf(':');
    const key = sep < 0 ? o : o.slice(0, sep);
    const val = sep < 0 ? '' : o.slice(sep + 1);
    if (key === 'seccomp' && val !== 'unconfined' && val !== '' && val !== 'builtin') {
      let data: string;
      try {
        data = fs.readFileSync(val, 'utf8');
      } catch (e) {
        throw new Error(`opening seccomp profile (${val}) failed: ${(e as Error).message}`);
      }
      try {
        return `seccomp=${JSON.stringify(JSON.parse(data))}`;
      } catch (e) {
        throw new Error(`compacting json for seccomp profile (${val}) failed: ${(e as Error).message}`);
      }
    }
    return o;
  });
}

/** -v: a destination alone is an anonymous volume; anything with a source is a bind/named volume. */
function splitVolumes(values: string[]): { binds: string[]; volumes: Record<string, object> } {
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of values) {
    const parts = v.split(':');
    if (parts.length === 1) {
      if (!v.startsWith('/')) throw new FlagError(`invalid argument "${v}" for "-v, --volume" flag: invalid volume specification: '${v}'`);
      volumes[v] = {};
      continue;
    }
    if (parts.length > 3 || parts[0] === '' || parts[1] === '')
      throw new FlagError(`invalid argument "${v}" for "-v, --volume" flag: invalid spec: ${v}: empty section between colons`);
    // relative host paths are resolved on the client, as docker does since 23.0
    if (parts[0].startsWith('.')) parts[0] = path.resolve(parts[0]);
    binds.push(parts.join(':'));
  }
  return { binds, volumes };
}

function nanoCpus(v: string): number {
  return Math.round(parseFloat(v) * 1e9);
}

const ns = (f: Flags, name: string): number => (f.isSet(name) ? (parseGoDuration(f.str(name)) ?? 0) : 0);

/** Builds the create request from parsed flags and the positional IMAGE [COMMAND] [ARG...]. */
const isUserDefined = (n: string) => !['default', 'bridge', 'host', 'none'].includes(n) && !n.startsWith('container:');

/** --network (repeatable, "name" or "name=…,alias=…,ip=…"), with --network-alias/--link/--ip/--ip6/--mac-address applying to the first. */
function networkEndpoints(f: Flags): { network: string; endpoints: Record<string, unknown> } {
  const given = f.list('network').map((v) => {
    if (!v.includes('='))
      return { target: v, aliases: [] as string[], links: [] as string[], ip: '', ip6: '', mac: '', driverOpts: {} as Record<string, string> };
    const o = { target: '', aliases: [] as string[], links: [] as string[], ip: '', ip6: '', mac: '', driverOpts: {} as Record<string, string> };
    for (const part of v.split(',')) {
      const i = part.indexOf('=');
      if (i < 0) throw new Error(`invalid field '${part}' must be a key=value pair`);
      const k = part.slice(0, i).trim().toLowerCase();
      const val = part.slice(i + 1).trim();
      if (k === 'name') o.target = val;
      else if (k === 'alias') o.aliases.push(val);
      else if (k === 'link') o.links.push(val);
      else if (k === 'ip') o.ip = val;
      else if (k === 'ip6') o.ip6 = val;
      else if (k === 'mac-address') o.mac = val;
      else if (k === 'driver-opt') {
        const j = val.indexOf('=');
        o.driverOpts[val.slice(0, j)] = val.slice(j + 1);
      } else throw new Error(`invalid field key ${k}`);
    }
    return o;
  });
  if (!given.length) given.push({ target: 'default', aliases: [], links: [], ip: '', ip6: '', mac: '', driverOpts: {} });
  const first = given[0];
  if (f.list('network-alias').length) {
    if (first.aliases.length) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
    first.aliases = f.list('network-alias');
  }
  if (isUserDefined(first.target) && f.list('link').length) first.links = f.list('link');
  if (f.str('ip')) first.ip = f.str('ip');
  if (f.str('ip6')) first.ip6 = f.str('ip6');
  if (f.str('mac-address')) first.mac = f.str('mac-address');
  const endpoints: Record<string, unknown> = {};
  let user = false;
  let builtin = false;
  given.forEach((g, i) => {
    if (!g.target) throw new Error('no name set for network');
    if (isUserDefined(g.target)) user = true;
    else {
      builtin = true;
      if (g.aliases.length) throw new Error('network-scoped aliases are only supported for user-defined networks');
      if (g.links.length) throw new Error('links are only supported for user-defined networks');
    }
    if (endpoints[g.target]) throw new Error(`network "${g.target}" is specified multiple times`);
    const ep: Record<string, unknown> = {};
    if (g.aliases.length) ep.Aliases = g.aliases;
    if (g.links.length) ep.Links = g.links;
    const linkLocal = i === 0 ? f.list('link-local-ip') : [];
    if (g.ip || g.ip6 || linkLocal.length)
      ep.IPAMConfig = { IPv4Address: g.ip || undefined, IPv6Address: g.ip6 || undefined, LinkLocalIPs: linkLocal.length ? linkLocal : undefined };
    if (g.mac) ep.MacAddress = g.mac;
    if (Object.keys(g.driverOpts).length) ep.DriverOpts = g.driverOpts;
    if (i === 0 && given.length === 1 && !Object.keys(ep).length && g.target !== 'default') return;
    endpoints[g.target] = ep;
  });
  if (user && builtin) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return { network: first.target, endpoints };
}

export function buildCreateBody(f: Flags, args: string[], opts: { run: boolean; stdinIsTty: boolean; consoleSize?: [number, number] }): ParsedContainer {
  const image = args[0];
  const cmd = args.slice(1);
  const detach = opts.run && f.bool('detach');

  // attach streams: -a wins; otherwise a foreground container gets stdout+stderr and stdin with -i
  const attachList = f.list('attach').map((s) => s.toLowerCase());
  for (const a of attachList)
    if (!['stdin', 'stdout', 'stderr'].includes(a))
      throw new FlagError(`invalid argument "${a}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
  // the docker CLI's plain error (exit 1, no help line), unlike its other run/create refusals
  if (detach && attachList.length) throw new StatusError('conflicting options: cannot specify both --attach and --detach', 1);
  let attach = { stdin: false, stdout: false, stderr: false };
  if (attachList.length) attach = { stdin: attachList.includes('stdin'), stdout: attachList.includes('stdout'), stderr: attachList.includes('stderr') };
  else if (!detach) attach = { stdin: f.bool('interactive'), stdout: true, stderr: true };

  const env = [...f.list('env-file').flatMap((p) => readKvFile(p, 'env')), ...envList(f.list('env'))];
  const labels = kvMap([...f.list('label-file').flatMap((p) => readKvFile(p, 'label')), ...f.list('label')], 'label');
  const { exposed, bindings } = parsePortSpecs(f.list('publish'), f.list('expose'));
  const { binds, volumes } = splitVolumes(f.list('volume'));
  const mounts = f.list('mount').map(parseMountSpec);
  const tmpfs: Record<string, string> = {};
  for (const t of f.list('tmpfs')) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }

  // healthcheck flags
  let healthcheck: Record<string, unknown> | undefined;
  const healthSet = ['health-cmd', 'health-interval', 'health-timeout', 'health-start-period', 'health-start-interval', 'health-retries'].some((n) =>
    f.isSet(n),
  );
  if (f.bool('no-healthcheck')) {
    if (healthSet) throw new Error('--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (healthSet) {
    for (const n of ['health-interval', 'health-timeout', 'health-start-period', 'health-start-interval'])
      if (ns(f, n) < 0) throw new Error(`--${n} cannot be negative`);
    if ((f.int('health-retries') ?? 0) < 0) throw new Error('--health-retries cannot be negative');
    healthcheck = {
      Test: f.isSet('health-cmd') && f.str('health-cmd') !== '' ? ['CMD-SHELL', f.str('health-cmd')] : undefined,
      Interval: ns(f, 'health-interval'),
      Timeout: ns(f, 'health-timeout'),
      StartPeriod: ns(f, 'health-start-period'),
      StartInterval: ns(f, 'health-start-interval'),
      Retries: f.int('health-retries') ?? 0,
    };
  }

  const restart = parseRestart(f.str('restart'));
  if (f.bool('rm') && restart.Name !== 'no' && restart.Name !== '') throw new Error('conflicting options: cannot specify both --restart and --rm');

  let entrypoint: string[] | undefined;
  if (f.isSet('entrypoint')) entrypoint = [f.str('entrypoint')];

  const { network, endpoints } = networkEndpoints(f);

  const mem = (n: string) => (f.str(n) ? parseMemory(f.str(n)) : 0);
  const body: CreateBody = {
    Hostname: f.str('hostname'),
    Domainname: f.str('domainname'),
    User: f.str('user'),
    AttachStdin: attach.stdin,
    AttachStdout: attach.stdout,
    AttachStderr: attach.stderr,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Tty: f.bool('tty'),
    OpenStdin: f.bool('interactive'),
    StdinOnce: attach.stdin && f.bool('interactive'),
    Env: env,
    Cmd: cmd.length ? cmd : null,
    Healthcheck: healthcheck,
    Image: image,
    Volumes: Object.keys(volumes).length ? volumes : null,
    WorkingDir: f.str('workdir'),
    Entrypoint: entrypoint ?? null,
    MacAddress:
      (endpoints[network === 'default' ? 'default' : network] as { MacAddress?: string } | undefined)?.MacAddress || f.str('mac-address') || undefined,
    OnBuild: null,
    Labels: labels,
    StopSignal: f.str('stop-signal') || undefined,
    StopTimeout: f.isSet('stop-timeout') ? f.int('stop-timeout') : undefined,
    HostConfig: {
      Binds: binds.length ? binds : null,
      ContainerIDFile: f.str('cidfile'),
      LogConfig: { Type: f.str('log-driver'), Config: kvMap(f.list('log-opt'), 'log-opt') },
      NetworkMode: network,
      PortBindings: bindings,
      RestartPolicy: restart,
      AutoRemove: f.bool('rm'),
      VolumeDriver: f.str('volume-driver'),
      VolumesFrom: f.list('volumes-from').length ? f.list('volumes-from') : null,
      ConsoleSize: opts.consoleSize ?? [0, 0],
      Annotations: f.list('annotation').length ? kvMap(f.list('annotation'), 'annotation') : undefined,
      CapAdd: f.list('cap-add').length ? f.list('cap-add') : null,
      CapDrop: f.list('cap-drop').length ? f.list('cap-drop') : null,
      CgroupnsMode: f.str('cgroupns'),
      Dns: f.list('dns'),
      DnsOptions: f.list('dns-option'),
      DnsSearch: f.list('dns-search'),
      ExtraHosts: f.list('add-host').length ? f.list('add-host') : null,
      GroupAdd: f.list('group-add').length ? f.list('group-add') : null,
      IpcMode: f.str('ipc'),
      Cgroup: '',
      Links: f.list('link').length && !isUserDefined(network) ? f.list('link') : null,
      OomScoreAdj: f.int('oom-score-adj') ?? 0,
      PidMode: f.str('pid'),
      Privileged: f.bool('privileged'),
      PublishAllPorts: f.bool('publish-all'),
      ReadonlyRootfs: f.bool('read-only'),
      SecurityOpt: f.list('security-opt').length ? securityOpts(f.list('security-opt')) : null,
      StorageOpt: f.list('storage-opt').length ? kvMap(f.list('storage-opt'), 'storage-opt') : undefined,
      Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
      UTSMode: f.str('uts'),
      UsernsMode: f.str('userns'),
      ShmSize: mem('shm-size'),
      Sysctls: f.list('sysctl').length ? kvMap(f.list('sysctl'), 'sysctl') : undefined,
      Runtime: f.str('runtime') || undefined,
      Isolation: f.str('isolation'),
      CpuShares: f.int('cpu-shares') ?? 0,
      Memory: mem('memory'),
      NanoCpus: f.str('cpus') ? nanoCpus(f.str('cpus')) : 0,
      CgroupParent: f.str('cgroup-parent'),
      BlkioWeight: f.int('blkio-weight') ?? 0,
      BlkioWeightDevice: f.list('blkio-weight-device').map(parseWeightDevice),
      BlkioDeviceReadBps: f.list('device-read-bps').map(parseThrottleBps),
      BlkioDeviceReadIOps: f.list('device-read-iops').map(parseThrottleIops),
      BlkioDeviceWriteBps: f.list('device-write-bps').map(parseThrottleBps),
      BlkioDeviceWriteIOps: f.list('device-write-iops').map(parseThrottleIops),
      DeviceRequests: f.list('gpus').length ? f.list('gpus').map(parseGpuRequest) : undefined,
      KernelMemory: mem('kernel-memory'),
      CpuPeriod: f.int('cpu-period') ?? 0,
      CpuQuota: f.int('cpu-quota') ?? 0,
      CpuRealtimePeriod: f.int('cpu-rt-period') ?? 0,
      CpuRealtimeRuntime: f.int('cpu-rt-runtime') ?? 0,
      CpusetCpus: f.str('cpuset-cpus'),
      CpusetMems: f.str('cpuset-mems'),
      Devices: f.list('device').map(parseDevice),
      DeviceCgroupRules: f.list('device-cgroup-rule').length ? f.list('device-cgroup-rule') : null,
      MemoryReservation: mem('memory-reservation'),
      MemorySwap: f.str('memory-swap') === '-1' ? -1 : mem('memory-swap'),
      MemorySwappiness: f.isSet('memory-swappiness') && f.int('memory-swappiness') !== -1 ? f.int('memory-swappiness') : null,
      OomKillDisable: f.bool('oom-kill-disable'),
      PidsLimit: f.isSet('pids-limit') ? f.int('pids-limit') : null,
      Ulimits: f.list('ulimit').map(parseUlimit),
      Mounts: mounts.length ? mounts : undefined,
      Init: f.isSet('init') ? f.bool('init') : null,
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  if (body.Tty && attach.stdin && !opts.stdinIsTty) throw new Error('the input device is not a TTY');
  return {
    body,
    name: f.str('name') || undefined,
    platform: f.str('platform') || undefined,
    detach,
    attach,
  };
}
