// Where a container's files are: its writable layer under the data root, its
// OCI bundle (and conmon's sockets) under the exec root, runc's state dir.
import * as path from 'node:path';
import type { Container } from '../../container';
import type { EngineContext } from '../context';

export class ContainerPaths {
  constructor(private readonly ctx: EngineContext) {}

  rwDir(c: Container): string {
    return path.join(this.ctx.containers.dir(c.ID), 'rootfs-rw');
  }
  initDir(c: Container): string {
    return path.join(this.rwDir(c), 'init');
  }
  bundle(c: Container): string {
    return path.join(this.ctx.paths.bundles, c.ID);
  }
  /** conmon's attach socket for the container's stdio */
  attachSocket(c: Container): string {
    return path.join(this.bundle(c), 'attach');
  }
  runtimeRoot(c: Container): string {
    return this.ctx.monitorConfig(c.HostConfig.Runtime).runtimeRoot;
  }
}
