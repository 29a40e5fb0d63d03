// A client attaching to a container's stdio: the logged output so far, then
// the live streams from conmon's attach socket — now if the container runs,
// else at its next start, connected before `runc start` so no byte is lost.
// The API frames and bridges the bytes; this side finds them.
import type { Container } from '../../container';
import { connectAttach, type AttachConnection } from '../../monitor';
import { badRequest } from '../../util/errors';
import type { EngineContext } from '../context';
import { readLogs, type LogRecord } from '../logs';
import type { Lifecycle } from './lifecycle';

export interface AttachStream {
  readonly id: string;
  readonly tty: boolean;
  readonly openStdin: boolean;
  readonly stdinOnce: boolean;
  /** refuses a live stream from a paused container (Docker's 400) */
  checkStream(stream: boolean): void;
  /** the `attach` event, once the client has its answer */
  announce(): void;
  /** the output logged so far (nothing without a log); stops when `gone` says so */
  replay(o: { stdout: boolean; stderr: boolean }, onRecord: (r: LogRecord) => void, gone: () => boolean): Promise<void>;
  /**
   * The live streams: `onConnection` now if the container runs, else at its next
   * start; `onEnd` if that cannot be (the socket's error, or removed without a
   * start). Resolves with a cancel for a client that goes first.
   */
  connect(onConnection: (conn: AttachConnection) => void, onEnd: (err?: unknown) => void): Promise<() => void>;
}

export function attachStream(ctx: EngineContext, lc: Lifecycle, c: Container): AttachStream {
  return {
    id: c.ID,
    tty: c.Config.Tty,
    openStdin: c.Config.OpenStdin,
    stdinOnce: c.Config.StdinOnce,
    checkStream(stream) {
      if (c.State.Paused && stream) throw badRequest(`You cannot attach to a paused container, unpause it first`);
    },
    announce: () => void ctx.events.emit('container', 'attach', c.ID, lc.attrs(c)),
    async replay(r, onRecord, gone) {
      if (!c.LogPath) return;
      const signal = {
        get aborted() {
          return gone();
        },
        onAbort: () => {},
      };
      await readLogs(c, { follow: false, stdout: r.stdout, stderr: r.stderr }, onRecord, signal, () => false);
    },
    async connect(onConnection, onEnd) {
      if (c.State.Running) {
        try {
          onConnection(await connectAttach(lc.paths.attachSocket(c)));
        } catch (e) {
          onEnd(e);
        }
        return () => {};
      }
      let connected = false;
      const unregister = lc.attachOnStart(c.ID, (conn) => {
        connected = true;
        onConnection(conn);
      });
      // the container may be removed without ever starting; once it started, the
      // monitor's stream ends the session (a removal right after the exit must not
      // cut output still on its way)
      let resolveWait: (n: number) => void = () => {};
      void new Promise<number>((resolve) => {
        resolveWait = resolve;
        lc.waiters.wait(c, 'removed').then(resolve);
      }).then(() => {
        unregister();
        if (!connected) onEnd();
      });
      return () => {
        unregister();
        lc.waiters.cancel(c, resolveWait);
      };
    },
  };
}
