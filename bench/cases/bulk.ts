// Many-container figures: creating and removing 100 containers, and listing
// 500. The CLI is the client for the timed part; bulk setup goes through the
// API (4 requests in flight) because it is not what is measured.
import { apiRequest } from '../api';
import type { Case } from '../framework';
import { timed } from '../util';

export const CREATE_N = 100;
export const PS_N = 500;

export const createRemove: Case = {
  id: 'create-rm',
  title: `create / rm -f ×${CREATE_N}`,
  section: 'Many containers',
  how: `${CREATE_N} sequential \`docker create --network none IMG true\` (total), then one \`docker rm -f\` of those ${CREATE_N} created (never started) containers; then ${CREATE_N} \`sleep 1000\` containers started through the API (untimed) and one \`docker rm -f\` of them`,
  heavy: true,
  metrics: [
    { id: 'create', label: `create ×${CREATE_N} (sequential CLI calls)`, unit: 'ms', better: 'lower' },
    { id: 'rm', label: `rm -f of ${CREATE_N} created containers`, unit: 'ms', better: 'lower' },
    { id: 'rm_running', label: `rm -f of ${CREATE_N} running containers`, unit: 'ms', better: 'lower' },
  ],
  async sample({ engine, image }) {
    let ids: string[] = [];
    try {
      const create = await timed(async () => {
        for (let i = 0; i < CREATE_N; i++) ids.push((await engine.dockerOk(['create', '--network', 'none', image, 'true'])).stdout.trim());
      });
      const rm = await engine.dockerOk(['rm', '-f', ...ids], 300_000);
      ids = await engine.createContainers(CREATE_N, { Image: image, Cmd: ['sleep', '1000'], HostConfig: { NetworkMode: 'none' } }, true);
      const rmRunning = await engine.dockerOk(['rm', '-f', ...ids], 300_000);
      ids = [];
      return { create: create.ms, rm: rm.ms, rm_running: rmRunning.ms };
    } finally {
      if (ids.length) await engine.removeContainers(ids);
    }
  },
};

export const psMany: Case<string[]> = {
  id: 'ps',
  title: `ps with ${PS_N} containers`,
  section: 'Many containers',
  how: `with ${PS_N} created containers: \`docker ps -a\`, \`docker ps -a -q\`, and the engine alone: \`GET /containers/json?all=1\` over node:http`,
  metrics: [
    { id: 'ps_a', label: `ps -a (${PS_N} containers)`, unit: 'ms', better: 'lower', target: { absMax: 30, text: '< 30 ms (whole docker ps -a)' } },
    { id: 'ps_aq', label: `ps -a -q (${PS_N} containers)`, unit: 'ms', better: 'lower' },
    {
      id: 'ps_api',
      label: `GET /containers/json?all=1 (${PS_N})`,
      unit: 'ms',
      better: 'lower',
      target: { absMax: 30, text: '< 30 ms (engine side of ps -a)' },
    },
  ],
  async setup({ engine, image, log }) {
    log(`    ${engine.label}: creating ${PS_N} containers (untimed setup)`);
    return engine.createContainers(PS_N, { Image: image, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } }, false);
  },
  async sample({ engine }) {
    const a = await engine.dockerOk(['ps', '-a']);
    const q = await engine.dockerOk(['ps', '-a', '-q']);
    const lines = q.stdout.trim().split('\n').filter(Boolean).length;
    if (lines !== PS_N) engine.note(`ps -a -q listed ${lines} containers, expected ${PS_N}`);
    const t0 = process.hrtime.bigint();
    const r = await apiRequest(engine.socket, 'GET', '/containers/json?all=1');
    const apiMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 200) throw new Error(`GET /containers/json?all=1 -> ${r.status}`);
    return { ps_a: a.ms, ps_aq: q.ms, ps_api: apiMs };
  },
  async teardown({ engine }, ids) {
    await engine.removeContainers(ids);
  },
};
