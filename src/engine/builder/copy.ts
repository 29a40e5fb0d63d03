// COPY/ADD: sources resolved in the context (or a stage's / an image's root
// for --from), --chown resolved against the image's own /etc/passwd and
// /etc/group, a content checksum of everything the copy would produce (the
// step's cache key), and on a cache miss the copy into a scratch rootfs.
// The checksum needs no mount unless --chown names a user or group, or the
// sources are in another image.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  ChownError,
  DiskFS,
  applyCopy,
  checksumSources,
  chownNeedsLookup,
  combineChecksums,
  hashData,
  isGitSource,
  isRemoteSource,
  normalizeSource,
  resolveChown,
  resolveSources,
  type CopyStep,
  type FileInfo,
  type Identity,
  type SourceFS,
  type SourceInfo,
} from '../../builder';
import { errorAt } from '../../builder/dockerfile/errors';
import { readFileInRoot } from '../../archive';
import { excludeSources } from '../../builder/context/exclude';
import type { ImageRecord } from '../../image';
import { badRequest } from '../../util/errors';
import type { EngineContext } from '../context';
import { stageDiff, type StagedDiff } from './commit';
import { download } from './remote';
import { gitCheckout, type GitCheckout } from './git';
import { ScratchRootfs } from './rootfs';

type FileData = { path: string; data: string | Buffer; mode?: number; mtime?: number };

export interface PreparedCopy {
  infos: SourceInfo[];
  files: FileData[];
  owner?: Identity;
  /** "file:…", "dir:…" or "multi:…": what history and the cache key carry. */
  sum: string;
}

/** Reads a file of a mounted rootfs (symlinks resolved inside it); null when missing. */
function readInRoot(root: string, p: string): string | null {
  try {
    return readFileInRoot(root, p)?.toString('utf8') ?? null;
  } catch {
    return null;
  }
}

/** A downloaded file as a source tree of one file. */
function bufferSource(name: string, data: Buffer, mode: number, mtime: number): SourceInfo {
  const info: FileInfo = { type: 'file', mode, uid: 0, gid: 0, size: data.length, mtime };
  const hash = createHash('sha256').update(data).digest('hex');
  const tree: SourceFS = {
    lstat: (r) => (r === name ? info : null),
    readdir: () => [],
    dataHash: () => hash,
    openData: () => Readable.from([data], { objectMode: false }),
    bytesHashed: 0,
  };
  return { path: name, real: name, info, fs: tree };
}

export class CopyStepRunner {
  /** The parent image's rootfs, mounted on first need and kept for the copy. */
  private target: ScratchRootfs | undefined;
  /** COPY --link: an empty rootfs the files go into, independent of the parent. */
  private linked: ScratchRootfs | undefined;
  /** ADD <git URL> checkouts, removed with the step. */
  private readonly checkouts: GitCheckout[] = [];

  constructor(
    private readonly ctx: EngineContext,
    private readonly parent: ImageRecord | null,
  ) {}

  private rootfs(): ScratchRootfs {
    return (this.target ??= new ScratchRootfs(this.ctx.layers, this.ctx.paths.tmp, this.parent?.topLayer ?? null));
  }

  /** Resolves sources, owner and downloads, and checksums them. `tree` is the context or the --from root; `sshAgent` serves git over ssh. */
  async prepare(step: CopyStep, tree: SourceFS, signal: AbortSignal, sshAgent?: string): Promise<PreparedCopy> {
    const spec = step.copy;
    const remotes = spec.sources.filter(isRemoteSource);
    const gits = spec.sources.filter(isGitSource);
    const paths = spec.sources.filter((s) => !isRemoteSource(s) && !isGitSource(s));
    const others = remotes.length + gits.length + spec.contents.length;
    const opts = { cmd: spec.cmd, context: !spec.from, destIsDir: spec.destIsDir, otherSources: others };
    let infos: SourceInfo[] = [];
    if (spec.parents) {
      // each source keeps its directories, up to a `/./` pivot (BuildKit's rule)
      for (const src of paths) {
        const p = normalizeSource(src);
        const pivot = p.indexOf('/./');
        const keepFrom = pivot < 0 ? 0 : normalizeSource(p.slice(0, pivot)).length + 1;
        const found = resolveSources(tree, [pivot < 0 ? p : p.slice(0, pivot) + p.slice(pivot + 2)], { ...opts, destIsDir: true, otherSources: 1 });
        for (const i of found) {
          const kept = i.path.slice(keepFrom);
          infos.push({ ...i, parents: i.info.type === 'dir' ? (kept === '.' ? '' : kept) : path.posix.dirname(kept) === '.' ? '' : path.posix.dirname(kept) });
        }
      }
    } else if (paths.length) infos = resolveSources(tree, paths, opts);
    const local = excludeSources(infos, spec.excludes);
    infos = [...local];
    const gitSums: string[] = [];
    for (const src of gits) {
      const co = await gitCheckout(src, this.ctx.paths.tmp, signal, sshAgent);
      this.checkouts.push(co);
      // the URL's fragment may say keep-git-dir= and checksum= too; they must agree with the flags (BuildKit's rule)
      if (co.keepGitDir !== undefined && spec.keepGitDir && !co.keepGitDir) throw errorAt(step.instruction.loc, 'inconsistent keep-git-dir configuration');
      if (co.checksum && spec.checksum && co.checksum !== spec.checksum)
        throw errorAt(step.instruction.loc, `checksum mismatch ${JSON.stringify(spec.checksum)} != ${JSON.stringify(co.checksum)}`);
      const keepGitDir = co.keepGitDir ?? spec.keepGitDir;
      const want = spec.checksum || co.checksum;
      if (want && !co.commit.startsWith(want)) throw errorAt(step.instruction.loc, `expected checksum to match ${want}, got ${co.commit}`);
      // the subdir is resolved inside the checkout: a symlink in the repository cannot lead out of it
      let found: SourceInfo[];
      try {
        found = resolveSources(new DiskFS(co.dir), [co.subdir || '.'], { cmd: spec.cmd, context: false, destIsDir: true, otherSources: 1 });
      } catch {
        found = [];
      }
      if (found.length !== 1 || found[0].info.type !== 'dir')
        throw badRequest(`failed to fetch remote ${co.remote}: subdir ${JSON.stringify(co.subdir)} is not a directory in ${co.commit}`);
      found = excludeSources(found, keepGitDir ? spec.excludes : ['.git', ...spec.excludes]);
      infos.push(...found);
      // a checkout is known by its commit (a kept .git differs on every clone)
      gitSums.push(JSON.stringify([co.remote, co.commit, co.subdir, keepGitDir, spec.excludes]));
    }
    if (infos.length + remotes.length + spec.contents.length === 0) throw badRequest(`${spec.cmd} failed: no source files were specified`);
    if (local.length + others > 1 && !spec.destIsDir)
      throw badRequest(`When using ${spec.cmd} with more than one source file, the destination must be a directory and end with a /`);
    let owner: Identity | undefined;
    if (spec.chown) {
      try {
        if (chownNeedsLookup(spec.chown)) {
          const root = this.rootfs().merged;
          owner = resolveChown(spec.chown, readInRoot(root, '/etc/passwd'), readInRoot(root, '/etc/group'));
        } else owner = resolveChown(spec.chown, null, null);
      } catch (e) {
        if (e instanceof ChownError) throw badRequest(`unable to convert uid/gid chown string to host mapping: ${e.message}`);
        throw e;
      }
    }
    const files: FileData[] = spec.contents.map((c) => ({ path: c.path, data: c.data }));
    for (const url of remotes) {
      const d = await download(url, spec.checksum, signal);
      // --unpack=true: the download is a source like a local file, so an archive is extracted
      if (spec.unpackRemote) {
        const dl = bufferSource(d.name, d.data, d.mode, d.mtime);
        infos.push(dl);
        local.push(dl);
      } else files.push({ path: d.name, data: d.data, mode: d.mode, mtime: d.mtime });
    }
    const hashOpts = { owner, chmod: spec.chmod, preserveOwnership: spec.preserveOwnership };
    const sums: string[] = [];
    if (spec.parents) {
      // where each source lands is part of what the step makes
      for (const i of local)
        sums.push(
          'dir:' +
            createHash('sha256')
              .update(`${i.parents ?? ''}\n${await checksumSources([i], hashOpts)}`)
              .digest('hex'),
        );
    } else if (local.length) sums.push(await checksumSources(local, hashOpts));
    for (const g of gitSums)
      sums.push(
        'git:' +
          createHash('sha256')
            .update(JSON.stringify([g, owner ?? null, spec.chmod ?? null]))
            .digest('hex'),
      );
    for (const f of files) sums.push(hashData(f.path, f.data, f.mode ?? 0o644, { owner, chmod: spec.chmod }));
    return { infos, files, owner, sum: combineChecksums(sums) };
  }

  /** Copies into the parent's rootfs (--link: an empty one) and stages the change as a layer. */
  async apply(step: CopyStep, p: PreparedCopy): Promise<StagedDiff | undefined> {
    const spec = step.copy;
    const r = spec.link ? (this.linked ??= new ScratchRootfs(this.ctx.layers, this.ctx.paths.tmp, null)) : this.rootfs();
    const opts = { owner: p.owner, chmod: spec.chmod, preserveOwnership: spec.preserveOwnership, allowDecompress: spec.allowDecompress };
    if (spec.parents) {
      for (const i of p.infos) await applyCopy(r.merged, { dest: path.posix.join(spec.dest, i.parents ?? ''), destIsDir: true }, [i], [], opts);
      if (p.files.length) await applyCopy(r.merged, { dest: spec.dest, destIsDir: spec.destIsDir }, [], p.files, opts);
    } else await applyCopy(r.merged, { dest: spec.dest, destIsDir: spec.destIsDir }, p.infos, p.files, opts);
    r.unmount();
    // the scratch upper dir goes with release(): it becomes the layer itself
    return stageDiff(this.ctx, r.upper, { adopt: true });
  }

  release(): void {
    this.target?.release();
    this.target = undefined;
    this.linked?.release();
    this.linked = undefined;
    for (const c of this.checkouts.splice(0)) c.release();
  }
}
