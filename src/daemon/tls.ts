// TLS for berthd's tcp:// listeners, with dockerd's flags and defaults:
// --tlsverify (mutual TLS: client certificates must chain to --tlscacert)
// implies --tls (server certificate only). A tcp:// listener without TLS gives
// root on this machine to anyone who can reach the port, so it is refused
// unless the operator says --tls=false, and then warned about on every start.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ListenerTls } from '../api/server';
import type { DaemonTlsOptions } from './options';

export class TlsConfigError extends Error {}

export interface ListenerPlan {
  tls?: ListenerTls;
  /** set when plain TCP was allowed with --tls=false */
  insecureWarning?: string;
}

function certDir(): string {
  return process.env.DOCKER_CERT_PATH || path.join(os.homedir(), '.docker');
}

function readFile(what: string, p: string): Buffer {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new TlsConfigError(`could not read ${what} "${p}": open ${p}: ${why}`);
  }
}

/** What every tcp:// host gets; undefined when there is no tcp:// host. */
export function planTcpListeners(hosts: string[], o: DaemonTlsOptions): ListenerPlan | undefined {
  const tcp = hosts.filter((h) => h.startsWith('tcp://'));
  if (!tcp.length) return undefined;
  const verify = o.tlsverify === true;
  const on = verify || o.tls === true;
  if (!on) {
    if (o.tls === false)
      return {
        insecureWarning: `API is accessible on ${tcp.map((h) => h.replace('tcp://', 'http://')).join(', ')} without encryption (--tls=false): anyone who can reach it has root access to this machine. Use --tlsverify (berth system certs makes the files).`,
      };
    throw new TlsConfigError(
      `refusing to serve ${tcp.join(', ')} without TLS: anyone who can reach it would have root access to this machine. ` +
        'Use --tlsverify with --tlscacert/--tlscert/--tlskey (`berth system certs` makes them), or --tls=false to accept the risk.',
    );
  }
  const dir = certDir();
  const certPath = o.tlscert ?? path.join(dir, 'cert.pem');
  const keyPath = o.tlskey ?? path.join(dir, 'key.pem');
  const caPath = o.tlscacert ?? path.join(dir, 'ca.pem');
  const tls: ListenerTls = {
    cert: readFile('server certificate', certPath),
    key: readFile('server key', keyPath),
    verify,
    ca: verify ? readFile('CA certificate', caPath) : undefined,
  };
  return { tls };
}
