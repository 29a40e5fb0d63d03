// The token server for token-auth test registries, run as its own process:
// Docker's token protocol (GET /token?service&scope with Basic credentials),
// JWTs signed RS256 with a throwaway certificate carried in the x5c header.
// Authenticated users get what they ask for; anonymous users may pull
// repositories under public/ (as Docker Hub lets anyone pull public images).
// Prints its port on stdout; appends one JSON line per token request to a log.
import { createSign, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';

interface Spec {
  key: string;
  certDer: string;
  users: Record<string, string>;
  issuer: string;
  service: string;
  log: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function main(): void {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Spec;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const scopes = u.searchParams.getAll('scope');
    let user: string | undefined;
    const h = req.headers.authorization;
    if (h?.startsWith('Basic ')) {
      const dec = Buffer.from(h.slice(6), 'base64').toString();
      const i = dec.indexOf(':');
      const name = dec.slice(0, i);
      if (spec.users[name] !== dec.slice(i + 1)) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = name;
    }
    fs.appendFileSync(spec.log, JSON.stringify({ scopes, account: user }) + '\n');
    const access = scopes
      .map((s) => {
        const parts = s.split(':');
        const actions = parts.pop()!.split(',');
        const type = parts.shift()!;
        const name = parts.join(':');
        return { type, name, actions: user ? actions : type === 'repository' && name.startsWith('public/') ? actions.filter((a) => a === 'pull') : [] };
      })
      .filter((a) => a.actions.length);
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [spec.certDer] };
    const claims = {
      iss: spec.issuer,
      sub: user ?? '',
      aud: spec.service,
      exp: now + 300,
      nbf: now - 30,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signing = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${signing}.${b64url(createSign('RSA-SHA256').update(signing).sign(spec.key))}`;
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
