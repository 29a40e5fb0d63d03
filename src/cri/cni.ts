// Pod networking through CNI, as every Kubernetes runtime does it: the first
// conflist of the configuration directory (in name order), its plugins run in
// order for ADD (each gets the previous result) and in reverse for DEL.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CniConfig {
  confDir: string;
  binDirs: string[];
}

export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP: string;
}

interface NetworkList {
  cniVersion: string;
  name: string;
  plugins: Array<Record<string, unknown> & { type: string; capabilities?: Record<string, boolean> }>;
}

export interface CniResult {
  ips?: Array<{ address: string; gateway?: string; interface?: number }>;
  [k: string]: unknown;
}

export interface PodAttachment {
  /** id of the sandbox */
  id: string;
  netns: string;
  ifName: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  portMappings: CniPortMapping[];
}

export class Cni {
  constructor(private readonly cfg: CniConfig) {}

  /** The network list pods join, or why there is none (Status reports it as NetworkReady=false). */
  load(): { list?: NetworkList; problem?: string } {
    let names: string[];
    try {
      names = fs
        .readdirSync(this.cfg.confDir)
        .filter((n) => /\.(conflist|conf|json)$/.test(n))
        .sort();
    } catch {
      return { problem: `no network config found in ${this.cfg.confDir}` };
    }
    for (const n of names) {
      try {
        const raw = JSON.parse(fs.readFileSync(path.join(this.cfg.confDir, n), 'utf8'));
        // a single-plugin .conf is a list of one
        const list: NetworkList = Array.isArray(raw.plugins) ? raw : { cniVersion: raw.cniVersion, name: raw.name, plugins: [raw] };
        if (list.name && list.plugins.length && list.plugins.every((p) => typeof p.type === 'string')) return { list };
      } catch {
        /* an unreadable file is skipped, as libcni does */
      }
    }
    return { problem: `no valid network config found in ${this.cfg.confDir}` };
  }

  networkName(): string | undefined {
    return this.load().list?.name;
  }

  async add(a: PodAttachment): Promise<CniResult> {
    const { list, problem } = this.load();
    if (!list) throw new Error(problem);
    let prev: CniResult | undefined;
    const done: typeof list.plugins = [];
    try {
      for (const p of list.plugins) {
        prev = (await this.exec('ADD', list, p, a, prev)) as CniResult;
        done.push(p);
      }
    } catch (e) {
      // a half-made attachment is undone before the error goes back
      for (const p of done.reverse()) await this.exec('DEL', list, p, a, undefined).catch(() => {});
      throw e;
    }
    return prev ?? {};
  }

  async del(a: PodAttachment, networkName?: string): Promise<void> {
    const { list, problem } = this.load();
    if (!list) throw new Error(problem);
    if (networkName && list.name !== networkName) throw new Error(`network ${networkName} is no longer configured in ${this.cfg.confDir}`);
    let first: Error | undefined;
    for (const p of [...list.plugins].reverse()) {
      await this.exec('DEL', list, p, a, undefined).catch((e) => (first ??= e));
    }
    if (first) throw first;
  }

  private findPlugin(type: string): string {
    if (type.includes('/')) throw new Error(`invalid CNI plugin type ${type}`);
    for (const d of this.cfg.binDirs) {
      const p = path.join(d, type);
      if (fs.existsSync(p)) return p;
    }
    throw new Error(`failed to find plugin "${type}" in path [${this.cfg.binDirs.join(' ')}]`);
  }

  private exec(cmd: 'ADD' | 'DEL', list: NetworkList, plugin: NetworkList['plugins'][number], a: PodAttachment, prev: CniResult | undefined): Promise<unknown> {
    const bin = this.findPlugin(plugin.type);
    const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
    if (prev) conf.prevResult = prev;
    if (plugin.capabilities?.portMappings && a.portMappings.length) conf.runtimeConfig = { portMappings: a.portMappings };
    const env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: cmd,
      CNI_CONTAINERID: a.id,
      CNI_NETNS: a.netns,
      CNI_IFNAME: a.ifName,
      CNI_PATH: this.cfg.binDirs.join(':'),
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${a.podNamespace};K8S_POD_NAME=${a.podName};K8S_POD_INFRA_CONTAINER_ID=${a.id};K8S_POD_UID=${a.podUid}`,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d) => out.push(d));
      child.stderr.on('data', (d) => err.push(d));
      child.on('error', reject);
      child.on('close', (code) => {
        const text = Buffer.concat(out).toString();
        if (code === 0) {
          try {
            resolve(text.trim() ? JSON.parse(text) : {});
          } catch {
            reject(new Error(`plugin ${plugin.type} returned invalid JSON: ${text}`));
          }
          return;
        }
        let msg = Buffer.concat(err).toString().trim() || text.trim();
        try {
          const j = JSON.parse(text);
          msg = j.msg + (j.details ? `: ${j.details}` : '');
        } catch {
          /* not a CNI error object */
        }
        reject(new Error(`plugin type="${plugin.type}" name="${list.name}" failed (${cmd.toLowerCase()}): ${msg}`));
      });
      child.stdin.end(JSON.stringify(conf));
    });
  }
}
