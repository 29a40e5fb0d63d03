// `COPY/ADD --chown=user[:group]` resolved against the files of the image
// being built, as the classic builder does: numbers are taken as they are,
// names are looked up in /etc/passwd and /etc/group; without a group the
// user string is used as the group too.

export class ChownError extends Error {}

export interface Identity {
  uid: number;
  gid: number;
}

const NUMERIC = /^[+-]?\d+$/;

function lookup(text: string | null, name: string, file: string, what: 'user' | 'group'): number {
  if (NUMERIC.test(name)) return Number(name);
  if (text === null) throw new ChownError(`open ${file}: no such file or directory`);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f[0] !== name) continue;
    const id = Number(f[2]);
    if (Number.isInteger(id)) return id;
  }
  throw new ChownError(`no such ${what}: ${name}`);
}

/**
 * Resolves a --chown value. `passwd`/`group` are the contents of the image's
 * /etc/passwd and /etc/group (null when the file does not exist).
 */
export function resolveChown(spec: string, passwd: string | null, group: string | null): Identity {
  const parts = spec.split(':');
  if (parts.length > 2) throw new ChownError(`invalid chown string format: ${spec}`);
  const user = parts[0];
  const grp = parts.length === 1 ? parts[0] : parts[1];
  let uid: number;
  let gid: number;
  try {
    uid = lookup(passwd, user, '/etc/passwd', 'user');
  } catch (e) {
    throw new ChownError(`can't find uid for user ${user}: ${(e as Error).message}`);
  }
  try {
    gid = lookup(group, grp, '/etc/group', 'group');
  } catch (e) {
    throw new ChownError(`can't find gid for group ${grp}: ${(e as Error).message}`);
  }
  return { uid, gid };
}

/** True when --chown needs the image's passwd/group files (it names a user or group). */
export function chownNeedsLookup(spec: string): boolean {
  return spec.split(':').some((p) => !NUMERIC.test(p));
}

/**
 * --chmod: an octal mode that replaces the permission bits, or (Dockerfile
 * 1.14+) a symbolic one applied to each file's own mode as chmod(1) does,
 * without a umask: `u+x,g-w`, `a=rX`, `go=u`, `+t`.
 */
export type ChmodSpec = number | { symbolic: string; clauses: ChmodClause[] };

interface ChmodClause {
  who: string;
  ops: Array<{ op: '+' | '-' | '='; perms: string }>;
}

const octalError = (spec: string) => new ChownError(`invalid chmod parameter: '${spec}'. it should be octal string and between 0 and 07777`);

/** --chmod's value: octal ("755", "0644") or symbolic ("u+x,g-w"); errors in the words of BuildKit's frontend 1.14+ (which quotes the value). */
export function parseChmod(spec: string): ChmodSpec {
  if (/^[0-9]+$/.test(spec)) {
    if (!/^[0-7]{1,5}$/.test(spec) || parseInt(spec, 8) > 0o7777) throw octalError(spec);
    return parseInt(spec, 8);
  }
  const clauses: ChmodClause[] = [];
  for (const part of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)$/.exec(part);
    if (!m) throw new ChownError(`invalid chmod parameter: ${spec}: ${part === '' ? 'empty clause' : `invalid mode ${JSON.stringify(part)}`}`);
    const ops: ChmodClause['ops'] = [];
    for (const o of m[2].matchAll(/([-+=])([ugo]|[rwxXst]*)/g)) ops.push({ op: o[1] as '+' | '-' | '=', perms: o[2] });
    clauses.push({ who: m[1], ops });
  }
  return { symbolic: spec, clauses };
}

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007 };

/** The mode a file gets under --chmod (undefined: its own). */
export function applyChmod(spec: ChmodSpec | undefined, mode: number, isDir: boolean): number {
  if (spec === undefined) return mode & 0o7777;
  if (typeof spec === 'number') return spec;
  let m = mode & 0o7777;
  for (const c of spec.clauses) {
    const who = c.who === '' || c.who.includes('a') ? 'ugo' : c.who;
    let mask = 0;
    for (const w of who) mask |= WHO[w];
    for (const { op, perms } of c.ops) {
      let bits = 0;
      if (perms === 'u' || perms === 'g' || perms === 'o') {
        const shift = perms === 'u' ? 6 : perms === 'g' ? 3 : 0;
        const p = (m >> shift) & 7;
        bits = (p << 6) | (p << 3) | p;
      } else {
        for (const ch of perms) {
          if (ch === 'r') bits |= 0o444;
          else if (ch === 'w') bits |= 0o222;
          else if (ch === 'x') bits |= 0o111;
          else if (ch === 'X') bits |= isDir || m & 0o111 ? 0o111 : 0;
          else if (ch === 's') bits |= 0o6000;
          else if (ch === 't') bits |= 0o1000;
        }
      }
      bits &= mask;
      if (op === '+') m |= bits;
      else if (op === '-') m &= ~bits;
      else m = (m & ~mask) | bits;
    }
  }
  return m;
}
