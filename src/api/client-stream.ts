// The client end of a streaming response (save, export, archive, logs, events,
// stats, progress, build output, attach). Every streaming route writes through
// one of these, so a client that goes away at any byte is handled in one place:
// writes stop, the producer is told (signal) and its source is destroyed and
// awaited, so no stream, fd or lock outlives the request.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** What pipeFrom accepts: Node Readables and streamx ones (tar-stream) alike. */
export interface Source {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(ev: 'data' | 'end' | 'close' | 'error', cb: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(err?: Error): unknown;
  readonly destroyed?: boolean;
}

type Out = ServerResponse | Duplex;

export class ClientStream {
  private readonly ac = new AbortController();
  private waiters = new Set<() => void>();

  constructor(private readonly out: Out) {
    // a response emits 'close' after it finished too: only a close before that is a client gone
    const onClose = () => {
      if (!finished(out)) this.ac.abort(new Error('client disconnected'));
      this.wake();
    };
    if (out.destroyed) queueMicrotask(onClose);
    else out.once('close', onClose);
    out.on('drain', () => this.wake());
    // a write error means the client is gone; the 'close' that follows says so
    out.on('error', () => {});
  }

  /** Aborted when the client goes away before the response ended. */
  get signal(): AbortSignal {
    return this.ac.signal;
  }

  get gone(): boolean {
    return this.ac.signal.aborted || this.out.destroyed;
  }

  /** Queues a chunk without waiting (small messages); dropped once the client is gone. */
  send(chunk: Buffer | string): boolean {
    if (this.gone || this.out.writableEnded) return false;
    return this.out.write(chunk);
  }

  /** Writes a chunk and waits until the client took it (or went away). */
  async write(chunk: Buffer | string): Promise<void> {
    if (!this.send(chunk)) await this.drained();
  }

  /** Resolves when the client has room again (or is gone). */
  async drained(): Promise<void> {
    while (!this.gone && !this.out.writableEnded && this.out.writableNeedDrain) await new Promise<void>((r) => this.waiters.add(r));
  }

  end(chunk?: Buffer | string): void {
    if (this.gone || this.out.writableEnded) return;
    if (chunk !== undefined) this.out.end(chunk);
    else this.out.end();
  }

  /** Cuts the connection (a failure after the status went out). */
  abort(): void {
    this.out.destroy();
  }

  /**
   * Streams src to the client, then ends the response. The source is destroyed
   * when the client goes, and the promise settles only once the source closed,
   * so whatever it holds (files, child processes, the container's lock) is
   * released before the caller moves on. A source failure cuts the connection
   * (the status is already sent) and rejects; a client gone resolves.
   */
  pipeFrom(src: Source, opts: { end?: boolean } = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let failed: Error | undefined;
      let ended = false;
      const onGone = () => void src.destroy();
      if (this.gone) onGone();
      else this.ac.signal.addEventListener('abort', onGone, { once: true });
      src.on('data', (c: Buffer) => {
        if (this.gone) return;
        if (!this.out.write(c)) {
          src.pause();
          void this.drained().then(() => src.resume());
        }
      });
      src.on('error', (e: Error) => (failed ??= e));
      src.on('end', () => {
        ended = true;
        // some sources end without closing (autoDestroy off): close them so 'close' comes
        if (!src.destroyed) src.destroy();
      });
      src.on('close', () => {
        this.ac.signal.removeEventListener('abort', onGone);
        if (failed && !this.gone) {
          this.abort();
          reject(failed);
          return;
        }
        if (ended && opts.end !== false) this.end();
        resolve();
      });
    });
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }
}

function finished(out: Out): boolean {
  return out.writableFinished;
}
