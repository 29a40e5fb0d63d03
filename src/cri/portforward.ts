// Port forwarding (portforward.k8s.io over SPDY): for each connection the
// client opens a pair of streams, `error` then `data`, sharing `port` and
// `requestid` headers. The data stream is spliced to a TCP connection into the
// pod; a failure's text goes on the error stream.
//
// Into the pod: berthd connects to the pod's IP on its CNI network, from the
// host — no namespace switch, no helper process. A host-network pod shares
// berthd's network namespace, so its ports are reached on 127.0.0.1. The one
// difference from the kubelet's in-namespace dial: a CNI pod's service bound
// only to the pod's own loopback is not reachable this way.
import * as net from 'node:net';
import { log } from '../util/log';
import type { SpdySession, SpdyStream } from './spdy';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';

export interface ForwardTarget {
  podId: string;
  /** the pod's address: its first CNI IP, or 127.0.0.1 with the host's network */
  host: string;
  /** the ports the request named; empty allows any */
  ports: number[];
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export function servePortForward(session: SpdySession, target: ForwardTarget): void {
  const pairs = new Map<string, Pair>();
  session.onStream((s) => {
    const type = s.header('streamtype');
    // old clients send no requestid: a data stream's error stream is the one opened just before it
    const key = s.header('requestid') || String(type === 'data' ? s.id - 2 : s.id);
    if (type !== 'error' && type !== 'data') return s.abort();
    const p = pairs.get(key) ?? {};
    if (p[type]) return s.abort();
    p[type] = s;
    pairs.set(key, p);
    if (p.error && p.data) {
      pairs.delete(key);
      forward(p.error, p.data, target);
    }
  });
}

function forward(error: SpdyStream, data: SpdyStream, target: ForwardTarget): void {
  const raw = data.header('port');
  const port = Number(raw);
  const fail = (why: string) => {
    error.write(Buffer.from(`error forwarding port ${raw} to pod ${target.podId}: ${why}`));
    error.end();
    data.end();
  };
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) return fail(`invalid port ${JSON.stringify(raw)}`);
  if (target.ports.length && !target.ports.includes(port)) return fail(`port ${port} was not requested`);
  const sock = net.connect({ host: target.host, port });
  let connected = false;
  sock.on('connect', () => {
    connected = true;
    data.onData((d) => sock.write(d));
    data.onEnd(() => (data.reset ? sock.destroy() : sock.end()));
  });
  sock.on('data', (d: Buffer) => data.write(d));
  sock.on('end', () => data.end());
  sock.on('error', (e) => {
    if (!connected) return fail((e as Error).message);
    log().debug({ err: e, port }, 'CRI port-forward connection failed');
    data.abort();
  });
  sock.on('close', () => {
    error.end();
    data.end();
  });
  // the client may give up before the connection is made
  data.onEnd(() => {
    if (!connected && data.reset) sock.destroy();
  });
}
