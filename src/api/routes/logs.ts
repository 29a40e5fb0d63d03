// GET /containers/{id}/logs
import type { Engine } from '../../engine/engine';
import { readLogs } from '../../engine/logs';
import { badRequest, EngineError } from '../../util/errors';
import { parseTimeArg, parseTimeArgNs } from '../../util/time';
import type { HttpContext } from '../router';
import { boolParam } from '../router';
import { ClientStream } from '../client-stream';
import { frameHeader, STDERR, STDOUT } from '../streams';
import { streamContentType } from './attach';

export async function logsHandler(engine: Engine, { res, params, query, version }: HttpContext): Promise<void> {
  const c = engine.containers.get(params.id);
  const stdout = boolParam(query, 'stdout');
  const stderr = boolParam(query, 'stderr');
  if (!stdout && !stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  if (c.HostConfig.LogConfig.Type === 'none' || !c.LogPath)
    throw new EngineError(501, `configured logging driver does not support reading`);
  const tailRaw = query.get('tail') ?? 'all';
  let tail: number | undefined;
  if (tailRaw !== 'all' && tailRaw !== '') {
    tail = Number(tailRaw);
    if (!Number.isInteger(tail)) throw badRequest(`invalid value for "tail": "${tailRaw}"`);
    if (tail < 0) tail = undefined;
  }
  const since = query.get('since');
  const until = query.get('until');
  const sinceMs = since && since !== '0' ? parseTimeArg(since) : undefined;
  const untilMs = until && until !== '0' ? parseTimeArg(until) : undefined;
  if (Number.isNaN(sinceMs) || Number.isNaN(untilMs)) throw badRequest('invalid value for since/until');
  const sinceNs = sinceMs === undefined ? undefined : parseTimeArgNs(since!);
  const untilNs = untilMs === undefined ? undefined : parseTimeArgNs(until!);
  const timestamps = boolParam(query, 'timestamps');
  const follow = boolParam(query, 'follow');
  const tty = c.Config.Tty;
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
  await readLogs(
    c,
    { follow, tail, sinceNs, untilNs, stdout, stderr },
    (r) => {
      const stamp = timestamps ? Buffer.from(r.time + ' ') : undefined;
      const len = r.data.length + (stamp?.length ?? 0);
      if (!tty) add(frameHeader(r.stream === 'stderr' ? STDERR : STDOUT, len));
      if (stamp) add(stamp);
      add(r.data);
    },
    signal,
    () => !!engine.ctx.containers.find(c.ID)?.State.Running,
    flush,
  );
  client.end();
}
