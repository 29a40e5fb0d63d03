// What a daemon holds, read from /proc: its open fds, its child processes and
// the mounts under a directory. Tests take a baseline, do their worst, and wait
// (on the condition, with a deadline) for the daemon to come back to it.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { waitFor } from './daemon';

/** The daemon's open fds with their targets ("socket:[123]", "/path", "pipe:[9]"). */
export function openFds(pid: number): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      /* closed while listing */
    }
  }
  return out;
}

/**
 * How many of the daemon's fds are TCP connections to 127.0.0.1:port (its
 * registry client's keep-alive pool: idle connections are closed after 30 s).
 */
export function tcpSocketsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const f of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = parseInt(cols[2].split(':')[1], 16);
      if (remotePort === port) inodes.add(cols[9]);
    }
  }
  return openFds(pid).filter((t) => inodes.has(t.slice(8, -1))).length;
}

/** Pids whose parent is pid (helper tools a stream left running would show here). */
export function childPids(pid: number): number[] {
  const kids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // the comm field may hold spaces and parentheses: the ppid follows the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return kids;
}

/** Mount points at or under dir (this process's mount namespace, the daemon's too). */
export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && (m === dir || m.startsWith(dir + '/')));
}

/** inotify watches the daemon holds (fs.watch shares one inotify fd: leaked watchers show only here). */
export function inotifyWatches(pid: number): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += fs
        .readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify ')).length;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

/**
 * Waits until the daemon holds no more fds than `baseline` (plus `slack`), and
 * fails with the list of what it still holds.
 */
export async function fdsBackTo(pid: number, baseline: number, slack = 0, timeoutMs = 20000, count: () => number = () => openFds(pid).length): Promise<void> {
  try {
    await waitFor(() => count() <= baseline + slack, timeoutMs, 100);
  } catch {
    const now = openFds(pid);
    throw new Error(`daemon fds did not return to ${baseline}(+${slack}): ${count()} counted, ${now.length} open:\n${now.join('\n')}`);
  }
}

/** Where the client vanishes: after sending, inside the status line, after n body bytes, or once the body holds a text. */
export type Cut = 'request' | 'headers' | number | { after: string };

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** send the body in pieces of this size, cutting the connection after `sendBytes` of it */
  sendBytes?: number;
}

/**
 * Sends one HTTP/1.1 request over the unix socket and vanishes: right after the
 * request ('request'), a few bytes into the status line ('headers'), or after
 * `n` bytes of the response body, or once the body holds a text (unread data
 * left in the socket makes the daemon's next write fail, as a reset would).
 * Resolves with what was received before the cut, once the socket is closed.
 */
export function cutRequest(socketPath: string, req: RawRequest, cut: Cut): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let got = Buffer.alloc(0);
    let bodyAt = -1;
    let done = false;
    const vanish = () => {
      if (done) return;
      done = true;
      s.destroy();
    };
    s.on('error', (e) => (done ? undefined : reject(e)));
    s.on('close', () => resolve(got));
    s.on('data', (c: Buffer) => {
      if (done) return;
      got = Buffer.concat([got, c]);
      if (cut === 'headers') return vanish();
      if (bodyAt < 0) {
        const i = got.indexOf('\r\n\r\n');
        if (i < 0) return;
        bodyAt = i + 4;
      }
      const body = got.subarray(bodyAt);
      if (typeof cut === 'number' ? body.length >= cut : typeof cut === 'object' && body.includes(cut.after)) vanish();
    });
    s.on('connect', () => {
      const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
      const headers = { Host: 'berth', ...(body ? { 'Content-Length': String(body.length) } : {}), ...req.headers };
      const head = `${req.method} ${req.path} HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
      const sent = () => {
        if (cut === 'request' || req.sendBytes !== undefined) vanish();
      };
      if (!body) s.write(head, sent);
      else {
        s.write(head);
        s.write(req.sendBytes === undefined ? body : body.subarray(0, req.sendBytes), sent);
      }
    });
  });
}
