// The short forms of ports, volumes and commands, parsed as Compose parses them.
import { isIP } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PortConfig, VolumeMount } from '../model';

export class ShortSyntaxError extends Error {}

/** "[host_ip:][published:]target[/protocol]" with ranges on either side; a number is a target. */
export function parsePortShort(spec: string | number, where: string): PortConfig[] {
  let s = String(spec).trim();
  let protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    protocol = s.slice(slash + 1).toLowerCase();
    s = s.slice(0, slash);
    if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw new ShortSyntaxError(`${where}: invalid proto: ${protocol}`);
  }
  let hostIp = '';
  let rest = s;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (v6) {
    hostIp = v6[1];
    rest = v6[2];
  }
  const parts = rest.split(':');
  let published = '';
  let target: string;
  if (v6) {
    if (parts.length === 1) target = parts[0];
    else [published, target] = [parts[0], parts[1]];
  } else if (parts.length === 1) target = parts[0];
  else if (parts.length === 2) [published, target] = parts;
  else {
    // go-connections: the address is all before the last two parts
    [published, target] = parts.slice(-2);
    hostIp = parts.slice(0, -2).join(':');
    if (!isIP(hostIp)) throw new ShortSyntaxError(`invalid IP address: ${hostIp}`);
  }
  // Compose v5's words (go-connections' nat.ParsePortSpec)
  const range = (r: string, what: 'containerPort' | 'hostPort'): [number, number] => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw new ShortSyntaxError(`invalid ${what}: ${r}`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (a < 1 || b > 65535 || b < a) throw new ShortSyntaxError(`invalid ${what}: ${r}`);
    return [a, b];
  };
  const [t0, t1] = range(target, 'containerPort');
  if (published !== '') range(published, 'hostPort');
  const n = t1 - t0 + 1;
  if (n === 1) return [{ target: t0, published, host_ip: hostIp, protocol }];
  // a target range: each container port with its host port (from a range of the same size) or any
  let p0 = 0;
  if (published !== '') {
    const [a, b] = range(published, 'hostPort');
    if (b - a + 1 !== n) throw new ShortSyntaxError(`${where}: port ranges don't match in size: "${spec}"`);
    p0 = a;
  }
  return Array.from({ length: n }, (_, i) => ({ target: t0 + i, published: p0 ? String(p0 + i) : '', host_ip: hostIp, protocol }));
}

function isPathLike(s: string): boolean {
  return s.startsWith('.') || s.startsWith('/') || s.startsWith('~') || /^[A-Za-z]:\\/.test(s);
}

/** A host path as Compose resolves it: ~ is the home directory, relative paths are under the project directory. */
export function resolveHostPath(p: string, base: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(base, p);
}

/** "target", "source:target", "source:target:mode" (mode: ro, rw, z, Z, nocopy, propagation, comma-separated). */
export function parseVolumeShort(spec: string, base: string, where: string): VolumeMount {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new ShortSyntaxError(`${where}: invalid spec: ${spec}: too many colons`);
  if (parts.length === 1) return { type: 'volume', source: '', target: parts[0], read_only: false };
  const [src, target, mode = ''] = parts;
  const m: VolumeMount = isPathLike(src)
    ? { type: 'bind', source: resolveHostPath(src, base), target, read_only: false, create_host_path: true }
    : { type: 'volume', source: src, target, read_only: false };
  for (const o of mode.split(',').filter(Boolean)) {
    if (o === 'ro') m.read_only = true;
    else if (o === 'rw') m.read_only = false;
    else if (o === 'nocopy') m.nocopy = true;
    else if (o === 'z' || o === 'Z') m.selinux = o;
    else if (['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'].includes(o)) m.propagation = o;
    else throw new ShortSyntaxError(`${where}: invalid mode "${o}" in ${spec}`);
  }
  return m;
}

/** A command string split into words as Compose does (shell quoting rules, no expansion). */
export function splitCommand(s: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new ShortSyntaxError(`${where}: invalid command line string: unterminated quote`);
      cur += s.slice(i + 1, j);
      has = true;
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1])) j++;
        cur += s[j];
      }
      if (j >= s.length) throw new ShortSyntaxError(`${where}: invalid command line string: unterminated quote`);
      has = true;
      i = j;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}
