// COPY/ADD into an image's root filesystem (the step container's merged
// rootfs), with the classic builder's semantics:
// - a directory source copies its contents into dest (created when missing);
// - a file goes to dest, or to dest/<name> when dest ends in "/" (destIsDir) or
//   already is a directory; missing parent directories are created (0755);
// - ADD extracts a local tar archive (any supported compression) into dest,
//   keeping the archive's owners;
// - everything copied is owned by --chown's identity, else root, else (COPY
//   --from without --chown) by the source's owners; --chmod replaces the
//   permission bits; modification times are kept.
// Files go through the confined tar unpacker, so the destination's symlinks
// are resolved inside rootfs and nothing is ever written outside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { extractInto, resolveInRoot } from '../../archive';
import { createPack } from '../../archive/tarfmt';
import { badRequest } from '../../util/errors';
import { isArchiveStream } from '../../common/buildcontext/archive';
import type { FileInfo, SourceFS } from './fs';
import type { SourceInfo } from './sources';
import { applyChmod, type ChmodSpec } from '../plan/chown';

export interface CopyOptions {
  /** --chown, resolved. */
  owner?: { uid: number; gid: number };
  /** COPY --from without --chown. */
  preserveOwnership?: boolean;
  chmod?: ChmodSpec;
  /** ADD: extract local archives. */
  allowDecompress?: boolean;
}

export interface CopyDest {
  /** Absolute path in the image. */
  dest: string;
  destIsDir: boolean;
}

const TAR_TYPE: Record<FileInfo['type'], tar.Header['type']> = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  char: 'character-device',
  block: 'block-device',
  fifo: 'fifo',
};

const isDirAt = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Makes sure the directory at containerPath exists inside rootfs (symlinks
 * resolved inside it), creating missing components (0755, owned by owner).
 */
export function ensureDir(rootfs: string, containerPath: string, owner: { uid: number; gid: number }): string {
  const parts = containerPath.split('/').filter((p) => p !== '' && p !== '.');
  let cur = '';
  for (const p of parts) {
    cur += '/' + p;
    const abs = resolveInRoot(rootfs, cur, { followFinal: true });
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw e;
    }
    if (!st) {
      // the missing part of a resolved path holds no symlinks (it does not exist yet)
      const first = fs.mkdirSync(abs, { recursive: true, mode: 0o755 }) ?? abs;
      for (let d = abs; ; d = path.dirname(d)) {
        fs.chmodSync(d, 0o755);
        fs.lchownSync(d, owner.uid, owner.gid);
        if (d === first || d.length <= first.length) break;
      }
    } else if (!st.isDirectory()) throw badRequest(`failed to copy files: mkdir ${cur}: not a directory`);
  }
  return '/' + path.relative(path.resolve(rootfs), resolveInRoot(rootfs, containerPath || '/', { followFinal: true }));
}

/** Files up to this size are read at once, not streamed. */
const SMALL_FILE = 256 << 10;

type Entry = { name: string; fs: SourceFS; real: string; info: FileInfo };

/** A tar of entries with the copy's owners and modes; file data streams from the source tree. */
function packEntries(entries: Iterable<Entry>, opts: CopyOptions): Readable {
  const pack = createPack();
  (async () => {
    for (const e of entries) {
      const own = opts.owner ?? (opts.preserveOwnership ? { uid: e.info.uid, gid: e.info.gid } : { uid: 0, gid: 0 });
      const mode = e.info.type === 'symlink' ? 0o777 : applyChmod(opts.chmod, e.info.mode, e.info.type === 'dir');
      const h: Partial<tar.Header> & { name: string } = {
        name: e.name + (e.info.type === 'dir' ? '/' : ''),
        type: TAR_TYPE[e.info.type],
        mode,
        uid: own.uid,
        gid: own.gid,
        size: e.info.type === 'file' ? e.info.size : 0,
        mtime: new Date(e.info.mtime * 1000),
      };
      if (e.info.linkname !== undefined) h.linkname = e.info.linkname;
      if (e.info.devmajor !== undefined) h.devmajor = e.info.devmajor;
      if (e.info.devminor !== undefined) h.devminor = e.info.devminor;
      if (e.info.type !== 'file' || e.info.size === 0 || (e.info.size <= SMALL_FILE && e.fs.readData)) {
        // an empty file needs its (empty) body, or the pack waits for it forever
        const cb = (res: () => void, rej: (e: Error) => void) => (err?: Error | null) => (err ? rej(err) : res());
        let body: Buffer | undefined;
        if (e.info.type === 'file') {
          body = e.info.size === 0 ? Buffer.alloc(0) : e.fs.readData!(e.real);
          // changed since it was listed: the header says what is copied
          if (body.length !== e.info.size) throw new Error(`${e.real}: file changed size while being copied`);
        }
        await new Promise<void>((res, rej) => (body ? pack.entry(h as tar.Header, body, cb(res, rej)) : pack.entry(h as tar.Header, cb(res, rej))));
        continue;
      }
      await new Promise<void>((res, rej) => {
        const sink = pack.entry(h as tar.Header, (err) => (err ? rej(err) : res()));
        const src = e.fs.openData(e.real);
        src.on('error', (err) => {
          sink.destroy(err);
          rej(err);
        });
        src.pipe(sink as unknown as NodeJS.WritableStream);
      });
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  // a Node stream for the extractor (it peeks and unshifts)
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  pack.on('error', (err: Error) => out.destroy(err));
  pack.pipe(out);
  return out;
}

/** The entries below a directory (its contents, not itself), parents first. */
function* contentsOf(sfs: SourceFS, real: string, prefix = ''): Generator<Entry> {
  for (const name of sfs.readdir(real)) {
    const r = real ? real + '/' + name : name;
    const info = sfs.lstat(r);
    if (!info) continue;
    const n = prefix + name;
    yield { name: n, fs: sfs, real: r, info };
    if (info.type === 'dir') yield* contentsOf(sfs, r, n + '/');
  }
}

const extractOpts = { noOverwriteDirNonDir: false, copyUIDGID: false } as const;

/** Copies one step's sources (and files made from data: heredocs, ADD downloads) into rootfs. */
export async function applyCopy(
  rootfs: string,
  dest: CopyDest,
  infos: readonly SourceInfo[],
  contents: ReadonlyArray<{ path: string; data: string | Buffer; mode?: number; mtime?: number }>,
  opts: CopyOptions = {},
): Promise<void> {
  const root = path.resolve(rootfs);
  const newDirOwner = opts.owner ?? { uid: 0, gid: 0 };
  const fileTarget = (name: string): { dir: string; base: string } => {
    const existing = resolveInRoot(root, dest.dest, { followFinal: true });
    const target = dest.destIsDir || isDirAt(existing) ? path.posix.join(dest.dest, name) : dest.dest;
    if (target === '/') throw badRequest('failed to copy files: cannot copy a file to /');
    return { dir: ensureDir(root, path.posix.dirname(target), newDirOwner), base: path.posix.basename(target) };
  };
  for (const src of infos) {
    if (src.info.type === 'dir') {
      const dir = ensureDir(root, dest.dest, newDirOwner);
      await extractInto(packEntries(contentsOf(src.fs, src.real), opts), root, dir, extractOpts);
      continue;
    }
    if (opts.allowDecompress && src.info.type === 'file' && (await isArchiveStream(() => src.fs.openData(src.real)))) {
      const dir = ensureDir(root, dest.dest, newDirOwner);
      await extractInto(src.fs.openData(src.real), root, dir, extractOpts);
      continue;
    }
    const t = fileTarget(path.posix.basename(src.path));
    await extractInto(packEntries([{ name: t.base, fs: src.fs, real: src.real, info: src.info }], opts), root, t.dir, extractOpts);
  }
  for (const c of contents) {
    const data = typeof c.data === 'string' ? Buffer.from(c.data) : c.data;
    const t = fileTarget(c.path);
    const info: FileInfo = { type: 'file', mode: c.mode ?? 0o644, uid: 0, gid: 0, size: data.length, mtime: c.mtime ?? Math.floor(Date.now() / 1000) };
    const mem: SourceFS = {
      lstat: () => info,
      readdir: () => [],
      dataHash: () => '',
      openData: () => Readable.from([data], { objectMode: false }),
      bytesHashed: 0,
    };
    await extractInto(packEntries([{ name: t.base, fs: mem, real: '', info }], { ...opts, preserveOwnership: false }), root, t.dir, extractOpts);
  }
}
