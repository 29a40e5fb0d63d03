// berthd's flags and daemon.json, with dockerd's names and its rule that a
// setting may not come from both places.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultEngineConfig, type EngineConfig } from '../engine/config';
import { parseRegistryOptions } from './registry-options';

export interface DaemonOptions {
  hosts: string[];
  pidfile: string;
  configFile: string;
  engine: EngineConfig;
}

const FLAG_TO_KEY: Record<string, string> = {
  host: 'hosts', 'data-root': 'data-root', 'exec-root': 'exec-root', pidfile: 'pidfile', 'log-level': 'log-level',
  'default-runtime': 'default-runtime', 'live-restore': 'live-restore',
};

export const DEFAULT_SOCKET = '/run/berth.sock';

export const USAGE = `Usage:	berthd [OPTIONS]

A self-sufficient runtime for containers that speaks the Docker Engine API.

Options:
      --config-file string      Daemon configuration file (default "/etc/berth/daemon.json")
      --data-root string        Root directory of persistent berth state (default "/var/lib/berth")
      --default-runtime string  Default OCI runtime for containers (default "runc")
      --exec-root string        Root directory for execution state files (default "/run/berth")
  -H, --host list               Daemon socket(s) to connect to (unix:// or fd://)
      --live-restore            Keep containers running while the daemon is down (always on in berth)
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string          Path to use for daemon PID file (default "/run/berthd.pid")
  -v, --version                 Print version information and quit
`;

export class OptionsError extends Error {}

export function parseDaemonArgs(argv: string[]): DaemonOptions | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', short: 'H', multiple: true },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        'config-file': { type: 'string' },
        pidfile: { type: 'string', short: 'p' },
        'log-level': { type: 'string', short: 'l' },
        'default-runtime': { type: 'string' },
        'live-restore': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  const v = parsed.values;
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
    liveRestore: pick(v['live-restore'], 'live-restore') ?? false,
    logLevel: pick(v['log-level'], 'log-level'),
    logDriver: file['log-driver'] as string | undefined,
    logOpts: file['log-opts'] as Record<string, string> | undefined,
    dns: file.dns as string[] | undefined,
    dnsSearch: file['dns-search'] as string[] | undefined,
    dnsOptions: file['dns-opts'] as string[] | undefined,
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
  return { hosts: hosts.map(normaliseHost), pidfile: pick(v.pidfile, 'pidfile') ?? '/run/berthd.pid', configFile, engine };
}

function normaliseHost(h: string): string {
  if (h.startsWith('/')) return `unix://${h}`;
  return h;
}
