// The Engine API: routes wired to an engine.
import type { Backend } from '../engine';
import { containerRoutes } from './routes/containers';
import { execRoutes } from './routes/exec';
import { imageRoutes } from './routes/images';
import { networkRoutes } from './routes/networks';
import { imageTransferRoutes } from './routes/image-transfer';
import { systemRoutes } from './routes/system';
import { volumeRoutes } from './routes/volumes';
import { buildRoutes } from './routes/build';
import { distributionRoutes } from './routes/distribution';
import { swarmRoutes } from './routes/swarm';
import { Router } from './router';
import { ApiServer } from './server';

export function createApiServer(engine: Backend): ApiServer {
  const r = new Router();
  systemRoutes(r, engine);
  containerRoutes(r, engine);
  execRoutes(r, engine);
  imageRoutes(r, engine);
  volumeRoutes(r, engine);
  networkRoutes(r, engine);
  imageTransferRoutes(r, engine);
  buildRoutes(r, engine);
  distributionRoutes(r, engine);
  swarmRoutes(r);
  return new ApiServer(r, () => engine.system.experimental());
}

export { ApiServer, API_VERSION, MIN_API_VERSION } from './server';
