// Kubernetes' path (CRI through crictl): a pod with one container up, and
// ExecSync. Each side gets a CRI runtime started for this case, with the same
// CNI bridge conflist, the same catatonit infra image and the same busybox:
// on berth's side a private berthd serving --cri-socket, on Docker's side
// Debian's containerd with its built-in CRI plugin (what a kubelet would talk
// to under Docker's engine) on a private root. Each whole crictl command is
// timed from spawn to exit, on both sides alike.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar-stream';
import { bridgeConflist, CNI_PLUGINS } from '../../test/helpers/cni';
import { Containerd, containerdAvailable } from '../../test/helpers/containerd';
import { TestDaemon } from '../../test/helpers/daemon';
import type { Case, CaseEnv } from '../framework';
import { excerpt, runCommand } from '../util';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CRICTL = path.join(REPO, 'tools', 'bin', 'crictl');
const CATATONIT = '/usr/bin/catatonit';
const PAUSE = 'berth-bench/pause:catatonit';

interface CriSide {
  endpoint: string;
  dir: string;
  /** a pod and container kept running for the ExecSync samples */
  execCtr: string;
  stop: () => Promise<void>;
}

async function crictl(s: CriSide, args: string[]): Promise<{ out: string; ms: number }> {
  const r = await runCommand(CRICTL, ['--runtime-endpoint', s.endpoint, '--image-endpoint', s.endpoint, '--timeout', '60s', ...args], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`crictl ${args.slice(0, 3).join(' ')} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
  return { out: r.stdout.trim(), ms: r.ms };
}

let serial = 0;
/** The pod and container configs crictl reads (a fresh pod name each time). */
function configs(dir: string, image: string, name: string): { pod: string; ctr: string } {
  const pod = path.join(dir, `${name}-pod.json`);
  const ctr = path.join(dir, `${name}-ctr.json`);
  fs.writeFileSync(
    pod,
    JSON.stringify({ metadata: { name, namespace: 'bench', uid: `${name}-uid`, attempt: 0 }, log_directory: path.join(dir, 'logs', name), linux: {} }),
  );
  fs.writeFileSync(ctr, JSON.stringify({ metadata: { name: 'main' }, image: { image }, command: ['sleep', '1000'], log_path: 'main.log', linux: {} }));
  return { pod, ctr };
}

/** RunPodSandbox + CreateContainer + StartContainer; the pod id and the summed time. */
async function podUp(s: CriSide, image: string): Promise<{ pod: string; ctr: string; ms: number }> {
  const c = configs(s.dir, image, `bench-${process.pid}-${serial++}`);
  const runp = await crictl(s, ['runp', c.pod]);
  const create = await crictl(s, ['create', runp.out, c.ctr, c.pod]);
  const start = await crictl(s, ['start', create.out]);
  return { pod: runp.out, ctr: create.out, ms: runp.ms + create.ms + start.ms };
}

async function podGone(s: CriSide, pod: string): Promise<void> {
  await crictl(s, ['stopp', pod]);
  await crictl(s, ['rmp', pod]);
}

/** A rootfs tar of catatonit alone, as berth's built-in infra image. */
async function pauseTar(file: string): Promise<void> {
  const pack = tar.pack();
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
  });
  pack.pipe(out);
  const data = fs.readFileSync(CATATONIT);
  pack.entry({ name: 'catatonit', mode: 0o755, size: data.length }, data);
  for (const d of ['dev', 'proc', 'sys', 'etc']) pack.entry({ name: d, type: 'directory', mode: 0o755 });
  pack.finalize();
  await done;
}

async function startBerth(dir: string, image: string): Promise<CriSide> {
  const net = bridgeConflist(path.join(dir, 'net.d'), 'bench-berth');
  const d = new TestDaemon('bench-cri');
  const sock = path.join(dir, 'cri.sock');
  const stop = async () => {
    await d.stop();
    await runCommand('ip', ['link', 'del', net.bridge]);
  };
  try {
    await d.start(['--cri-socket', `unix://${sock}`, '--cni-conf-dir', net.dir, '--cni-bin-dir', CNI_PLUGINS!]);
    await d.importBusybox(image);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: `unix://${sock}`, dir, execCtr: '', stop };
}

async function startContainerd(env: CaseEnv, dir: string, image: string): Promise<CriSide> {
  // the same images, from the bench's dockerd (which has busybox imported) into containerd's CRI namespace
  const rootfs = path.join(dir, 'pause-rootfs.tar');
  await pauseTar(rootfs);
  await env.engine.dockerOk(['import', '--change', 'ENTRYPOINT ["/catatonit", "-P"]', rootfs, PAUSE]);
  const archive = path.join(dir, 'images.tar');
  await env.engine.dockerOk(['save', '-o', archive, image, PAUSE]);
  await env.engine.dockerOk(['rmi', PAUSE]);
  const net = bridgeConflist(path.join(dir, 'net.d'), 'bench-containerd');
  const c = new Containerd({ cniConfDir: net.dir, cniBinDir: CNI_PLUGINS!, sandboxImage: PAUSE, httpRegistries: [], bridge: net.bridge, crictl: CRICTL });
  const stop = async () => {
    const left = await c.stop(CRICTL);
    if (left.length) env.engine.note(`cri: containerd left ${left.join(', ')} (removed)`);
  };
  try {
    await c.start();
    const r = c.ctr(['images', 'import', archive]);
    if (r.status !== 0) throw new Error(`ctr images import: ${r.stderr}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: c.endpoint, dir, execCtr: '', stop };
}

export const criCase: Case<CriSide> = {
  id: 'cri',
  title: 'CRI (crictl)',
  section: 'Kubernetes CRI (crictl)',
  how: "crictl against each side's CRI socket: `runp` + `create` + `start` of one `sleep 1000` container (pod removed afterwards, untimed), and `exec -s CTR true` (ExecSync) in a running one. Docker's column is containerd's built-in CRI plugin (Debian's containerd, private root), berth's a private berthd with --cri-socket; same CNI bridge conflist, catatonit infra image and busybox on both",
  metrics: [
    { id: 'cri_pod', label: 'RunPodSandbox + create + start', unit: 'ms', better: 'lower' },
    { id: 'cri_exec', label: 'ExecSync true', unit: 'ms', better: 'lower' },
  ],
  available({ engine }) {
    if (!fs.existsSync(CRICTL)) return `no crictl at ${CRICTL} (scripts/setup-tools.sh)`;
    if (!CNI_PLUGINS) return 'no CNI plugins (containernetworking-plugins)';
    if (!fs.existsSync(CATATONIT)) return 'no catatonit';
    if (engine.name === 'docker') return containerdAvailable() ?? true;
    return true;
  },
  async setup(env) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bench-cri-${env.engine.name}-`));
    const side = env.engine.name === 'berth' ? await startBerth(dir, env.image) : await startContainerd(env, dir, env.image);
    try {
      side.execCtr = (await podUp(side, env.image)).ctr;
    } catch (e) {
      await side.stop();
      throw e;
    }
    const stop = side.stop;
    side.stop = async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
    return side;
  },
  async sample({ image }, side) {
    const up = await podUp(side, image);
    await podGone(side, up.pod);
    const exec = await crictl(side, ['exec', '-s', side.execCtr, 'true']);
    return { cri_pod: up.ms, cri_exec: exec.ms };
  },
  async teardown(_env, side) {
    await side.stop();
  },
};
