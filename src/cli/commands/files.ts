// cp, export and diff: a container's files. cp follows docker's naming rules
// (copy into an existing directory, or to a new name) and extracts confined to
// the destination, so a hostile archive cannot write outside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { ApiError, type ApiClient } from '../../client/api';
import type { CliContext, Command } from '../command';
import { humanSize } from '../../util/humansize';

const enc = encodeURIComponent;
const GO_DIR = 0x80000000;

// tar handling is loaded only when cp runs: it would cost every other command ~20 ms
const archive = () => require('../../archive') as typeof import('../../archive');
const tarStream = () => require('tar-stream') as typeof import('tar-stream');

interface PathStat {
  name: string;
  size: number;
  mode: number;
  linkTarget: string;
}

function splitCpArg(arg: string): { container?: string; path: string } {
  // "c:/path"; a local path that contains ':' must start with / or . to be taken as local
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

function decodeStat(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== 'string') return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

const isDir = (st: PathStat) => (st.mode & GO_DIR) !== 0;
const contentsOnly = (p: string) => p.endsWith('/.') || p === '.';
const endsWithSep = (p: string) => p.endsWith('/');

async function statInContainer(api: ApiClient, container: string, p: string): Promise<PathStat | undefined> {
  try {
    const r = await api.request('HEAD', `/containers/${enc(container)}/archive`, { query: { path: p } });
    return decodeStat(r.headers['x-docker-container-path-stat']);
  } catch (e) {
    // a missing path is an answer; a missing container is an error
    if (e instanceof ApiError && e.status === 404 && !/No such container/.test(e.message)) return undefined;
    throw e;
  }
}

/** Renames the archive's top entry (`from`, `from/...`) to `to`; an empty `to` keeps only the contents. */
function renameTop(src: Readable, from: string, to: string): Readable {
  const tar = tarStream();
  const ex = tar.extract();
  const pack = tar.pack();
  ex.on('entry', (header, stream, next) => {
    let n = header.name.replace(/\/$/, '');
    // "." archives (src/.) name entries "./x": treat them as under the top entry
    if (from === '.') n = n === '.' ? '.' : n.replace(/^\.\//, './');
    let name = n;
    if (n === from) name = to;
    else if (n.startsWith(from + '/')) name = to ? to + n.slice(from.length) : n.slice(from.length + 1);
    if (name === '' || name === '/') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    header.name = name;
    stream.pipe(pack.entry(header, next));
  });
  ex.on('finish', () => pack.finalize());
  ex.on('error', (e) => pack.destroy(e));
  src.on('error', (e) => ex.destroy(e));
  src.pipe(ex);
  // tar-stream speaks streamx; hand a node stream to the extractor
  const out = new PassThrough();
  pack.on('error', (e: Error) => out.destroy(e));
  pack.pipe(out);
  return out;
}

function localStat(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

async function copyFromContainer(ctx: CliContext, api: ApiClient, container: string, srcPath: string, dst: string, opts: { follow: boolean; quiet: boolean }): Promise<void> {
  let src = srcPath;
  if (opts.follow) {
    const st = await statInContainer(api, container, src);
    if (st?.linkTarget) src = st.linkTarget;
  }
  const res = await api.stream('GET', `/containers/${enc(container)}/archive`, { query: { path: src } });
  const st = decodeStat(res.headers['x-docker-container-path-stat']);
  if (dst === '-') {
    await pipeline(res, process.stdout);
    return;
  }
  if (!st) throw new Error('the daemon sent no path stat');
  const top = st.name;
  const dstSt = localStat(dst);
  let targetDir: string;
  let name: string;
  if (dstSt?.isDirectory()) {
    targetDir = dst;
    name = isDir(st) && contentsOnly(srcPath) ? '' : top;
  } else if (dstSt) {
    if (isDir(st)) throw new Error(`cannot overwrite non-directory "${dst}" with directory "${srcPath}"`);
    targetDir = path.dirname(dst);
    name = path.basename(dst);
  } else {
    if (endsWithSep(dst) && !isDir(st)) throw new Error(`invalid output path: directory "${dst}" does not exist`);
    const parent = path.dirname(path.resolve(dst));
    if (!localStat(parent)?.isDirectory()) throw new Error(`invalid output path: directory "${parent}" does not exist`);
    targetDir = parent;
    name = path.basename(path.resolve(dst));
  }
  let bytes = 0;
  const counter = new PassThrough();
  counter.on('data', (c: Buffer) => (bytes += c.length));
  res.pipe(counter);
  await archive().extractInto(renameTop(counter, top, name), path.resolve(targetDir), '/', { noOverwriteDirNonDir: true, copyUIDGID: false, ignoreOwnership: true });
  if (!opts.quiet) ctx.err(`Successfully copied ${humanSize(bytes)} to ${dst}\n`);
}

async function copyToContainer(ctx: CliContext, api: ApiClient, src: string, container: string, dstPath: string, opts: { archive: boolean; follow: boolean; quiet: boolean }): Promise<void> {
  const query = { noOverwriteDirNonDir: true, copyUIDGID: opts.archive || undefined };
  const put = (p: string, body: Readable) => api.request('PUT', `/containers/${enc(container)}/archive`, { query: { ...query, path: p }, body, headers: { 'Content-Type': 'application/x-tar' } });
  const dstSt = await statInContainer(api, container, dstPath);
  if (src === '-') {
    if (dstSt && !isDir(dstSt)) throw new Error(`destination "${container}:${dstPath}" must be a directory`);
    await put(dstPath, process.stdin);
    return;
  }
  let local = path.resolve(src);
  let srcSt: fs.Stats;
  try {
    srcSt = opts.follow ? fs.statSync(local) : fs.lstatSync(local);
  } catch {
    throw new Error(`lstat ${local}: no such file or directory`);
  }
  if (opts.follow) local = fs.realpathSync(local);
  let target: string;
  let rebaseTo: string | undefined;
  let includeSourceDir = true;
  if (dstSt && isDir(dstSt)) {
    target = dstPath;
    if (srcSt.isDirectory() && contentsOnly(src)) includeSourceDir = false;
  } else if (dstSt) {
    if (srcSt.isDirectory()) throw new Error(`cannot overwrite non-directory "${dstPath}" with directory "${src}"`);
    target = path.posix.dirname(dstPath);
    rebaseTo = path.posix.basename(dstPath);
  } else {
    if (endsWithSep(dstPath) && !srcSt.isDirectory()) throw new Error(`destination "${container}:${dstPath}" does not exist`);
    const clean = path.posix.resolve('/', dstPath);
    target = path.posix.dirname(clean);
    rebaseTo = path.posix.basename(clean);
  }
  const { stream } = archive().packPath('/', local, { rebaseTo, includeSourceDir });
  let bytes = 0;
  const counter = new PassThrough();
  counter.on('data', (c: Buffer) => (bytes += c.length));
  stream.pipe(counter);
  await put(target, counter);
  if (!opts.quiet) ctx.err(`Successfully copied ${humanSize(bytes)} to ${container}:${dstPath}\n`);
}

export const cpCommand: Command = {
  name: 'cp',
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'archive', short: 'a', kind: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { long: 'follow-link', short: 'L', kind: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  async run(ctx, f, args) {
    const src = splitCpArg(args[0]);
    const dst = splitCpArg(args[1]);
    if (src.container && dst.container) throw new Error('copying between containers is not supported');
    if (!src.container && !dst.container) throw new Error('must specify at least one container source');
    const api = await ctx.api();
    const quiet = f.bool('quiet') || !ctx.stderrTty;
    if (src.container) {
      if (src.path === '') throw new Error('filepath cannot be empty');
      return copyFromContainer(ctx, api, src.container, src.path, dst.path, { follow: f.bool('follow-link'), quiet });
    }
    if (dst.path === '') throw new Error('filepath cannot be empty');
    return copyToContainer(ctx, api, src.path, dst.container!, dst.path, { archive: f.bool('archive'), follow: f.bool('follow-link'), quiet });
  },
};

export const exportCommand: Command = {
  name: 'export',
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  minArgs: 1,
  maxArgs: 1,
  flags: [{ long: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, f, args) {
    const out = f.str('output');
    if (!out && ctx.stdoutTty) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const api = await ctx.api();
    const res = await api.stream('GET', `/containers/${enc(args[0])}/export`);
    if (!out) return void (await pipeline(res, process.stdout));
    // written next to the target and renamed, so a failed export leaves no half file
    const tmp = `${out}.tmp-${process.pid}`;
    try {
      await pipeline(res, fs.createWriteStream(tmp));
      fs.renameSync(tmp, out);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  },
};

export const diffCommand: Command = {
  name: 'diff',
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx, _f, args) {
    const api = await ctx.api();
    const changes = (await api.get<Array<{ Path: string; Kind: number }> | null>(`/containers/${enc(args[0])}/changes`)) ?? [];
    for (const c of changes) ctx.out(`${['C', 'A', 'D'][c.Kind] ?? '?'} ${c.Path}\n`);
  },
};
