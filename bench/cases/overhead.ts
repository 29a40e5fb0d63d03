// The engine's own overhead over the runtime floor. The floor is what the OCI
// runtime alone costs for the same work on the same machine, measured in the
// same sample: `runc run` of a copy of the engine's own bundle for a container
// (its config.json: namespaces, mounts, cgroup, seccomp, capabilities; the
// process `true`; the engine's hooks dropped), and `runc exec CTR true` on the
// engine's running container (plus conmon + `runc exec`, berth's design). The
// engine's figure is the same operation through the Engine API the way the
// docker CLI makes it (no CLI start-up), and through the docker CLI less
// `docker --version`. Floor and API figures are taken in A B B A order within a
// sample; overheads are per-sample differences, then medians.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { api } from '../api';
import type { Engine } from '../engines';
import type { Case } from '../framework';
import { runCommand, timed } from '../util';

const NET = ['--network', 'none'];
const CONMON = '/usr/bin/conmon';
const RUNC = '/usr/sbin/runc';

interface State {
  /** the running `sleep` container: exec target and bundle template */
  id: string;
  /** where the engine's runc keeps that container's state */
  runcRoot: string;
  /** the floor's own bundle, runc root and container name */
  floorBundle: string;
  floorRoot: string;
  floorId: string;
  /** conmon's per-exec dir and the process spec it runs */
  execDir: string;
  processSpec: string;
}

/** One HTTP request on its own connection; resolves with the response (body not read). */
function request(
  socket: string,
  method: string,
  p: string,
  body?: unknown,
  upgrade = false,
): Promise<{ res: http.IncomingMessage; sock?: import('node:net').Socket }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {};
    if (upgrade) Object.assign(headers, { Connection: 'Upgrade', Upgrade: 'tcp' });
    const req = http.request({ socketPath: socket, method, path: p, headers, agent: false });
    req.on('upgrade', (res, sock) => resolve({ res, sock }));
    req.on('response', (res) => resolve({ res }));
    req.on('error', reject);
    req.end(data);
  });
}

function readAll(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('close', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
  });
}

async function ok(r: { res: http.IncomingMessage }, what: string): Promise<void> {
  const code = r.res.statusCode ?? 0;
  if (code >= 300 && code !== 304) throw new Error(`${what} -> ${code}: ${(await readAll(r.res)).trim()}`);
}

/** `docker run --rm --network none IMG true` as the CLI makes it: create, attach, wait (removed), start, the wait's answer. */
async function apiRunRm(socket: string, image: string): Promise<void> {
  const c = await request(socket, 'POST', '/v1.41/containers/create', {
    Image: image,
    Cmd: ['true'],
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { AutoRemove: true, NetworkMode: 'none' },
  });
  await ok(c, 'create');
  const { Id } = JSON.parse(await readAll(c.res));
  const att = await request(socket, 'POST', `/v1.41/containers/${Id}/attach?stream=1&stdout=1&stderr=1`, undefined, true);
  if (!att.sock) await ok(att, 'attach');
  const out = att.sock ? readAll(att.sock) : Promise.resolve('');
  const w = await request(socket, 'POST', `/v1.41/containers/${Id}/wait?condition=removed`);
  await ok(w, 'wait');
  const status = readAll(w.res);
  const s = await request(socket, 'POST', `/v1.41/containers/${Id}/start`);
  await ok(s, 'start');
  s.res.resume();
  const answer = JSON.parse(await status);
  await out;
  if (answer.StatusCode !== 0) throw new Error(`run --rm through the API: exit code ${answer.StatusCode}`);
}

/** `docker exec CTR true` as the CLI makes it: exec create, attached start until the stream ends, exec inspect. */
async function apiExec(socket: string, id: string): Promise<void> {
  const c = await request(socket, 'POST', `/v1.41/containers/${id}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: ['true'] });
  await ok(c, 'exec create');
  const { Id } = JSON.parse(await readAll(c.res));
  const st = await request(socket, 'POST', `/v1.41/exec/${Id}/start`, { Detach: false, Tty: false }, true);
  if (!st.sock) await ok(st, 'exec start');
  await readAll(st.sock ?? st.res);
  const info = await api(socket, 'GET', `/v1.41/exec/${Id}/json`);
  if (info.ExitCode !== 0) throw new Error(`exec through the API: exit code ${info.ExitCode}`);
}

async function checked(cmd: string, args: string[], what: string): Promise<number> {
  const r = await runCommand(cmd, args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
  return r.ms;
}

/** conmon running `runc exec` of the process spec, timed until conmon reports the exit code. */
async function conmonExec(s: State, round: number): Promise<number> {
  const execId = `floor-exec-${process.pid}-${round + 2}`;
  const exitDir = path.join(s.execDir, 'exit');
  fs.mkdirSync(exitDir, { recursive: true });
  const args = [
    '--api-version',
    '1',
    '-r',
    RUNC,
    '--runtime-arg',
    '--root',
    '--runtime-arg',
    s.runcRoot,
    '--log-level',
    'error',
    '-c',
    s.id,
    '-u',
    execId,
    '-n',
    execId,
    '-b',
    s.execDir,
    '-p',
    path.join(s.execDir, 'pid'),
    '--exit-dir',
    exitDir,
    '--socket-dir-path',
    s.execDir,
    '-l',
    'none',
    '-e',
    '--exec-process-spec',
    s.processSpec,
  ];
  const { ms, value } = await timed(
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(CONMON, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, _OCI_SYNCPIPE: '3' } });
        child.on('error', reject);
        child.stderr!.resume();
        // conmon answers {"data": pid} once the process runs and {"data": exit code} when it ends, then closes the pipe
        void readAll(child.stdio[3] as NodeJS.ReadableStream).then(resolve, reject);
      }),
  );
  const msgs = value
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { data: number });
  const code = msgs.length >= 2 ? msgs[msgs.length - 1].data : Number(fs.readFileSync(path.join(exitDir, execId), 'utf8'));
  fs.rmSync(path.join(exitDir, execId), { force: true });
  if (code !== 0) throw new Error(`conmon + runc exec: exit code ${code} (${value.trim()})`);
  return ms;
}

/** A copy of the engine's bundle for container `id`, running `true`, without the engine's hooks. */
function floorBundle(engine: Engine, id: string, dir: string, floorId: string): { runcRoot: string; processSpec: string } {
  const rt = engine.runtimeOf(id);
  const cfg = JSON.parse(fs.readFileSync(path.join(rt.bundle, 'config.json'), 'utf8'));
  const root = path.resolve(rt.bundle, cfg.root.path);
  cfg.root = { path: root, readonly: !!cfg.root.readonly };
  cfg.process = { ...cfg.process, args: ['true'], terminal: false };
  delete cfg.hooks;
  const cg: string | undefined = cfg.linux?.cgroupsPath;
  // a cgroup of its own beside the engine's (cgroupfs paths; a systemd slice:scope keeps its slice)
  if (cg) cfg.linux.cgroupsPath = cg.includes(':') ? cg.replace(/:[^:]*:[^:]*$/, `:berth-floor:${floorId}`) : path.join(path.dirname(cg), floorId);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  const processSpec = path.join(dir, 'process.json');
  fs.writeFileSync(processSpec, JSON.stringify(cfg.process));
  return { runcRoot: rt.runcRoot, processSpec };
}

export const overhead: Case<State> = {
  id: 'overhead',
  title: 'overhead over the runtime floor',
  section: 'Container lifecycle (docker CLI)',
  how: "per sample, interleaved: `runc run` of a copy of the engine's own bundle of a `--network none` container (its config.json, the process `true`, hooks dropped, a cgroup of its own; the rootfs already mounted) is the run floor; `runc exec CTR true` on the engine's running container is the exec floor (and conmon running it, berth's design). The engine does the same through the API as the docker CLI does (run --rm: create, attach, wait?condition=removed, start, the wait's answer; exec: create, attached start to the end of the stream, inspect), floor and API twice each in A B B A order, and once through the docker CLI (less `docker --version`); overheads are per-sample differences",
  metrics: [
    { id: 'floor_run', label: 'floor: runc run (same bundle, true)', unit: 'ms', better: 'lower', chart: false },
    { id: 'api_run', label: 'run --rm through the API', unit: 'ms', better: 'lower', chart: false },
    {
      id: 'over_run',
      label: 'run --rm overhead over runc run (API)',
      unit: 'ms',
      better: 'lower',
      target: { absMax: 10, text: '≤ 10 ms over the runtime floor' },
    },
    { id: 'over_run_cli', label: 'run --rm overhead over runc run (CLI − docker --version)', unit: 'ms', better: 'lower', chart: false },
    { id: 'floor_exec', label: 'floor: runc exec CTR true', unit: 'ms', better: 'lower', chart: false },
    { id: 'floor_exec_conmon', label: 'floor: conmon + runc exec CTR true', unit: 'ms', better: 'lower', chart: false },
    { id: 'api_exec', label: 'exec through the API', unit: 'ms', better: 'lower', chart: false },
    {
      id: 'over_exec',
      label: 'exec overhead over runc exec (API)',
      unit: 'ms',
      better: 'lower',
      target: { absMax: 10, text: '≤ 10 ms over the runtime floor' },
    },
    { id: 'over_exec_conmon', label: 'exec overhead over conmon + runc exec (API)', unit: 'ms', better: 'lower', chart: false },
    { id: 'over_exec_cli', label: 'exec overhead over runc exec (CLI − docker --version)', unit: 'ms', better: 'lower', chart: false },
  ],
  available() {
    if (!fs.existsSync(RUNC)) return `${RUNC} is missing`;
    if (!fs.existsSync(CONMON)) return `${CONMON} is missing`;
    return true;
  },
  async setup({ engine, image, shared }) {
    const id = (await engine.dockerOk(['run', '-d', ...NET, image, 'sleep', '1000'])).stdout.trim();
    const floorId = `berth-floor-${engine.name}-${process.pid}`;
    const base = path.join(shared.dirs.run, `fl-${engine.name[0]}`);
    const floorBundleDir = path.join(base, 'bundle');
    const { runcRoot, processSpec } = floorBundle(engine, id, floorBundleDir, floorId);
    const floorRoot = path.join(base, 'runc');
    fs.mkdirSync(floorRoot, { recursive: true });
    shared.defer(`floor containers (${engine.name})`, async () => {
      await runCommand(RUNC, ['--root', floorRoot, 'delete', '-f', floorId], { timeoutMs: 20_000 });
    });
    return { id, runcRoot, floorBundle: floorBundleDir, floorRoot, floorId, execDir: path.join(base, 'x'), processSpec };
  },
  async sample({ engine, image }, s, round) {
    // floor and engine in A B B A order: load that drifts within the sample hits both alike
    const runFloor = () => checked(RUNC, ['--root', s.floorRoot, 'run', '--bundle', s.floorBundle, s.floorId], 'runc run');
    const runApi = async () => (await timed(() => apiRunRm(engine.socket, image))).ms;
    const fr1 = await runFloor();
    const ar1 = await runApi();
    const ar2 = await runApi();
    const fr2 = await runFloor();
    const cli = (await engine.dockerOk(['--version'])).ms;
    const cli_run = (await engine.dockerOk(['run', '--rm', ...NET, image, 'true'])).ms;
    const execFloor = () => checked(RUNC, ['--root', s.runcRoot, 'exec', s.id, 'true'], 'runc exec');
    const execApi = async () => (await timed(() => apiExec(engine.socket, s.id))).ms;
    const fe1 = await execFloor();
    const ae1 = await execApi();
    const ae2 = await execApi();
    const fe2 = await execFloor();
    const floor_exec_conmon = await conmonExec(s, round);
    const cli_exec = (await engine.dockerOk(['exec', s.id, 'true'])).ms;
    const floor_run = (fr1 + fr2) / 2;
    const api_run = (ar1 + ar2) / 2;
    const floor_exec = (fe1 + fe2) / 2;
    const api_exec = (ae1 + ae2) / 2;
    return {
      floor_run,
      api_run,
      over_run: api_run - floor_run,
      over_run_cli: cli_run - cli - floor_run,
      floor_exec,
      floor_exec_conmon,
      api_exec,
      over_exec: api_exec - floor_exec,
      over_exec_conmon: api_exec - floor_exec_conmon,
      over_exec_cli: cli_exec - cli - floor_exec,
    };
  },
  async teardown({ engine }, s) {
    await engine.removeContainers([s.id]);
  },
};
