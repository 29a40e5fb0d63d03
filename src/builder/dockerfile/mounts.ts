// RUN --mount=<csv>: the BuildKit mount spec (Dockerfile 1.x), checked as the
// instruction is parsed, with BuildKit's wording for bad input. Values stay
// as written; the stage expands variables in them.
import { csvRecord } from '../../common/csv';

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type Sharing = '' | 'shared' | 'private' | 'locked';

export interface RunMount {
  type: MountType;
  target: string;
  source: string;
  /** A stage name or index, or an image (bind and cache). */
  from: string;
  readOnly: boolean;
  /** Cache ID (cache) or secret ID (secret). */
  id: string;
  sharing: Sharing;
  required: boolean;
  /** tmpfs size in bytes (0: the runtime's default). */
  size: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** secret: also (or only) export it as this environment variable. */
  env?: string;
}

const TYPES: MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING: Sharing[] = ['shared', 'private', 'locked'];

export class MountError extends Error {}

/** Go's encoding/csv for one record: fields split on commas, double quotes group. */
function csvFields(s: string): string[] {
  const f = csvRecord(s);
  if (!f) throw new MountError('failed to parse csv mounts: extraneous or missing " in quoted-field');
  return f;
}

function parseBool(key: string, v: string): boolean {
  const l = v.toLowerCase();
  if (['1', 't', 'true'].includes(l)) return true;
  if (['0', 'f', 'false'].includes(l)) return false;
  throw new MountError(`invalid value for ${key}: ${v}`);
}

function parseUint(key: string, v: string, base: 8 | 10): number {
  const re = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  const n = re.test(v) ? parseInt(v, base) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new MountError(`invalid value ${v} for ${key}`);
  return n;
}

/** docker/go-units RAMInBytes: 64m, 1g, 512 (bytes). */
function ramInBytes(key: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(v.trim());
  if (!m) throw new MountError(`invalid value for ${key}: ${v}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2].toLowerCase() as 'k'];
  return Math.floor(Number(m[1]) * mult);
}

/** One `--mount=` value. */
export function parseMount(val: string): RunMount {
  const m: RunMount = { type: 'bind', target: '', source: '', from: '', readOnly: true, id: '', sharing: '', required: false, size: 0 };
  let roAuto = true;
  for (const field of csvFields(val)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') (m.readOnly = true), (roAuto = false);
      else if (key === 'readwrite' || key === 'rw') (m.readOnly = false), (roAuto = false);
      else if (key === 'required') {
        if (m.type !== 'secret' && m.type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = true;
      } else throw new MountError(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType;
        if (!TYPES.includes(t)) throw new MountError(`unsupported mount type ${JSON.stringify(value)}`);
        m.type = t;
        break;
      }
      case 'from':
        m.from = value;
        break;
      case 'source':
      case 'src':
        m.source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = value;
        break;
      case 'readonly':
      case 'ro':
        m.readOnly = parseBool(key, value);
        roAuto = false;
        break;
      case 'readwrite':
      case 'rw':
        m.readOnly = !parseBool(key, value);
        roAuto = false;
        break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = parseBool(key, value);
        break;
      case 'size':
        if (m.type !== 'tmpfs') throw new MountError(`unexpected key '${key}' for mount type '${m.type}'`);
        m.size = ramInBytes(key, value);
        break;
      case 'id':
        m.id = value;
        break;
      case 'sharing': {
        const s = value.toLowerCase() as Sharing;
        if (!SHARING.includes(s)) throw new MountError(`unsupported sharing value ${JSON.stringify(value)}`);
        m.sharing = s;
        break;
      }
      case 'mode':
        m.mode = parseUint('mode', value, 8);
        break;
      case 'uid':
        m.uid = parseUint('uid', value, 10);
        break;
      case 'gid':
        m.gid = parseUint('gid', value, 10);
        break;
      case 'env':
        m.env = value;
        break;
      default:
        throw new MountError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.type !== 'secret' && m.type !== 'ssh' && m.type !== 'cache') {
    for (const k of ['mode', 'uid', 'gid'] as const) if (m[k] !== undefined) throw new MountError(`${k} not allowed for ${JSON.stringify(m.type)} type mounts`);
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from) throw new MountError('secret mount should not have a from');
    if (m.sharing) throw new MountError('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id && m.env === undefined) throw new MountError('invalid secret mount. one of source, target required');
    if (m.source && m.id) throw new MountError("both source and id can't be set");
  }
  if (m.sharing && m.type !== 'cache') throw new MountError(`invalid cache sharing set for ${m.type} mount`);
  if (m.env !== undefined && m.type !== 'secret') throw new MountError(`unexpected key 'env' for mount type '${m.type}'`);
  if (m.type !== 'secret' && m.type !== 'ssh' && !m.target) throw new MountError(`mount type ${m.type} requires a target`);
  return m;
}
