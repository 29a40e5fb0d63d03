// CRI containers: engine containers that join their sandbox's namespaces
// (network, IPC, UTS; PID when the pod shares it) and log where the kubelet
// reads, in the CRI log format conmon writes natively (k8s-file).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { Container, HostConfig } from '../container/types';
import type { Backend } from '../engine';
import { killTree } from '../util/proctree';
import { CriError, invalid, notFoundCri } from './errors';
import {
  containerName,
  jsonLabel,
  kindOf,
  L_ANNOTATIONS,
  L_CONTAINER_NAME,
  L_IMAGE,
  L_KIND,
  L_LABELS,
  L_META,
  L_POD_NAME,
  L_POD_NAMESPACE,
  L_POD_UID,
  L_SANDBOX,
  matchLabels,
  ns,
  withDefaults,
  type ContainerMeta,
} from './meta';
import type { Sandboxes } from './sandboxes';
import type * as T from './types';

const MAX_EXEC_OUTPUT = 16 << 20;
const REOPEN_TIMEOUT_MS = 10_000;

export class Containers {
  constructor(
    private readonly engine: Backend,
    private readonly sandboxes: Sandboxes,
  ) {}

  get(id: string): Container {
    if (!id) throw invalid('ContainerId should not be empty');
    const c = this.engine.containers.find(id);
    if (!c || kindOf(c) !== 'container') throw notFoundCri(`an error occurred when try to find container "${id}": not found`);
    return c;
  }

  all(): Container[] {
    return this.engine.containers.all().filter((c) => kindOf(c) === 'container');
  }

  ofSandbox(sandboxId: string): Container[] {
    return this.all().filter((c) => c.Config.Labels?.[L_SANDBOX] === sandboxId);
  }

  meta(c: Container): ContainerMeta {
    return jsonLabel(c, L_META, { name: '', attempt: 0 });
  }

  async create(req: { pod_sandbox_id: string; config?: T.ContainerConfig }): Promise<string> {
    const sb = this.sandboxes.get(req.pod_sandbox_id);
    const cfg = req.config;
    if (!cfg?.metadata?.name) throw invalid('container config must include metadata.name');
    if (!cfg.image?.image) throw invalid('container config must include image');
    if (!sb.State.Running) throw new CriError(Status.FAILED_PRECONDITION, `sandbox container "${sb.ID}" is not running`);
    const img = this.engine.images.find(cfg.image.image);
    if (!img) throw notFoundCri(`failed to get image "${cfg.image.image}": image not found`);
    const pod = this.sandboxes.meta(sb);
    const sbState = this.sandboxes.state(sb);
    const meta: ContainerMeta = { name: cfg.metadata.name, attempt: cfg.metadata.attempt ?? 0 };
    const sec = cfg.linux?.security_context;
    const res = cfg.linux?.resources;
    const nsOpts = sec?.namespace_options ?? {};
    const join = `container:${sb.ID}`;
    const hc: Partial<HostConfig> = {
      NetworkMode: sbState.hostNetwork ? 'host' : join,
      IpcMode: sbState.namespaceOptions.ipc === 'NODE' ? 'host' : join,
      UTSMode: sbState.hostNetwork ? 'host' : join,
      PidMode: nsOpts.pid === 'NODE' ? 'host' : nsOpts.pid === 'POD' ? join : nsOpts.pid === 'TARGET' ? `container:${this.get(nsOpts.target_id ?? '').ID}` : '',
      Binds: (cfg.mounts ?? []).map(bindOf),
      Devices: (cfg.devices ?? []).map((d) => ({ PathOnHost: d.host_path, PathInContainer: d.container_path, CgroupPermissions: d.permissions || 'rwm' })),
      Privileged: !!sec?.privileged,
      ReadonlyRootfs: !!sec?.readonly_rootfs,
      CapAdd: sec?.capabilities?.add_capabilities?.length ? sec.capabilities.add_capabilities : null,
      CapDrop: sec?.capabilities?.drop_capabilities?.length ? sec.capabilities.drop_capabilities : null,
      GroupAdd: sec?.supplemental_groups?.length ? sec.supplemental_groups.map(String) : null,
      SecurityOpt: securityOpts(sec),
      MaskedPaths: sec?.masked_paths?.length ? sec.masked_paths : undefined,
      ReadonlyPaths: sec?.readonly_paths?.length ? sec.readonly_paths : undefined,
      ...this.resources(res),
      OomScoreAdj: res?.oom_score_adj || 0,
      CgroupParent: sb.HostConfig.CgroupParent || '',
      Runtime: sb.HostConfig.Runtime,
    };
    for (const m of cfg.mounts ?? []) {
      if (!m.container_path || !path.isAbsolute(m.container_path)) throw invalid(`mount container path "${m.container_path}" must be absolute`);
      if (!m.host_path) throw invalid(`mount for "${m.container_path}" has no host path`);
    }
    const envs = (cfg.envs ?? []).map((e) => `${e.key}=${Buffer.isBuffer(e.value) ? e.value.toString() : e.value}`);
    if (envs.some((e) => e.startsWith('='))) throw invalid('environment variable with an empty name');
    const user = sec?.run_as_username || (sec?.run_as_user ? String(sec.run_as_user.value) : '');
    // a group alone would run as the image's user with another group: the kubelet never asks that
    if (sec?.run_as_group && !user) throw invalid(`user group "${sec.run_as_group.value}" is specified without user or username`);
    const { Id } = this.engine.containers.create({
      name: containerName(meta, pod),
      config: {
        Image: img.id,
        Entrypoint: cfg.command?.length ? cfg.command : undefined,
        Cmd: cfg.args?.length ? cfg.args : undefined,
        Env: envs,
        WorkingDir: cfg.working_dir || undefined,
        User: user && sec?.run_as_group ? `${user}:${sec.run_as_group.value}` : user || undefined,
        Tty: !!cfg.tty,
        OpenStdin: !!cfg.stdin,
        StdinOnce: !!cfg.stdin_once,
        Labels: {
          [L_KIND]: 'container',
          [L_SANDBOX]: sb.ID,
          [L_META]: JSON.stringify(meta),
          [L_LABELS]: JSON.stringify(cfg.labels ?? {}),
          [L_ANNOTATIONS]: JSON.stringify(cfg.annotations ?? {}),
          [L_IMAGE]: cfg.image.image,
          [L_POD_NAME]: pod.name,
          [L_POD_NAMESPACE]: pod.namespace,
          [L_POD_UID]: pod.uid,
          [L_CONTAINER_NAME]: meta.name,
        },
      },
      hostConfig: withDefaults(hc),
    });
    if (sbState.logDirectory && cfg.log_path) {
      // the kubelet reads <log_directory>/<log_path>; conmon writes it in CRI's format
      const logPath = path.join(sbState.logDirectory, cfg.log_path);
      fs.mkdirSync(path.dirname(logPath), { recursive: true, mode: 0o755 });
      this.engine.containers.setLogPath(Id, logPath);
    }
    return Id;
  }

  /** CRI resources in the engine's HostConfig terms (create and UpdateContainerResources). */
  resources(res: T.LinuxContainerResources | undefined): Partial<HostConfig> {
    return {
      CpuShares: res?.cpu_shares || 0,
      CpuQuota: res?.cpu_quota || 0,
      CpuPeriod: res?.cpu_period || 0,
      Memory: res?.memory_limit_in_bytes || 0,
      MemorySwap: res?.memory_swap_limit_in_bytes || 0,
      CpusetCpus: res?.cpuset_cpus || '',
      CpusetMems: res?.cpuset_mems || '',
    };
  }

  async stop(c: Container, timeoutSec: number): Promise<void> {
    if (!c.State.Running) return;
    const sig = c.Config.StopSignal ? undefined : 15;
    await this.engine.containers.stop(c.ID, sig, Math.max(0, timeoutSec));
  }

  state(c: Container): T.ContainerState {
    if (c.State.Running) return 'CONTAINER_RUNNING';
    if (c.State.Status === 'created') return 'CONTAINER_CREATED';
    if (c.State.Status === 'exited' || c.State.Status === 'dead') return 'CONTAINER_EXITED';
    return 'CONTAINER_UNKNOWN';
  }

  summary(c: Container): T.Container {
    const image = c.Config.Labels?.[L_IMAGE] ?? c.Image;
    return {
      id: c.ID,
      pod_sandbox_id: c.Config.Labels?.[L_SANDBOX] ?? '',
      metadata: this.meta(c),
      image: { image },
      image_ref: c.Image,
      state: this.state(c),
      created_at: ns(c.Created),
      labels: jsonLabel(c, L_LABELS, {}),
      annotations: jsonLabel(c, L_ANNOTATIONS, {}),
      image_id: c.Image,
    };
  }

  status(c: Container): T.ContainerStatus {
    const s = this.summary(c);
    const st = s.state;
    let reason = '';
    if (st === 'CONTAINER_EXITED') reason = c.State.OOMKilled ? 'OOMKilled' : c.State.ExitCode === 0 ? 'Completed' : 'Error';
    return {
      id: s.id,
      metadata: s.metadata,
      state: st,
      created_at: s.created_at,
      started_at: ns(c.State.StartedAt),
      finished_at: st === 'CONTAINER_EXITED' ? ns(c.State.FinishedAt) : '0',
      exit_code: st === 'CONTAINER_EXITED' ? c.State.ExitCode : 0,
      image: s.image,
      image_ref: s.image_ref,
      reason,
      message: c.State.Error ?? '',
      labels: s.labels,
      annotations: s.annotations,
      mounts: (c.MountPoints ?? [])
        .filter((m) => m.Type === 'bind')
        .map((m) => ({ container_path: m.Destination, host_path: m.Source, readonly: !m.RW, propagation: propagationOf(m.Propagation) })),
      log_path: c.LogPath,
      image_id: s.image_id,
    };
  }

  list(f: T.ContainerFilter | undefined): T.Container[] {
    return this.all()
      .filter((c) => !f?.id || c.ID.startsWith(f.id))
      .filter((c) => !f?.pod_sandbox_id || (c.Config.Labels?.[L_SANDBOX] ?? '').startsWith(f.pod_sandbox_id))
      .map((c) => this.summary(c))
      .filter((c) => !f?.state || c.state === f.state.state)
      .filter((c) => matchLabels(c.labels, f?.label_selector));
  }

  /**
   * The kubelet moved the log away (rotation): conmon opens the path again. The
   * answer waits for the new file, as the kubelet reads it right after.
   */
  async reopenLog(c: Container): Promise<void> {
    if (!c.State.Running) throw new CriError(Status.FAILED_PRECONDITION, `container ${c.ID} is not running`);
    if (!c.LogPath) throw new CriError(Status.FAILED_PRECONDITION, `container ${c.ID} has no log`);
    const file = c.LogPath;
    const dir = path.dirname(file);
    await new Promise<void>((resolve, reject) => {
      let watcher: fs.FSWatcher | undefined;
      const done = (e?: Error) => {
        clearTimeout(timer);
        watcher?.close();
        if (e) reject(e);
        else resolve();
      };
      const timer = setTimeout(() => done(new CriError(Status.DEADLINE_EXCEEDED, `container ${c.ID} did not reopen its log ${file}`)), REOPEN_TIMEOUT_MS);
      try {
        // watched before asking, so the creation cannot slip between the two
        watcher = fs.watch(dir, () => {
          if (fs.existsSync(file)) done();
        });
      } catch (e) {
        return done(e as Error);
      }
      this.engine.containers.reopenLog(c.ID);
      if (fs.existsSync(file)) done();
    });
  }

  /** A command to its end, its output kept apart; past the timeout it is killed and DeadlineExceeded answers. */
  async execSync(c: Container, cmd: string[], timeoutSec: number): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
    if (!cmd.length) throw invalid('exec command must not be empty');
    if (!c.State.Running) throw new CriError(Status.FAILED_PRECONDITION, `container ${c.ID} is not running`);
    const exec = this.engine.exec;
    const { Id } = exec.create(c.ID, { Cmd: cmd, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let drained: Promise<void> = Promise.resolve();
    try {
      const { exited } = await exec.start(Id, {
        tty: false,
        attach: true,
        onAttach: (conn) => {
          drained = new Promise((r) => conn.onClose(r));
          conn.onData((s, d) => {
            if ((size += d.length) > MAX_EXEC_OUTPUT) return;
            (s === 'stderr' ? err : out).push(d);
          });
        },
      });
      let timedOut = false;
      const timer =
        timeoutSec > 0
          ? setTimeout(() => {
              timedOut = true;
              const rec = exec.get(Id);
              if (rec.Running && rec.Pid > 1) killTree(rec.Pid, 'SIGKILL');
            }, timeoutSec * 1000)
          : undefined;
      let code: number;
      try {
        code = await exited;
      } finally {
        if (timer) clearTimeout(timer);
      }
      if (timedOut) throw new CriError(Status.DEADLINE_EXCEEDED, `command ${JSON.stringify(cmd.join(' '))} timed out after ${timeoutSec}s`);
      await drained;
      return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit_code: code };
    } finally {
      exec.forget(Id);
    }
  }
}

function bindOf(m: T.Mount): string {
  const opts = [m.readonly ? 'ro' : 'rw'];
  if (m.propagation === 'PROPAGATION_BIDIRECTIONAL') opts.push('rshared');
  else if (m.propagation === 'PROPAGATION_HOST_TO_CONTAINER') opts.push('rslave');
  else opts.push('rprivate');
  // SELinux relabel is accepted; berth runs without SELinux labels
  return `${m.host_path}:${m.container_path}:${opts.join(',')}`;
}

function propagationOf(p: string): T.Mount['propagation'] {
  if (p === 'rshared' || p === 'shared') return 'PROPAGATION_BIDIRECTIONAL';
  if (p === 'rslave' || p === 'slave') return 'PROPAGATION_HOST_TO_CONTAINER';
  return 'PROPAGATION_PRIVATE';
}

type SecurityContext = NonNullable<NonNullable<T.ContainerConfig['linux']>['security_context']>;

function securityOpts(sec: SecurityContext | undefined): string[] | null {
  const o: string[] = [];
  if (sec?.no_new_privs) o.push('no-new-privileges');
  const sc = seccompOf(sec);
  if (sc.profile_type === 'Unconfined') o.push('seccomp=unconfined');
  else if (sc.profile_type === 'Localhost') {
    if (!sc.localhost_ref) throw invalid('seccomp profile type Localhost needs a localhost_ref');
    let profile: string;
    try {
      profile = fs.readFileSync(sc.localhost_ref, 'utf8');
    } catch (e) {
      throw invalid(`cannot load seccomp profile "${sc.localhost_ref}": ${(e as Error).message}`);
    }
    // the engine takes the profile's contents, as the docker CLI sends them
    o.push(`seccomp=${profile}`);
  }
  return o.length ? o : null;
}

/**
 * The profile asked for. No profile at all is Unconfined (the contract: the
 * kubelet sends RuntimeDefault explicitly); the deprecated path field speaks
 * for an older kubelet that sent no `seccomp`.
 */
function seccompOf(sec: SecurityContext | undefined): T.SecurityProfile {
  if (sec?.seccomp) return sec.seccomp;
  const p = sec?.seccomp_profile_path ?? '';
  if (p === 'runtime/default' || p === 'docker/default') return { profile_type: 'RuntimeDefault', localhost_ref: '' };
  if (p.startsWith('localhost/')) return { profile_type: 'Localhost', localhost_ref: p.slice('localhost/'.length) };
  if (p === '' || p === 'unconfined') return { profile_type: 'Unconfined', localhost_ref: '' };
  throw invalid(`unknown seccomp profile path "${p}"`);
}
