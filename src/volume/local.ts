// The `local` driver, as Docker's: one directory per volume under the data root
// (volumes/<name>/_data holds the data, volumes/<name>/volume.json the record),
// and optional mount options (-o type=… -o device=… -o o=…) that mount a
// filesystem on _data while containers use the volume.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mount, umount2, spreadSubdirs, MNT_DETACH, MS_BIND, MS_REC, MS_RDONLY, MS_REMOUNT } from '../sys';
import { badRequest, internal } from '../util/errors';
import { readJsonSync, removeStaleTemps, writeJsonAtomicSync } from '../util/fsutil';
import { isObject, isStringMap } from '../util/records';
import { log } from '../util/log';
import { parseMemory } from '../common/units';
import { LOCAL_DRIVER, type Volume, type VolumeDriver } from './types';

const DATA = '_data';
const META = 'volume.json';
const TRASH_PREFIX = '.trash-';
const NEW_PREFIX = '.new-';
/** Docker's RestrictedNamePattern: the name is a directory name, so nothing that could leave the root. */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const VALID_OPTS = new Set(['type', 'o', 'device', 'size']);
const REQUIRED: Array<[string, string[]]> = [
  ['device', ['type']],
  ['type', ['device']],
  ['o', ['device', 'type']],
];

interface Meta {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  CreatedAt: number;
}

/** The longest file name Linux filesystems take. */
const MAX_NAME = 255;

export class LocalDriver implements VolumeDriver {
  readonly name = LOCAL_DRIVER;
  readonly scope = 'local' as const;

  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o701 });
    spreadSubdirs(root); // one independent tree per child (sys/index.ts says why)
  }

  dir(name: string): string {
    return path.join(this.root, name);
  }

  load(): { volumes: Volume[]; mounted: Set<string> } {
    const volumes: Volume[] = [];
    const mounted = new Set<string>();
    const mountpoints = mountPoints();
    for (const ent of fs.readdirSync(this.root, { withFileTypes: true })) {
      const name = ent.name;
      if (name.startsWith(TRASH_PREFIX) || name.startsWith(NEW_PREFIX)) {
        // a removal or a create that a crash interrupted: finish or drop it
        this.destroy(path.join(this.root, name));
        continue;
      }
      if (!ent.isDirectory()) continue;
      if (!VOLUME_NAME.test(name)) {
        log().warn({ name }, 'ignoring a directory under volumes/ that is not a valid volume name');
        continue;
      }
      const dir = this.dir(name);
      removeStaleTemps(dir);
      let meta: Meta | undefined;
      try {
        meta = readJsonSync<Meta>(path.join(dir, META));
      } catch (e) {
        // an unreadable record never costs the data: the volume stays, without labels and options
        log().warn({ err: e, name }, 'volume record unreadable; keeping the volume without its labels and options');
      }
      if (meta && (!isObject(meta) || !isStringMap(meta.Labels) || !isStringMap(meta.Options))) {
        log().error({ name }, 'volume record has labels or options that are not strings; keeping the volume without them');
        meta = undefined;
      }
      const data = path.join(dir, DATA);
      if (!fs.existsSync(data)) fs.mkdirSync(data, { mode: 0o755 });
      let created = meta?.CreatedAt;
      if (typeof created !== 'number') created = fs.statSync(dir).ctimeMs;
      volumes.push({
        Name: name,
        Driver: LOCAL_DRIVER,
        Mountpoint: data,
        Created: created,
        Labels: meta?.Labels ?? null,
        Options: meta?.Options ?? null,
      });
      if (mountpoints.has(data)) mounted.add(name);
    }
    return { volumes, mounted };
  }

  validateName(name: string): void {
    if (name.length === 1) throw badRequest('volume name is too short, names should be at least two alphanumeric characters');
    // the name is a directory name: refused here rather than by the filesystem (ENAMETOOLONG with the host path)
    if (Buffer.byteLength(name) > MAX_NAME) throw badRequest(`volume name is too long, names should be at most ${MAX_NAME} characters`);
    if (!VOLUME_NAME.test(name))
      throw badRequest(
        `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
  }

  validateOptions(opts: Record<string, string> | null): void {
    if (!opts) return;
    for (const k of Object.keys(opts)) if (!VALID_OPTS.has(k)) throw badRequest(`invalid option: "${k}"`);
    if (opts.size !== undefined) {
      const size = parseMemory(opts.size);
      // Docker limits size with XFS project quotas; berth has no quota support
      if (size > 0) throw badRequest('quota size requested but no quota support');
    }
    for (const [k, needs] of REQUIRED) {
      if (!(k in opts)) continue;
      for (const n of needs) if (!(n in opts)) throw badRequest(`missing required option: "${n}"`);
    }
  }

  create(name: string, options: Record<string, string> | null, labels: Record<string, string> | null): Volume {
    this.validateName(name);
    this.validateOptions(options);
    const dir = this.dir(name);
    const data = path.join(dir, DATA);
    const v: Volume = { Name: name, Driver: LOCAL_DRIVER, Mountpoint: data, Created: Date.now(), Labels: labels, Options: options };
    // made aside under a random name and renamed in: a cut create leaves no half volume, and ext4
    // places the tree from a hash of its name (a re-created name would land where its last files were just freed)
    const made = path.join(this.root, `${NEW_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      fs.mkdirSync(made, { mode: 0o701 });
      fs.mkdirSync(path.join(made, DATA), { mode: 0o755 });
      fs.chmodSync(path.join(made, DATA), 0o755);
      writeJsonAtomicSync(path.join(made, META), { Name: name, Driver: LOCAL_DRIVER, Labels: labels, Options: options, CreatedAt: v.Created } satisfies Meta);
    } catch (e) {
      fs.rmSync(made, { recursive: true, force: true });
      throw internal(`error while creating volume data path '${data}': ${(e as Error).message}`);
    }
    try {
      if (fs.existsSync(dir)) throw Object.assign(new Error(`mkdir ${dir}: file exists`), { code: 'EEXIST' });
      fs.renameSync(made, dir);
    } catch (e) {
      fs.rmSync(made, { recursive: true, force: true });
      throw internal(`error while creating volume root path '${dir}': ${(e as Error).message}`);
    }
    return v;
  }

  remove(v: Volume): void {
    const dir = this.dir(v.Name);
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const root = fs.realpathSync(this.root);
    if (real === root || !real.startsWith(root + '/')) throw internal(`unable to remove a directory outside of the local volume root ${root}: ${real}`);
    // never delete through a mount: whatever is mounted in the volume is detached first
    const under = [...mountPoints()].filter((m) => m === real || m.startsWith(real + '/')).sort((a, b) => b.length - a.length);
    for (const m of under) umount2(m, MNT_DETACH);
    if ([...mountPoints()].some((m) => m === real || m.startsWith(real + '/'))) throw internal(`error removing volume path '${real}': still mounted`);
    // rename first: a crash mid-removal leaves trash (finished at the next start), never half a volume
    // not named after the volume: a 255-byte name plus the prefix would not fit in a directory name
    const trash = path.join(this.root, `${TRASH_PREFIX}${randomBytes(8).toString('hex')}`);
    fs.renameSync(real, trash);
    this.destroy(trash);
  }

  private destroy(p: string): void {
    try {
      fs.rmSync(p, { recursive: true, force: true });
    } catch (e) {
      log().warn({ err: e, path: p }, 'removing volume data failed');
    }
  }

  needsMount(v: Volume): boolean {
    return !!(v.Options && (v.Options.device || v.Options.type));
  }

  mount(v: Volume): void {
    const o = v.Options ?? {};
    if (!o.device) throw internal('missing device in volume options');
    const { flags, data } = parseMountOptions(o.o ?? '');
    const prop = flags & PROPAGATION_FLAGS;
    const base = flags & ~PROPAGATION_FLAGS;
    try {
      mount(o.device, v.Mountpoint, o.type ?? '', base, data);
      if (prop) mount('', v.Mountpoint, '', prop, '');
      if ((base & (MS_BIND | MS_RDONLY)) === (MS_BIND | MS_RDONLY)) mount('', v.Mountpoint, '', base | MS_REMOUNT, '');
    } catch (e) {
      let msg = `mount ${o.device}:${v.Mountpoint}`;
      if (base) msg += `, flags: 0x${base.toString(16)}`;
      if (data) msg += `, data: ${data}`;
      msg += `: ${errnoText(e)}`;
      const pw = /(?:^|,)password=([^,]*)/.exec(o.o ?? '');
      if (pw) msg = msg.replace(`password=${pw[1]}`, 'password=********');
      throw internal(`failed to mount local volume: ${msg}`);
    }
  }

  unmount(v: Volume): void {
    try {
      umount2(v.Mountpoint, 0);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return; // not mounted
      if (code === 'EBUSY') {
        umount2(v.Mountpoint, MNT_DETACH);
        return;
      }
      throw internal(`error unmounting volume ${v.Name}: ${errnoText(e)}`);
    }
  }
}

/** Mount points of this mount namespace (/proc/self/mountinfo field 5, octal escapes decoded). */
export function mountPoints(): Set<string> {
  const out = new Set<string>();
  for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f.length > 4) out.add(unescapeMountPath(f[4]));
  }
  return out;
}

export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function errnoText(e: unknown): string {
  const m = (e as Error).message ?? String(e);
  // "ENOENT: no such file or directory, mount '…'" → Go's "no such file or directory"
  const x = /^[A-Z0-9]+: ([^,]+),/.exec(m);
  return x ? x[1] : m;
}

const MS_NOSUID = 0x2;
const MS_NODEV = 0x4;
const MS_NOEXEC = 0x8;
const MS_SYNCHRONOUS = 0x10;
const MS_MANDLOCK = 0x40;
const MS_DIRSYNC = 0x80;
const MS_NOATIME = 0x400;
const MS_NODIRATIME = 0x800;
const MS_UNBINDABLE = 0x20000;
const MS_PRIVATE = 0x40000;
const MS_SLAVE = 0x80000;
const MS_SHARED = 0x100000;
const MS_RELATIME = 0x200000;
const MS_STRICTATIME = 0x1000000;
const PROPAGATION_FLAGS = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_REC;

// moby/sys/mount's option table: [clear?, flag]
const FLAGS: Record<string, [boolean, number]> = {
  defaults: [false, 0],
  ro: [false, MS_RDONLY],
  rw: [true, MS_RDONLY],
  suid: [true, MS_NOSUID],
  nosuid: [false, MS_NOSUID],
  dev: [true, MS_NODEV],
  nodev: [false, MS_NODEV],
  exec: [true, MS_NOEXEC],
  noexec: [false, MS_NOEXEC],
  sync: [false, MS_SYNCHRONOUS],
  async: [true, MS_SYNCHRONOUS],
  dirsync: [false, MS_DIRSYNC],
  remount: [false, MS_REMOUNT],
  mand: [false, MS_MANDLOCK],
  nomand: [true, MS_MANDLOCK],
  atime: [true, MS_NOATIME],
  noatime: [false, MS_NOATIME],
  diratime: [true, MS_NODIRATIME],
  nodiratime: [false, MS_NODIRATIME],
  bind: [false, MS_BIND],
  rbind: [false, MS_BIND | MS_REC],
  unbindable: [false, MS_UNBINDABLE],
  runbindable: [false, MS_UNBINDABLE | MS_REC],
  private: [false, MS_PRIVATE],
  rprivate: [false, MS_PRIVATE | MS_REC],
  shared: [false, MS_SHARED],
  rshared: [false, MS_SHARED | MS_REC],
  slave: [false, MS_SLAVE],
  rslave: [false, MS_SLAVE | MS_REC],
  relatime: [false, MS_RELATIME],
  norelatime: [true, MS_RELATIME],
  strictatime: [false, MS_STRICTATIME],
  nostrictatime: [true, MS_STRICTATIME],
};

/** "size=10m,uid=1000,ro" → mount(2) flags and the filesystem's data string, as moby/sys/mount parses it. */
export function parseMountOptions(o: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const opt of o.split(',')) {
    if (!opt) continue;
    const f = FLAGS[opt];
    if (!f) data.push(opt);
    else if (f[0]) flags &= ~f[1];
    else flags |= f[1];
  }
  return { flags, data: data.join(',') };
}
