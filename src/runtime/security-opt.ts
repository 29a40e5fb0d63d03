// --security-opt parsing (moby daemon/daemon_unix.go parseSecurityOpt). The
// docker CLI already replaced seccomp=<file> by the file's contents.
import { badRequest } from '../util/errors';
import { SeccompSetting } from './seccomp';

export interface SecurityOpts {
  noNewPrivileges: boolean;
  seccomp: SeccompSetting;
  /** label=disable (SELinux is not used by berth; accepted and recorded) */
  labelDisable?: boolean;
  /** other label=… values, recorded only */
  labels?: string[];
  /** apparmor=… (no AppArmor on berth's hosts; accepted and recorded) */
  apparmor?: string;
}

// Go's strconv.ParseBool
function parseBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/**
 * Accepts no-new-privileges[=bool|:bool], seccomp=unconfined|builtin|<profile JSON>,
 * label=…, apparmor=… ("=" or the deprecated ":" separator). Anything else is
 * a 400 with Docker's message: invalid --security-opt 2: "x".
 */
export function parseSecurityOpts(list: readonly string[] | null | undefined, defaults: { noNewPrivileges?: boolean } = {}): SecurityOpts {
  // the daemon's no-new-privileges is the default a container's own option overrides
  const out: SecurityOpts = { noNewPrivileges: !!defaults.noNewPrivileges, seccomp: 'default' };
  for (const opt of list ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.labelDisable = true;
      continue;
    }
    let key: string;
    let val: string;
    const eq = opt.indexOf('=');
    const colon = opt.indexOf(':');
    // the first separator wins, so JSON profile text after "seccomp:" stays intact
    const sep = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    if (sep >= 0) {
      key = opt.slice(0, sep);
      val = opt.slice(sep + 1);
    } else {
      throw badRequest(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    }
    switch (key) {
      case 'label':
        if (val === 'disable') out.labelDisable = true;
        else (out.labels ??= []).push(val);
        break;
      case 'apparmor':
        out.apparmor = val;
        break;
      case 'seccomp':
        if (val === 'unconfined') out.seccomp = 'unconfined';
        else if (val === 'builtin' || val === '') out.seccomp = 'default';
        else out.seccomp = { profile: val };
        break;
      case 'no-new-privileges': {
        const b = parseBool(val);
        if (b === null) throw badRequest(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        out.noNewPrivileges = b;
        break;
      }
      default:
        throw badRequest(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}
