// A container's writable layer: upper/ and work/ on top of its image's layers,
// mounted at merged/. Lower dirs are given relative to the layer store root
// (the "l/<short>" links) so the mount options stay under a page however many
// layers the image has; that is why the mount runs with the cwd there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mount, umount2, MNT_DETACH } from '../sys';
import type { LayerStore } from './layers';

export interface RwLayerPaths {
  upper: string;
  work: string;
  merged: string;
}

export function rwLayerPaths(dir: string): RwLayerPaths {
  return { upper: path.join(dir, 'upper'), work: path.join(dir, 'work'), merged: path.join(dir, 'merged') };
}

export function createRwLayer(dir: string): RwLayerPaths {
  const p = rwLayerPaths(dir);
  for (const d of [p.upper, p.work, p.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  return p;
}

export function isMounted(target: string): boolean {
  // /proc/self/mountinfo field 5 is the mount point; cheap enough per start.
  const info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const needle = ` ${target} `;
  return info.includes(needle);
}

/**
 * Mounts the container rootfs; `initDir` (absolute) sits between the image and upper/.
 * `volatile`: for a layer that never outlives a boot (a --rm container's): overlayfs
 * then never syncs the host filesystem, which it otherwise does at every unmount.
 */
export function mountRwLayer(layers: LayerStore, topChainId: string | null, dir: string, initDir?: string, volatile = false): string {
  const p = rwLayerPaths(dir);
  if (isMounted(p.merged)) return p.merged;
  const lower = topChainId ? layers.lowerChain(topChainId) : [path.relative(layers.root, layers.emptyDir)];
  if (initDir) lower.unshift(initDir);
  let opts = `lowerdir=${lower.join(':')},upperdir=${p.upper},workdir=${p.work}`;
  if (volatile) {
    // the kernel refuses to mount again over an earlier volatile mount's marker; such a
    // layer was unmounted cleanly in this boot (after a reboot the daemon removes it)
    fs.rmSync(path.join(p.work, 'work', 'incompat'), { recursive: true, force: true });
    opts += ',volatile';
  }
  const prev = process.cwd();
  process.chdir(layers.root);
  try {
    try {
      mount('overlay', p.merged, 'overlay', 0, opts);
    } catch (e) {
      // kernels before 5.10 know no volatile: the plain mount
      if (!volatile || (e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
      mount('overlay', p.merged, 'overlay', 0, opts.slice(0, -',volatile'.length));
    }
  } finally {
    process.chdir(prev);
  }
  return p.merged;
}

export function unmountRwLayer(dir: string): void {
  const { merged } = rwLayerPaths(dir);
  try {
    umount2(merged, MNT_DETACH);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOENT') throw e;
  }
}

/** Detaches every mount below `dir`, deepest first: what a crash left mounted in a directory about to be wiped. */
export function unmountAllUnder(dir: string): void {
  const prefix = path.resolve(dir) + '/';
  const points: string[] = [];
  for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const p = l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p?.startsWith(prefix)) points.push(p);
  }
  for (const p of points.sort((a, b) => b.length - a.length)) {
    try {
      umount2(p, MNT_DETACH);
    } catch {
      /* already gone */
    }
  }
}
