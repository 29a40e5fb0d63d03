// Remote engines: the same `run --rm` and `exec` as the lifecycle figures,
// through the daemon's unix socket, its TCP listener with mutual TLS, and an
// ssh:// host (a private sshd on 127.0.0.1 whose sessions run the docker CLI's
// `system dial-stdio` towards the engine). The docker CLI drives both engines
// the same way over each transport, so the ratios compare the daemons.
import type { Case, CaseEnv } from '../framework';
import { TestSshd, sshdAvailable } from '../../test/helpers/sshd';
import { DOCKER_CLI } from '../engines';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const NET = ['--network', 'none'];

interface State {
  id: string;
  sshd?: TestSshd;
  onlyDocker?: string;
}

type Via = 'unix' | 'tls' | 'ssh';
const VIAS: Via[] = ['unix', 'tls', 'ssh'];

export const remote: Case<State> = {
  id: 'remote',
  title: 'run and exec over unix, TCP+TLS and ssh',
  section: 'Remote engines (docker CLI)',
  how: "`docker run --rm --network none IMG true` and `docker exec CTR true` through `-H unix://`, `-H tcp://127.0.0.1:P --tlsverify` (mutual TLS) and `-H ssh://root@127.0.0.1:P` (private sshd; the far side runs the docker CLI's dial-stdio)",
  metrics: VIAS.flatMap((v) => [
    { id: `run_${v}`, label: `run --rm over ${v === 'tls' ? 'TCP+TLS' : v}`, unit: 'ms', better: 'lower' as const },
    { id: `exec_${v}`, label: `exec over ${v === 'tls' ? 'TCP+TLS' : v}`, unit: 'ms', better: 'lower' as const },
  ]),
  available() {
    return sshdAvailable() || 'openssh-server is not installed';
  },
  async setup({ engine, image }: CaseEnv): Promise<State> {
    const id = (await engine.dockerOk(['run', '-d', ...NET, image, 'sleep', '100000'])).stdout.trim();
    // the far side finds only the docker CLI, so both engines are reached the same way
    const onlyDocker = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-onlydocker-'));
    fs.symlinkSync(DOCKER_CLI, path.join(onlyDocker, 'docker'));
    const sshd = new TestSshd();
    await sshd.start({ DOCKER_HOST: engine.host, PATH: `${onlyDocker}:/usr/bin:/bin` });
    return { id, sshd, onlyDocker };
  },
  async sample({ engine, image }, st) {
    const out: Record<string, number> = {};
    const conns: Record<Via, string[]> = { unix: ['-H', engine.host], tls: engine.tlsClientArgs(), ssh: ['-H', `ssh://root@127.0.0.1:${st.sshd!.port}`] };
    const env = { PATH: st.sshd!.path };
    for (const v of VIAS) {
      out[`run_${v}`] = (await engine.dockerVia(conns[v], ['run', '--rm', ...NET, image, 'true'], env)).ms;
      out[`exec_${v}`] = (await engine.dockerVia(conns[v], ['exec', st.id, 'true'], env)).ms;
    }
    return out;
  },
  async teardown({ engine }, st) {
    await engine.removeContainers([st.id]);
    await st.sshd?.stop();
    if (st.onlyDocker) fs.rmSync(st.onlyDocker, { recursive: true, force: true });
  },
};
