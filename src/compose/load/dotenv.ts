// `.env` and `env_file` files as Compose reads them:
//   KEY=value            unquoted: trimmed, " #" starts a comment, ${VAR} expanded
//   export KEY=value     "export " is ignored
//   KEY='literal $x'     single quotes: taken as written (may span lines)
//   KEY="a\nb ${X}"      double quotes: \n \r \t \\ \" \$ escapes, ${VAR} expanded, may span lines
//   KEY                  no "=": the value comes from the environment (skipped when unset)
// References resolve to keys defined earlier in the same file, then to the
// lookup (the shell environment). `format: raw` files take values literally.
import { interpolate, InterpolationError, type Lookup } from './interpolate';

export class EnvFileError extends Error {}

const KEY = /^[A-Za-z_][A-Za-z0-9_.\-[\]]*$/;

export function parseEnvFile(text: string, lookup: Lookup = () => undefined, file = '.env'): Map<string, string> {
  const out = new Map<string, string>();
  const find: Lookup = (n) => (out.has(n) ? out.get(n) : lookup(n));
  const src = text.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
  let i = 0;
  let line = 1;
  const err = (msg: string): never => {
    throw new EnvFileError(`failed to read ${file}: line ${line}: ${msg}`);
  };
  while (i < src.length) {
    // skip blank space and comment lines
    const nl = src.indexOf('\n', i);
    const end = nl < 0 ? src.length : nl;
    const raw = src.slice(i, end);
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) {
      i = end + 1;
      line++;
      continue;
    }
    let rest = raw.replace(/^\s+/, '');
    let consumed = i + (raw.length - rest.length);
    if (/^export\s+/.test(rest)) {
      const m = /^export\s+/.exec(rest)!;
      rest = rest.slice(m[0].length);
      consumed += m[0].length;
    }
    const eq = rest.search(/[=:]/);
    if (eq < 0) {
      // a bare key: the environment's value
      const k = rest.trim();
      if (!KEY.test(k)) err(`unexpected character "${k.match(/[^A-Za-z0-9_.\-[\]]/)?.[0] ?? k[0]}" in variable name "${k}"`);
      const v = lookup(k);
      if (v !== undefined) out.set(k, v);
      i = end + 1;
      line++;
      continue;
    }
    const key = rest.slice(0, eq).trim();
    if (!KEY.test(key)) err(`unexpected character "${key.match(/[^A-Za-z0-9_.\-[\]]/)?.[0] ?? ' '}" in variable name "${key}"`);
    let pos = consumed + eq + 1;
    // spaces between "=" and the value
    while (pos < src.length && (src[pos] === ' ' || src[pos] === '\t')) pos++;
    const q = src[pos];
    let value: string;
    if (q === "'" || q === '"') {
      // find the closing quote (a double quote may be escaped), possibly on a later line
      let j = pos + 1;
      let body = '';
      for (; j < src.length; j++) {
        const c = src[j];
        if (q === '"' && c === '\\' && j + 1 < src.length) {
          body += c + src[j + 1];
          j++;
          continue;
        }
        if (c === q) break;
        body += c;
      }
      if (j >= src.length) err(`unterminated quoted value for ${key}`);
      line += (src.slice(pos, j).match(/\n/g) ?? []).length;
      if (q === "'") value = body;
      else {
        const expanded = expandEscapes(body);
        try {
          value = interpolate(expanded.text, find, key).replace(/\u0000/g, '$');
        } catch (e) {
          if (e instanceof InterpolationError) err(e.message);
          throw e;
        }
      }
      // after the quote: only blanks or a comment
      const after = src.indexOf('\n', j);
      const tail = src.slice(j + 1, after < 0 ? src.length : after).trim();
      if (tail && !tail.startsWith('#')) err(`unexpected characters after the quoted value of ${key}: ${tail}`);
      i = (after < 0 ? src.length : after) + 1;
      line++;
    } else {
      const lineEnd = src.indexOf('\n', pos);
      let v = src.slice(pos, lineEnd < 0 ? src.length : lineEnd);
      const hash = v.search(/\s#/);
      if (hash >= 0) v = v.slice(0, hash);
      v = v.trim();
      try {
        value = interpolate(v, find, key);
      } catch (e) {
        if (e instanceof InterpolationError) err(e.message);
        throw e;
      }
      i = (lineEnd < 0 ? src.length : lineEnd) + 1;
      line++;
    }
    out.set(key, value);
  }
  return out;
}

/** Double-quoted escapes; an escaped "$" becomes a placeholder so interpolation leaves it alone. */
function expandEscapes(s: string): { text: string } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i];
    out += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n === '$' ? '\u0000' : n;
  }
  // "$$" stays for interpolate to turn into "$"
  return { text: out };
}

/** `format: raw`: KEY=VALUE lines taken literally (no quotes, escapes or expansion). */
export function parseRawEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (!l.trim() || l.trimStart().startsWith('#')) continue;
    const i = l.indexOf('=');
    if (i < 0) continue;
    out.set(l.slice(0, i).trim(), l.slice(i + 1));
  }
  return out;
}
