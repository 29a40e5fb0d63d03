// -p/--publish and --expose as the docker CLI parses them (go-connections nat):
// [ip:][hostPort:]containerPort[/proto], with ranges on either side.

export type PortBindings = Record<string, Array<{ HostIp: string; HostPort: string }>>;

function parseRange(s: string, what: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new Error(`invalid ${what}: ${s}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535) throw new Error(`invalid ${what}: ${s}`);
  if (hi < lo) throw new Error(`invalid range specified for ${what}: ${spec}`);
  return [lo, hi];
}

function splitProto(s: string): { port: string; proto: string } {
  const i = s.lastIndexOf('/');
  const port = i < 0 ? s : s.slice(0, i);
  const proto = i < 0 ? 'tcp' : s.slice(i + 1).toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
  return { port, proto };
}

/** "ip:host:ctr", "host:ctr", "ctr", "[::1]:host:ctr" → pieces. */
function splitSpec(spec: string): { ip: string; host: string; ctr: string } {
  let rest = spec;
  let ip = '';
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw new Error(`invalid IP address: ${spec}`);
    ip = rest.slice(1, end);
    rest = rest.slice(end + 2);
    const [host, ctr] = splitLast(rest);
    return { ip, host, ctr };
  }
  const parts = rest.split(':');
  if (parts.length === 1) return { ip: '', host: '', ctr: parts[0] };
  if (parts.length === 2) return { ip: '', host: parts[0], ctr: parts[1] };
  if (parts.length === 3) return { ip: parts[0], host: parts[1], ctr: parts[2] };
  // bare IPv6 address without brackets: the last two fields are ports
  return { ip: parts.slice(0, -2).join(':'), host: parts[parts.length - 2], ctr: parts[parts.length - 1] };
}

function splitLast(s: string): [string, string] {
  const i = s.lastIndexOf(':');
  return i < 0 ? ['', s] : [s.slice(0, i), s.slice(i + 1)];
}

function validIp(ip: string): boolean {
  if (ip === '') return true;
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip)) return ip.split('.').every((o) => Number(o) <= 255);
  return /^[0-9a-fA-F:.]+$/.test(ip) && ip.includes(':');
}

export function parsePortSpecs(publish: string[], expose: string[]): { exposed: Record<string, object>; bindings: PortBindings } {
  const exposed: Record<string, object> = {};
  const bindings: PortBindings = {};
  for (const spec of publish) {
    const { ip, host, ctr: ctrWithProto } = splitSpec(spec);
    if (!validIp(ip)) throw new Error(`invalid IP address: ${ip}`);
    const { port: ctr, proto } = splitProto(ctrWithProto);
    if (ctr === '') throw new Error(`no port specified: ${spec}<empty>`);
    const [clo, chi] = parseRange(ctr, 'containerPort', spec);
    let hlo = 0;
    let hhi = 0;
    if (host !== '') [hlo, hhi] = parseRange(host, 'hostPort', spec);
    // a host range must match a container range; for a single container port it is a pool
    if (host !== '' && chi !== clo && hhi - hlo !== chi - clo) throw new Error(`invalid ranges specified for container and host Ports: ${ctr} and ${host}`);
    for (let p = clo; p <= chi; p++) {
      const key = `${p}/${proto}`;
      exposed[key] = {};
      let hostPort = '';
      if (host !== '') hostPort = chi === clo ? (hlo === hhi ? String(hlo) : `${hlo}-${hhi}`) : String(hlo + (p - clo));
      (bindings[key] ??= []).push({ HostIp: ip, HostPort: hostPort });
    }
  }
  for (const e of expose) {
    const { port, proto } = splitProto(e);
    let lo: number;
    let hi: number;
    try {
      [lo, hi] = parseRange(port, 'port', e);
    } catch {
      throw new Error(`invalid range format for --expose: ${e}, error: invalid port: ${port}`);
    }
    for (let p = lo; p <= hi; p++) exposed[`${p}/${proto}`] = {};
  }
  return { exposed, bindings };
}
