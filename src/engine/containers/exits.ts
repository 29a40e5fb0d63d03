// How berthd learns of exits: conmon writes each container's exit code to a
// file named after it in one directory, watched with inotify (never polled).
import * as fs from 'node:fs';
import * as path from 'node:path';

export class ExitWatcher {
  private watcher?: fs.FSWatcher;

  constructor(private readonly dir: string) {}

  /** Calls `onExit` with each container whose exit file appears and holds a code. */
  watch(onExit: (id: string, code: number) => void): void {
    fs.mkdirSync(this.dir, { recursive: true });
    this.watcher = fs.watch(this.dir, (_ev, name) => {
      if (!name || !/^[a-f0-9]{64}$/.test(name)) return;
      const code = this.code(name);
      if (code !== undefined) onExit(name, code); // written atomically by conmon; an empty read means not yet
    });
  }

  stop(): void {
    this.watcher?.close();
  }

  /** The recorded exit code of a container, if conmon wrote one. */
  code(id: string): number | undefined {
    return readExitCode(path.join(this.dir, id));
  }

  remove(id: string): void {
    fs.rmSync(path.join(this.dir, id), { force: true });
  }
}

export function readExitCode(file: string): number | undefined {
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t === '') return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
