// Networking figures: what the default bridge adds to a container's start, and
// what a port published on 127.0.0.1 carries. Docker's bridge is the bench's
// own device and subnet (docker-net.ts) with dockerd's iptables rules and its
// default userland proxy; berth's is its per-data-root bridge with netavark's
// rules. Traffic only goes between the host's 127.0.0.1 and the bench's containers.
import * as http from 'node:http';
import type { Case, CaseEnv } from '../framework';
import { countSpawns } from '../spawns';
import { percentile } from '../stats';
import { waitUntil } from '../util';

function bridgeAvailable({ engine }: CaseEnv): true | string {
  return engine.noBridge === undefined ? true : engine.noBridge;
}

const USER_NET = 'bench-usernet';

export const netStart: Case = {
  id: 'net-start',
  title: 'start on the bridge vs --network none',
  section: 'Networking',
  how: '`docker run --rm IMG true` on the default bridge, on a user-defined network (embedded DNS at 127.0.0.11) and with `--network none`, one of each per sample (the order rotates); "bridge cost" and "user network cost" are the medians of the per-sample differences to none',
  metrics: [
    { id: 'bridge', label: 'run --rm IMG true (default bridge)', unit: 'ms', better: 'lower' },
    { id: 'user', label: 'run --rm IMG true (user network, embedded DNS)', unit: 'ms', better: 'lower', chart: false },
    { id: 'none', label: 'run --rm --network none IMG true', unit: 'ms', better: 'lower', chart: false },
    { id: 'cost', label: 'bridge cost (bridge − none, per sample)', unit: 'ms', better: 'lower', chart: false },
    { id: 'userCost', label: 'user network cost (user − none, per sample)', unit: 'ms', better: 'lower', chart: false },
  ],
  available: bridgeAvailable,
  async setup({ engine }) {
    await engine.docker(['network', 'rm', USER_NET]);
    await engine.dockerOk(['network', 'create', USER_NET]);
  },
  async teardown({ engine }) {
    await engine.docker(['network', 'rm', USER_NET]);
  },
  async sample({ engine, image }, _s, round) {
    const runs: Record<string, () => Promise<{ ms: number }>> = {
      bridge: () => engine.dockerOk(['run', '--rm', image, 'true']),
      user: () => engine.dockerOk(['run', '--rm', '--network', USER_NET, image, 'true']),
      none: () => engine.dockerOk(['run', '--rm', '--network', 'none', image, 'true']),
    };
    const order = ['bridge', 'user', 'none'];
    const r: Record<string, number> = {};
    for (let i = 0; i < order.length; i++) {
      const k = order[(i + Math.max(round, 0)) % order.length];
      r[k] = (await runs[k]()).ms;
    }
    return { ...r, cost: r.bridge - r.none, userCost: r.user - r.none };
  },
};

const BIG_FULL = 256 * 1024 * 1024;
const BIG_QUICK = 64 * 1024 * 1024;
const RTT_N = 50;
const BIG_FETCHES = 3;

interface PortState {
  id: string;
  port: number;
  /** the container's address on the bridge (reached without the port mapping) */
  ip?: string;
  big: number;
}

/** GET over a fresh connection; resolves with the body's length. */
function get(port: number, p: string, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: p, agent: false, timeout: 30_000 }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET ${p}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${p}: timed out`)));
    req.on('error', reject);
  });
}

export const portThroughput: Case<PortState> = {
  id: 'port',
  title: 'published port on 127.0.0.1',
  section: 'Networking',
  how: `a busybox \`httpd\` in a bridge container published with \`-p 127.0.0.1::8080\` serves a ${BIG_FULL / 1024 / 1024} MiB file (--quick: ${BIG_QUICK / 1024 / 1024} MiB) from its rootfs; the host fetches it with node:http over a fresh connection, ${BIG_FETCHES} times per sample (the sample is the median MB/s), then ${RTT_N} sequential GETs of a 3-byte file, each on a new connection (median and p99 ms); then the large file again straight from the container's bridge address (no port mapping), for reference`,
  metrics: [
    { id: 'mbs', label: 'GET of a large file via 127.0.0.1:PORT (MB/s)', unit: 'MB/s', better: 'higher' },
    { id: 'rtt', label: 'GET of a tiny file, new connection, median', unit: 'ms', better: 'lower' },
    { id: 'rtt99', label: 'GET of a tiny file, new connection, p99', unit: 'ms', better: 'lower', chart: false },
    // the same fetch without the port mapping: what the bridge and veth carry by themselves
    { id: 'direct', label: 'GET of the large file from the container IP:8080 (MB/s)', unit: 'MB/s', better: 'higher', chart: false },
  ],
  available: bridgeAvailable,
  async setup({ engine, image, opts }) {
    const big = opts.quick ? BIG_QUICK : BIG_FULL;
    const script = `mkdir -p /www && head -c ${big} /dev/zero > /www/big && echo ok > /www/small && exec httpd -f -p 8080 -h /www`;
    const id = (await engine.dockerOk(['run', '-d', '-p', '127.0.0.1::8080', image, 'sh', '-c', script])).stdout.trim();
    try {
      const ns = (await engine.api('GET', `/containers/${id}/json`)).NetworkSettings;
      const ports = ns?.Ports?.['8080/tcp'] as Array<{ HostIp: string; HostPort: string }> | undefined;
      const ip: string | undefined = ns?.Networks?.bridge?.IPAddress || ns?.IPAddress || undefined;
      const port = Number(ports?.find((p) => p.HostIp === '127.0.0.1')?.HostPort);
      if (!port) throw new Error(`no 127.0.0.1 binding for 8080/tcp in the container's NetworkSettings.Ports: ${JSON.stringify(ports)}`);
      const up = await waitUntil(async () => (await get(port, '/small').catch(() => -1)) === 3, 30_000, 100);
      if (!up) throw new Error(`httpd in the container did not answer on 127.0.0.1:${port} within 30 s`);
      if (!ip) engine.note('port: the container has no IPAddress on the bridge in inspect; no direct figure');
      return { id, port, ip, big };
    } catch (e) {
      await engine.removeContainers([id]);
      throw e;
    }
  },
  async sample(_env, s) {
    // the large fetch is noisy on a shared machine: a sample is the median of three
    const fetches: number[] = [];
    for (let i = 0; i < BIG_FETCHES; i++) {
      const t0 = process.hrtime.bigint();
      const n = await get(s.port, '/big');
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (n !== s.big) throw new Error(`GET /big returned ${n} bytes, expected ${s.big}`);
      fetches.push(n / 1e6 / secs);
    }
    const rtts: number[] = [];
    for (let i = 0; i < RTT_N; i++) {
      const t = process.hrtime.bigint();
      await get(s.port, '/small');
      rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const out: Record<string, number> = { mbs: percentile(fetches, 0.5), rtt: percentile(rtts, 0.5), rtt99: percentile(rtts, 0.99) };
    if (s.ip) {
      const t1 = process.hrtime.bigint();
      const d = await get(8080, '/big', s.ip);
      if (d !== s.big) throw new Error(`GET http://${s.ip}:8080/big returned ${d} bytes, expected ${s.big}`);
      out.direct = d / 1e6 / (Number(process.hrtime.bigint() - t1) / 1e9);
    }
    return out;
  },
  async teardown({ engine }, s) {
    await engine.removeContainers([s.id]);
  },
};

const SPAWN_LOOP = 'trap "exit 0" TERM; while :; do sleep 0.1; done';

/** Programs the daemons start per operation, with what they were (for the notes). */
export const spawnCount: Case = {
  id: 'spawns',
  title: 'process spawns per operation',
  section: 'Networking',
  how: "strace -f on the engine's daemons (berthd; dockerd + containerd) counts every successful execve during one `run --rm IMG true` with `--network none`, on the default bridge and with `-p 127.0.0.1::80`, one `exec CTR true` and one `stop CTR` (monitor, runtime and network tools included; the container's own process counts one)",
  metrics: [
    { id: 'none', label: 'spawns: run --rm (--network none)', unit: 'count', better: 'lower', chart: false },
    { id: 'bridge', label: 'spawns: run --rm (default bridge)', unit: 'count', better: 'lower', chart: false },
    { id: 'port', label: 'spawns: run --rm -p 127.0.0.1::80 (bridge)', unit: 'count', better: 'lower', chart: false },
    { id: 'exec', label: 'spawns: exec CTR true', unit: 'count', better: 'lower', chart: false },
    { id: 'stop', label: 'spawns: stop CTR (bridge)', unit: 'count', better: 'lower', chart: false },
  ],
  available: bridgeAvailable,
  async sample({ engine, image }, _s, round) {
    const pids = engine.daemonProcs().map((p) => p.pid);
    const out: Record<string, number> = {};
    const seen: Record<string, Record<string, number>> = {};
    const count = async (id: string, fn: () => Promise<unknown>) => {
      const r = await countSpawns(pids, fn);
      out[id] = r.count;
      seen[id] = r.programs;
    };
    await count('none', () => engine.dockerOk(['run', '--rm', '--network', 'none', image, 'true']));
    await count('bridge', () => engine.dockerOk(['run', '--rm', image, 'true']));
    await count('port', () => engine.dockerOk(['run', '--rm', '-p', '127.0.0.1::80', image, 'true']));
    const id = (await engine.dockerOk(['run', '-d', image, 'sh', '-c', SPAWN_LOOP])).stdout.trim();
    try {
      await count('exec', () => engine.dockerOk(['exec', id, 'true']));
      await count('stop', () => engine.dockerOk(['stop', id]));
    } finally {
      await engine.removeContainers([id]);
    }
    if (round <= 0)
      for (const [k, v] of Object.entries(seen))
        engine.note(
          `spawns ${k}: ${Object.entries(v)
            .map(([p, n]) => `${p}×${n}`)
            .join(', ')}`,
        );
    return out;
  },
};
