// Turning a create request (Config + HostConfig) into a container record:
// Docker's defaults, the merge with the image config, and validation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container, ContainerConfig, CreateConfig, CreateContainerRequest, HostConfig, RestartPolicy } from '../../container';
import type { ImageRecord } from '../../image';
import { badRequest, wrapError } from '../../util/errors';
import { newId, VALID_NAME } from '../../util/ids';
import { ZERO_TIME } from '../../util/time';
import type { EngineContext } from '../context';
import { mergeHealthcheck, validateHealthcheck } from './healthcheck';
import { validatePortBindings } from '../../network';
import { cgroupLayout } from '../../runtime/cgroups';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, normalizeCapabilities, parseSignal } from '../../runtime';
import { thermalThrottlePaths } from '../../runtime/host';

/** A create request as the API decoded it (typed, Docker's defaults in hostConfig). */
export type CreateRequest = CreateContainerRequest;

const RESTART_NAMES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);
const LOG_DRIVERS = new Set(['json-file', 'none', 'k8s-file', 'local']);

export function validateRestartPolicy(p: RestartPolicy, autoRemove: boolean): void {
  if (!RESTART_NAMES.has(p.Name)) throw badRequest(`invalid restart policy '${p.Name}'`);
  if (p.MaximumRetryCount < 0) throw badRequest('invalid restart policy: maximum retry count cannot be negative');
  if ((p.Name === 'always' || p.Name === 'unless-stopped') && p.MaximumRetryCount > 0)
    throw badRequest(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (autoRemove && p.Name !== '' && p.Name !== 'no') throw badRequest("can't create 'AutoRemove' container with restart policy");
}

/**
 * The create-time checks of a HostConfig that need nothing but the request
 * (Docker's verifyContainerSettings): the one place each of these concepts is
 * validated. Resources are checked with the runtime's rules in spec.ts.
 */
export function validateHostConfig(hc: HostConfig): void {
  validateRestartPolicy(hc.RestartPolicy, hc.AutoRemove);
  validatePortBindings(hc.PortBindings);
  if (hc.ShmSize < 0) throw badRequest('SHM size can not be less than 0');
  if (hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000) throw badRequest(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  // dockerd names the list at fault: `invalid CapAdd: unknown capability: "CAP_NOPE"`
  for (const [field, list] of [
    ['CapAdd', hc.CapAdd],
    ['CapDrop', hc.CapDrop],
  ] as const) {
    try {
      normalizeCapabilities(list ?? []);
    } catch (e) {
      throw wrapError(e, `invalid ${field}`);
    }
  }
}

export function validateLogConfig(lc: { Type: string; Config: Record<string, string> }): void {
  if (!LOG_DRIVERS.has(lc.Type)) throw badRequest(`logger: no log driver named '${lc.Type}' is registered`);
  for (const [k, v] of Object.entries(lc.Config ?? {})) {
    if (k === 'max-size') {
      if (!/^\d+(\.\d+)?\s*([kmgtp]?i?b?)?$/i.test(v)) throw badRequest(`failed to parse max-size: invalid size: '${v}'`);
    } else if (k === 'max-file') {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw badRequest(`max-file cannot be less than 1`);
    } else if (!['compress', 'labels', 'env', 'env-regex', 'tag', 'mode', 'max-buffer-size'].includes(k)) {
      throw badRequest(`unknown log opt '${k}' for ${lc.Type} log driver`);
    }
  }
}

function mergeEnv(image: string[] = [], own: string[] = []): string[] {
  const out = [...image];
  for (const e of own) {
    const k = e.split('=')[0];
    const i = out.findIndex((x) => x.split('=')[0] === k);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

/** The image's VOLUMEs and the request's (-v /path) together, as Docker merges them. */
function mergeVolumes(image?: Record<string, object> | null, own?: Record<string, object> | null): Record<string, object> | null {
  const out = { ...(image ?? {}), ...(own ?? {}) };
  return Object.keys(out).length ? out : null;
}

/** Docker's rule: an entrypoint given at create drops the image's CMD. */
export function resolveCommand(cfg: Pick<CreateConfig, 'Entrypoint' | 'Cmd'>, img: ImageRecord): { entrypoint: string[] | null; cmd: string[] | null } {
  const ic = img.config.config ?? {};
  const epGiven = cfg.Entrypoint !== undefined && cfg.Entrypoint !== null;
  let entrypoint = epGiven ? cfg.Entrypoint! : (ic.Entrypoint ?? null);
  if (epGiven && entrypoint!.length === 1 && entrypoint![0] === '') entrypoint = null;
  let cmd = cfg.Cmd !== undefined && cfg.Cmd !== null ? cfg.Cmd : epGiven ? null : (ic.Cmd ?? null);
  if (cmd && cmd.length === 0) cmd = null;
  return { entrypoint, cmd };
}

export function buildContainer(ctx: EngineContext, req: CreateRequest, img: ImageRecord): Container {
  const c: CreateConfig = req.config ?? {};
  const id = newId();
  if (req.name !== undefined && req.name !== '' && !VALID_NAME.test(req.name))
    throw badRequest(`Invalid container name (${req.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  const hc: HostConfig = req.hostConfig;
  if (hc.RestartPolicy.Name === '') hc.RestartPolicy.Name = 'no';
  validateHostConfig(hc);
  // what dockerd's create fills in, so that inspect shows what the container gets: the
  // daemon's shm size and the default masked and read-only paths (none when privileged);
  // a swappiness of -1 and a pids limit of 0 are "not set"
  if (!hc.ShmSize) hc.ShmSize = ctx.cfg.shmSize;
  if (hc.MemorySwappiness === -1) hc.MemorySwappiness = null;
  if (hc.PidsLimit === 0) hc.PidsLimit = null;
  if (!hc.Privileged && !hc.MaskedPaths?.length) hc.MaskedPaths = [...DEFAULT_MASKED_PATHS, ...thermalThrottlePaths()];
  if (!hc.Privileged && !hc.ReadonlyPaths?.length) hc.ReadonlyPaths = [...DEFAULT_READONLY_PATHS];
  if (!hc.LogConfig || !hc.LogConfig.Type) hc.LogConfig = { Type: ctx.cfg.logDriver, Config: { ...ctx.cfg.logOpts, ...(hc.LogConfig?.Config ?? {}) } };
  hc.LogConfig.Config ??= {};
  validateLogConfig(hc.LogConfig);
  if (!hc.Runtime) hc.Runtime = ctx.cfg.defaultRuntime;
  if (!ctx.cfg.runtimes[hc.Runtime]) throw badRequest(`unknown or invalid runtime name: ${hc.Runtime}`);
  if (!hc.NetworkMode) hc.NetworkMode = 'default';
  // the daemon's defaults (default-ipc-mode, default-cgroupns-mode) for what the request leaves empty
  if (!hc.IpcMode) hc.IpcMode = ctx.cfg.defaultIpcMode;
  if (!hc.CgroupnsMode) hc.CgroupnsMode = ctx.cfg.defaultCgroupnsMode ?? (cgroupLayout().mode === 'v2' ? 'private' : 'host');

  validateHealthcheck(c.Healthcheck);
  const ic = img.config.config ?? {};
  const { entrypoint, cmd } = resolveCommand(c, img);
  const args = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (args.length === 0) throw badRequest('No command specified');

  const config: ContainerConfig = {
    Hostname: c.Hostname || id.slice(0, 12),
    Domainname: c.Domainname ?? '',
    User: c.User || ic.User || '',
    AttachStdin: !!c.AttachStdin,
    AttachStdout: !!c.AttachStdout,
    AttachStderr: !!c.AttachStderr,
    ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(c.ExposedPorts ?? {}) },
    Tty: !!c.Tty,
    OpenStdin: !!c.OpenStdin,
    StdinOnce: !!c.StdinOnce,
    Env: mergeEnv(ic.Env, c.Env ?? []),
    Cmd: cmd,
    Healthcheck: mergeHealthcheck(c.Healthcheck, ic.Healthcheck),
    Image: c.Image!,
    Volumes: mergeVolumes(ic.Volumes, c.Volumes),
    WorkingDir: c.WorkingDir || ic.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(ic.Labels ?? {}), ...(c.Labels ?? {}) },
    StopSignal: c.StopSignal || ic.StopSignal,
    StopTimeout: c.StopTimeout ?? undefined,
  };
  if (config.ExposedPorts && Object.keys(config.ExposedPorts).length === 0) delete config.ExposedPorts;
  if (!config.Healthcheck) delete config.Healthcheck;
  const shell = c.Shell && c.Shell.length ? c.Shell : ic.Shell;
  if (shell && shell.length) config.Shell = [...shell];
  // as dockerd's create: an unknown stop signal is refused now, not at the first stop (`Invalid signal: BOGUS`)
  if (config.StopSignal) parseSignal(config.StopSignal);
  if (config.WorkingDir && !path.posix.isAbsolute(config.WorkingDir))
    throw badRequest(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);

  const dir = ctx.containers.dir(id);
  const container: Container = {
    ID: id,
    Created: new Date().toISOString(),
    Path: args[0],
    Args: args.slice(1),
    Config: config,
    Image: img.id,
    Name: '',
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    State: {
      Status: 'created',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 0,
      ExitCode: 0,
      Error: '',
      StartedAt: ZERO_TIME,
      FinishedAt: ZERO_TIME,
    },
    ExecIDs: null,
    HasBeenStartedBefore: false,
    HasBeenManuallyStopped: false,
    LogPath: hc.LogConfig.Type === 'none' ? '' : path.join(dir, `${id}-json.log`),
    MountPoints: [],
    MonitorPid: 0,
    ImageTopLayer: img.topLayer,
    HostConfig: hc,
  };
  return container;
}

/** Files in the init layer: mount points that must not show in `diff`, and /.dockerenv. */
function prepareInitLayer(initDir: string): void {
  for (const d of ['dev/pts', 'dev/shm', 'dev/mqueue', 'proc', 'sys/fs/cgroup', 'etc']) fs.mkdirSync(path.join(initDir, d), { recursive: true, mode: 0o755 });
  for (const f of ['.dockerenv', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'dev/console']) fs.writeFileSync(path.join(initDir, f), '', { mode: 0o755 });
}

/**
 * The init layer every container shares (its content is the same for all, and a
 * lower layer is never written): made once under `containersRoot`, complete or not
 * at all (built aside, then renamed into place). A container's `rootfs-rw/init` is
 * a link to it, which saves a dozen files per create and per removal.
 */
export function sharedInitLayer(containersRoot: string): string {
  const dir = path.join(containersRoot, 'init');
  if (fs.existsSync(dir)) return dir;
  // what a crash in here left
  for (const n of fs.readdirSync(containersRoot)) if (n.startsWith('.init-')) fs.rmSync(path.join(containersRoot, n), { recursive: true, force: true });
  const tmp = fs.mkdtempSync(path.join(containersRoot, '.init-'));
  prepareInitLayer(tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, dir);
  return dir;
}
