// extractLayer (image layers into overlay layer dirs) and extractInto (docker cp
// into a container).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, badRequest, notFound } from '../util/errors';
import { decompressStream } from './decompress';
import { resolveInRoot } from './paths';
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
 * not a directory. Whiteout names are extracted literally.
 */
export async function extractInto(stream: Readable, rootfs: string, destPath: string, opts: ExtractIntoOptions): Promise<void> {
  const root = path.resolve(rootfs);
  const dest = resolveInRoot(root, path.posix.join('/', destPath), { followFinal: true });
  let st: fs.Stats;
  try {
    // the root itself may be a running container's /proc/<pid>/root, a link to follow
    st = dest === root ? fs.statSync(dest) : fs.lstatSync(dest);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') {
      stream.resume();
      throw notFound(`Could not find the file ${destPath} in container${opts.container ? ' ' + opts.container : ''}`);
    }
    throw e;
  }
  if (!st.isDirectory()) {
    stream.resume();
    throw badRequest('extraction point is not a directory');
  }
  const base = path.relative(root, dest).split('/').filter((c) => c !== '');
  try {
    const body = await decompressStream(stream);
    await unpack(body, {
      root,
      base,
      whiteouts: false,
      noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
      chown: opts.copyUIDGID ? opts.chown : undefined,
      ignoreOwnership: opts.ignoreOwnership,
    });
  } catch (e) {
    throw tarError(e);
  }
}
