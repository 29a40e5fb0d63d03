// RUN: the step's command in a real container on berth's runtime, made and
// started through the container service (so `docker ps -a` shows it, as
// Docker shows its `Running in <id>` containers), with the step's env, user,
// workdir and the build's network mode and limits, no healthcheck, its
// output streamed into the build output. Its writable layer becomes the
// step's layer. Heredoc scripts are bind-mounted read-only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStep } from '../../builder';
import { defaultHostConfig, type HostConfig, type MountSpec } from '../../container';
import type { ImageRecord } from '../../image';
import { isMounted } from '../../storage';
import type { AttachConnection } from '../../monitor';
import { EngineError } from '../../util/errors';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import type { ContainerService } from '../containers/service';
import { stageDiff, type StagedDiff } from './commit';
import { short, StepError, type StepLog } from './output';
import { crashPoint } from '../../util/fault';
import type { StepMounts } from './mounts';

export interface RunSettings {
  networkMode: string;
  /** Entitlements the build was given (--allow): 'security.insecure', 'network.host'. */
  allow?: string[];
  /** Memory, CPU, shm, extra hosts, ulimits for the step containers. */
  hostConfig: Partial<HostConfig>;
}

export interface RunResult {
  container: string;
  diff: StagedDiff | undefined;
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** How long to wait for the last output after the process exited. */
const DRAIN_MS = 3000;

export class StepRunner {
  constructor(
    private readonly ctx: EngineContext,
    private readonly containers: ContainerService,
  ) {}

  /**
   * Runs the step in a new container on `image` and stages its changes.
   * The container is left for the caller to remove (or keep); on failure it
   * is removed here when `removeOnFailure`, and always when the build was
   * cancelled.
   */
  async run(
    image: ImageRecord,
    step: RunStep,
    s: RunSettings,
    out: StepLog,
    signal: AbortSignal,
    removeOnFailure: boolean,
    extra?: StepMounts,
    adoptUpper = false,
  ): Promise<RunResult> {
    const scriptDir = step.scripts.length ? fs.mkdtempSync(path.join(this.ctx.paths.tmp, 'build-scripts-')) : undefined;
    const mounts: MountSpec[] = [];
    for (const [i, sc] of step.scripts.entries()) {
      const f = path.join(scriptDir!, String(i));
      fs.writeFileSync(f, sc.data, { mode: sc.mode });
      fs.chmodSync(f, sc.mode);
      mounts.push({ Type: 'bind', Source: f, Target: sc.path, ReadOnly: true });
    }
    if (extra) mounts.push(...extra.specs);
    let id: string | undefined;
    try {
      id = this.containers.create({
        config: {
          Image: image.id,
          Cmd: step.args,
          Entrypoint: [''],
          Env: extra?.env.length ? [...step.env, ...extra.env] : step.env,
          User: step.user,
          WorkingDir: step.workdir,
          Labels: step.config.Labels ?? {},
          Healthcheck: { Test: ['NONE'] },
          AttachStdout: true,
          AttachStderr: true,
        },
        hostConfig: {
          ...defaultHostConfig(),
          ...s.hostConfig,
          // RUN --network=none|host; 'default' is the build's own network mode
          NetworkMode: step.network === 'none' || step.network === 'host' ? step.network : s.networkMode,
          ...(step.insecure ? { Privileged: true } : {}),
          // the output comes through attach: no log file to write
          LogConfig: { Type: 'none', Config: {} },
          Mounts: mounts.length ? mounts : undefined,
        },
      }).Id;
      out.line(` ---> Running in ${short(id)}`);
      const code = await this.execute(id, out, signal);
      if (signal.aborted) throw signal.reason ?? new Error('build cancelled');
      if (code !== 0) throw new StepError(`The command '${step.args.join(' ')}' returned a non-zero code: ${code}`, code);
      crashPoint('build.step');
      const c = this.containers.get(id);
      const upper = path.join(this.containers.lifecycle.paths.rwDir(c), 'upper');
      if (extra) {
        const lowers = this.ctx.layers.diffDirs(image.topLayer ?? null);
        extra.removeStubs(upper, step, (p) => lowers.some((d) => exists(path.join(d, p))));
      }
      // the upper dir becomes the layer when the container goes after the step and nothing has its rootfs mounted
      const adopt = adoptUpper && !isMounted(path.join(this.containers.lifecycle.paths.rwDir(c), 'merged'));
      const diff = await stageDiff(this.ctx, upper, { adopt });
      return { container: id, diff };
    } catch (e) {
      if (id && (removeOnFailure || signal.aborted)) {
        if (!signal.aborted) out.line(`Removing intermediate container ${short(id)}`);
        await this.remove(id);
      }
      throw e;
    } finally {
      if (scriptDir) fs.rmSync(scriptDir, { recursive: true, force: true });
    }
  }

  /** Starts the container with its output attached; resolves with the exit code once the output is drained. */
  private async execute(id: string, out: StepLog, signal: AbortSignal): Promise<number> {
    let conn: AttachConnection | undefined;
    let closed!: () => void;
    const drained = new Promise<void>((r) => (closed = r));
    const unregister = this.containers.lifecycle.attachOnStart(id, (c) => {
      conn = c;
      c.onData((stream, data) => out.output(stream, data));
      c.onClose(() => closed());
    });
    const kill = () => void this.containers.kill(id, 9).catch(() => undefined);
    signal.addEventListener('abort', kill, { once: true });
    try {
      await this.containers.start(id);
      const c = this.containers.get(id);
      const code = await this.containers.lifecycle.waiters.waitExit(c);
      if (conn) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, DRAIN_MS)))]);
        clearTimeout(timer);
        conn.close();
      }
      return code;
    } catch (e) {
      if (e instanceof EngineError) throw new StepError(e.message, 1);
      throw e;
    } finally {
      unregister();
      signal.removeEventListener('abort', kill);
    }
  }

  /** Removes a step container with its anonymous volumes; never throws. */
  async remove(id: string): Promise<void> {
    try {
      await this.containers.remove(id, { force: true, volumes: true });
    } catch (e) {
      log().warn({ err: e, id }, 'removing a build container failed');
    }
  }
}
