// /exec/{id}/start|resize|json
import { ExecStartError, type AttachConnection, type Backend } from '../../engine';
import { badRequest } from '../../util/errors';
import { decodeJsonBytes } from '../decode/body';
import { decodeExecStart } from '../decode/exec';
import { readBody, sendJson, sendNoContent } from '../http';
import { intParam, type HijackContext, type Router } from '../router';
import { hijackResponse } from '../server';
import { bridge, DEFAULT_DETACH_KEYS, frame, parseDetachKeys, STDOUT } from '../streams';
import { streamContentType } from './attach';

/** The exec-start JSON body arrives after the headers: in `head`, then on the socket. */
function readHijackBody(ctx: HijackContext): Promise<{ body: Buffer; rest: Buffer }> {
  const len = Number(ctx.req.headers['content-length'] ?? 0);
  if (!ctx.upgrade) return readBody(ctx.req).then((body) => ({ body, rest: Buffer.alloc(0) }));
  if (len > 1 << 20) return Promise.reject(badRequest('request body is too large'));
  return new Promise((resolve) => {
    let buf = ctx.head;
    const check = () => {
      if (buf.length >= len) {
        ctx.socket.off('data', onData);
        ctx.socket.pause();
        resolve({ body: buf.subarray(0, len), rest: buf.subarray(len) });
        return true;
      }
      return false;
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      check();
    };
    if (!check()) ctx.socket.on('data', onData);
  });
}

export function execRoutes(r: Router, engine: Backend): void {
  r.hijack('POST', '/exec/{id}/start', async (ctx) => {
    // as dockerd: the body is decoded before the exec is looked up
    const { body, rest } = await readHijackBody(ctx);
    const opts = decodeJsonBytes(body, decodeExecStart);
    const e = engine.exec.get(ctx.params.id);
    // as Docker: the process gets a terminal if exec create asked for one; the start
    // body's Tty only says whether the stream is raw (true) or multiplexed (absent/false)
    const tty = opts.Tty === true;
    const consoleSize = opts.ConsoleSize;
    if (opts.Detach) {
      await engine.exec.start(e.ID, { attach: false, consoleSize });
      if (ctx.upgrade) {
        ctx.socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n`);
      } else {
        sendNoContent(ctx.res!, 200);
      }
      return;
    }
    const keys = parseDetachKeys(e.Config.DetachKeys || DEFAULT_DETACH_KEYS);
    let conn: AttachConnection | undefined;
    let started;
    try {
      started = await engine.exec.start(e.ID, {
        attach: true,
        consoleSize,
        onAttach: (cn) => {
          conn = cn;
          hijackResponse(ctx, streamContentType(tty, ctx.version));
        },
      });
    } catch (err) {
      if (!(err instanceof ExecStartError)) throw err;
      // as Docker: the client gets the runtime's message on the stream, the exit code from exec inspect
      if (!conn) hijackResponse(ctx, streamContentType(tty, ctx.version));
      ctx.socket.end(tty ? `${err.message}\r\n` : frame(STDOUT, Buffer.from(`${err.message}\r\n`)));
      return;
    }
    const { exited } = started;
    if (!conn) throw new Error('exec attach did not happen');
    if (rest.length && e.Config.AttachStdin) conn.write(rest);
    ctx.socket.resume();
    const why = await bridge(conn, ctx.socket, {
      tty,
      stdin: !!e.Config.AttachStdin,
      stdout: e.Config.AttachStdout !== false,
      stderr: e.Config.AttachStderr !== false,
      detachKeys: keys,
      closeStdinOnEof: true,
      endOnClose: false,
    });
    if (why === 'closed') {
      // the client reads ExitCode right after the stream closes: record it first
      await exited.catch(() => -1);
      if (!ctx.socket.destroyed) ctx.socket.end();
    }
  });

  r.post('/exec/{id}/resize', ({ res, params, query }) => {
    engine.exec.resize(params.id, intParam(query, 'h') ?? 0, intParam(query, 'w') ?? 0);
    sendNoContent(res, 200);
  });

  r.get('/exec/{id}/json', ({ res, params }) => {
    sendJson(res, 200, engine.exec.inspect(params.id));
  });
}
