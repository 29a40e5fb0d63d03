// /containers/* — thin handlers over the container service.
import { parseSignal } from '../../common/units';
import type { Backend, WaitCondition } from '../../engine';
import { badRequest, wrapError } from '../../util/errors';
import { decodeJsonBody } from '../decode/body';
import { decodeCreateContainer, decodeUpdate, normalizeMountsForVersion } from '../decode/container';
import { decodeExecCreate } from '../decode/exec';
import { sendJson, sendNoContent } from '../http';
import { boolParam, filtersParam, intParam, type Router } from '../router';
import { parseDetachKeys } from '../streams';
import { attachHandler, wsAttachHandler } from './attach';
import { logsHandler } from './logs';
import { fsRoutes } from './container-fs';
import { statsHandler, topHandler } from './container-stats';

export function containerRoutes(r: Router, engine: Backend): void {
  const svc = engine.containers;

  r.post('/containers/create', async ({ req, res, query, version }) => {
    const q = { name: query.get('name') ?? undefined, platform: query.get('platform') ?? undefined };
    const create = await decodeJsonBody(req, (v) => decodeCreateContainer(v, q), { empty: 'refuse' });
    normalizeMountsForVersion(create.hostConfig, version);
    sendJson(res, 201, svc.create(create));
  });

  r.get('/containers/json', ({ res, query }) => {
    const list = svc.list({
      all: boolParam(query, 'all'),
      limit: intParam(query, 'limit') ?? (boolParam(query, 'latest') ? 1 : undefined),
      size: boolParam(query, 'size'),
      filters: filtersParam(query),
    });
    sendJson(res, 200, list);
  });

  r.get('/containers/{id}/json', ({ res, params, query }) => {
    sendJson(res, 200, svc.inspect(params.id, boolParam(query, 'size')));
  });

  r.post('/containers/{id}/start', async ({ res, params, query }) => {
    const keys = query.get('detachKeys');
    if (keys) parseDetachKeys(keys);
    await svc.start(params.id);
    sendNoContent(res);
  });

  const stopArgs = (query: URLSearchParams) => {
    const sig = query.get('signal');
    return { timeout: intParam(query, 't'), signal: sig ? parseSignal(sig) : undefined };
  };

  r.post('/containers/{id}/stop', async ({ res, params, query }) => {
    const { timeout, signal } = stopArgs(query);
    await svc.stop(params.id, signal, timeout);
    sendNoContent(res);
  });

  r.post('/containers/{id}/restart', async ({ res, params, query }) => {
    const { timeout, signal } = stopArgs(query);
    await svc.restart(params.id, signal, timeout);
    sendNoContent(res);
  });

  r.post('/containers/{id}/kill', async ({ res, params, query }) => {
    const raw = query.get('signal') || 'SIGKILL';
    // as dockerd's router: a signal that does not parse is the whole answer; what the
    // engine refuses names the container as the client gave it
    const sig = /^\d+$/.test(raw.trim()) ? Number(raw) : parseSignal(raw);
    if (sig === 0) throw badRequest(`Invalid signal: ${raw}`);
    try {
      if (sig > 64) throw badRequest(`The linux daemon does not support signal ${sig}`);
      await svc.kill(svc.get(params.id).ID, sig);
    } catch (e) {
      throw wrapError(e, `Cannot kill container: ${params.id}`);
    }
    sendNoContent(res);
  });

  r.post('/containers/{id}/pause', async ({ res, params }) => {
    await svc.pause(params.id);
    sendNoContent(res);
  });

  r.post('/containers/{id}/unpause', async ({ res, params }) => {
    await svc.unpause(params.id);
    sendNoContent(res);
  });

  r.post('/containers/{id}/wait', async ({ req, res, params, query }) => {
    const cond = (query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw badRequest(`invalid condition: "${cond}"`);
    const w = svc.wait(params.id, cond);
    // headers go out at once so the client knows the wait is registered
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    req.on('close', () => w.cancel());
    res.on('close', () => w.cancel());
    const code = await w.promise;
    // a removed container's start error was already the start call's answer (dockerd sends no Error then)
    const err = cond === 'removed' ? '' : w.container.State.Error;
    res.end(JSON.stringify({ StatusCode: code, Error: err ? { Message: err } : null }) + '\n');
  });

  r.delete('/containers/{id}', async ({ res, params, query }) => {
    await svc.remove(params.id, { force: boolParam(query, 'force'), volumes: boolParam(query, 'v'), link: boolParam(query, 'link') });
    sendNoContent(res);
  });

  // `DELETE /containers/parent/alias?link=1` (docker-py, `docker rm --link`): a link's name has a slash
  r.delete('/containers/{parent}/{alias}', async ({ res, params, query }) => {
    const ref = `${params.parent}/${params.alias}`;
    await svc.remove(ref, { force: boolParam(query, 'force'), volumes: boolParam(query, 'v'), link: boolParam(query, 'link') });
    sendNoContent(res);
  });

  r.post('/containers/{id}/rename', ({ res, params, query }) => {
    svc.rename(params.id, query.get('name') ?? '');
    sendNoContent(res);
  });

  r.post('/containers/{id}/update', async ({ req, res, params }) => {
    sendJson(res, 200, await svc.update(params.id, await decodeJsonBody(req, decodeUpdate)));
  });

  r.post('/containers/{id}/resize', ({ res, params, query }) => {
    svc.resize(params.id, intParam(query, 'h') ?? 0, intParam(query, 'w') ?? 0);
    sendNoContent(res, 200); // Docker answers 200 with an empty body; clients check for it
  });

  r.post('/containers/prune', async ({ res, query }) => {
    sendJson(res, 200, await svc.prune(filtersParam(query)));
  });

  r.post('/containers/{id}/exec', async ({ req, res, params }) => {
    sendJson(res, 201, engine.exec.create(params.id, await decodeJsonBody(req, decodeExecCreate)));
  });

  r.hijack('POST', '/containers/{id}/attach', (ctx) => attachHandler(engine, ctx));
  r.hijack('GET', '/containers/{id}/attach/ws', (ctx) => wsAttachHandler(engine, ctx));
  r.get('/containers/{id}/logs', (ctx) => logsHandler(engine, ctx));
  r.get('/containers/{id}/top', (ctx) => topHandler(engine, ctx));
  r.get('/containers/{id}/stats', (ctx) => statsHandler(engine, ctx));
  fsRoutes(r, engine);
}
