// What both platform parsers share (the registry's `--platform` matching and the
// builder's TARGETPLATFORM args): the error they throw and the OS names Go knows.

/** A platform string that names no known OS or architecture (Docker's "invalid argument"). */
export class PlatformError extends Error {}

/** GOOS values, as containerd's platforms package accepts them. */
export const KNOWN_OS: ReadonlySet<string> = new Set([
  'linux',
  'windows',
  'darwin',
  'freebsd',
  'netbsd',
  'openbsd',
  'solaris',
  'illumos',
  'aix',
  'android',
  'ios',
  'js',
  'wasip1',
  'plan9',
  'dragonfly',
]);
