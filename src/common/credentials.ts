// Credentials as Docker keeps and passes them: the X-Registry-Auth header
// (base64url JSON) and a Docker-compatible config.json ("auths" with a base64
// "auth" of user:password, or an identity token). Docker Hub's key is
// "https://index.docker.io/v1/".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fsutil';

/** Credentials as Docker passes them (X-Registry-Auth, /auth, config.json). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

export const HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** Decodes X-Registry-Auth (base64url or standard base64 JSON); undefined when absent or unusable. */
export function decodeAuthHeader(v: string | string[] | undefined): AuthConfig | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  try {
    const json = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const j = JSON.parse(json);
    if (!j || typeof j !== 'object') return undefined;
    const a: AuthConfig = {};
    for (const k of ['username', 'password', 'auth', 'serveraddress', 'identitytoken', 'registrytoken', 'email'] as const)
      if (typeof j[k] === 'string' && j[k]) a[k] = j[k];
    return Object.keys(a).length ? a : undefined;
  } catch {
    return undefined;
  }
}

export function encodeAuthHeader(a: AuthConfig): string {
  return Buffer.from(JSON.stringify(a)).toString('base64url');
}

/** "https://127.0.0.1:5000/v2/" → "127.0.0.1:5000"; Docker Hub's names → its key. */
export function registryKey(server: string | undefined): string {
  if (!server) return HUB_AUTH_KEY;
  let s = server.trim();
  s = s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (s === 'docker.io' || s === 'index.docker.io' || s === 'registry-1.docker.io' || s === 'registry.hub.docker.com') return HUB_AUTH_KEY;
  return s;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; registrytoken?: string; email?: string; username?: string; password?: string }>;
  credsStore?: string;
  [k: string]: unknown;
}

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

export class CredentialFile {
  constructor(readonly file: string = defaultConfigPath()) {}

  private read(): ConfigFile {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as ConfigFile;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`loading config file ${this.file}: ${(e as Error).message}`);
    }
  }

  /** Credentials for a registry (host[:port] or Docker Hub), if stored. */
  get(server: string | undefined): AuthConfig | undefined {
    const key = registryKey(server);
    const auths = this.read().auths ?? {};
    for (const [k, v] of Object.entries(auths)) {
      if (registryKey(k) !== key || !v) continue;
      const out: AuthConfig = { serveraddress: key };
      if (v.auth) {
        const dec = Buffer.from(v.auth, 'base64').toString('utf8');
        const i = dec.indexOf(':');
        if (i >= 0) {
          out.username = dec.slice(0, i);
          out.password = dec.slice(i + 1);
        }
      }
      if (v.username) out.username = v.username;
      if (v.password) out.password = v.password;
      if (v.identitytoken) out.identitytoken = v.identitytoken;
      if (v.registrytoken) out.registrytoken = v.registrytoken;
      if (out.username || out.identitytoken || out.registrytoken) return out;
    }
    return undefined;
  }

  /** Stores credentials (an identity token replaces the password, as Docker does). */
  set(server: string | undefined, a: AuthConfig): void {
    const cfg = this.read();
    const key = registryKey(server);
    cfg.auths ??= {};
    for (const k of Object.keys(cfg.auths)) if (registryKey(k) === key) delete cfg.auths[k];
    const entry: { auth?: string; identitytoken?: string } = {};
    if (a.identitytoken) {
      entry.auth = Buffer.from(`${a.username ?? ''}:`).toString('base64');
      entry.identitytoken = a.identitytoken;
    } else entry.auth = Buffer.from(`${a.username ?? ''}:${a.password ?? ''}`).toString('base64');
    cfg.auths[key] = entry;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.file, JSON.stringify(cfg, null, '\t') + '\n', 0o600);
  }

  /** Removes stored credentials; false when there were none. */
  remove(server: string | undefined): boolean {
    const cfg = this.read();
    const key = registryKey(server);
    let found = false;
    for (const k of Object.keys(cfg.auths ?? {})) {
      if (registryKey(k) === key) {
        delete cfg.auths![k];
        found = true;
      }
    }
    if (found) writeFileAtomicSync(this.file, JSON.stringify(cfg, null, '\t') + '\n', 0o600);
    return found;
  }
}
