// Container filesystem access for cp, diff and export. Paths are resolved inside
// the rootfs by the archive module, through file descriptors (archive/inroot.ts),
// so a symlink in the container can never lead outside it, even one a running
// container swaps in while the copy runs. The container is not paused for the
// copy (Docker's first fix for CVE-2018-15664): fd-relative resolution closes the
// race without freezing the application, and a pause would add its own failure
// modes (a frozen container left behind by a dying copy). A stopped container's
// rootfs is mounted for the operation.
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import * as fs from 'node:fs';
import { changes, extractInto, packPath, resolveInRoot, statPath, type PathStat } from '../../archive';
import type { Container } from '../../container';
import type { EngineContext } from '../context';
import { containerAttributes } from '../events';
import type { Lifecycle } from './lifecycle';
import { checkWritable, mountIntoRootfs } from './mounts';

export class ContainerFs {
  constructor(
    private readonly ctx: EngineContext,
    private readonly lc: Lifecycle,
  ) {}

  /**
   * Runs `fn` on the container's filesystem as `docker cp` sees it, volumes and
   * bind mounts included: a running container's own view (/proc/<pid>/root),
   * or the stopped container's rootfs with its mounts bound in for the call.
   */
  private async withView<T>(ref: string, fn: (root: string, c: Container) => Promise<T>): Promise<T> {
    const c = this.ctx.containers.get(ref);
    // a running container's own view needs no mount: no lock either, so a slow reader blocks nothing
    if (c.State.Running && c.State.Pid) return fn(`/proc/${c.State.Pid}/root`, c);
    return this.lc.locked(c.ID, async () => {
      if (c.State.Running && c.State.Pid) return fn(`/proc/${c.State.Pid}/root`, c);
      const rootfs = this.lc.rootfs.mount(c);
      let undo = () => {};
      try {
        undo = mountIntoRootfs(this.ctx, c, rootfs);
        return await fn(rootfs, c);
      } finally {
        undo();
        if (!c.State.Running) this.lc.rootfs.unmount(c);
      }
    });
  }

  /**
   * Runs `fn` with the container's rootfs (no volumes: export) mounted; unmounts after if the
   * container is not running. The lock is held only to mount and release: a stream the client
   * reads slowly (or never) must not block stop, commit or rm.
   */
  private async withRootfs<T>(ref: string, fn: (rootfs: string, c: Container) => Promise<T>): Promise<T> {
    const c = this.ctx.containers.get(ref);
    const rootfs = await this.lc.locked(c.ID, async () => this.lc.rootfs.hold(c));
    try {
      return await fn(rootfs, c);
    } finally {
      await this.lc.locked(c.ID, async () => this.lc.rootfs.release(c));
    }
  }

  stat(ref: string, p: string): Promise<PathStat> {
    return this.withView(ref, async (rootfs) => statPath(rootfs, p, ref));
  }

  archive(ref: string, p: string, send: (stat: PathStat, stream: Readable) => Promise<void>): Promise<void> {
    return this.withView(ref, async (rootfs, c) => {
      const { stat, stream } = packPath(rootfs, p, { container: ref });
      await send(stat, stream);
      this.ctx.events.emit('container', 'archive-path', c.ID, containerAttributes(c));
    });
  }

  extract(ref: string, p: string, body: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void> {
    return this.withView(ref, async (rootfs, c) => {
      // a read-only volume or rootfs refuses, judged where the path really leads
      const dest = resolveInRoot(rootfs, path.posix.join('/', p), { followFinal: true });
      if (fs.existsSync(dest)) checkWritable(c, dest.slice(path.resolve(rootfs).length) || '/');
      await extractInto(body, rootfs, p, { ...opts, container: ref });
      this.ctx.events.emit('container', 'extract-to-dir', c.ID, containerAttributes(c));
    });
  }

  async changes(ref: string): Promise<Array<{ Path: string; Kind: number }>> {
    const c = this.ctx.containers.get(ref);
    const rw = this.lc.paths.rwDir(c);
    return changes(path.join(rw, 'upper'), [path.join(rw, 'init'), ...this.ctx.layers.diffDirs(c.ImageTopLayer)]);
  }

  export(ref: string, send: (stream: Readable) => Promise<void>): Promise<void> {
    return this.withRootfs(ref, async (rootfs, c) => {
      const { stream } = packPath(rootfs, '/', { includeSourceDir: false });
      await send(stream);
      this.ctx.events.emit('container', 'export', c.ID, containerAttributes(c));
    });
  }
}
