// tar-stream with binary-safe PAX records. tar-stream decodes and encodes PAX
// values as UTF-8 strings, which corrupts binary xattrs (security.capability).
// On extract we re-read the raw PAX block and keep SCHILY.xattr.* values as
// latin1 strings (one char per byte); on pack we write the PAX block ourselves.
import type { Readable } from 'node:stream';
import type * as tar from 'tar-stream';

// loaded on first use: tar-stream and its streamx stack cost an idle daemon ~5 MiB
let tarLib: typeof import('tar-stream') | undefined;
const tarStream = () => {
  if (tarLib) return tarLib;
  tarLib = require('tar-stream') as typeof import('tar-stream');
  teachGnuSparse();
  return tarLib;
};

/** A sparse file's layout: data segments [offset, length] in stored order, and the file's real size. */
export interface SparseInfo {
  map: Array<[number, number]>;
  realSize: number;
  /** PAX 1.0: the map is at the start of the entry's data (decimal lines, padded to 512 bytes). */
  mapInData: boolean;
}

/** A numeric header field: octal text, or GNU base-256 (high bit set). */
function headerNumber(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + buf[i];
    return n;
  }
  const t = buf
    .toString('latin1', off, off + len)
    .replace(/\0.*$/, '')
    .trim();
  return t ? parseInt(t, 8) : 0;
}

/**
 * tar-stream does not know GNU sparse entries (typeflag 'S'): their header
 * carries the first four segments of the map at offset 386 and the real size at
 * 483; the stored data (header size) is the segments back to back. The entry
 * gets type 'gnu-sparse' and its map; a map continued in extension blocks
 * (more than four segments) is marked so the unpacker can refuse it instead of
 * reading those blocks as data.
 */
function teachGnuSparse(): void {
  // the CLI's bundle (scripts/build-cli.js) has no require.resolve and no way to
  // reach tar-stream's internals; it only reads tars that engines write, which
  // never hold GNU sparse entries (Go's archive/tar and berth's writer don't make them)
  if (typeof require.resolve !== 'function') return;
  const dir = require('node:path').dirname(require.resolve('tar-stream')) as string;
  const headers = require(dir + '/headers.js') as { decode: (buf: Buffer, ...rest: unknown[]) => Record<string, unknown> | null };
  const orig = headers.decode;
  if (typeof orig !== 'function') throw new Error('tar-stream internals changed: headers.decode missing');
  headers.decode = function (buf: Buffer, ...rest: unknown[]) {
    const h = orig.call(this, buf, ...rest);
    if (!h || buf[156] !== 0x53) return h; // 'S'
    const map: Array<[number, number]> = [];
    for (let i = 0; i < 4; i++) {
      const off = headerNumber(buf, 386 + i * 24, 12);
      const len = headerNumber(buf, 386 + i * 24 + 12, 12);
      if (off === 0 && len === 0 && i > 0) break;
      map.push([off, len]);
    }
    h.type = 'gnu-sparse';
    h.sparse = { map, realSize: headerNumber(buf, 483, 12), mapInData: false } satisfies SparseInfo;
    if (buf[482] === 0) return h;
    // the map continues in 512-byte extension blocks before the data: have the
    // extractor read them as a long header (createExtract parses them)
    return { type: 'gnu-long-path', size: 512, [SPARSE_EXT]: h };
  };
}

const SPARSE_EXT = Symbol('gnu sparse header awaiting its extension blocks');

/** Adds one extension block's segments (21 of 24 bytes) to the header's map; true when another block follows. */
function readSparseExtension(h: Record<string, unknown>, blk: Buffer): boolean {
  const map = (h.sparse as SparseInfo).map;
  for (let i = 0; i < 21; i++) {
    const off = headerNumber(blk, i * 24, 12);
    const len = headerNumber(blk, i * 24 + 12, 12);
    if (off === 0 && len === 0) break;
    map.push([off, len]);
  }
  return blk[504] !== 0;
}

/**
 * The sparse layout of an entry, from GNU 'S' headers or GNU's PAX records
 * (formats 0.0, 0.1 and 1.0), with the real name for the PAX forms; undefined
 * for ordinary entries.
 */
export function sparseOf(h: tar.Header): { info: SparseInfo; name?: string } | undefined {
  const g = (h as unknown as { sparse?: SparseInfo }).sparse;
  if (g) return { info: g };
  const pax = h.pax as Record<string, string> | undefined;
  if (!pax) return undefined;
  const name = pax['GNU.sparse.name'] || undefined;
  if (pax['GNU.sparse.major'] === '1' && pax['GNU.sparse.minor'] === '0') {
    return { info: { map: [], realSize: Number(pax['GNU.sparse.realsize'] ?? 0), mapInData: true }, name };
  }
  const flat = pax['GNU.sparse.map'] ?? pax[SPARSE00_MAP];
  if (flat === undefined) return undefined;
  const nums = flat === '' ? [] : flat.split(',').map(Number);
  const map: Array<[number, number]> = [];
  for (let i = 0; i + 1 < nums.length; i += 2) map.push([nums[i], nums[i + 1]]);
  return { info: { map, realSize: Number(pax['GNU.sparse.size'] ?? pax['GNU.sparse.realsize'] ?? 0), mapInData: false }, name };
}

/** PAX 0.0 repeats GNU.sparse.offset/numbytes records; a map keeps only the last: collected here in order. */
const SPARSE00_MAP = 'berth.sparse00.map';

export const XATTR_PREFIX = 'SCHILY.xattr.';
const LIBARCHIVE_PREFIX = 'LIBARCHIVE.xattr.';

interface ExtractInternals {
  _decodeLongHeader(buf: Buffer): void;
  _header: ({ type: string; size: number } & Record<string | symbol, unknown>) | null;
  _longHeader: boolean;
  _missing: number;
  _locked: boolean;
  _stream: unknown;
  _unlockBound: unknown;
  _applyLongHeaders(): void;
  _createStream(): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  _pax: Record<string, string> | null;
  _paxGlobal: Record<string, string> | null;
}

interface PackInternals {
  _encode(header: tar.Header): void;
  _encodePax(header: tar.Header): void;
  push(chunk: Buffer): boolean;
}

/** Yields [key, raw value] of each record in a PAX extended header block. */
function* paxRecords(buf: Buffer): Generator<[string, Buffer]> {
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) return;
    const len = parseInt(buf.toString('latin1', off, sp), 10);
    if (!(len > 0) || off + len > buf.length) return;
    const rec = buf.subarray(sp + 1, off + len - 1); // without trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq > 0) yield [rec.toString('utf8', 0, eq), rec.subarray(eq + 1)];
    off += len;
  }
}

export function createExtract(): tar.Extract {
  // v7 (pre-ustar) headers are accepted like Go's archive/tar; checksums are still verified
  const ex = tarStream().extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]) as unknown as ExtractInternals;
  const orig = ex._decodeLongHeader;
  if (typeof orig !== 'function') throw new Error('tar-stream internals changed: _decodeLongHeader missing');
  ex._decodeLongHeader = function (this: ExtractInternals, buf: Buffer) {
    const sparse = this._header?.[SPARSE_EXT] as (tar.Header & Record<string, unknown>) | undefined;
    if (sparse) {
      if (readSparseExtension(sparse, buf)) {
        // one more extension block
        this._longHeader = true;
        this._missing = 512;
        return;
      }
      // the map is complete: the entry itself, as the extractor would have emitted it
      this._header = sparse as unknown as ExtractInternals['_header'];
      this._locked = true;
      this._applyLongHeaders();
      const h = this._header!;
      if (h.size === 0) {
        this.emit('entry', h, this._createStream(), this._unlockBound);
        return;
      }
      this._stream = this._createStream();
      this._missing = h.size;
      this.emit('entry', h, this._stream, this._unlockBound);
      return;
    }
    orig.call(this, buf);
    const t = this._header?.type;
    const target = t === 'pax-header' ? this._pax : t === 'pax-global-header' ? this._paxGlobal : null;
    if (!target) return;
    const pairs: string[] = [];
    for (const [k, v] of paxRecords(buf)) {
      if (k.startsWith(XATTR_PREFIX)) target[k] = v.toString('latin1');
      else if (k === 'GNU.sparse.offset' || k === 'GNU.sparse.numbytes') pairs.push(v.toString('latin1'));
    }
    if (pairs.length) target[SPARSE00_MAP] = pairs.join(',');
  };
  return ex as unknown as tar.Extract;
}

export type TarEntryStream = tar.ExtractEvents['entry'][1];
/** Reads one entry's body and calls done() (with an error to stop the whole archive). */
export type TarEntryHandler = (h: tar.Header, body: TarEntryStream, done: (err?: unknown) => void) => void;

/**
 * Feeds `input` through an extractor one entry at a time. Resolves after the
 * last entry; the first failure rejects and the rest of the input is drained,
 * so its producer is never left hanging. `mapError` rewords the extractor's own
 * errors (input that is not a tar).
 */
export function forEachTarEntry(input: Readable, onEntry: TarEntryHandler, mapError: (e: Error) => unknown = (e) => e): Promise<void> {
  return new Promise((resolve, reject) => {
    const ex = createExtract();
    let over = false;
    const fail = (e: unknown) => {
      if (over) return;
      over = true;
      input.unpipe(ex as unknown as NodeJS.WritableStream);
      input.resume();
      ex.destroy(e as Error);
      reject(e);
    };
    ex.on('entry', (h, s, next) => {
      if (over) return;
      // a failure destroys the extractor and, with it, this entry with the error:
      // that error is the archive's, already on its way to the caller
      s.on('error', () => {});
      // tar-stream emits the next entry from inside next(): when an entry completes
      // synchronously, defer next() so long runs of small entries do not recurse
      let sync = true;
      onEntry(h, s, (err) => {
        if (err) fail(err);
        else if (sync) queueMicrotask(next);
        else next();
      });
      sync = false;
    });
    ex.on('error', (e) => fail(mapError(e)));
    ex.on('finish', () => {
      if (over) return;
      over = true;
      resolve();
    });
    input.on('error', fail);
    input.pipe(ex as unknown as NodeJS.WritableStream);
  });
}

/** uid and gid of an entry, PAX records taking precedence over the ustar fields. */
export function entryIds(h: tar.Header): [number, number] {
  const pax = h.pax as Record<string, string> | undefined;
  const uid = pax?.uid !== undefined ? parseInt(pax.uid, 10) : h.uid;
  const gid = pax?.gid !== undefined ? parseInt(pax.gid, 10) : h.gid;
  return [Number.isFinite(uid) ? uid : 0, Number.isFinite(gid) ? gid : 0];
}

/** Extended attributes carried by an entry's PAX records (SCHILY and LIBARCHIVE forms). */
export function paxXattrs(pax: unknown): Map<string, Buffer> | undefined {
  if (!pax || typeof pax !== 'object') return undefined;
  let out: Map<string, Buffer> | undefined;
  for (const [k, v] of Object.entries(pax as Record<string, string>)) {
    if (k.startsWith(XATTR_PREFIX)) {
      (out ??= new Map()).set(k.slice(XATTR_PREFIX.length), Buffer.from(v, 'latin1'));
    } else if (k.startsWith(LIBARCHIVE_PREFIX)) {
      (out ??= new Map()).set(decodeURIComponent(k.slice(LIBARCHIVE_PREFIX.length)), Buffer.from(v, 'base64'));
    }
  }
  return out;
}

function record(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
  let d = String(body.length).length;
  if (String(body.length + d).length > d) d++;
  const n = body.length + d; // the length field counts its own digits
  return Buffer.concat([Buffer.from(String(n)), body]);
}

const USTAR_ID_MAX = 0o777777;

function fitsUstar(name: string): boolean {
  if (!/^[\x20-\x7e]*$/.test(name)) return false;
  if (name.length <= 100) return true;
  // ustar may split at a "/" into prefix (<=155) and name (<=100)
  for (let i = name.indexOf('/'); i >= 0 && i <= 155; i = name.indexOf('/', i + 1)) {
    if (name.length - i - 1 <= 100) return i > 0;
  }
  return false;
}

/** Whether an entry needs a PAX header for its name, link, ids or xattrs. */
export function needsPax(h: { name: string; linkname?: string; uid?: number; gid?: number; pax?: unknown }): boolean {
  return (
    !!h.pax ||
    !fitsUstar(h.name) ||
    (!!h.linkname && (h.linkname.length > 100 || !/^[\x20-\x7e]*$/.test(h.linkname))) ||
    (h.uid ?? 0) > USTAR_ID_MAX ||
    (h.gid ?? 0) > USTAR_ID_MAX
  );
}

function placeholder(name: string, max: number): string {
  const dir = name.endsWith('/');
  let s = name.replace(/[^\x20-\x7e]/g, '_');
  if (s.length > max) s = s.slice(s.length - max + (dir ? 1 : 0));
  if (dir && !s.endsWith('/')) s += '/';
  return s.replace(/^\/+/, '') || '_';
}

/**
 * A tar-stream pack whose PAX headers carry raw bytes: set `header.pax` to a map
 * of extra records (values Buffer or string); path, linkpath, uid and gid
 * records are added when the ustar fields cannot hold them.
 */
export function createPack(): tar.Pack {
  const p = tarStream().pack() as unknown as PackInternals;
  if (typeof p._encode !== 'function' || typeof p._encodePax !== 'function') {
    throw new Error('tar-stream internals changed: _encode/_encodePax missing');
  }
  let nested = false;
  p._encodePax = function (this: PackInternals, header: tar.Header) {
    if (nested) throw new Error(`tar: cannot encode header for ${JSON.stringify(header.name)}`);
    const recs: Buffer[] = [];
    const h = { ...header };
    if (!fitsUstar(h.name)) {
      recs.push(record('path', h.name));
      h.name = placeholder(h.name, 100);
    }
    if ((h.linkname && !fitsUstar(h.linkname)) || (h.linkname?.length ?? 0) > 100) {
      recs.push(record('linkpath', h.linkname));
      h.linkname = placeholder(h.linkname, 100);
    }
    if (h.uid > USTAR_ID_MAX) {
      recs.push(record('uid', String(h.uid)));
      h.uid = 0;
    }
    if (h.gid > USTAR_ID_MAX) {
      recs.push(record('gid', String(h.gid)));
      h.gid = 0;
    }
    const extra = (h.pax ?? {}) as Record<string, Buffer | string>;
    for (const k of Object.keys(extra)) recs.push(record(k, extra[k]));
    h.pax = null;
    const body = Buffer.concat(recs);
    this._encode({
      name: 'PaxHeader',
      type: 'pax-header' as tar.Header['type'],
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: body.length,
      mtime: h.mtime,
      linkname: '',
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
    });
    this.push(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) this.push(Buffer.alloc(pad));
    nested = true;
    try {
      this._encode(h);
    } finally {
      nested = false;
    }
  };
  return p as unknown as tar.Pack;
}
