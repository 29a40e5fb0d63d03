// The classic builder's output: JSON messages whose `stream` text the docker
// CLI prints as it comes (`Step 1/3 : FROM busybox`, ` ---> 3f57d9401f8d`,
// the RUN command's output, stderr in red). With q=1 the text is held back:
// only the image ID is sent on success, everything on failure.
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

export class BuildOutput {
  private held: JsonMessage[] = [];

  constructor(
    private readonly emit: Emit,
    readonly quiet: boolean,
  ) {}

  private send(m: JsonMessage): void {
    if (this.quiet) this.held.push(m);
    else this.emit(m);
  }

  text(s: string): void {
    this.send({ stream: s });
  }

  line(s: string): void {
    this.send({ stream: s + '\n' });
  }

  /** `Step n/m : text`, sent as the classic builder does (the newline apart). */
  step(n: number, total: number, text: string): void {
    this.send({ stream: `Step ${n}/${total} : ${text}` });
    this.send({ stream: '\n' });
  }

  /** Output of a RUN: stdout as it is, stderr in red as the classic builder marks it. */
  output(stream: 'stdout' | 'stderr', data: Buffer): void {
    const s = data.toString('utf8');
    this.send({ stream: stream === 'stderr' ? `\x1b[91m${s}\x1b[0m` : s });
  }

  /** Pull progress of a base image (dropped when quiet). */
  progress(m: JsonMessage): void {
    if (!this.quiet) this.emit(m);
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

  /** A failed build: what was held back (quiet), then the caller sends the error. */
  flush(): void {
    for (const m of this.held) this.emit(m);
    this.held = [];
  }
}
