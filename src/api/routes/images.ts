// /images/* — import, list, inspect, tag, delete (pull and push come with the image issue).
import type { Engine } from '../../engine/engine';
import { badRequest, EngineError } from '../../util/errors';
import { sendJson } from '../http';
import { boolParam, filtersParam, type Router } from '../router';

export function imageRoutes(r: Router, engine: Engine): void {
  r.post('/images/create', async ({ req, res, query }) => {
    const fromSrc = query.get('fromSrc');
    const fromImage = query.get('fromImage');
    if (fromSrc === null && fromImage === null) throw badRequest('fromImage or fromSrc is required');
    if (fromImage !== null) throw new EngineError(501, `pulling images is not supported yet: import one with 'berth import'`);
    if (fromSrc !== '-') throw new EngineError(501, 'importing from a URL is not supported yet: pipe the tarball on stdin');
    const changes = query.getAll('changes');
    const img = await engine.images.import(req, {
      repo: query.get('repo') || undefined,
      tag: query.get('tag') || undefined,
      message: query.get('message') || undefined,
      changes,
      platform: query.get('platform') || undefined,
    });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: img.id }) + '\n');
  });

  r.get('/images/json', ({ res, query }) => {
    sendJson(res, 200, engine.images.list({ all: boolParam(query, 'all'), filters: filtersParam(query) }));
  });

  r.get('/images/{name*}/json', ({ res, params }) => {
    sendJson(res, 200, engine.images.inspect(params.name));
  });

  r.post('/images/{name*}/tag', ({ res, params, query }) => {
    const repo = query.get('repo');
    if (!repo) throw badRequest('repository name must have at least one component');
    const tag = query.get('tag');
    engine.images.tag(params.name, tag ? `${repo}:${tag}` : repo);
    sendJson(res, 201, {});
  });

  r.delete('/images/{name*}', ({ res, params, query }) => {
    sendJson(res, 200, engine.images.remove(params.name, boolParam(query, 'force')));
  });
}
