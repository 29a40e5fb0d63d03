// Go's filepath.Match on "/"-separated paths: `*` (any run of non-"/"), `?`
// (one non-"/"), `[...]` / `[^...]` classes with ranges, `\` escapes. COPY and
// ADD sources use it; a pattern never matches across "/".

export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
  }
}

/** True when a source path holds an unescaped wildcard. */
export function hasWildcards(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? '\\' + ch : ch;
}

/**
 * Translates a pattern to a regular expression body (unanchored). Malformed
 * patterns (an unterminated class, a trailing escape, an empty range) throw.
 */
export function globToRegexSource(pattern: string, sep = '/'): string {
  const chars = Array.from(pattern);
  const notSep = `[^${escapeRegex(sep)}]`;
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') out += `${notSep}*`;
    else if (c === '?') out += notSep;
    else if (c === '\\') {
      if (i + 1 >= chars.length) throw new BadPatternError();
      out += escapeRegex(chars[++i]);
    } else if (c === '[') {
      i++;
      let negate = false;
      if (chars[i] === '^') {
        negate = true;
        i++;
      }
      let cls = '';
      let count = 0;
      for (;;) {
        if (i >= chars.length) throw new BadPatternError();
        if (chars[i] === ']' && count > 0) break;
        let lo = chars[i];
        if (lo === '\\') {
          i++;
          if (i >= chars.length) throw new BadPatternError();
          lo = chars[i];
        } else if (lo === '-' || lo === ']') {
          // Go requires these escaped inside a class
          if (lo === ']' && count === 0) throw new BadPatternError();
          if (lo === '-') throw new BadPatternError();
        }
        i++;
        let range = escapeRegex(lo);
        if (chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']') {
          i++;
          let hi = chars[i];
          if (hi === '\\') {
            i++;
            if (i >= chars.length) throw new BadPatternError();
            hi = chars[i];
          }
          // Go accepts a reversed range; it matches nothing
          range = hi.codePointAt(0)! < lo.codePointAt(0)! ? '' : range + '-' + escapeRegex(hi);
          i++;
        }
        cls += range;
        count++;
      }
      if (cls === '') out += negate ? '[\\s\\S]' : '(?!)';
      else out += negate ? `[^${cls}]` : `[${cls}]`;
    } else out += escapeRegex(c);
  }
  return out;
}

const cache = new Map<string, RegExp>();

/** filepath.Match(pattern, name). Throws BadPatternError on a malformed pattern. */
export function goMatch(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^${globToRegexSource(pattern)}$`, 'u');
    if (cache.size > 256) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(name);
}
