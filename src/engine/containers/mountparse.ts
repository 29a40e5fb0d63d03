// Docker's mount grammar on the daemon side (moby volume/mounts linux parser):
// HostConfig.Binds ("src:dst[:mode]"), HostConfig.Mounts (the --mount
// structure), VolumesFrom ("ctr[:ro|rw]") and tmpfs options, with Docker's
// validation and error wording. Pure: nothing here touches the filesystem
// except the existence check of a --mount bind source.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MountPoint, MountSpec } from '../../container';
import { badRequest } from '../../util/errors';

/** A mount point being resolved: the record's fields plus what only create needs. */
export interface ParsedMount extends MountPoint {
  /** copy the image's content into an empty volume (not for binds, not with nocopy) */
  CopyData: boolean;
}

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATIONS = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated']);
const COPY_MODES = new Set(['nocopy']);
export const DEFAULT_PROPAGATION = 'rprivate';

/** Go's path.Clean (with Docker's backslash tolerance): no "..", no "//", no trailing "/". */
export function cleanPath(p: string): string {
  const n = path.posix.normalize(p.replace(/\\/g, '/'));
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

const invalidSpec = (raw: string) => `invalid volume specification: '${raw}'`;
const mountConfigError = (type: string, msg: string) => badRequest(`invalid mount config for type "${type}": ${msg}`);

/** A mode string such as "ro,z,rshared,nocopy": at most one of each kind. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, prop: 0, copy: 0, consistency: 0 };
  for (const o of mode.split(',')) {
    if (RW_MODES.has(o)) counts.rw++;
    else if (LABEL_MODES.has(o)) counts.label++;
    else if (PROPAGATIONS.has(o)) counts.prop++;
    else if (COPY_MODES.has(o)) counts.copy++;
    else if (CONSISTENCY.has(o)) counts.consistency++;
    else return false;
  }
  return Object.values(counts).every((n) => n <= 1);
}

export function readWrite(mode: string): boolean {
  return validMountMode(mode) && !mode.split(',').includes('ro');
}

function propagationOf(mode: string): string | undefined {
  return mode.split(',').find((o) => PROPAGATIONS.has(o));
}

function validateAbsolute(p: string): string | undefined {
  return path.posix.isAbsolute(p.replace(/\\/g, '/')) ? undefined : `invalid mount path: '${p.replace(/\\/g, '/')}' mount path must be absolute`;
}

function validateNotRoot(p: string): string | undefined {
  return cleanPath(p) === '/' ? "invalid specification: destination can't be '/'" : undefined;
}

/** Docker's validateMountConfig; `checkSource`: a bind source must exist (--mount), unlike -v. */
export function validateMountConfig(m: MountSpec, checkSource: boolean): void {
  const type = m.Type;
  const fail = (msg: string) => mountConfigError(type, msg);
  if (!m.Target) throw fail('field Target must not be empty');
  const t = validateNotRoot(m.Target) ?? validateAbsolute(m.Target);
  if (t) throw fail(t);
  switch (type) {
    case 'bind': {
      if (!m.Source) throw fail('field Source must not be empty');
      const prop = m.BindOptions?.Propagation;
      if (prop && !PROPAGATIONS.has(prop)) throw fail(`invalid propagation mode: ${prop}`);
      if (m.VolumeOptions) throw fail('field VolumeOptions must not be specified');
      const s = validateAbsolute(m.Source);
      if (s) throw fail(s);
      if (checkSource && !m.BindOptions?.CreateMountpoint && !fs.existsSync(m.Source)) throw fail(`bind source path does not exist: ${m.Source}`);
      break;
    }
    case 'volume':
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.VolumeOptions?.Subpath) {
        if (!m.Source) throw fail('must not set Subpath when using anonymous volumes');
      }
      if (m.ReadOnly && !m.Source) throw fail('must not set ReadOnly mode when using anonymous volumes');
      break;
    case 'tmpfs':
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.Source) throw fail('field Source must not be specified');
      convertTmpfsOptions(m.TmpfsOptions, !!m.ReadOnly, fail);
      break;
    default:
      throw fail('mount type unknown');
  }
}

/** --mount type=tmpfs options as mount data: "ro,mode=1770,size=64m". */
export function convertTmpfsOptions(o: MountSpec['TmpfsOptions'], readOnly: boolean, fail: (msg: string) => Error = (msg) => badRequest(msg)): string {
  const raw: string[] = [];
  if (readOnly) raw.push('ro');
  if (o?.Mode) raw.push(`mode=${o.Mode.toString(8)}`);
  if (o?.SizeBytes) {
    let size = o.SizeBytes;
    let suffix = '';
    for (const [s, d] of [
      ['g', 2 ** 30],
      ['m', 2 ** 20],
      ['k', 2 ** 10],
    ] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    raw.push(`size=${size}${suffix}`);
  }
  for (const opt of o?.Options ?? []) {
    if (opt.length < 1 || opt.length > 2) throw fail('invalid option array length');
    if (opt[0] !== 'exec' && opt[0] !== 'noexec') throw fail(`invalid option: ${opt[0]}`);
    raw.push(opt.length === 1 ? opt[0] : `${opt[0]}=${opt[1]}`);
  }
  return raw.join(',');
}

function fromSpec(cfg: MountSpec, checkSource: boolean): ParsedMount {
  validateMountConfig(cfg, checkSource);
  const mp: ParsedMount = {
    Type: cfg.Type,
    Source: '',
    Destination: cleanPath(cfg.Target),
    Mode: '',
    RW: !cfg.ReadOnly,
    Propagation: '',
    Spec: cfg,
    CopyData: false,
  };
  if (cfg.Type === 'volume') {
    if (cfg.Source) mp.Name = cfg.Source;
    mp.CopyData = !cfg.VolumeOptions?.NoCopy;
    if (cfg.VolumeOptions?.DriverConfig?.Name) mp.Driver = cfg.VolumeOptions.DriverConfig.Name;
  } else if (cfg.Type === 'bind') {
    mp.Source = cleanPath(cfg.Source!);
    mp.Propagation = cfg.BindOptions?.Propagation || DEFAULT_PROPAGATION;
    mp.CreateSource = !!cfg.BindOptions?.CreateMountpoint;
  }
  return mp;
}

/** One HostConfig.Mounts entry (--mount). */
export function parseMountSpec(cfg: MountSpec): ParsedMount {
  return fromSpec(cfg, true);
}

/** One HostConfig.Binds entry (-v): "name:/dst", "/host:/dst:ro,rshared", "/dst". */
export function parseBind(raw: string, volumeDriver = ''): ParsedMount {
  const arr = raw.split(':');
  if (arr.length > 3) throw badRequest(invalidSpec(raw));
  if (arr[0] === '') throw badRequest(invalidSpec(raw));
  const spec: MountSpec = { Type: 'volume', Target: '' };
  let mode = '';
  if (arr.length === 1) spec.Target = arr[0];
  else if (arr.length === 2) {
    // "/foo:rw" is a destination and a mode, which a volume cannot have
    if (validMountMode(arr[1])) throw badRequest(invalidSpec(raw));
    spec.Source = arr[0];
    spec.Target = arr[1];
  } else {
    [spec.Source, spec.Target, mode] = arr;
  }
  if (!validMountMode(mode)) throw badRequest(`invalid mode: ${mode}`);
  spec.Type = spec.Source && path.posix.isAbsolute(spec.Source) ? 'bind' : 'volume';
  spec.ReadOnly = !readWrite(mode);
  if (volumeDriver && spec.Type === 'volume') spec.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (mode.split(',').includes('nocopy')) spec.VolumeOptions = { ...(spec.VolumeOptions ?? {}), NoCopy: true };
  const prop = propagationOf(mode);
  if (prop) spec.BindOptions = { Propagation: prop };
  try {
    const mp = fromSpec(spec, false);
    mp.Mode = mode;
    // -v creates a missing host directory, as Docker always has
    if (mp.Type === 'bind') mp.CreateSource = true;
    return mp;
  } catch (e) {
    throw badRequest(`${invalidSpec(raw)}: ${(e as Error).message}`);
  }
}

/** "ctr", "ctr:ro", "ctr:rw,z" → container and mode; propagation and copy modes are refused. */
export function parseVolumesFrom(spec: string): { id: string; mode: string } {
  if (!spec) throw badRequest('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  const id = i < 0 ? spec : spec.slice(0, i);
  const mode = i < 0 ? '' : spec.slice(i + 1);
  if (!mode) return { id, mode: 'rw' };
  if (!validMountMode(mode) || propagationOf(mode) || mode.split(',').includes('nocopy')) throw badRequest(`invalid mode: ${mode}`);
  return { id, mode };
}
