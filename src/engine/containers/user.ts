// Resolving `--user name|uid[:group|gid]` and `--group-add` against the image's
// /etc/passwd and /etc/group, as Docker does (numeric IDs need no entry).
import { readFileInRoot } from '../../archive';
import { badRequest } from '../../util/errors';

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** A file of the container (for exec: a running one), read through an fd inside its root. */
function readRootFile(rootfs: string, p: string): string {
  try {
    return readFileInRoot(rootfs, p)?.toString('utf8') ?? '';
  } catch {
    return '';
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const f = l.split(':');
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
    })
    .filter((e) => Number.isInteger(e.uid));
}

function parseGroup(text: string): GroupEntry[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const f = l.split(':');
      return { name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) };
    })
    .filter((e) => Number.isInteger(e.gid));
}

const isNum = (s: string) => /^\d+$/.test(s);

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

export function resolveUser(rootfs: string, user: string, groupAdd: string[] = []): ResolvedUser {
  const [u, g] = user ? user.split(':', 2) : ['', undefined];
  const passwd = parsePasswd(readRootFile(rootfs, '/etc/passwd'));
  const groups = parseGroup(readRootFile(rootfs, '/etc/group'));
  let uid = 0;
  let gid = 0;
  let name = 'root';
  let home = '/';
  if (u) {
    const byName = passwd.find((p) => p.name === u);
    const byUid = isNum(u) ? passwd.find((p) => p.uid === Number(u)) : undefined;
    const ent = byName ?? byUid;
    if (ent) {
      uid = ent.uid;
      gid = ent.gid;
      name = ent.name;
      home = ent.home;
    } else if (isNum(u)) {
      uid = Number(u);
      name = '';
    } else {
      throw badRequest(`unable to find user ${u}: no matching entries in passwd file`);
    }
  } else {
    const root = passwd.find((p) => p.uid === 0);
    if (root) home = root.home;
  }
  if (g !== undefined && g !== '') {
    const grp = groups.find((x) => x.name === g) ?? (isNum(g) ? { gid: Number(g) } : undefined);
    if (!grp) throw badRequest(`unable to find group ${g}: no matching entries in group file`);
    gid = grp.gid;
  }
  // as dockerd since 20.10.18 (CVE-2022-36109): the primary group is always a supplementary
  // group too, so no group the image's user had can linger
  const extra = new Set<number>([gid]);
  if (name && g === undefined) for (const grp of groups) if (grp.members.includes(name)) extra.add(grp.gid);
  for (const a of groupAdd) {
    const grp = groups.find((x) => x.name === a) ?? (isNum(a) ? { gid: Number(a) } : undefined);
    if (!grp) throw badRequest(`Unable to find group ${a}: no matching entries in group file`);
    extra.add(grp.gid);
  }
  return { uid, gid, additionalGids: [...extra], home };
}
