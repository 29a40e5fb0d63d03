// Go's string order (sort.Strings, strings.Compare): by code unit, not by
// locale. Also cheap: the first localeCompare call in a process builds an ICU
// collator (~7 ms), which a short-lived CLI command pays in full.

/** Compares as Go does: negative, zero or positive. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
