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

/** --chmod's octal value ("755", "0644"). */
export function parseChmod(spec: string): number {
  if (!/^[0-7]{1,5}$/.test(spec) || parseInt(spec, 8) > 0o7777)
    throw new ChownError(`invalid chmod parameter: ${spec}. it should be octal string and between 0 and 07777`);
  return parseInt(spec, 8);
}
