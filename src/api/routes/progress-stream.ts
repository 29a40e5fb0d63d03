// JSON-lines progress responses (pull, push, load, import): headers go out with
// the first message, so a failure before that is a real HTTP error; after it,
// errors travel in the stream as Docker sends them. A client that goes away
// aborts the operation.
import type { ServerResponse } from 'node:http';
import type { Emit, JsonMessage } from '../../engine';
import { ClientStream } from '../client-stream';

export interface ProgressStream {
  emit: Emit;
  signal: AbortSignal;
  /** ends the response (an error goes in-stream: call it only once output started) */
  finish(err?: unknown): void;
  started(): boolean;
  /** sends the 200 and headers now: later errors go in the stream */
  begin(): void;
}

export function progressStream(res: ServerResponse): ProgressStream {
  let started = false;
  const client = new ClientStream(res);
  const begin = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
  };
  const emit = (m: JsonMessage) => {
    begin();
    client.send(JSON.stringify(m) + '\n');
  };
  return {
    emit,
    signal: client.signal,
    started: () => started,
    begin,
    finish(err?: unknown) {
      if (err === undefined) {
        if (!started && !client.gone) res.writeHead(200, { 'Content-Type': 'application/json' });
        client.end();
        return;
      }
      const message = (err as Error)?.message ?? String(err);
      emit({ errorDetail: { message }, error: message });
      client.end();
    },
  };
}
