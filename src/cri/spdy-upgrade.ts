// The HTTP/1.1 Upgrade to SPDY/3.1 as Kubernetes negotiates it: the client
// lists the subprotocols it speaks in X-Stream-Protocol-Version (repeated or
// comma-separated, best first); the server answers 101 with the one it picked,
// or 403 naming what it accepts.
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdySession } from './spdy';

export function isSpdyUpgrade(req: http.IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '')
    .toLowerCase()
    .startsWith('spdy/3.1');
}

/** The client's first offer the server speaks, as the kubelet's handshake picks. */
export function negotiate(offered: string[], supported: string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

export function acceptSpdy(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocols: string[],
): { session: SpdySession; protocol: string } | undefined {
  const raw = req.headersDistinct?.['x-stream-protocol-version'] ?? [];
  const offered = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const protocol = negotiate(offered, protocols);
  if (!protocol) {
    const msg = offered.length
      ? `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${protocols.join(' ')}]`
      : 'unable to upgrade: X-Stream-Protocol-Version is required';
    socket.end(
      `HTTP/1.1 ${offered.length ? '403 Forbidden' : '400 Bad Request'}\r\nContent-Type: text/plain; charset=utf-8\r\n${protocols.map((p) => `X-Accepted-Stream-Protocol-Versions: ${p}\r\n`).join('')}Connection: close\r\n\r\n${msg}\n`,
    );
    return undefined;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  return { session: new SpdySession(socket, head), protocol };
}
