// The classic builder's output: JSON messages whose `stream` text the docker
// CLI prints as it comes (`Step 1/3 : FROM busybox`, ` ---> 3f57d9401f8d`,
// the RUN command's output, stderr in red). With q=1 the text is held back:
// only the image ID is sent on success, everything on failure.
//
// Stages that do not depend on each other run at the same time; their logs
// still read as the classic builder's, in Dockerfile order: the earliest
// unfinished stage streams live, the later ones are held until it ends
// (OrderedLogs).
import type { Emit, JsonMessage } from '../images';

/** An error with the exit code of the RUN that failed (errorDetail.code). */
export class StepError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** What a step writes to the build's log. */
export abstract class StepLog {
  /** `progress`: pull progress of a base image (dropped when quiet). */
  protected abstract write(m: JsonMessage, progress?: boolean): void;

  text(s: string): void {
    this.write({ stream: s });
  }

  line(s: string): void {
    this.write({ stream: s + '\n' });
  }

  /** `Step n/m : text`, sent as the classic builder does (the newline apart). */
  step(n: number, total: number, text: string): void {
    this.write({ stream: `Step ${n}/${total} : ${text}` });
    this.write({ stream: '\n' });
  }

  /** Output of a RUN: stdout as it is, stderr in red as the classic builder marks it. */
  output(stream: 'stdout' | 'stderr', data: Buffer): void {
    const s = data.toString('utf8');
    this.write({ stream: stream === 'stderr' ? `\x1b[91m${s}\x1b[0m` : s });
  }

  progress(m: JsonMessage): void {
    this.write(m, true);
  }
}

export class BuildOutput extends StepLog {
  private held: JsonMessage[] = [];

  constructor(
    private readonly emit: Emit,
    readonly quiet: boolean,
  ) {
    super();
  }

  write(m: JsonMessage, progress = false): void {
    if (!this.quiet) this.emit(m);
    else if (!progress) this.held.push(m);
  }

  /** The end of a successful build. */
  done(id: string, tags: string[]): void {
    if (this.quiet) {
      this.held = [];
      this.emit({ stream: id + '\n' });
      return;
    }
    this.emit({ aux: { ID: id } });
    this.emit({ stream: `Successfully built ${short(id)}\n` });
    for (const t of tags) this.emit({ stream: `Successfully tagged ${t}\n` });
  }

  /** Something berth's own clients read (aux), never shown by the docker CLI. */
  aux(v: object): void {
    this.emit({ aux: v });
  }

  /** A failed build: what was held back (quiet), then the caller sends the error. */
  flush(): void {
    for (const m of this.held) this.emit(m);
    this.held = [];
  }
}

type Held = { m: JsonMessage; progress: boolean };

/** Bytes of a waiting stage's output kept in memory; past it, its output waits as a count (BuildKit clips step logs too). */
export const HELD_LIMIT = 4 << 20;

class StageLog extends StepLog {
  constructor(
    private readonly logs: OrderedLogs,
    private readonly stage: number,
  ) {
    super();
  }

  protected write(m: JsonMessage, progress = false): void {
    this.logs.write(this.stage, m, progress);
  }
}

/** The logs of stages running in parallel, passed on in Dockerfile order. */
export class OrderedLogs {
  private readonly held = new Map<number, Held[]>();
  private readonly heldBytes = new Map<number, number>();
  private readonly clipped = new Map<number, number>();
  private readonly ended = new Set<number>();
  private head = 0;

  constructor(
    private readonly out: BuildOutput,
    /** Stage indexes in the order their logs are shown. */
    private readonly order: readonly number[],
  ) {}

  log(stage: number): StepLog {
    return new StageLog(this, stage);
  }

  write(stage: number, m: JsonMessage, progress: boolean): void {
    if (this.order[this.head] === stage) this.out.write(m, progress);
    else {
      let h = this.held.get(stage);
      if (!h) this.held.set(stage, (h = []));
      const n = m.stream?.length ?? 0;
      const used = this.heldBytes.get(stage) ?? 0;
      if (n > 1 && used + n > HELD_LIMIT && m.stream?.startsWith('Step ') !== true) {
        this.clipped.set(stage, (this.clipped.get(stage) ?? 0) + n);
        return;
      }
      this.heldBytes.set(stage, used + n);
      h.push({ m, progress });
    }
  }

  /** A stage is over: the next one's held lines follow, and it streams live. */
  end(stage: number): void {
    this.ended.add(stage);
    while (this.head < this.order.length && this.ended.has(this.order[this.head])) {
      this.head++;
      this.release(this.order[this.head]);
    }
  }

  /** The build failed: everything held, in order, so the failing step's output is seen. */
  flushAll(): void {
    for (const s of this.order) this.release(s);
  }

  private release(stage: number | undefined): void {
    if (stage === undefined) return;
    const h = this.held.get(stage);
    if (!h) return;
    this.held.delete(stage);
    this.heldBytes.delete(stage);
    for (const x of h) this.out.write(x.m, x.progress);
    const clipped = this.clipped.get(stage);
    this.clipped.delete(stage);
    if (clipped) this.out.write({ stream: `[output clipped: ${clipped} more bytes written while an earlier stage ran]\n` });
  }
}
