// A registry the bench starts: Debian's docker-registry (the CNCF distribution
// server) on 127.0.0.1, a random free port, open (no auth), storing under a
// private directory of the run. Both engines talk plain HTTP to it: Docker and
// berth treat 127.0.0.0/8 as insecure by default. stop() kills the process by
// pid and removes its storage; the Shared cleanup calls it on every exit path.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { tailFile } from './engines';
import { waitUntil } from './util';
import { registryConfigLines } from '../test/fixtures/registry-config';
import { freePort } from '../test/helpers/net';

export const REGISTRY_BIN = process.env.BENCH_REGISTRY || '/usr/bin/docker-registry';

export function registryInstalled(): boolean {
  try {
    fs.accessSync(REGISTRY_BIN, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export class BenchRegistry {
  private proc?: ChildProcess;
  host = '';

  /** dir: a fresh directory of the run (config, storage, log). */
  constructor(readonly dir: string) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    // a port picked free can be taken before the registry binds it: try a few
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      this.host = `127.0.0.1:${port}`;
      const cfg = path.join(this.dir, 'config.yml');
      fs.writeFileSync(cfg, [...registryConfigLines(this.dir, this.host), ''].join('\n'));
      const log = fs.openSync(path.join(this.dir, 'registry.log'), 'a');
      // detached: a Ctrl-C reaches the bench, which stops the registry in its cleanup
      const p = spawn(REGISTRY_BIN, ['serve', cfg], { stdio: ['ignore', log, log], detached: true });
      fs.closeSync(log);
      p.on('error', () => undefined);
      this.proc = p;
      const up = await waitUntil(async () => p.exitCode !== null || (await status(`http://${this.host}/v2/`)) === 200, 15_000, 50);
      if (up && p.exitCode === null) return;
      await this.stop(false);
    }
    throw new Error(`docker-registry did not come up: ${tailFile(path.join(this.dir, 'registry.log'), 10)}`);
  }

  /** Stops the registry (SIGTERM, then SIGKILL) and removes its directory unless told not to. */
  async stop(removeFiles = true): Promise<void> {
    const p = this.proc;
    if (p?.pid && p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      if (!(await waitUntil(() => p.exitCode !== null || p.signalCode !== null, 5000, 50))) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await waitUntil(() => p.exitCode !== null || p.signalCode !== null, 5000, 50);
      }
    }
    this.proc = undefined;
    if (removeFiles) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
