// .dockerignore: reading the file and matching paths with Docker's rules.
// Patterns are anchored at the context root and cleaned like paths; `*` and
// `?` stay within one path element, `**` spans any number of them; a pattern
// also excludes everything below a directory it matches; `!pattern` re-includes
// and the last matching pattern wins. Patterns are compiled once.
import { BadPatternError, globToRegexSource } from './glob';

/** Go's filepath.Clean for "/"-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const s = out.join('/');
  return rooted ? '/' + s : s || '.';
}

/** Patterns of a .dockerignore file: comments and blank lines dropped, paths cleaned and made relative. */
export function parseIgnoreFile(text: string | Buffer): string[] {
  let t = typeof text === 'string' ? text : text.toString('utf8');
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  const out: string[] = [];
  for (const raw of t.split('\n')) {
    if (raw.startsWith('#')) continue;
    let p = raw.trim();
    if (p === '') continue;
    const invert = p[0] === '!';
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = cleanPath(p);
      if (p.length > 1 && p[0] === '/') p = p.slice(1);
    }
    out.push(invert ? '!' + p : p);
  }
  return out;
}

interface Pattern {
  text: string;
  exclusion: boolean;
  re: RegExp;
  segments: string[];
}

const REGEX_META = /[\\^$.*+?()[\]{}|/]/;

/** Docker's translation of one cleaned pattern to a regular expression. */
function compile(p: string): RegExp {
  const chars = Array.from(p);
  let out = '^';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') {
      if (chars[i + 1] !== '*') {
        out += '[^/]*';
        continue;
      }
      const start = i;
      i++;
      if (chars[i + 1] === '/') i++;
      if (i + 1 >= chars.length) {
        out += '.*';
        continue;
      }
      // "**x" at the very start with nothing but literals after it matches any suffix
      const rest = chars.slice(i + 1).join('');
      out += start === 0 && chars[start + 2] !== '/' && !/[*?[\\]/.test(rest) ? '.*' : '(?:.*/)?';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      if (i + 1 < chars.length) {
        i++;
        out += REGEX_META.test(chars[i]) ? '\\' + chars[i] : chars[i];
      } else out += '\\\\';
    } else if (c === '[') {
      // a class: its syntax is checked by globToRegexSource
      let j = i + 1;
      if (chars[j] === '^') j++;
      for (let first = true; j < chars.length; first = false) {
        if (chars[j] === '\\') j += 2;
        else if (chars[j] === ']' && !first) break;
        else j++;
      }
      out += globToRegexSource(chars.slice(i, j + 1).join(''));
      i = j;
    } else out += REGEX_META.test(c) ? '\\' + c : c;
  }
  return new RegExp(out + '$', 'su');
}

/** Whether a path with its ancestors' results is excluded. */
export interface MatchState {
  excluded: boolean;
  /** Per pattern: it matched this path or an ancestor. */
  parentMatched: boolean[];
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[] = [];
  readonly hasExclusions: boolean;

  /** Compiles patterns (as parseIgnoreFile returns them). Throws on a malformed pattern. */
  constructor(patterns: readonly string[]) {
    let exclusions = false;
    for (let p of patterns) {
      p = p.trim();
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p[0] === '!') {
        if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
        exclusion = true;
        exclusions = true;
        p = p.slice(1);
      }
      let re: RegExp;
      try {
        globToRegexSource(p); // syntax as filepath.Match checks it
        re = compile(p);
      } catch (e) {
        if (e instanceof BadPatternError || e instanceof SyntaxError) throw new BadPatternError();
        throw e;
      }
      this.patterns.push({ text: p, exclusion, re, segments: p.split('/') });
    }
    this.hasExclusions = exclusions;
  }

  get size(): number {
    return this.patterns.length;
  }

  /** Is `file` (relative to the context root, "/"-separated) excluded? Ancestors' matches count. */
  matches(file: string): boolean {
    return this.match(cleanPath(file)).excluded;
  }

  /**
   * Incremental form for walkers: pass the parent directory's state (undefined
   * at the root, or when unknown: ancestors are then checked here).
   */
  match(file: string, parent?: MatchState): MatchState {
    const n = this.patterns.length;
    const parentMatched = new Array<boolean>(n).fill(false);
    let matched = false;
    let ancestors: string[] | undefined;
    for (let i = 0; i < n; i++) {
      const pat = this.patterns[i];
      let m = parent ? parent.parentMatched[i] : false;
      if (!m) {
        if (pat.exclusion !== matched) continue;
        m = pat.re.test(file);
        if (!m && !parent) {
          if (!ancestors) {
            ancestors = [];
            const parts = file.split('/');
            for (let k = 1; k < parts.length; k++) ancestors.push(parts.slice(0, k).join('/'));
          }
          m = ancestors.some((a) => pat.re.test(a));
        }
      }
      parentMatched[i] = m;
      if (m) matched = !pat.exclusion;
    }
    return { excluded: matched, parentMatched };
  }

  /**
   * For an excluded directory: could an exception pattern re-include something
   * below it? When not, a walker skips the whole directory.
   */
  mayIncludeBelow(dir: string): boolean {
    if (!this.hasExclusions) return false;
    const d = dir.split('/');
    return this.patterns.some((p) => p.exclusion && couldMatchBelow(p.segments, d));
  }
}

const segCache = new Map<string, RegExp>();
function segmentMatches(seg: string, name: string): boolean {
  let re = segCache.get(seg);
  if (!re) {
    try {
      re = compile(seg);
    } catch {
      return true;
    }
    if (segCache.size > 512) segCache.clear();
    segCache.set(seg, re);
  }
  return re.test(name);
}

/** Conservative: false only when no path below dir can match the pattern. */
function couldMatchBelow(pattern: string[], dir: string[]): boolean {
  for (let i = 0; i < dir.length; i++) {
    if (i >= pattern.length) return true; // matches an ancestor of dir: applies below it
    const seg = pattern[i];
    if (seg.includes('**')) return true;
    if (!segmentMatches(seg, dir[i])) return false;
  }
  return true;
}

/**
 * The client side of Docker's rule for the build files: the Dockerfile and
 * .dockerignore are always sent (the daemon reads them, then drops them from
 * the context if they are excluded).
 */
export function keepBuildFiles(patterns: readonly string[], dockerfile: string | null): string[] {
  const out = [...patterns];
  const m = new IgnoreMatcher(out);
  if (m.matches('.dockerignore')) out.push('!.dockerignore');
  if (dockerfile !== null && m.matches(dockerfile)) out.push('!' + dockerfile);
  return out;
}
