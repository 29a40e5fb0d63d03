// Docker's detach keys ("ctrl-p,ctrl-q"): parsed once, scanned in a byte
// stream by the daemon (attach) and by the CLI (so a detach is immediate).
import { badRequest } from './errors';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Parses Docker's detach key syntax ("ctrl-p,ctrl-q", "a,ctrl-@"). */
export function parseDetachKeys(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p.length === 1) {
      out.push(p.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(p);
    if (!m) throw badRequest(`Invalid detach keys (${spec}) provided`);
    const ch = m[1];
    out.push(ch >= 'a' && ch <= 'z' ? ch.charCodeAt(0) - 96 : ({ '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 } as Record<string, number>)[ch]);
  }
  return out;
}

/** Scans stdin for the detach sequence; holds back a partial match like Docker's escape proxy. */
export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: number[]) {}

  /** Returns the bytes to forward and whether the sequence completed. */
  feed(buf: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: buf, detach: false };
    const out: number[] = [];
    for (const b of buf) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      if (this.matched > 0) {
        out.push(...this.keys.slice(0, this.matched));
        this.matched = 0;
        if (b === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
