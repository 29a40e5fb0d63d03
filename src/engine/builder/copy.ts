// COPY/ADD: sources resolved in the context (or a stage's / an image's root
// for --from), --chown resolved against the image's own /etc/passwd and
// /etc/group, a content checksum of everything the copy would produce (the
// step's cache key), and on a cache miss the copy into a scratch rootfs.
// The checksum needs no mount unless --chown names a user or group, or the
// sources are in another image.
import {
  ChownError, applyCopy, checksumSources, chownNeedsLookup, combineChecksums, hashData, isRemoteSource, resolveChown, resolveSources,
  type CopyStep, type Identity, type SourceFS, type SourceInfo,
} from '../../builder';
import { readFileInRoot } from '../../archive';
import { excludeSources } from '../../builder/context/exclude';
import type { ImageRecord } from '../../image';
import { badRequest } from '../../util/errors';
import type { EngineContext } from '../context';
import { stageDiff, type StagedDiff } from './commit';
import { download } from './remote';
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

export class CopyStepRunner {
  /** The parent image's rootfs, mounted on first need and kept for the copy. */
  private target: ScratchRootfs | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly parent: ImageRecord | null,
  ) {}

  private rootfs(): ScratchRootfs {
    return (this.target ??= new ScratchRootfs(this.ctx.layers, this.ctx.paths.tmp, this.parent?.topLayer ?? null));
  }

  /** Resolves sources, owner and downloads, and checksums them. `tree` is the context or the --from root. */
  async prepare(step: CopyStep, tree: SourceFS, signal: AbortSignal): Promise<PreparedCopy> {
    const spec = step.copy;
    const remotes = spec.sources.filter(isRemoteSource);
    const paths = spec.sources.filter((s) => !isRemoteSource(s));
    if (spec.checksum && remotes.length === 0) throw badRequest(`${spec.cmd} failed: checksum can't be specified for non-HTTP(S) sources`);
    const infos = excludeSources(paths.length
      ? resolveSources(tree, paths, { cmd: spec.cmd, context: !spec.from, destIsDir: spec.destIsDir, otherSources: remotes.length + spec.contents.length })
      : [], spec.excludes);
    if (infos.length + remotes.length + spec.contents.length === 0) throw badRequest(`${spec.cmd} failed: no source files were specified`);
    if (infos.length + remotes.length + spec.contents.length > 1 && !spec.destIsDir)
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
      files.push({ path: d.name, data: d.data, mode: d.mode, mtime: d.mtime });
    }
    const opts = { owner, chmod: spec.chmod, preserveOwnership: spec.preserveOwnership };
    const sums: string[] = [];
    if (infos.length) sums.push(await checksumSources(infos, opts));
    for (const f of files) sums.push(hashData(f.path, f.data, f.mode ?? 0o644, { owner, chmod: spec.chmod }));
    return { infos, files, owner, sum: combineChecksums(sums) };
  }

  /** Copies into the parent's rootfs and stages the change as a layer. */
  async apply(step: CopyStep, p: PreparedCopy): Promise<StagedDiff | undefined> {
    const spec = step.copy;
    const r = this.rootfs();
    await applyCopy(r.merged, { dest: spec.dest, destIsDir: spec.destIsDir }, p.infos, p.files, {
      owner: p.owner,
      chmod: spec.chmod,
      preserveOwnership: spec.preserveOwnership,
      allowDecompress: spec.allowDecompress,
    });
    r.unmount();
    // the scratch upper dir goes with release(): it becomes the layer itself
    return stageDiff(this.ctx, r.upper, { adopt: true });
  }

  release(): void {
    this.target?.release();
    this.target = undefined;
  }
}
