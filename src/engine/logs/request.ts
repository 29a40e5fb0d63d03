// What `GET /containers/{id}/logs` asks, checked in dockerd's order with its
// messages, as the options the reader takes.
import type { Container } from '../../container';
import { badRequest, EngineError } from '../../util/errors';
import { parseTimeArg, parseTimeArgNs } from '../../util/time';
import type { LogReadOptions } from './read';

export interface LogsQuery {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  /** "all", "" or a count (negative: all) */
  tail?: string;
  /** Docker's time arguments: RFC 3339, Unix seconds[.nanos], or a duration before now */
  since?: string;
  until?: string;
}

export function logReadOptions(c: Container, q: LogsQuery): LogReadOptions {
  const { stdout, stderr } = q;
  if (!stdout && !stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  if (c.HostConfig.LogConfig.Type === 'none' || !c.LogPath) throw new EngineError(501, `configured logging driver does not support reading`);
  const tailRaw = q.tail ?? 'all';
  let tail: number | undefined;
  if (tailRaw !== 'all' && tailRaw !== '') {
    // as dockerd (strconv.Atoi, then -1 on error): a tail that is not a number means all lines
    tail = /^[+-]?\d+$/.test(tailRaw.trim()) ? Number(tailRaw) : -1;
    if (tail < 0) tail = undefined;
  }
  const { since, until } = q;
  const sinceMs = since && since !== '0' ? parseTimeArg(since) : undefined;
  const untilMs = until && until !== '0' ? parseTimeArg(until) : undefined;
  if (Number.isNaN(sinceMs) || Number.isNaN(untilMs)) throw badRequest('invalid value for since/until');
  const sinceNs = sinceMs === undefined ? undefined : parseTimeArgNs(since!);
  const untilNs = untilMs === undefined ? undefined : parseTimeArgNs(until!);
  return { follow: q.follow, tail, sinceNs, untilNs, stdout, stderr };
}
