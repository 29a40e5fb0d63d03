// /_ping, /version, /info, /events.
import * as os from 'node:os';
import { matchEvent, type Backend, type EngineEvent } from '../../engine';
import { badRequest } from '../../util/errors';
import { parseTimeArg } from '../../util/time';
import { ClientStream } from '../client-stream';
import { sendJson } from '../http';
import { filtersParam, type Router } from '../router';
import { API_VERSION, MIN_API_VERSION, SERVER_VERSION } from '../server';

export function systemRoutes(r: Router, engine: Backend): void {
  r.get('/_ping', ({ req, res }) => {
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Builder-Version': '1',
      Swarm: 'inactive',
      'Content-Length': req.method === 'HEAD' ? '0' : '2',
    });
    res.end(req.method === 'HEAD' ? undefined : 'OK');
  });

  r.get('/version', async ({ res }) => {
    const { runtime: rt, conmon: mon, experimental } = await engine.system.components();
    // the same build facts at the top and in the Engine component (as dockerd)
    const build = {
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: 'berth',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: os.release(),
      BuildTime: '',
    };
    sendJson(res, 200, {
      Platform: { Name: 'berth' },
      Components: [
        { Name: 'Engine', Version: SERVER_VERSION, Details: { ...build, Experimental: String(experimental) } },
        { Name: rt.name, Version: rt.version, Details: { GitCommit: rt.commit } },
        { Name: 'conmon', Version: mon.version, Details: { GitCommit: mon.commit } },
      ],
      Version: SERVER_VERSION,
      ...build,
      ...(experimental ? { Experimental: true } : {}),
    });
  });

  r.get('/info', async ({ res }) => {
    sendJson(res, 200, await engine.system.info(SERVER_VERSION));
  });

  r.get('/events', ({ res, query }) => {
    const filters = filtersParam(query);
    const nowMs = Date.now();
    const since = query.get('since');
    const until = query.get('until');
    const sinceMs = since ? parseTimeArg(since, nowMs) : undefined;
    const untilMs = until ? parseTimeArg(until, nowMs) : undefined;
    if (Number.isNaN(sinceMs) || Number.isNaN(untilMs)) throw badRequest('invalid time value for since/until');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const client = new ClientStream(res);
    const send = (e: EngineEvent) => {
      if (matchEvent(e, filters)) client.send(JSON.stringify(e) + '\n');
    };
    if (sinceMs !== undefined) for (const e of engine.events.since(sinceMs * 1e6)) if (untilMs === undefined || e.timeNano < untilMs * 1e6) send(e);
    if (untilMs !== undefined && untilMs <= nowMs) {
      client.end();
      return;
    }
    const unsub = engine.events.subscribe(send, true);
    let timer: NodeJS.Timeout | undefined;
    const end = () => {
      unsub();
      if (timer) clearTimeout(timer);
      client.end();
    };
    if (untilMs !== undefined) timer = setTimeout(end, untilMs - nowMs);
    if (client.gone) end();
    else client.signal.addEventListener('abort', end, { once: true });
  });
}

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}
