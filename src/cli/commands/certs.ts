// system certs: a CA, a server certificate for the daemon's host names and
// addresses, and a client certificate — the files `berthd --tlsverify` and
// `berth/docker --tlsverify` take, named as Docker's documentation names them
// (ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem). The keys are
// ECDSA P-256 made by openssl, the field-made tool for it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StatusError, type Command } from '../command';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new StatusError(`openssl: ${r.error.message} (install the openssl package)`, 1);
  if (r.status !== 0) throw new StatusError(`openssl ${args[0]} failed: ${(r.stderr || '').trim()}`, 1);
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export const certsCommand: Command = {
  name: 'certs',
  usage: '[OPTIONS]',
  summary: 'Create a CA, a server and a client certificate for a TLS daemon',
  maxArgs: 0,
  flags: [
    { long: 'host', kind: 'list', help: 'Host name or IP address the server certificate is valid for (repeatable)' },
    { long: 'out', kind: 'string', help: 'Directory to write the files to', def: '.' },
    { long: 'days', kind: 'int', help: 'Validity in days', def: 365 },
    { long: 'client-name', kind: 'string', help: 'Common name of the client certificate', def: 'client' },
  ],
  async run(ctx, f) {
    const hosts = f.list('host');
    if (!hosts.length) throw new StatusError('at least one --host is required (a name or address clients use to reach the daemon)', 1);
    const days = f.int('days') ?? 365;
    if (!Number.isInteger(days) || days < 1) throw new StatusError(`invalid --days: ${days}`, 1);
    const out = path.resolve(f.str('out'));
    fs.mkdirSync(out, { recursive: true, mode: 0o700 });
    const files = ['ca.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem', 'cert.pem', 'key.pem'];
    const existing = files.filter((x) => fs.existsSync(path.join(out, x)));
    if (existing.length) throw new StatusError(`refusing to overwrite ${existing.map((x) => path.join(out, x)).join(', ')}`, 1);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-certs-'));
    try {
      const d = String(days);
      const first = hosts[0];
      openssl(
        [
          'req',
          '-x509',
          '-new',
          ...NEW_KEY,
          '-keyout',
          'ca-key.pem',
          '-out',
          'ca.pem',
          '-days',
          d,
          '-subj',
          `/CN=berth CA for ${first}`,
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        work,
      );
      const san = hosts.map((h) => (net.isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
      fs.writeFileSync(
        path.join(work, 'server.ext'),
        `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
      );
      fs.writeFileSync(path.join(work, 'client.ext'), `extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n`);
      const sign = (name: string, cn: string, ext: string, certOut: string, keyOut: string) => {
        openssl(['req', '-new', ...NEW_KEY, '-keyout', keyOut, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], work);
        openssl(
          [
            'x509',
            '-req',
            '-in',
            `${name}.csr`,
            '-CA',
            'ca.pem',
            '-CAkey',
            'ca-key.pem',
            '-set_serial',
            `0x${randomSerial()}`,
            '-days',
            d,
            '-out',
            certOut,
            '-extfile',
            ext,
          ],
          work,
        );
      };
      sign('server', first, 'server.ext', 'server-cert.pem', 'server-key.pem');
      sign('client', f.str('client-name'), 'client.ext', 'cert.pem', 'key.pem');
      for (const x of files) {
        const mode = x.endsWith('key.pem') ? 0o600 : 0o644;
        fs.copyFileSync(path.join(work, x), path.join(out, x));
        fs.chmodSync(path.join(out, x), mode);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    ctx.out(
      `CA:      ${path.join(out, 'ca.pem')} (its key: ca-key.pem — keep it offline)\n` +
        `server:  ${path.join(out, 'server-cert.pem')}, ${path.join(out, 'server-key.pem')} (valid for ${hosts.join(', ')})\n` +
        `client:  ${path.join(out, 'cert.pem')}, ${path.join(out, 'key.pem')}\n\n` +
        `berthd --tlsverify --tlscacert=${path.join(out, 'ca.pem')} --tlscert=${path.join(out, 'server-cert.pem')} --tlskey=${path.join(out, 'server-key.pem')} -H tcp://0.0.0.0:2376\n` +
        `DOCKER_CERT_PATH=${out} DOCKER_TLS_VERIFY=1 berth -H tcp://${hosts[0].includes(':') ? `[${hosts[0]}]` : hosts[0]}:2376 version\n`,
    );
  },
};

function randomSerial(): string {
  // 16 random bytes with the top bit clear: a positive serial, as RFC 5280 asks
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}
