// The reference dockerd of the side-by-side comparisons (buildx-compare,
// docker-compare): the bench's engine on private roots, socket and containerd,
// with no bridge and no firewall rules (--bridge none --iptables=false
// --ip-forward=false --ip-masq=false). stop() stops it by pid, removes what it
// made outside its roots and checks the host's firewall and links are as before.
import { spawnSync } from 'node:child_process';
import { DockerEngine } from '../../bench/engines';
import { makeRunDirs, removeRunDirs, SystemPathGuard } from '../../bench/workspace';

/** Lines of the host's firewall and links that name Docker (checked before and after the run). */
function dockerFootprint(): string[] {
  const out: string[] = [];
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const r = spawnSync(tool, [], { encoding: 'utf8' });
    for (const l of (r.stdout ?? '').split('\n')) if (/DOCKER/.test(l)) out.push(`${tool}: ${l}`);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const l of links.split('\n')) if (/\bdocker0\b/.test(l)) out.push(`link: ${l.trim()}`);
  return out;
}

export interface ReferenceDockerd {
  docker: DockerEngine;
  /** Stops and cleans up; the report's host-check line. `alsoLeft` adds what the caller knows dockerd made. */
  stop(log: (s: string) => void, alsoLeft?: () => string[]): Promise<string>;
}

export function referenceDockerd(): ReferenceDockerd {
  const before = dockerFootprint();
  const guard = new SystemPathGuard();
  process.env.BENCH_DOCKER_BRIDGE = '0';
  const dirs = makeRunDirs();
  const docker = new DockerEngine(dirs);
  return {
    docker,
    async stop(log, alsoLeft = () => []) {
      await docker.stop().catch((e) => log(`stopping dockerd: ${(e as Error).message}`));
      for (const n of docker.notes) log(`note: ${n}`);
      const removed = guard.restore(new Set());
      if (removed.length) log(`removed what dockerd/containerd made outside their roots: ${removed.join(', ')}`);
      removeRunDirs(dirs);
      const after = [...dockerFootprint().filter((l) => !before.includes(l)), ...alsoLeft()];
      log(after.length ? `LEFT BEHIND by dockerd:\n${after.join('\n')}` : 'dockerd left no iptables rule or bridge');
      return `Host check after dockerd stopped: ${after.length ? after.join('; ') : 'no iptables rule or bridge of Docker left'}.`;
    },
  };
}
