// Parsed nodes -> typed instructions, each with its location and source text.
// Argument counts, flags and forms are checked here; variable expansion and
// everything that depends on the build state happens in the planner.
import { parseHealthcheckInstruction } from '../../image/healthcheck';
import type { HealthConfig } from '../../image/types';
import { DockerfileError, Location, errorAt } from './errors';
import { FlagError, Flags } from './flags';
import { MountError, parseMount, type RunMount } from './mounts';
import { Heredoc, Node, ParseResult, chompHeredocContent, parseHeredocWord } from './parser';

export interface KeyValue {
  key: string;
  value: string;
}

export interface ArgDecl {
  key: string;
  /** undefined: declared without a default */
  value?: string;
}

/** A heredoc body given to RUN. */
export interface InlineFile {
  name: string;
  data: string;
  chomp: boolean;
}

/** The command of RUN/CMD/ENTRYPOINT: shell form (one string, run through SHELL) or exec form. */
export interface CmdLine {
  args: string[];
  prependShell: boolean;
  files: InlineFile[];
}

/** A `COPY <<EOF /dst` source: a file made from the heredoc body. */
export interface SourceContent {
  path: string;
  data: string;
  expand: boolean;
}

interface Common {
  loc: Location;
  /** The instruction as written (continuations joined), as `Step n/m :` shows it. */
  text: string;
}

export interface FromInstruction extends Common {
  kind: 'FROM';
  base: string;
  /** lower-case stage name, '' when unnamed */
  stageName: string;
  platform: string;
}
export interface ArgInstruction extends Common {
  kind: 'ARG';
  args: ArgDecl[];
}
export interface EnvInstruction extends Common {
  kind: 'ENV';
  env: KeyValue[];
}
export interface LabelInstruction extends Common {
  kind: 'LABEL';
  labels: KeyValue[];
  /** Labels from the build's options: taken literally. */
  noExpand?: boolean;
}
export interface MaintainerInstruction extends Common {
  kind: 'MAINTAINER';
  maintainer: string;
}
export interface RunInstruction extends Common {
  kind: 'RUN';
  cmd: CmdLine;
  /** --mount specs, values not yet expanded. */
  mounts: RunMount[];
  /** --network: '' (the build's), 'default', 'none' or 'host'. */
  network: string;
  /** --security: '' / 'sandbox', or 'insecure' (privileged; the build must allow security.insecure). */
  security: string;
}
export interface CmdInstruction extends Common {
  kind: 'CMD';
  cmd: CmdLine;
}
export interface EntrypointInstruction extends Common {
  kind: 'ENTRYPOINT';
  cmd: CmdLine;
}
export interface ShellInstruction extends Common {
  kind: 'SHELL';
  shell: string[];
}
export interface CopyInstruction extends Common {
  kind: 'COPY';
  sources: string[];
  contents: SourceContent[];
  dest: string;
  from: string;
  chown: string;
  chmod: string;
  link: boolean;
  /** --exclude patterns, not yet expanded. */
  excludes: string[];
  /** --parents: the sources' parent directories are kept under dest. */
  parents: boolean;
}
export interface AddInstruction extends Common {
  kind: 'ADD';
  sources: string[];
  contents: SourceContent[];
  dest: string;
  chown: string;
  chmod: string;
  link: boolean;
  /** expected digest of a remote source (sha256/384/512), or a git source's commit */
  checksum: string;
  /** --exclude patterns, not yet expanded. */
  excludes: string[];
  /** --keep-git-dir: a git source keeps its .git directory. */
  keepGitDir: boolean;
  /** --unpack: extract archives (local ones by default; downloads only when true). undefined when not given. */
  unpack?: boolean;
}
export interface ExposeInstruction extends Common {
  kind: 'EXPOSE';
  ports: string[];
}
export interface VolumeInstruction extends Common {
  kind: 'VOLUME';
  volumes: string[];
}
export interface UserInstruction extends Common {
  kind: 'USER';
  user: string;
}
export interface WorkdirInstruction extends Common {
  kind: 'WORKDIR';
  path: string;
}
export interface StopSignalInstruction extends Common {
  kind: 'STOPSIGNAL';
  signal: string;
}
export interface HealthcheckInstruction extends Common {
  kind: 'HEALTHCHECK';
  health: HealthConfig;
}
export interface OnbuildInstruction extends Common {
  kind: 'ONBUILD';
  /** The trigger as stored in the image's OnBuild list. */
  expression: string;
}

export type Command =
  | ArgInstruction
  | EnvInstruction
  | LabelInstruction
  | MaintainerInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | CopyInstruction
  | AddInstruction
  | ExposeInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | StopSignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

export type Instruction = FromInstruction | Command;

const BUILDKIT_ONLY = (flag: string) =>
  `the --${flag} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`;

const atLeastOne = (c: string) => `${c} requires at least one argument`;
const exactlyOne = (c: string) => `${c} requires exactly one argument`;
const noDest = (c: string) => `${c} requires at least two arguments, but only one was provided. Destination could not be determined`;

class InstructionError extends Error {}

function kvps(args: string[], cmd: string): KeyValue[] {
  if (args.length === 0) throw new InstructionError(atLeastOne(cmd));
  if (args.length % 3 !== 0) throw new InstructionError(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValue[] = [];
  for (let i = 0; i < args.length; i += 3) {
    if (args[i] === '') throw new InstructionError(`${cmd} names can not be blank`);
    out.push({ key: args[i], value: args[i + 1] });
  }
  return out;
}

function cmdLine(node: Node): CmdLine {
  const files = node.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp }));
  const args = node.json ? node.args : node.args.length ? [node.args.join(' ')] : [];
  return { args, prependShell: !node.json, files };
}

function sourcesAndDest(node: Node, cmd: string): { sources: string[]; contents: SourceContent[]; dest: string } {
  const srcs = node.args.slice(0, -1);
  const dest = node.args[node.args.length - 1];
  if (parseHeredocWord(dest)) throw new InstructionError(`${cmd} cannot accept a heredoc as a destination`);
  const byName = new Map<string, Heredoc>(node.heredocs.map((h) => [h.name, h]));
  const sources: string[] = [];
  const contents: SourceContent[] = [];
  for (const s of srcs) {
    const h = node.json ? null : parseHeredocWord(s);
    if (!h) {
      sources.push(s);
      continue;
    }
    let data = byName.get(h.name)?.content ?? '';
    if (h.chomp) data = chompHeredocContent(data);
    contents.push({ path: h.name, data, expand: h.expand });
  }
  return { sources, contents, dest };
}

const VALID_STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFrom(node: Node, base: Common): FromInstruction {
  const a = node.args;
  let stageName = '';
  if (a.length === 3 && a[1].toLowerCase() === 'as') {
    stageName = a[2].toLowerCase();
    if (!VALID_STAGE_NAME.test(stageName))
      throw new InstructionError(`invalid name for build stage: ${JSON.stringify(a[2])}, name can't start with a number or contain symbols`);
  } else if (a.length !== 1) throw new InstructionError('FROM requires either one or three arguments');
  const f = new Flags(node.flags).define('platform', 'string').parse();
  return { ...base, kind: 'FROM', base: a[0], stageName, platform: f.string('platform') };
}

function parseHealthcheck(node: Node, base: Common): HealthcheckInstruction {
  if (node.args.length === 0) throw new InstructionError(atLeastOne('HEALTHCHECK'));
  const type = node.args[0].toUpperCase();
  if (type === 'NONE') {
    if (node.args.length !== 1) throw new InstructionError('HEALTHCHECK NONE takes no arguments');
    return { ...base, kind: 'HEALTHCHECK', health: { Test: ['NONE'] } };
  }
  const f = new Flags(node.flags);
  for (const n of ['interval', 'timeout', 'start-period', 'start-interval', 'retries']) f.define(n, 'string');
  f.parse();
  const flagText = f.used.map((n) => `--${n}=${f.string(n)}`).join(' ');
  const rest = node.args.slice(1);
  const cmdText = node.json ? JSON.stringify(rest) : rest.join(' ');
  try {
    const health = parseHealthcheckInstruction(`${flagText} ${type} ${cmdText}`);
    return { ...base, kind: 'HEALTHCHECK', health };
  } catch (e) {
    throw new InstructionError((e as Error).message);
  }
}

function parseOnbuild(node: Node, base: Common): OnbuildInstruction {
  if (!node.sub) throw new InstructionError(atLeastOne('ONBUILD'));
  new Flags(node.flags).parse();
  const trigger = node.sub.rawKeyword.toUpperCase();
  if (trigger === 'ONBUILD') throw new InstructionError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new InstructionError(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of node.heredocs) expression += '\n' + h.content + h.name;
  return { ...base, kind: 'ONBUILD', expression };
}

function parseNode(node: Node, base: Common): Instruction {
  const plain = () => new Flags(node.flags).parse();
  switch (node.keyword) {
    case 'from':
      return parseFrom(node, base);
    case 'arg': {
      if (node.args.length === 0) throw new InstructionError(atLeastOne('ARG'));
      const args = node.args.map((w): ArgDecl => {
        const i = w.indexOf('=');
        if (i < 0) return { key: w };
        if (i === 0) throw new InstructionError('ARG names can not be blank');
        return { key: w.slice(0, i), value: w.slice(i + 1) };
      });
      plain();
      return { ...base, kind: 'ARG', args };
    }
    case 'env':
      plain();
      return { ...base, kind: 'ENV', env: kvps(node.args, 'ENV') };
    case 'label':
      plain();
      return { ...base, kind: 'LABEL', labels: kvps(node.args, 'LABEL') };
    case 'maintainer':
      if (node.args.length !== 1) throw new InstructionError(exactlyOne('MAINTAINER'));
      plain();
      return { ...base, kind: 'MAINTAINER', maintainer: node.args[0] };
    case 'run': {
      const f = new Flags(node.flags).define('mount', 'strings').define('network', 'string').define('security', 'string').define('device', 'strings').parse();
      for (const u of f.used) if (u !== 'mount' && u !== 'network' && u !== 'security') throw new InstructionError(BUILDKIT_ONLY(u));
      const security = f.string('security');
      if (f.has('security') && security !== 'insecure' && security !== 'sandbox')
        throw new InstructionError(`security can only be set to insecure or sandbox, not ${JSON.stringify(security)}`);
      const network = f.string('network');
      if (f.has('network') && !['default', 'none', 'host'].includes(network)) throw new InstructionError(`unsupported network mode ${JSON.stringify(network)}`);
      const mounts = f.strings('mount').map((v) => {
        try {
          return parseMount(v);
        } catch (e) {
          if (e instanceof MountError) throw new InstructionError(e.message);
          throw e;
        }
      });
      const cmd = cmdLine(node);
      if (cmd.args.length === 0) throw new InstructionError(atLeastOne('RUN'));
      return { ...base, kind: 'RUN', cmd, mounts, network, security };
    }
    case 'cmd':
      plain();
      return { ...base, kind: 'CMD', cmd: cmdLine(node) };
    case 'entrypoint':
      plain();
      return { ...base, kind: 'ENTRYPOINT', cmd: cmdLine(node) };
    case 'shell': {
      plain();
      if (node.args.length === 0) throw new InstructionError(atLeastOne('SHELL'));
      if (!node.json) throw new InstructionError('SHELL requires the arguments to be in JSON form');
      return { ...base, kind: 'SHELL', shell: node.args };
    }
    case 'copy': {
      if (node.args.length < 2) throw new InstructionError(noDest('COPY'));
      const f = new Flags(node.flags)
        .define('chown', 'string')
        .define('from', 'string')
        .define('chmod', 'string')
        .define('link', 'bool')
        .define('exclude', 'strings')
        .define('parents', 'bool')
        .parse();
      return {
        ...base,
        kind: 'COPY',
        ...sourcesAndDest(node, 'COPY'),
        from: f.string('from'),
        chown: f.string('chown'),
        chmod: f.string('chmod'),
        link: f.bool('link'),
        excludes: f.strings('exclude'),
        parents: f.bool('parents'),
      };
    }
    case 'add': {
      if (node.args.length < 2) throw new InstructionError(noDest('ADD'));
      const f = new Flags(node.flags)
        .define('chown', 'string')
        .define('chmod', 'string')
        .define('link', 'bool')
        .define('keep-git-dir', 'bool')
        .define('checksum', 'string')
        .define('unpack', 'bool')
        .define('exclude', 'strings')
        .parse();
      return {
        ...base,
        kind: 'ADD',
        ...sourcesAndDest(node, 'ADD'),
        chown: f.string('chown'),
        chmod: f.string('chmod'),
        link: f.bool('link'),
        checksum: f.string('checksum'),
        excludes: f.strings('exclude'),
        keepGitDir: f.bool('keep-git-dir'),
        ...(f.has('unpack') ? { unpack: f.bool('unpack') } : {}),
      };
    }
    case 'expose':
      if (node.args.length === 0) throw new InstructionError(atLeastOne('EXPOSE'));
      plain();
      return { ...base, kind: 'EXPOSE', ports: [...node.args].sort() };
    case 'volume': {
      if (node.args.length === 0) throw new InstructionError(atLeastOne('VOLUME'));
      plain();
      const volumes = node.args.map((v) => v.trim());
      if (volumes.some((v) => v === '')) throw new InstructionError('VOLUME specified can not be an empty string');
      return { ...base, kind: 'VOLUME', volumes };
    }
    case 'user':
      if (node.args.length !== 1) throw new InstructionError(exactlyOne('USER'));
      plain();
      return { ...base, kind: 'USER', user: node.args[0] };
    case 'workdir':
      if (node.args.length !== 1) throw new InstructionError(exactlyOne('WORKDIR'));
      plain();
      return { ...base, kind: 'WORKDIR', path: node.args[0] };
    case 'stopsignal':
      if (node.args.length !== 1) throw new InstructionError(exactlyOne('STOPSIGNAL'));
      return { ...base, kind: 'STOPSIGNAL', signal: node.args[0] };
    case 'healthcheck':
      return parseHealthcheck(node, base);
    case 'onbuild':
      return parseOnbuild(node, base);
  }
  throw new InstructionError(`unknown instruction: ${node.rawKeyword.toUpperCase()}`);
}

/** One parsed node as a typed instruction; errors carry the file and line. */
export function parseInstruction(node: Node, file: string): Instruction {
  const loc: Location = { file, line: node.startLine, endLine: node.endLine };
  try {
    return parseNode(node, { loc, text: node.original.trim() });
  } catch (e) {
    if (e instanceof InstructionError || e instanceof FlagError) throw errorAt(loc, e.message);
    if (e instanceof DockerfileError) throw e;
    throw errorAt(loc, (e as Error).message);
  }
}

export interface ParsedStage {
  from: FromInstruction;
  commands: Command[];
}

export interface Instructions {
  file: string;
  escape: string;
  /** ARGs before the first FROM. */
  metaArgs: ArgInstruction[];
  stages: ParsedStage[];
}

/** Groups a parse result into global ARGs and stages. */
export function toInstructions(parsed: ParseResult): Instructions {
  const out: Instructions = { file: parsed.file, escape: parsed.directives.escape, metaArgs: [], stages: [] };
  for (const node of parsed.nodes) {
    const ins = parseInstruction(node, parsed.file);
    if (ins.kind === 'FROM') {
      out.stages.push({ from: ins, commands: [] });
      continue;
    }
    if (out.stages.length === 0) {
      if (ins.kind === 'ARG') {
        out.metaArgs.push(ins);
        continue;
      }
      throw errorAt(ins.loc, 'no build stage in current context');
    }
    out.stages[out.stages.length - 1].commands.push(ins);
  }
  return out;
}

/** Parses one ONBUILD trigger (from a base image's OnBuild list) as a command. */
export function parseTrigger(nodes: Node[], file: string): Command {
  if (nodes.length !== 1) throw errorAt({ file, line: 0, endLine: 0 }, 'onbuild trigger should be a single expression');
  const ins = parseInstruction(nodes[0], file);
  if (ins.kind === 'FROM') throw errorAt(ins.loc, "FROM isn't allowed as an ONBUILD trigger");
  return ins;
}
