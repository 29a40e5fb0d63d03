// The static build plan: global ARGs, stages with their resolved bases and
// dependencies, and the subset of stages a target needs. Everything here is
// known before any image is pulled; per-step resolution (which depends on the
// base image's config) is in stage.ts.
import { DockerfileError, Location, errorAt } from '../dockerfile/errors';
import { ExpandError, ShellLex } from '../dockerfile/expand';
import { ArgInstruction, Command, FromInstruction, Instructions, LabelInstruction, toInstructions } from '../dockerfile/instructions';
import { ParseResult, parseDockerfile } from '../dockerfile/parser';
import { BuildArgValues, BuildArgs, unusedArgsWarning } from './buildargs';
import { Platform, PlatformError, formatPlatform, hostPlatform, parsePlatform, platformArgs } from './platform';

export interface BuildOptions {
  /** --build-arg; null for a name given without a value that the client could not resolve. */
  buildArgs?: Record<string, string | null> | BuildArgValues;
  /** --target: a stage name. */
  target?: string;
  /** --platform: the target platform (default: the build platform). */
  platform?: string;
  /** The platform the build runs on (default: this host). */
  buildPlatform?: Platform;
  /** --label: added to the target stage as LABEL steps (sorted, not expanded). */
  labels?: Record<string, string>;
  /** --build-context name=…: named contexts FROM and COPY --from may use (before stages and images). */
  contexts?: Record<string, NamedContext>;
}

/** A --build-context: an image (`docker-image://ref`) or a directory sent with the build. */
export type NamedContext = { kind: 'image'; ref: string } | { kind: 'local' };

export type BaseRef = { kind: 'scratch' } | { kind: 'stage'; stage: number } | { kind: 'image'; ref: string } | { kind: 'context'; name: string };

/** Where COPY --from takes its files. */
export type CopySource = { kind: 'stage'; stage: number } | { kind: 'image'; ref: string } | { kind: 'context'; name: string };

export interface StagePlan {
  /** Position in the Dockerfile (what `COPY --from=<n>` counts). */
  index: number;
  /** Lower-case `AS` name, '' when unnamed. */
  name: string;
  from: FromInstruction;
  /** FROM's argument after expansion with the global args. */
  baseName: string;
  base: BaseRef;
  /** FROM --platform, expanded and parsed; undefined when not given. */
  platform?: Platform;
  commands: Command[];
  /** Stages this one needs built first (its base stage, COPY --from stages). */
  deps: number[];
  /** Images COPY --from names (to pull when missing). */
  copyFromImages: string[];
}

export interface BuildPlan {
  file: string;
  escape: string;
  metaArgs: ArgInstruction[];
  /** Every stage of the Dockerfile, in order. */
  allStages: StagePlan[];
  /** The stages to build, in Dockerfile order: the target and what it needs. */
  stages: StagePlan[];
  target: StagePlan;
  targetPlatform: Platform;
  buildPlatform: Platform;
  /** The global arg scope after the meta ARGs (stages derive theirs with forStage()). */
  args: BuildArgs;
  /** Named contexts (--build-context), by name. */
  contexts: Record<string, NamedContext>;
  /** Number of `Step n/m` lines: meta ARGs, FROMs and commands of the stages built. */
  totalSteps: number;
  /** Parser warnings (empty continuation lines). */
  warnings: string[];
}

function toMap(v: BuildOptions['buildArgs']): BuildArgValues {
  if (!v) return new Map();
  if (v instanceof Map) return v;
  return new Map(Object.entries(v));
}

function wrapExpand(loc: Location, e: unknown): never {
  if (e instanceof ExpandError || e instanceof PlatformError) throw errorAt(loc, e.message);
  throw e;
}

/** A named context (--build-context) as a base or COPY --from source. */
function named(name: string, contexts: Record<string, NamedContext> | undefined): CopySource | undefined {
  const c = contexts && Object.hasOwn(contexts, name) ? contexts[name] : undefined;
  if (!c) return undefined;
  return c.kind === 'image' ? { kind: 'image', ref: c.ref } : { kind: 'context', name };
}

/** `COPY --from` value -> a named context, a stage before `current`, or an image reference. */
export function resolveCopyFrom(
  from: string,
  current: number,
  stages: readonly StagePlan[] | readonly { name: string }[],
  contexts?: Record<string, NamedContext>,
): CopySource {
  const ctx = named(from, contexts);
  if (ctx) return ctx;
  if (/^[+-]?\d+$/.test(from)) {
    const i = Number(from);
    if (i === current) throw new Error(`invalid from flag value ${from}: refers to current build stage`);
    if (i < 0 || i > current) throw new Error(`invalid from flag value ${from}: index out of bounds`);
    return { kind: 'stage', stage: i };
  }
  const lower = from.toLowerCase();
  for (let i = 0; i < current && i < stages.length; i++) if (stages[i].name !== '' && stages[i].name === lower) return { kind: 'stage', stage: i };
  return { kind: 'image', ref: from };
}

// `# syntax=` naming Docker's own Dockerfile frontend (1.x, labs, latest,
// optionally pinned by digest) is served by the built-in frontend: nothing is
// pulled. Any other frontend image cannot run here.
const KNOWN_FRONTEND = /^(docker\.io\/)?docker\/dockerfile(-upstream)?(:(latest|labs|1(\.\d+){0,2}(-labs)?))?(@sha256:[a-f0-9]{64})?$/;

function checkSyntax(parsed: ParseResult): void {
  const s = parsed.directives.syntax;
  if (s === undefined || KNOWN_FRONTEND.test(s)) return;
  const line = parsed.directives.syntaxLine ?? 1;
  throw errorAt(
    { file: parsed.file, line, endLine: line },
    `unsupported frontend ${JSON.stringify(s)} in the syntax directive: berth builds with its built-in Dockerfile frontend (docker/dockerfile:1) and does not run frontend images`,
  );
}

/** Plans a build from a parsed Dockerfile. */
export function planBuild(input: ParseResult | Instructions, opts: BuildOptions = {}): BuildPlan {
  const parsed = 'nodes' in input ? input : null;
  if (parsed) checkSyntax(parsed);
  const ins = parsed ? toInstructions(parsed) : (input as Instructions);
  const file = ins.file;
  const lex = new ShellLex(ins.escape);
  const buildPlatform = opts.buildPlatform ?? hostPlatform();
  let targetPlatform: Platform;
  try {
    targetPlatform = opts.platform ? parsePlatform(opts.platform, buildPlatform) : buildPlatform;
  } catch (e) {
    throw new DockerfileError(file, 0, 0, `failed to parse platform ${opts.platform}: ${(e as Error).message}`);
  }

  const args = BuildArgs.create(toMap(opts.buildArgs));
  for (const [k, v] of platformArgs(targetPlatform, buildPlatform)) args.addPredefined(k, v);
  for (const meta of ins.metaArgs) {
    const env = args.allAllowed();
    for (const a of meta.args) {
      let key: string;
      let value: string | undefined;
      try {
        key = lex.processWord(a.key, env);
        value = a.value === undefined ? undefined : lex.processWord(a.value, env);
      } catch (e) {
        wrapExpand(meta.loc, e);
      }
      args.addMetaArg(key, value);
    }
  }
  const metaEnv = args.allMeta();

  const all: StagePlan[] = [];
  const seen = new Map<string, number>();
  ins.stages.forEach((s, index) => {
    const from = s.from;
    if (from.stageName) {
      if (seen.has(from.stageName)) throw errorAt(from.loc, `${from.stageName} stage name already used`);
      seen.set(from.stageName, index);
    }
    let baseName: string;
    let platform: Platform | undefined;
    try {
      baseName = lex.processWord(from.base, metaEnv);
      if (from.platform) {
        const p = lex.processWord(from.platform, metaEnv);
        try {
          platform = parsePlatform(p, buildPlatform);
        } catch (e) {
          throw new PlatformError(`failed to parse platform ${p}: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      wrapExpand(from.loc, e);
    }
    if (baseName === '') throw errorAt(from.loc, `base name (${from.base}) should not be blank`);
    let base: BaseRef;
    const byName = all.find((p) => p.name !== '' && p.name === baseName.toLowerCase());
    const ctx = named(baseName, opts.contexts);
    // as BuildKit: a named context wins over a stage or an image of that name
    if (ctx) base = ctx.kind === 'image' ? { kind: 'image', ref: ctx.ref } : { kind: 'context', name: baseName };
    else if (byName) base = { kind: 'stage', stage: byName.index };
    else if (baseName === 'scratch') base = { kind: 'scratch' };
    else base = { kind: 'image', ref: baseName };
    all.push({ index, name: from.stageName, from, baseName, base, platform, commands: [...s.commands], deps: [], copyFromImages: [] });
  });
  if (all.length === 0) throw new DockerfileError(file, 0, 0, 'no build stage in current context');

  let target = all[all.length - 1];
  if (opts.target) {
    const t = all.find((s) => s.name !== '' && s.name === opts.target!.toLowerCase());
    if (!t) throw new DockerfileError(file, 0, 0, `target stage ${JSON.stringify(opts.target)} could not be found`);
    target = t;
  }
  if (opts.labels) {
    for (const key of Object.keys(opts.labels).sort()) {
      const value = opts.labels[key];
      const label: LabelInstruction = { kind: 'LABEL', loc: target.from.loc, text: `LABEL ${key}=${value}`, labels: [{ key, value }], noExpand: true };
      target.commands.push(label);
    }
  }

  // Dependencies of the stages the target needs, transitively.
  const needed = new Set<number>();
  const visit = (s: StagePlan) => {
    if (needed.has(s.index)) return;
    needed.add(s.index);
    const deps = new Set<number>();
    if (s.base.kind === 'stage') deps.add(s.base.stage);
    for (const c of s.commands) {
      // COPY --from and RUN --mount=…,from= name a stage (built first) or an image
      const froms = c.kind === 'COPY' ? [c.from] : c.kind === 'RUN' ? c.mounts.map((m) => m.from) : [];
      for (const raw of froms) {
        if (raw === '') continue;
        // a mount's from= is expanded when the step runs; the global ARGs already tell which stage it names
        let f = raw;
        if (c.kind === 'RUN') {
          try {
            f = lex.processWord(raw, metaEnv);
          } catch {
            f = raw;
          }
        }
        let src: CopySource;
        try {
          src = resolveCopyFrom(f, s.index, all, opts.contexts);
        } catch (e) {
          throw errorAt(c.loc, (e as Error).message);
        }
        if (src.kind === 'stage') deps.add(src.stage);
        else if (src.kind === 'image' && !s.copyFromImages.includes(src.ref)) s.copyFromImages.push(src.ref);
      }
    }
    s.deps = [...deps].sort((a, b) => a - b);
    for (const d of s.deps) visit(all[d]);
  };
  visit(target);
  const stages = all.filter((s) => needed.has(s.index));
  const totalSteps = ins.metaArgs.length + stages.reduce((n, s) => n + 1 + s.commands.length, 0);
  return {
    file,
    escape: ins.escape,
    metaArgs: ins.metaArgs,
    allStages: all,
    stages,
    target,
    targetPlatform,
    buildPlatform,
    args,
    contexts: opts.contexts ?? {},
    totalSteps,
    warnings: parsed ? parsed.warnings.map((w) => `${file}:${w.line}: ${w.message}`) : [],
  };
}

/** Parses and plans in one call. */
export function planDockerfile(text: string | Buffer, opts: BuildOptions = {}, file = 'Dockerfile'): BuildPlan {
  return planBuild(parseDockerfile(text, file), opts);
}

/** Build args given but never declared, for Docker's end-of-build warning. */
export function unusedBuildArgs(plan: BuildPlan): string[] {
  return plan.args.unused();
}

export function unusedBuildArgsWarning(plan: BuildPlan): string {
  return unusedArgsWarning(plan.args.unused());
}

export { formatPlatform };
