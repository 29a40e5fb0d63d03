// The CRI endpoint: gRPC on a unix socket, served in-process over the engine.
// Handlers are thin: decode -> sandboxes/containers/images -> shape.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SERVER_VERSION } from '../util/version';
import type { Backend } from '../engine';
import { log } from '../util/log';
import { Cni, type CniConfig } from './cni';
import { Containers } from './containers';
import { CriError, grpcStatus, notFoundCri } from './errors';
import { Images } from './images';
import { loadCri } from './proto';
import { kindOf, L_SANDBOX } from './meta';
import { Sandboxes } from './sandboxes';
import { Stats } from './stats';
import { StreamingServer } from './streaming';

export const CRI_API_VERSION = 'v1';

type Handler = (req: any) => Promise<unknown> | unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Wraps a handler: its answer or the gRPC status of what it threw. */
function unary(name: string, fn: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, cb) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => cb(null, res ?? {}),
        (e) => {
          const s = grpcStatus(e);
          if (s.code === grpc.status.UNKNOWN) log().warn({ err: e, rpc: name }, 'CRI request failed');
          cb({ code: s.code, details: s.details });
        },
      );
  };
}

export class CriServer {
  readonly sandboxes: Sandboxes;
  readonly containers: Containers;
  readonly images: Images;
  readonly stats: Stats;
  readonly streaming: StreamingServer;
  private readonly cni: Cni;
  private readonly server = new grpc.Server();
  private podCidr = '';
  private unwatch?: () => void;

  constructor(
    private readonly engine: Backend,
    private readonly cniConfig: CniConfig,
    /** the streaming server's address: loopback unless the operator says otherwise */
    private readonly streamHost = '127.0.0.1',
  ) {
    this.cni = new Cni(cniConfig);
    this.sandboxes = new Sandboxes(engine, this.cni);
    this.containers = new Containers(engine, this.sandboxes);
    this.images = new Images(engine);
    this.stats = new Stats(engine);
    this.streaming = new StreamingServer(engine);
    const svc = loadCri();
    this.server.addService(svc.RuntimeService, this.runtimeHandlers());
    this.server.addService(svc.ImageService, this.imageHandlers());
  }

  private runtimeHandlers(): grpc.UntypedServiceImplementation {
    const sb = this.sandboxes;
    const ct = this.containers;
    const h: Record<string, Handler> = {
      Version: () => ({ version: '0.1.0', runtime_name: 'berth', runtime_version: SERVER_VERSION, runtime_api_version: CRI_API_VERSION }),
      Status: (r) => {
        const { problem } = this.cni.load();
        return {
          status: {
            conditions: [
              { type: 'RuntimeReady', status: true, reason: '', message: '' },
              {
                type: 'NetworkReady',
                status: !problem,
                reason: problem ? 'NetworkPluginNotReady' : '',
                message: problem ? `Network plugin returns error: ${problem}` : '',
              },
            ],
          },
          info: r.verbose ? { config: JSON.stringify({ podCIDR: this.podCidr, cniConfDir: this.cniConfig.confDir, cniBinDirs: this.cniConfig.binDirs }) } : {},
          runtime_handlers: this.engine.system.runtimes().map((name) => ({ name, features: { recursive_read_only_mounts: false, user_namespaces: false } })),
          features: { supplemental_groups_policy: false },
        };
      },
      RuntimeConfig: () => ({ linux: { cgroup_driver: this.engine.system.cgroupDriver() === 'systemd' ? 'SYSTEMD' : 'CGROUPFS' } }),
      UpdateRuntimeConfig: (r) => {
        this.podCidr = r.runtime_config?.network_config?.pod_cidr ?? '';
        return {};
      },
      RunPodSandbox: async (r) => ({ pod_sandbox_id: await sb.run(r) }),
      StopPodSandbox: async (r) => {
        // idempotent (the contract): a pod already gone is stopped
        if (!r.pod_sandbox_id) sb.get('');
        const c = sb.find(r.pod_sandbox_id);
        if (c) await sb.stop(c, ct.ofSandbox(c.ID));
      },
      RemovePodSandbox: async (r) => {
        const c = sb.find(r.pod_sandbox_id);
        if (c) await sb.remove(c, ct.ofSandbox(c.ID));
      },
      PodSandboxStatus: (r) => {
        const c = sb.get(r.pod_sandbox_id);
        const res = sb.status(c, r.verbose);
        res.containers_statuses = ct.ofSandbox(c.ID).map((k) => ct.status(k));
        return res;
      },
      ListPodSandbox: (r) => ({ items: sb.list(r.filter ?? undefined) }),
      CreateContainer: async (r) => ({ container_id: await ct.create(r) }),
      StartContainer: async (r) => {
        const c = ct.get(r.container_id);
        const s = c.Config.Labels?.[L_SANDBOX];
        const pod = s ? sb.find(s) : undefined;
        if (!pod) throw notFoundCri(`sandbox of container ${c.ID} not found`);
        if (!pod.State.Running) throw new CriError(grpc.status.FAILED_PRECONDITION, `sandbox ${s} of container ${c.ID} is not ready`);
        await this.engine.containers.start(c.ID);
      },
      StopContainer: async (r) => {
        // idempotent (the contract): a container already gone is stopped
        const c = this.engine.containers.find(r.container_id ?? '');
        if (!r.container_id || (c && kindOf(c) === 'container')) await ct.stop(ct.get(r.container_id), Number(r.timeout) || 0);
      },
      RemoveContainer: async (r) => {
        const c = this.engine.containers.find(r.container_id);
        if (c && kindOf(c) === 'container') {
          await this.engine.containers.remove(c.ID, { force: true, volumes: true });
          this.stats.forget(c.ID);
        }
      },
      ListContainers: (r) => ({ containers: ct.list(r.filter ?? undefined) }),
      ContainerStatus: (r) => {
        const c = ct.get(r.container_id);
        return {
          status: ct.status(c),
          info: r.verbose ? { info: JSON.stringify({ pid: c.State.Pid, name: c.Name.slice(1), sandboxID: c.Config.Labels?.[L_SANDBOX] }) } : {},
        };
      },
      UpdateContainerResources: async (r) => {
        const c = ct.get(r.container_id);
        await this.engine.containers.update(c.ID, ct.resources(r.linux ?? undefined));
      },
      ReopenContainerLog: (r) => ct.reopenLog(ct.get(r.container_id)),
      ContainerStats: (r) => ({ stats: this.stats.of(ct.get(r.container_id)) }),
      ListContainerStats: (r) => {
        const f = r.filter ?? {};
        const ids = new Set(ct.list({ id: f.id ?? '', pod_sandbox_id: f.pod_sandbox_id ?? '', label_selector: f.label_selector ?? {} }).map((c) => c.id));
        return {
          stats: ct
            .all()
            .filter((c) => ids.has(c.ID) && c.State.Running)
            .map((c) => this.stats.of(c)),
        };
      },
      PodSandboxStats: (r) => {
        const c = sb.get(r.pod_sandbox_id);
        return { stats: this.stats.pod(c, ct.ofSandbox(c.ID)) };
      },
      ListPodSandboxStats: (r) => {
        const f = r.filter ?? {};
        return {
          stats: sb
            .list({ id: f.id ?? '', label_selector: f.label_selector ?? {} })
            .filter((p) => p.state === 'SANDBOX_READY')
            .map((p) => this.stats.pod(sb.get(p.id), ct.ofSandbox(p.id))),
        };
      },
      Exec: (r) => {
        const c = ct.get(r.container_id);
        if (!r.cmd?.length) throw new CriError(grpc.status.INVALID_ARGUMENT, 'cmd is a required field');
        if (!r.stdin && !r.stdout && !r.stderr) throw new CriError(grpc.status.INVALID_ARGUMENT, 'one of stdin, stdout, or stderr must be set');
        if (!c.State.Running) throw new CriError(grpc.status.FAILED_PRECONDITION, `container ${c.ID} is not running`);
        return { url: this.streaming.execUrl({ containerId: c.ID, cmd: r.cmd, tty: !!r.tty, stdin: !!r.stdin, stdout: !!r.stdout, stderr: !!r.stderr }) };
      },
      Attach: (r) => {
        const c = ct.get(r.container_id);
        if (!r.stdin && !r.stdout && !r.stderr) throw new CriError(grpc.status.INVALID_ARGUMENT, 'one of stdin, stdout, and stderr must be set');
        if (!c.State.Running) throw new CriError(grpc.status.FAILED_PRECONDITION, `container ${c.ID} is not running`);
        if (!!r.tty !== c.Config.Tty) throw new CriError(grpc.status.INVALID_ARGUMENT, `tty ${r.tty} does not match the container's (${c.Config.Tty})`);
        return {
          url: this.streaming.execUrl({
            kind: 'attach',
            containerId: c.ID,
            cmd: [],
            tty: !!r.tty,
            stdin: !!r.stdin && c.Config.OpenStdin,
            stdout: !!r.stdout,
            stderr: !!r.stderr,
          }),
        };
      },
      PortForward: (r) => {
        const c = sb.get(r.pod_sandbox_id);
        if (!c.State.Running) throw new CriError(grpc.status.FAILED_PRECONDITION, `pod sandbox ${c.ID} is not running`);
        const st = sb.state(c);
        const host = st.hostNetwork ? '127.0.0.1' : st.network?.ips[0];
        if (!host) throw new CriError(grpc.status.FAILED_PRECONDITION, `pod sandbox ${c.ID} has no IP address to forward to`);
        return { url: this.streaming.forwardUrl({ podId: c.ID, host, ports: (r.port ?? []).map(Number) }) };
      },
      ExecSync: (r) => ct.execSync(ct.get(r.container_id), r.cmd ?? [], Number(r.timeout) || 0),
    };
    return Object.fromEntries(Object.entries(h).map(([k, fn]) => [k, unary(k, fn)]));
  }

  private imageHandlers(): grpc.UntypedServiceImplementation {
    const im = this.images;
    const h: Record<string, Handler> = {
      ListImages: (r) => ({ images: im.list(r.filter?.image ?? undefined) }),
      ImageStatus: (r) => im.status(r.image, r.verbose),
      PullImage: async (r) => ({ image_ref: await im.pull(r.image, r.auth ?? undefined) }),
      RemoveImage: (r) => im.remove(r.image),
      ImageFsInfo: () => im.fsInfo(),
    };
    return Object.fromEntries(Object.entries(h).map(([k, fn]) => [k, unary(k, fn)]));
  }

  async listen(socket: string): Promise<void> {
    this.unwatch ??= this.sandboxes.watch();
    await this.streaming.listen(this.streamHost);
    fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o711 });
    fs.rmSync(socket, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => {
        if (err) return reject(err);
        fs.chmodSync(socket, 0o660);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.unwatch?.();
    this.streaming.close();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
