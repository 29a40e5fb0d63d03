// CRI metadata on engine containers: sandboxes and containers are ordinary
// berth containers (listed by `berth ps -a`) whose labels carry what the CRI
// gave, and whose names are the ones Kubernetes runtimes use.
import { defaultHostConfig } from '../container/defaults';
import type { Container, HostConfig } from '../container/types';

export const L_KIND = 'io.berth.cri.kind';
export const L_SANDBOX = 'io.berth.cri.sandbox-id';
export const L_META = 'io.berth.cri.metadata';
export const L_LABELS = 'io.berth.cri.labels';
export const L_ANNOTATIONS = 'io.berth.cri.annotations';
export const L_IMAGE = 'io.berth.cri.image';
// the names dockershim used, so `berth ps --filter label=...` finds a pod's parts
export const L_POD_NAME = 'io.kubernetes.pod.name';
export const L_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const L_POD_UID = 'io.kubernetes.pod.uid';
export const L_CONTAINER_NAME = 'io.kubernetes.container.name';

export type Kind = 'sandbox' | 'container';

export interface PodMeta {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}
export interface ContainerMeta {
  name: string;
  attempt: number;
}

export const kindOf = (c: Container): Kind | undefined => c.Config.Labels?.[L_KIND] as Kind | undefined;

export function jsonLabel<T>(c: Container, key: string, fallback: T): T {
  const v = c.Config.Labels?.[key];
  if (!v) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export const sandboxName = (m: PodMeta) => `k8s_POD_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
export const containerName = (c: ContainerMeta, p: PodMeta) => `k8s_${c.name}_${p.name}_${p.namespace}_${p.uid}_${c.attempt}`;

/** Nanoseconds since the epoch as the decimal string protobuf takes for an int64. */
export function ns(iso: string | undefined): string {
  if (!iso || iso.startsWith('0001-')) return '0';
  const m = /\.(\d+)Z$/.exec(iso);
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '0';
  const frac = m ? BigInt(m[1].padEnd(9, '0').slice(0, 9)) : 0n;
  return (BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + frac).toString();
}

/** Kubernetes label selectors as CRI filters carry them: every pair must match. */
export function matchLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}

/** Docker's HostConfig defaults under what the CRI asked for (an undefined value keeps the default). */
export function withDefaults(hc: Partial<HostConfig>): HostConfig {
  const out = defaultHostConfig();
  for (const [k, v] of Object.entries(hc)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}
