// berthd's flags and daemon.json, with dockerd's names and its rule that a
// setting may not come from both places.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultEngineConfig, type EngineConfig } from '../engine/config';
import { parseBip } from '../network/config';
import { parseCidr } from '../network/ipnet';
import { defaultNetworkConfig, type AddressPool, type NetworkDaemonConfig } from '../network/types';
import { parseRegistryOptions } from './registry-options';

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
}

const FLAG_TO_KEY: Record<string, string> = {
  host: 'hosts', 'data-root': 'data-root', 'exec-root': 'exec-root', pidfile: 'pidfile', 'log-level': 'log-level',
  'default-runtime': 'default-runtime', 'live-restore': 'live-restore', bip: 'bip', 'fixed-cidr': 'fixed-cidr',
  'fixed-cidr-v6': 'fixed-cidr-v6', ipv6: 'ipv6', 'default-address-pool': 'default-address-pools', icc: 'icc', 'ip-masq': 'ip-masq',
  mtu: 'mtu', bridge: 'bridge', 'host-gateway-ip': 'host-gateway-ip', dns: 'dns', 'dns-search': 'dns-search', 'dns-opt': 'dns-opts',
  iptables: 'iptables', tls: 'tls', tlsverify: 'tlsverify', tlscacert: 'tlscacert', tlscert: 'tlscert', tlskey: 'tlskey',
};

/** dockerd's booleans take "--icc=false"; node's parseArgs does not, so they are read here. */
const BOOL_FLAGS = ['icc', 'ip-masq', 'ipv6', 'live-restore', 'iptables', 'tls', 'tlsverify'];

function splitBoolFlags(argv: string[]): { rest: string[]; bools: Record<string, boolean> } {
  const bools: Record<string, boolean> = {};
  const rest: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (m && BOOL_FLAGS.includes(m[1])) {
      if (m[2] === undefined || /^(1|t|true)$/i.test(m[2])) bools[m[1]] = true;
      else if (/^(0|f|false)$/i.test(m[2])) bools[m[1]] = false;
      else throw new OptionsError(`invalid argument "${m[2]}" for "--${m[1]}" flag: strconv.ParseBool: parsing "${m[2]}": invalid syntax`);
    } else rest.push(a);
  }
  return { rest, bools };
}

/** "base=10.10.0.0/16,size=24" */
function parsePool(s: string): AddressPool {
  const kv = Object.fromEntries(s.split(',').map((p) => p.split('=').map((x) => x.trim())));
  if (!kv.base || !kv.size || !/^\d+$/.test(kv.size)) throw new OptionsError(`invalid default address pool: ${s}`);
  return { base: kv.base, size: Number(kv.size) };
}

export const DEFAULT_SOCKET = '/run/berth.sock';

export const USAGE = `Usage:	berthd [OPTIONS]

A self-sufficient runtime for containers that speaks the Docker Engine API.

Options:
      --config-file string      Daemon configuration file (default "/etc/berth/daemon.json")
      --data-root string        Root directory of persistent berth state (default "/var/lib/berth")
      --default-runtime string  Default OCI runtime for containers (default "runc")
      --exec-root string        Root directory for execution state files (default "/run/berth")
  -H, --host list               Daemon socket(s) to connect to (unix://, fd://, or tcp:// with TLS)
      --bip string              Specify default-bridge IP and subnet (e.g. 172.26.0.1/16)
  -b, --bridge string           Name of the default bridge device (default "berth0")
      --default-address-pool    Default address pools for networks (base=10.10.0.0/16,size=24)
      --dns list                DNS server to use
      --dns-opt list            DNS options to use
      --dns-search list         DNS search domains to use
      --fixed-cidr string       IPv4 subnet for the default bridge's addresses
      --fixed-cidr-v6 string    IPv6 subnet for the default bridge's addresses
      --host-gateway-ip string  IP address that the special 'host-gateway' string in --add-host resolves to
      --icc                     Enable inter-container communication on the default bridge (default true)
      --ip-masq                 Enable IP masquerading for the default bridge (default true)
      --ipv6                    Enable IPv6 on the default bridge
      --live-restore            Keep containers running while the daemon is down (always on in berth)
      --mtu int                 Set the MTU of the default bridge
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string          Path to use for daemon PID file (default "/run/berthd.pid")
      --tls                     Use TLS; implied by --tlsverify (--tls=false allows plain tcp://, insecure)
      --tlscacert string        Trust certs signed only by this CA (default "~/.docker/ca.pem")
      --tlscert string          Path to TLS certificate file (default "~/.docker/cert.pem")
      --tlskey string           Path to TLS key file (default "~/.docker/key.pem")
      --tlsverify               Use TLS and verify the remote (clients must present a certificate from the CA)
  -v, --version                 Print version information and quit
`;

export class OptionsError extends Error {}

export function parseDaemonArgs(argv: string[]): DaemonOptions | 'help' | 'version' {
  let parsed;
  const { rest, bools } = splitBoolFlags(argv);
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        host: { type: 'string', short: 'H', multiple: true },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        'config-file': { type: 'string' },
        pidfile: { type: 'string', short: 'p' },
        'log-level': { type: 'string', short: 'l' },
        'default-runtime': { type: 'string' },
        bip: { type: 'string' },
        'fixed-cidr': { type: 'string' },
        'fixed-cidr-v6': { type: 'string' },
        'default-address-pool': { type: 'string', multiple: true },
        mtu: { type: 'string' },
        bridge: { type: 'string', short: 'b' },
        'host-gateway-ip': { type: 'string' },
        dns: { type: 'string', multiple: true },
        'dns-search': { type: 'string', multiple: true },
        'dns-opt': { type: 'string', multiple: true },
        tlscacert: { type: 'string' },
        tlscert: { type: 'string' },
        tlskey: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  const v = { ...parsed.values, ...bools } as typeof parsed.values & Record<string, boolean | undefined>;
  if (v.help) return 'help';
  if (v.version) return 'version';
  const configFile = v['config-file'] ?? '/etc/berth/daemon.json';
  let file: Record<string, unknown> = {};
  if (fs.existsSync(configFile)) {
    try {
      file = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new OptionsError(`unable to configure the berth daemon with file ${configFile}: ${(e as Error).message}`);
    }
  } else if (v['config-file']) {
    throw new OptionsError(`unable to configure the berth daemon with file ${configFile}: open ${configFile}: no such file or directory`);
  }
  const both = Object.entries(FLAG_TO_KEY).filter(([flag, key]) => (v as Record<string, unknown>)[flag] !== undefined && file[key] !== undefined).map(([f]) => f);
  if (both.length)
    throw new OptionsError(`the following directives are specified both as a flag and in the configuration file: ${both.join(', ')} (from flag and ${configFile})`);
  const pick = <T>(flag: T | undefined, key: string): T | undefined => (flag !== undefined ? flag : (file[key] as T | undefined));
  const runtimes = { ...defaultEngineConfig().runtimes };
  for (const [name, r] of Object.entries((file.runtimes as Record<string, { path: string; runtimeArgs?: string[] }>) ?? {})) runtimes[name] = r;
  const engine = defaultEngineConfig({
    dataRoot: pick(v['data-root'], 'data-root'),
    execRoot: pick(v['exec-root'], 'exec-root'),
    defaultRuntime: pick(v['default-runtime'], 'default-runtime'),
    liveRestore: pick(v['live-restore'] as boolean | undefined, 'live-restore') ?? false,
    logLevel: pick(v['log-level'], 'log-level'),
    logDriver: file['log-driver'] as string | undefined,
    logOpts: file['log-opts'] as Record<string, string> | undefined,
    dns: pick(v.dns, 'dns') as string[] | undefined,
    dnsSearch: pick(v['dns-search'], 'dns-search') as string[] | undefined,
    dnsOptions: pick(v['dns-opt'], 'dns-opts') as string[] | undefined,
    network: networkOptions(v as Record<string, unknown>, file, pick),
    cgroupParent: file['cgroup-parent'] as string | undefined,
    seccompProfile: file['seccomp-profile'] as string | undefined,
    initPath: file['init-path'] as string | undefined,
    runtimes,
    registry: parseRegistryOptions(file, (m) => new OptionsError(m)),
  });
  // undefined values must not erase defaults
  const defaults = defaultEngineConfig();
  for (const k of Object.keys(engine) as Array<keyof EngineConfig>) if (engine[k] === undefined) (engine as unknown as Record<string, unknown>)[k] = defaults[k];
  if (!engine.runtimes[engine.defaultRuntime]) throw new OptionsError(`default runtime ${engine.defaultRuntime} does not exist`);
  if (!['debug', 'info', 'warn', 'error', 'fatal'].includes(engine.logLevel)) throw new OptionsError(`unable to parse logging level: ${engine.logLevel}`);
  const hosts = pick(v.host, 'hosts') ?? [`unix://${DEFAULT_SOCKET}`];
  const tls: DaemonTlsOptions = {
    tls: pick(v.tls as boolean | undefined, 'tls'),
    tlsverify: pick(v.tlsverify as boolean | undefined, 'tlsverify'),
    tlscacert: pick(v.tlscacert, 'tlscacert'),
    tlscert: pick(v.tlscert, 'tlscert'),
    tlskey: pick(v.tlskey, 'tlskey'),
  };
  return { hosts: hosts.map(normaliseHost), tls, pidfile: pick(v.pidfile, 'pidfile') ?? '/run/berthd.pid', configFile, engine };
}

function networkOptions(v: Record<string, unknown>, file: Record<string, unknown>, pick: <T>(flag: T | undefined, key: string) => T | undefined): NetworkDaemonConfig {
  const pools = v['default-address-pool'] !== undefined
    ? (v['default-address-pool'] as string[]).map(parsePool)
    : (file['default-address-pools'] as AddressPool[] | undefined);
  for (const p of pools ?? []) if (typeof p.base !== 'string' || typeof p.size !== 'number') throw new OptionsError('invalid default-address-pools in the configuration file');
  const mtu = pick(v.mtu as string | undefined, 'mtu');
  if (mtu !== undefined && !/^\d+$/.test(String(mtu))) throw new OptionsError(`invalid MTU: ${mtu}`);
  if (pick(v.iptables as boolean | undefined, 'iptables') === false)
    throw new OptionsError('--iptables=false is not supported: bridge networks and published ports are iptables rules (netavark)');
  for (const p of pools ?? []) {
    const c = parseCidr(p.base);
    if (!c || p.size < c.bits || p.size > (c.family === 4 ? 32 : 128)) throw new OptionsError(`invalid default address pool: base=${p.base},size=${p.size}`);
  }
  const cfg = defaultNetworkConfig({
    bip: pick(v.bip as string | undefined, 'bip'),
    fixedCidr: pick(v['fixed-cidr'] as string | undefined, 'fixed-cidr'),
    fixedCidrV6: pick(v['fixed-cidr-v6'] as string | undefined, 'fixed-cidr-v6'),
    ipv6: pick(v.ipv6 as boolean | undefined, 'ipv6'),
    icc: pick(v.icc as boolean | undefined, 'icc'),
    ipMasq: pick(v['ip-masq'] as boolean | undefined, 'ip-masq'),
    mtu: mtu !== undefined ? Number(mtu) : undefined,
    bridgeName: pick(v.bridge as string | undefined, 'bridge'),
    hostGatewayIp: pick(v['host-gateway-ip'] as string | undefined, 'host-gateway-ip'),
    defaultAddressPools: pools,
  });
  try {
    parseBip(cfg);
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  return cfg;
}

function normaliseHost(h: string): string {
  if (h.startsWith('/')) return `unix://${h}`;
  return h;
}
