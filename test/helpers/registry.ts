// Real registries for tests: Debian's docker-registry (the CNCF distribution
// server) on 127.0.0.1, open, with htpasswd basic auth, or with token auth
// backed by a small token server in this process (JWTs signed with a
// throwaway self-signed certificate the registry trusts). stop() kills the
// processes this helper started (by pid) and removes their files.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage, sha256, writeOciLayout, type BuiltImage, type OciImage } from '../fixtures/images';
import { registryConfigLines } from '../fixtures/registry-config';
import { busyboxTarball } from './daemon';
import { freePort } from './net';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** username → password (basic and token) */
  users?: Record<string, string>;
}

/**
 * The token server runs as a child process (test/helpers/token-server.ts): the
 * tests drive clients with spawnSync, which would block an in-process server.
 */
class TokenServer {
  private proc?: ChildProcess;
  port = 0;

  constructor(
    private readonly dir: string,
    private readonly spec: { key: string; certDer: string; users: Record<string, string>; issuer: string; service: string },
  ) {}

  get logFile(): string {
    return path.join(this.dir, 'token-requests.log');
  }

  get requests(): Array<{ scopes: string[]; account?: string }> {
    try {
      return fs
        .readFileSync(this.logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  }

  async start(): Promise<void> {
    const spec = path.join(this.dir, 'token-server.json');
    fs.writeFileSync(spec, JSON.stringify({ ...this.spec, log: this.logFile }));
    this.proc = spawn(process.execPath, [path.join(__dirname, 'token-server.js'), spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.port = await new Promise<number>((resolve, reject) => {
      let out = '';
      this.proc!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      this.proc!.once('exit', (c) => reject(new Error(`token server exited with ${c}`)));
    });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    await exited;
  }
}

export class TestRegistry {
  readonly host: string;
  private proc?: ChildProcess;
  private token?: TokenServer;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly auth: RegistryAuth,
    readonly users: Record<string, string>,
  ) {
    this.host = `127.0.0.1:${port}`;
  }

  /** Token requests seen by the token server (token registries only). */
  get tokenRequests(): Array<{ scopes: string[]; account?: string }> {
    return this.token?.requests ?? [];
  }

  get logFile(): string {
    return path.join(this.dir, 'registry.log');
  }

  static async start(o: RegistryOptions = {}): Promise<TestRegistry> {
    const auth = o.auth ?? 'none';
    const users = o.users ?? { berth: 'secret-pw' };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
    const r = new TestRegistry(await freePort(), dir, auth, users);
    try {
      await r.launch();
    } catch (e) {
      await r.stop();
      throw e;
    }
    return r;
  }

  private async launch(): Promise<void> {
    const lines = registryConfigLines(this.dir, this.host);
    if (this.auth === 'basic') {
      const file = path.join(this.dir, 'htpasswd');
      fs.writeFileSync(file, '');
      for (const [u, p] of Object.entries(this.users)) execFileSync('htpasswd', ['-Bb', file, u, p], { stdio: 'ignore' });
      lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${file}`);
    }
    if (this.auth === 'token') {
      const key = path.join(this.dir, 'token.key');
      const cert = path.join(this.dir, 'token.crt');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=berth-test-token'], {
        stdio: 'ignore',
      });
      const der = fs
        .readFileSync(cert, 'utf8')
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s+/g, '');
      this.token = new TokenServer(this.dir, {
        key: fs.readFileSync(key, 'utf8'),
        certDer: der,
        users: this.users,
        issuer: 'berth-test-issuer',
        service: 'berth-test-registry',
      });
      await this.token.start();
      lines.push(
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${this.token.port}/token`,
        '    service: berth-test-registry',
        '    issuer: berth-test-issuer',
        `    rootcertbundle: ${cert}`,
      );
    }
    const cfg = path.join(this.dir, 'config.yml');
    fs.writeFileSync(cfg, lines.join('\n') + '\n');
    const log = fs.openSync(this.logFile, 'a');
    this.proc = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`docker-registry exited: ${fs.readFileSync(this.logFile, 'utf8')}`);
      const s = await new Promise<number>((resolve) => {
        const req = http.get(`http://${this.host}/v2/`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });
      if (s === 200 || s === 401) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer: ${fs.readFileSync(this.logFile, 'utf8')}`);
  }

  /** Basic credentials of the first user, as skopeo wants them. */
  get creds(): string {
    const [u, p] = Object.entries(this.users)[0];
    return `${u}:${p}`;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await this.token?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** skopeo against a test registry (plain HTTP, no TLS verification). */
export function skopeo(args: string[], opts: { timeout?: number } = {}): { status: number; stdout: string; stderr: string } {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync('skopeo', args, { timeout: opts.timeout ?? 120000, killSignal: 'SIGKILL', env: { ...process.env, HOME: os.tmpdir() } });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

/** An image of two layers: busybox (so it runs) and these files; o as buildImage's. */
export async function onBusybox(files: Parameters<typeof buildImage>[0][number], o: Parameters<typeof buildImage>[1] = {}): Promise<BuiltImage> {
  const bb = fs.readFileSync(await busyboxTarball());
  const img = await buildImage([[], files], o);
  img.layers[0] = bb;
  img.diffIds[0] = sha256(bb);
  const cfg = JSON.parse(img.config.toString());
  cfg.rootfs.diff_ids = img.diffIds;
  img.config = Buffer.from(JSON.stringify(cfg));
  img.configDigest = sha256(img.config);
  return img;
}

/**
 * A multi-platform image put in the registry as REPO:latest by skopeo (an OCI
 * index nesting an index, gzip layers): per platform, busybox and a /platform
 * file naming it ("arm64/v8\n").
 */
export async function pushPlatforms(reg: TestRegistry, repo: string, platforms: Array<{ architecture: string; variant?: string }>): Promise<void> {
  const images: OciImage[] = [];
  for (const p of platforms) {
    const content = `${p.architecture}${p.variant ? '/' + p.variant : ''}\n`;
    const img = await onBusybox([{ name: 'platform', content }], { arch: p.architecture, variant: p.variant });
    images.push({ img, platform: { os: 'linux', ...p }, gzip: true });
  }
  const layout = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-platforms-'));
  try {
    writeOciLayout(layout, images, { nestedIndex: true });
    const r = skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${reg.host}/${repo}:latest`]);
    if (r.status !== 0) throw new Error(`skopeo copy --all failed: ${r.stderr}`);
  } finally {
    fs.rmSync(layout, { recursive: true, force: true });
  }
}
