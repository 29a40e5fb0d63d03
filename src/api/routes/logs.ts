// GET /containers/{id}/logs
import type { Backend } from '../../engine';
import type { HttpContext } from '../router';
import { boolParam } from '../router';
import { ClientStream } from '../client-stream';
import { frameHeader, STDERR, STDOUT } from '../streams';
import { streamContentType } from './attach';

export async function logsHandler(engine: Backend, { res, params, query, version }: HttpContext): Promise<void> {
  const logs = engine.containers.logs(params.id, {
    stdout: boolParam(query, 'stdout'),
    stderr: boolParam(query, 'stderr'),
    follow: boolParam(query, 'follow'),
    tail: query.get('tail') ?? undefined,
    since: query.get('since') ?? undefined,
    until: query.get('until') ?? undefined,
  });
  const timestamps = boolParam(query, 'timestamps');
  // as dockerd: with details, each line starts with the log's extra attributes (none are
  // recorded: log-opt labels/env are not kept per line) and a space
  const details = boolParam(query, 'details') ? Buffer.from(' ') : undefined;
  const { tty } = logs;
  res.writeHead(200, { 'Content-Type': streamContentType(tty, version) });
  res.flushHeaders();
  const client = new ClientStream(res);
  const signal = {
    get aborted() {
      return client.gone;
    },
    onAbort: (cb: () => void) => client.signal.addEventListener('abort', cb, { once: true }),
  };
  // records are gathered into one write per chunk read (a socket write per line costs
  // more CPU than the whole parse), and the reader waits when the client is slow
  let pending: Buffer[] = [];
  const add = (b: Buffer) => void pending.push(b);
  const flush = async () => {
    if (pending.length === 0 || client.gone) return;
    const out = Buffer.concat(pending);
    pending = [];
    await client.write(out);
  };
  await logs.read(
    (r) => {
      const stamp = timestamps ? Buffer.from(r.time + ' ') : undefined;
      const len = r.data.length + (stamp?.length ?? 0) + (details?.length ?? 0);
      if (!tty) add(frameHeader(r.stream === 'stderr' ? STDERR : STDOUT, len));
      if (stamp) add(stamp);
      if (details) add(details);
      add(r.data);
    },
    signal,
    flush,
  );
  client.end();
}
