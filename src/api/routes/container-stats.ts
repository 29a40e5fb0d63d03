// /containers/{id}/top and /containers/{id}/stats.
import type { Backend } from '../../engine';
import { ClientStream } from '../client-stream';
import { sendJson } from '../http';
import { boolParam, type HttpContext } from '../router';

export async function topHandler(engine: Backend, { res, params, query }: HttpContext): Promise<void> {
  sendJson(res, 200, await engine.containers.top(params.id, query.get('ps_args') || '-ef'));
}

export async function statsHandler(engine: Backend, { res, params, query }: HttpContext): Promise<void> {
  const stream = query.get('stream') === null ? true : boolParam(query, 'stream');
  const oneShot = boolParam(query, 'one-shot');
  const client = new ClientStream(res);
  // looked up before the answer starts: an unknown container is a 404
  const samples = engine.containers.stats(params.id, { stream, oneShot }, client.signal);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  if (!stream) {
    for await (const s of samples) client.end(JSON.stringify(s) + '\n');
    return;
  }
  res.flushHeaders();
  for await (const s of samples) {
    if (client.gone) break;
    await client.write(JSON.stringify(s) + '\n');
  }
  client.end();
}
