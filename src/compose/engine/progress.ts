// What `up`/`down` tell the user while they work, as Compose v5 shows it:
// plain lines (" Container demo-web-1 Started ", its Println of the
// resource, its status and empty details) when stderr is not a
// terminal, a redrawn "[+] Running 3/3" block with one line per object when it is.

export interface Progress {
  event(kind: 'Network' | 'Volume' | 'Container' | 'Image' | 'Service', name: string, status: string, done?: boolean): void;
  /** stops redrawing; the final state stays on screen */
  close(): void;
}

export function plainProgress(write: (s: string) => void): Progress {
  return {
    event(kind, name, status) {
      write(` ${kind} ${name} ${status} \n`);
    },
    close() {},
  };
}

export function ttyProgress(write: (s: string) => void, verb = 'Running'): Progress {
  const rows = new Map<string, { kind: string; status: string; done: boolean; started: number }>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const list = [...rows.entries()];
    const done = list.filter(([, r]) => r.done).length;
    let out = drawn ? `\x1b[${drawn}A` : '';
    out += `\x1b[2K[+] ${verb} ${done}/${list.length}\n`;
    const w = Math.max(0, ...list.map(([n, r]) => r.kind.length + n.length + 1));
    for (const [n, r] of list) {
      const secs = ((Date.now() - r.started) / 1000).toFixed(1);
      out += `\x1b[2K ${r.done ? '\u2714' : '\u280b'} ${`${r.kind} ${n}`.padEnd(w)}  ${r.status.padEnd(10)} ${secs}s\n`;
    }
    drawn = list.length + 1;
    write(out);
  };
  return {
    event(kind, name, status, done) {
      const key = name;
      const prev = rows.get(key);
      rows.set(key, { kind, status, done: !!done, started: prev?.started ?? Date.now() });
      timer ??= setInterval(draw, 100);
      draw();
    },
    close() {
      if (timer) clearInterval(timer);
      if (rows.size) draw();
    },
  };
}
