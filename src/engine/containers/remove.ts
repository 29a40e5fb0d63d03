// Removing a container (docker rm): the record goes first and the answer with
// it; files, mounts and runc's state follow under the container's lock. Also
// `rm --link`, which removes no container.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../container';
import { notFound } from '../../util/errors';
import { crashPoint } from '../../util/fault';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import type { LogRotator } from '../logs';
import type { Lifecycle } from './lifecycle';
import { releaseMounts } from './mounts';

/** Removes a container a removal has claimed: kills it if it runs, then the record, its files, mounts and runtime state. */
export async function removeClaimed(ctx: EngineContext, lc: Lifecycle, rotator: LogRotator, c: Container, volumes: boolean): Promise<void> {
  lc.restarts.cancel(c.ID); // a pending restart must not start what is being removed
  if (c.State.Running) {
    const exited = lc.waiters.waitExit(c);
    await lc.locked(c.ID, async () => {
      try {
        process.kill(c.State.Pid, 9);
      } catch {
        /* already gone */
      }
      crashPoint('rm.killed');
      if (c.State.Paused) await ctx.runc.resume(lc.paths.runtimeRoot(c), c.ID).catch(() => {});
    });
    await exited;
  }
  await lc.locked(c.ID, async () => {
    if (!ctx.containers.find(c.ID)) return;
    c.State.Status = 'removing';
    lc.restarts.forget(c.ID);
    rotator.unwatch(c.ID);
    lc.rootfs.unmount(c, true);
    ctx.containers.delete(c);
    const trash = path.join(ctx.paths.tmp, `ctr-${c.ID}`);
    try {
      fs.renameSync(ctx.containers.dir(c.ID), trash);
    } catch (e) {
      log().warn({ err: e }, 'moving container dir away failed');
    }
    // the record is gone and the dir is in tmp/ (swept at daemon start): finish after answering
    fs.rm(trash, { recursive: true, force: true }, (e) => e && log().warn({ err: e }, 'removing container dir failed'));
    releaseMounts(ctx, c, volumes);
    ctx.events.emit('container', 'destroy', c.ID, lc.attrs(c));
    lc.waiters.notify(c, 'removed');
    crashPoint('rm.record');
    // runc's state (and cgroup) go after the answer, still under the lock; a crash
    // before this leaves a state dir without a record, which the next start sweeps
    // (runc starts without a fork of berthd: nothing here holds up the waiters' answers)
    await ctx.runc.deleteContainer(lc.paths.runtimeRoot(c), c.ID, { force: true }).catch(() => {});
    await fs.promises.rm(lc.paths.bundle(c), { recursive: true, force: true });
  });
}

/** `rm --link /parent/alias`: the parent forgets that legacy link; no container goes. */
export function removeLink(ctx: EngineContext, ref: string): void {
  const m = /^\/?([^/]+)\/([^/]+)$/.exec(ref);
  const parent = m ? ctx.containers.find(m[1]) : undefined;
  const links = parent?.HostConfig.Links ?? [];
  const keep = links.filter((l) => {
    const i = l.indexOf(':');
    const alias = (i < 0 ? l : l.slice(i + 1)).split('/').pop();
    return alias !== m![2];
  });
  if (!parent || keep.length === links.length) throw notFound(`Could not find entity for ${ref}`);
  parent.HostConfig.Links = keep.length ? keep : null;
  ctx.containers.save(parent, true);
}
