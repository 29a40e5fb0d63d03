// Swarm-mode routes, answered as a Docker engine that is not part of a swarm:
// clients (docker-py's teardown, `docker swarm leave`, `docker node ls`) rely on
// the 503 and the wording, not on a 404.
import { EngineError } from '../../util/errors';
import type { Router } from '../router';

const NOT_IN_SWARM = 'This node is not part of a swarm';
const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const NO_SWARM_MODE = 'berth does not support swarm mode: this node cannot create or join a swarm';

const unavailable = (msg: string) => () => {
  throw new EngineError(503, msg);
};

export function swarmRoutes(r: Router): void {
  r.post('/swarm/leave', unavailable(NOT_IN_SWARM));
  r.post('/swarm/init', unavailable(NO_SWARM_MODE));
  r.post('/swarm/join', unavailable(NO_SWARM_MODE));
  r.get('/swarm', unavailable(NOT_A_MANAGER));
  r.post('/swarm/update', unavailable(NOT_A_MANAGER));
  r.post('/swarm/unlock', unavailable(NOT_A_MANAGER));
  r.get('/swarm/unlockkey', unavailable(NOT_A_MANAGER));
  // nodes, services, tasks, secrets and configs live only in a swarm's store
  for (const kind of ['nodes', 'services', 'tasks', 'secrets', 'configs']) {
    r.get(`/${kind}`, unavailable(NOT_A_MANAGER));
    r.get(`/${kind}/{id}`, unavailable(NOT_A_MANAGER));
    r.delete(`/${kind}/{id}`, unavailable(NOT_A_MANAGER));
    r.post(`/${kind}/{id}/update`, unavailable(NOT_A_MANAGER));
  }
  for (const kind of ['services', 'secrets', 'configs']) r.post(`/${kind}/create`, unavailable(NOT_A_MANAGER));
  r.get('/services/{id}/logs', unavailable(NOT_A_MANAGER));
  r.get('/tasks/{id}/logs', unavailable(NOT_A_MANAGER));
}
