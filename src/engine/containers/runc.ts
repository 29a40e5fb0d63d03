// The engine's runc clients, one per runtime state dir (runc --root), each
// running the binary of the runtime that dir belongs to. Injected through the
// engine context: no module state, so two engines in one process stay apart.
import { Runc } from '../../runtime';
import type { OciResources } from '../../runtime/oci';

export class RuntimeClients {
  private readonly clients = new Map<string, Runc>();

  /** `binaryFor(root)`: the runtime binary for a state dir (undefined: runc's default path) */
  constructor(private readonly binaryFor: (root: string) => string | undefined) {}

  private client(root: string): Runc {
    let c = this.clients.get(root);
    if (!c) this.clients.set(root, (c = new Runc({ stateDir: root, binary: this.binaryFor(root) })));
    return c;
  }

  start(root: string, id: string, initPid?: number) {
    return this.client(root).start(id, initPid);
  }
  deleteContainer(root: string, id: string, opts: { force?: boolean } = {}) {
    return this.client(root).delete(id, opts);
  }
  pause(root: string, id: string) {
    return this.client(root).pause(id);
  }
  resume(root: string, id: string) {
    return this.client(root).resume(id);
  }
  update(root: string, id: string, r: OciResources) {
    return this.client(root).update(id, r);
  }
  list(root: string) {
    return this.client(root).list();
  }
  ps(root: string, id: string) {
    return this.client(root).ps(id);
  }
}
