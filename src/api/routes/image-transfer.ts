// Push, save (GET /images/get), load, commit, /auth and /system/df.
import { decodeAuthHeader } from '../../common/credentials';
import type { Backend } from '../../engine';
import { badRequest } from '../../util/errors';
import { ClientStream } from '../client-stream';
import { decodeJsonBody } from '../decode/body';
import { decodeAuthConfig } from '../decode/registry';
import { decodeCommitConfig } from '../decode/container';
import { sendJson } from '../http';
import { boolParam, type Router } from '../router';
import { streamed } from './images';
import { progressStream } from './progress-stream';

/**
 * What `system df` reports beside images and containers: volumes (entries
 * with UsageData {Size, RefCount}) and the build cache, from their services.
 */
export function imageTransferRoutes(r: Router, engine: Backend): void {
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
    const client = new ClientStream(res);
    await engine.images.save(items, (archive) => client.pipeFrom(archive));
  };
  r.get('/images/get', async ({ res, query }) => save(res, query.getAll('names').filter(Boolean)));
  r.get('/images/{name*}/get', async ({ res, params }) => save(res, [params.name]));

  r.post('/images/load', async ({ req, res, query }) => {
    const ps = progressStream(res);
    // Docker answers 200 at once and reports a bad archive inside the JSON stream
    ps.begin();
    await streamed(ps, () => engine.images.load(req, ps.emit, boolParam(query, 'quiet', true)));
  });

  r.post('/commit', async ({ req, res, query }) => {
    const container = query.get('container');
    if (!container) throw badRequest('container is required');
    const config = await decodeJsonBody(req, decodeCommitConfig);
    const img = await engine.images.commit(container, {
      repo: query.get('repo') || undefined,
      tag: query.get('tag') || undefined,
      comment: query.get('comment') || undefined,
      author: query.get('author') || undefined,
      pause: boolParam(query, 'pause', true),
      changes: query.getAll('changes'),
      config: config ?? null,
    });
    sendJson(res, 201, { Id: img.id });
  });

  r.post('/auth', async ({ req, res }) => {
    sendJson(res, 200, await engine.images.login(await decodeJsonBody(req, decodeAuthConfig)));
  });

  r.get('/system/df', ({ res }) => {
    sendJson(res, 200, engine.system.df());
  });
}
