// The server side of RFC 6455 as the Kubernetes streaming protocols use it:
// the handshake, binary frames out (unmasked), masked frames in (fragments
// joined), ping/pong and close. Enough for v5.channel.k8s.io; no extensions.
import { createHash } from 'node:crypto';
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 16 << 20;

export interface WsConnection {
  send(data: Buffer): void;
  close(code?: number): void;
  onMessage(cb: (data: Buffer) => void): void;
  onClose(cb: () => void): void;
}

/** Answers the upgrade with one of `protocols` (the client's first match); undefined after a refusal. */
export function acceptWebSocket(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocols: string[],
): { conn: WsConnection; protocol: string } | undefined {
  const key = req.headers['sec-websocket-key'];
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const protocol = offered.find((p) => protocols.includes(p));
  if (typeof key !== 'string' || String(req.headers.upgrade).toLowerCase() !== 'websocket' || !protocol) {
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nexpected a websocket upgrade with one of the subprotocols ${protocols.join(', ')}\n`,
    );
    return undefined;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  return { conn: connection(socket, head), protocol };
}

function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const hdr = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  hdr[0] = 0x80 | opcode;
  if (n < 126) hdr[1] = n;
  else if (n < 65536) {
    hdr[1] = 126;
    hdr.writeUInt16BE(n, 2);
  } else {
    hdr[1] = 127;
    hdr.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([hdr, payload]);
}

function connection(socket: Duplex, head: Buffer): WsConnection {
  const msgCbs: Array<(d: Buffer) => void> = [];
  const closeCbs: Array<() => void> = [];
  let buf: Buffer = head.length ? Buffer.from(head) : Buffer.alloc(0);
  let parts: Buffer[] = [];
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const cb of closeCbs) cb();
  };
  const write = (b: Buffer) => {
    if (!closed && socket.writable) socket.write(b);
  };
  const parse = () => {
    for (;;) {
      if (buf.length < 2) return;
      const fin = (buf[0] & 0x80) !== 0;
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (len > MAX_MESSAGE) {
        write(frame(8, Buffer.from([0x03, 0xf1])));
        socket.destroy();
        return;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buf[maskOff + (i & 3)];
      buf = buf.subarray(off + len);
      if (opcode === 8) {
        write(frame(8, payload.subarray(0, 2)));
        socket.end();
        finish();
        return;
      }
      if (opcode === 9) write(frame(10, payload));
      else if (opcode === 0 || opcode === 1 || opcode === 2) {
        parts.push(payload);
        if (fin) {
          const msg = Buffer.concat(parts);
          parts = [];
          for (const cb of msgCbs) cb(msg);
        }
      }
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    parse();
  });
  socket.on('close', finish);
  socket.on('error', finish);
  queueMicrotask(parse);
  return {
    send: (data) => write(frame(2, data)),
    close: (code = 1000) => {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(code);
      write(frame(8, b));
      socket.end();
      finish();
    },
    onMessage: (cb) => msgCbs.push(cb),
    onClose: (cb) => closeCbs.push(cb),
  };
}
