// /volumes/* — thin handlers over the volume service.
import type { Backend } from '../../engine';
import { EngineError } from '../../util/errors';
import { decodeJsonBody } from '../decode/body';
import { decodeVolumeCreate } from '../decode/volume';
import { sendJson, sendNoContent } from '../http';
import { boolParam, filtersParam, type Router } from '../router';

export function volumeRoutes(r: Router, engine: Backend): void {
  const svc = engine.volumes;

  r.get('/volumes', ({ res, query }) => {
    sendJson(res, 200, svc.list(filtersParam(query)));
  });

  r.post('/volumes/create', async ({ req, res }) => {
    sendJson(res, 201, svc.create(await decodeJsonBody(req, decodeVolumeCreate)));
  });

  r.post('/volumes/prune', ({ res, query, version }) => {
    sendJson(res, 200, svc.prune(filtersParam(query), version));
  });

  r.get('/volumes/{name}', ({ res, params }) => {
    sendJson(res, 200, svc.inspect(params.name));
  });

  r.put('/volumes/{name}', () => {
    throw new EngineError(503, 'volume update only valid for cluster volumes, but swarm is unavailable');
  });

  r.delete('/volumes/{name}', ({ res, params, query }) => {
    svc.remove(params.name, boolParam(query, 'force'));
    sendNoContent(res);
  });
}
