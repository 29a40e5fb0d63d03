// Writes filesystem objects as tar entries (tar-stream pack with binary-safe
// PAX), with backpressure: every add resolves once the pack accepted the entry.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { llistxattr, lgetxattr, major, minor } from '../sys';
import { XATTR_PREFIX, createPack, needsPax } from './tarfmt';

const SMALL = 1 << 20;
const EMPTY = Buffer.alloc(0);
const COALESCE = 64 * 1024;

export interface WalkOptions {
  /** Include extended attributes (default true); overlay internals and SELinux labels are never included. */
  xattrs?: boolean;
}

/** Attributes worth carrying in a tar: everything except overlay internals and host labels. */
export function readXattrs(abs: string): Record<string, Buffer> | undefined {
  let names: string[];
  try {
    names = llistxattr(abs);
  } catch {
    return undefined;
  }
  let out: Record<string, Buffer> | undefined;
  for (const n of names) {
    if (n.startsWith('trusted.overlay.') || n === 'security.selinux') continue;
    const v = lgetxattr(abs, n);
    if (v) (out ??= {})[XATTR_PREFIX + n] = v;
  }
  return out;
}

export class TarWriter {
  readonly pack: tar.Pack = createPack();
  private readonly links = new Map<string, string>();

  /**
   * The tar as a Node Readable. With `settled` (the producer's promise), a
   * destroyed stream closes only once the producer stopped, so the files it
   * had open are closed by then (a client that went away must not leave them).
   */
  readable(settled?: () => Promise<unknown>): Readable {
    const pack = this.pack;
    const out = new Readable({
      highWaterMark: 1 << 20,
      read: () => pack.resume(),
      destroy: (err, cb) => {
        if (!pack.destroyed) pack.destroy(err ?? new Error('tar stream closed'));
        const done = () => cb(err);
        if (settled) settled().then(done, done);
        else done();
      },
    });
    // coalesce 512-byte headers and small bodies into larger chunks: fewer writes downstream
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = () => {
      if (pendingLen === 0) return true;
      const b = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      return out.push(b);
    };
    pack.on('data', (c: unknown) => {
      const b = c as Buffer;
      let ok = true;
      if (b.length >= COALESCE) {
        const flushed = flush();
        ok = out.push(b) && flushed;
      } else {
        pending.push(b);
        pendingLen += b.length;
        if (pendingLen >= COALESCE) ok = flush();
      }
      if (!ok) pack.pause();
    });
    pack.on('end', () => {
      flush();
      out.push(null);
    });
    pack.on('error', (e: unknown) => out.destroy(e as Error));
    return out;
  }

  private put(h: tar.Header | (Partial<tar.Header> & { name: string }), body?: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      // file entries without a body buffer would wait for writes forever
      if (body || h.type === 'file' || h.type === undefined) this.pack.entry(h, body ?? EMPTY, cb);
      else this.pack.entry(h, cb);
    });
  }

  /** A synthetic entry (whiteouts). */
  addRaw(h: Partial<tar.Header> & { name: string }): Promise<void> {
    return this.put(h);
  }

  /**
   * Adds the object at abs (already lstat'ed) under name. Directories get a
   * trailing "/", hard links (nlink > 1) after the first become link entries.
   * Sockets are skipped. Returns false when nothing was written.
   */
  async add(abs: string, name: string, st: fs.Stats, opts: WalkOptions = {}): Promise<boolean> {
    const h: Partial<tar.Header> & { name: string } = {
      name,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
      size: 0,
    };
    if (st.isDirectory()) {
      h.type = 'directory';
      if (!h.name.endsWith('/')) h.name += '/';
    } else if (st.isSymbolicLink()) {
      h.type = 'symlink';
      h.linkname = fs.readlinkSync(abs);
    } else if (st.isFile()) {
      h.type = 'file';
      h.size = st.size;
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      h.type = st.isCharacterDevice() ? 'character-device' : 'block-device';
      h.devmajor = major(st.rdev);
      h.devminor = minor(st.rdev);
    } else if (st.isFIFO()) {
      h.type = 'fifo';
    } else {
      return false; // sockets cannot be archived
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) {
        h.type = 'link';
        h.linkname = first;
        h.size = 0;
      } else this.links.set(key, name);
    }
    if (opts.xattrs !== false) {
      const x = readXattrs(abs);
      if (x) h.pax = x;
    }
    if (!h.pax && needsPax({ name: h.name, linkname: h.linkname, uid: h.uid, gid: h.gid })) h.pax = {};
    if (h.type !== 'file' || h.size === 0) return this.put(h).then(() => true);
    await this.fileBody(abs, h as tar.Header);
    return true;
  }

  private async fileBody(abs: string, h: tar.Header): Promise<void> {
    // never follow, never block on a fifo swapped in for the file; read what the fd holds
    const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) throw new Error(`${h.name}: changed from a file to another kind of object while it was archived`);
      if (h.size <= SMALL) {
        const buf = Buffer.allocUnsafe(h.size);
        readFull(fd, buf, 0);
        return await this.put(h, buf);
      }
      let left = h.size;
      let pos = 0;
      let cbErr: unknown;
      const done = new Promise<void>((resolve, reject) => {
        const sink = this.pack.entry(h, (err) => (err ? reject(err) : resolve()));
        // a pack destroyed under us (the client went away) errors the entry: not the process
        sink.on('error', reject);
        const pump = async () => {
          while (left > 0 && !sink.destroyed) {
            const n = Math.min(SMALL, left);
            const buf = Buffer.allocUnsafe(n);
            readFull(fd, buf, pos);
            pos += n;
            left -= n;
            if (!sink.write(buf))
              await new Promise<void>((r) => {
                const go = () => {
                  sink.off('drain', go).off('close', go);
                  r();
                };
                sink.on('drain', go).on('close', go);
              });
          }
          if (!sink.destroyed) sink.end(null);
        };
        pump().catch((e) => {
          cbErr = e;
          sink.destroy(e);
          reject(e);
        });
      });
      await done;
      if (cbErr) throw cbErr;
    } finally {
      fs.closeSync(fd);
    }
  }

  finalize(): void {
    this.pack.finalize();
  }

  destroy(err: Error): void {
    this.pack.destroy(err);
  }
}

/** Fills buf from the file at pos; a file that shrank meanwhile is padded with zeros. */
function readFull(fd: number, buf: Buffer, pos: number): void {
  let off = 0;
  while (off < buf.length) {
    const n = fs.readSync(fd, buf, off, buf.length - off, pos + off);
    if (n === 0) {
      buf.fill(0, off);
      break;
    }
    off += n;
  }
}
