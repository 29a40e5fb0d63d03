// Small network helpers for tests: a free port on 127.0.0.1, a GET with a
// timeout, a listener that occupies a port, the current iptables rules.
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Holds 127.0.0.1:port open, as another program on the host would. */
export function runningIn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

export function httpGet(url: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The host's iptables rules; a failure to read them fails the test (never "no rules"). */
export function iptablesDump(): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('iptables-save', [], { maxBuffer: 64 << 20 }, (e, out, err) => {
      if (e) reject(new Error(`iptables-save failed: ${err || e.message}`));
      else if (!out.includes('*filter') && !out.includes('*nat')) reject(new Error(`iptables-save printed no tables: ${out}`));
      else resolve(out);
    }),
  );
}

/**
 * "10.N" for a /16 no interface routes, chosen at random: test files that run at
 * the same time (other suites, other daemons) must not pick the same subnets.
 */
export function freeSubnet16(exclude: string[] = []): string {
  const routed = fs
    .readFileSync('/proc/net/route', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 7 && f[7] !== '00000000')
    .map((f) => {
      const dst = parseInt(f[1], 16);
      const mask = parseInt(f[7], 16);
      return { first: dst & 0xff, second: (dst >> 8) & 0xff, maskFirst: mask & 0xff, maskSecond: (mask >> 8) & 0xff };
    });
  const taken = (n: number) => routed.some((r) => (10 & r.maskFirst) === r.first && (n & r.maskSecond) === r.second);
  const start = Math.floor(Math.random() * 150);
  for (let i = 0; i < 150; i++) {
    const n = 100 + ((start + i) % 150);
    if (!taken(n) && !exclude.includes(`10.${n}`)) return `10.${n}`;
  }
  throw new Error('no free 10.x.0.0/16 for the test');
}

/** A random unique-local /64 prefix ("fdxx:xxxx:xxxx") for IPv6 tests. */
export function randomUla(): string {
  const h = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `fd${Math.floor(Math.random() * 0x100)
    .toString(16)
    .padStart(2, '0')}:${h()}:${h()}`;
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
