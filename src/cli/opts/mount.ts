// --mount's CSV grammar as the docker CLI reads it: type=bind|volume|tmpfs,
// source/src, target/dst/destination, readonly/ro, and the per-type options.
import { parseMemory } from '../../common/units';
import { csvRecord } from '../../common/csv';

export interface MountBody {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** Splits one CSV record (RFC 4180 quoting, like Go's encoding/csv). */
export function csvFields(s: string): string[] {
  const f = csvRecord(s);
  if (!f) throw new Error(`parse error on line 1, column ${s.length}: extraneous or missing " in quoted-field`);
  return f;
}

function parseBool(key: string, v: string): boolean {
  const l = v.toLowerCase();
  if (['1', 'true', 't'].includes(l)) return true;
  if (['0', 'false', 'f'].includes(l)) return false;
  throw new Error(`invalid value for ${key}: ${v}`);
}

export function parseMountSpec(spec: string): MountBody {
  const m: MountBody = { Type: 'volume' };
  const bind = () => (m.BindOptions ??= {});
  const vol = () => (m.VolumeOptions ??= {});
  const tmpfs = () => (m.TmpfsOptions ??= {});
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      // a few options may stand alone as "true"
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') vol().NoCopy = true;
      else if (key === 'bind-nonrecursive') bind().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    const val = field.slice(eq + 1);
    switch (key) {
      case 'type':
        if (!['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'].includes(val.toLowerCase())) throw new Error(`invalid value for type: ${val}`);
        m.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = parseBool(key, val);
        break;
      case 'consistency':
        m.Consistency = val;
        break;
      case 'bind-propagation':
        bind().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bind().NonRecursive = parseBool(key, val);
        break;
      case 'bind-create-mountpoint':
        bind().CreateMountpoint = parseBool(key, val);
        break;
      case 'volume-nocopy':
        vol().NoCopy = parseBool(key, val);
        break;
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'volume-label': {
        const i = val.indexOf('=');
        (vol().Labels ??= {})[i < 0 ? val : val.slice(0, i)] = i < 0 ? '' : val.slice(i + 1);
        break;
      }
      case 'volume-driver':
        (vol().DriverConfig ??= {}).Name = val;
        break;
      case 'volume-opt': {
        const i = val.indexOf('=');
        if (i < 0) throw new Error(`invalid volume-opt '${val}', must be a key=value pair`);
        const dc = (vol().DriverConfig ??= {});
        (dc.Options ??= {})[val.slice(0, i)] = val.slice(i + 1);
        break;
      }
      case 'tmpfs-size':
        try {
          tmpfs().SizeBytes = parseMemory(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val)) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = parseInt(val, 8);
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw new Error('target is required');
  if (m.BindOptions && m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.VolumeOptions && m.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}
