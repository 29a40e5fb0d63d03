// SPDY/3.1 as the Kubernetes streaming protocols use it (the kubelet's and
// crictl's default transport for exec, attach and port-forward): the frames,
// the zlib-compressed header blocks, and a server-side session over an
// upgraded socket. The client opens every stream (SYN_STREAM with headers
// such as `streamtype`); the server replies and both sides send DATA, FIN
// half-closes, RST_STREAM aborts, PING is echoed, GOAWAY ends the session.
// Flow control (WINDOW_UPDATE) is accepted and ignored, as spdystream — the
// Go side of every Kubernetes client — neither sends nor honours it.
import * as zlib from 'node:zlib';
import type { Duplex } from 'node:stream';
import { SPDY3_DICTIONARY } from './spdy-dictionary';

const DICTIONARY_ID = 0xe3c6a7c2; // adler32 of SPDY3_DICTIONARY

const VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
/** Larger frames are refused: nothing in these protocols needs them. */
const MAX_FRAME = 1 << 24;
/** DATA frames this side sends are cut at this size. */
const CHUNK = 32 << 10;

export type Headers = Record<string, string[]>;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; headers: Headers }
  | { type: 'syn_reply'; streamId: number; flags: number; headers: Headers }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headers: Headers }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; data: Buffer };

/** A decoded frame; SYN_STREAM, SYN_REPLY and HEADERS carry their still-compressed header block. */
export type WireFrame = Frame & { block?: Buffer };

const TYPE = { syn_stream: 1, syn_reply: 2, rst_stream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, window_update: 9 } as const;
export const RST = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
} as const;

// SPDY compresses every header block of a direction as one zlib stream (one
// context for the session, a sync flush after each block).
// - Our side writes that stream by hand as stored (uncompressed) deflate
//   blocks, each ended by the sync-flush marker: valid zlib any inflater reads,
//   no state to keep but "started", and our headers are a few bytes.
// - The client's side goes through one long-lived inflate stream (Node's zlib
//   keeps a context only in its asynchronous form), so frames carrying header
//   blocks are decoded in order before the session acts on them.
const STORED_MAX = 0xffff;
const SYNC_FLUSH_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** The sending side's header compressor: one zlib stream for the session. */
export class HeaderEncoder {
  private started = false;
  encode(headers: Headers): Buffer {
    const parts: Buffer[] = [u32(Object.keys(headers).length)];
    for (const [name, values] of Object.entries(headers)) {
      const n = Buffer.from(name.toLowerCase());
      // several values of one name travel NUL-separated
      const v = Buffer.from(values.join('\0'));
      parts.push(u32(n.length), n, u32(v.length), v);
    }
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window), FLG with FDICT and its check bits, then the dictionary's id
      const flg = 0x20 | (31 - ((0x78 * 256 + 0x20) % 31));
      out.push(Buffer.from([0x78, flg]), u32(DICTIONARY_ID));
    }
    // stored blocks, not final: header byte 0 (byte-aligned already), LEN, NLEN little-endian
    for (let o = 0; o < raw.length; o += STORED_MAX) {
      const chunk = raw.subarray(o, o + STORED_MAX);
      const h = Buffer.alloc(5);
      h.writeUInt16LE(chunk.length, 1);
      h.writeUInt16LE(~chunk.length & 0xffff, 3);
      out.push(h, chunk);
    }
    // then the sync-flush marker, an empty stored block: inflaters (Go's among
    // them) hand out what they hold there rather than read on into the next frame
    out.push(SYNC_FLUSH_MARKER);
    return Buffer.concat(out);
  }
}

/** The receiving side's header decompressor: the client's one zlib stream, block by block, in order. */
export class HeaderDecoder {
  private readonly z = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
  private failed: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** the decode in progress: a zlib error ends it (the flush's callback never comes then) */
  private current: ((e: Error) => void) | undefined;

  constructor() {
    this.z.on('error', (e) => {
      this.failed = e;
      this.current?.(e);
    });
  }

  decode(block: Buffer): Promise<Headers> {
    const next = this.queue.then(
      () =>
        new Promise<Headers>((resolve, reject) => {
          if (this.failed) return reject(this.failed);
          if (!block.length) return resolve({});
          const out: Buffer[] = [];
          const onData = (d: Buffer) => out.push(d);
          this.z.on('data', onData);
          this.current = (e) => {
            this.z.off('data', onData);
            reject(e);
          };
          this.z.write(block);
          // the output of the write comes out before the flush's callback
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.current = undefined;
            this.z.off('data', onData);
            if (this.failed) return reject(this.failed);
            try {
              resolve(parseHeaderBlock(Buffer.concat(out)));
            } catch (e) {
              reject(e);
            }
          });
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.close();
  }
}

/** An uncompressed header block: a count, then length-prefixed names and values. */
export function parseHeaderBlock(raw: Buffer): Headers {
  const out: Headers = {};
  if (raw.length < 4) return out;
  let off = 4;
  const take = () => {
    if (off + 4 > raw.length) throw new Error('truncated SPDY header block');
    const n = raw.readUInt32BE(off);
    if (off + 4 + n > raw.length) throw new Error('truncated SPDY header block');
    const s = raw.subarray(off + 4, off + 4 + n).toString();
    off += 4 + n;
    return s;
  };
  for (let i = raw.readUInt32BE(0); i > 0; i--) {
    const name = take().toLowerCase();
    (out[name] ??= []).push(...take().split('\0'));
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return Buffer.concat([h, body]);
}

/** One frame on the wire; header blocks go through the session's encoder. */
export function encodeFrame(f: Frame, enc: HeaderEncoder): Buffer {
  switch (f.type) {
    case 'data': {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      h.writeUInt32BE(f.data.length, 4);
      h[4] = f.flags;
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const b = Buffer.alloc(10);
      b.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      b.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      b[8] = (f.priority & 7) << 5;
      return control(TYPE.syn_stream, f.flags, Buffer.concat([b, enc.encode(f.headers)]));
    }
    case 'syn_reply':
    case 'headers':
      return control(TYPE[f.type], f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), enc.encode(f.headers)]));
    case 'rst_stream':
      return control(TYPE.rst_stream, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.status)]));
    case 'settings': {
      const body = [u32(f.entries.length)];
      for (const e of f.entries) body.push(u32(((e.flags & 0xff) << 24) | (e.id & 0xffffff)), u32(e.value));
      return control(TYPE.settings, f.flags, Buffer.concat(body));
    }
    case 'ping':
      return control(TYPE.ping, 0, u32(f.id));
    case 'goaway':
      return control(TYPE.goaway, 0, Buffer.concat([u32(f.lastStreamId & 0x7fffffff), u32(f.status)]));
    case 'window_update':
      return control(TYPE.window_update, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.delta & 0x7fffffff)]));
    case 'unknown':
      return control(f.frameType, f.flags, f.data);
  }
}

/** Decompresses a frame's header block into its headers (in the session's order). */
export async function withHeaders(f: WireFrame, dec: HeaderDecoder): Promise<Frame> {
  if (!f.block) return f;
  const { block, ...rest } = f;
  return { ...rest, headers: await dec.decode(block) } as Frame;
}

/**
 * Cuts frames off the front of `buf`: the frames and the unread rest.
 * Throws on a frame no SPDY/3 peer sends (wrong version, oversized).
 */
export function decodeFrames(buf: Buffer): { frames: WireFrame[]; rest: Buffer } {
  const frames: WireFrame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUInt32BE(off + 4) & 0xffffff;
    if (len >= MAX_FRAME) throw new Error('SPDY frame too large');
    if (buf.length - off < 8 + len) break;
    const flags = buf[off + 4];
    const body = buf.subarray(off + 8, off + 8 + len);
    if (buf[off] & 0x80) {
      const version = buf.readUInt16BE(off) & 0x7fff;
      if (version !== VERSION) throw new Error(`unsupported SPDY version ${version}`);
      frames.push(decodeControl(buf.readUInt16BE(off + 2), flags, body));
    } else {
      frames.push({ type: 'data', streamId: buf.readUInt32BE(off) & 0x7fffffff, flags, data: Buffer.from(body) });
    }
    off += 8 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

function decodeControl(type: number, flags: number, b: Buffer): WireFrame {
  const need = (n: number) => {
    if (b.length < n) throw new Error(`short SPDY control frame of type ${type}`);
  };
  const id = (o: number) => b.readUInt32BE(o) & 0x7fffffff;
  switch (type) {
    case TYPE.syn_stream:
      need(10);
      return { type: 'syn_stream', streamId: id(0), associatedId: id(4), priority: b[8] >> 5, flags, headers: {}, block: Buffer.from(b.subarray(10)) };
    case TYPE.syn_reply:
    case TYPE.headers:
      need(4);
      return { type: type === TYPE.syn_reply ? 'syn_reply' : 'headers', streamId: id(0), flags, headers: {}, block: Buffer.from(b.subarray(4)) };
    case TYPE.rst_stream:
      need(8);
      return { type: 'rst_stream', streamId: id(0), status: b.readUInt32BE(4) };
    case TYPE.settings: {
      need(4);
      const n = b.readUInt32BE(0);
      need(4 + n * 8);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const w = b.readUInt32BE(4 + i * 8);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: b.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', flags, entries };
    }
    case TYPE.ping:
      need(4);
      return { type: 'ping', id: b.readUInt32BE(0) };
    case TYPE.goaway:
      need(8);
      return { type: 'goaway', lastStreamId: id(0), status: b.readUInt32BE(4) };
    case TYPE.window_update:
      need(8);
      return { type: 'window_update', streamId: id(0), delta: b.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: 'unknown', frameType: type, flags, data: Buffer.from(b) };
  }
}

/** One client-opened stream as the server sees it. */
export class SpdyStream {
  private dataCbs: Array<(d: Buffer) => void> = [];
  private endCbs: Array<() => void> = [];
  private early: Buffer[] = [];
  /** the client half-closed (FIN) or the stream was reset */
  remoteEnded = false;
  localEnded = false;
  reset = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Headers,
  ) {}

  header(name: string): string {
    return this.headers[name.toLowerCase()]?.[0] ?? '';
  }

  write(data: Buffer): void {
    if (this.localEnded || this.reset) return;
    for (let o = 0; o < data.length; o += CHUNK) this.session.send({ type: 'data', streamId: this.id, flags: 0, data: data.subarray(o, o + CHUNK) });
  }

  /** Half-closes this side: an empty DATA frame with FIN. */
  end(): void {
    if (this.localEnded || this.reset) return;
    this.localEnded = true;
    this.session.send({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    this.session.settle(this);
  }

  /** Aborts the stream both ways. */
  abort(status: number = RST.CANCEL): void {
    if (this.reset) return;
    this.session.send({ type: 'rst_stream', streamId: this.id, status });
    this.remoteClosed(true);
  }

  /** Data from the client; what arrives before a listener is kept for it. */
  onData(cb: (d: Buffer) => void): void {
    this.dataCbs.push(cb);
    for (const d of this.early.splice(0)) cb(d);
  }

  /** The client's half is done (FIN, reset or the session ended). */
  onEnd(cb: () => void): void {
    if (this.remoteEnded) queueMicrotask(cb);
    else this.endCbs.push(cb);
  }

  /** @internal */
  received(d: Buffer): void {
    if (this.remoteEnded) return;
    if (!this.dataCbs.length) this.early.push(d);
    else for (const cb of this.dataCbs) cb(d);
  }

  /** @internal */
  remoteClosed(reset = false): void {
    if (reset) {
      this.reset = true;
      this.localEnded = true;
    }
    if (this.remoteEnded) return this.session.settle(this);
    this.remoteEnded = true;
    for (const cb of this.endCbs.splice(0)) cb();
    this.session.settle(this);
  }
}

/** The server side of one SPDY/3.1 connection: streams come from the client. */
export class SpdySession {
  private readonly enc = new HeaderEncoder();
  private readonly dec = new HeaderDecoder();
  private readonly streams = new Map<number, SpdyStream>();
  private streamCbs: Array<(s: SpdyStream) => void> = [];
  private closeCbs: Array<() => void> = [];
  private buf: Buffer = Buffer.alloc(0);
  private lastStreamId = 0;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private inflating = 0;

  constructor(
    private readonly socket: Duplex,
    head: Buffer,
  ) {
    socket.on('data', (d: Buffer) => this.input(d));
    socket.on('close', () => this.teardown());
    socket.on('error', () => this.teardown());
    if (head.length) queueMicrotask(() => this.input(head));
  }

  /** Every stream the client opens, already answered with SYN_REPLY. */
  onStream(cb: (s: SpdyStream) => void): void {
    this.streamCbs.push(cb);
  }

  onClose(cb: () => void): void {
    if (this.closed) queueMicrotask(cb);
    else this.closeCbs.push(cb);
  }

  /** @internal */
  send(f: Frame): void {
    if (!this.closed && this.socket.writable) this.socket.write(encodeFrame(f, this.enc));
  }

  /** @internal a stream closed both ways leaves the table */
  settle(s: SpdyStream): void {
    if (s.localEnded && s.remoteEnded) this.streams.delete(s.id);
  }

  /** GOAWAY, then the socket ends once written. */
  close(): void {
    if (this.closed) return;
    this.send({ type: 'goaway', lastStreamId: this.lastStreamId, status: 0 });
    this.socket.end();
    this.teardown();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.dec.close();
    for (const s of this.streams.values()) s.remoteClosed(true);
    this.streams.clear();
    for (const cb of this.closeCbs.splice(0)) cb();
  }

  private input(d: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let frames: WireFrame[];
    try {
      const r = decodeFrames(this.buf);
      frames = r.frames;
      this.buf = Buffer.from(r.rest);
    } catch {
      return this.protocolError();
    }
    for (const f of frames) {
      // frames act in order: behind a header block being inflated, the rest wait
      if (!f.block && !this.inflating) {
        this.handle(f);
        continue;
      }
      this.inflating++;
      this.chain = this.chain
        .then(() => withHeaders(f, this.dec))
        .then(
          (full) => {
            if (!this.closed) this.handle(full);
          },
          () => this.protocolError(),
        )
        .finally(() => this.inflating--);
    }
  }

  /** A peer that breaks framing or header compression cannot be resynchronised. */
  private protocolError(): void {
    if (this.closed) return;
    this.send({ type: 'goaway', lastStreamId: this.lastStreamId, status: 1 });
    this.socket.destroy();
    this.teardown();
  }

  private handle(f: Frame): void {
    switch (f.type) {
      case 'syn_stream': {
        // client streams are odd and increasing
        if (f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) return this.send({ type: 'rst_stream', streamId: f.streamId, status: RST.PROTOCOL_ERROR });
        this.lastStreamId = f.streamId;
        const s = new SpdyStream(this, f.streamId, f.headers);
        this.streams.set(f.streamId, s);
        this.send({ type: 'syn_reply', streamId: f.streamId, flags: 0, headers: {} });
        if (f.flags & FLAG_UNIDIRECTIONAL) s.localEnded = true;
        for (const cb of this.streamCbs) cb(s);
        if (f.flags & FLAG_FIN) s.remoteClosed();
        return;
      }
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return this.send({ type: 'rst_stream', streamId: f.streamId, status: RST.INVALID_STREAM });
        if (f.data.length) s.received(f.data);
        if (f.flags & FLAG_FIN) s.remoteClosed();
        return;
      }
      case 'headers': {
        const s = this.streams.get(f.streamId);
        if (s && f.flags & FLAG_FIN) s.remoteClosed();
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.remoteClosed(true);
        return;
      case 'ping':
        // the client's pings (odd ids) are echoed; ours would be even and we send none
        if (f.id % 2 === 1) this.send(f);
        return;
      case 'goaway':
        // no new streams will come; the open ones finish on their own
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, SYN_REPLY (we open no streams) and unknown types are ignored
        return;
    }
  }
}
