// POST /build (the classic builder: context tar in the body, JSON-lines
// output) and POST /build/prune.
import type { IncomingMessage } from 'node:http';
import type { AuthConfig } from '../../common/credentials';
import { StepError, type Backend, type BuildRequest } from '../../engine';
import {
  buildArgsParam,
  buildContextsParam,
  buildSecretsHeader,
  buildSshHeader,
  cacheFromParam,
  cacheToParam,
  labelsParam,
  ulimitsParam,
} from '../decode/build';
import { badRequest } from '../../util/errors';
import { sendJson } from '../http';
import { ClientStream } from '../client-stream';
import { boolParam, filtersParam, intParam, type Router } from '../router';
import { progressStream } from './progress-stream';

/** X-Registry-Config: base64url JSON of registry -> AuthConfig. */
function registryConfig(h: string | string[] | undefined): Record<string, AuthConfig> {
  const s = Array.isArray(h) ? h[0] : h;
  if (!s) return {};
  try {
    const j = JSON.parse(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    return j && typeof j === 'object' ? (j as Record<string, AuthConfig>) : {};
  } catch {
    return {};
  }
}

export function parseBuildRequest(query: URLSearchParams, req: IncomingMessage): BuildRequest {
  if (query.get('version') === '2') throw badRequest('BuildKit is not supported by this daemon: use the classic builder (DOCKER_BUILDKIT=0)');
  if (query.get('remote')) throw badRequest('remote build contexts are not supported: send the context as a tar in the request body');
  if (boolParam(query, 'squash')) throw badRequest('squash is only supported with experimental mode');
  const num = (n: string) => intParam(query, n);
  const hostConfig: BuildRequest['hostConfig'] = {};
  const set = <K extends keyof BuildRequest['hostConfig']>(k: K, v: BuildRequest['hostConfig'][K] | undefined) => {
    if (v !== undefined && v !== '' && v !== 0) hostConfig[k] = v;
  };
  set('Memory', num('memory'));
  set('MemorySwap', num('memswap'));
  set('CpuShares', num('cpushares'));
  set('CpuPeriod', num('cpuperiod'));
  set('CpuQuota', num('cpuquota'));
  set('ShmSize', num('shmsize'));
  set('CpusetCpus', query.get('cpusetcpus') ?? undefined);
  set('CpusetMems', query.get('cpusetmems') ?? undefined);
  set('CgroupParent', query.get('cgroupparent') ?? undefined);
  // dockerd on Linux knows one isolation, "default" (securityopt is Windows' credential spec: ignored there too)
  const isolation = query.get('isolation');
  if (isolation && isolation !== 'default') throw badRequest(`Unsupported isolation: "${isolation}"`);
  const hosts = query
    .getAll('extrahosts')
    .flatMap((h) => h.split(','))
    .filter(Boolean);
  if (hosts.length) hostConfig.ExtraHosts = hosts;
  const ulimits = ulimitsParam(query);
  if (ulimits?.length) hostConfig.Ulimits = ulimits;
  return {
    tags: query.getAll('t').filter(Boolean),
    dockerfile: query.get('dockerfile') || 'Dockerfile',
    buildArgs: buildArgsParam(query) ?? {},
    labels: labelsParam(query) ?? {},
    target: query.get('target') || undefined,
    platform: query.get('platform') || undefined,
    noCache: boolParam(query, 'nocache'),
    pull: boolParam(query, 'pull'),
    rm: boolParam(query, 'rm', true),
    forceRm: boolParam(query, 'forcerm'),
    quiet: boolParam(query, 'q'),
    networkMode: query.get('networkmode') || 'default',
    cacheFrom: cacheFromParam(query) ?? [],
    cacheTo: cacheToParam(query) ?? [],
    hostConfig,
    registryAuth: registryConfig(req.headers['x-registry-config']),
    secrets: buildSecretsHeader(req.headers['x-build-secrets']),
    ssh: buildSshHeader(req.headers['x-build-ssh']),
    push: boolParam(query, 'push'),
    allow: query
      .getAll('allow')
      .flatMap((a) => a.split(','))
      .filter(Boolean),
    buildContexts: buildContextsParam(query),
  };
}

export function buildRoutes(r: Router, engine: Backend): void {
  r.post('/build', async ({ req, res, query }) => {
    let br: BuildRequest;
    try {
      br = parseBuildRequest(query, req);
    } catch (e) {
      req.resume();
      throw e;
    }
    const ps = progressStream(res);
    try {
      await engine.build.build(br, req, () => ps.emit, ps.signal);
    } catch (e) {
      if (!ps.started()) {
        req.resume();
        throw e;
      }
      const message = (e as Error)?.message ?? String(e);
      ps.emit({ errorDetail: { message, ...(e instanceof StepError ? { code: e.code } : {}) }, error: message });
    }
    ps.finish();
  });

  // berth's: an image's filesystem as a tar, for `berth build --output type=local|tar`
  // (the CLI fetches the built image's; nothing else runs in the daemon)
  r.get('/images/{name*}/export', async ({ res, params }) => {
    await engine.build.exportFilesystem(params.name, (stream) => {
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      return new ClientStream(res).pipeFrom(stream);
    });
  });

  r.post('/build/prune', ({ res, query }) => {
    sendJson(res, 200, engine.build.prune({ all: boolParam(query, 'all'), filters: filtersParam(query) }));
  });
}
