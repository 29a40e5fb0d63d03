// CLI start-up: each engine's own CLI for everyday commands (berth's CLI on
// berth, the docker CLI on Docker), with Node's own start and the docker CLI's
// figures on the same daemon as context. berth's CLI starts from its V8
// snapshot (scripts/build-cli.js) when the build made one.
import * as path from 'node:path';
import type { Case, CaseEnv } from '../framework';
import { DOCKER_CLI } from '../engines';
import { runCommand } from '../util';

const BERTH_CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'berth');

async function timedOk(cmd: string, args: string[]): Promise<number> {
  const r = await runCommand(cmd, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.ms;
}

export const cliStart: Case = {
  id: 'cli-start',
  title: 'CLI start-up',
  section: 'CLI start-up',
  how: "`berth --help`, `berth ps`, `berth version` on berth and the docker CLI's on Docker, spawn to exit; `node -e 0` and the docker CLI on the same daemon for context",
  metrics: [
    { id: 'help', label: 'CLI --help', unit: 'ms', better: 'lower' },
    { id: 'ps', label: 'CLI ps', unit: 'ms', better: 'lower' },
    { id: 'version', label: 'CLI version', unit: 'ms', better: 'lower' },
    { id: 'node', label: 'node -e 0 (Node alone)', unit: 'ms', better: 'lower', chart: false },
    { id: 'docker_help', label: 'docker --help, same daemon', unit: 'ms', better: 'lower', chart: false },
    { id: 'docker_ps', label: 'docker ps, same daemon', unit: 'ms', better: 'lower', chart: false },
    { id: 'docker_version', label: 'docker version, same daemon', unit: 'ms', better: 'lower', chart: false },
  ],
  async sample({ engine }: CaseEnv) {
    const H = ['-H', engine.host];
    const own = engine.name === 'berth' ? BERTH_CLI : DOCKER_CLI;
    return {
      help: await timedOk(own, ['--help']),
      ps: await timedOk(own, [...H, 'ps']),
      version: await timedOk(own, [...H, 'version']),
      node: await timedOk(process.execPath, ['-e', '0']),
      docker_help: await timedOk(DOCKER_CLI, ['--help']),
      docker_ps: await timedOk(DOCKER_CLI, [...H, 'ps']),
      docker_version: await timedOk(DOCKER_CLI, [...H, 'version']),
    };
  },
};
