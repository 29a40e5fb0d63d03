// One stage's build state, step by step: the executor gives it the base
// image's config, then asks it to resolve each instruction. Resolution expands
// variables (with the stage's ENV and the build args it may see), updates the
// image config, and says what the executor must do: nothing but commit the
// new config (metadata steps, no layer), run a command, create the working
// directory, or copy files. Pure: no I/O.
import type { ImageRunConfig } from '../../image/types';
import { parseSignal } from '../../common/units';
import { Location, atLocation, errorAt } from '../dockerfile/errors';
import { Env, ExpandError, ShellLex, envFromList } from '../dockerfile/expand';
import { Command, CopyInstruction, AddInstruction, RunInstruction, parseTrigger } from '../dockerfile/instructions';
import type { RunMount } from '../dockerfile/mounts';
import { chompHeredocContent, parseDockerfile, parseHeredocWord } from '../dockerfile/parser';
import { goList, goQuoteList } from '../gofmt';
import { IgnoreMatcher } from '../../common/buildcontext/ignore';
import { isGitSource, isRemoteSource } from '../context/sources';
import { BuildArgs } from './buildargs';
import { parseChmod, type ChmodSpec } from './chown';
import { DEFAULT_PATH, canonicalJson, cloneConfig, healthcheckComment, nopCmd, nopCmdString, shellOf } from './history';
import { BuildPlan, CopySource, StagePlan, resolveCopyFrom } from './planner';
import { PortError, parseExposeSpec } from './ports';

/** What the base image contributes (undefined config for FROM scratch). */
export interface BaseImage {
  config?: ImageRunConfig | null;
}

interface StepBase {
  instruction: Command;
  /** `Step n/m : <text>` */
  text: string;
  /** The image config after this step: what the committed image carries. */
  config: ImageRunConfig;
  author?: string;
}

interface HistoryParts {
  /** History `created_by`. */
  createdBy: string;
  /** The container config the classic builder probes the cache with and stores as container_config. */
  containerConfig: ImageRunConfig;
  /** Canonical JSON of containerConfig: with the parent image ID, the step's cache key. */
  cacheKey: string;
}

/** ENV, LABEL, CMD, … : no filesystem change, the new config is committed with an empty layer. */
export interface MetaStep extends StepBase, HistoryParts {
  kind: 'meta';
}

/** A heredoc made into an executable file, mounted read-only at `path` while the step runs. */
export interface InlineScript {
  path: string;
  data: string;
  mode: number;
}

export interface RunStep extends StepBase, HistoryParts {
  kind: 'run';
  /** The process: argv (the image's ENTRYPOINT is not used), env, user, working directory. */
  args: string[];
  env: string[];
  user: string;
  workdir: string;
  /** Build args this step sees ("K=V", sorted): in the cache key (via createdBy) but never in the image's Env. */
  buildArgs: string[];
  scripts: InlineScript[];
  /** RUN --network: '' when not given (the build's network mode). */
  network: string;
  /** RUN --security=insecure: a privileged container (when the build allows security.insecure). */
  insecure: boolean;
  /** RUN --mount specs, expanded, with `from` resolved; part of the cache key (a cache's or secret's contents are not). */
  mounts: StepMount[];
}

/** A RUN --mount with its variables expanded and its defaults applied. */
export interface StepMount extends Omit<RunMount, 'from'> {
  from?: CopySource;
}

/** WORKDIR: the directory is created when missing (as root, mode 0755); a layer only if it was. */
export interface WorkdirStep extends StepBase, HistoryParts {
  kind: 'workdir';
  path: string;
}

export interface CopySpec {
  cmd: 'COPY' | 'ADD';
  /** Where sources come from: the build context (undefined), a stage's result, or an image. */
  from?: CopySource;
  /** Source paths (relative to the source root; may hold globs) and, for ADD, URLs. */
  sources: string[];
  /** Files made from heredocs (`COPY <<EOF /dst`), already expanded. */
  contents: Array<{ path: string; data: string }>;
  /** Absolute destination in the image, cleaned. */
  dest: string;
  /** The destination names a directory (it ends in "/", or is "." or ends in "/."). */
  destIsDir: boolean;
  /** The destination as written (expanded): what history shows. */
  destText: string;
  /** --chown as given ('' when absent): resolve with resolveChown against the image's /etc files. */
  chown: string;
  /** --chmod (octal or symbolic), undefined when absent. */
  chmod?: ChmodSpec;
  /** COPY --from without --chown keeps the source's owners; otherwise files become root's (or --chown's). */
  preserveOwnership: boolean;
  /** ADD: local tar archives (plain, gzip, bzip2, xz) are extracted into dest (not with --unpack=false). */
  allowDecompress: boolean;
  /** ADD --unpack=true: downloaded archives are extracted too. */
  unpackRemote: boolean;
  /** ADD --checksum: expected digest of a remote source. */
  checksum: string;
  /** --exclude patterns (dockerignore rules, relative to each source directory). */
  excludes: string[];
  /** --link (without --chmod): the files go into a layer of their own, made without the image below (its symlinks are not followed). */
  link: boolean;
  /** COPY --parents: each source keeps its parent directories (up to a `/./` pivot) under dest. */
  parents: boolean;
  /** ADD --keep-git-dir: a git source keeps its .git directory. */
  keepGitDir: boolean;
}

export interface CopyStep extends StepBase {
  kind: 'copy';
  copy: CopySpec;
  /** History and cache key once the sources' checksum is known (context.checksumSources). */
  history(sourcesHash: string): HistoryParts;
}

export type ResolvedStep = MetaStep | RunStep | WorkdirStep | CopyStep;

const RAW_LEX = new ShellLex('\\', { skipProcessQuotes: true });

export class StageState {
  readonly args: BuildArgs;
  private config: ImageRunConfig = {};
  private author: string | undefined;
  private cmdSet = false;
  private begun = false;
  private readonly lex: ShellLex;

  constructor(
    readonly plan: BuildPlan,
    readonly stage: StagePlan,
  ) {
    this.args = plan.args.forStage();
    this.lex = new ShellLex(plan.escape);
  }

  /** The image config so far. */
  get runConfig(): ImageRunConfig {
    return cloneConfig(this.config);
  }

  get maintainer(): string | undefined {
    return this.author;
  }

  /**
   * Starts the stage on its base image. Returns the base image's ONBUILD
   * triggers, parsed, which the executor resolves and runs first (Docker prints
   * "# Executing N build trigger(s)"); they are not passed on to this image.
   */
  begin(base: BaseImage): Command[] {
    if (this.begun) throw new Error('stage already begun');
    this.begun = true;
    this.config = cloneConfig(base.config);
    const env = this.config.Env ?? [];
    if (!env.some((e) => e.split('=')[0] === 'PATH')) this.config.Env = [...env, `PATH=${DEFAULT_PATH}`];
    const triggers = this.config.OnBuild ?? [];
    delete this.config.OnBuild;
    const loc = this.stage.from.loc;
    return triggers.map((t) => {
      try {
        return parseTrigger(parseDockerfile(t, loc.file).nodes, loc.file);
      } catch (e) {
        throw errorAt(loc, `ONBUILD trigger ${JSON.stringify(t)}: ${(e as { detail?: string }).detail ?? (e as Error).message}`);
      }
    });
  }

  /** The environment variable expansion sees: ENV first, then the visible build args. */
  private env(): Env {
    const env = this.config.Env ?? [];
    return envFromList([...env, ...this.args.filterAllowed(env)]);
  }

  private word(w: string, env: Env, loc: Location): string {
    try {
      return this.lex.processWord(w, env);
    } catch (e) {
      if (e instanceof ExpandError) throw errorAt(loc, e.message);
      throw e;
    }
  }

  private step<K extends 'meta' | 'workdir'>(kind: K, c: Command, cmd: string[], extra: object = {}): ResolvedStep {
    const containerConfig = { ...cloneConfig(this.config), Cmd: cmd };
    return {
      kind,
      instruction: c,
      text: c.text,
      config: cloneConfig(this.config),
      author: this.author,
      createdBy: cmd.join(' '),
      containerConfig,
      cacheKey: canonicalJson(containerConfig),
      ...extra,
    } as ResolvedStep;
  }

  private meta(c: Command, comment: string): ResolvedStep {
    return this.step('meta', c, nopCmd(this.config, comment));
  }

  /** Resolves one instruction of this stage (or an ONBUILD trigger) and applies it to the config. */
  resolve(c: Command): ResolvedStep {
    if (!this.begun) throw new Error('stage not begun');
    try {
      return this.resolveInner(c);
    } catch (e) {
      throw atLocation(c.loc, e);
    }
  }

  private resolveInner(c: Command): ResolvedStep {
    const loc = c.loc;
    const env = this.env();
    const w = (s: string) => this.word(s, env, loc);
    const cfg = this.config;
    switch (c.kind) {
      case 'ARG': {
        const parts: string[] = [];
        for (const a of c.args) {
          const key = w(a.key);
          const value = a.value === undefined ? undefined : w(a.value);
          parts.push(value === undefined ? key : `${key}=${value}`);
          this.args.addArg(key, value);
        }
        return this.meta(c, 'ARG ' + parts.join(' '));
      }
      case 'ENV': {
        const pairs = c.env.map((p) => [w(p.key), w(p.value)] as const);
        const list = [...(cfg.Env ?? [])];
        for (const [k, v] of pairs) {
          const i = list.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) list[i] = `${k}=${v}`;
          else list.push(`${k}=${v}`);
        }
        cfg.Env = list;
        return this.meta(c, 'ENV ' + pairs.map(([k, v]) => `${k}=${v}`).join(' '));
      }
      case 'LABEL': {
        const pairs = c.labels.map((p) => (c.noExpand ? [p.key, p.value] : [w(p.key), w(p.value)]) as [string, string]);
        cfg.Labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of pairs) cfg.Labels[k] = v;
        return this.meta(c, 'LABEL ' + pairs.map(([k, v]) => `${k}=${v}`).join(' '));
      }
      case 'MAINTAINER':
        this.author = c.maintainer;
        return this.meta(c, 'MAINTAINER ' + c.maintainer);
      case 'EXPOSE': {
        const ports: string[] = [];
        for (const p of c.ports) {
          try {
            ports.push(...this.lex.processWords(p, env));
          } catch (e) {
            if (e instanceof ExpandError) throw errorAt(loc, e.message);
            throw e;
          }
        }
        const exposed = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of ports) {
          try {
            for (const k of parseExposeSpec(p)) exposed[k] = {};
          } catch (e) {
            if (e instanceof PortError) throw errorAt(loc, e.message);
            throw e;
          }
        }
        cfg.ExposedPorts = exposed;
        return this.meta(c, 'EXPOSE ' + ports.join(' '));
      }
      case 'USER':
        cfg.User = w(c.user);
        return this.meta(c, `USER ${cfg.User}`);
      case 'VOLUME': {
        const vols = c.volumes.map(w);
        if (vols.some((v) => v === '')) throw errorAt(loc, 'VOLUME specified can not be an empty string');
        cfg.Volumes = { ...(cfg.Volumes ?? {}) };
        for (const v of vols) cfg.Volumes[v] = {};
        return this.meta(c, `VOLUME ${goList(vols)}`);
      }
      case 'STOPSIGNAL': {
        const sig = w(c.signal);
        try {
          parseSignal(sig);
        } catch (e) {
          throw errorAt(loc, (e as Error).message);
        }
        cfg.StopSignal = sig;
        return this.meta(c, `STOPSIGNAL ${sig}`);
      }
      case 'HEALTHCHECK':
        cfg.Healthcheck = { ...c.health };
        return this.meta(c, `HEALTHCHECK ${healthcheckComment(c.health)}`);
      case 'SHELL':
        cfg.Shell = [...c.shell];
        return this.meta(c, `SHELL ${goList(cfg.Shell)}`);
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), c.expression];
        return this.meta(c, 'ONBUILD ' + c.expression);
      case 'CMD': {
        cfg.Cmd = c.cmd.args.length === 0 ? [] : c.cmd.prependShell ? [...shellOf(cfg), ...c.cmd.args] : [...c.cmd.args];
        delete cfg.ArgsEscaped; // false, which the image JSON omits
        const step = this.meta(c, `CMD ${goQuoteList(cfg.Cmd)}`);
        if (c.cmd.args.length !== 0) this.cmdSet = true;
        return step;
      }
      case 'ENTRYPOINT':
        cfg.Entrypoint = c.cmd.args.length === 0 ? [] : c.cmd.prependShell ? [...shellOf(cfg), ...c.cmd.args] : [...c.cmd.args];
        delete cfg.ArgsEscaped;
        if (!this.cmdSet) cfg.Cmd = null;
        return this.meta(c, `ENTRYPOINT ${goQuoteList(cfg.Entrypoint)}`);
      case 'WORKDIR': {
        const p = w(c.path);
        if (p === '') throw errorAt(loc, 'cannot normalize nothing');
        cfg.WorkingDir = p.startsWith('/') ? posixClean(p) : posixClean('/' + (cfg.WorkingDir ?? '') + '/' + p);
        return this.step('workdir', c, nopCmdString(cfg, 'WORKDIR ' + cfg.WorkingDir), { path: cfg.WorkingDir });
      }
      case 'RUN':
        return this.run(c, w);
      case 'COPY':
      case 'ADD':
        return this.copy(c, w);
    }
  }

  /** Expands a RUN's mounts and applies BuildKit's defaults (cache id = target, secret target = /run/secrets/<id>). */
  private mounts(c: RunInstruction, w: (s: string) => string): StepMount[] {
    const workdir = this.config.WorkingDir || '/';
    const abs = (p: string) => posixClean(p.startsWith('/') ? p : workdir + '/' + p);
    return c.mounts.map((m) => {
      const out: StepMount = { ...m, target: w(m.target), source: w(m.source), id: w(m.id), from: undefined };
      if (m.env !== undefined) out.env = w(m.env);
      if (m.from) {
        try {
          out.from = resolveCopyFrom(w(m.from), this.stage.index, this.plan.allStages, this.plan.contexts);
        } catch (e) {
          throw errorAt(c.loc, (e as Error).message);
        }
      }
      if (out.type === 'secret' || out.type === 'ssh') {
        if (!out.id) out.id = out.source || (out.target ? (out.target.split('/').filter(Boolean).pop() ?? '') : '') || (out.type === 'ssh' ? 'default' : '');
        if (!out.target && (out.env === undefined || out.env === '') && out.type === 'secret') out.target = '/run/secrets/' + out.id;
        if (out.type === 'ssh' && !out.target) out.target = '/run/buildkit/ssh_agent.0';
      }
      if (out.target) out.target = abs(out.target);
      if (out.type === 'cache' && !out.id) out.id = out.target;
      return out;
    });
  }

  private run(c: RunInstruction, w: (s: string) => string): RunStep {
    const cfg = this.config;
    const mounts = this.mounts(c, w);
    let args = [...c.cmd.args];
    const scripts: InlineScript[] = [];
    if (c.cmd.files.length > 0) {
      if (args.length !== 1 || !c.cmd.prependShell) throw errorAt(c.loc, `parsing produced an invalid run command: ${goList(args)}`);
      if (parseHeredocWord(args[0])) {
        const f = c.cmd.files[0];
        const data = f.chomp ? chompHeredocContent(f.data) : f.data;
        if (data.startsWith('#!')) {
          const path = '/dev/pipes/' + f.name;
          scripts.push({ path, data, mode: 0o755 });
          args = [path];
        } else args = [data];
      } else {
        args = [args[0] + c.cmd.files.map((f) => '\n' + f.data + f.name).join('')];
      }
    }
    const argv = c.cmd.prependShell ? [...shellOf(cfg), ...args] : args;
    const cfgEnv = cfg.Env ?? [];
    const visible = this.args.filterAllowed(cfgEnv);
    const keyed = visible.filter((e) => this.args.isReferencedOrNotBuiltin(e.slice(0, e.indexOf('=')))).sort();
    const saveCmd = visible.length > 0 ? [`|${keyed.length}`, ...keyed, ...argv] : argv;
    const containerConfig: ImageRunConfig = { ...cloneConfig(cfg), Cmd: saveCmd };
    delete containerConfig.ArgsEscaped;
    if (saveCmd.length > 0) containerConfig.Entrypoint = null;
    return {
      kind: 'run',
      instruction: c,
      text: c.text,
      config: cloneConfig(cfg),
      author: this.author,
      createdBy: saveCmd.join(' '),
      containerConfig,
      // the mounts change what the command sees: a step with other mounts is another step
      cacheKey:
        canonicalJson(containerConfig) +
        (mounts.length ? '\nmounts:' + canonicalJson(mounts) : '') +
        (c.network ? '\nnetwork:' + c.network : '') +
        (c.security === 'insecure' ? '\nsecurity:insecure' : ''),
      args: argv,
      env: [...cfgEnv, ...visible],
      user: cfg.User ?? '',
      workdir: cfg.WorkingDir || '/',
      buildArgs: keyed,
      scripts,
      mounts,
      network: c.network,
      insecure: c.security === 'insecure',
    };
  }

  private copy(c: CopyInstruction | AddInstruction, w: (s: string) => string): CopyStep {
    const cfg = this.config;
    const sources = c.sources.map(w);
    const destText = w(c.dest);
    const chown = w(c.chown);
    const chmodText = w(c.chmod);
    const checksum = c.kind === 'ADD' ? w(c.checksum) : '';
    let chmod: ChmodSpec | undefined;
    if (chmodText !== '') {
      try {
        chmod = parseChmod(chmodText);
      } catch (e) {
        throw errorAt(c.loc, (e as Error).message);
      }
    }
    if (chown.split(':').length > 2) throw errorAt(c.loc, `invalid chown string format: ${chown}`);
    const contents = c.contents.map((s) => {
      if (!s.expand) return { path: s.path, data: s.data };
      try {
        return { path: s.path, data: RAW_LEX.processWord(s.data, this.env()) };
      } catch (e) {
        throw errorAt(c.loc, (e as Error).message);
      }
    });
    const isUrl = (s: string) => /^https?:\/\//.test(s);
    if (c.kind === 'COPY' && sources.some(isUrl)) throw errorAt(c.loc, "COPY failed: source can't be a URL for COPY");
    if (checksum) {
      // as BuildKit: a checksum is checked against a download or a git commit, never a local file
      if (sources.length + c.contents.length !== 1) throw errorAt(c.loc, "checksum can't be specified for multiple sources");
      if (!isRemoteSource(sources[0] ?? '') && !isGitSource(sources[0] ?? '')) throw errorAt(c.loc, 'checksum requires HTTP(S) or Git sources');
      const git = sources.some(isGitSource);
      if (git ? !/^[0-9a-f]{7,64}$/.test(checksum) : !/^(sha256|sha384|sha512):[a-f0-9]+$/.test(checksum))
        throw errorAt(c.loc, `invalid checksum digest format: ${checksum}`);
    }
    if (c.kind === 'ADD' && c.keepGitDir && !sources.some(isGitSource)) throw errorAt(c.loc, '--keep-git-dir is only valid for git sources');
    let from: CopySource | undefined;
    if (c.kind === 'COPY' && c.from !== '') {
      try {
        from = resolveCopyFrom(c.from, this.stage.index, this.plan.allStages, this.plan.contexts);
      } catch (e) {
        throw errorAt(c.loc, (e as Error).message);
      }
    }
    const d = destText === '' ? '.' : destText;
    const destIsDir = d === '.' || d.endsWith('/') || d.endsWith('/.');
    if (sources.length === 0 && contents.length > 1 && !destIsDir)
      throw errorAt(c.loc, `When using ${c.kind} with more than one source file, the destination must be a directory and end with a /`);
    const dest = d.startsWith('/') ? posixClean(d) : posixClean('/' + (cfg.WorkingDir ?? '') + '/' + d);
    const excludes = c.excludes.map(w);
    try {
      new IgnoreMatcher(excludes);
    } catch (e) {
      throw errorAt(c.loc, (e as Error).message);
    }
    const spec: CopySpec = {
      cmd: c.kind,
      from,
      sources,
      contents,
      dest,
      destIsDir,
      destText,
      chown,
      chmod,
      preserveOwnership: c.kind === 'COPY' && c.from !== '' && chown === '',
      allowDecompress: c.kind === 'ADD' && c.unpack !== false,
      unpackRemote: c.kind === 'ADD' && c.unpack === true,
      checksum,
      excludes,
      // as BuildKit: --link with --chmod is an ordinary copy onto the image below
      link: c.link && chmodText === '',
      parents: c.kind === 'COPY' && c.parents,
      keepGitDir: c.kind === 'ADD' && c.keepGitDir,
    };
    const snapshot = cloneConfig(cfg);
    return {
      kind: 'copy',
      instruction: c,
      text: c.text,
      config: cloneConfig(cfg),
      author: this.author,
      copy: spec,
      history(sourcesHash: string): HistoryParts {
        const flags =
          (chown ? `--chown=${chown} ` : '') + (chmodText ? `--chmod=${chmodText} ` : '') + (spec.link ? '--link ' : '') + (spec.parents ? '--parents ' : '');
        const cmd = nopCmdString(snapshot, `${c.kind} ${flags}${sourcesHash} in ${destText} `);
        const containerConfig = { ...cloneConfig(snapshot), Cmd: cmd };
        return { createdBy: cmd.join(' '), containerConfig, cacheKey: canonicalJson(containerConfig) };
      },
    };
  }
}

/** path.posix.normalize without a trailing slash ("/" stays "/"). */
function posixClean(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/** The global ARG steps (before the first FROM) as `Step n/m` texts. */
export function metaArgTexts(plan: BuildPlan): string[] {
  return plan.metaArgs.map((a) => a.text);
}
