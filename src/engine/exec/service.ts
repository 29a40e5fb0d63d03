// Exec sessions: a process started in a running container through conmon
// (`runc exec`), with its own stdio and exit code. Records live in memory, as in
// Docker: they go when the container stops.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execProcess, type AttachConnection, connectAttach, resizeTty } from '../../monitor';
import { badRequest, conflict, notFound } from '../../util/errors';
import { newId } from '../../util/ids';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import { containerAttributes } from '../events';
import { buildExecProcess } from '../containers/spec';
import { ExecStartError, type ExecConfig, type ExecRecord } from './types';

export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly ctx: EngineContext) {
    ctx.events.subscribe((e) => {
      if (e.Type === 'container' && (e.Action === 'die' || e.Action === 'destroy')) this.dropFor(e.Actor.ID);
    });
  }

  create(ref: string, cfg: ExecConfig): { Id: string } {
    const c = this.ctx.containers.get(ref);
    if (!c.State.Running) throw conflict(`container ${c.ID} is not running`);
    if (c.State.Paused) throw conflict(`Container ${c.ID} is paused, unpause the container before exec`);
    if (c.State.Restarting) throw conflict(`Container ${c.ID} is restarting, wait until the container is running`);
    if (!cfg.Cmd || cfg.Cmd.length === 0) throw badRequest('No exec command specified');
    if (cfg.WorkingDir && !cfg.WorkingDir.startsWith('/'))
      throw badRequest(`the working directory '${cfg.WorkingDir}' is invalid, it needs to be an absolute path`);
    const id = newId();
    const rec: ExecRecord = {
      ID: id,
      ContainerID: c.ID,
      Config: { ...cfg },
      Running: false,
      ExitCode: null,
      Pid: 0,
      dir: path.join(this.ctx.paths.execs, id),
      started: false,
    };
    this.execs.set(id, rec);
    c.ExecIDs = [...(c.ExecIDs ?? []), id];
    this.ctx.events.emit('container', `exec_create: ${execAction(cfg.Cmd)}`, c.ID, { ...containerAttributes(c), execID: id });
    return { Id: id };
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  inspect(id: string) {
    const e = this.get(id);
    return {
      ID: e.ID,
      Running: e.Running,
      ExitCode: e.ExitCode,
      ProcessConfig: {
        tty: !!e.Config.Tty,
        entrypoint: e.Config.Cmd?.[0] ?? '',
        arguments: e.Config.Cmd?.slice(1) ?? [],
        privileged: !!e.Config.Privileged,
        user: e.Config.User ?? '',
      },
      OpenStdin: !!e.Config.AttachStdin,
      OpenStderr: !!e.Config.AttachStderr,
      OpenStdout: !!e.Config.AttachStdout,
      CanRemove: !e.Running && e.started,
      ContainerID: e.ContainerID,
      DetachKeys: e.Config.DetachKeys ?? '',
      Pid: e.Pid,
    };
  }

  /**
   * Starts the process. With `attach`, `onAttach` gets conmon's attach connection
   * before the process runs. Resolves when the process has started; `exited`
   * resolves with its exit code.
   */
  async start(
    id: string,
    opts: { tty?: boolean; attach: boolean; onAttach?: (conn: AttachConnection) => void; consoleSize?: [number, number] | null },
  ): Promise<{ exited: Promise<number> }> {
    const e = this.get(id);
    // the start body's size wins over the create's
    if (opts.consoleSize) e.Config.ConsoleSize = opts.consoleSize;
    if (e.started) throw conflict(`Error: Exec command ${id} has already run`);
    const c = this.ctx.containers.get(e.ContainerID);
    if (!c.State.Running) throw conflict(`container ${c.ID} is not running`);
    if (c.State.Paused) throw conflict(`Container ${c.ID} is paused, unpause the container before exec`);
    e.started = true;
    const tty = opts.tty ?? !!e.Config.Tty;
    fs.mkdirSync(e.dir, { recursive: true, mode: 0o700 });
    // as dockerd: exec_start is announced before the process is set up, also when that fails
    this.ctx.events.emit('container', `exec_start: ${execAction(e.Config.Cmd ?? [])}`, c.ID, { ...containerAttributes(c), execID: e.ID });
    let proc;
    try {
      proc = await buildExecProcess(this.ctx, c, { ...e.Config, Tty: tty });
    } catch (err) {
      // an unknown user or group: dockerd's own message on the stream, exit code 126
      e.ExitCode = 126;
      leaveContainer(c, e.ID);
      fs.rmSync(e.dir, { recursive: true, force: true });
      throw new ExecStartError(500, (err as Error).message);
    }
    const bundle = path.join(this.ctx.paths.bundles, c.ID);
    let handle;
    try {
      handle = await execProcess(
        this.ctx.monitorConfig(c.HostConfig.Runtime),
        { containerId: c.ID, execId: e.ID, dir: e.dir, bundle, processSpec: proc, tty, stdin: !!e.Config.AttachStdin, attach: opts.attach },
        opts.attach
          ? async (sock) => {
              const conn = await connectAttach(sock);
              if (tty && e.Config.ConsoleSize && e.Config.ConsoleSize[0] > 0) resizeTty(e.dir, e.Config.ConsoleSize[0], e.Config.ConsoleSize[1]);
              opts.onAttach?.(conn);
            }
          : undefined,
      );
    } catch (err) {
      e.ExitCode = 126;
      const msg = (err as Error).message;
      if (/executable file not found|no such file or directory/.test(msg)) e.ExitCode = 127;
      leaveContainer(c, e.ID);
      fs.rmSync(e.dir, { recursive: true, force: true });
      throw new ExecStartError(e.ExitCode === 127 ? 404 : 500, `OCI runtime exec failed: ${msg}: unknown`);
    }
    e.Running = true;
    e.Pid = handle.pid;
    const exited = handle.exited.then((code) => {
      e.Running = false;
      e.ExitCode = code;
      leaveContainer(c, e.ID);
      this.ctx.events.emit('container', 'exec_die', c.ID, { ...containerAttributes(c), execID: e.ID, exitCode: String(code) });
      fs.rm(e.dir, { recursive: true, force: true }, () => {});
      return code;
    });
    exited.catch((err) => log().warn({ err }, 'exec wait failed'));
    return { exited };
  }

  /** Drops a finished session's record (health probes: they are not kept around). */
  forget(id: string): void {
    const e = this.execs.get(id);
    if (!e) return;
    this.execs.delete(id);
    const c = this.ctx.containers.find(e.ContainerID);
    if (c?.ExecIDs) {
      const rest = c.ExecIDs.filter((x) => x !== id);
      c.ExecIDs = rest.length ? rest : null;
    }
  }

  resize(id: string, h: number, w: number): void {
    const e = this.get(id);
    if (!e.Running) throw conflict(`Exec ${id} is not running`);
    resizeTty(e.dir, h, w);
  }

  private dropFor(containerId: string): void {
    for (const [id, e] of this.execs) {
      if (e.ContainerID === containerId && !e.Running) this.execs.delete(id);
    }
    const c = this.ctx.containers.find(containerId);
    if (c) c.ExecIDs = null;
  }
}

/** The command in an exec event's action as dockerd writes it: entrypoint, a space, the arguments ("cat " alone). */
function execAction(cmd: string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}

/** As dockerd: an exec that finished (or never started) leaves the container's ExecIDs; its record stays for exec inspect. */
function leaveContainer(c: { ExecIDs: string[] | null }, id: string): void {
  const rest = (c.ExecIDs ?? []).filter((x) => x !== id);
  c.ExecIDs = rest.length ? rest : null;
}
