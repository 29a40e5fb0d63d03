// Debian's containerd as a reference CRI runtime (its built-in CRI plugin), on
// a private root, state, socket, config and CNI conf dir, so it shares nothing
// with the host's or another engineer's runtimes. stop() removes the pods
// through the CRI, stops containerd by pid and then removes what is left of
// what it made: shims, mounts, netns, cgroups, the bridge and the portmap
// chains that did not exist before it started.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from './daemon';

export const CONTAINERD = '/usr/bin/containerd';
export const CTR = '/usr/bin/ctr';
const SHIM_RUN_DIR = '/run/containerd';

export interface ContainerdOptions {
  /** the CNI conflist directory pods are wired from */
  cniConfDir: string;
  cniBinDir: string;
  /** the sandbox ("pause") image, already in a registry reachable as `mirrors` says */
  sandboxImage: string;
  /** registries served over plain HTTP (host:port) */
  httpRegistries: string[];
  /** the bridge its CNI conf names: removed at stop */
  bridge?: string;
  crictl: string;
}

/** The cgroup v1 hierarchies, or the v2 root. */
function cgroupRoots(): string[] {
  const base = '/sys/fs/cgroup';
  if (fs.existsSync(path.join(base, 'cgroup.controllers'))) return [base];
  return fs
    .readdirSync(base)
    .map((d) => path.join(base, d))
    .filter((d) => !fs.lstatSync(d).isSymbolicLink());
}

/** critest's cgroup parent when the runtime does not say it uses cgroupfs. */
const testSlices = () =>
  cgroupRoots()
    .map((r) => path.join(r, 'test.slice'))
    .filter((p) => fs.existsSync(p));

/** CNI chains (nat and filter) as `table:chain`. */
export function cniChains(): Set<string> {
  const out = new Set<string>();
  for (const table of ['nat', 'filter']) {
    const r = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' });
    for (const l of (r.stdout ?? '').split('\n')) {
      const m = /^-N (CNI-\S+)/.exec(l);
      if (m) out.add(`${table}:${m[1]}`);
    }
  }
  return out;
}

export class Containerd {
  readonly base: string;
  readonly socket: string;
  private proc?: ChildProcess;
  private chainsBefore = new Set<string>();
  private netnsSeen = new Set<string>();
  private idsSeen = new Set<string>();
  private cgroupParentsBefore = new Set<string>();
  private runDirBefore = true;

  constructor(private readonly o: ContainerdOptions) {
    this.base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-containerd-'));
    this.socket = path.join(this.base, 'containerd.sock');
  }

  get root(): string {
    return path.join(this.base, 'root');
  }
  get state(): string {
    return path.join(this.base, 'state');
  }
  get endpoint(): string {
    return `unix://${this.socket}`;
  }

  private config(): string {
    const q = JSON.stringify;
    const mirrors = this.o.httpRegistries
      .map((h) => `[plugins."io.containerd.grpc.v1.cri".registry.mirrors.${q(h)}]\n  endpoint = [${q(`http://${h}`)}]`)
      .join('\n');
    return `version = 2
root = ${q(this.root)}
state = ${q(this.state)}
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = ${q(this.socket)}
[ttrpc]
  address = ${q(`${this.socket}.ttrpc`)}
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = ${q(path.join(this.base, 'opt'))}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(this.o.sandboxImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # this host does not let a process lower its OOM score below its parent's
  # (runc dies on the infra container's -998): clamp to containerd's own
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(this.o.cniBinDir)}
    conf_dir = ${q(this.o.cniConfDir)}
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # runc's state under the private state dir too (the default is /run/containerd/runc)
        Root = ${q(path.join(this.state, 'runc'))}
${mirrors}
`;
  }

  async start(): Promise<void> {
    this.chainsBefore = cniChains();
    this.cgroupParentsBefore = new Set(testSlices());
    this.runDirBefore = fs.existsSync(SHIM_RUN_DIR);
    const cfg = path.join(this.base, 'config.toml');
    fs.writeFileSync(cfg, this.config());
    const logFd = fs.openSync(path.join(this.base, 'containerd.log'), 'a');
    this.proc = spawn(CONTAINERD, ['--config', cfg], { stdio: ['ignore', logFd, logFd], detached: false });
    fs.closeSync(logFd);
    const exited = new Promise<number | null>((r) => this.proc!.once('exit', (c) => r(c)));
    let gone = false;
    void exited.then(() => (gone = true));
    await waitFor(
      () => {
        if (gone) throw new Error(`containerd exited: ${this.log().slice(-2000)}`);
        return fs.existsSync(this.socket) && spawnSync(this.o.crictl, ['--runtime-endpoint', this.endpoint, 'info'], { timeout: 10000 }).status === 0;
      },
      30000,
      200,
      `containerd's CRI on ${this.socket}`,
    );
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.base, 'containerd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** ctr in the CRI's namespace. */
  ctr(args: string[]) {
    return spawnSync(CTR, ['--address', this.socket, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', timeout: 120000 });
  }

  /** Pulls `from` through the CRI and names it `to` as well (critest creates some containers by their original name). */
  importImage(crictl: string, from: string, to: string): void {
    const p = spawnSync(crictl, ['--image-endpoint', this.endpoint, 'pull', from], { encoding: 'utf8', timeout: 120000 });
    if (p.status !== 0) throw new Error(`containerd pull ${from}: ${p.stderr}`);
    const t = this.ctr(['images', 'tag', '--force', from, to]);
    if (t.status !== 0) throw new Error(`ctr tag ${from} ${to}: ${t.stderr}`);
    this.ctr(['images', 'rm', from]);
  }

  /** The network namespaces of the pods it has now (to remove any a failure left behind). */
  private notePods(crictl: string): void {
    const ep = ['--runtime-endpoint', this.endpoint];
    for (const id of spawnSync(crictl, [...ep, 'ps', '-a', '-q'], { encoding: 'utf8' })
      .stdout?.split('\n')
      .filter(Boolean) ?? [])
      this.idsSeen.add(id);
    for (const id of spawnSync(crictl, [...ep, 'pods', '-q'], { encoding: 'utf8' })
      .stdout?.split('\n')
      .filter(Boolean) ?? []) {
      this.idsSeen.add(id);
      const r = spawnSync(crictl, [...ep, 'inspectp', '-o', 'json', id], { encoding: 'utf8' });
      try {
        const spec = JSON.parse(r.stdout).info?.runtimeSpec;
        for (const n of spec?.linux?.namespaces ?? []) if (n.type === 'network' && n.path) this.netnsSeen.add(n.path);
      } catch {
        /* a pod that went meanwhile */
      }
    }
  }

  async stop(crictl: string): Promise<string[]> {
    const leftovers: string[] = [];
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.notePods(crictl);
      const ep = ['--runtime-endpoint', this.endpoint];
      for (const id of spawnSync(crictl, [...ep, 'pods', '-q'], { encoding: 'utf8' })
        .stdout?.split('\n')
        .filter(Boolean) ?? []) {
        spawnSync(crictl, [...ep, 'stopp', id], { timeout: 60000 });
        spawnSync(crictl, [...ep, 'rmp', '-f', id], { timeout: 60000 });
      }
      const pid = this.proc.pid!;
      const exited = new Promise<void>((r) => this.proc!.once('exit', () => r()));
      process.kill(pid, 'SIGTERM');
      const t = setTimeout(() => process.kill(pid, 'SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    }
    // what is still there by containerd's own records (a containerd that died cannot be asked)
    const tasks = path.join(this.state, 'io.containerd.runtime.v2.task', 'k8s.io');
    for (const id of fs.existsSync(tasks) ? fs.readdirSync(tasks) : []) {
      this.idsSeen.add(id);
      try {
        const spec = JSON.parse(fs.readFileSync(path.join(tasks, id, 'config.json'), 'utf8'));
        for (const n of spec.linux?.namespaces ?? []) if (n.type === 'network' && n.path?.startsWith('/var/run/netns/')) this.netnsSeen.add(n.path);
      } catch {
        /* no spec */
      }
    }
    // shims outlive containerd: the ones serving this socket are ours
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let cmd = '';
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(this.socket)) {
        leftovers.push(`shim ${pid}`);
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    // containers whose shim was killed still run: runc's state is under the private state dir
    const runcRoot = path.join(this.state, 'runc', 'k8s.io');
    if (fs.existsSync(runcRoot)) {
      for (const id of spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? []) {
        leftovers.push(`runc container ${id}`);
        spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
      }
    }
    // (mountinfo names /var/run/netns/x by its real path)
    const netns = new Set(
      [...this.netnsSeen].map((n) => {
        try {
          return path.join(fs.realpathSync(path.dirname(n)), path.basename(n));
        } catch {
          return n;
        }
      }),
    );
    // mounts under the private root and state, deepest first
    const mounts = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m) => m && (m.startsWith(`${this.base}/`) || netns.has(m)))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      leftovers.push(`mount ${m}`);
      spawnSync('umount', ['-l', m]);
    }
    for (const n of this.netnsSeen)
      if (fs.existsSync(n)) {
        leftovers.push(`netns ${n}`);
        fs.rmSync(n, { force: true });
      }
    this.removeCgroups(leftovers);
    if (this.o.bridge && spawnSync('ip', ['link', 'show', this.o.bridge]).status === 0) spawnSync('ip', ['link', 'del', this.o.bridge]);
    this.removeNewChains(leftovers);
    // containerd 1.6 puts its shims' sockets under /run/containerd/s whatever its state dir (named
    // sha256(<address>/<namespace>/<id>); a killed shim leaves its own), and libcni caches results in
    // /var/lib/cni/results: this run's go, and the empty directories if this run made them
    for (const id of this.idsSeen) {
      fs.rmSync(
        path.join(
          SHIM_RUN_DIR,
          's',
          createHash('sha256')
            .update(path.join(this.socket, 'k8s.io', id))
            .digest('hex'),
        ),
        { force: true },
      );
      const results = '/var/lib/cni/results';
      for (const f of fs.existsSync(results) ? fs.readdirSync(results) : []) if (f.includes(`-${id}-`)) fs.rmSync(path.join(results, f), { force: true });
    }
    if (!this.runDirBefore)
      for (const d of ['s', 'runc/k8s.io', 'runc', '']) {
        try {
          fs.rmdirSync(path.join(SHIM_RUN_DIR, d));
        } catch {
          /* not empty: another containerd uses it */
        }
      }
    fs.rmSync(this.base, { recursive: true, force: true });
    return leftovers;
  }

  /** cgroups named after this run's pods and containers, then critest's /test.slice parents if this run made them. */
  private removeCgroups(leftovers: string[]): void {
    for (const root of cgroupRoots()) {
      const walk = (dir: string, depth: number) => {
        let entries: fs.Dirent[] = [];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (!e.isDirectory()) continue;
          const p = path.join(dir, e.name);
          if (this.idsSeen.has(e.name)) {
            leftovers.push(`cgroup ${p}`);
            try {
              fs.rmdirSync(p);
            } catch {
              /* a process still in it: reported */
            }
          } else if (depth < 3) walk(p, depth + 1);
        }
      };
      walk(root, 0);
    }
    for (const s of testSlices())
      if (!this.cgroupParentsBefore.has(s)) {
        try {
          fs.rmdirSync(s);
        } catch {
          leftovers.push(`cgroup ${s} not empty: kept`);
        }
      }
  }

  private removeNewChains(leftovers: string[]): void {
    leftovers.push(...removeCniChainsSince(this.chainsBefore));
  }
}

/**
 * The CNI chains (portmap's CNI-HOSTPORT-*) made since `before`, once no pod
 * uses them: while any per-pod chain (CNI-DN-*) exists, another runtime's pod
 * still forwards a port, and they stay. Returns what was done or kept.
 */
export function removeCniChainsSince(before: Set<string>): string[] {
  const created = [...cniChains()].filter((c) => !before.has(c));
  if (!created.length) return [];
  if ([...cniChains()].some((c) => /:CNI-DN-/.test(c))) return [`CNI chains kept (a pod still maps ports): ${created.join(' ')}`];
  for (const tc of created) {
    const [table, chain] = tc.split(':');
    // the jumps into it first (iptables -S quotes as a shell does)
    for (const l of spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout.split('\n')) {
      if (l.startsWith('-A ') && l.includes(` -j ${chain}`) && !created.some((c) => l.startsWith(`-A ${c.split(':')[1]} `)))
        spawnSync('sh', ['-c', `iptables -w -t ${table} -D ${l.slice(3)}`]);
    }
  }
  for (const tc of created) {
    const [table, chain] = tc.split(':');
    spawnSync('iptables', ['-w', '-t', table, '-F', chain]);
  }
  for (const tc of created) {
    const [table, chain] = tc.split(':');
    spawnSync('iptables', ['-w', '-t', table, '-X', chain]);
  }
  return [];
}

export const containerdAvailable = (): string | undefined => {
  if (!fs.existsSync(CONTAINERD)) return `no ${CONTAINERD} (apt-get install containerd)`;
  try {
    execFileSync(CONTAINERD, ['--version']);
  } catch (e) {
    return `containerd does not run: ${(e as Error).message}`;
  }
  return undefined;
};
