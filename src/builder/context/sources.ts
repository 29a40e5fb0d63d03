// COPY/ADD sources resolved inside a tree (the build context, or a stage's or
// image's filesystem for COPY --from), with the classic builder's rules:
// - a leading "/" or "./" is dropped: sources are always relative to the root;
// - a path that climbs above the root ("../x") is refused;
// - wildcards (`*`, `?`, `[…]`, filepath.Match rules) match whole relative
//   paths, element by element, and may match nothing if other sources exist;
// - the source itself is resolved with symlinks followed *inside* the tree
//   (an absolute link target restarts at its root), never outside it;
// - a directory source stands for its contents.
import { badRequest } from '../../util/errors';
import { cleanPath } from '../../common/buildcontext/ignore';
import { DiskFS, FileInfo, SourceFS, resolveIn } from './fs';
import { goMatch, hasWildcards } from '../../common/buildcontext/glob';

export interface SourceInfo {
  /** The source as Docker names it: relative to the root, "/"-separated ("." for the root). */
  path: string;
  /** Its real path in the tree once symlinks are resolved ('' for the root). */
  real: string;
  /** What is there (never a symlink). */
  info: FileInfo;
  /** The tree it is in. */
  fs: SourceFS;
  /** Host path, when the tree is a directory on disk. */
  abs?: string;
  /** COPY --parents: the directories kept above it under the destination ('' for none). */
  parents?: string;
}

export interface ResolveOptions {
  cmd: 'COPY' | 'ADD';
  /** The root is the build context (its errors mention .dockerignore). */
  context: boolean;
  /** The destination ends in "/" (or is "."): required for more than one source. */
  destIsDir: boolean;
  /** Sources that are not paths (heredoc files, downloads), counted for the rule above. */
  otherSources?: number;
}

/** A relative path that climbs above the root ("../x"), as Docker refuses it. */
export function escapesRoot(rel: string): boolean {
  const c = cleanPath(rel.replace(/^\/+/, ''));
  return c === '..' || c.startsWith('../');
}

/** Docker's trimming of a source path. */
export function normalizeSource(src: string): string {
  let p = src.startsWith('/') ? src.slice(1) : src;
  if (p.startsWith('./')) p = p.slice(2);
  return p === '' ? '.' : p;
}

function statIn(sfs: SourceFS, rel: string, opts: ResolveOptions): SourceInfo {
  const fail = (msg: string) => badRequest(`${opts.cmd} failed: ${msg}`);
  if (escapesRoot(rel)) throw fail(`forbidden path outside the build context: ${rel} ()`);
  const real = resolveIn(sfs, rel, true);
  const info = sfs.lstat(real);
  if (!info || info.type === 'symlink') {
    if (opts.context) throw fail(`file not found in build context or excluded by .dockerignore: stat ${rel}: file does not exist`);
    throw fail(`stat ${rel}: file does not exist`);
  }
  const out: SourceInfo = { path: rel, real, info, fs: sfs };
  if (sfs instanceof DiskFS) out.abs = sfs.abs(real);
  return out;
}

/** Unescapes a literal pattern element ("a\*b" -> "a*b"). */
function unescape(seg: string): string {
  return seg.replace(/\\(.)/gs, '$1');
}

/** Relative paths in the tree matching a wildcard pattern, in walk (lexical) order. */
export function globSources(sfs: SourceFS, pattern: string): string[] {
  const segs = pattern.split('/');
  const out: string[] = [];
  const walk = (relDir: string, k: number) => {
    const seg = segs[k];
    const last = k === segs.length - 1;
    let names: string[];
    if (!hasWildcards(seg)) {
      const lit = unescape(seg);
      if (lit === '' || lit === '.' || lit === '..') return;
      names = [lit];
    } else {
      const d = sfs.lstat(relDir);
      if (!d || d.type !== 'dir') return;
      names = sfs.readdir(relDir);
    }
    for (const name of names) {
      if (!goMatch(seg, name)) continue;
      const rel = relDir ? relDir + '/' + name : name;
      const info = sfs.lstat(rel);
      if (!info) continue;
      if (last) out.push(rel);
      else if (info.type === 'dir') walk(rel, k + 1);
    }
  };
  walk('', 0);
  return out;
}

/**
 * Resolves the path sources of one COPY/ADD (URLs excluded: the executor
 * downloads those) in a tree, or in a directory on disk given by its path.
 * Errors are Docker's, prefixed "COPY failed: ".
 */
export function resolveSources(tree: SourceFS | string, sources: readonly string[], opts: ResolveOptions): SourceInfo[] {
  const sfs = typeof tree === 'string' ? new DiskFS(tree) : tree;
  const infos: SourceInfo[] = [];
  for (const src of sources) {
    const p = normalizeSource(src);
    if (hasWildcards(p)) {
      for (const rel of globSources(sfs, p)) infos.push(statIn(sfs, rel, opts));
    } else infos.push(statIn(sfs, p, opts));
  }
  const total = infos.length + (opts.otherSources ?? 0);
  if (total === 0) throw badRequest(`${opts.cmd} failed: no source files were specified`);
  if (total > 1 && !opts.destIsDir)
    throw badRequest(`When using ${opts.cmd} with more than one source file, the destination must be a directory and end with a /`);
  return infos;
}

/**
 * ADD's git sources, as BuildKit recognises them: git@host:…, git://…,
 * ssh://…, and http(s) URLs whose path ends in .git (an optional
 * `#ref[:subdir]` fragment after it).
 */
export function isGitSource(src: string): boolean {
  if (/^git@[^:]+:/.test(src) || /^(git|ssh):\/\//.test(src)) return true;
  return /^https?:\/\/[^#]+\.git(#.*)?$/.test(src) || /^https?:\/\/[^#]+\.git\/?(#.*)?$/.test(src);
}

/** ADD's downloaded sources (git URLs apart). */
export function isRemoteSource(src: string): boolean {
  return /^https?:\/\//.test(src) && !isGitSource(src);
}
