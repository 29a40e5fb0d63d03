// Process trees from /proc: for killing a process together with everything it
// started (a timed-out health probe's `sh -c` and its children).
import * as fs from 'node:fs';

/** The PIDs of every descendant of `pid`, as /proc shows them now. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parens, so split after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid);
    if (list) list.push(Number(n));
    else children.set(ppid, [Number(n)]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Signals `pid` and all its descendants (collected first: once the parent dies they are reparented). */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid <= 1) return;
  const tree = descendants(pid);
  for (const p of [pid, ...tree]) {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  }
}

/** True while a process with this pid exists (EPERM: it exists, not ours to signal). */
export function alive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
