// /containers/{id}/top and /containers/{id}/stats.
import { execFile } from 'node:child_process';
import type { Engine } from '../../engine/engine';
import { cgroupsPathFor, readStats } from '../../runtime';
import { badRequest, conflict, internal } from '../../util/errors';
import { ClientStream } from '../client-stream';
import { sendJson } from '../http';
import { boolParam, type HttpContext } from '../router';

export async function topHandler(engine: Engine, { res, params, query }: HttpContext): Promise<void> {
  const c = engine.containers.get(params.id);
  if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
  const args = (query.get('ps_args') || '-ef').split(/\s+/).filter(Boolean);
  const pids = new Set(await engine.ctx.runc.ps(engine.containers.lifecycle.paths.runtimeRoot(c), c.ID));
  const out = await new Promise<string>((resolve, reject) =>
    execFile('ps', args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(badRequest(`Error running ps: ${stderr || err.message}`)) : resolve(stdout))),
  );
  const lines = out.split('\n').filter(Boolean);
  const header = lines[0].trim().split(/\s+/);
  const pidCol = header.indexOf('PID');
  if (pidCol < 0) throw internal(`Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const l of lines.slice(1)) {
    const f = l.trim().split(/\s+/);
    if (!pids.has(Number(f[pidCol]))) continue;
    // the last column (command) keeps its spaces
    processes.push([...f.slice(0, header.length - 1), f.slice(header.length - 1).join(' ')]);
  }
  sendJson(res, 200, { Titles: header, Processes: processes });
}

export async function statsHandler(engine: Engine, { res, params, query }: HttpContext): Promise<void> {
  const c = engine.containers.get(params.id);
  const stream = query.get('stream') === null ? true : boolParam(query, 'stream');
  const oneShot = boolParam(query, 'one-shot');
  const cgPath = cgroupsPathFor(c.ID, c.HostConfig.CgroupParent || engine.cfg.cgroupParent);
  const sample = () => {
    const base = { name: c.Name, id: c.ID };
    if (!c.State.Running) {
      return { ...base, read: '0001-01-01T00:00:00Z', preread: '0001-01-01T00:00:00Z', pids_stats: {}, blkio_stats: {}, num_procs: 0, storage_stats: {}, cpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } }, precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } }, memory_stats: {} };
    }
    // read: when this sample was taken (clients compute rates from read/preread)
    return { ...base, read: new Date().toISOString(), ...readStats(cgPath, { pid: c.State.Pid }) } as Record<string, unknown>;
  };
  let prev: Record<string, unknown> | undefined;
  const withPre = (cur: Record<string, unknown>) => ({
    ...cur,
    preread: prev?.read ?? '0001-01-01T00:00:00Z',
    precpu_stats: prev?.cpu_stats ?? { cpu_usage: { total_usage: 0 }, throttling_data: {} },
  });
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const client = new ClientStream(res);
  const tick = () =>
    new Promise<void>((r) => {
      const t = setTimeout(done, 1000);
      function done() {
        clearTimeout(t);
        client.signal.removeEventListener('abort', done);
        r();
      }
      client.signal.addEventListener('abort', done);
    });
  if (!stream) {
    if (!oneShot && c.State.Running) {
      // `docker stats --no-stream` computes CPU% from a sample one second older
      prev = sample();
      await tick();
    }
    client.end(JSON.stringify(withPre(sample())) + '\n');
    return;
  }
  res.flushHeaders();
  while (!client.gone) {
    const cur = sample();
    await client.write(JSON.stringify(withPre(cur)) + '\n');
    prev = cur;
    if (!c.State.Running && !engine.ctx.containers.find(c.ID)) break;
    await tick();
  }
  client.end();
}
