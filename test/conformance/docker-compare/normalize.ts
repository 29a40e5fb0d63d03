// What legitimately differs between two engines' answers to the same command,
// replaced by placeholders so that the rest can be compared line by line.

/** Maps IDs (64 hex, with or without sha256:) and their 12-hex short forms to <IDn> / <IDn:short>, in order of appearance. */
export class Normalizer {
  private readonly ids = new Map<string, number>();

  constructor(
    /** literal strings (data roots, sockets, work dirs) and their placeholders */
    private readonly roots: Array<[string, string]>,
    /** the daemon's version strings */
    private readonly versions: string[],
  ) {}

  private idIndex(hex: string): number {
    const key = hex.slice(0, 12);
    let n = this.ids.get(key);
    if (n === undefined) {
      n = this.ids.size + 1;
      this.ids.set(key, n);
    }
    return n;
  }

  private readonly names = new Map<string, number>();

  /** Generated container names (adjective_surname) to <NAMEn>, in order of appearance: they are random on both. */
  generatedNames(s: string): string {
    return s.replace(/"name":"([a-z]+(?:_[a-z]+)+)"/g, (_m, n: string) => {
      let i = this.names.get(n);
      if (i === undefined) {
        i = this.names.size + 1;
        this.names.set(n, i);
      }
      return `"name":"<NAME${i}>"`;
    });
  }

  text(s: string): string {
    // longest roots first: the exec root may be inside the data root's parent
    for (const [lit, ph] of [...this.roots].sort((a, b) => b[0].length - a[0].length)) if (lit) s = s.replaceAll(lit, ph);
    for (const v of this.versions) if (v) s = s.replaceAll(v, '<VERSION>');
    s = s.replace(/\b[0-9a-f]{64}\b/g, (m) => `<ID${this.idIndex(m)}>`);
    s = s.replace(/\b[0-9a-f]{12}\b/g, (m) => (/[a-f]/.test(m) ? `<ID${this.idIndex(m)}:short>` : m));
    // times: RFC 3339 (inspect, logs -t, events) and Go's default time format (ps --format {{.CreatedAt}})
    s = s.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, '<TIME>');
    s = s.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?( [+-]\d{4} [A-Z]+)?/g, '<TIME>');
    // human durations: "Less than a second", "About a minute", "3 seconds" (ps STATUS, CREATED, "x ago")
    s = s.replace(/\b(Less than a second|About an? (minute|hour)|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?))\b/g, '<DUR>');
    // sizes (human and byte counts next to a unit) and percentages (stats)
    s = s.replace(/\b\d+(\.\d+)?\s?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\b/g, '<SIZE>');
    s = s.replace(/\b\d+(\.\d+)?%/g, '<PCT>');
    // the CLI pads table columns to the widest value, which the placeholders above hide
    s = s.replace(/(\S) {3,}/g, '$1  ');
    return s;
  }
}

/** inspect paths whose values are run-specific (times, paths, pids, sizes); their keys are still compared */
const IGNORED = [
  /^Created$/,
  /\.(StartedAt|FinishedAt|Pid|SandboxID|SandboxKey|EndpointID|MacAddress|ResolvConfPath|HostnamePath|HostsPath|LogPath|Mountpoint|LastTagTime|CreatedAt|Created)$/,
  /^(ResolvConfPath|HostnamePath|HostsPath|LogPath|Mountpoint|CreatedAt)$/,
  /^GraphDriver\./,
  /^RootFS\.Layers\[/,
  /^State\.Health\.(Log|FailingStreak)/,
  /^(Size|VirtualSize|SizeRw|SizeRootFs)$/,
  /^Mounts\[\d+\]\.Source$/,
  /^Metadata\./,
  /^Options\.com\.docker\.network\.bridge\.name$/,
];

/** Every leaf of an inspect answer as `path = value` (values normalized; run-specific ones shown as <ignored>). */
export function flattenInspect(v: unknown, norm: Normalizer): string[] {
  const out: string[] = [];
  const walk = (x: unknown, p: string) => {
    if (x !== null && typeof x === 'object') {
      const entries = Array.isArray(x)
        ? x.map((e, i) => [`[${i}]`, e] as const)
        : Object.entries(x).map(([k, e]) => [p ? `.${norm.text(k)}` : norm.text(k), e] as const); // keys may be IDs (a network's Containers)
      if (!entries.length) out.push(`${p} = ${Array.isArray(x) ? '[]' : '{}'}`);
      // object keys sorted: key order is not part of the JSON contract
      for (const [k, e] of Array.isArray(x) ? entries : [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) walk(e, p + k);
      return;
    }
    out.push(`${p} = ${IGNORED.some((r) => r.test(p)) ? '<ignored>' : norm.text(JSON.stringify(x))}`);
  };
  walk(v, '');
  return out;
}
