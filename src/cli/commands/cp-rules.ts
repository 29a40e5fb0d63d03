// Docker's copy rules (moby's pkg/archive copy logic, as the docker CLI applies
// them on its side of `cp`): how a source and a destination combine into the
// directory to extract into and the name the copied entry takes there.
import * as path from 'node:path';

export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source's top entry takes instead of its own (a trailing "/" on a link, -L). */
  rebaseName?: string;
}

export const isAbs = (p: string): boolean => p.startsWith('/');
const hasTrailingSep = (p: string) => p.length > 0 && p.endsWith('/');
/** filepath.Base(p) == "." */
const specifiesCurrentDir = (p: string) => goBase(p) === '.';

/** Go's filepath.Base. */
function goBase(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

/** Go's filepath.Clean. */
function goClean(p: string): string {
  if (p === '') return '.';
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/$/, '') : n;
}

export const assertsDirectory = (p: string): boolean => hasTrailingSep(p) || specifiesCurrentDir(p);

/** `docker cp` argument: "ctr:path", or a local path (absolute, or starting with "." before any ":"). */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (isAbs(arg)) return { path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.slice(0, i).startsWith('.')) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** Keeps a trailing "/." or "/" of the original on the cleaned path. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  if (!specifiesCurrentDir(cleaned) && specifiesCurrentDir(original)) {
    if (!hasTrailingSep(cleaned)) cleaned += '/';
    cleaned += '.';
  }
  if (!hasTrailingSep(cleaned) && hasTrailingSep(original)) cleaned += '/';
  return cleaned;
}

/** [dir, base] of a path; "x/." keeps "." as its base. */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = goClean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return [path.posix.dirname(cleaned), goBase(cleaned)];
}

/** The resolved path with p's trailing "/." or "/", and the name to rebase to when the bases differ. */
export function getRebaseName(p: string, resolved: string): [string, string] {
  if (specifiesCurrentDir(p) && !specifiesCurrentDir(resolved)) resolved += '/.';
  if (hasTrailingSep(p) && !hasTrailingSep(resolved)) resolved += '/';
  return [resolved, goBase(p) !== goBase(resolved) ? goBase(p) : ''];
}

export interface PreparedCopy {
  /** The directory to extract into. */
  dstDir: string;
  /** Rename the archive's top entry [from, to], or null to extract it as is. */
  rebase: [string, string] | null;
}

/** Where and under which name a source lands (PrepareArchiveCopy); throws Docker's errors. */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): PreparedCopy {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path)[1];
  if (dst.exists && dst.isDir) return { dstDir: dst.path, rebase: null };
  if (dst.exists && src.isDir) throw new Error('cannot copy directory');
  if (dst.exists || src.isDir) return { dstDir, rebase: [srcBase, dstBase] };
  if (assertsDirectory(dst.path)) throw new Error('no such directory');
  return { dstDir, rebase: [srcBase, dstBase] };
}

/** Docker's entry renamer: oldBase and what is below it take newBase. */
export function rebaser(oldBase: string, newBase: string): (name: string) => string {
  const o = oldBase.replace(/\/+$/, '');
  const n = newBase.replace(/\/+$/, '');
  if (o === '') return (name) => (n === '' ? name.replace(/^\/+/, '') : n + '/' + name.replace(/^\/+/, ''));
  return (name) => {
    if (!name.startsWith(o)) return name;
    const suffix = name.slice(o.length);
    if (suffix !== '' && !suffix.startsWith('/')) return name;
    return n + suffix;
  };
}
