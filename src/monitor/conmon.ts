// Launches conmon, the per-container monitor Podman and CRI-O use. conmon runs
// `runc create`, owns the container's stdio (logs, attach socket, pty) and writes
// the exit status to a file, so containers outlive berthd. The handshake follows
// conmon's pipes: we write the start pipe, it answers {"data": pid} on the sync pipe.
import * as net from 'node:net';
import type { Socket } from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipe, spawnNoFork } from '../sys/spawn';

export interface MonitorConfig {
  conmonPath: string;
  runtimePath: string;
  /** runc --root: berth's own runtime state dir */
  runtimeRoot: string;
  logLevel?: string;
}

export interface ContainerLaunch {
  id: string;
  name: string;
  bundle: string;
  exitDir: string;
  persistDir: string;
  /** k8s-file log path; null = no log (log driver none) */
  logPath: string | null;
  logSizeMax?: number;
  tty: boolean;
  stdin: boolean;
  leaveStdinOpen: boolean;
}

export interface ExecLaunch {
  containerId: string;
  execId: string;
  /** dir for this exec session: process.json, attach socket, exit dir */
  dir: string;
  /** the container's bundle dir (conmon reads its state from there) */
  bundle: string;
  processSpec: object;
  tty: boolean;
  stdin: boolean;
  attach: boolean;
}

class SyncReader {
  private buf = '';
  private waiters: Array<(msg: { data: number; message?: string } | null) => void> = [];
  private queue: Array<{ data: number; message?: string } | null> = [];

  constructor(sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        try {
          this.push(JSON.parse(line));
        } catch {
          this.push({ data: -1, message: line });
        }
      }
    });
    const end = () => {
      if (this.buf.trim()) {
        try {
          this.push(JSON.parse(this.buf));
        } catch {
          /* partial */
        }
        this.buf = '';
      }
      this.push(null);
    };
    sock.on('end', end);
    sock.on('error', end);
    sock.on('close', end);
  }

  private push(m: { data: number; message?: string } | null) {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  next(): Promise<{ data: number; message?: string } | null> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    return new Promise((res) => this.waiters.push(res));
  }
}

function baseArgs(cfg: MonitorConfig): string[] {
  return ['--api-version', '1', '-r', cfg.runtimePath, '--runtime-arg', '--root', '--runtime-arg', cfg.runtimeRoot, '--log-level', cfg.logLevel ?? 'error'];
}

function startConmon(
  cfg: MonitorConfig,
  args: string[],
  extraFds: number,
  cwd?: string,
): { streams: Socket[]; sync: SyncReader; start: Socket; attachPipe?: SyncReader } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
  if (extraFds > 2) env._OCI_ATTACHPIPE = '5';
  // conmon's pipes, as Podman makes them: its ends at 3 (sync), 4 (start), 5 (attach)
  const sync = pipe();
  const start = pipe();
  const attach = extraFds > 2 ? pipe() : undefined;
  const theirs = [sync[1], start[0], ...(attach ? [attach[1]] : [])];
  const fds: Record<number, number> = { 3: sync[1], 4: start[0] };
  if (attach) fds[5] = attach[1];
  try {
    // no fork of berthd (posix_spawn); a session of its own, so it outlives berthd
    spawnNoFork(cfg.conmonPath, args, { env, cwd, setsid: true, fds });
  } catch (e) {
    for (const fd of [sync[0], start[1], ...(attach ? [attach[0]] : [])]) fs.closeSync(fd);
    throw e;
  } finally {
    for (const fd of theirs) fs.closeSync(fd);
  }
  const syncSock = new net.Socket({ fd: sync[0], readable: true, writable: false });
  const startSock = new net.Socket({ fd: start[1], readable: false, writable: true });
  startSock.on('error', () => {});
  const attachSock = attach ? new net.Socket({ fd: attach[0], readable: true, writable: false }) : undefined;
  return {
    streams: [syncSock, startSock, ...(attachSock ? [attachSock] : [])],
    sync: new SyncReader(syncSock),
    start: startSock,
    attachPipe: attachSock ? new SyncReader(attachSock) : undefined,
  };
}

function closeAll(streams: Socket[]): void {
  for (const s of streams) s.destroy();
}

export class RuntimeCreateError extends Error {}

function cleanRuntimeMessage(msg: string | undefined): string {
  if (!msg) return 'container create failed';
  // runc emits logfmt or JSON lines in its log; keep the human part
  const lines = msg.split('\n').map((l) => {
    try {
      const j = JSON.parse(l);
      return typeof j.msg === 'string' ? j.msg : l;
    } catch {
      const m = /msg="((?:[^"\\]|\\.)*)"/.exec(l);
      return m ? m[1].replace(/\\"/g, '"') : l;
    }
  });
  return lines.filter(Boolean).join(': ').trim();
}

/** Runs conmon → `runc create`. Resolves with the container's init pid once it exists (not yet started). */
export async function createContainer(cfg: MonitorConfig, l: ContainerLaunch): Promise<{ pid: number; conmonPid: number }> {
  const args = [
    ...baseArgs(cfg),
    '-c',
    l.id,
    '-u',
    l.id,
    '-n',
    l.name,
    '-b',
    l.bundle,
    '-p',
    path.join(l.bundle, 'pidfile'),
    '-P',
    path.join(l.bundle, 'conmon.pid'),
    '--exit-dir',
    l.exitDir,
    '-0',
    l.persistDir,
    '--full-attach',
    '--socket-dir-path',
    l.bundle,
    '-l',
    l.logPath ? `k8s-file:${l.logPath}` : 'none',
  ];
  if (l.logPath && l.logSizeMax) args.push('--log-size-max', String(l.logSizeMax));
  if (l.tty) args.push('-t');
  if (l.stdin) args.push('-i');
  if (l.leaveStdinOpen) args.push('--leave-stdin-open');
  fs.rmSync(path.join(l.persistDir, 'exit'), { force: true });
  fs.rmSync(path.join(l.persistDir, 'oom'), { force: true });
  fs.rmSync(path.join(l.exitDir, l.id), { force: true });
  const { streams, sync, start } = startConmon(cfg, args, 2, l.bundle);
  try {
    start.write('0');
    const msg = await sync.next();
    if (!msg || msg.data < 0) {
      throw new RuntimeCreateError(cleanRuntimeMessage(msg?.message ?? readRuntimeLog(l.bundle)));
    }
    const conmonPid = Number(fs.readFileSync(path.join(l.bundle, 'conmon.pid'), 'utf8').trim());
    return { pid: msg.data, conmonPid };
  } finally {
    closeAll(streams);
  }
}

function readRuntimeLog(bundle: string): string | undefined {
  try {
    return fs.readFileSync(path.join(bundle, 'oci-log'), 'utf8');
  } catch {
    return undefined;
  }
}

export interface ExecHandle {
  pid: number;
  /** resolves with the exit code when the process ends */
  exited: Promise<number>;
  attachPath: string | null;
}

/**
 * Runs an exec session through conmon (`runc exec --detach`). When `attach` is
 * set, `onAttachReady` is called once conmon's attach socket exists, and the
 * process is started only after it resolves, so no output is lost.
 */
export async function execProcess(cfg: MonitorConfig, e: ExecLaunch, onAttachReady?: (socketPath: string) => Promise<void>): Promise<ExecHandle> {
  const exitDir = path.join(e.dir, 'exit');
  fs.mkdirSync(exitDir, { recursive: true });
  const specPath = path.join(e.dir, 'process.json');
  fs.writeFileSync(specPath, JSON.stringify(e.processSpec));
  const args = [
    ...baseArgs(cfg),
    '-c',
    e.containerId,
    '-u',
    e.execId,
    '-n',
    e.execId,
    '-b',
    e.dir,
    '-p',
    path.join(e.dir, 'exec_pid'),
    '--exit-dir',
    exitDir,
    '--full-attach',
    '--socket-dir-path',
    e.dir,
    '-l',
    'none',
    '-e',
    '--exec-process-spec',
    specPath,
  ];
  if (e.tty) args.push('-t');
  if (e.stdin) args.push('-i');
  if (e.attach) args.push('--exec-attach');
  const { streams, sync, start, attachPipe } = startConmon(cfg, args, e.attach ? 3 : 2, e.dir);
  let attachPath: string | null = null;
  try {
    start.write('0');
    if (e.attach && attachPipe) {
      const ready = await attachPipe.next();
      if (!ready || ready.data < 0) throw new RuntimeCreateError(cleanRuntimeMessage(ready?.message ?? 'exec attach failed'));
      attachPath = path.join(e.dir, 'attach');
      if (onAttachReady) await onAttachReady(attachPath);
      start.write('1');
    }
    const msg = await sync.next();
    if (!msg || msg.data < 0) {
      closeAll(streams);
      throw new RuntimeCreateError(cleanRuntimeMessage(msg?.message ?? readRuntimeLog(e.dir)));
    }
    const exited = (async () => {
      const m = await sync.next();
      closeAll(streams);
      if (m && m.data >= 0) return m.data;
      // conmon closes the sync pipe and writes the status to <exit-dir>/<session id>
      const file = path.join(exitDir, e.execId);
      for (let i = 0; i < 200; i++) {
        try {
          const t = fs.readFileSync(file, 'utf8').trim();
          if (t !== '') return Number(t);
        } catch {
          /* not yet */
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return -1;
    })();
    return { pid: msg.data, exited, attachPath };
  } catch (err) {
    closeAll(streams);
    throw err;
  }
}
