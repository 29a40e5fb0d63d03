// The docker CLI's context store, read and written in its own format so a
// context made by either CLI works in both:
//   <config dir>/contexts/meta/<sha256(name)>/meta.json
//     {"Name","Metadata":{"Description"},"Endpoints":{"docker":{"Host","SkipTLSVerify"}}}
//   <config dir>/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem
//   <config dir>/config.json  "currentContext"
// and which endpoint a CLI call uses, with the docker CLI's precedence:
// --context, then -H, then DOCKER_HOST, then DOCKER_CONTEXT, then currentContext.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fsutil';
import { HostError, parseHost, type Endpoint, type TlsOptions } from './endpoint';
import { byteOrder } from '../util/compare';

export const DEFAULT_CONTEXT = 'default';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;
const TLS_FILES = ['ca.pem', 'cert.pem', 'key.pem'] as const;

export class ContextError extends Error {}

export interface ContextMeta {
  Name: string;
  Metadata: { Description?: string; [k: string]: unknown };
  Endpoints: { docker?: { Host?: string; SkipTLSVerify?: boolean; [k: string]: unknown }; [k: string]: unknown };
}

/** $DOCKER_CONFIG, else ~/.docker. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

const hashName = (name: string) => createHash('sha256').update(name).digest('hex');

export function validateContextName(name: string): void {
  if (name === DEFAULT_CONTEXT) throw new ContextError(`"default" is a reserved context name`);
  if (!NAME_RE.test(name)) throw new ContextError(`context name "${name}" is invalid, names are validated against regexp "${NAME_RE.source}"`);
}

export class ContextStore {
  constructor(readonly dir: string = configDir()) {}

  metaDir(name: string): string {
    return path.join(this.dir, 'contexts', 'meta', hashName(name));
  }
  tlsDir(name: string): string {
    return path.join(this.dir, 'contexts', 'tls', hashName(name));
  }
  private get configFile(): string {
    return path.join(this.dir, 'config.json');
  }

  private readConfig(): Record<string, unknown> {
    try {
      return JSON.parse(fs.readFileSync(this.configFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ContextError(`loading config file ${this.configFile}: ${(e as Error).message}`);
    }
  }

  current(): string {
    const c = this.readConfig().currentContext;
    return typeof c === 'string' && c ? c : DEFAULT_CONTEXT;
  }

  setCurrent(name: string): void {
    const cfg = this.readConfig();
    if (name === DEFAULT_CONTEXT) delete cfg.currentContext;
    else cfg.currentContext = name;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.configFile, JSON.stringify(cfg, null, '\t'), 0o600);
  }

  exists(name: string): boolean {
    return fs.existsSync(path.join(this.metaDir(name), 'meta.json'));
  }

  get(name: string): ContextMeta {
    let raw: string;
    try {
      raw = fs.readFileSync(path.join(this.metaDir(name), 'meta.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ContextError(`context "${name}" does not exist`);
      throw e;
    }
    const m = JSON.parse(raw) as ContextMeta;
    m.Metadata ??= {};
    m.Endpoints ??= {};
    return m;
  }

  /** Every stored context, sorted by name. */
  list(): ContextMeta[] {
    const root = path.join(this.dir, 'contexts', 'meta');
    let dirs: string[] = [];
    try {
      dirs = fs.readdirSync(root);
    } catch {
      return [];
    }
    const out: ContextMeta[] = [];
    for (const d of dirs) {
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(root, d, 'meta.json'), 'utf8')) as ContextMeta);
      } catch {
        /* not a context: the docker CLI skips it too */
      }
    }
    return out.sort((a, b) => byteOrder(a.Name, b.Name));
  }

  /** The TLS files stored with a context (names under tls/<hash>/docker/). */
  tlsFiles(name: string): string[] {
    try {
      return fs
        .readdirSync(path.join(this.tlsDir(name), 'docker'))
        .filter((f) => (TLS_FILES as readonly string[]).includes(f))
        .sort();
    } catch {
      return [];
    }
  }

  write(meta: ContextMeta, tls?: Partial<Record<(typeof TLS_FILES)[number], Buffer>>): void {
    const md = this.metaDir(meta.Name);
    fs.mkdirSync(md, { recursive: true, mode: 0o755 });
    writeFileAtomicSync(path.join(md, 'meta.json'), JSON.stringify(meta), 0o644);
    if (tls) {
      const td = path.join(this.tlsDir(meta.Name), 'docker');
      fs.rmSync(td, { recursive: true, force: true });
      const entries = Object.entries(tls).filter(([, v]) => v);
      if (entries.length) {
        fs.mkdirSync(td, { recursive: true, mode: 0o700 });
        for (const [f, v] of entries) writeFileAtomicSync(path.join(td, f), v!, 0o600);
      }
    }
  }

  remove(name: string): void {
    fs.rmSync(this.metaDir(name), { recursive: true, force: true });
    fs.rmSync(this.tlsDir(name), { recursive: true, force: true });
  }

  /** The endpoint a stored context names, with its TLS material. */
  endpoint(name: string): Endpoint {
    const m = this.get(name);
    const d = m.Endpoints.docker;
    if (!d?.Host) throw new ContextError(`context "${name}" has no docker endpoint`);
    const files = this.tlsFiles(name);
    let tls: TlsOptions | undefined;
    const td = path.join(this.tlsDir(name), 'docker');
    if (files.length || d.SkipTLSVerify) {
      tls = { verify: !d.SkipTLSVerify };
      if (files.includes('ca.pem')) tls.ca = path.join(td, 'ca.pem');
      if (files.includes('cert.pem')) tls.cert = path.join(td, 'cert.pem');
      if (files.includes('key.pem')) tls.key = path.join(td, 'key.pem');
      if (tls.verify && !tls.ca) tls = { ...tls, verify: false };
    }
    return parseHost(d.Host, d.Host.startsWith('tcp://') ? tls : undefined);
  }
}

/** What the global flags and environment say about the connection. */
export interface ConnectionOptions {
  hosts: string[];
  context?: string;
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface ResolvedConnection {
  endpoint: Endpoint;
  context: string;
  /** true when the user named the host or a context (no zero-config daemon start) */
  explicit: boolean;
  /** the docker CLI's warning when DOCKER_HOST hides the current context */
  warning?: string;
}

/** TLS options from flags and DOCKER_TLS / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI reads them. */
export function tlsFromFlags(o: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  const verify = o.tlsVerify || !!env.DOCKER_TLS_VERIFY;
  const on = verify || o.tls || !!env.DOCKER_TLS;
  if (!on) return undefined;
  const certPath = env.DOCKER_CERT_PATH || configDir(env);
  return {
    verify,
    ca: o.tlsCaCert ?? path.join(certPath, 'ca.pem'),
    cert: o.tlsCert ?? path.join(certPath, 'cert.pem'),
    key: o.tlsKey ?? path.join(certPath, 'key.pem'),
  };
}

export function resolveConnection(
  o: ConnectionOptions,
  defaultHost: string,
  env: NodeJS.ProcessEnv = process.env,
  store = new ContextStore(configDir(env)),
): ResolvedConnection {
  if (o.hosts.length > 1) throw new ContextError('Specify only one -H');
  if (o.context && o.hosts.length) throw new ContextError('conflicting options: cannot specify both --host and --context');
  const tls = tlsFromFlags(o, env);
  const fromHost = (h: string, explicit: boolean): ResolvedConnection => {
    try {
      const ep = parseHost(h, tls);
      return { endpoint: ep, context: DEFAULT_CONTEXT, explicit };
    } catch (e) {
      if (e instanceof HostError) throw new ContextError(e.message);
      throw e;
    }
  };
  const named = (name: string, explicit: boolean): ResolvedConnection => {
    if (name === DEFAULT_CONTEXT) return fromHost(env.BERTH_HOST || env.DOCKER_HOST || defaultHost, explicit || !!(env.BERTH_HOST || env.DOCKER_HOST));
    if (!store.exists(name)) throw new ContextError(`context "${name}" does not exist`);
    return { endpoint: store.endpoint(name), context: name, explicit: true };
  };
  if (o.context) return named(o.context, true);
  if (o.hosts.length) return fromHost(o.hosts[0], true);
  const envHost = env.BERTH_HOST || env.DOCKER_HOST;
  if (envHost) {
    const r = fromHost(envHost, true);
    const cur = env.DOCKER_CONTEXT || store.current();
    if (cur !== DEFAULT_CONTEXT)
      r.warning =
        'Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset DOCKER_HOST environment variable.';
    return r;
  }
  if (env.DOCKER_CONTEXT) return named(env.DOCKER_CONTEXT, true);
  const cur = store.current();
  if (cur !== DEFAULT_CONTEXT && !store.exists(cur))
    throw new ContextError(`current context "${cur}" is not found on the file system, please check your config file at ${path.join(store.dir, 'config.json')}`);
  return named(cur, false);
}
