// An instruction's `--flag[=value]` words against the flags it accepts.

export type FlagType = 'bool' | 'string' | 'strings';

export class FlagError extends Error {}

export class Flags {
  private readonly defs = new Map<string, FlagType>();
  private readonly values = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();
  /** Flag names in the order they were given. */
  readonly used: string[] = [];

  constructor(private readonly words: readonly string[]) {}

  define(name: string, type: FlagType): this {
    this.defs.set(name, type);
    return this;
  }

  /** Validates every word; errors as the Dockerfile frontend words them. */
  parse(): this {
    for (const a of this.words) {
      if (a === '--') break;
      if (!a.startsWith('--')) throw new FlagError(`arg should start with -- : ${a}`);
      const eq = a.indexOf('=');
      const flagName = eq < 0 ? a : a.slice(0, eq);
      const hasValue = eq >= 0;
      const value = hasValue ? a.slice(eq + 1) : '';
      const name = flagName.slice(2);
      const type = this.defs.get(name);
      if (!type) throw new FlagError(`unknown flag: ${flagName}`);
      if (this.used.includes(name) && type !== 'strings') throw new FlagError(`duplicate flag specified: ${flagName}`);
      if (!this.used.includes(name)) this.used.push(name);
      if (type === 'bool') {
        if (hasValue && value === '') throw new FlagError(`missing a value on flag: ${flagName}`);
        const v = value.toLowerCase();
        if (v === 'true' || v === '') this.values.set(name, 'true');
        else if (v === 'false') this.values.set(name, 'false');
        else throw new FlagError(`expecting boolean value for flag ${flagName}, not: ${value}`);
      } else {
        if (!hasValue) throw new FlagError(`missing a value on flag: ${flagName}`);
        if (type === 'string') this.values.set(name, value);
        else this.lists.set(name, [...(this.lists.get(name) ?? []), value]);
      }
    }
    return this;
  }

  string(name: string): string {
    return this.values.get(name) ?? '';
  }

  bool(name: string): boolean {
    return this.values.get(name) === 'true';
  }

  strings(name: string): string[] {
    return this.lists.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.used.includes(name);
  }
}
