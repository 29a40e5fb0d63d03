// COPY/ADD sources resolved inside a root (the build context, or a stage's or
// image's filesystem for COPY --from), with the classic builder's rules:
// - a leading "/" or "./" is dropped: sources are always relative to the root;
// - a path that climbs above the root ("../x") is refused;
// - wildcards (`*`, `?`, `[…]`, filepath.Match rules) match whole relative
//   paths, element by element, and may match nothing if other sources exist;
// - the source itself is resolved with symlinks followed *inside* the root
//   (an absolute link target restarts at the root), never outside it;
// - a directory source stands for its contents.
import * as fs from 'node:fs';
import { resolveInRoot } from '../../archive';
import { badRequest } from '../../util/errors';
import { escapesRoot } from './extract';
import { goMatch, hasWildcards } from './glob';

export interface SourceInfo {
  /** The source as Docker names it: relative to the root, "/"-separated ("." for the root). */
  path: string;
  /** Host path after resolution inside the root. */
  abs: string;
  /** stat of abs (symlinks resolved, so a directory or a file/device). */
  stat: fs.Stats;
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

const isMissing = (e: unknown) => {
  const c = (e as NodeJS.ErrnoException).code;
  return c === 'ENOENT' || c === 'ENOTDIR';
};

/** Docker's trimming of a source path. */
export function normalizeSource(src: string): string {
  let p = src.startsWith('/') ? src.slice(1) : src;
  if (p.startsWith('./')) p = p.slice(2);
  return p === '' ? '.' : p;
}

function statIn(root: string, rel: string, opts: ResolveOptions): SourceInfo {
  const fail = (msg: string) => badRequest(`${opts.cmd} failed: ${msg}`);
  if (escapesRoot(rel)) throw fail(`forbidden path outside the build context: ${rel} ()`);
  const abs = resolveInRoot(root, rel, { followFinal: true });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    if (!isMissing(e)) throw e;
    if (opts.context) throw fail(`file not found in build context or excluded by .dockerignore: stat ${rel}: file does not exist`);
    throw fail(`stat ${rel}: file does not exist`);
  }
  return { path: rel, abs, stat };
}

/** Unescapes a literal pattern element ("a\*b" -> "a*b"). */
function unescape(seg: string): string {
  return seg.replace(/\\(.)/gs, '$1');
}

/** Relative paths below root matching a wildcard pattern, in walk (lexical) order. */
export function globSources(root: string, pattern: string): string[] {
  const segs = pattern.split('/');
  const out: string[] = [];
  const walk = (absDir: string, relDir: string, k: number) => {
    const seg = segs[k];
    const last = k === segs.length - 1;
    let names: string[];
    if (!hasWildcards(seg)) {
      const lit = unescape(seg);
      if (lit === '' || lit === '.' || lit === '..') return;
      names = [lit];
    } else {
      try {
        names = fs.readdirSync(absDir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      } catch (e) {
        if (isMissing(e)) return;
        throw e;
      }
    }
    for (const name of names) {
      if (!goMatch(seg, name)) continue;
      const abs = absDir + '/' + name;
      const rel = relDir ? relDir + '/' + name : name;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(abs);
      } catch (e) {
        if (isMissing(e)) continue;
        throw e;
      }
      if (last) out.push(rel);
      else if (st.isDirectory()) walk(abs, rel, k + 1);
    }
  };
  walk(root.replace(/\/+$/, '') || '/', '', 0);
  return out;
}

/**
 * Resolves the path sources of one COPY/ADD (URLs excluded: the executor
 * downloads those). Errors are Docker's, prefixed "COPY failed: ".
 */
export function resolveSources(root: string, sources: readonly string[], opts: ResolveOptions): SourceInfo[] {
  const infos: SourceInfo[] = [];
  for (const src of sources) {
    const p = normalizeSource(src);
    if (hasWildcards(p)) {
      for (const rel of globSources(root, p)) infos.push(statIn(root, rel, opts));
    } else infos.push(statIn(root, p, opts));
  }
  const total = infos.length + (opts.otherSources ?? 0);
  if (total === 0) throw badRequest(`${opts.cmd} failed: no source files were specified`);
  if (total > 1 && !opts.destIsDir)
    throw badRequest(`When using ${opts.cmd} with more than one source file, the destination must be a directory and end with a /`);
  return infos;
}

/** ADD's remote sources. */
export function isRemoteSource(src: string): boolean {
  return /^https?:\/\//.test(src);
}
