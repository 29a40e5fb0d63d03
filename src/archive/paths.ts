// Path confinement: resolving container paths inside a root directory the way a
// chroot would (securejoin semantics), and cleaning tar entry names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badRequest } from '../util/errors';
import { sysError } from '../sys/libc';

export const MAX_SYMLINKS = 255;
const ELOOP = 40;
const ENOTDIR = 20;

/** Components of a tar entry name relative to the extraction dir; null if it climbs out. */
export function cleanEntryName(name: string): string[] | null {
  const out: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(p);
  }
  return out;
}

export function breakout(name: string, what = 'entry name'): Error {
  return badRequest(`invalid ${what} ${JSON.stringify(name)}: path escapes the destination directory`);
}

export interface WalkResult {
  /** Real components below the root. */
  parts: string[];
  /** A symlink was followed on the way. */
  followedLink: boolean;
}

export interface WalkOptions {
  followFinal: boolean;
  /** Create missing components as directories (mode 0755) and require every component to be one. */
  create?: boolean;
  /** Called for each directory component reached without following a link: (components so far, setgid). */
  onDir?: (parts: string[], sgid: boolean) => void;
}

function isMissing(e: unknown): boolean {
  const c = (e as NodeJS.ErrnoException).code;
  return c === 'ENOENT' || c === 'ENOTDIR';
}

/**
 * Resolves `unsafe` component by component starting from `start` (real components
 * below root). Symlinks are read and interpreted inside the root (absolute targets
 * restart at the root), `..` never climbs above the root.
 */
export function walkInRoot(root: string, start: string[], unsafe: string[], opts: WalkOptions): WalkResult {
  const cur = start.slice();
  const pending = unsafe.slice().reverse();
  let links = 0;
  let followedLink = false;
  const finalLeft = () => {
    for (let i = pending.length - 1; i >= 0; i--) if (pending[i] !== '' && pending[i] !== '.') return false;
    return true;
  };
  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      cur.pop();
      continue;
    }
    cur.push(c);
    if (!opts.followFinal && finalLeft()) break;
    const abs = root + '/' + cur.join('/');
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      if (!isMissing(e)) throw e;
      if (!opts.create) continue;
      fs.mkdirSync(abs, 0o755);
      // may have inherited setgid from its parent: report it conservatively
      if (!followedLink) opts.onDir?.(cur, true);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw sysError('resolve', ELOOP, abs);
      followedLink = true;
      const target = fs.readlinkSync(abs);
      cur.pop();
      if (target.startsWith('/')) cur.length = 0;
      const t = target.split('/');
      for (let i = t.length - 1; i >= 0; i--) pending.push(t[i]);
      continue;
    }
    if (opts.create && !st.isDirectory()) throw sysError('mkdir', ENOTDIR, abs);
    if (!followedLink && st.isDirectory()) opts.onDir?.(cur, (st.mode & 0o2000) !== 0);
  }
  return { parts: cur, followedLink };
}

/**
 * Joins `unsafePath` to `root` resolving every component inside root, like Go's
 * securejoin: symlinks are interpreted relative to root (absolute targets are
 * re-rooted), `..` is clamped at root, more than 255 links fail with ELOOP.
 * With followFinal false a final symlink is returned itself (unless the path
 * ends in "/" or "/."). Components that do not exist are kept lexically.
 */
export function resolveInRoot(root: string, unsafePath: string, opts: { followFinal: boolean } = { followFinal: true }): string {
  const r = path.resolve(root);
  const trailing = /\/\.?$/.test(unsafePath);
  const { parts } = walkInRoot(r, [], unsafePath.split('/'), { followFinal: opts.followFinal || trailing });
  return parts.length ? (r === '/' ? '' : r) + '/' + parts.join('/') : r;
}

/** Container path of a host path below root ("/" for root itself). */
export function containerPathOf(root: string, hostPath: string): string {
  const rel = path.relative(path.resolve(root), hostPath);
  return '/' + rel;
}
