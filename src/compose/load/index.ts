// Loading a compose project, one phase per step (each unit-tested alone):
//   files      which files (-f, COMPOSE_FILE, compose.yaml found upwards + override)
//   env        the interpolation environment (shell over --env-file / .env)
//   yaml       each file parsed (merge keys, !reset/!override), with key lines
//   interpolate every string, before validation
//   validate   the spec's shape, with the path, file and line in errors
//   include    other projects' files pulled in; extends resolved
//   merge      all files with Compose's rules
//   normalize  canonical long forms, profiles, references, cycles
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Project } from '../model';
import { EnvFileError, parseEnvFile } from './dotenv';
import { interpolateTree, InterpolationError, type Lookup } from './interpolate';
import { mergeFiles, mergeValue, stripTags } from './merge';
import { normalizeProject, ProjectError } from './normalize';
import { check, serviceSchema, topSchema, unsupportedServiceKeys } from './schema';
import { ShortSyntaxError } from './shortsyntax';
import { ComposeYamlError, parseComposeYaml, Tagged, type ParsedFile } from './yaml';

export class ComposeLoadError extends Error {}

export interface LoadOptions {
  /** -f (repeatable); "-" reads stdin */
  files?: string[];
  projectDirectory?: string;
  /** -p */
  projectName?: string;
  /** --env-file (repeatable) */
  envFiles?: string[];
  /** --profile (repeatable) */
  profiles?: string[];
  /** services named on the command line: enabled whatever their profiles */
  enable?: string[];
  /** false for `config --no-interpolate` */
  interpolate?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: () => string;
}

const CANDIDATES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** The files a command line names, or those found in the working directory or its parents. */
export function findFiles(o: LoadOptions): { files: string[]; warnings: string[] } {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const warnings: string[] = [];
  if (o.files?.length) return { files: o.files.map((f) => (f === '-' ? '-' : path.resolve(cwd, f))), warnings };
  if (env.COMPOSE_FILE) {
    const sep = env.COMPOSE_PATH_SEPARATOR || ':';
    return {
      files: env.COMPOSE_FILE.split(sep)
        .filter(Boolean)
        .map((f) => path.resolve(cwd, f)),
      warnings,
    };
  }
  for (let dir = o.projectDirectory ? path.resolve(cwd, o.projectDirectory) : cwd; ; dir = path.dirname(dir)) {
    const found = CANDIDATES.filter((c) => fs.existsSync(path.join(dir, c)));
    if (found.length) {
      if (found.length > 1)
        warnings.push(`Found multiple config files with supported names: ${found.map((f) => path.join(dir, f)).join(', ')}\nUsing ${path.join(dir, found[0])}`);
      const main = path.join(dir, found[0]);
      const ext = path.extname(found[0]);
      const override = path.join(dir, `${path.basename(found[0], ext)}.override${ext}`);
      return { files: fs.existsSync(override) ? [main, override] : [main], warnings };
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new ComposeLoadError('no configuration file provided: not found');
}

/** Reads .env-style files into a map (later files win). */
function readEnvFiles(files: string[], shell: Lookup): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      throw new ComposeLoadError(`couldn't find env file: ${f}: ${(e as Error).message}`);
    }
    for (const [k, v] of parseEnvFile(text, (n) => out[n] ?? shell(n), f)) out[k] = v;
  }
  return out;
}

/** The shell environment over the .env files: what interpolation sees. */
export function projectEnvironment(projectDir: string, o: LoadOptions): { env: Record<string, string>; envFiles: string[] } {
  const shell = (o.env ?? process.env) as Record<string, string | undefined>;
  const files = o.envFiles?.length
    ? o.envFiles.map((f) => path.resolve(o.cwd ?? process.cwd(), f))
    : fs.existsSync(path.join(projectDir, '.env'))
      ? [path.join(projectDir, '.env')]
      : [];
  const fromFiles = readEnvFiles(files, (n) => shell[n]);
  const env: Record<string, string> = { ...fromFiles };
  for (const [k, v] of Object.entries(shell)) if (v !== undefined) env[k] = v;
  return { env, envFiles: files };
}

/** Compose's project name rules: explicit names must be valid; a directory name is normalised. */
export function projectName(explicit: string | undefined, fromEnv: string | undefined, fromFile: string | undefined, dir: string): string {
  const valid = /^[a-z0-9][a-z0-9_-]*$/;
  for (const n of [explicit, fromEnv, fromFile]) {
    if (n === undefined || n === '') continue;
    if (!valid.test(n))
      throw new ComposeLoadError(
        `invalid project name "${n}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
      );
    return n;
  }
  const base = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
  if (!base) throw new ComposeLoadError(`project name must not be empty`);
  return base;
}

interface LoadedFile extends ParsedFile {
  dir: string;
}

function readFile(f: string, o: LoadOptions): LoadedFile {
  let text: string;
  if (f === '-') text = (o.stdin ?? (() => fs.readFileSync(0, 'utf8')))();
  else {
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      throw new ComposeLoadError(`open ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
  }
  const name = f === '-' ? path.join(o.cwd ?? process.cwd(), '-') : f;
  try {
    return { ...parseComposeYaml(text, name), dir: path.dirname(name) };
  } catch (e) {
    if (e instanceof ComposeYamlError) throw new ComposeLoadError(e.message);
    throw e;
  }
}

/** Interpolates and validates one file; returns its data and the warnings for keys berth does not act on. */
function prepare(lf: LoadedFile, lookup: Lookup | undefined, warnings: string[]): Record<string, unknown> {
  let data = lf.data;
  if (lookup) {
    try {
      data = interpolateTree(data, lookup) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof InterpolationError) throw new ComposeLoadError(e.message);
      throw e;
    }
  }
  // Compose v5 names no line; a top-level key has an empty path (hence two spaces)
  const fail = (msg: string): never => {
    throw new ComposeLoadError(`validating ${lf.file}: ${msg}`);
  };
  const top = stripTags(data) as Record<string, unknown>;
  if (top.version !== undefined)
    warnings.push(`${lf.file}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
  const services = top.services;
  if (services !== undefined && services !== null && (typeof services !== 'object' || Array.isArray(services)))
    throw new ComposeLoadError('services must be a mapping');
  for (const [k, v] of Object.entries(top)) {
    if (k.startsWith('x-')) continue;
    const s = topSchema[k];
    if (!s) fail(` additional properties '${k}' not allowed`);
    const issue = check(v, s, k);
    if (issue) fail(issue.message);
  }
  for (const [name, svc] of Object.entries((top.services as Record<string, unknown>) ?? {})) {
    const at = `services.${name}`;
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) fail(`${at} Additional property name is not allowed: invalid service name`);
    if (svc === null || typeof svc !== 'object' || Array.isArray(svc)) throw new ComposeLoadError(`${at} must be a mapping`);
    for (const [k, v] of Object.entries(svc as Record<string, unknown>)) {
      if (k.startsWith('x-')) continue;
      if (unsupportedServiceKeys.has(k)) {
        warnings.push(`${at}.${k} is not supported by berth compose, ignored`);
        continue;
      }
      const s = serviceSchema[k];
      if (!s) fail(`${at}.${k} false schema`);
      const issue = check(v, s, `${at}.${k}`);
      if (issue) fail(issue.message);
    }
  }
  return data;
}

/** Makes a service's relative paths absolute against the directory of the file that wrote them. */
function rebaseService(svc: Record<string, unknown>, dir: string): Record<string, unknown> {
  const s = { ...svc };
  const abs = (p: string) => (p.startsWith('/') || p.startsWith('~') ? p : path.resolve(dir, p));
  if (typeof s.build === 'string') s.build = abs(s.build);
  else if (s.build && typeof s.build === 'object' && !(s.build instanceof Tagged))
    s.build = { ...(s.build as object), context: abs(String((s.build as Record<string, unknown>).context ?? '.')) };
  if (typeof s.env_file === 'string') s.env_file = abs(s.env_file);
  else if (Array.isArray(s.env_file)) s.env_file = s.env_file.map((e) => (typeof e === 'string' ? abs(e) : { ...e, path: abs(String(e.path)) }));
  if (Array.isArray(s.volumes))
    s.volumes = s.volumes.map((v) => {
      if (typeof v === 'string') {
        const i = v.indexOf(':');
        return i > 0 && v.startsWith('.') ? abs(v.slice(0, i)) + v.slice(i) : v;
      }
      if (v && typeof v === 'object' && (v as Record<string, unknown>).type === 'bind' && typeof (v as Record<string, unknown>).source === 'string')
        return { ...v, source: abs((v as Record<string, string>).source) };
      return v;
    });
  return s;
}

function resolveExtends(
  data: Record<string, unknown>,
  lf: LoadedFile,
  o: LoadOptions,
  lookup: Lookup | undefined,
  warnings: string[],
  seen: string[] = [],
): Record<string, unknown> {
  const services = (data.services ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  const resolve = (name: string, trail: string[]): Record<string, unknown> => {
    const svc = services[name];
    if (!svc) throw new ComposeLoadError(`cannot extend service "${name}" in ${lf.file}: service not found`);
    const ext = svc.extends as string | { service: string; file?: string } | undefined;
    if (!ext) return svc;
    const ref = typeof ext === 'string' ? { service: ext } : ext;
    const key = `${ref.file ? path.resolve(lf.dir, ref.file) : lf.file}#${ref.service}`;
    if (trail.includes(key)) throw new ComposeLoadError(`circular reference with extends in ${lf.file}: ${[...trail, key].join(' -> ')}`);
    let base: Record<string, unknown>;
    if (ref.file) {
      const other = readFile(path.resolve(lf.dir, ref.file), o);
      const od = resolveExtends(prepare(other, lookup, warnings), other, o, lookup, warnings, [...seen, ...trail, key]);
      const b = (od.services as Record<string, Record<string, unknown>> | undefined)?.[ref.service];
      if (!b) throw new ComposeLoadError(`cannot extend service "${ref.service}" in ${other.file}: service not found`);
      base = rebaseService(b, other.dir);
    } else base = resolve(ref.service, [...trail, key]);
    const rest = { ...svc };
    delete rest.extends;
    return mergeValue({ services: { [name]: base } }, { services: { [name]: rest } }, []) as never as Record<string, unknown>;
  };
  for (const name of Object.keys(services)) {
    const merged = resolve(name, seen) as Record<string, unknown>;
    out[name] = (merged.services as Record<string, unknown> | undefined)?.[name] ?? merged;
  }
  return { ...data, services: out };
}

function loadIncludes(
  data: Record<string, unknown>,
  lf: LoadedFile,
  o: LoadOptions,
  env: Record<string, string>,
  warnings: string[],
): Record<string, unknown>[] {
  const inc = data.include as Array<string | { path: string | string[]; env_file?: string | string[]; project_directory?: string }> | undefined;
  if (!inc) return [];
  const docs: Record<string, unknown>[] = [];
  for (const i of inc) {
    const entry = typeof i === 'string' ? { path: i } : i;
    const paths = (Array.isArray(entry.path) ? entry.path : [entry.path]).map((p) => path.resolve(lf.dir, p));
    const dir = entry.project_directory ? path.resolve(lf.dir, entry.project_directory) : path.dirname(paths[0]);
    const envFiles = entry.env_file
      ? (Array.isArray(entry.env_file) ? entry.env_file : [entry.env_file]).map((f) => path.resolve(lf.dir, f))
      : fs.existsSync(path.join(dir, '.env'))
        ? [path.join(dir, '.env')]
        : [];
    const incEnv = { ...readEnvFiles(envFiles, (n) => env[n]), ...env };
    const lookup: Lookup | undefined = o.interpolate === false ? undefined : (n) => incEnv[n];
    const parts = paths.map((p) => {
      const f = readFile(p, o);
      const d = resolveExtends(prepare(f, lookup, warnings), f, o, lookup, warnings);
      const svcs = Object.fromEntries(
        Object.entries((d.services as Record<string, Record<string, unknown>>) ?? {}).map(([n, s]) => [n, rebaseService(s, dir)]),
      );
      return { ...d, services: svcs };
    });
    docs.push(mergeFiles(parts));
  }
  return docs;
}

/** Loads a project as `docker compose` would for this command line. */
export function loadProject(o: LoadOptions = {}): Project {
  const cwd = o.cwd ?? process.cwd();
  const { files, warnings } = findFiles(o);
  const firstDir = files[0] === '-' ? cwd : path.dirname(files[0]);
  const workingDir = o.projectDirectory ? path.resolve(cwd, o.projectDirectory) : firstDir;
  try {
    const { env, envFiles } = projectEnvironment(workingDir, o);
    const lookup: Lookup | undefined = o.interpolate === false ? undefined : (n) => env[n];
    const docs: Record<string, unknown>[] = [];
    const names: string[] = [];
    for (const f of files) {
      const lf = readFile(f, o);
      const data = resolveExtends(prepare(lf, lookup, warnings), lf, o, lookup, warnings);
      for (const incDoc of loadIncludes(data, lf, o, env, warnings)) {
        for (const kind of ['services', 'networks', 'volumes', 'secrets', 'configs'] as const) {
          for (const k of Object.keys((incDoc[kind] as object) ?? {}))
            if ((data[kind] as Record<string, unknown> | undefined)?.[k] !== undefined)
              throw new ComposeLoadError(`${kind}.${k} conflicts with imported resource`);
        }
        docs.push(incDoc);
      }
      const d = { ...data };
      delete d.include;
      docs.push(d);
      if (typeof data.name === 'string') names.push(data.name);
    }
    const merged = mergeFiles(docs);
    const name = projectName(o.projectName, env.COMPOSE_PROJECT_NAME, names[names.length - 1], workingDir);
    const profiles = o.profiles?.length
      ? o.profiles
      : (env.COMPOSE_PROFILES ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
    const project = normalizeProject(merged, { projectName: name, workingDir, env, warnings }, files, envFiles, profiles, o.enable ?? []);
    project.source = merged;
    return project;
  } catch (e) {
    if (e instanceof ProjectError || e instanceof EnvFileError || e instanceof ShortSyntaxError) throw new ComposeLoadError(e.message);
    throw e;
  }
}
