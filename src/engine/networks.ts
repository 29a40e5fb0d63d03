// The networks as the API and CRI see them: list, inspect, create, remove and
// prune from the network manager; connect and disconnect run under the
// container's lifecycle lock, persist the record and refresh /etc/hosts.
import type { Filters } from '../filters';
import type { EndpointRequest, NetworkCreateRequest } from '../network';
import type { EngineContext } from './context';
import type { ContainerService } from './containers/service';
import { writeNetworkFiles } from './containers/netfiles';

export class NetworkService {
  constructor(
    private readonly ctx: EngineContext,
    private readonly containers: ContainerService,
  ) {}

  list(filters?: Filters) {
    return this.ctx.networks.list(filters);
  }

  inspect(ref: string) {
    return this.ctx.networks.inspect(ref);
  }

  create(req: NetworkCreateRequest) {
    return this.ctx.networks.create(req);
  }

  remove(ref: string): Promise<void> {
    return this.ctx.networks.remove(ref);
  }

  prune(filters: Filters) {
    return this.ctx.networks.prune(filters);
  }

  async connect(netRef: string, containerRef: string, cfg: EndpointRequest | null | undefined): Promise<void> {
    this.ctx.networks.get(netRef);
    const c = this.containers.get(containerRef);
    await this.containers.lifecycle.locked(c.ID, async () => {
      await this.ctx.networks.connect(c, netRef, cfg);
      this.ctx.containers.save(c);
      if (c.State.Running) writeNetworkFiles(this.ctx, c, 'hosts');
    });
  }

  async disconnect(netRef: string, containerRef: string, force: boolean): Promise<void> {
    const c = this.containers.get(containerRef);
    await this.containers.lifecycle.locked(c.ID, async () => {
      await this.ctx.networks.disconnect(c, netRef, force);
      this.ctx.containers.save(c);
      if (c.State.Running) writeNetworkFiles(this.ctx, c, 'hosts');
    });
  }
}
