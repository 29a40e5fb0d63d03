// The container's mount table, as dockerd builds it (moby oci/defaults.go and
// daemon/oci_linux.go WithMounts): Docker's default mounts, user binds and
// tmpfs mounts sorted by depth, overrides, read-only rootfs and privileged.
import * as path from 'node:path';
import { badRequest } from '../util/errors';
import { OciMount } from './oci';

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** A bind mount (volume, -v host:ctr, container files). */
export interface BindMount {
  source: string;
  destination: string;
  /** e.g. ["rbind","ro","rprivate"]; "rbind" is added when neither bind nor rbind is present */
  options?: string[];
  /** defaults to "bind" */
  type?: string;
}

export function defaultMounts(shmSize: number | null): OciMount[] {
  const ms: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  ];
  if (shmSize !== null) {
    ms.push({
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    });
  }
  return ms;
}

// Option "kinds": a later option of the same kind replaces an earlier one.
const FLAG_PAIRS: [string, string][] = [
  ['ro', 'rw'],
  ['exec', 'noexec'],
  ['suid', 'nosuid'],
  ['dev', 'nodev'],
  ['sync', 'async'],
  ['atime', 'noatime'],
  ['diratime', 'nodiratime'],
  ['relatime', 'norelatime'],
  ['strictatime', 'nostrictatime'],
  ['mand', 'nomand'],
  ['dirsync', 'dirsync'],
];
const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);

function optionKind(o: string): string {
  const eq = o.indexOf('=');
  if (eq >= 0) return 'kv:' + o.slice(0, eq);
  if (PROPAGATION.has(o)) return 'propagation';
  for (const [a, b] of FLAG_PAIRS) if (o === a || o === b) return 'flag:' + a;
  return 'other:' + o;
}

/** Merges tmpfs options: later ones override earlier ones of the same kind (noexec ← exec, size=…). */
export function mergeTmpfsOptions(opts: readonly string[]): string[] {
  const byKind = new Map<string, string>();
  for (const raw of opts) {
    const o = raw.trim();
    if (!o) continue;
    const kind = optionKind(o);
    byKind.delete(kind);
    byKind.set(kind, o);
  }
  return [...byKind.values()];
}

const SIZE_SUFFIX = /^(\d+)([kmgKMG%]?)$/;

/** A --tmpfs mount: Docker's noexec,nosuid,nodev,rprivate defaults then the user's data. */
export function tmpfsMount(destination: string, data = ''): OciMount {
  if (!destination.startsWith('/')) throw badRequest(`invalid mount path: '${destination}' mount path must be absolute`);
  const user = data ? data.split(',') : [];
  for (const o of user) {
    if (o.startsWith('size=') && !SIZE_SUFFIX.test(o.slice(5))) throw badRequest(`invalid tmpfs option ["${o}"]`);
    if (o.startsWith('mode=') && !/^[0-7]{1,4}$/.test(o.slice(5))) throw badRequest(`invalid tmpfs option ["${o}"]`);
  }
  return {
    destination: path.posix.normalize(destination),
    type: 'tmpfs',
    source: 'tmpfs',
    options: mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...user]),
  };
}

function bindToOci(m: BindMount): OciMount {
  if (!m.destination.startsWith('/')) throw badRequest(`invalid mount path: '${m.destination}' mount path must be absolute`);
  const opts = [...(m.options ?? [])];
  const type = m.type ?? 'bind';
  if (type === 'bind' && !opts.includes('bind') && !opts.includes('rbind')) opts.unshift('rbind');
  return { destination: path.posix.normalize(m.destination), type, source: m.source, options: opts };
}

const depth = (p: string) => path.posix.normalize(p).split('/').filter(Boolean).length;

export interface MountPlan {
  shmSize: number | null; // null ⇒ no /dev/shm (ipc none, or shm bound from elsewhere)
  binds: BindMount[];
  tmpfs: OciMount[];
  readonlyRootfs: boolean;
  privileged: boolean;
  /** keep /sys/fs/cgroup writable (privileged, or user namespaces) */
  cgroupRw?: boolean;
}

/** The final mounts: defaults minus overridden ones, then user mounts by depth, then ro/privileged fixes. */
export function assembleMounts(plan: MountPlan): { mounts: OciMount[]; rootfsPropagation?: string } {
  const user = [...plan.binds.map(bindToOci), ...plan.tmpfs];
  // stable sort by number of path components, so parents mount before children
  user.sort((a, b) => depth(a.destination) - depth(b.destination));
  const userDests = new Set(user.map((m) => m.destination));
  const seen = new Set<string>();
  for (const m of user) {
    if (seen.has(m.destination)) throw badRequest(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  const devMounted = userDests.has('/dev');
  const defaults = defaultMounts(plan.shmSize).filter((m) => !userDests.has(m.destination) && !(devMounted && m.destination.startsWith('/dev/')));
  const mounts = [...defaults, ...user];

  if (plan.readonlyRootfs) {
    for (const m of mounts) {
      if (['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev'].includes(m.destination)) continue;
      if (userDests.has(m.destination)) continue;
      if (!m.options?.includes('ro')) m.options = [...(m.options ?? []), 'ro'];
    }
  }
  for (const m of mounts) {
    const clear = (m.destination === '/sys' && plan.privileged) || (m.type === 'cgroup' && (plan.privileged || plan.cgroupRw));
    if (clear) m.options = (m.options ?? []).filter((o) => o !== 'ro');
  }

  let rootfsPropagation: string | undefined;
  for (const m of user) {
    const o = m.options ?? [];
    if (o.includes('shared') || o.includes('rshared')) rootfsPropagation = 'rshared';
    else if ((o.includes('slave') || o.includes('rslave')) && rootfsPropagation !== 'rshared') rootfsPropagation = 'rslave';
  }
  return { mounts, rootfsPropagation };
}
