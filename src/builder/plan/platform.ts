// Platform strings ("linux/amd64", "linux/arm/v7", "arm64") and the
// predefined platform build args (TARGETPLATFORM, BUILDARCH, …).
import { goArch } from '../../image/types';
import { KNOWN_OS, PlatformError } from '../../common/platform';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export { PlatformError };

/** Normalized (architecture, variant), as containerd's platforms package names them. */
function normalizeArch(arch: string, variant: string): [string, string] | null {
  switch (arch) {
    case 'i386':
    case 'i686':
    case '386':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', variant === 'v1' ? '' : variant];
    case 'aarch64':
    case 'arm64':
      return ['arm64', variant === '8' || variant === 'v8' ? '' : variant];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      if (variant === '' || variant === '7') return ['arm', 'v7'];
      if (variant === '5' || variant === '6' || variant === '8') return ['arm', 'v' + variant];
      return ['arm', variant];
    case 'ppc64le':
    case 's390x':
    case 'riscv64':
    case 'mips64le':
    case 'mips64':
    case 'loong64':
    case 'ppc64':
    case 'mips':
    case 'mipsle':
    case 'wasm':
      return [arch, variant];
    default:
      return null;
  }
}

const invalid = (s: string) => new PlatformError(`"${s}": unknown operating system or architecture: invalid argument`);

/** Parses "os[/arch[/variant]]" or a bare architecture. */
export function parsePlatform(spec: string, host: Platform = hostPlatform()): Platform {
  const parts = spec.toLowerCase().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw invalid(spec);
  if (parts.length === 1) {
    if (KNOWN_OS.has(parts[0])) return parts[0] === host.os ? { ...host } : { os: parts[0], architecture: host.architecture };
    const a = normalizeArch(parts[0], '');
    if (!a) throw invalid(spec);
    return withVariant({ os: host.os, architecture: a[0] }, a[1]);
  }
  if (!KNOWN_OS.has(parts[0])) throw invalid(spec);
  const a = normalizeArch(parts[1], parts[2] ?? '');
  if (!a) throw invalid(spec);
  return withVariant({ os: parts[0], architecture: a[0] }, a[1]);
}

function withVariant(p: Platform, variant: string): Platform {
  return variant ? { ...p, variant } : p;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function hostPlatform(): Platform {
  const arch = goArch();
  return arch === 'arm' ? { os: 'linux', architecture: 'arm', variant: 'v7' } : { os: 'linux', architecture: arch };
}

/** The predefined ARGs BuildKit sets in the global scope. */
export function platformArgs(target: Platform, build: Platform): Array<[string, string]> {
  return [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
  ];
}
