// Memory: the daemon at rest, the daemon with 50 running containers, and what
// each running container costs on the host outside the container itself (its
// monitor: conmon for berth; containerd-shim-runc-v2 for Docker).
// berth's daemon is berthd; Docker's is dockerd + containerd.
import type { Case } from '../framework';
import { MiB, pssBytes, rssBytes } from '../procs';
import { sleep } from '../util';

export const RUNNING_N = 50;

export const memory: Case = {
  id: 'memory',
  title: 'memory',
  section: 'Memory',
  how: `daemon RSS (VmRSS) right after start and image import (fresh idle); then per sample ${RUNNING_N} \`sleep 1000\` containers started through the API and 2 s to settle: daemon RSS, and the monitor/shim processes' PSS (smaps_rollup) and RSS divided by ${RUNNING_N}; then the ${RUNNING_N} are removed and after 2 s the daemon's RSS is read again (idle after churn)`,
  heavy: true,
  metrics: [
    { id: 'idle_rss', label: 'daemon RSS, idle (fresh)', unit: 'MiB', better: 'lower', target: { absMax: 60, text: '≤ 60 MiB (berthd)' } },
    { id: 'busy_rss', label: `daemon RSS, ${RUNNING_N} running`, unit: 'MiB', better: 'lower' },
    { id: 'after_rss', label: `daemon RSS, idle after ${RUNNING_N} removed`, unit: 'MiB', better: 'lower' },
    // a ratio of two small, noisy differences: in the table, not in the chart
    { id: 'daemon_per_ctr', label: 'daemon RSS growth per container', unit: 'MiB', better: 'lower', chart: false },
    { id: 'mon_pss', label: 'monitor/shim PSS per container', unit: 'MiB', better: 'lower' },
    { id: 'mon_rss', label: 'monitor/shim RSS per container', unit: 'MiB', better: 'lower', target: { absMax: 2, text: '≤ ~2 MiB (one conmon)' } },
    { id: 'mon_count', label: 'monitor/shim processes per container', unit: 'per ctr', better: 'lower', target: { absMax: 1, text: '≤ 1' }, chart: false },
  ],
  async sample({ engine, image, log }, _state, round) {
    const daemonRss = () => engine.daemonProcs().reduce((s, p) => s + rssBytes(p.pid), 0) / MiB;
    const out: Record<string, number> = {};
    if (round === 0) {
      await sleep(1000);
      out.idle_rss = daemonRss();
    }
    log(`    ${engine.label}: starting ${RUNNING_N} containers (untimed)`);
    const before = daemonRss();
    const ids = await engine.createContainers(RUNNING_N, { Image: image, Cmd: ['sleep', '1000'], HostConfig: { NetworkMode: 'none' } }, true);
    try {
      await sleep(2000);
      const busy = daemonRss();
      const mons = engine.monitorPids();
      const pss = mons.reduce((s, pid) => s + pssBytes(pid), 0) / MiB;
      const rss = mons.reduce((s, pid) => s + rssBytes(pid), 0) / MiB;
      Object.assign(out, {
        busy_rss: busy,
        daemon_per_ctr: (busy - before) / RUNNING_N,
        mon_pss: pss / RUNNING_N,
        mon_rss: rss / RUNNING_N,
        mon_count: mons.length / RUNNING_N,
      });
    } finally {
      await engine.removeContainers(ids);
    }
    await sleep(2000);
    out.after_rss = daemonRss();
    return out;
  },
};
