// Push, save (GET /images/get), load, commit, /auth and /system/df.
import type { Engine } from '../../engine/engine';
import { decodeAuthHeader, type AuthConfig } from '../../registry';
import { badRequest } from '../../util/errors';
import { readJson, sendJson } from '../http';
import { boolParam, type Router } from '../router';
import { streamed } from './images';
import { progressStream } from './progress-stream';

/**
 * What `system df` reports beside images and containers: volumes (entries
 * with UsageData {Size, RefCount}) and the build cache, from their services.
 */
export function imageTransferRoutes(r: Router, engine: Engine): void {
  r.post('/images/{name*}/push', async ({ req, res, params, query }) => {
    const creds = decodeAuthHeader(req.headers['x-registry-auth']);
    const ps = progressStream(res);
    req.resume();
    await streamed(ps, () => engine.images.push(params.name, query.get('tag') ?? '', { creds, signal: ps.signal }, () => ps.emit));
  });

  const save = async (res: import('node:http').ServerResponse, names: string[]) => {
    if (names.length === 0) throw badRequest('no images to save');
    const items = engine.images.checkSave(names);
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await engine.images.save(items, res);
  };
  r.get('/images/get', async ({ res, query }) => save(res, query.getAll('names').filter(Boolean)));
  r.get('/images/{name*}/get', async ({ res, params }) => save(res, [params.name]));

  r.post('/images/load', async ({ req, res, query }) => {
    const ps = progressStream(res);
    await streamed(ps, () => engine.images.load(req, ps.emit, boolParam(query, 'quiet', true)));
  });

  r.post('/commit', async ({ req, res, query }) => {
    const container = query.get('container');
    if (!container) throw badRequest('container is required');
    const body = await readJson<Record<string, unknown> | null>(req, null);
    const img = await engine.images.commit(container, {
      repo: query.get('repo') || undefined,
      tag: query.get('tag') || undefined,
      comment: query.get('comment') || undefined,
      author: query.get('author') || undefined,
      pause: boolParam(query, 'pause', true),
      changes: query.getAll('changes'),
      config: body,
    });
    sendJson(res, 201, { Id: img.id });
  });

  r.post('/auth', async ({ req, res }) => {
    const body = await readJson<AuthConfig>(req, {});
    sendJson(res, 200, await engine.images.login(body));
  });

  r.get('/system/df', ({ res }) => {
    const images = engine.images.df();
    const containers = engine.containers.list({ all: true, size: true });
    sendJson(res, 200, { ...images, Containers: containers, Volumes: engine.volumes.diskUsage(), BuildCache: engine.build.diskUsage() });
  });
}
