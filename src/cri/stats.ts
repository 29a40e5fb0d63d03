// Container and pod stats from cgroups (the reader `docker stats` uses), in the
// CRI's units. CPU nano-cores need two samples: the last one is kept. A pod has
// no cgroup of its own in berth: its figures are the sum of its infra
// container's and its containers', its network the infra's namespace.
import type { Container } from '../container/types';
import type { Backend, NetworkStats } from '../engine';
import { jsonLabel, L_ANNOTATIONS, L_LABELS, L_META } from './meta';

const u64 = (n: number | undefined) => ({ value: String(Math.max(0, Math.round(n ?? 0))) });

interface Sample {
  cpu: number;
  nanoCores: number;
  usage: number;
  workingSet: number;
  available: number;
  rss: number;
  pageFaults: number;
  majorPageFaults: number;
  pids: number;
  networks: Record<string, NetworkStats>;
}

export class Stats {
  private readonly last = new Map<string, { at: bigint; cpu: number }>();

  constructor(private readonly engine: Backend) {}

  private sample(c: Container, now: bigint): Sample {
    const s = this.engine.containers.cgroupStats(c);
    const cpu = s.cpu_stats.cpu_usage.total_usage;
    const prev = this.last.get(c.ID);
    this.last.set(c.ID, { at: now, cpu });
    const m = s.memory_stats;
    const st = m.stats ?? {};
    const usage = m.usage ?? 0;
    // the kubelet's working set: usage less what the kernel can drop at once
    const inactive = st.inactive_file ?? st.total_inactive_file ?? 0;
    return {
      cpu,
      nanoCores: prev && now > prev.at ? ((cpu - prev.cpu) * 1e9) / Number(now - prev.at) : 0,
      usage,
      workingSet: Math.max(0, usage - inactive),
      available: m.limit !== undefined ? m.limit - usage : 0,
      rss: st.anon ?? st.rss ?? st.total_rss ?? 0,
      pageFaults: st.pgfault ?? 0,
      majorPageFaults: st.pgmajfault ?? 0,
      pids: s.pids_stats.current ?? 0,
      networks: s.networks ?? {},
    };
  }

  private cpuMem(x: Sample, ts: string) {
    return {
      cpu: { timestamp: ts, usage_core_nano_seconds: u64(x.cpu), usage_nano_cores: u64(x.nanoCores) },
      memory: {
        timestamp: ts,
        working_set_bytes: u64(x.workingSet),
        available_bytes: u64(x.available),
        usage_bytes: u64(x.usage),
        rss_bytes: u64(x.rss),
        page_faults: u64(x.pageFaults),
        major_page_faults: u64(x.majorPageFaults),
      },
    };
  }

  private attributes(c: Container, meta: unknown) {
    return { id: c.ID, metadata: jsonLabel(c, L_META, meta), labels: jsonLabel(c, L_LABELS, {}), annotations: jsonLabel(c, L_ANNOTATIONS, {}) };
  }

  of(c: Container, now = BigInt(Date.now()) * 1_000_000n) {
    const ts = now.toString();
    const attributes = this.attributes(c, { name: '', attempt: 0 });
    const { rw } = this.engine.containers.sizes(c);
    const writable_layer = { timestamp: ts, fs_id: { mountpoint: this.engine.system.filesystems().containers }, used_bytes: u64(rw), inodes_used: u64(0) };
    if (!c.State.Running) {
      this.last.delete(c.ID);
      return { attributes, writable_layer };
    }
    return { attributes, ...this.cpuMem(this.sample(c, now), ts), writable_layer };
  }

  pod(sb: Container, containers: Container[]) {
    const now = BigInt(Date.now()) * 1_000_000n;
    const ts = now.toString();
    const attributes = this.attributes(sb, { name: '', uid: '', namespace: '', attempt: 0 });
    if (!sb.State.Running) return { attributes, linux: { containers: containers.map((c) => this.of(c, now)) } };
    const running = containers.filter((c) => c.State.Running);
    const samples = [this.sample(sb, now), ...running.map((c) => this.sample(c, now))];
    const sum = (k: keyof Omit<Sample, 'networks'>) => samples.reduce((a, s) => a + s[k], 0);
    const total: Sample = {
      cpu: sum('cpu'),
      nanoCores: sum('nanoCores'),
      usage: sum('usage'),
      workingSet: sum('workingSet'),
      available: samples[0].available,
      rss: sum('rss'),
      pageFaults: sum('pageFaults'),
      majorPageFaults: sum('majorPageFaults'),
      pids: sum('pids'),
      networks: samples[0].networks,
    };
    const interfaces = Object.entries(total.networks)
      .filter(([name]) => name !== 'lo')
      .map(([name, n]) => ({ name, rx_bytes: u64(n.rx_bytes), rx_errors: u64(n.rx_errors), tx_bytes: u64(n.tx_bytes), tx_errors: u64(n.tx_errors) }));
    return {
      attributes,
      linux: {
        ...this.cpuMem(total, ts),
        network: { timestamp: ts, default_interface: interfaces.find((i) => i.name === 'eth0') ?? interfaces[0], interfaces },
        process: { timestamp: ts, process_count: u64(total.pids) },
        containers: containers.map((c) => this.of(c, now)),
      },
    };
  }

  forget(id: string): void {
    this.last.delete(id);
  }
}
