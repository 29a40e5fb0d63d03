// Content checksums of COPY/ADD sources for the build cache. A source's
// checksum covers what the copy produces: names (relative to the source),
// file types, data, link targets, permission bits after --chmod, owners after
// --chown (root when not given, the source's own for COPY --from); not times,
// so it is stable across runs and re-uploads of the same context. Formats
// follow the classic builder's history text: "file:<sha256>", "dir:<sha256>",
// "multi:<sha256>" for several sources.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileInfo, SourceFS } from './fs';
import type { SourceInfo } from './sources';
import { applyChmod, type ChmodSpec } from '../plan/chown';

export interface ChecksumOptions {
  /** --chown, resolved. */
  owner?: { uid: number; gid: number };
  /** COPY --from without --chown: the sources' own owners. */
  preserveOwnership?: boolean;
  /** --chmod: replaces (octal) or changes (symbolic) the permission bits of every copied file and directory. */
  chmod?: ChmodSpec;
}

/** Yield to the event loop after this much hashing work (ms), so a big context does not stall the daemon. */
const SLICE_MS = 20;
const TYPE_CODE: Record<FileInfo['type'], string> = { file: 'f', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p' };

let sliceStart = 0;
async function maybeYield(): Promise<void> {
  const now = performance.now();
  if (now - sliceStart > SLICE_MS) {
    if (sliceStart !== 0) await new Promise<void>((r) => setImmediate(r));
    sliceStart = performance.now();
  }
}

function record(sfs: SourceFS, real: string, name: string, info: FileInfo, opts: ChecksumOptions): string {
  const own = opts.owner ?? (opts.preserveOwnership ? { uid: info.uid, gid: info.gid } : { uid: 0, gid: 0 });
  const perm = info.type === 'symlink' ? 0o777 : applyChmod(opts.chmod, info.mode, info.type === 'dir');
  let extra = '';
  if (info.type === 'file') extra = `${info.size} ${sfs.dataHash(real)}`;
  else if (info.type === 'symlink') extra = JSON.stringify(info.linkname ?? '');
  else if (info.type === 'char' || info.type === 'block') extra = `${info.devmajor ?? 0},${info.devminor ?? 0}`;
  return `${TYPE_CODE[info.type]} ${perm.toString(8)} ${own.uid}:${own.gid} ${JSON.stringify(name)} ${extra}\n`;
}

/** "file:<hex>" for a file source, "dir:<hex>" for a directory (its contents, recursively). */
export async function hashSource(src: SourceInfo, opts: ChecksumOptions = {}): Promise<string> {
  await maybeYield();
  const sfs = src.fs;
  const h = createHash('sha256');
  if (src.info.type !== 'dir') {
    h.update(record(sfs, src.real, path.posix.basename(src.path), src.info, opts));
    return 'file:' + h.digest('hex');
  }
  h.update(record(sfs, src.real, '.', src.info, opts));
  const walk = async (real: string, rel: string): Promise<void> => {
    for (const name of sfs.readdir(real)) {
      await maybeYield();
      const r = real ? real + '/' + name : name;
      const n = rel ? rel + '/' + name : name;
      const info = sfs.lstat(r);
      if (!info) continue;
      h.update(record(sfs, r, n, info, opts));
      if (info.type === 'dir') await walk(r, n);
    }
  };
  await walk(src.real, '');
  return 'dir:' + h.digest('hex');
}

/** "file:<hex>" for a file made from data (a heredoc, a download) under a name. */
export function hashData(name: string, data: string | Buffer, mode: number, opts: ChecksumOptions = {}): string {
  const own = opts.owner ?? { uid: 0, gid: 0 };
  const perm = applyChmod(opts.chmod, mode, false);
  const d = createHash('sha256').update(data).digest('hex');
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  const rec = `f ${perm.toString(8)} ${own.uid}:${own.gid} ${JSON.stringify(name)} ${size} ${d}\n`;
  return 'file:' + createHash('sha256').update(rec).digest('hex');
}

/** One source's checksum as it is; several combined as "multi:<sha256 of the list>". */
export function combineChecksums(sums: readonly string[]): string {
  if (sums.length === 1) return sums[0];
  return 'multi:' + createHash('sha256').update(sums.join(',')).digest('hex');
}

/** Checksum of all path sources of one step, in order. */
export async function checksumSources(infos: readonly SourceInfo[], opts: ChecksumOptions = {}): Promise<string> {
  const sums: string[] = [];
  for (const i of infos) sums.push(await hashSource(i, opts));
  return combineChecksums(sums);
}
