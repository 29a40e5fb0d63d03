// Single-container lifecycle figures, each one whole `docker` CLI command timed
// from spawn to exit. Every container uses --network none on both engines
// (berth has no bridge networking yet).
import type { Case, CaseEnv } from '../framework';
import { sleep } from '../util';

const NET = ['--network', 'none'];

/** The docker CLI alone, no daemon contact: the floor under every CLI figure. */
export const cliFloor: Case = {
  id: 'cli-floor',
  title: 'docker CLI start',
  section: 'Container lifecycle (docker CLI)',
  how: "`docker --version` (no daemon contact): the client's own start-up, included in every CLI figure",
  metrics: [{ id: 'cli', label: 'docker --version (client only)', unit: 'ms', better: 'lower', chart: false }],
  async sample({ engine }) {
    return { cli: (await engine.dockerOk(['--version'])).ms };
  },
};

export const runRm: Case = {
  id: 'run-rm',
  title: 'run --rm',
  section: 'Container lifecycle (docker CLI)',
  how: '`docker run --rm --network none IMG true`',
  metrics: [{ id: 'run_rm', label: 'run --rm IMG true', unit: 'ms', better: 'lower', target: { ratioMax: 0.3, text: '≤ 0.3× Docker' } }],
  async sample({ engine, image }) {
    return { run_rm: (await engine.dockerOk(['run', '--rm', ...NET, image, 'true'])).ms };
  },
};

export const runDetached: Case = {
  id: 'run-d',
  title: 'run -d',
  section: 'Container lifecycle (docker CLI)',
  how: '`docker run -d --network none IMG sleep 1000` (the container is removed afterwards, untimed)',
  metrics: [{ id: 'run_d', label: 'run -d IMG sleep 1000', unit: 'ms', better: 'lower', target: { ratioMax: 0.4, text: '≤ 0.4× Docker' } }],
  async sample({ engine, image }) {
    const r = await engine.dockerOk(['run', '-d', ...NET, image, 'sleep', '1000']);
    await engine.removeContainers([r.stdout.trim()]);
    return { run_d: r.ms };
  },
};

export const exec: Case<string> = {
  id: 'exec',
  title: 'exec',
  section: 'Container lifecycle (docker CLI)',
  how: '`docker exec CTR true` in a running `sleep 1000` container',
  metrics: [{ id: 'exec', label: 'exec CTR true', unit: 'ms', better: 'lower', target: { ratioMax: 0.5, text: '≤ 0.5× Docker' } }],
  async setup({ engine, image }) {
    return (await engine.dockerOk(['run', '-d', ...NET, image, 'sleep', '1000'])).stdout.trim();
  },
  async sample({ engine }, id) {
    return { exec: (await engine.dockerOk(['exec', id, 'true'])).ms };
  },
  async teardown({ engine }, id) {
    await engine.removeContainers([id]);
  },
};

const TRAP_LOOP = 'trap "exit 0" TERM; while :; do sleep 0.1; done';

export const stop: Case = {
  id: 'stop',
  title: 'stop',
  section: 'Container lifecycle (docker CLI)',
  how: `\`docker stop CTR\` of a container running \`sh -c '${TRAP_LOOP}'\` (exits 0 on SIGTERM); started 300 ms before, removed after, both untimed`,
  metrics: [{ id: 'stop', label: 'stop (SIGTERM handled)', unit: 'ms', better: 'lower', target: { ratioMax: 0.5, text: '≤ 0.5× Docker' } }],
  async sample({ engine, image }: CaseEnv) {
    const id = (await engine.dockerOk(['run', '-d', ...NET, image, 'sh', '-c', TRAP_LOOP])).stdout.trim();
    try {
      await sleep(300); // let sh install its trap
      const r = await engine.dockerOk(['stop', id]);
      const state = (await engine.api('GET', `/containers/${id}/json`)).State;
      if (state.Running || state.ExitCode !== 0)
        engine.note(`stop: container ended with exit code ${state.ExitCode} (running=${state.Running}); expected 0 from its TERM trap`);
      return { stop: r.ms };
    } finally {
      await engine.removeContainers([id]);
    }
  },
};
