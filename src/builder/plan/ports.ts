// EXPOSE's port specs: "80", "80/udp", "8000-8010/tcp", and the
// "[ip:]hostPort:containerPort[/proto]" forms of which only the container
// port counts. Errors as Docker words them.

export class PortError extends Error {}

const MAX_PORT = 65535;

function parsePort(s: string): number | null {
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_PORT ? n : null;
}

function parseRange(s: string): [number, number] | null {
  const i = s.indexOf('-');
  if (i < 0) {
    const p = parsePort(s);
    return p === null ? null : [p, p];
  }
  const a = parsePort(s.slice(0, i));
  const b = parsePort(s.slice(i + 1));
  if (a === null || b === null || b < a) return null;
  return [a, b];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  if (parts.length === 1) return ['', '', parts[0]];
  if (parts.length === 2) return ['', parts[0], parts[1]];
  const n = parts.length;
  return [parts.slice(0, n - 2).join(':'), parts[n - 2], parts[n - 1]];
}

/** The exposed ports ("80/tcp" keys) one spec adds. */
export function parseExposeSpec(raw: string): string[] {
  const [, hostPort, cp] = splitParts(raw);
  const slash = cp.indexOf('/');
  const port = slash < 0 ? cp : cp.slice(0, slash);
  let proto = slash < 0 ? '' : cp.slice(slash + 1);
  if (port === '') {
    throw new PortError(`no port specified: ${raw}<empty>`);
  }
  proto = (proto || 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new PortError(`invalid proto: ${proto}`);
  const r = parseRange(port);
  if (!r) throw new PortError(`invalid containerPort: ${port}`);
  if (hostPort !== '') {
    const h = parseRange(hostPort);
    if (!h) throw new PortError(`invalid hostPort: ${hostPort}`);
    if (r[1] - r[0] !== h[1] - h[0] && r[1] !== r[0]) throw new PortError(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`);
  }
  const out: string[] = [];
  for (let p = r[0]; p <= r[1]; p++) out.push(`${p}/${proto}`);
  return out;
}
