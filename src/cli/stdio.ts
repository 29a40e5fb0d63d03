// The terminal side of attach/run/exec: stdin → hijacked socket (raw mode and
// detach keys for a TTY), socket → stdout/stderr (demultiplexed without a TTY),
// and the TTY size sent to the daemon at start and on SIGWINCH.
import { spawnSync } from 'node:child_process';
import type * as net from 'node:net';
import { demux } from '../client/streams';
import { DetachScanner, parseDetachKeys, DEFAULT_DETACH_KEYS } from '../util/detachkeys';

export interface PumpOptions {
  socket: net.Socket;
  head: Buffer;
  tty: boolean;
  /** forward our stdin (and half-close the socket at EOF) */
  stdin: boolean;
  detachKeys?: string;
}

export type PumpResult = 'done' | 'detached';

let rawRestore: (() => void) | undefined;

/** Puts our terminal in raw mode for a TTY session; restored by restoreTerminal(). */
export function setRawTerminal(): void {
  const stdin = process.stdin;
  if (!stdin.isTTY || rawRestore) return;
  stdin.setRawMode(true);
  // libuv's raw mode keeps output processing (ONLCR), so the container's
  // "\r\n" would reach the screen as "\r\r\n"; Docker's raw mode clears OPOST.
  // setRawMode(false) puts back the termios saved before, OPOST included.
  spawnSync('stty', ['-opost'], { stdio: [0, 'ignore', 'ignore'] });
  rawRestore = () => stdin.setRawMode(false);
  process.once('exit', restoreTerminal);
}

export function restoreTerminal(): void {
  rawRestore?.();
  rawRestore = undefined;
}

export function pumpStreams(o: PumpOptions): Promise<PumpResult> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const stdin = process.stdin;
    const onStdin = (d: Buffer) => {
      if (scanner) {
        const { forward, detach } = scanner.feed(d);
        if (forward.length) o.socket.write(forward);
        if (detach) return finish('detached');
        return;
      }
      o.socket.write(d);
    };
    const onStdinEnd = () => {
      if (!finished) o.socket.end();
    };
    const finish = (r: PumpResult) => {
      if (finished) return;
      finished = true;
      if (o.stdin) {
        stdin.off('data', onStdin);
        stdin.off('end', onStdinEnd);
        stdin.pause();
      }
      if (r === 'detached') o.socket.destroy();
      resolve(r);
    };
    // client-side escape detection, as docker does, so a detach needs no round trip
    const scanner = o.tty && o.stdin ? new DetachScanner(parseDetachKeys(o.detachKeys || DEFAULT_DETACH_KEYS)) : undefined;
    if (o.stdin) {
      stdin.on('data', onStdin);
      stdin.on('end', onStdinEnd);
      stdin.resume();
    }
    const out = (d: Buffer) => process.stdout.write(d);
    const err = (d: Buffer) => process.stderr.write(d);
    if (o.tty) {
      if (o.head.length) out(o.head);
      o.socket.on('data', out);
      o.socket.on('end', () => finish('done'));
      o.socket.on('close', () => finish('done'));
      o.socket.on('error', (e) => (finished ? undefined : reject(e)));
    } else {
      demux(o.socket, out, err, o.head).then(
        () => finish('done'),
        (e) => (finished ? undefined : reject(e)),
      );
    }
  });
}

/** Sends the terminal size now and whenever it changes; returns a stop function. */
export function monitorTtySize(resize: (h: number, w: number) => Promise<unknown>): () => void {
  if (!process.stdout.isTTY) return () => {};
  const send = () => {
    const [w, h] = process.stdout.getWindowSize();
    resize(h, w).catch(() => {});
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}

/**
 * An interactive session on a hijacked connection: raw mode for a TTY with
 * stdin, the TTY size kept in sync through `resize`, terminal restored after.
 */
export async function runSession(o: PumpOptions & { resize: (h: number, w: number) => Promise<unknown> }): Promise<PumpResult> {
  if (o.tty && o.stdin) setRawTerminal();
  const stopResize = o.tty ? monitorTtySize(o.resize) : () => {};
  try {
    return await pumpStreams(o);
  } finally {
    restoreTerminal();
    stopResize();
  }
}
