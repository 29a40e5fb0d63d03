// A container's mounts, from create to removal, as dockerd does them
// (daemon/volumes.go registerMountPoints, create_unix.go, volumes_unix.go):
//   create:  --volumes-from, then -v (Binds), then --mount, then Config.Volumes
//            (image VOLUMEs and -v /path) as anonymous volumes; copy-up
//   start:   volumes mounted (mount-option volumes), OCI binds and tmpfs
//   exit:    volumes unmounted;  remove: references released, -v removes
//            anonymous volumes;  cp: the mounts seen through.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { O_PATH, fdPath, openIn, openRoot, resolveInRoot } from '../../archive';
import type { Container, MountPoint } from '../../container';
import type { BindMount } from '../../runtime';
import { mount, umount2, MNT_DETACH, MS_BIND, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT } from '../../sys';
import { badRequest, EngineError, forbidden, internal } from '../../util/errors';
import { log } from '../../util/log';
import { unescapeMountPath } from '../../volume';
import type { EngineContext } from '../context';
import { copyIntoEmpty } from './copyup';
import { cleanPath, convertTmpfsOptions, parseBind, parseMountSpec, parseVolumesFrom, readWrite, type ParsedMount } from './mountparse';

const duplicate = (dest: string) => badRequest(`Duplicate mount point: ${dest}`);

/** Docker's validateBindDaemonRoot: a bind from (or over) the data root must not be private. */
function checkDaemonRoot(ctx: EngineContext, mp: ParsedMount): void {
  if (mp.Type !== 'bind') return;
  const root = ctx.cfg.dataRoot;
  if (!mp.Source.startsWith(root) && !root.startsWith(mp.Source)) return;
  const prop = mp.Spec?.BindOptions?.Propagation;
  if (!prop) {
    mp.Propagation = 'rslave';
    return;
  }
  if (prop === 'rslave' || prop === 'rshared') return;
  throw badRequest(
    `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "${root}", bind mount source: "${mp.Source}", propagation: "${prop}"`,
  );
}

/**
 * Resolves every mount of a new container into c.MountPoints, creating and
 * referencing its volumes and copying image content into empty ones.
 * `rootfs` mounts the container's filesystem (needed for image volumes and
 * copy-up). On failure nothing stays referenced and the anonymous volumes it
 * made are gone again.
 */
export function createMounts(ctx: EngineContext, c: Container, rootfs: () => string): void {
  const hc = c.HostConfig;
  const points = new Map<string, ParsedMount>();
  const made: string[] = [];
  const tmpfs = hc.Tmpfs ?? {};
  const volume = (name: string, opts: { driver?: string; options?: Record<string, string> | null; labels?: Record<string, string> | null }) => {
    const { volume: v, created } = ctx.volumes.create(name, { ...opts, ref: c.ID });
    if (created && !name) made.push(v.Name);
    return v;
  };
  /** A later mount at a destination replaces an earlier one, whose volume is released unless used elsewhere. */
  const place = (mp: ParsedMount) => {
    const old = points.get(mp.Destination);
    points.set(mp.Destination, mp);
    if (old?.Type === 'volume' && old.Name && ![...points.values()].some((p) => p.Type === 'volume' && p.Name === old.Name))
      ctx.volumes.release(old.Name, c.ID);
  };
  /** -v and --mount volumes: created (or found) now, named mounts get Docker's "z" mode. */
  const useVolume = (mp: ParsedMount, opts: { options?: Record<string, string> | null; labels?: Record<string, string> | null } = {}) => {
    const v = volume(mp.Name ?? '', { driver: mp.Driver, ...opts });
    mp.Name = v.Name;
    mp.Source = v.Mountpoint;
    mp.Driver = v.Driver;
    if (!mp.Mode) mp.Mode = 'z';
  };
  try {
    // 1. --volumes-from: the other container's mounts, read-only with :ro
    for (const spec of hc.VolumesFrom ?? []) {
      const { id, mode } = parseVolumesFrom(spec);
      const from = ctx.containers.find(id);
      if (!from) throw badRequest(`No such container: ${id}`);
      for (const m of from.MountPoints) {
        const cp: ParsedMount = {
          Type: m.Type,
          Name: m.Name,
          Source: m.Source,
          Destination: m.Destination,
          Driver: m.Driver,
          Mode: '',
          RW: m.RW && readWrite(mode),
          Propagation: m.Propagation,
          Spec: m.Spec,
          CopyData: false,
          CreateSource: m.Type === 'bind' || undefined,
        };
        if (m.Type === 'volume' && m.Name) {
          const v = ctx.volumes.get(m.Name);
          ctx.volumes.reference(v.Name, c.ID);
          cp.Source = v.Mountpoint;
        }
        place(cp);
      }
    }
    // 2. -v, then 3. --mount: one destination each
    const binds = new Set<string>();
    for (const raw of hc.Binds ?? []) {
      const mp = parseBind(raw, hc.VolumeDriver);
      checkDaemonRoot(ctx, mp);
      if (binds.has(mp.Destination) || mp.Destination in tmpfs) throw duplicate(mp.Destination);
      if (mp.Type === 'volume') useVolume(mp);
      binds.add(mp.Destination);
      place(mp);
    }
    for (const cfg of hc.Mounts ?? []) {
      const mp = parseMountSpec(cfg);
      checkDaemonRoot(ctx, mp);
      if (binds.has(mp.Destination)) throw duplicate(cfg.Target);
      const vo = cfg.VolumeOptions;
      if (mp.Type === 'volume') useVolume(mp, { options: vo?.DriverConfig?.Options ?? null, labels: vo?.Labels ?? null });
      binds.add(mp.Destination);
      place(mp);
    }
    // 4. image VOLUMEs and -v /path: anonymous volumes where nothing else is mounted
    const anon = Object.keys(c.Config.Volumes ?? {});
    if (anon.length || [...points.values()].some((m) => m.CopyData)) {
      const root = rootfs();
      for (const spec of anon) {
        const dest = cleanPath(spec);
        if (!path.posix.isAbsolute(dest))
          throw badRequest(
            `invalid volume specification: '${spec}': invalid mount config for type "volume": invalid mount path: '${spec}' mount path must be absolute`,
          );
        if (dest === '/')
          throw badRequest(`invalid volume specification: '${spec}': invalid mount config for type "volume": invalid specification: destination can't be '/'`);
        if (points.has(dest) || dest in tmpfs) continue;
        const host = resolveInRoot(root, dest, { followFinal: true });
        if (fs.existsSync(host) && !fs.statSync(host).isDirectory()) throw internal(`cannot mount volume over existing file, file exists ${host}`);
        const v = volume('', { driver: hc.VolumeDriver || undefined });
        points.set(dest, {
          Type: 'volume',
          Name: v.Name,
          Source: v.Mountpoint,
          Destination: dest,
          Driver: v.Driver,
          Mode: '',
          RW: true,
          Propagation: '',
          CopyData: true,
        });
      }
      // 5. copy-up into empty volumes
      for (const mp of points.values()) if (mp.Type === 'volume' && mp.CopyData) populate(ctx, c, root, mp);
    }
  } catch (e) {
    for (const mp of points.values()) if (mp.Type === 'volume' && mp.Name) ctx.volumes.release(mp.Name, c.ID);
    for (const n of made) {
      try {
        ctx.volumes.remove(n, { force: true });
      } catch (err) {
        log().warn({ err, volume: n }, 'removing an anonymous volume after a failed create');
      }
    }
    throw e;
  }
  c.MountPoints = [...points.values()].map(({ CopyData: _c, ...m }) => {
    if (!m.Spec) delete m.Spec;
    return m;
  });
}

function populate(ctx: EngineContext, c: Container, root: string, mp: ParsedMount): void {
  const src = resolveInRoot(root, mp.Destination, { followFinal: true });
  if (!fs.existsSync(src)) return;
  const ref = `copy-${c.ID}`;
  const dst = ctx.volumes.mount(mp.Name!, ref);
  try {
    copyIntoEmpty(src, dst);
  } catch (e) {
    throw internal(`failed to populate volume: ${(e as Error).message}`);
  } finally {
    ctx.volumes.unmount(mp.Name!, ref);
  }
}

/** Start: every volume mounted for the container (with Docker's `mount` events). Undone on failure. */
export function mountVolumes(ctx: EngineContext, c: Container): void {
  const done: MountPoint[] = [];
  try {
    for (const m of c.MountPoints) {
      if (m.Type !== 'volume' || !m.Name || isTmpfsCovered(c, m)) continue;
      let v;
      try {
        v = ctx.volumes.get(m.Name);
        ctx.volumes.mount(m.Name, c.ID);
      } catch (e) {
        const msg = e instanceof EngineError ? e.message : String(e);
        throw new EngineError(e instanceof EngineError ? e.status : 500, `error while mounting volume '${m.Source}': ${msg}`);
      }
      done.push(m);
      ctx.events.emit('volume', 'mount', v.Name, {
        driver: v.Driver,
        container: c.ID,
        destination: m.Destination,
        'read/write': String(m.RW),
        propagation: m.Propagation,
      });
    }
  } catch (e) {
    unmountVolumes(ctx, c, done);
    throw e;
  }
}

/** Exit (or a failed start): the container no longer uses its volumes. */
export function unmountVolumes(ctx: EngineContext, c: Container, which: MountPoint[] = c.MountPoints): void {
  for (const m of which) {
    if (m.Type !== 'volume' || !m.Name || isTmpfsCovered(c, m)) continue;
    ctx.volumes.unmount(m.Name, c.ID);
    ctx.events.emit('volume', 'unmount', m.Name, { driver: m.Driver ?? 'local', container: c.ID });
  }
}

/** Removal: references released; with `removeAnonymous` (rm -v, --rm) the anonymous volumes go too. */
export function releaseMounts(ctx: EngineContext, c: Container, removeAnonymous: boolean): void {
  for (const m of c.MountPoints) {
    if (m.Type !== 'volume' || !m.Name) continue;
    ctx.volumes.release(m.Name, c.ID);
    // named volumes (-v name:/path, --mount src=name) are never removed with the container
    if (!removeAnonymous || m.Spec?.Source) continue;
    try {
      ctx.volumes.remove(m.Name);
    } catch (e) {
      const status = e instanceof EngineError ? e.status : 500;
      // used by another container (--volumes-from), or already gone: not an error
      if (status !== 409 && status !== 404) log().warn({ err: e, volume: m.Name }, 'removing an anonymous volume failed');
    }
  }
}

/** Daemon start: container records reference their volumes again; running ones still have them mounted. */
export function restoreMounts(ctx: EngineContext, c: Container): void {
  if (c.MountPoints.length === 0 && c.HostConfig.Binds?.length) migrateBinds(ctx, c);
  for (const m of c.MountPoints) {
    if (m.Type !== 'volume' || !m.Name) continue;
    if (!ctx.volumes.find(m.Name)) {
      log().warn({ container: c.ID, volume: m.Name }, 'container refers to a volume that does not exist');
      continue;
    }
    ctx.volumes.reference(m.Name, c.ID);
    if (c.State.Running) ctx.volumes.adoptMount(m.Name, c.ID);
  }
}

/** Records from before mount points were kept: their host binds (the only kind there was) become mount points. */
function migrateBinds(ctx: EngineContext, c: Container): void {
  try {
    c.MountPoints = (c.HostConfig.Binds ?? [])
      .map((b) => parseBind(b))
      .filter((m) => m.Type === 'bind')
      .map(({ CopyData: _c, ...m }) => m);
    ctx.containers.save(c);
  } catch (e) {
    log().warn({ err: e, container: c.ID }, 'could not carry the binds of an old container record over');
  }
}

function isTmpfsCovered(c: Container, m: MountPoint): boolean {
  return !!c.HostConfig.Tmpfs && m.Destination in c.HostConfig.Tmpfs;
}

// ---------- the OCI side ----------

/** The mount (and its optional fields) that holds `p`, from /proc/self/mountinfo. */
function sourceMount(p: string): { mountpoint: string; optional: string[] } {
  let real = p;
  try {
    real = fs.realpathSync(p);
  } catch {
    /* keep the path */
  }
  let best = { mountpoint: '/', optional: [] as string[] };
  for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f.length < 7) continue;
    const mp = unescapeMountPath(f[4]);
    if (real !== mp && !real.startsWith(mp === '/' ? '/' : mp + '/')) continue;
    if (mp.length < best.mountpoint.length) continue;
    const sep = f.indexOf('-', 6);
    best = { mountpoint: mp, optional: f.slice(6, sep < 0 ? undefined : sep) };
  }
  return best;
}

/**
 * The container's binds and --mount tmpfs for the OCI spec, as Docker's
 * setupMounts + withMounts: -v sources created when missing, shared/slave
 * propagation checked against the host mount (the runtime spec makes the
 * rootfs shared or slave to match), tmpfs mounts from --tmpfs win.
 */
export function specMounts(ctx: EngineContext, c: Container): { binds: BindMount[]; tmpfs: Record<string, string> } {
  const binds: BindMount[] = [];
  const tmpfs: Record<string, string> = { ...(c.HostConfig.Tmpfs ?? {}) };
  for (const m of c.MountPoints) {
    if (isTmpfsCovered(c, m)) continue;
    if (m.Type === 'tmpfs') {
      tmpfs[m.Destination] = convertTmpfsOptions(m.Spec?.TmpfsOptions, !!m.Spec?.ReadOnly);
      continue;
    }
    if (m.Type === 'bind' && m.CreateSource && !fs.existsSync(m.Source)) {
      try {
        fs.mkdirSync(m.Source, { recursive: true, mode: 0o755 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw internal(`error while creating mount source path '${m.Source}': ${(e as Error).message}`);
      }
    }
    const p = m.Propagation;
    if (p === 'shared' || p === 'rshared') {
      const s = sourceMount(m.Source);
      if (!s.optional.some((o) => o.startsWith('shared:'))) throw internal(`path ${m.Source} is mounted on ${s.mountpoint} but it is not a shared mount`);
    } else if (p === 'slave' || p === 'rslave') {
      const s = sourceMount(m.Source);
      const ok = s.optional.some((o) => o.startsWith('shared:') || o.startsWith('master:'));
      const root = ctx.cfg.dataRoot;
      // Docker forces rslave on binds from the data root; when that cannot work it falls back quietly
      const fallback = !ok && (m.Source.startsWith(root) || root.startsWith(m.Source)) && !m.Spec?.BindOptions?.Propagation;
      if (!ok && !fallback) throw internal(`path ${m.Source} is mounted on ${s.mountpoint} but it is not a shared or slave mount`);
    }
    const options = [m.Spec?.BindOptions?.NonRecursive ? 'bind' : 'rbind'];
    if (!m.RW) options.push('ro');
    if (p) options.push(p);
    binds.push({ source: m.Source, destination: m.Destination, options });
  }
  return { binds, tmpfs };
}

// ---------- cp: the container's filesystem with its mounts ----------

/**
 * For a stopped container whose rootfs is mounted at `rootfs`: binds its
 * volumes and bind mounts in place (the rootfs mount made private first, so
 * nothing propagates anywhere), as Docker's container filesystem view.
 * Returns the undo. A running container needs none of this: /proc/<pid>/root
 * already shows its mounts.
 */
export function mountIntoRootfs(ctx: EngineContext, c: Container, rootfs: string): () => void {
  const mounted: number[] = [];
  const used: string[] = [];
  const ref = `cp-${randomBytes(6).toString('hex')}`;
  let rootFd = -1;
  const undo = () => {
    for (const fd of mounted.reverse()) {
      try {
        umount2(fdPath(fd), MNT_DETACH);
      } catch (e) {
        log().warn({ err: e }, 'unmounting a cp view mount failed');
      }
      fs.closeSync(fd);
    }
    mounted.length = 0;
    if (rootFd >= 0) fs.closeSync(rootFd);
    rootFd = -1;
    for (const n of used) ctx.volumes.unmount(n, ref);
  };
  const points = c.MountPoints.filter((m) => m.Type !== 'tmpfs' && !isTmpfsCovered(c, m)).sort(
    (a, b) => a.Destination.split('/').length - b.Destination.split('/').length,
  );
  if (points.length === 0) return () => {};
  try {
    mount('', rootfs, '', MS_PRIVATE | MS_REC, '');
    rootFd = openRoot(rootfs);
    for (const m of points) {
      let src = m.Source;
      if (m.Type === 'volume' && m.Name) {
        src = ctx.volumes.mount(m.Name, ref);
        used.push(m.Name);
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(src);
      } catch {
        continue;
      }
      const dest = resolveInRoot(rootfs, m.Destination, { followFinal: true });
      if (!fs.existsSync(dest)) {
        if (st.isDirectory()) fs.mkdirSync(dest, { recursive: true, mode: 0o755 });
        else {
          fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
          fs.writeFileSync(dest, '', { mode: 0o755, flag: 'wx' });
        }
      }
      // mounted onto an fd opened inside the root: an earlier volume of this view may be
      // shared with a running container, which could swap a component for a symlink
      const at = openIn(rootFd, m.Destination, O_PATH);
      try {
        mount(src, fdPath(at), '', MS_BIND | (m.Spec?.BindOptions?.NonRecursive ? 0 : MS_REC), '');
      } finally {
        fs.closeSync(at);
      }
      // held for the unmount: the mount itself, whatever its path becomes
      const held = openIn(rootFd, m.Destination, O_PATH);
      mounted.push(held);
      if (!m.RW) mount('', fdPath(held), '', MS_BIND | MS_REMOUNT | MS_RDONLY, '');
    }
  } catch (e) {
    undo();
    throw e;
  }
  return undo;
}

/** Docker's checkWritablePath: a read-only volume, or a read-only rootfs outside any mount, refuses writes. */
export function checkWritable(c: Container, ctrPath: string): void {
  let best: MountPoint | undefined;
  for (const m of c.MountPoints) {
    if (ctrPath !== m.Destination && !ctrPath.startsWith(m.Destination === '/' ? '/' : m.Destination + '/')) continue;
    if (!best || m.Destination.length > best.Destination.length) best = m;
  }
  if (best) {
    if (!best.RW) throw forbidden('mounted volume is marked read-only');
    return;
  }
  if (c.HostConfig.ReadonlyRootfs) throw forbidden('container rootfs is marked read-only');
}

/** Mounts as the API shows them (inspect, ps): without berth's bookkeeping. */
export function apiMountPoints(c: Container): MountPoint[] {
  return c.MountPoints.map(({ Spec: _s, CreateSource: _c, ...m }) => m);
}
