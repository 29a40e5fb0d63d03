// A container's root filesystem: the writable layer made at create (its init
// layer a link to the one all containers share), mounted over the image's
// layers for a start or a reader (export, cp), unmounted when neither needs it.
import * as fs from 'node:fs';
import type { Container } from '../../container';
import { createRwLayer, mountRwLayer, unmountRwLayer } from '../../storage';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import { sharedInitLayer } from './create';
import type { ContainerPaths } from './paths';

export class Rootfs {
  /** Readers that stream the rootfs without holding the container's lock (export). */
  private readonly readers = new Map<string, number>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly paths: ContainerPaths,
  ) {}

  /** Creates the writable layer at create time, its init layer a link to the shared one. */
  prepare(c: Container): void {
    createRwLayer(this.paths.rwDir(c));
    fs.symlinkSync(sharedInitLayer(this.ctx.containers.root), this.paths.initDir(c));
  }

  mount(c: Container): string {
    sharedInitLayer(this.ctx.containers.root); // what the containers' init links point to
    return mountRwLayer(this.ctx.layers, c.ImageTopLayer, this.paths.rwDir(c), this.paths.initDir(c), c.HostConfig.AutoRemove);
  }

  /** Mounts the rootfs for a reader; the exit of the container leaves it mounted until release. */
  hold(c: Container): string {
    const rootfs = this.mount(c);
    this.readers.set(c.ID, (this.readers.get(c.ID) ?? 0) + 1);
    return rootfs;
  }

  release(c: Container): void {
    const n = (this.readers.get(c.ID) ?? 1) - 1;
    if (n > 0) return void this.readers.set(c.ID, n);
    this.readers.delete(c.ID);
    if (!c.State.Running) this.unmount(c);
  }

  /** Unmounts the rootfs unless a reader still streams it (`force`: removal, which ends the readers). */
  unmount(c: Container, force = false): void {
    if (!force && this.readers.has(c.ID)) return;
    try {
      unmountRwLayer(this.paths.rwDir(c));
    } catch (e) {
      log().warn({ err: e, id: c.ID }, 'unmount failed');
    }
  }
}
