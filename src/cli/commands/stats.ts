// stats: live resource use, one line per container, docker's columns.
import type { IncomingMessage } from 'node:http';
import { jsonLines } from '../../client/streams';
import type { Command } from '../command';
import { renderRows } from '../format';
import { bytesSize, humanSize } from '../../util/humansize';
import { formatFlag } from '../opts/filter';

const enc = encodeURIComponent;

// ---- stats ----
interface StatsJson {
  id?: string;
  name?: string;
  read?: string;
  pids_stats?: { current?: number };
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

export class StatsRow {
  constructor(
    private readonly container: string,
    private readonly s: StatsJson,
    private readonly trunc: boolean,
  ) {}
  get Container(): string {
    return this.container;
  }
  get Name(): string {
    return (this.s.name ?? '').replace(/^\//, '') || '--';
  }
  get ID(): string {
    const id = this.s.id ?? '';
    return this.trunc ? id.slice(0, 12) : id;
  }
  get CPUPerc(): string {
    const cur = this.s.cpu_stats;
    const pre = this.s.precpu_stats;
    const cpuDelta = (cur?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
    const sysDelta = (cur?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
    const n = cur?.online_cpus || cur?.cpu_usage?.percpu_usage?.length || 1;
    const pct = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * n * 100 : 0;
    return `${pct.toFixed(2)}%`;
  }
  private mem(): number {
    const m = this.s.memory_stats;
    const usage = m?.usage ?? 0;
    const st = m?.stats ?? {};
    // page cache that can be reclaimed is not counted, as docker does (v1 / v2 keys)
    const inactive =
      st.total_inactive_file !== undefined && st.total_inactive_file < usage
        ? st.total_inactive_file
        : st.inactive_file !== undefined && st.inactive_file < usage
          ? st.inactive_file
          : 0;
    return usage - inactive;
  }
  get MemUsage(): string {
    return `${bytesSize(this.mem())} / ${bytesSize(this.s.memory_stats?.limit ?? 0)}`;
  }
  get MemPerc(): string {
    const limit = this.s.memory_stats?.limit ?? 0;
    return `${(limit ? (this.mem() / limit) * 100 : 0).toFixed(2)}%`;
  }
  get NetIO(): string {
    let rx = 0;
    let tx = 0;
    for (const n of Object.values(this.s.networks ?? {})) {
      rx += n.rx_bytes;
      tx += n.tx_bytes;
    }
    return `${humanSize(rx, 3)} / ${humanSize(tx, 3)}`;
  }
  get BlockIO(): string {
    let r = 0;
    let w = 0;
    for (const e of this.s.blkio_stats?.io_service_bytes_recursive ?? []) {
      const op = e.op.toLowerCase();
      if (op.startsWith('r')) r += e.value;
      else if (op.startsWith('w')) w += e.value;
    }
    return `${humanSize(r, 3)} / ${humanSize(w, 3)}`;
  }
  get PIDs(): string {
    return String(this.s.pids_stats?.current ?? 0);
  }
}

const statsHeaders = {
  Container: 'CONTAINER',
  ID: 'CONTAINER ID',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};
const statsTable = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export const statsCommand: Command = {
  name: 'stats',
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    formatFlag(),
    { long: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { long: 'no-trunc', kind: 'bool', help: 'Do not truncate output' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    const names = async () =>
      args.length ? args : (await api.get<Array<{ Id: string }>>('/containers/json', { all: f.bool('all') || undefined })).map((c) => c.Id);
    const render = (rows: StatsRow[]) => renderRows(f.str('format') || undefined, rows, { defaultTable: statsTable, headers: statsHeaders });
    if (f.bool('no-stream')) {
      const rows: StatsRow[] = [];
      let failed = false;
      for (const n of await names()) {
        try {
          rows.push(new StatsRow(n, await api.get<StatsJson>(`/containers/${enc(n)}/stats`, { stream: false }), !f.bool('no-trunc')));
        } catch (e) {
          failed = true;
          ctx.err(`Error response from daemon: ${(e as Error).message}\n`);
        }
      }
      ctx.out(render(rows));
      return failed ? 1 : 0;
    }
    // streaming: one stats stream per container, the screen redrawn every second
    const latest = new Map<string, StatsRow>();
    const streams = new Map<string, IncomingMessage>();
    const follow = async () => {
      const want = new Set(await names());
      for (const [n, s] of streams)
        if (!want.has(n)) {
          s.destroy();
          streams.delete(n);
          latest.delete(n);
        }
      for (const n of want) {
        if (streams.has(n)) continue;
        const res = await api.stream('GET', `/containers/${enc(n)}/stats`, { query: { stream: true } });
        streams.set(n, res);
        jsonLines<StatsJson>(res, (s) => latest.set(n, new StatsRow(n, s, !f.bool('no-trunc'))))
          .catch(() => {})
          .finally(() => {
            streams.delete(n);
            if (args.length === 0) latest.delete(n);
          });
      }
    };
    await follow();
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      if (ctx.stdoutTty) ctx.out('\x1b[2J\x1b[H');
      ctx.out(render([...latest.values()]));
      if (args.length === 0) await follow().catch(() => {});
      else if (streams.size === 0) return 0;
    }
  },
};
