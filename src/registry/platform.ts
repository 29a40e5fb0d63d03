// Platforms ("linux/arm64/v8"): parsing as `--platform` takes them, the host's,
// and choosing an index entry the way Docker does (exact variant first, then an
// older compatible one; arm64 without variant means v8).
import * as fs from 'node:fs';
import type { Descriptor, Platform } from './types';
import { KNOWN_OS, PlatformError } from '../common/platform';

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  i386: '386',
  i686: '386',
  '386': '386',
  armhf: 'arm',
  armel: 'arm',
  arm: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64le',
  loong64: 'loong64',
  wasm: 'wasm',
  ppc64: 'ppc64',
};

export { PlatformError };

function normArch(arch: string, variant?: string): { architecture: string; variant?: string } {
  const a = ARCH_ALIASES[arch.toLowerCase()];
  if (!a) throw new PlatformError('arch');
  let v = variant?.toLowerCase() || undefined;
  if (arch === 'armhf') v ??= 'v7';
  if (arch === 'armel') v ??= 'v6';
  if (a === 'arm64' && (v === 'v8' || v === '8')) v = undefined;
  if (a === 'amd64' && v === 'v1') v = undefined;
  if (a === 'arm' && v && /^\d$/.test(v)) v = 'v' + v;
  return { architecture: a, variant: v };
}

/** The host's platform (arm variants from /proc/cpuinfo). */
export function hostPlatform(): Platform {
  const arch =
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ??
    process.arch;
  const p: Platform = { os: 'linux', architecture: arch };
  if (arch === 'arm') {
    try {
      const m = /^CPU architecture\s*:\s*(\d+)/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      if (m) p.variant = 'v' + m[1];
    } catch {
      p.variant = 'v7';
    }
  }
  return p;
}

// x86-64 microarchitecture levels (psABI): the CPU flags each level adds
const AMD64_LEVELS: Array<[string, string[]]> = [
  ['v2', ['cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3']],
  ['v3', ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave']],
  ['v4', ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl']],
];
let detected: Platform | undefined;

/**
 * The host platform as Docker names it in messages: amd64 with its
 * microarchitecture level (linux/amd64/v3), from /proc/cpuinfo.
 */
export function detectedHostPlatform(): Platform {
  if (detected) return detected;
  const p = hostPlatform();
  if (p.architecture === 'amd64') {
    try {
      const m = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      const flags = new Set((m?.[1] ?? '').split(/\s+/));
      for (const [v, need] of AMD64_LEVELS) {
        if (!need.every((f) => flags.has(f))) break;
        p.variant = v;
      }
    } catch {
      /* no cpuinfo: no variant */
    }
  }
  return (detected = p);
}

/** The platform an image config declares. */
export function imagePlatform(c: { os?: string; architecture?: string; variant?: string }): Platform {
  return { os: c.os || 'linux', architecture: c.architecture || 'amd64', ...(c.variant ? { variant: c.variant } : {}) };
}

/** Parses "os[/arch[/variant]]" or just "arch"; throws Docker's error for unknown names. */
export function parsePlatform(spec: string): Platform {
  const bad = () => new PlatformError(`"${spec}": unknown operating system or architecture: invalid argument`);
  const parts = spec.trim().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw bad();
  try {
    if (parts.length === 1) {
      const one = parts[0].toLowerCase();
      if (KNOWN_OS.has(one)) return { ...hostPlatform(), os: one };
      return { os: 'linux', ...normArch(one) };
    }
    const os = parts[0].toLowerCase();
    if (!KNOWN_OS.has(os)) throw bad();
    return { os, ...normArch(parts[1], parts[2]) };
  } catch {
    throw bad();
  }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The variants a platform can run, best first (arm v7 runs v6 and v5 images). */
function compatibleVariants(p: Platform): Array<string | undefined> {
  if (p.architecture === 'arm') {
    const n = Number((p.variant ?? 'v7').slice(1));
    const out: string[] = [];
    for (let i = n; i >= 5; i--) out.push('v' + i);
    return [...out, undefined];
  }
  if (p.architecture === 'amd64') {
    const n = p.variant ? Number(p.variant.slice(1)) : 1;
    const out: Array<string | undefined> = [];
    for (let i = n; i >= 2; i--) out.push('v' + i);
    return [...out, undefined];
  }
  return [p.variant];
}

/** How well `have` serves `want`: 0 is best, -1 is no match. */
export function platformScore(want: Platform, have: Platform | undefined): number {
  if (!have?.os || !have.architecture) return -1;
  if (have.os.toLowerCase() !== want.os) return -1;
  let h: { architecture: string; variant?: string };
  try {
    h = normArch(have.architecture, have.variant);
  } catch {
    return -1;
  }
  if (h.architecture !== want.architecture) return -1;
  if (want.variant === undefined && !['arm', 'amd64'].includes(want.architecture)) return h.variant === undefined ? 0 : 1;
  const order = compatibleVariants(want.variant === undefined && want.architecture === 'arm' ? { ...want, variant: 'v7' } : want);
  const i = order.indexOf(h.variant);
  return i;
}

/** Picks the index entry for a platform; undefined when none matches. Attestation entries never match. */
export function selectManifest(entries: Descriptor[], want: Platform): Descriptor | undefined {
  let best: Descriptor | undefined;
  let bestScore = Infinity;
  for (const d of entries) {
    if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const s = platformScore(want, d.platform);
    if (s >= 0 && s < bestScore) {
      best = d;
      bestScore = s;
    }
  }
  return best;
}
