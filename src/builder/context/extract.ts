// The daemon's side of a build context: the tar body (plain, gzip, bzip2, xz,
// zstd) indexed in memory (indexContext, the fast path: nothing is written
// until a COPY needs files) or unpacked into a private temp dir
// (extractContext); either way every path is confined to the context and
// symlinks are only ever resolved inside it. Then the Dockerfile is read from
// it, and the Dockerfile and .dockerignore are dropped from it when
// .dockerignore excludes them, as Docker's daemon does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { extractInto } from '../../archive';
import { badRequest } from '../../util/errors';
import { DiskFS, SourceFS, resolveIn } from './fs';
import { IgnoreMatcher, parseIgnoreFile } from '../../common/buildcontext/ignore';
import { escapesRoot } from './sources';
import { ContextIndex, IndexOptions } from './tarindex';

export interface BuildContext {
  /** The unpacked context (owned by the daemon: file owners are not kept). */
  dir: string;
  /** Removes the directory. */
  cleanup(): void;
}

/** Unpacks a context tar into a new directory under parentDir. Nothing is left behind on failure. */
export async function extractContext(body: Readable, parentDir: string): Promise<BuildContext> {
  fs.mkdirSync(parentDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parentDir, 'build-'));
  fs.chmodSync(dir, 0o755);
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await extractInto(body, dir, '/', { noOverwriteDirNonDir: false, copyUIDGID: false, ignoreOwnership: true });
  } catch (e) {
    cleanup();
    throw e;
  }
  return { dir, cleanup };
}

/** Indexes a context tar in memory (spooling beyond opts.memoryLimit into opts.spoolDir). */
export function indexContext(body: Readable, opts: IndexOptions): Promise<ContextIndex> {
  return ContextIndex.fromTar(body, opts);
}

/** A context as a tree: an index, or an unpacked directory. */
export type Context = ContextIndex | string;

const treeOf = (ctx: Context): SourceFS => (typeof ctx === 'string' ? new DiskFS(ctx) : ctx);

function readFileIn(ctx: Context, real: string): Buffer {
  return typeof ctx === 'string' ? fs.readFileSync(new DiskFS(ctx).abs(real)) : ctx.readFile(real);
}

/** The regular file at rel (symlinks followed inside the context), or null. */
function readIfFile(ctx: Context, rel: string): Buffer | null {
  const t = treeOf(ctx);
  const real = resolveIn(t, rel, true);
  const info = t.lstat(real);
  return info?.type === 'file' ? readFileIn(ctx, real) : null;
}

/**
 * Reads the Dockerfile named `name` (relative to the context root; "Dockerfile"
 * falls back to "dockerfile"). Errors as Docker's daemon words them.
 */
export function readContextDockerfile(ctx: Context, name = 'Dockerfile'): { name: string; text: string } {
  if (escapesRoot(name)) throw badRequest(`forbidden path outside the build context: ${name} ()`);
  let used = name;
  let data = readIfFile(ctx, name);
  if (data === null && name === 'Dockerfile') {
    used = 'dockerfile';
    data = readIfFile(ctx, used);
  }
  if (data === null) throw badRequest(`Cannot locate specified Dockerfile: ${name}`);
  if (data.length === 0) throw badRequest(`the Dockerfile (${used}) cannot be empty`);
  return { name: used, text: data.toString('utf8') };
}

/** The context's .dockerignore patterns ([] when it has none). */
export function contextIgnorePatterns(ctx: Context): string[] {
  const data = readIfFile(ctx, '.dockerignore');
  return data ? parseIgnoreFile(data) : [];
}

/**
 * After the Dockerfile was read: removes .dockerignore and the Dockerfile from
 * the context when .dockerignore excludes them, so COPY cannot see them.
 */
export function dropIgnoredBuildFiles(ctx: Context, dockerfileName: string): void {
  const patterns = contextIgnorePatterns(ctx);
  if (patterns.length === 0) return;
  const m = new IgnoreMatcher(patterns);
  const t = treeOf(ctx);
  for (const f of ['.dockerignore', dockerfileName]) {
    if (escapesRoot(f) || !m.matches(f)) continue;
    const real = resolveIn(t, f, false);
    if (typeof ctx === 'string') fs.rmSync(new DiskFS(ctx).abs(real), { force: true });
    else ctx.remove(real);
  }
}
