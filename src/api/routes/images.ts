// /images/* — pull and import (create), list, inspect, history, tag, delete,
// prune, search. Push, save, load, commit and auth are in image-transfer.ts.
import { decodeAuthHeader } from '../../common/credentials';
import type { Backend } from '../../engine';
import { badRequest } from '../../util/errors';
import { decodePullReference } from '../decode/image';
import { sendJson } from '../http';
import { boolParam, filtersParam, intParam, type Router } from '../router';
import { progressStream, type ProgressStream } from './progress-stream';

/** Runs a streaming operation: errors before the first message are HTTP errors. */
export async function streamed(ps: ProgressStream, op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (e) {
    if (!ps.started()) throw e;
    ps.finish(e);
    return;
  }
  ps.finish();
}

export function imageRoutes(r: Router, engine: Backend): void {
  r.post('/images/create', async ({ req, res, query }) => {
    const fromSrc = query.get('fromSrc');
    const fromImage = query.get('fromImage');
    if (fromSrc === null && fromImage === null) throw badRequest('fromImage or fromSrc is required');
    const platformParam = query.get('platform') || undefined;
    const ps = progressStream(res);
    if (fromImage !== null) {
      if (!fromImage) throw badRequest('invalid reference format');
      const creds = decodeAuthHeader(req.headers['x-registry-auth']);
      req.resume();
      await streamed(ps, async () => {
        // dockerd's order: the platform, then the reference
        const platform = engine.images.parsePlatform(platformParam);
        const { ref, allTags } = decodePullReference(fromImage, query.get('tag') ?? '');
        if (allTags) await engine.images.pullAllTags(ref, { platform, creds, signal: ps.signal }, ps.emit);
        else await engine.images.pull(ref, { platform, creds, signal: ps.signal }, () => ps.emit);
      });
      return;
    }
    const opts = {
      repo: query.get('repo') || undefined,
      tag: query.get('tag') || undefined,
      message: query.get('message') || undefined,
      changes: query.getAll('changes'),
      platform: platformParam,
    };
    await streamed(ps, async () => {
      const img = fromSrc === '-' || fromSrc === '' ? await engine.images.import(req, opts) : await engine.images.importUrl(fromSrc!, opts, ps.emit);
      ps.emit({ status: img.id });
    });
  });

  r.get('/images/json', ({ res, query }) => {
    sendJson(res, 200, engine.images.list({ all: boolParam(query, 'all'), filters: filtersParam(query), sharedSize: boolParam(query, 'shared-size') }));
  });

  r.get('/images/search', async ({ req, res, query }) => {
    const limit = intParam(query, 'limit') ?? 25;
    const creds = decodeAuthHeader(req.headers['x-registry-auth']);
    sendJson(res, 200, await engine.images.search(query.get('term') ?? '', limit, filtersParam(query), creds));
  });

  r.post('/images/prune', ({ res, query }) => {
    sendJson(res, 200, engine.images.prune(filtersParam(query)));
  });

  r.get('/images/{name*}/json', ({ res, params }) => {
    sendJson(res, 200, engine.images.inspect(params.name));
  });

  r.get('/images/{name*}/history', ({ res, params }) => {
    sendJson(res, 200, engine.images.history(params.name));
  });

  r.post('/images/{name*}/tag', ({ res, params, query }) => {
    const repo = query.get('repo');
    if (!repo) throw badRequest('repository name must have at least one component');
    const tag = query.get('tag');
    engine.images.tag(params.name, tag ? `${repo}:${tag}` : repo);
    sendJson(res, 201, {});
  });

  r.delete('/images/{name*}', ({ res, params, query }) => {
    sendJson(res, 200, engine.images.remove(params.name, boolParam(query, 'force'), boolParam(query, 'noprune')));
  });
}
