// cp: files between a container and the local filesystem. It follows Docker's
// copy rules (cp-rules.ts) and extracts confined to the destination, so a
// hostile archive cannot write outside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { ApiError, type ApiClient } from '../../client/api';
import type { CliContext, Command } from '../command';
import { humanSize } from '../../util/humansize';
import { getRebaseName, isAbs, preserveTrailingDotOrSeparator, prepareArchiveCopy, rebaser, splitCpArg, splitPathDirEntry, type CopyInfo } from './cp-rules';

const enc = encodeURIComponent;
const GO_DIR = 0x80000000;
const GO_SYMLINK = 2 ** 27;
const GO_DEVICE = 2 ** 26;
const GO_IRREGULAR = 2 ** 19;

// tar handling is loaded only when cp runs: it would cost every other command ~20 ms
const archive = () => require('../../archive') as typeof import('../../archive');
const tarStream = () => require('tar-stream') as typeof import('tar-stream');

interface PathStat {
  name: string;
  size: number;
  mode: number;
  linkTarget: string;
}

function decodeStat(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== 'string') return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

/** HEAD archive: the stat, or undefined on any error (the CLI ignores them, as Docker's does). */
async function statInContainer(api: ApiClient, container: string, p: string): Promise<PathStat | undefined> {
  try {
    const r = await api.request('HEAD', `/containers/${enc(container)}/archive`, { query: { path: p } });
    return decodeStat(r.headers['x-docker-container-path-stat']);
  } catch (e) {
    if (e instanceof ApiError) return undefined;
    throw e;
  }
}

/** Renames entries (and hardlink targets) from oldBase to newBase, Docker's RebaseArchiveEntries. */
function rebaseArchive(src: Readable, oldBase: string, newBase: string): Readable {
  const rename = rebaser(oldBase, newBase);
  const tar = tarStream();
  const ex = tar.extract();
  const pack = tar.pack();
  ex.on('entry', (header, stream, next) => {
    header.name = rename(header.name);
    if (header.type === 'link' && header.linkname) header.linkname = rename(header.linkname);
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

/** filepath.Abs keeping a trailing "/" or "/." (resolveLocalPath). */
function resolveLocalPath(p: string): string {
  return preserveTrailingDotOrSeparator(path.resolve(p), p);
}

/** Docker's ValidateOutputPath. */
function validateOutputPath(p: string): void {
  const dir = path.dirname(path.normalize(p));
  if (dir !== '' && dir !== '.' && !fs.existsSync(dir)) throw new Error(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw goError(e, 'stat', p);
  }
  if (st.isDirectory() || st.isFile()) return;
  const why = st.isBlockDevice() || st.isCharacterDevice() ? 'got a device' : 'got an irregular file';
  throw new Error(`invalid output path: ${JSON.stringify(p)} must be a directory or a regular file: ${why}`);
}

/** A Go os error's text: "lstat /x: no such file or directory". */
function goError(e: unknown, op: string, p: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const text: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'not a directory',
    EACCES: 'permission denied',
    ELOOP: 'too many levels of symbolic links',
  };
  return new Error(`${op} ${p}: ${(code && text[code]) ?? (e as Error).message}`);
}

/** Docker's CopyInfoDestinationPath on the local filesystem. */
function localDestinationInfo(p: string): CopyInfo {
  const original = p;
  let st: fs.Stats | undefined;
  const lstat = (q: string) => {
    try {
      return fs.lstatSync(q);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw goError(e, 'lstat', q);
    }
  };
  st = lstat(p);
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw new Error('too many symlinks in ' + original);
    let target = fs.readlinkSync(p);
    if (!isAbs(target)) target = path.join(splitPathDirEntry(p)[0], target);
    p = target;
    st = lstat(p);
  }
  if (st) return { path: p, exists: true, isDir: st.isDirectory() };
  const parent = splitPathDirEntry(p)[0];
  let pst: fs.Stats;
  try {
    pst = fs.statSync(parent);
  } catch (e) {
    throw goError(e, 'stat', parent);
  }
  if (!pst.isDirectory()) throw new Error('not a directory');
  return { path: p, exists: false, isDir: false };
}

/** Docker's CopyInfoSourcePath on the local filesystem. */
function localSourceInfo(p: string, follow: boolean): CopyInfo {
  let resolved: string;
  let rebaseName = '';
  try {
    if (follow) {
      [resolved, rebaseName] = getRebaseName(p, fs.realpathSync(p));
    } else {
      const slash = p.lastIndexOf('/');
      const dir = p.slice(0, slash + 1);
      const base = p.slice(slash + 1);
      resolved = (dir ? fs.realpathSync(dir) : process.cwd()).replace(/\/$/, '') + '/' + base;
      if (p.endsWith('/') && path.basename(p) !== path.basename(resolved)) rebaseName = path.basename(p);
    }
  } catch (e) {
    throw goError(e, 'lstat', p);
  }
  let st: fs.Stats;
  try {
    st = fs.lstatSync(resolved);
  } catch (e) {
    throw goError(e, 'lstat', resolved);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

function summary(ctx: CliContext, size: number, dest: string): void {
  ctx.err(`Successfully copied ${humanSize(size, 3)} to ${dest}\n`);
}

/** src with its bytes counted as they are read (a transform: no data flows before the consumer is attached). */
function counted(src: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(c: Buffer, _enc, cb) {
      onBytes(c.length);
      cb(null, c);
    },
  });
  src.on('error', (e) => counter.destroy(e));
  src.pipe(counter);
  return counter;
}

async function copyFromContainer(
  ctx: CliContext,
  api: ApiClient,
  container: string,
  srcPath: string,
  dstArg: string,
  opts: { follow: boolean; quiet: boolean },
): Promise<void> {
  const dstPath = dstArg === '-' ? dstArg : resolveLocalPath(dstArg);
  validateOutputPath(dstPath);
  let src = srcPath;
  let rebaseName = '';
  if (opts.follow) {
    const st = await statInContainer(api, container, src);
    if (st && st.mode & GO_SYMLINK) {
      let target = st.linkTarget;
      if (!isAbs(target)) target = path.posix.join(splitPathDirEntry(src)[0], target);
      [src, rebaseName] = getRebaseName(src, target);
    }
  }
  const res = await api.stream('GET', `/containers/${enc(container)}/archive`, { query: { path: src } });
  const st = decodeStat(res.headers['x-docker-container-path-stat']);
  if (dstPath === '-') {
    await pipeline(res, process.stdout);
    return;
  }
  if (!st) throw new Error('the daemon sent no path stat');
  const srcInfo: CopyInfo = { path: src, exists: true, isDir: (st.mode & GO_DIR) !== 0, rebaseName };
  let bytes = 0;
  let content = counted(res, (n) => (bytes += n));
  if (rebaseName) content = rebaseArchive(content, splitPathDirEntry(src)[1], rebaseName);
  const dstInfo = localDestinationInfo(dstPath);
  const prep = prepareArchiveCopy(srcInfo, dstInfo);
  if (prep.rebase) content = rebaseArchive(content, prep.rebase[0], prep.rebase[1]);
  try {
    await archive().extractInto(content, path.resolve(prep.dstDir), '/', {
      noOverwriteDirNonDir: true,
      copyUIDGID: false,
      ignoreOwnership: true,
      destName: prep.dstDir,
    });
  } catch (e) {
    res.destroy();
    throw e;
  }
  if (!opts.quiet) summary(ctx, srcInfo.isDir ? bytes : st.size, dstPath);
}

async function copyToContainer(
  ctx: CliContext,
  api: ApiClient,
  srcArg: string,
  container: string,
  dstPath: string,
  opts: { archive: boolean; follow: boolean; quiet: boolean },
): Promise<void> {
  const srcPath = srcArg === '-' ? srcArg : resolveLocalPath(srcArg);
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false };
  let dst = await statInContainer(api, container, dstPath);
  if (dst && dst.mode & GO_SYMLINK) {
    let target = dst.linkTarget;
    if (!isAbs(target)) target = path.posix.join(splitPathDirEntry(dstPath)[0], target);
    dstInfo.path = target;
    dst = await statInContainer(api, container, target);
  }
  if (dst) {
    if (dst.mode & (GO_DEVICE | GO_IRREGULAR)) {
      const why = dst.mode & GO_DEVICE ? 'got a device' : 'got an irregular file';
      throw new Error(`destination "${container}:${dstPath}" must be a directory or a regular file: ${why}`);
    }
    dstInfo.exists = true;
    dstInfo.isDir = (dst.mode & GO_DIR) !== 0;
  }
  const query = { copyUIDGID: opts.archive || undefined, noOverwriteDirNonDir: true };
  const put = (p: string, body: Readable) =>
    api.request('PUT', `/containers/${enc(container)}/archive`, { query: { ...query, path: p }, body, headers: { 'Content-Type': 'application/x-tar' } });
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new Error(`destination "${container}:${dstPath}" must be a directory`);
    await put(dstInfo.path, process.stdin);
    return;
  }
  const srcInfo = localSourceInfo(srcPath, opts.follow);
  const prep = prepareArchiveCopy(srcInfo, dstInfo);
  // one rebase: the source's own rename (a trailing "/" on a link, -L) and then the destination's
  const rebaseTo = prep.rebase ? prep.rebase[1] : srcInfo.rebaseName || undefined;
  const { stream } = archive().packPath('/', srcInfo.path, { rebaseTo });
  await put(prep.dstDir, stream);
  if (!opts.quiet) summary(ctx, srcInfo.isDir ? localContentSize(srcInfo.path) : fs.lstatSync(srcInfo.path).size, `${container}:${dstInfo.path}`);
}

/** Total size of the regular files under p (Docker's localContentSize). */
function localContentSize(p: string): number {
  let total = 0;
  const walk = (q: string) => {
    const st = fs.lstatSync(q);
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) for (const n of fs.readdirSync(q)) walk(q + '/' + n);
  };
  walk(p);
  return total;
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
    {
      long: 'quiet',
      short: 'q',
      kind: 'bool',
      help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  ],
  async run(ctx, f, args) {
    if (args[0] === '') throw new Error('source can not be empty');
    if (args[1] === '') throw new Error('destination can not be empty');
    const src = splitCpArg(args[0]);
    const dst = splitCpArg(args[1]);
    if (src.container && dst.container) throw new Error('copying between containers is not supported');
    if (!src.container && !dst.container) throw new Error('must specify at least one container source');
    const api = await ctx.api();
    // like Docker, the summary is printed only when stdout is a terminal, unless -q says otherwise
    const quiet = f.bool('quiet') || !ctx.stdoutTty;
    if (src.container) return copyFromContainer(ctx, api, src.container, src.path, dst.path, { follow: f.bool('follow-link'), quiet });
    return copyToContainer(ctx, api, src.path, dst.container!, dst.path, { archive: f.bool('archive'), follow: f.bool('follow-link'), quiet });
  },
};
