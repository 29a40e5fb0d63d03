// Linux capabilities: the name table, Docker's default set and its
// --cap-add/--cap-drop rules (moby oci/caps), limited to what the kernel knows
// and to what berth itself holds (it runs without CAP_SYS_RESOURCE).
import { badRequest } from '../util/errors';
import { hostFacts } from './host';

/** Capability names indexed by number (include/uapi/linux/capability.h). */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default capability set (moby oci/caps/defaults.go), 14 entries. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability the running kernel knows (0..cap_last_cap). */
export function knownCapabilities(): string[] {
  const last = Math.min(hostFacts().capLastCap, CAPABILITY_NAMES.length - 1);
  return CAPABILITY_NAMES.slice(0, last + 1);
}

/** Capabilities berth can hand out: known to the kernel and in berth's own bounding set. */
export function grantableCapabilities(): string[] {
  const bnd = hostFacts().boundingSet;
  return knownCapabilities().filter((_n, i) => (bnd >> BigInt(i)) & 1n);
}

/** Upper-cases, adds the CAP_ prefix, validates; keeps the magic value ALL. */
export function normalizeCapabilities(list: readonly string[]): string[] {
  const known = new Set(knownCapabilities());
  const out: string[] = [];
  for (const raw of list) {
    let c = raw.trim().toUpperCase();
    if (c === 'ALL') {
      out.push(c);
      continue;
    }
    if (!c.startsWith('CAP_')) c = 'CAP_' + c;
    if (!known.has(c)) throw badRequest(`unknown capability: "${c}"`);
    out.push(c);
  }
  return out;
}

/** Bit mask (as in /proc/<pid>/status CapEff) of a capability list. */
export function capabilityMask(caps: readonly string[]): bigint {
  let m = 0n;
  for (const c of caps) {
    const i = CAPABILITY_NAMES.indexOf(c);
    if (i >= 0) m |= 1n << BigInt(i);
  }
  return m;
}

/**
 * The container's capability set: privileged ⇒ everything grantable; otherwise
 * Docker's defaults tweaked by capAdd/capDrop (ALL in capAdd ⇒ all but the
 * dropped ones; ALL in capDrop ⇒ only the added ones).
 */
export function computeCapabilities(opts: {
  privileged?: boolean;
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  base?: readonly string[];
}): string[] {
  const grantable = grantableCapabilities();
  if (opts.privileged) return grantable;
  const adds = normalizeCapabilities(opts.capAdd ?? []);
  const drops = normalizeCapabilities(opts.capDrop ?? []);
  const base = opts.base ?? DEFAULT_CAPABILITIES;
  let caps: string[];
  if (adds.includes('ALL')) {
    caps = grantable.filter((c) => !drops.includes(c));
  } else if (drops.includes('ALL')) {
    caps = [...adds];
  } else {
    caps = base.filter((c) => !drops.includes(c)).concat(adds);
  }
  const out = [...new Set(caps)];
  const missing = out.filter((c) => !grantable.includes(c));
  if (missing.length) {
    throw badRequest(`capability ${missing.join(', ')} cannot be granted: berth itself does not hold it ` + `(not in its capability bounding set)`);
  }
  return out;
}
