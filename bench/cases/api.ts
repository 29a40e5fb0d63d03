// Engine API round trips under load: 4 concurrent clients, each with its own
// keep-alive connection over the unix socket (node:http), back to back.
import { loadTest } from '../api';
import type { Case } from '../framework';
import { percentile } from '../stats';

export const CLIENTS = 4;
const RUNNING = 10;

export const apiLoad: Case<string[]> = {
  id: 'api',
  title: `API round trip, ${CLIENTS} clients`,
  section: 'Engine API (node:http, 4 clients)',
  how: `${CLIENTS} concurrent keep-alive clients for N s per endpoint: \`GET /_ping\`, then \`GET /containers/json\` with ${RUNNING} running containers; requests/s and p99 latency`,
  metrics: [
    { id: 'ping_rps', label: 'GET /_ping throughput', unit: 'req/s', better: 'higher' },
    { id: 'ping_p99', label: 'GET /_ping p99 latency', unit: 'ms', better: 'lower' },
    { id: 'list_rps', label: `GET /containers/json throughput`, unit: 'req/s', better: 'higher' },
    { id: 'list_p99', label: `GET /containers/json p99 latency`, unit: 'ms', better: 'lower' },
  ],
  async setup({ engine, image }) {
    return engine.createContainers(RUNNING, { Image: image, Cmd: ['sleep', '1000'], HostConfig: { NetworkMode: 'none' } }, true);
  },
  async sample({ engine, opts }, _ids, round) {
    const out: Record<string, number> = {};
    const ms = round < 0 ? Math.min(500, opts.apiSeconds * 1000) : opts.apiSeconds * 1000; // short warm-up
    for (const [key, p] of [
      ['ping', '/_ping'],
      ['list', '/containers/json'],
    ] as const) {
      const r = await loadTest(engine.socket, 'GET', p, CLIENTS, ms);
      if (r.errors) engine.note(`GET ${p} under load: ${r.errors} of ${r.requests} requests failed`);
      out[`${key}_rps`] = (r.requests - r.errors) / r.seconds;
      out[`${key}_p99`] = percentile(r.latenciesMs, 0.99);
    }
    return out;
  },
  async teardown({ engine }, ids) {
    await engine.removeContainers(ids);
  },
};
