// Where the client connects: a daemon host as the docker CLI writes it
// (unix:///path, tcp://host[:port], ssh://[user@]host[:port][/socket]) plus
// its TLS material, and the dialer that opens one connection to it. Every
// request and every hijacked stream goes through dial(), so unix, TCP+TLS and
// ssh behave the same above this file.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { Duplex } from 'node:stream';

export interface TlsOptions {
  /** verify the server's certificate against ca (--tlsverify) */
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export type Endpoint =
  | { kind: 'unix'; host: string; path: string }
  | { kind: 'tcp'; host: string; address: string; port: number; tls?: TlsOptions }
  | { kind: 'ssh'; host: string; user?: string; address: string; port?: number; socket?: string };

export class HostError extends Error {}

/** Parses a -H/DOCKER_HOST value with the docker CLI's defaults (2376 with TLS, 2375 without). */
export function parseHost(host: string, tlsOpts?: TlsOptions): Endpoint {
  const h = host.trim();
  if (h.startsWith('/')) return { kind: 'unix', host: `unix://${h}`, path: h };
  const m = /^([a-z]+):\/\/(.*)$/.exec(h);
  if (!m) throw new HostError(`unable to parse docker host \`${host}\``);
  const [, scheme, rest] = m;
  if (scheme === 'unix') {
    if (!rest) throw new HostError(`unable to parse docker host \`${host}\``);
    return { kind: 'unix', host: h, path: rest };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const { address, port } = splitHostPort(rest.replace(/\/+$/, ''), host);
    const p = port ?? (tlsOpts ? 2376 : 2375);
    return { kind: 'tcp', host: `tcp://${fmtHostPort(address, p)}`, address, port: p, tls: tlsOpts };
  }
  if (scheme === 'ssh') {
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    const socket = slash < 0 ? undefined : rest.slice(slash) || undefined;
    const at = authority.lastIndexOf('@');
    const user = at < 0 ? undefined : decodeURIComponent(authority.slice(0, at));
    if (user !== undefined && user.includes(':')) throw new HostError('plain-text password is not supported');
    const { address, port } = splitHostPort(authority.slice(at + 1), host);
    if (!address) throw new HostError(`no host specified in ssh URL \`${host}\``);
    return { kind: 'ssh', host: h, user, address, port, socket: socket === '/' ? undefined : socket };
  }
  throw new HostError(`Invalid bind address format: ${host}`);
}

function splitHostPort(s: string, orig: string): { address: string; port?: number } {
  let address = s;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(s);
  if (v6) [, address, port] = v6;
  else if (s.includes(':')) [address, port] = [s.slice(0, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
  if (port !== undefined && port !== '' && !/^\d+$/.test(port)) throw new HostError(`invalid port in docker host \`${orig}\``);
  const n = port ? Number(port) : undefined;
  if (n !== undefined && (n < 1 || n > 65535)) throw new HostError(`invalid port in docker host \`${orig}\``);
  return { address: address || '127.0.0.1', port: n };
}

function fmtHostPort(a: string, p: number): string {
  return a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`;
}

/** The TLS files for a connection, read once (missing files are the docker CLI's errors). */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  verify: boolean;
}

export function loadTls(o: TlsOptions): TlsMaterial {
  const read = (what: string, p: string | undefined, required: boolean): Buffer | undefined => {
    if (!p) return undefined;
    try {
      return fs.readFileSync(p);
    } catch (e) {
      if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new HostError(`could not read ${what} "${p}": ${(e as Error).message}`);
    }
  };
  const m: TlsMaterial = { verify: o.verify, ca: read('CA certificate', o.ca, o.verify) };
  // client certificates are optional without --tlsverify, as in the docker CLI
  m.cert = read('X509 key pair', o.cert, o.verify && !!o.key && fs.existsSync(o.key));
  m.key = read('X509 key pair', o.key, !!m.cert);
  if (!!m.cert !== !!m.key) throw new HostError('Could not load X509 key pair: cert and key must both be given');
  return m;
}

/** Opens one connection to the endpoint: a socket, a TLS socket, or an ssh process's stdio. */
export type Dialer = () => Duplex;

export function dialer(ep: Endpoint): Dialer {
  switch (ep.kind) {
    case 'unix':
      return () => net.connect(ep.path);
    case 'tcp': {
      if (!ep.tls) return () => net.connect(ep.port, ep.address);
      const m = loadTls(ep.tls);
      const servername = net.isIP(ep.address) ? undefined : ep.address;
      return () =>
        // node:tls loads only for a TLS endpoint (and cannot be in the CLI's start-up snapshot)
        (require('node:tls') as typeof tls).connect({
          host: ep.address,
          port: ep.port,
          servername,
          ca: m.ca,
          cert: m.cert,
          key: m.key,
          rejectUnauthorized: m.verify,
          minVersion: 'TLSv1.2',
        });
    }
    case 'ssh':
      return () => sshConnection(ep);
  }
}

/**
 * The command run on the far side: berth's dial-stdio where berth is installed,
 * else the docker CLI's (what `docker -H ssh://` runs), so one URL reaches a
 * machine running berth or Docker. A socket path in the URL picks the daemon.
 */
export function remoteDialCommand(socket?: string): string {
  const host = socket ? ` --host unix://${socket.replace(/'/g, '')}` : '';
  return `if command -v berth >/dev/null 2>&1; then exec berth${host} system dial-stdio; else exec docker${host} system dial-stdio; fi`;
}

export function sshArgs(ep: Extract<Endpoint, { kind: 'ssh' }>): string[] {
  const a: string[] = [];
  if (ep.user) a.push('-l', ep.user);
  if (ep.port) a.push('-p', String(ep.port));
  // as the docker CLI: no tty, a bounded connect, and "--" before the host
  a.push('-o', 'ConnectTimeout=30', '-T', '--', ep.address, remoteDialCommand(ep.socket));
  return a;
}

/** An ssh process whose stdin/stdout carry the HTTP connection. */
class SshConnection extends Duplex {
  private readonly child;
  private stderr = '';

  constructor(ep: Extract<Endpoint, { kind: 'ssh' }>) {
    super({ allowHalfOpen: true });
    this.child = spawn(process.env.BERTH_SSH_COMMAND || 'ssh', sshArgs(ep), { stdio: ['pipe', 'pipe', 'pipe'] });
    let received = false;
    let ended = false;
    this.child.stdout.on('data', (c: Buffer) => {
      received = true;
      if (!this.push(c)) this.child.stdout.pause();
    });
    // the end of ssh's output is the end of the connection, unless ssh failed
    // before a byte came through: then its stderr says why (login refused…)
    this.child.stdout.on('end', () => {
      ended = true;
      if (received || this.child.exitCode === 0) this.push(null);
      else if (this.child.exitCode !== null) this.fail(this.child.exitCode);
    });
    this.child.stderr.on('data', (c: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += c.toString();
    });
    this.child.stdin.on('error', () => {});
    this.child.on('error', (e) => this.destroy(Object.assign(new Error(`error during connect: ssh: ${e.message}`), { code: 'ESSH' })));
    this.child.on('exit', (code) => {
      if (!ended || this.destroyed) return;
      if (received || code === 0) this.push(null);
      else this.fail(code ?? 255);
    });
  }

  private fail(code: number): void {
    if (this.destroyed) return;
    const msg = this.stderr.trim() || `ssh exited with status ${code}`;
    this.destroy(Object.assign(new Error(`error during connect: ${msg}`), { code: 'ESSH' }));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.child.stdin.write(chunk, cb);
  }

  override _final(cb: () => void): void {
    this.child.stdin.end(cb);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    cb(err);
  }

  // what node's http agent calls on a socket it keeps alive
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as net.Socket).ref?.();
    return this;
  }
  unref(): this {
    // an idle kept-alive connection must not hold the CLI open
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as net.Socket).unref?.();
    return this;
  }
}

function sshConnection(ep: Extract<Endpoint, { kind: 'ssh' }>): Duplex {
  return new SshConnection(ep);
}
