// Zero-config: when the default socket has no daemon, `berth <cmd>` starts
// berthd in the background with the defaults and waits for its socket.
import type * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const DEFAULT_HOST = 'unix:///run/berth.sock';
export const DAEMON_LOG = '/var/log/berthd.log';
/** bin/berthd of this checkout: above dist/src/cli (tsc output) or dist/ (the bundle). */
function berthdPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'bin', 'berthd');
    if (fs.existsSync(p) || path.dirname(dir) === dir) return p;
  }
}

export function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Starts berthd detached, logging to DAEMON_LOG; resolves once its socket answers. */
export async function startDaemon(socketPath: string, say: (s: string) => void): Promise<void> {
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`Cannot connect to the berth daemon at unix://${socketPath}. Is the berth daemon running? (starting it needs root)`);
  }
  say(`berthd is not running: starting it in the background (log: ${DAEMON_LOG})\n`);
  const log = fs.openSync(DAEMON_LOG, 'a');
  const { spawn } = require('node:child_process') as typeof childProcess;
  const child = spawn(process.execPath, [berthdPath()], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await canConnect(socketPath)) return;
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = fs.readFileSync(DAEMON_LOG, 'utf8').trim().split('\n').slice(-5).join('\n');
  throw new Error(`berthd did not start${exited !== null ? ` (exit status ${exited})` : ''}; see ${DAEMON_LOG}:\n${tail}`);
}
