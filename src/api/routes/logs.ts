// GET /containers/{id}/logs
import type { Engine } from '../../engine/engine';
import { readLogs } from '../../engine/logs';
import { badRequest, EngineError } from '../../util/errors';
import { parseTimeArg } from '../../util/time';
import type { HttpContext } from '../router';
import { boolParam } from '../router';
import { frame, STDERR, STDOUT } from '../streams';
import { streamContentType } from './attach';

export async function logsHandler(engine: Engine, { req, res, params, query, version }: HttpContext): Promise<void> {
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
  const timestamps = boolParam(query, 'timestamps');
  const follow = boolParam(query, 'follow');
  const tty = c.Config.Tty;
  res.writeHead(200, { 'Content-Type': streamContentType(tty, version) });
  res.flushHeaders();
  let aborted = false;
  const abortCbs: Array<() => void> = [];
  const abort = () => {
    aborted = true;
    for (const cb of abortCbs) cb();
  };
  req.on('close', abort);
  res.on('close', abort);
  const signal = {
    get aborted() {
      return aborted;
    },
    onAbort: (cb: () => void) => abortCbs.push(cb),
  };
  await readLogs(
    c,
    { follow, tail, sinceMs, untilMs, stdout, stderr },
    (r) => {
      const data = timestamps ? Buffer.concat([Buffer.from(r.time + ' '), r.data]) : r.data;
      return res.write(tty ? data : frame(r.stream === 'stderr' ? STDERR : STDOUT, data));
    },
    signal,
    () => !!engine.ctx.containers.find(c.ID)?.State.Running,
  );
  res.end();
}
