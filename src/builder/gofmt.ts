// The few Go fmt verbs whose output ends up in images Docker's classic builder
// makes (history `created_by`, error texts): strconv.Quote (%q on strings),
// %q on []string, %v on []string, and %q on an int (a quoted rune).

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function escapeRune(ch: string, quote: string): string {
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
    case '\\':
      return '\\\\';
  }
  if (ch === quote) return '\\' + ch;
  if (ch === ' ' || PRINTABLE.test(ch)) return ch;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"');
  return out + '"';
}

/** Go's strconv.QuoteRune on an int, as %q prints one. */
export function goQuoteRune(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0x10ffff) return "'\uFFFD'";
  return "'" + escapeRune(String.fromCodePoint(n), "'") + "'";
}

/** fmt %q of a []string: ["a" "b"]. */
export function goQuoteList(list: readonly string[] | null | undefined): string {
  return '[' + (list ?? []).map(goQuote).join(' ') + ']';
}

/** fmt %v of a []string: [a b]. */
export function goList(list: readonly string[] | null | undefined): string {
  return '[' + (list ?? []).join(' ') + ']';
}
