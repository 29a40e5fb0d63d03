// A private OpenSSH server on 127.0.0.1 for the ssh:// tests: its own config,
// port, host key and authorized key (key-only auth), and an `ssh` wrapper on
// PATH that uses a private client config and known_hosts, so neither the
// host's sshd nor root's ~/.ssh is touched. Sessions get the environment the
// test gives (e.g. DOCKER_HOST pointing at a test berthd).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from './daemon';
import { freePort } from './net';

export const SSHD = '/usr/sbin/sshd';

export function sshdAvailable(): boolean {
  return fs.existsSync(SSHD) && spawnSync('ssh', ['-V']).status === 0;
}

export class TestSshd {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sshd-'));
  /** put first on PATH: `ssh` there runs the real one with the private client config */
  readonly binDir = path.join(this.dir, 'bin');
  port = 0;
  private proc?: ChildProcess;

  /** Starts sshd; env is set in every session (sshd's SetEnv). */
  async start(env: Record<string, string>): Promise<void> {
    this.port = await freePort();
    const d = this.dir;
    fs.mkdirSync(this.binDir);
    const gen = (file: string) => {
      const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
      if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
    };
    gen(path.join(d, 'host_key'));
    gen(path.join(d, 'client_key'));
    fs.copyFileSync(path.join(d, 'client_key.pub'), path.join(d, 'authorized_keys'));
    const setEnv = Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    fs.writeFileSync(
      path.join(d, 'sshd_config'),
      [
        `Port ${this.port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(d, 'host_key')}`,
        `PidFile ${path.join(d, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(d, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'StrictModes no',
        'PrintMotd no',
        'LogLevel ERROR',
        setEnv ? `SetEnv ${setEnv}` : '',
        '',
      ].join('\n'),
    );
    const hostPub = fs.readFileSync(path.join(d, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(path.join(d, 'known_hosts'), `[127.0.0.1]:${this.port} ${hostPub}\n`);
    fs.writeFileSync(
      path.join(d, 'ssh_config'),
      [
        'Host *',
        `  IdentityFile ${path.join(d, 'client_key')}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${path.join(d, 'known_hosts')}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(this.binDir, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${path.join(d, 'ssh_config')} "$@"\n`, { mode: 0o755 });
    // sshd's privilege separation directory (Debian's package makes it at boot)
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.proc = spawn(SSHD, ['-D', '-e', '-f', path.join(d, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    this.proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          if (this.proc!.exitCode !== null) throw new Error(`sshd exited: ${err}`);
          const c = net.connect(this.port, '127.0.0.1');
          c.once('connect', () => {
            c.destroy();
            resolve(true);
          });
          c.once('error', () => resolve(false));
        }),
      10000,
    );
  }

  /** PATH with the wrapper first. */
  get path(): string {
    return `${this.binDir}:${process.env.PATH}`;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await gone;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
