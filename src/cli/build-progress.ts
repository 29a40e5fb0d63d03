// Rendering a classic build's JSON stream. Plain mode prints the text as the
// docker CLI does. On a terminal, a live view: one line per finished step
// (CACHED, or its time), and at the bottom the running step with a clock and
// the last lines of its command's output, redrawn in place; a failing step's
// whole output is kept on screen.
import type { JsonMessage } from './progress';

export interface BuildRenderer {
  message(m: JsonMessage): void;
  /** The build is over (err: its error message). */
  end(err?: string): void;
}

/** What docker prints: the stream text as it comes; pull status lines without their bars. */
export function plainRenderer(write: (s: string) => void): BuildRenderer {
  return {
    message(m) {
      if (m.stream !== undefined) write(m.stream);
      else if (m.status && !m.progressDetail?.current) write(`${m.id ? m.id + ': ' : ''}${m.status}\n`);
    },
    end() {},
  };
}

interface Step {
  label: string;
  start: number;
  end?: number;
  cached: boolean;
  output: string[];
  status?: string;
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/s;
const RESULT = /^ ---> ([0-9a-f]{12})?$/;
const TAIL = 6;

const secs = (ms: number) => (ms / 1000).toFixed(1) + 's';

export class TtyRenderer implements BuildRenderer {
  private readonly t0 = Date.now();
  private cur: Step | undefined;
  private partial = '';
  private drawn = 0;
  private lastPaint = 0;
  private done = 0;
  private total = 0;
  private final: string[] = [];
  private timer: NodeJS.Timeout;

  constructor(
    private readonly write: (s: string) => void,
    private readonly width: () => number = () => process.stdout.columns || 100,
  ) {
    this.timer = setInterval(() => this.paint(), 100);
    this.timer.unref();
  }

  message(m: JsonMessage): void {
    if (m.stream !== undefined) {
      this.partial += m.stream;
      let nl: number;
      while ((nl = this.partial.indexOf('\n')) >= 0) {
        this.line(this.partial.slice(0, nl));
        this.partial = this.partial.slice(nl + 1);
      }
    } else if (m.status && this.cur) {
      this.cur.status = `${m.id ? m.id + ': ' : ''}${m.status}${m.progress ? ' ' + m.progress : ''}`;
    }
    // the clock repaints every 100 ms anyway: redraw at once only when it has been a while
    if (Date.now() - this.lastPaint >= 50) this.paint();
  }

  private finishStep(): void {
    const s = this.cur;
    if (!s) return;
    s.end ??= Date.now();
    this.cur = undefined;
    this.done++;
    const left = `=> ${s.cached ? 'CACHED ' : ''}${s.label}`;
    this.permanent(s.cached ? left : this.pad(left, secs(s.end - s.start)));
  }

  private line(raw: string): void {
    const text = raw.replace(/\x1b\[[0-9;]*m/g, '');
    const step = STEP.exec(text);
    if (step) {
      this.finishStep();
      this.total = Number(step[2]);
      this.cur = { label: `[${step[1]}/${step[2]}] ${step[3]}`, start: Date.now(), cached: false, output: [] };
      return;
    }
    const s = this.cur;
    if (text === ' ---> Using cache') {
      if (s) s.cached = true;
      return;
    }
    if (text.startsWith(' ---> Running in ') || text.startsWith('Removing intermediate container ')) return;
    if (RESULT.test(text)) {
      if (s) s.end = Date.now();
      return;
    }
    if (text.startsWith('Successfully built ')) {
      this.finishStep();
      this.final.push(`=> writing image ${text.slice('Successfully built '.length)}`);
      return;
    }
    if (text.startsWith('Successfully tagged ')) {
      this.final.push(`=> naming to ${text.slice('Successfully tagged '.length)}`);
      return;
    }
    if (!s || /^\[warning\]/i.test(text) || text.startsWith('# Executing ')) {
      this.permanent(text);
      return;
    }
    s.output.push(text);
  }

  private pad(left: string, right: string): string {
    const w = Math.max(40, this.width() - 1);
    const l = left.length + right.length + 1 > w ? left.slice(0, Math.max(0, w - right.length - 2)) + '…' : left;
    return l + ' '.repeat(Math.max(1, w - l.length - right.length)) + right;
  }

  private fit(s: string): string {
    const w = Math.max(20, this.width() - 1);
    return s.length > w ? s.slice(0, w - 1) + '…' : s;
  }

  /** Prints a line above the live region. */
  private permanent(s: string): void {
    this.clear();
    this.write(this.fit(s) + '\n');
  }

  private clear(): void {
    if (this.drawn > 0) this.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private region(): string[] {
    const out: string[] = [];
    const now = Date.now();
    const s = this.cur;
    if (s) {
      out.push(this.pad(`=> ${s.label}`, secs((s.end ?? now) - s.start)));
      for (const l of s.output.slice(-TAIL)) out.push(this.fit(`   │ ${l}`));
      if (s.status) out.push(this.fit(`   │ ${s.status}`));
    }
    out.push(`[+] Building ${secs(now - this.t0)} (${this.done}/${this.total || '?'})`);
    return out;
  }

  private paint(): void {
    this.lastPaint = Date.now();
    this.clear();
    const r = this.region();
    this.write(r.join('\n') + '\n');
    this.drawn = r.length;
  }

  end(err?: string): void {
    clearInterval(this.timer);
    // a last unterminated line (a colour reset alone is not one)
    if (this.partial.replace(/\x1b\[[0-9;]*m/g, '')) this.line(this.partial);
    this.partial = '';
    this.clear();
    const s = this.cur;
    if (err && s) {
      // the failing step: its whole output stays visible
      this.write(this.fit(`=> ERROR ${s.label}`) + '\n');
      for (const l of s.output) this.write(`   │ ${l}\n`);
    } else this.finishStep();
    for (const f of this.final) this.write(this.fit(f) + '\n');
    this.write(`[+] Building ${secs(Date.now() - this.t0)} (${this.done}/${this.total || this.done}) ${err ? 'FAILED' : 'FINISHED'}\n`);
  }
}
