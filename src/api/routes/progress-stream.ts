// JSON-lines progress responses (pull, push, load, import): headers go out with
// the first message, so a failure before that is a real HTTP error; after it,
// errors travel in the stream as Docker sends them. A client that goes away
// aborts the operation.
import type { ServerResponse } from 'node:http';
import type { Emit, JsonMessage } from '../../engine/images';
import { ClientStream } from '../client-stream';

export interface ProgressStream {
  emit: Emit;
  signal: AbortSignal;
  /** ends the response (an error goes in-stream: call it only once output started) */
  finish(err?: unknown): void;
  started(): boolean;
}

export function progressStream(res: ServerResponse): ProgressStream {
  let started = false;
  const client = new ClientStream(res);
  const emit = (m: JsonMessage) => {
    if (!started) {
      started = true;
      res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    client.send(JSON.stringify(m) + '\n');
  };
  return {
    emit,
    signal: client.signal,
    started: () => started,
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
