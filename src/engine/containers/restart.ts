// Docker's restart policies and back-off: the delay starts at 100 ms and
// doubles up to a minute; a container that ran for 10 s resets it.
import type { Container } from '../../container';

const BASE_MS = 100;
const MAX_MS = 60_000;
const RESET_AFTER_MS = 10_000;

export class RestartManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delay = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly restart: (c: Container) => Promise<void>) {}

  started(c: Container): void {
    this.startedAt.set(c.ID, Date.now());
  }

  shouldRestart(c: Container): boolean {
    if (c.HasBeenManuallyStopped) return false;
    const p = c.HostConfig.RestartPolicy;
    switch (p.Name) {
      case 'always':
      case 'unless-stopped':
        return true;
      case 'on-failure':
        return c.State.ExitCode !== 0 && (p.MaximumRetryCount === 0 || c.RestartCount < p.MaximumRetryCount);
      default:
        return false;
    }
  }

  schedule(c: Container): void {
    this.cancel(c.ID);
    const ranFor = Date.now() - (this.startedAt.get(c.ID) ?? 0);
    let d = this.delay.get(c.ID) ?? 0;
    d = ranFor >= RESET_AFTER_MS || d === 0 ? BASE_MS : Math.min(d * 2, MAX_MS);
    this.delay.set(c.ID, d);
    const t = setTimeout(() => {
      this.timers.delete(c.ID);
      void this.restart(c);
    }, d);
    t.unref();
    this.timers.set(c.ID, t);
  }

  cancel(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  forget(id: string): void {
    this.cancel(id);
    this.delay.delete(id);
    this.startedAt.delete(id);
  }

  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
