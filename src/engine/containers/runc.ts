// One Runc client per runtime state dir, so the lifecycle can call runc by root.
import { Runc } from '../../runtime';
import type { OciResources } from '../../runtime/oci';

const clients = new Map<string, Runc>();
let binaryFor: (root: string) => string | undefined = () => undefined;

export function setRuntimeBinaries(fn: (root: string) => string | undefined): void {
  binaryFor = fn;
  clients.clear();
}

function client(root: string): Runc {
  let c = clients.get(root);
  if (!c) clients.set(root, (c = new Runc({ stateDir: root, binary: binaryFor(root) })));
  return c;
}

export const start = (root: string, id: string) => client(root).start(id);
export const deleteContainer = (root: string, id: string, opts: { force?: boolean } = {}) => client(root).delete(id, opts);
export const pause = (root: string, id: string) => client(root).pause(id);
export const resume = (root: string, id: string) => client(root).resume(id);
export const update = (root: string, id: string, r: OciResources) => client(root).update(id, r);
export const list = (root: string) => client(root).list();
export const ps = (root: string, id: string) => client(root).ps(id);
