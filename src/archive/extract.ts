// extractLayer (image layers into overlay layer dirs) and extractInto (docker cp
// into a container).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, badRequest, notFound } from '../util/errors';
import { decompressStream } from './decompress';
import { O_PATH, closeQuietly, openIn, openRoot } from './inroot';
import { unpack } from './unpack';

export interface ExtractLayerOptions {
  /** Leave ownership as created (the daemon's uid/gid) instead of the tar's. */
  ignoreOwnership?: boolean;
  /** Refuse suspicious entries instead of confining them (see UnpackOptions.strict). */
  strict?: boolean;
}

/**
 * Unpacks an (already decompressed) OCI/Docker layer tar into an overlay layer
 * directory: `.wh.<name>` become overlay whiteouts (char 0:0), `.wh..wh..opq`
 * marks its directory opaque (trusted.overlay.opaque=y). Entries never write
 * outside targetDir. Resolves with the total size of the entries.
 */
export async function extractLayer(stream: Readable, targetDir: string, opts: ExtractLayerOptions = {}): Promise<{ size: number }> {
  fs.mkdirSync(targetDir, { recursive: true, mode: 0o755 });
  return unpack(stream, {
    root: path.resolve(targetDir),
    base: [],
    whiteouts: true,
    noOverwriteDirNonDir: false,
    ignoreOwnership: opts.ignoreOwnership,
    strict: opts.strict,
  }).catch((e) => {
    throw tarError(e);
  });
}

export interface ExtractIntoOptions {
  /** Error (400) instead of replacing a directory with a non-directory or vice versa. */
  noOverwriteDirNonDir: boolean;
  /** docker cp -a: own every entry by `chown` (the container's user, resolved by the caller). */
  copyUIDGID: boolean;
  chown?: { uid: number; gid: number };
  /** keep the extracting user's ownership (the CLI's side of docker cp) */
  ignoreOwnership?: boolean;
  /** Container name for error messages. */
  container?: string;
  /** The extraction directory as errors name it (default destPath). */
  destName?: string;
}

export function tarError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  const msg = (e as Error)?.message ?? String(e);
  if (/Invalid (tar )?header|Unexpected end of data|Header exceeds/i.test(msg)) return badRequest(`invalid tar archive: ${msg}`);
  return e;
}

/**
 * Extracts a tar body (identity, gzip, bzip2, xz or zstd, detected by magic)
 * into destPath inside rootfs, as PUT /containers/{id}/archive does. destPath
 * resolves inside rootfs (symlinks followed in scope); 404 if missing, 400 if
 * not a directory. Whiteout names are extracted literally. rootfs may be in
 * use (a running container's /proc/<pid>/root): everything is reached through
 * fds opened inside it (inroot.ts), so a component swapped for a symlink while
 * the copy runs cannot lead outside.
 */
export async function extractInto(stream: Readable, rootfs: string, destPath: string, opts: ExtractIntoOptions): Promise<void> {
  const dest = path.posix.join('/', destPath);
  const rootFd = openRoot(rootfs);
  let baseFd = -1;
  try {
    try {
      baseFd = openIn(rootFd, dest, O_PATH);
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'ENOENT' || c === 'ENOTDIR') {
        stream.resume();
        throw notFound(`Could not find the file ${destPath} in container${opts.container ? ' ' + opts.container : ''}`);
      }
      throw e;
    }
    if (!fs.fstatSync(baseFd).isDirectory()) {
      stream.resume();
      throw badRequest('extraction point is not a directory');
    }
    const body = await decompressStream(stream);
    await unpack(body, {
      root: rootfs,
      rootFd,
      baseFd,
      base: dest.split('/').filter((c) => c !== ''),
      destName: opts.destName ?? dest,
      whiteouts: false,
      noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
      chown: opts.copyUIDGID ? opts.chown : undefined,
      ignoreOwnership: opts.ignoreOwnership,
    });
  } catch (e) {
    throw tarError(e);
  } finally {
    if (baseFd >= 0) closeQuietly(baseFd);
    closeQuietly(rootFd);
  }
}
