// POST /containers/{id}/attach: hijacks the connection and bridges it to the
// container's conmon attach socket. Before start, the attach is parked and
// connected by the lifecycle right before `runc start`, so no output is lost.
import * as path from 'node:path';
import type { Engine } from '../../engine/engine';
import { readLogs } from '../../engine/logs';
import { connectAttach, type AttachConnection } from '../../monitor';
import { badRequest } from '../../util/errors';
import type { HijackContext } from '../router';
import { boolParam } from '../router';
import { cmpVersion, hijackResponse } from '../server';
import { bridge, DEFAULT_DETACH_KEYS, frame, parseDetachKeys, STDERR, STDOUT } from '../streams';

export function streamContentType(tty: boolean, version: number): string {
  return !tty && cmpVersion(String(version), '1.42') >= 0 ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream';
}

export async function attachHandler(engine: Engine, ctx: HijackContext): Promise<void> {
  const { query, socket } = ctx;
  const c = engine.containers.get(ctx.params.id);
  const stream = boolParam(query, 'stream');
  const logs = boolParam(query, 'logs');
  const stdin = boolParam(query, 'stdin');
  const stdout = boolParam(query, 'stdout');
  const stderr = boolParam(query, 'stderr');
  const keys = parseDetachKeys(query.get('detachKeys') || DEFAULT_DETACH_KEYS);
  if (c.State.Paused && stream) throw badRequest(`You cannot attach to a paused container, unpause it first`);
  hijackResponse(ctx, streamContentType(c.Config.Tty, ctx.version));
  engine.ctx.events.emit('container', 'attach', c.ID, engine.containers.lifecycle.attrs(c));
  const tty = c.Config.Tty;

  if (logs && c.LogPath) {
    // the replay stops when the client goes
    const ac = {
      get aborted() {
        return socket.destroyed;
      },
      onAbort: () => {},
    };
    await readLogs(c, { follow: false, stdout, stderr }, (r) => {
      socket.write(tty ? r.data : frame(r.stream === 'stderr' ? STDERR : STDOUT, r.data));
    }, ac, () => false);
  }
  if (!stream) {
    socket.end();
    return;
  }
  const opts = {
    tty,
    stdin: stdin && c.Config.OpenStdin,
    stdout,
    stderr,
    detachKeys: keys,
    closeStdinOnEof: c.Config.StdinOnce,
  };
  const run = (conn: AttachConnection) => {
    void bridge(conn, socket, opts).then((why) => {
      if (why === 'closed' && !socket.destroyed) socket.end();
    });
  };
  if (c.State.Running) {
    try {
      run(await connectAttach(path.join(engine.containers.lifecycle.bundle(c), 'attach')));
    } catch {
      socket.end();
    }
    return;
  }
  let connected = false;
  const unregister = engine.containers.lifecycle.attachOnStart(c.ID, (conn) => {
    connected = true;
    run(conn);
  });
  socket.on('close', unregister);
  // the container may be removed without ever starting; once it started, the
  // monitor's stream ends the session (a removal right after the exit must not
  // cut output still on its way)
  const w = engine.containers.wait(c.ID, 'removed');
  w.promise.then(() => {
    unregister();
    if (!connected && !socket.destroyed) socket.end();
  });
  socket.on('close', () => w.cancel());
}
