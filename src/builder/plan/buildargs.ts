// Build arguments with the classic builder's scoping:
// - ARGs before the first FROM ("meta" args) are visible in FROM lines;
// - a stage starts with no visible args; `ARG NAME` makes NAME visible there,
//   taking the --build-arg value, else its own default, else (declared
//   without a default) the global one;
// - the proxy args (HTTP_PROXY…) are visible without a declaration when given
//   as --build-arg, but stay out of history and cache keys unless declared;
// - ENV of the same name wins over an ARG;
// - a --build-arg no ARG anywhere declares is reported as not consumed.

export const BUILTIN_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

/** --build-arg values; null: given without a value and not set in the client's environment. */
export type BuildArgValues = ReadonlyMap<string, string | null>;

export class BuildArgs {
  /** Declared in the current scope -> default (undefined: none). */
  private allowed = new Map<string, string | undefined>();
  /** Declared before the first FROM. */
  private meta = new Map<string, string | undefined>();

  private constructor(
    private readonly options: BuildArgValues,
    /** Shared by every scope of one build. */
    private readonly referenced: Set<string>,
  ) {}

  static create(options: BuildArgValues): BuildArgs {
    return new BuildArgs(options, new Set());
  }

  /** A fresh stage scope: global values kept, nothing visible until declared. */
  forStage(): BuildArgs {
    const s = new BuildArgs(this.options, this.referenced);
    s.meta = new Map(this.meta);
    return s;
  }

  /** `ARG key[=value]` in this scope. */
  addArg(key: string, value: string | undefined): void {
    this.allowed.set(key, value);
    this.referenced.add(key);
  }

  /** A global ARG (before the first FROM). */
  addMetaArg(key: string, value: string | undefined): void {
    this.allowed.set(key, value);
    this.meta.set(key, value);
    this.referenced.add(key);
  }

  /** A predefined global arg (platform args): visible like a global ARG, never "consumed". */
  addPredefined(key: string, value: string): void {
    this.allowed.set(key, value);
    this.meta.set(key, value);
  }

  private value(key: string, mapping: Map<string, string | undefined>): string | undefined {
    const declared = mapping.has(key);
    if (!declared && !BUILTIN_ARGS.has(key)) return undefined;
    const o = this.options.get(key);
    if (o !== undefined && o !== null) return o;
    const def = mapping.get(key);
    if (def === undefined) return this.meta.get(key) ?? undefined;
    return def;
  }

  private all(mapping: Map<string, string | undefined>): Map<string, string> {
    const out = new Map<string, string>();
    for (const k of [...mapping.keys(), ...BUILTIN_ARGS]) {
      const v = this.value(k, mapping);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }

  /** Every arg visible in this scope with its value. */
  allAllowed(): Map<string, string> {
    return this.all(this.allowed);
  }

  /** The global args with their values (what FROM lines see). */
  allMeta(): Map<string, string> {
    return this.all(this.meta);
  }

  /** "K=V" for the visible args that no ENV entry (`env`, "K=V" list) shadows. */
  filterAllowed(env: readonly string[]): string[] {
    const keys = new Set(env.map((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e)));
    const out: string[] = [];
    for (const [k, v] of this.allAllowed()) if (!keys.has(k)) out.push(`${k}=${v}`);
    return out;
  }

  /** Proxy args stay out of history/cache keys unless the Dockerfile declares them. */
  isReferencedOrNotBuiltin(key: string): boolean {
    return this.allowed.has(key) || !BUILTIN_ARGS.has(key);
  }

  /** --build-arg names no ARG consumed, sorted. */
  unused(): string[] {
    return [...this.options.keys()].filter((k) => !BUILTIN_ARGS.has(k) && !this.referenced.has(k)).sort();
  }
}

/** Docker's warning line for unused build args, or '' when every one was consumed. */
export function unusedArgsWarning(names: readonly string[]): string {
  return names.length ? `[Warning] One or more build-args [${names.join(' ')}] were not consumed\n` : '';
}
