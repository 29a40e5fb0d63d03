// Docker's flag grammar (spf13/pflag as the docker CLI configures it): long and
// short flags, clusters (-dit), attached values (-p80:80, --name=x, -e=A=B),
// booleans that only take a value with "=" (--rm=false), repeated list flags,
// "--", and for run/exec/create no flags after the first positional argument.
import { byteOrder } from '../util/compare';

export type FlagKind = 'bool' | 'string' | 'int' | 'list';

export interface FlagDef {
  long: string;
  short?: string;
  kind: FlagKind;
  help: string;
  /** default shown in help and returned when the flag is absent */
  def?: string | number | boolean;
  /** the value's name in help ("string", "list", "bytes", "duration", …) */
  valueName?: string;
  /** validates (and may normalise) one value; throw an Error whose message pflag would print */
  parse?: (v: string) => string;
  hidden?: boolean;
}

export class FlagError extends Error {}

export class Flags {
  private readonly values = new Map<string, string | number | boolean | string[]>();
  readonly changed = new Set<string>();

  constructor(private readonly defs: FlagDef[]) {}

  private def(name: string): FlagDef {
    const d = this.defs.find((x) => x.long === name);
    if (!d) throw new Error(`internal: flag --${name} is not defined`);
    return d;
  }

  set(d: FlagDef, v: string | number | boolean | string[]): void {
    this.values.set(d.long, v);
    this.changed.add(d.long);
  }

  isSet(name: string): boolean {
    return this.changed.has(name);
  }

  bool(name: string): boolean {
    const v = this.values.get(name);
    return v === undefined ? Boolean(this.def(name).def ?? false) : Boolean(v);
  }

  str(name: string): string {
    const v = this.values.get(name);
    return v === undefined ? String(this.def(name).def ?? '') : String(v);
  }

  /** undefined when the flag is absent and has no default */
  int(name: string): number | undefined {
    const v = this.values.get(name);
    if (v !== undefined) return Number(v);
    const d = this.def(name).def;
    return d === undefined ? undefined : Number(d);
  }

  list(name: string): string[] {
    this.def(name);
    return (this.values.get(name) as string[] | undefined) ?? [];
  }
}

function flagTitle(d: FlagDef): string {
  return d.short ? `-${d.short}, --${d.long}` : `--${d.long}`;
}

export function invalidArgument(d: FlagDef, v: string, why: string): FlagError {
  return new FlagError(`invalid argument "${v}" for "${flagTitle(d)}" flag: ${why}`);
}

function parseBool(d: FlagDef, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw invalidArgument(d, v, `strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function parseInt64(d: FlagDef, v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw invalidArgument(d, v, `strconv.ParseInt: parsing "${v}": invalid syntax`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw invalidArgument(d, v, `strconv.ParseInt: parsing "${v}": value out of range`);
  return n;
}

function apply(flags: Flags, d: FlagDef, raw: string): void {
  let v = raw;
  if (d.parse) {
    try {
      v = d.parse(raw);
    } catch (e) {
      throw e instanceof FlagError ? e : invalidArgument(d, raw, (e as Error).message);
    }
  }
  switch (d.kind) {
    case 'bool':
      flags.set(d, parseBool(d, v));
      break;
    case 'int':
      flags.set(d, parseInt64(d, v));
      break;
    case 'string':
      flags.set(d, v);
      break;
    case 'list':
      flags.set(d, [...flags.list(d.long), v]);
      break;
  }
}

export interface ParseResult {
  flags: Flags;
  args: string[];
  help: boolean;
}

/**
 * Parses argv against the definitions. With `interspersed: false` the first
 * positional argument ends flag parsing (everything after belongs to it).
 */
export function parseFlags(defs: FlagDef[], argv: string[], interspersed = true): ParseResult {
  const flags = new Flags(defs);
  const args: string[] = [];
  let help = false;
  const byLong = new Map(defs.map((d) => [d.long, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [d.short!, d]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (!interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      args.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const d = byLong.get(name);
      if (!d) {
        if (name === 'help') {
          help = true;
          continue;
        }
        throw new FlagError(`unknown flag: --${name}`);
      }
      if (eq >= 0) apply(flags, d, a.slice(eq + 1));
      else if (d.kind === 'bool') apply(flags, d, 'true');
      else if (i + 1 < argv.length) apply(flags, d, argv[++i]);
      else throw new FlagError(`flag needs an argument: --${name}`);
      continue;
    }
    // a cluster of shorthands: -dit, -p80:80, -e=A=B
    let j = 1;
    while (j < a.length) {
      const c = a[j];
      const d = byShort.get(c);
      if (!d) {
        if (c === 'h' && !byShort.has('h')) {
          help = true;
          j++;
          continue;
        }
        throw new FlagError(`unknown shorthand flag: '${c}' in ${a}`);
      }
      const rest = a.slice(j + 1);
      if (rest.startsWith('=')) {
        apply(flags, d, rest.slice(1));
        break;
      }
      if (d.kind === 'bool') {
        apply(flags, d, 'true');
        j++;
        continue;
      }
      if (rest.length > 0) apply(flags, d, rest);
      else if (i + 1 < argv.length) apply(flags, d, argv[++i]);
      else throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
      break;
    }
  }
  return { flags, args, help };
}

/** The "Options:" block of --help, aligned like cobra's. */
export function flagUsages(defs: FlagDef[]): string {
  const rows = defs
    .filter((d) => !d.hidden)
    .sort((a, b) => byteOrder(a.long, b.long))
    .map((d) => {
      const name = d.short ? `  -${d.short}, --${d.long}` : `      --${d.long}`;
      const vn = d.kind === 'bool' ? '' : ` ${d.valueName ?? (d.kind === 'list' ? 'list' : d.kind)}`;
      let help = d.help;
      if (d.def !== undefined && d.def !== '' && d.def !== false) help += d.kind === 'string' ? ` (default "${d.def}")` : ` (default ${d.def})`;
      return [name + vn, help];
    });
  const w = Math.max(0, ...rows.map((r) => r[0].length)) + 3;
  return rows.map(([l, r]) => l.padEnd(w) + r).join('\n');
}
