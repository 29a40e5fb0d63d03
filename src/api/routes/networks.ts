// /networks/* — thin handlers over the network backend.
import type { Backend } from '../../engine';
import { badRequest } from '../../util/errors';
import { decodeJsonBody } from '../decode/body';
import { decodeNetworkConnect, decodeNetworkCreate, decodeNetworkDisconnect } from '../decode/network';
import { sendJson, sendNoContent } from '../http';
import { filtersParam, type Router } from '../router';

export function networkRoutes(r: Router, engine: Backend): void {
  const nets = engine.networks;

  r.get('/networks', ({ res, query }) => {
    sendJson(res, 200, nets.list(filtersParam(query)));
  });

  r.get('/networks/{id}', ({ res, params }) => {
    sendJson(res, 200, nets.inspect(params.id));
  });

  r.post('/networks/create', async ({ req, res }) => {
    sendJson(res, 201, await nets.create(await decodeJsonBody(req, decodeNetworkCreate)));
  });

  r.delete('/networks/{id}', async ({ res, params }) => {
    await nets.remove(params.id);
    sendNoContent(res);
  });

  r.post('/networks/prune', async ({ res, query }) => {
    sendJson(res, 200, await nets.prune(filtersParam(query)));
  });

  r.post('/networks/{id}/connect', async ({ req, res, params }) => {
    const body = await decodeJsonBody(req, decodeNetworkConnect);
    if (!body.Container) throw badRequest('no container specified');
    await nets.connect(params.id, body.Container, body.EndpointConfig);
    sendNoContent(res, 200);
  });

  r.post('/networks/{id}/disconnect', async ({ req, res, params }) => {
    const body = await decodeJsonBody(req, decodeNetworkDisconnect);
    if (!body.Container) throw badRequest('no container specified');
    await nets.disconnect(params.id, body.Container, body.Force);
    sendNoContent(res, 200);
  });
}
