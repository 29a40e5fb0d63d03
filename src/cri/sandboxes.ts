// Pod sandboxes: an infra container (catatonit) holds the pod's network, IPC and
// UTS namespaces; CNI wires its network namespace. The sandbox id is the infra
// container's id; what CNI answered is kept beside the container's record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../container/types';
import type { Backend } from '../engine';
import { log } from '../util/log';
import type { Cni, CniPortMapping } from './cni';
import { CriError, invalid, notFoundCri } from './errors';
import { status as Status } from '@grpc/grpc-js';
import {
  jsonLabel,
  kindOf,
  L_ANNOTATIONS,
  L_KIND,
  L_LABELS,
  L_META,
  L_POD_NAME,
  L_POD_NAMESPACE,
  L_POD_UID,
  matchLabels,
  ns,
  withDefaults,
  sandboxName,
  type PodMeta,
} from './meta';
import { ensurePauseImage } from './pause';
import type * as T from './types';

/** What a sandbox needs after its creation: kept in the infra container's directory. */
export interface SandboxState {
  logDirectory: string;
  hostNetwork: boolean;
  namespaceOptions: T.NamespaceOption;
  portMappings: CniPortMapping[];
  /** set while CNI has the pod attached */
  network?: { name: string; netns: string; ips: string[] };
  runtimeHandler: string;
}

export class Sandboxes {
  constructor(
    private readonly engine: Backend,
    private readonly cni: Cni,
  ) {}

  private stateFile(id: string): string {
    return path.join(this.engine.containers.dir(id), 'cri-sandbox.json');
  }

  state(c: Container): SandboxState {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile(c.ID), 'utf8'));
    } catch {
      return { logDirectory: '', hostNetwork: false, namespaceOptions: {}, portMappings: [], runtimeHandler: '' };
    }
  }

  private saveState(id: string, s: SandboxState): void {
    fs.writeFileSync(this.stateFile(id), JSON.stringify(s), { mode: 0o600 });
  }

  /** The sandbox an id (or unique prefix) names; NotFound otherwise. */
  get(id: string): Container {
    if (!id) throw invalid('PodSandboxId should not be empty');
    const c = this.engine.containers.find(id);
    if (!c || kindOf(c) !== 'sandbox') throw notFoundCri(`an error occurred when try to find sandbox: not found: ${id}`);
    return c;
  }

  find(id: string): Container | undefined {
    const c = this.engine.containers.find(id);
    return c && kindOf(c) === 'sandbox' ? c : undefined;
  }

  all(): Container[] {
    return this.engine.containers.all().filter((c) => kindOf(c) === 'sandbox');
  }

  meta(c: Container): PodMeta {
    return jsonLabel(c, L_META, { name: '', uid: '', namespace: '', attempt: 0 });
  }

  ready(c: Container): boolean {
    return c.State.Running;
  }

  async run(req: T.RunPodSandboxRequest): Promise<string> {
    const cfg = req.config;
    const m = cfg?.metadata;
    if (!cfg || !m) throw invalid('sandbox config must include metadata');
    if (!m.name) throw invalid('sandbox config must include metadata.name');
    if (!m.namespace) throw invalid('sandbox config must include metadata.namespace');
    if (!m.uid) throw invalid('sandbox config must include metadata.uid');
    if (req.runtime_handler && !this.engine.system.runtimes().includes(req.runtime_handler))
      throw invalid(`no runtime for "${req.runtime_handler}" is configured`);
    const meta: PodMeta = { name: m.name, uid: m.uid, namespace: m.namespace, attempt: m.attempt ?? 0 };
    const nsOpts = cfg.linux?.security_context?.namespace_options ?? {};
    const hostNetwork = nsOpts.network === 'NODE';
    const sec = cfg.linux?.security_context;
    const portMappings: CniPortMapping[] = (cfg.port_mappings ?? [])
      .filter((p) => p.host_port > 0)
      .map((p) => ({ hostPort: p.host_port, containerPort: p.container_port, protocol: (p.protocol ?? 'TCP').toLowerCase(), hostIP: p.host_ip ?? '' }));
    for (const p of cfg.port_mappings ?? []) if (p.container_port <= 0 || p.container_port > 65535) throw invalid(`invalid container port ${p.container_port}`);
    const image = await ensurePauseImage(this.engine);
    const sysctls = cfg.linux?.sysctls ?? {};
    const { Id } = this.engine.containers.create({
      name: sandboxName(meta),
      config: {
        Image: image,
        Hostname: hostNetwork ? undefined : cfg.hostname || undefined,
        Labels: {
          [L_KIND]: 'sandbox',
          [L_META]: JSON.stringify(meta),
          [L_LABELS]: JSON.stringify(cfg.labels ?? {}),
          [L_ANNOTATIONS]: JSON.stringify(cfg.annotations ?? {}),
          [L_POD_NAME]: meta.name,
          [L_POD_NAMESPACE]: meta.namespace,
          [L_POD_UID]: meta.uid,
        },
      },
      hostConfig: withDefaults({
        NetworkMode: hostNetwork ? 'host' : 'none',
        IpcMode: nsOpts.ipc === 'NODE' ? 'host' : 'shareable',
        PidMode: nsOpts.pid === 'NODE' ? 'host' : '',
        Dns: cfg.dns_config?.servers?.length ? cfg.dns_config.servers : undefined,
        DnsSearch: cfg.dns_config?.searches?.length ? cfg.dns_config.searches : undefined,
        DnsOptions: cfg.dns_config?.options?.length ? cfg.dns_config.options : undefined,
        CgroupParent: cfg.linux?.cgroup_parent || undefined,
        Privileged: !!sec?.privileged,
        ReadonlyRootfs: !!sec?.readonly_rootfs,
        Sysctls: Object.keys(sysctls).length ? sysctls : undefined,
        Runtime: req.runtime_handler || undefined,
      }),
    });
    const state: SandboxState = {
      logDirectory: cfg.log_directory ?? '',
      hostNetwork,
      namespaceOptions: nsOpts,
      portMappings,
      runtimeHandler: req.runtime_handler ?? '',
    };
    this.saveState(Id, state);
    try {
      if (cfg.log_directory) fs.mkdirSync(cfg.log_directory, { recursive: true, mode: 0o755 });
      await this.engine.containers.start(Id);
      if (!hostNetwork) {
        const c = this.engine.containers.get(Id);
        const netns = `/proc/${c.State.Pid}/ns/net`;
        const name = this.cni.networkName() ?? '';
        const res = await this.cni.add(this.attachment(c, netns, state));
        state.network = { name, netns, ips: (res.ips ?? []).map((i) => i.address.split('/')[0]) };
        this.saveState(Id, state);
      }
    } catch (e) {
      // a pod that could not be set up leaves nothing behind
      await this.engine.containers.remove(Id, { force: true, volumes: true }).catch((err) => log().warn({ err, id: Id }, 'sandbox cleanup failed'));
      throw new CriError(Status.UNKNOWN, `failed to set up sandbox ${meta.name}: ${(e as Error).message}`);
    }
    return Id;
  }

  private attachment(c: Container, netns: string, s: SandboxState) {
    const m = this.meta(c);
    return { id: c.ID, netns, ifName: 'eth0', podName: m.name, podNamespace: m.namespace, podUid: m.uid, portMappings: s.portMappings };
  }

  private readonly detaching = new Map<string, Promise<void>>();

  /** CNI teardown, once: the attachment is forgotten only when the plugins agreed. */
  detach(c: Container): Promise<void> {
    const running = this.detaching.get(c.ID);
    if (running) return running;
    // the state is read now: a removal may delete the directory while the plugins run
    const s = this.state(c);
    if (!s.network) return Promise.resolve();
    const p = this.cni
      .del(this.attachment(c, s.network.netns, s), s.network.name)
      .then(() => {
        delete s.network;
        if (fs.existsSync(this.engine.containers.dir(c.ID))) this.saveState(c.ID, s);
      })
      .finally(() => this.detaching.delete(c.ID));
    this.detaching.set(c.ID, p);
    return p;
  }

  /**
   * An infra process that ends by any path (crash, `berth rm -f`, stop) gives its
   * address back; so does one that ended while berthd was down.
   */
  watch(): () => void {
    for (const c of this.all()) if (!c.State.Running) void this.detach(c).catch((e) => log().warn({ err: e, id: c.ID }, 'CNI teardown failed'));
    return this.engine.events.subscribe((e) => {
      if (e.Type !== 'container' || e.Action !== 'die') return;
      const c = this.find(e.Actor.ID);
      if (c) void this.detach(c).catch((err) => log().warn({ err, id: c.ID }, 'CNI teardown failed'));
    });
  }

  async stop(c: Container, containers: Container[]): Promise<void> {
    for (const k of containers) if (k.State.Running) await this.engine.containers.stop(k.ID, 9, 0);
    await this.detach(c);
    if (c.State.Running) await this.engine.containers.stop(c.ID, 9, 0);
  }

  async remove(c: Container, containers: Container[]): Promise<void> {
    for (const k of containers) await this.engine.containers.remove(k.ID, { force: true, volumes: true });
    await this.detach(c).catch((e) => log().warn({ err: e, id: c.ID }, 'CNI teardown at removal failed'));
    await this.engine.containers.remove(c.ID, { force: true, volumes: true });
  }

  summary(c: Container): T.PodSandbox {
    const s = this.state(c);
    return {
      id: c.ID,
      metadata: this.meta(c),
      state: this.ready(c) ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
      created_at: ns(c.Created),
      labels: jsonLabel(c, L_LABELS, {}),
      annotations: jsonLabel(c, L_ANNOTATIONS, {}),
      runtime_handler: s.runtimeHandler,
    };
  }

  status(c: Container, verbose: boolean): T.PodSandboxStatusResponse {
    const s = this.state(c);
    const sum = this.summary(c);
    const ips = s.network?.ips ?? [];
    const o = s.namespaceOptions;
    return {
      status: {
        ...sum,
        network: { ip: ips[0] ?? '', additional_ips: ips.slice(1).map((ip) => ({ ip })) },
        linux: { namespaces: { options: { network: o.network ?? 'POD', pid: o.pid ?? 'POD', ipc: o.ipc ?? 'POD', target_id: '' } } },
      },
      info: verbose
        ? {
            info: JSON.stringify({
              pid: c.State.Pid,
              name: c.Name.slice(1),
              image: c.Image,
              netns: s.network?.netns ?? '',
              network: s.network?.name ?? '',
              logDirectory: s.logDirectory,
              hostNetwork: s.hostNetwork,
            }),
          }
        : {},
      containers_statuses: [],
      timestamp: '0',
    };
  }

  list(filter: T.PodSandboxFilter | undefined): T.PodSandbox[] {
    return this.all()
      .filter((c) => !filter?.id || c.ID.startsWith(filter.id))
      .map((c) => this.summary(c))
      .filter((p) => !filter?.state || p.state === filter.state.state)
      .filter((p) => matchLabels(p.labels, filter?.label_selector));
  }
}
