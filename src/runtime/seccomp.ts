// Docker-format seccomp profiles → OCI linux.seccomp. A profile's rules can be
// conditional on the container's capabilities, the architecture and the
// kernel version; they are resolved here, for one container, the way dockerd
// does (moby profiles/seccomp): a rule is kept only if all its included caps
// are in the bounding set, none of its excluded caps is, and the arch/kernel
// conditions hold.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { badRequest, EngineError, internal } from '../util/errors';
import { OciSeccomp, OciSeccompAction, OciSeccompArg, OciSyscall } from './oci';

export const DEFAULT_SECCOMP_PROFILE_PATH = '/usr/share/berth/seccomp/default.json';

export interface ProfileFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface ProfileSyscall {
  name?: string;
  names?: string[];
  action: OciSeccompAction;
  errnoRet?: number;
  args?: OciSeccompArg[] | null;
  comment?: string;
  includes?: ProfileFilter | null;
  excludes?: ProfileFilter | null;
}

/** Docker's seccomp profile format (profiles/seccomp/default.json). */
export interface SeccompProfile {
  defaultAction: OciSeccompAction | '';
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  flags?: string[];
  listenerPath?: string;
  syscalls?: ProfileSyscall[] | null;
}

export interface CompileOptions {
  /** the container's bounding capability set ("CAP_SYS_ADMIN", ...) */
  capabilities: readonly string[];
  /** Docker/libseccomp arch name: amd64, arm64, x86, arm, s390x, ppc64le, ... (default: this machine) */
  arch?: string;
  /** "major.minor" of the kernel (default: this machine) */
  kernel?: string;
}

// libseccomp-style native arch names (as in profile includes/excludes) → OCI arch
const NATIVE_TO_SCMP: Record<string, string> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mips3l64n32: 'SCMP_ARCH_MIPSEL64N32',
  mipsle: 'SCMP_ARCH_MIPSEL',
  mipsel: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
};

/** This machine's arch in the profile's naming (node's process.arch → Docker's). */
export function nativeArch(): string {
  const a = process.arch as string;
  const map: Record<string, string> = {
    x64: 'amd64',
    ia32: 'x86',
    arm: 'arm',
    arm64: 'arm64',
    s390x: 's390x',
    s390: 's390',
    ppc64: os.endianness() === 'LE' ? 'ppc64le' : 'ppc64',
    ppc: 'ppc',
    mips: 'mips',
    mipsel: 'mipsel',
    riscv64: 'riscv64',
  };
  return map[a] ?? a;
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (s: string, what: string) => {
    const m = /^(\d+)\.(\d+)/.exec(s);
    if (!m) throw badRequest(`failed to parse kernel version "${s}" in seccomp profile ${what}`);
    return [Number(m[1]), Number(m[2])];
  };
  const [ka, kb] = parse(kernel, 'host');
  const [ma, mb] = parse(min, 'minKernel');
  return ka > ma || (ka === ma && kb >= mb);
}

/** Compiles a Docker-format profile for one container; null when the profile disables seccomp. */
export function compileProfile(profile: SeccompProfile, opts: CompileOptions): OciSeccomp | null {
  const syscalls = profile.syscalls ?? [];
  if (!profile.defaultAction && syscalls.length === 0) return null;
  if (profile.architectures?.length && profile.archMap?.length) {
    throw badRequest("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const arch = opts.arch ?? nativeArch();
  const kernel = opts.kernel ?? os.release();
  const bounding = new Set(opts.capabilities);
  const out: OciSeccomp = { defaultAction: profile.defaultAction as OciSeccompAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;

  let arches = profile.architectures?.length ? [...profile.architectures] : [];
  const scmpArch = NATIVE_TO_SCMP[arch];
  if (profile.archMap?.length && scmpArch) {
    const entry = profile.archMap.find((a) => a.architecture === scmpArch);
    if (entry) arches = [entry.architecture, ...(entry.subArchitectures ?? [])];
  }
  if (arches.length) out.architectures = arches;
  if (profile.flags?.length) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;

  const rules: OciSyscall[] = [];
  for (const call of syscalls) {
    const ex = call.excludes ?? {};
    const inc = call.includes ?? {};
    if (ex.arches?.length && ex.arches.includes(arch)) continue;
    if (ex.caps?.length && ex.caps.some((c) => bounding.has(c))) continue;
    if (ex.minKernel && kernelAtLeast(kernel, ex.minKernel)) continue;
    if (inc.arches?.length && !inc.arches.includes(arch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => bounding.has(c))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;

    if (call.name && call.names?.length) {
      throw badRequest("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    }
    const rule: OciSyscall = { names: call.name ? [call.name] : [...(call.names ?? [])], action: call.action };
    if (call.errnoRet !== undefined && call.errnoRet !== null) rule.errnoRet = call.errnoRet;
    if (call.args?.length) rule.args = call.args.map((a) => ({ ...a }));
    rules.push(rule);
  }
  out.syscalls = rules;
  return out;
}

/** Parses profile JSON text (what `--security-opt seccomp=<file>` sends: the file's contents). */
export function parseProfile(text: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw badRequest(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) {
    throw badRequest('Decoding seccomp profile failed: profile is not a JSON object');
  }
  const prof = p as SeccompProfile;
  if (prof.syscalls != null && !Array.isArray(prof.syscalls)) {
    throw badRequest('Decoding seccomp profile failed: "syscalls" must be an array');
  }
  return prof;
}

const profileCache = new Map<string, { mtimeMs: number; profile: SeccompProfile }>();

/**
 * Loads (and caches) a profile file; the default one is installed by
 * scripts/fetch-seccomp-profile.sh.
 */
export function loadProfileFile(file = DEFAULT_SECCOMP_PROFILE_PATH): SeccompProfile {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw internal(
      `seccomp profile ${file} is missing: run scripts/fetch-seccomp-profile.sh (as root) to install ` +
        `Docker's default profile, or pass --security-opt seccomp=unconfined`,
    );
  }
  const hit = profileCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs) return hit.profile;
  let profile: SeccompProfile;
  try {
    profile = parseProfile(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof EngineError) throw internal(`seccomp profile ${file}: ${e.message}`);
    throw e;
  }
  profileCache.set(file, { mtimeMs: st.mtimeMs, profile });
  return profile;
}

/** What --security-opt seccomp=… asked for. */
export type SeccompSetting = 'default' | 'unconfined' | { profile: string | SeccompProfile };

/**
 * The OCI seccomp object for a container, or undefined when it runs unconfined
 * (seccomp=unconfined, or privileged with no explicit profile: as Docker,
 * privileged containers get no seccomp filter at all).
 */
export function seccompFor(
  setting: SeccompSetting | undefined,
  opts: CompileOptions & { privileged?: boolean; defaultProfilePath?: string },
): OciSeccomp | undefined {
  const s = setting ?? 'default';
  if (s === 'unconfined' || opts.privileged) return undefined;
  const profile = s === 'default' ? loadProfileFile(opts.defaultProfilePath) : typeof s.profile === 'string' ? parseProfile(s.profile) : s.profile;
  return compileProfile(profile, opts) ?? undefined;
}
