// One record of Go's encoding/csv, as the docker CLI and BuildKit read `--mount`,
// `RUN --mount=` and buildx's `--output`: commas split fields; a field that starts
// with a double quote runs to its closing quote, and `""` inside it is a quote.

/** The fields of one CSV record; null when a quote is left open (each caller words that error). */
export function csvRecord(s: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return null;
  out.push(cur);
  return out;
}
