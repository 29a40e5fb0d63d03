// Device nodes and the device cgroup: Docker's default allow list, --device
// mappings (stat of the host node), --device-cgroup-rule, and the host's
// devices for privileged containers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badRequest } from '../util/errors';
import { OciDevice, OciDeviceCgroup } from './oci';

/** Docker's --device value: PathOnHost[:PathInContainer][:CgroupPermissions]. */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

const rule = (type: string, major: number | undefined, minor: number | undefined, access = 'rwm'): OciDeviceCgroup => {
  const r: OciDeviceCgroup = { allow: true, type, access };
  if (major !== undefined) r.major = major;
  if (minor !== undefined) r.minor = minor;
  return r;
};

/**
 * Deny everything, then allow mknod of any char/block node (nodes still need
 * an allow rule to be opened) and the standard char devices: null, zero,
 * full, random, urandom, tty, console, ptmx and the pts range.
 */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  return [
    { allow: false, access: 'rwm' },
    rule('c', undefined, undefined, 'm'),
    rule('b', undefined, undefined, 'm'),
    rule('c', 1, 3), // /dev/null
    rule('c', 1, 5), // /dev/zero
    rule('c', 1, 7), // /dev/full
    rule('c', 1, 8), // /dev/random
    rule('c', 1, 9), // /dev/urandom
    rule('c', 5, 0), // /dev/tty
    rule('c', 5, 1), // /dev/console
    rule('c', 5, 2), // /dev/ptmx
    rule('c', 136, undefined), // /dev/pts/*
  ];
}

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor). */
export function deviceNumbers(rdev: bigint | number): { major: number; minor: number } {
  const d = BigInt(rdev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor & 0xffffffffn) };
}

/** Parses the CLI's --device value (as docker's opts.ParseDevice). */
export function parseDeviceSpec(spec: string): DeviceMapping {
  const parts = spec.split(':');
  let src = '';
  let dst = '';
  let perms = 'rwm';
  const validPerms = (s: string) => /^[rwm]{1,3}$/.test(s) && new Set(s).size === s.length;
  switch (parts.length) {
    case 3:
      if (!validPerms(parts[2])) throw badRequest(`bad mode specified: ${parts[2]}`);
      perms = parts[2];
      dst = parts[1];
      src = parts[0];
      break;
    case 2:
      if (validPerms(parts[1])) perms = parts[1];
      else dst = parts[1];
      src = parts[0];
      break;
    case 1:
      src = parts[0];
      break;
    default:
      throw badRequest(`invalid device specification: ${spec}`);
  }
  if (!dst) dst = src;
  if (!dst.startsWith('/')) throw badRequest(`${dst} is not an absolute path`);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

function nodeFromStat(st: fs.BigIntStats): Omit<OciDevice, 'path'> | null {
  let type: string;
  if (st.isCharacterDevice()) type = 'c';
  else if (st.isBlockDevice()) type = 'b';
  else if (st.isFIFO()) type = 'p';
  else return null;
  const { major, minor } = deviceNumbers(st.rdev);
  return { type, major, minor, fileMode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid) };
}

function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return (e as Error).message;
}

/**
 * Devices (and allow rules) for one --device mapping. A directory maps every
 * device node under it. Errors use Docker's wording:
 * error gathering device information while adding custom device "/dev/x": no such file or directory
 */
export function devicesFromPath(m: DeviceMapping): { devices: OciDevice[]; rules: OciDeviceCgroup[] } {
  const hostPath = m.PathOnHost;
  const ctrPath = m.PathInContainer || hostPath;
  const perms = m.CgroupPermissions || 'rwm';
  const fail = (why: string) => badRequest(`error gathering device information while adding custom device "${hostPath}": ${why}`);
  let resolved = hostPath;
  try {
    if (fs.lstatSync(hostPath).isSymbolicLink()) resolved = fs.realpathSync(hostPath);
  } catch (e) {
    throw fail(errText(e));
  }
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(resolved, { bigint: true });
  } catch (e) {
    throw fail(errText(e));
  }
  const devices: OciDevice[] = [];
  const rules: OciDeviceCgroup[] = [];
  const add = (p: string, n: Omit<OciDevice, 'path'>) => {
    devices.push({ path: p, ...n });
    rules.push({ allow: true, type: n.type, major: n.major, minor: n.minor, access: perms });
  };
  const node = nodeFromStat(st);
  if (node) {
    add(ctrPath, node);
    return { devices, rules };
  }
  if (st.isDirectory()) {
    walk(resolved, (p, s) => {
      const n = nodeFromStat(s);
      if (n) add(path.join(ctrPath, path.relative(resolved, p)), n);
    });
  }
  if (!devices.length) throw fail('not a device node');
  return { devices, rules };
}

function walk(dir: string, fn: (p: string, st: fs.BigIntStats) => void, skip?: (name: string, isDir: boolean) => boolean): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (skip?.(e.name, e.isDirectory())) continue;
    if (e.isDirectory()) walk(p, fn, skip);
    else if (!e.isSymbolicLink()) {
      try {
        fn(p, fs.lstatSync(p, { bigint: true }));
      } catch {
        /* vanished */
      }
    }
  }
}

const HOST_DEV_SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Every device node under the host's /dev (what privileged containers get), like runc's HostDevices. */
export function hostDevices(root = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  walk(
    root,
    (p, st) => {
      const n = nodeFromStat(st);
      if (n && n.type !== 'p') out.push({ path: p, ...n });
    },
    (name, isDir) => (isDir ? HOST_DEV_SKIP_DIRS.has(name) : name === 'console'),
  );
  return out;
}

/** --device-cgroup-rule "c 1:3 rwm" / "a *:* rwm" → an allow rule (Docker's wording on error). */
export function parseDeviceCgroupRule(text: string): OciDeviceCgroup {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(text);
  if (!m) throw badRequest(`invalid device cgroup rule format: '${text}'`);
  const r: OciDeviceCgroup = { allow: true, type: m[1], access: m[4] };
  if (m[2] !== '*') r.major = Number(m[2]);
  if (m[3] !== '*') r.minor = Number(m[3]);
  return r;
}
