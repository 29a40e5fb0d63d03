// Container stats from the container's cgroup (the reader `docker stats` uses),
// in the CRI's units. CPU nano-cores need two samples: the last one is kept.
import * as path from 'node:path';
import type { Container } from '../container';
import type { Engine } from '../engine/engine';
import { cgroupsPathFor, readStats } from '../runtime';
import { dirSize } from '../util/fsutil';
import { jsonLabel, L_ANNOTATIONS, L_LABELS, L_META } from './meta';

const u64 = (n: number | undefined) => ({ value: String(Math.max(0, Math.round(n ?? 0))) });

export class Stats {
  private readonly last = new Map<string, { at: bigint; cpu: number }>();

  constructor(private readonly engine: Engine) {}

  of(c: Container) {
    const now = BigInt(Date.now()) * 1_000_000n;
    const ts = now.toString();
    const attributes = { id: c.ID, metadata: jsonLabel(c, L_META, { name: '', attempt: 0 }), labels: jsonLabel(c, L_LABELS, {}), annotations: jsonLabel(c, L_ANNOTATIONS, {}) };
    const rw = dirSize(path.join(this.engine.containers.lifecycle.rwDir(c), 'upper'));
    const writable_layer = { timestamp: ts, fs_id: { mountpoint: this.engine.ctx.paths.containers }, used_bytes: u64(rw), inodes_used: u64(0) };
    if (!c.State.Running) {
      this.last.delete(c.ID);
      return { attributes, writable_layer };
    }
    const s = readStats(cgroupsPathFor(c.ID, c.HostConfig.CgroupParent || this.engine.cfg.cgroupParent), { pid: c.State.Pid });
    const cpu = s.cpu_stats.cpu_usage.total_usage;
    const prev = this.last.get(c.ID);
    this.last.set(c.ID, { at: now, cpu });
    const nanoCores = prev && now > prev.at ? ((cpu - prev.cpu) * 1e9) / Number(now - prev.at) : 0;
    const m = s.memory_stats;
    const st = m.stats ?? {};
    // the kubelet's working set: usage less what the kernel can drop at once
    const inactive = st.inactive_file ?? st.total_inactive_file ?? 0;
    const usage = m.usage ?? 0;
    return {
      attributes,
      cpu: { timestamp: ts, usage_core_nano_seconds: u64(cpu), usage_nano_cores: u64(nanoCores) },
      memory: {
        timestamp: ts,
        working_set_bytes: u64(Math.max(0, usage - inactive)),
        available_bytes: u64(m.limit !== undefined ? m.limit - usage : 0),
        usage_bytes: u64(usage),
        rss_bytes: u64(st.anon ?? st.rss ?? st.total_rss),
        page_faults: u64(st.pgfault),
        major_page_faults: u64(st.pgmajfault),
      },
      writable_layer,
    };
  }

  forget(id: string): void {
    this.last.delete(id);
  }
}
