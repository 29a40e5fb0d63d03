// GET /distribution/{name}/json: a registry's manifest descriptor and platforms.
import { decodeAuthHeader } from '../../common/credentials';
import type { Backend } from '../../engine';
import { sendJson } from '../http';
import type { Router } from '../router';

export function distributionRoutes(r: Router, engine: Backend): void {
  r.get('/distribution/{name*}/json', async ({ req, res, params }) => {
    const creds = decodeAuthHeader(req.headers['x-registry-auth']);
    sendJson(res, 200, await engine.images.distribution(params.name, creds));
  });
}
