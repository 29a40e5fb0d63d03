// `docker wait` and the engine's own waits: promises on a container's next
// exit, its not-running state or its removal, resolved with the exit code.
import type { Container } from '../../container';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

export class Waiters {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** Resolves when the running container exits (or at once if it is not running). */
  waitExit(c: Container): Promise<number> {
    if (!c.State.Running) return Promise.resolve(c.State.ExitCode);
    return this.wait(c, 'next-exit');
  }

  wait(c: Container, condition: WaitCondition): Promise<number> {
    if (condition === 'not-running' && !c.State.Running && c.State.Status !== 'restarting') return Promise.resolve(c.State.ExitCode);
    return new Promise((resolve) => {
      let set = this.waiters.get(c.ID);
      if (!set) this.waiters.set(c.ID, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  cancel(c: Container, resolve: (n: number) => void): void {
    const set = this.waiters.get(c.ID);
    if (set) for (const w of set) if (w.resolve === resolve) set.delete(w);
  }

  notify(c: Container, what: 'exit' | 'removed'): void {
    const set = this.waiters.get(c.ID);
    if (!set) return;
    for (const w of [...set]) {
      if (what === 'removed' || w.condition !== 'removed') {
        // every exit ends a not-running wait, one the restart policy follows too (Docker 20.10)
        set.delete(w);
        w.resolve(c.State.ExitCode);
      }
    }
    if (set.size === 0) this.waiters.delete(c.ID);
  }
}
