// What cases share across engines and across cases within one bench run:
// fixtures made once (the big image archive, the source registry) and cleanup
// hooks that run however the bench ends (also on Ctrl-C, when case teardowns
// are skipped). Cases reach it through CaseEnv.shared.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunDirs } from './engines';

export interface CleanupSink {
  add(name: string, fn: () => Promise<void> | void): void;
}

export class Shared {
  private readonly memo = new Map<string, Promise<unknown>>();
  /** Lines for the report's notes: what a fixture was, what a case shrank in quick mode. */
  readonly notes: string[] = [];

  constructor(
    readonly dirs: RunDirs,
    private readonly cleanup: CleanupSink,
  ) {}

  /** A directory of its own under the run's data dir (removed with it). */
  dir(name: string): string {
    const d = path.join(this.dirs.data, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  /** Makes a fixture once per run; later callers (other engine, other case) get the same one. A failure is not cached. */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  /** Registers a cleanup step (runs at the end of the run, last registered first). */
  defer(name: string, fn: () => Promise<void> | void): void {
    this.cleanup.add(name, fn);
  }

  note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }
}
