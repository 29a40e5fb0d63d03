// RUN --mount in the executor: each spec becomes a mount of the step's
// container. Cache mounts are directories the engine keeps under
// <data-root>/builder/mounts (kept across builds, never in a layer); secrets
// are files on a tmpfs (/dev/shm) that live only while their step runs; bind
// mounts come from the context (copied out, so `rw` writes are discarded) or
// from a stage's / an image's root (an overlay whose writes are discarded).
// The mount points runc had to create are removed from the step's layer,
// as BuildKit removes its mount stubs.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiskFS, applyCopy, resolveSources, type ContextIndex, type CopySource, type RunStep } from '../../builder';
import type { StepMount } from '../../builder/plan/stage';
import type { MountSpec } from '../../container';
import type { ImageRecord } from '../../image';
import { spreadSubdirs } from '../../sys';
import { badRequest } from '../../util/errors';
import { dirSize, readJsonSync, writeJsonAtomicSync } from '../../util/fsutil';
import type { EngineContext } from '../context';
import { ScratchRootfs } from './rootfs';
import { secretRoot } from './secretdir';

export interface CacheMountRecord {
  /** The cache ID (`id=`, else the target). */
  id: string;
  dir: string;
  created: string;
  lastUsed?: string;
  inUse: boolean;
}

/** The engine's cache mounts: one directory per ID, locked/private sharing enforced in memory. */
export class CacheMountStore {
  private readonly users = new Map<string, number>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly lastUsed = new Map<string, string>();

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    spreadSubdirs(dir);
    // a cache being made or seeded when the daemon stopped is garbage
    for (const k of fs.readdirSync(dir)) {
      const base = path.join(dir, k);
      if (k.startsWith('new-')) {
        fs.rmSync(base, { recursive: true, force: true });
        continue;
      }
      try {
        for (const f of fs.readdirSync(base)) if (f.startsWith('new-')) fs.rmSync(path.join(base, f), { recursive: true, force: true });
      } catch {
        /* not a directory */
      }
    }
  }

  private key(id: string): string {
    return createHash('sha256').update(id).digest('hex');
  }

  /** The directory for `m` while a step uses it; call release() when the step ends. */
  async acquire(m: StepMount, tmp: string, seed?: (dir: string) => Promise<void>): Promise<{ path: string; release: () => void }> {
    const k = this.key(m.id);
    let unlock: (() => void) | undefined;
    if (m.sharing === 'locked') {
      // wait for the previous holder, then hold it until release
      const prev = this.locks.get(k) ?? Promise.resolve();
      let done!: () => void;
      const mine = new Promise<void>((r) => (done = r));
      const chained = prev.then(() => mine);
      this.locks.set(k, chained);
      await prev;
      unlock = () => {
        done();
        if (this.locks.get(k) === chained) this.locks.delete(k);
      };
    }
    if (m.sharing === 'private' && (this.users.get(k) ?? 0) > 0) {
      // in use by another step: this one gets an empty cache of its own, dropped afterwards
      const p = fs.mkdtempSync(path.join(tmp, 'build-cache-'));
      fs.chmodSync(p, m.mode ?? 0o755);
      fs.chownSync(p, m.uid ?? 0, m.gid ?? 0);
      return { path: p, release: () => fs.rmSync(p, { recursive: true, force: true }) };
    }
    const base = path.join(this.dir, k);
    const data = path.join(base, 'data');
    if (!fs.existsSync(data)) {
      if (!fs.existsSync(base)) {
        // made under a random name and renamed in: ext4 picks a spread parent's child's block group
        // from a hash of its name, and the same name would land where the last prune just freed
        const made = fs.mkdtempSync(path.join(this.dir, 'new-'));
        writeJsonAtomicSync(path.join(made, 'meta.json'), { id: m.id, created: new Date().toISOString() });
        try {
          fs.renameSync(made, base);
        } catch {
          fs.rmSync(made, { recursive: true, force: true }); // another step made it meanwhile
        }
      }
      // made aside and renamed in: a cut seed never passes for a cache
      const fresh = fs.mkdtempSync(path.join(base, 'new-'));
      try {
        if (seed) await seed(fresh);
        fs.chmodSync(fresh, m.mode ?? 0o755);
        fs.chownSync(fresh, m.uid ?? 0, m.gid ?? 0);
        if (fs.existsSync(data))
          fs.rmSync(fresh, { recursive: true, force: true }); // another step made it meanwhile
        else fs.renameSync(fresh, data);
      } catch (e) {
        fs.rmSync(fresh, { recursive: true, force: true });
        throw e;
      }
    }
    this.users.set(k, (this.users.get(k) ?? 0) + 1);
    this.lastUsed.set(k, new Date().toISOString());
    return {
      path: data,
      release: () => {
        this.users.set(k, (this.users.get(k) ?? 1) - 1);
        unlock?.();
      },
    };
  }

  all(): CacheMountRecord[] {
    const out: CacheMountRecord[] = [];
    for (const k of fs.readdirSync(this.dir)) {
      if (!/^[a-f0-9]{64}$/.test(k)) continue;
      const meta = readJsonSync<{ id: string; created: string }>(path.join(this.dir, k, 'meta.json'));
      if (!meta) continue;
      out.push({ id: meta.id, dir: path.join(this.dir, k), created: meta.created, lastUsed: this.lastUsed.get(k), inUse: (this.users.get(k) ?? 0) > 0 });
    }
    return out;
  }

  /** Removes a cache mount no step uses; its size in bytes, or -1 when in use. */
  remove(r: CacheMountRecord): number {
    if ((this.users.get(path.basename(r.dir)) ?? 0) > 0) return -1;
    const size = dirSize(path.join(r.dir, 'data'));
    fs.rmSync(r.dir, { recursive: true, force: true });
    return size;
  }
}

export interface MountDeps {
  ctx: EngineContext;
  cacheMounts: CacheMountStore;
  /** --secret values by ID. */
  secrets: ReadonlyMap<string, Buffer>;
  /** --ssh agent sockets by ID (paths on this host). */
  ssh: ReadonlyMap<string, string>;
  context: ContextIndex;
  /** A `from=` source's image (null for scratch). */
  resolveFrom(src: CopySource): Promise<ImageRecord | null>;
}

/** The mounts of one RUN step, prepared before its container is created and released after. */
export class StepMounts {
  readonly specs: MountSpec[] = [];
  /** Secrets given as environment variables (`env=`), and SSH_AUTH_SOCK. */
  readonly env: string[] = [];
  /** Whether env holds a secret's value (the step container is then never kept). */
  hasSecretEnv = false;
  private readonly releases: Array<() => void> = [];
  private secretDir: string | undefined;
  private sshSet = false;

  constructor(private readonly d: MountDeps) {}

  async prepare(step: RunStep): Promise<void> {
    for (const m of step.mounts) {
      switch (m.type) {
        case 'cache': {
          // from=: a new cache starts as a copy of that stage's / image's `source` directory
          const c = await this.d.cacheMounts.acquire(m, this.d.ctx.paths.tmp, m.from ? (dir) => this.seedCache(m, dir) : undefined);
          this.releases.push(c.release);
          this.specs.push({ Type: 'bind', Source: c.path, Target: m.target, ReadOnly: m.readOnly });
          break;
        }
        case 'tmpfs':
          this.specs.push({ Type: 'tmpfs', Target: m.target, TmpfsOptions: m.size ? { SizeBytes: m.size } : undefined });
          break;
        case 'secret':
          this.secret(m);
          break;
        case 'bind':
          this.specs.push({ Type: 'bind', Source: await this.bindSource(m), Target: m.target, ReadOnly: m.readOnly });
          break;
        case 'ssh':
          this.sshAgent(m);
          break;
      }
    }
  }

  private secret(m: StepMount): void {
    const value = this.d.secrets.get(m.id);
    if (value === undefined) {
      if (m.required) throw badRequest(`secret ${m.id}: not found`);
      return; // as BuildKit: an optional secret that was not given is simply absent
    }
    if (m.env) {
      this.env.push(`${m.env}=${value.toString('utf8')}`);
      this.hasSecretEnv = true;
    }
    if (!m.target) return;
    // on a tmpfs: the value never reaches a disk
    if (!this.secretDir) {
      const root = secretRoot(this.d.ctx.cfg.dataRoot);
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
      this.secretDir = fs.mkdtempSync(path.join(root, 'step-'));
    }
    const f = path.join(this.secretDir, String(this.specs.length));
    fs.writeFileSync(f, value, { mode: 0o600 });
    fs.chownSync(f, m.uid ?? 0, m.gid ?? 0);
    fs.chmodSync(f, m.mode ?? 0o400);
    this.specs.push({ Type: 'bind', Source: f, Target: m.target, ReadOnly: true });
  }

  private async seedCache(m: StepMount, dir: string): Promise<void> {
    const img = await this.d.resolveFrom(m.from!);
    const r = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, img?.topLayer ?? null);
    try {
      const infos = resolveSources(new DiskFS(r.merged), [m.source || '/'], { cmd: 'COPY', context: false, destIsDir: true, otherSources: 0 });
      if (infos.length !== 1 || infos[0].info.type !== 'dir')
        throw badRequest(`cache mount ${m.id}: source ${JSON.stringify(m.source || '/')} is not a directory`);
      await applyCopy(dir, { dest: '/', destIsDir: true }, infos, [], { preserveOwnership: true });
    } finally {
      r.release();
    }
  }

  /**
   * The client's agent socket, bind-mounted (the client talks to a local
   * berthd: the path is on this host); SSH_AUTH_SOCK names the first one.
   */
  private sshAgent(m: StepMount): void {
    const sock = this.d.ssh.get(m.id);
    if (sock === undefined) {
      if (m.required) throw badRequest(`no SSH key ${JSON.stringify(m.id)} forwarded from the client`);
      return;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(sock);
    } catch (e) {
      throw badRequest(`ssh ${m.id}: agent socket ${sock}: ${(e as Error).message}`);
    }
    if (!st.isSocket()) throw badRequest(`ssh ${m.id}: ${sock} is not a socket`);
    if (!this.sshSet) this.env.push(`SSH_AUTH_SOCK=${m.target}`);
    this.sshSet = true;
    this.specs.push({ Type: 'bind', Source: sock, Target: m.target });
  }

  private async bindSource(m: StepMount): Promise<string> {
    const src = '/' + (m.source || '.');
    if (m.from) {
      // an overlay on the stage's / image's layers: rw writes land in its upper and are dropped
      const img = await this.d.resolveFrom(m.from);
      const r = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, img?.topLayer ?? null);
      this.releases.push(() => r.release());
      const p = path.join(r.merged, path.posix.normalize(src));
      if (!p.startsWith(r.merged)) throw badRequest(`invalid mount source ${JSON.stringify(m.source)}`);
      if (!fs.existsSync(p)) throw badRequest(`failed to compute cache key: "${path.posix.normalize(src)}" not found`);
      return p;
    }
    // from the context: copied out (the context is an in-memory index), so rw changes are discarded
    const dir = fs.mkdtempSync(path.join(this.d.ctx.paths.tmp, 'build-bind-'));
    this.releases.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const infos = resolveSources(this.d.context, [m.source || '.'], { cmd: 'COPY', context: true, destIsDir: true, otherSources: 0 });
    const single = infos.length === 1 && infos[0].info.type !== 'dir';
    await applyCopy(dir, { dest: '/', destIsDir: true }, infos, [], {});
    if (single) return path.join(dir, path.posix.basename(infos[0].path));
    return dir;
  }

  /** Removes the empty mount points runc created in the step's upper dir (files and dirs, and empty parents it made). */
  removeStubs(upper: string, step: RunStep, existed: (p: string) => boolean): void {
    for (const m of step.mounts) {
      if (!m.target) continue;
      let rel = m.target.replace(/^\/+/, '');
      while (rel && rel !== '.') {
        if (existed('/' + rel)) break;
        const p = path.join(upper, rel);
        try {
          const st = fs.lstatSync(p);
          if (st.isDirectory()) {
            if (fs.readdirSync(p).length) break;
            fs.rmdirSync(p);
          } else if (st.isFile() && st.size === 0) fs.rmSync(p);
          else break;
        } catch {
          break;
        }
        rel = path.posix.dirname(rel);
      }
    }
  }

  release(): void {
    for (const r of this.releases.splice(0).reverse()) {
      try {
        r();
      } catch {
        /* best effort */
      }
    }
    if (this.secretDir) fs.rmSync(this.secretDir, { recursive: true, force: true });
    this.secretDir = undefined;
  }
}
