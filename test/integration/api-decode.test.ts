// Request decoding at the API edge, against a real berthd: wrong JSON types are
// refused with dockerd's 400 and wording (never coerced into a privileged,
// auto-removed or read-only container), a fuzz of wrong types over every
// field of create, exec, network and volume create and the build parameters
// (fixed seed), and listings that survive one bad record on disk.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as tar from 'tar-stream';
import { TestDaemon, waitFor, type RunResult } from '../helpers/daemon';

function ok(r: RunResult): string {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** mulberry32: a small PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Wrong values per Go type, as raw JSON text (so 1e3 and 1.5 reach the daemon as written).
const WRONG: Record<string, string[]> = {
  bool: ['"false"', '"true"', '0', '1', '{}', '[]', '"x"'],
  int: ['"str"', '"1"', '1.5', '1e3', 'true', '{}', '[]', '99999999999999999999999'],
  string: ['1', 'true', '{}', '[]', '1.5'],
  strings: ['"A=1"', '1', 'true', '{}', '[1]', '[true]', '[{}]', '[[]]'],
  strslice: ['1', 'true', '{}', '[1]', '[{}]'],
  labels: ['[]', '"x"', '1', 'true', '{"a":1}', '{"a":true}', '{"a":{}}', '{"a":[]}'],
  portmap: ['[]', '"x"', '1', '{"80/tcp":1}', '{"80/tcp":"x"}', '{"80/tcp":[1]}', '{"80/tcp":[{"HostPort":1}]}', '{"80/tcp":{}}'],
  set: ['[]', '"x"', '1', '{"a":1}', '{"a":"x"}', '{"a":[]}'],
  object: ['"x"', '1', 'true', '[]'],
  objects: ['"x"', '1', '{}', '[1]', '["x"]', '[[]]'],
  pair: ['"x"', '1', '{}', '[-1]', '["a"]', '[1.5]', '[true]'],
};

type Fields = Record<string, keyof typeof WRONG>;

// Field lists from moby's API types (written out here, not taken from berth's decoders).
const CONFIG: Fields = {
  Hostname: 'string',
  Domainname: 'string',
  User: 'string',
  AttachStdin: 'bool',
  AttachStdout: 'bool',
  AttachStderr: 'bool',
  ExposedPorts: 'set',
  Tty: 'bool',
  OpenStdin: 'bool',
  StdinOnce: 'bool',
  Env: 'strings',
  Cmd: 'strslice',
  Healthcheck: 'object',
  ArgsEscaped: 'bool',
  Image: 'string',
  Volumes: 'set',
  WorkingDir: 'string',
  Entrypoint: 'strslice',
  NetworkDisabled: 'bool',
  MacAddress: 'string',
  OnBuild: 'strings',
  Labels: 'labels',
  StopSignal: 'string',
  StopTimeout: 'int',
  Shell: 'strslice',
};
const HOST_CONFIG: Fields = {
  Binds: 'strings',
  ContainerIDFile: 'string',
  LogConfig: 'object',
  NetworkMode: 'string',
  PortBindings: 'portmap',
  RestartPolicy: 'object',
  AutoRemove: 'bool',
  VolumeDriver: 'string',
  VolumesFrom: 'strings',
  ConsoleSize: 'pair',
  Annotations: 'labels',
  CapAdd: 'strslice',
  CapDrop: 'strslice',
  CgroupnsMode: 'string',
  Dns: 'strings',
  DnsOptions: 'strings',
  DnsSearch: 'strings',
  ExtraHosts: 'strings',
  GroupAdd: 'strings',
  IpcMode: 'string',
  Cgroup: 'string',
  Links: 'strings',
  OomScoreAdj: 'int',
  PidMode: 'string',
  Privileged: 'bool',
  PublishAllPorts: 'bool',
  ReadonlyRootfs: 'bool',
  SecurityOpt: 'strings',
  StorageOpt: 'labels',
  Tmpfs: 'labels',
  UTSMode: 'string',
  UsernsMode: 'string',
  ShmSize: 'int',
  Sysctls: 'labels',
  Runtime: 'string',
  Isolation: 'string',
  CpuShares: 'int',
  Memory: 'int',
  NanoCpus: 'int',
  CgroupParent: 'string',
  BlkioWeight: 'int',
  BlkioWeightDevice: 'objects',
  BlkioDeviceReadBps: 'objects',
  BlkioDeviceWriteBps: 'objects',
  BlkioDeviceReadIOps: 'objects',
  BlkioDeviceWriteIOps: 'objects',
  CpuPeriod: 'int',
  CpuQuota: 'int',
  CpuRealtimePeriod: 'int',
  CpuRealtimeRuntime: 'int',
  CpusetCpus: 'string',
  CpusetMems: 'string',
  Devices: 'objects',
  DeviceCgroupRules: 'strings',
  DeviceRequests: 'objects',
  KernelMemory: 'int',
  KernelMemoryTCP: 'int',
  MemoryReservation: 'int',
  MemorySwap: 'int',
  MemorySwappiness: 'int',
  OomKillDisable: 'bool',
  PidsLimit: 'int',
  Ulimits: 'objects',
  CpuCount: 'int',
  CpuPercent: 'int',
  IOMaximumIOps: 'int',
  IOMaximumBandwidth: 'int',
  Mounts: 'objects',
  MaskedPaths: 'strings',
  ReadonlyPaths: 'strings',
  Init: 'bool',
};
const ENDPOINT: Fields = { IPAMConfig: 'object', Links: 'strings', Aliases: 'strings', MacAddress: 'string', DriverOpts: 'labels' };
const EXEC: Fields = {
  User: 'string',
  Privileged: 'bool',
  Tty: 'bool',
  ConsoleSize: 'pair',
  AttachStdin: 'bool',
  AttachStderr: 'bool',
  AttachStdout: 'bool',
  Detach: 'bool',
  DetachKeys: 'string',
  Env: 'strings',
  WorkingDir: 'string',
  Cmd: 'strings',
};
const RESOURCES = Object.fromEntries(
  [
    'CpuShares',
    'Memory',
    'NanoCpus',
    'CgroupParent',
    'BlkioWeight',
    'BlkioWeightDevice',
    'CpuPeriod',
    'CpuQuota',
    'CpusetCpus',
    'Devices',
    'MemoryReservation',
    'MemorySwap',
    'MemorySwappiness',
    'OomKillDisable',
    'PidsLimit',
    'Ulimits',
  ].map((f) => [f, HOST_CONFIG[f]]),
) as Fields;
const UPDATE: Fields = { ...RESOURCES, RestartPolicy: 'object' };
const EXEC_START: Fields = { Detach: 'bool', Tty: 'bool', ConsoleSize: 'pair' };
const NETWORK: Fields = {
  Name: 'string',
  CheckDuplicate: 'bool',
  Driver: 'string',
  Scope: 'string',
  EnableIPv6: 'bool',
  IPAM: 'object',
  Internal: 'bool',
  Attachable: 'bool',
  Ingress: 'bool',
  ConfigOnly: 'bool',
  ConfigFrom: 'object',
  Options: 'labels',
  Labels: 'labels',
};
const VOLUME: Fields = { Name: 'string', Driver: 'string', DriverOpts: 'labels', Labels: 'labels' };
const BUILD: Record<string, [string, string[]]> = {
  buildargs: ['build args', ['[]', '"x"', '1', '{"a":1}', '{"a":{}}', '{', '{"a":"1"} x']],
  labels: ['labels', ['[]', '"x"', '{"a":1}', '{"a":null,"b":2}', '{"a":']],
  cachefrom: ['cache-from', ['{}', '"x"', '[1]', '[', '[{}]']],
  ulimits: ['ulimit settings', ['{}', '"x"', '[1]', '[{"Name":1}]', '[{"Soft":"1"}]', '[{"Hard":1.5}]']],
  buildcontexts: ['build contexts', ['[]', '"x"', '{"a":1}', '{"a":{}}', '{']],
};

describe('request decoding', () => {
  const d = new TestDaemon('decode');
  const containers = async () => (await d.request('GET', '/containers/json?all=1')).json() as Array<{ Id: string; Names: string[] }>;

  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it("refuses wrong types with dockerd's 400 instead of creating a privileged, auto-removed or read-only container", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ HostConfig: { Privileged: 'false' } }, 'string', 'HostConfig.HostConfig.Privileged of type bool'],
      [{ HostConfig: { Privileged: 1 } }, 'number', 'HostConfig.HostConfig.Privileged of type bool'],
      [{ HostConfig: { Privileged: {} } }, 'object', 'HostConfig.HostConfig.Privileged of type bool'],
      [{ HostConfig: { Privileged: [] } }, 'array', 'HostConfig.HostConfig.Privileged of type bool'],
      [{ HostConfig: { AutoRemove: 'false' } }, 'string', 'HostConfig.HostConfig.AutoRemove of type bool'],
      [{ HostConfig: { ReadonlyRootfs: 'false' } }, 'string', 'HostConfig.HostConfig.ReadonlyRootfs of type bool'],
      [{ HostConfig: { Memory: 'str' } }, 'string', 'HostConfig.HostConfig.Resources.Memory of type int64'],
      [{ Env: 'A=1' }, 'string', 'CreateRequest.Config.Env of type []string'],
      [{ Labels: { a: 1 } }, 'number', 'CreateRequest.Config.Labels of type string'],
    ];
    for (const [extra, kind, where] of cases) {
      const r = await d.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], ...extra });
      assert.equal(r.status, 400, JSON.stringify(extra));
      assert.equal(r.json().message, `invalid JSON: json: cannot unmarshal ${kind} into Go struct field ${where}`, JSON.stringify(extra));
    }
    assert.equal((await containers()).length, 0);
    // positive control: the same fields with their types create the container they say
    const good = await d.request('POST', '/containers/create?name=typed', {
      Image: 'busybox',
      Cmd: ['true'],
      Env: ['A=1'],
      Labels: { a: '1' },
      HostConfig: { Privileged: false, AutoRemove: false, ReadonlyRootfs: true, Memory: 64 * 1024 * 1024 },
    });
    assert.equal(good.status, 201, good.body.toString());
    const hc = (await d.request('GET', '/containers/typed/json')).json().HostConfig;
    assert.deepEqual([hc.Privileged, hc.AutoRemove, hc.ReadonlyRootfs, hc.Memory], [false, false, true, 64 * 1024 * 1024]);
    // null is Go's zero: no change from the defaults
    const nul = await d.request('POST', '/containers/create?name=nulls', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Privileged: null, Memory: null, Binds: null },
    });
    assert.equal(nul.status, 201, nul.body.toString());
    assert.equal((await d.request('GET', '/containers/nulls/json')).json().HostConfig.Privileged, false);
    ok(d.docker(['rm', 'typed', 'nulls']));
  });

  it('decodes update bodies strictly and changes only what they say', async () => {
    ok(d.docker(['create', '--name', 'upd', '--restart', 'always', 'busybox', 'true']));
    const bad = await d.request('POST', '/containers/upd/update', { Memory: '1g' });
    assert.deepEqual(
      [bad.status, bad.json().message],
      [400, 'invalid JSON: json: cannot unmarshal string into Go struct field UpdateConfig.Resources.Memory of type int64'],
    );
    // the docker CLI sends an empty RestartPolicy with every update: it means "unchanged"
    ok(d.docker(['update', '--cpu-shares', '512', 'upd']));
    const hc = (await d.request('GET', '/containers/upd/json')).json().HostConfig;
    assert.deepEqual([hc.CpuShares, hc.RestartPolicy.Name], [512, 'always']);
    ok(d.docker(['update', '--restart', 'no', 'upd']));
    assert.equal((await d.request('GET', '/containers/upd/json')).json().HostConfig.RestartPolicy.Name, 'no');
    const pol = await d.request('POST', '/containers/upd/update', { RestartPolicy: { Name: 'sometimes' } });
    assert.deepEqual([pol.status, pol.json().message], [400, "invalid restart policy 'sometimes'"]);
    ok(d.docker(['rm', 'upd']));
  });

  it("refuses bad JSON with Go's words and no JavaScript text", async () => {
    const cases: Array<[string, string]> = [
      ['{"Image": "busybox",', 'invalid JSON: unexpected EOF'],
      ['{"Image": busybox}', "invalid JSON: invalid character 'b' looking for beginning of value"],
      ['{"Image":"busybox"} trailing', 'invalid JSON: unexpected content after JSON'],
    ];
    for (const [body, want] of cases) {
      const r = await d.request('POST', '/containers/create', body);
      assert.equal(r.status, 400);
      assert.equal(r.json().message, want);
    }
  });

  it('fuzz: wrong types for every field of create, update, exec create and start, network and volume create and build params are 400s (seed 20261206)', async () => {
    const seed = Number(process.env.BERTH_FUZZ_SEED ?? 20261206);
    const rnd = prng(seed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    const targets: Array<{ route: string; field: string; body: (v: string) => string; kind: keyof typeof WRONG }> = [
      ...Object.entries(CONFIG).map(([f, k]) => ({
        route: '/containers/create',
        field: f,
        kind: k,
        body: (v: string) => `{"Image":"busybox","Cmd":["true"],"${f}":${v}}`,
      })),
      ...Object.entries(HOST_CONFIG).map(([f, k]) => ({
        route: '/containers/create',
        field: f,
        kind: k,
        body: (v: string) => `{"Image":"busybox","Cmd":["true"],"HostConfig":{"${f}":${v}}}`,
      })),
      ...Object.entries(ENDPOINT).map(([f, k]) => ({
        route: '/containers/create',
        field: f,
        kind: k,
        body: (v: string) => `{"Image":"busybox","Cmd":["true"],"NetworkingConfig":{"EndpointsConfig":{"bridge":{"${f}":${v}}}}}`,
      })),
      ...Object.entries(EXEC).map(([f, k]) => ({ route: '/containers/nothere/exec', field: f, kind: k, body: (v: string) => `{"Cmd":["true"],"${f}":${v}}` })),
      ...Object.entries(UPDATE).map(([f, k]) => ({ route: '/containers/nothere/update', field: f, kind: k, body: (v: string) => `{"${f}":${v}}` })),
      ...Object.entries(EXEC_START).map(([f, k]) => ({ route: '/exec/nothere/start', field: f, kind: k, body: (v: string) => `{"${f}":${v}}` })),
      ...Object.entries(NETWORK).map(([f, k]) => ({ route: '/networks/create', field: f, kind: k, body: (v: string) => `{"Name":"fuzz","${f}":${v}}` })),
      ...Object.entries(VOLUME).map(([f, k]) => ({ route: '/volumes/create', field: f, kind: k, body: (v: string) => `{"${f}":${v}}` })),
    ];
    const failures: string[] = [];
    // every field once, then random picks
    const plan = [
      ...targets.map((t) => ({ t, v: pick(WRONG[t.kind]) })),
      ...Array.from({ length: 300 }, () => {
        const t = pick(targets);
        return { t, v: pick(WRONG[t.kind]) };
      }),
    ];
    for (const { t, v } of plan) {
      const body = t.body(v);
      const r = await d.request('POST', t.route, body);
      const msg = r.status === 400 ? (r.json().message as string) : '';
      if (r.status !== 400 || !msg.startsWith('invalid JSON: json: cannot unmarshal ') || !new RegExp(`\\.${t.field}(\\.\\w+)* of type `).test(msg))
        failures.push(`${t.route} ${body} -> ${r.status} ${r.body}`);
    }
    for (const top of ['[]', '"x"', '1', 'true']) {
      for (const route of [
        '/containers/create',
        '/containers/nothere/exec',
        '/exec/nothere/start',
        '/containers/nothere/update',
        '/networks/create',
        '/volumes/create',
      ]) {
        const r = await d.request('POST', route, top);
        if (r.status !== 400 || !/^invalid JSON: json: cannot unmarshal \w+ into Go value of type /.test(r.json().message))
          failures.push(`${route} ${top} -> ${r.status} ${r.body}`);
      }
    }
    for (let i = 0; i < 40; i++) {
      const [param, [what, values]] = pick(Object.entries(BUILD));
      const v = pick(values);
      const r = await d.request('POST', `/build?${new URLSearchParams({ [param]: v })}`, '');
      const msg = r.status === 400 ? (r.json().message as string) : '';
      if (r.status !== 400 || !msg.startsWith(`error reading ${what}: `)) failures.push(`/build ${param}=${v} -> ${r.status} ${r.body}`);
    }
    assert.deepEqual(failures, [], `seed ${seed}`);
    // the daemon is up and nothing slipped through
    assert.ok(await d.ping());
    assert.equal((await containers()).length, 0);
    assert.ok(
      !ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))
        .split('\n')
        .includes('fuzz'),
    );
    // positive controls on the same routes
    const c = await d.request('POST', '/containers/create?name=after-fuzz', { Image: 'busybox', Cmd: ['true'] });
    assert.equal(c.status, 201);
    const v = await d.request('POST', '/volumes/create', { Name: 'after-fuzz' });
    assert.equal(v.status, 201);
    ok(d.docker(['rm', 'after-fuzz']));
    ok(d.docker(['volume', 'rm', 'after-fuzz']));
  });

  it('refuses a 300-character volume name and a malformed image filter with 400s that name the input', () => {
    const long = 'v'.repeat(300);
    const r = d.docker(['volume', 'create', long]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Error response from daemon: create v+: volume name is too long, names should be at most 255 characters/);
    assert.doesNotMatch(r.stderr, /\/volumes\/|ENAMETOOLONG/);
    ok(d.docker(['volume', 'create', 'v'.repeat(255)]));
    ok(d.docker(['volume', 'rm', 'v'.repeat(255)]));
    const f = d.docker(['images', '--filter', 'reference=[']);
    assert.equal(f.status, 1);
    assert.match(f.stderr, /invalid filter 'reference=\[': syntax error in pattern/);
    assert.match(ok(d.docker(['images', '--filter', 'reference=b[tu]sybox', '--format', '{{.Repository}}'])), /^busybox$/m);
    // a name filter that is not a regular expression matches nothing, as in dockerd
    assert.equal(ok(d.docker(['ps', '-a', '--filter', 'name=['])), 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
  });
});

async function tarOf(entries: Array<Partial<tar.Header> & { name: string; data?: string | Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const { data, ...h } of entries) pack.entry(h, data ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('archives with a hardlink to nothing', () => {
  const d = new TestDaemon('hardlink');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('refuses them in cp and import with a 400 naming the entries, not a host path', async () => {
    const bad = await tarOf([{ name: 'a.txt', type: 'link', linkname: 'missing.txt' }]);
    const good = await tarOf([
      { name: 'target.txt', data: 'x' },
      { name: 'a.txt', type: 'link', linkname: 'target.txt' },
    ]);
    ok(d.docker(['create', '--name', 'hl', 'busybox', 'true']));
    const want = 'invalid hardlink a.txt: target missing.txt is not in the archive';
    const cp = await d.request('PUT', '/containers/hl/archive?path=/', bad, { 'Content-Type': 'application/x-tar' });
    assert.deepEqual([cp.status, cp.json().message], [400, want]);
    const imp = await d.request('POST', '/images/create?fromSrc=-&repo=hardlink', bad, { 'Content-Type': 'application/x-tar' });
    assert.deepEqual([imp.status, imp.json().message], [400, want]);
    // positive control: a link to an entry the archive has
    const cpOk = await d.request('PUT', '/containers/hl/archive?path=/', good, { 'Content-Type': 'application/x-tar' });
    assert.equal(cpOk.status, 200, cpOk.body.toString());
    const impOk = await d.request('POST', '/images/create?fromSrc=-&repo=hardlink', good, { 'Content-Type': 'application/x-tar' });
    assert.equal(impOk.status, 200);
    assert.doesNotMatch(impOk.body.toString(), /error/);
    ok(d.docker(['rm', 'hl']));
    ok(d.docker(['rmi', 'hardlink']));
  });
});

/** A `docker save` archive of one image with one layer and these labels. */
async function savedImage(tag: string, labels: Record<string, unknown>): Promise<Buffer> {
  const layer = await tarOf([{ name: 'hello.txt', data: 'hello' }]);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-01T00:00:00Z',
    config: { Cmd: ['true'], Labels: labels },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '2026-01-01T00:00:00Z' }],
  });
  const manifest = JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['layer.tar'] }]);
  return tarOf([
    { name: 'config.json', data: config },
    { name: 'layer.tar', data: layer },
    { name: 'manifest.json', data: manifest },
  ]);
}

describe('images whose config has labels that are not strings', () => {
  const d = new TestDaemon('badlabels');
  before(() => d.start());
  after(() => d.stop());

  it('are refused at load, so image listings never carry them', async () => {
    const bad = await d.request('POST', '/images/load?quiet=1', await savedImage('badlabels:1', { a: 1 }), { 'Content-Type': 'application/x-tar' });
    assert.match(bad.body.toString(), /invalid image config: Labels must map strings to strings/);
    assert.doesNotMatch(ok(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])), /badlabels/);
    // positive control: string labels load and list
    const good = await d.request('POST', '/images/load?quiet=1', await savedImage('badlabels:2', { a: '1' }), { 'Content-Type': 'application/x-tar' });
    assert.equal(good.status, 200, good.body.toString());
    assert.match(ok(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])), /badlabels:2/);
    ok(d.docker(['system', 'df']));
    ok(d.docker(['rmi', 'badlabels:2']));
  });
});

describe('listing with a bad record on disk', () => {
  const d = new TestDaemon('badrec');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('leaves a container, network or volume record of the wrong shape out of ps, inspect, system df and ls, with a logged error', async () => {
    const good = ok(d.docker(['create', '--name', 'good', '--label', 'a=1', 'busybox', 'true'])).trim();
    const bad = ok(d.docker(['create', '--name', 'bad', '--label', 'a=1', 'busybox', 'true'])).trim();
    const net = ok(d.docker(['network', 'create', '--label', 'a=1', 'badnet'])).trim();
    ok(d.docker(['volume', 'create', '--label', 'a=1', 'badvol']));
    assert.deepEqual(
      ok(d.docker(['ps', '-a', '--format', '{{.Names}}']))
        .split('\n')
        .filter(Boolean)
        .sort(),
      ['bad', 'good'],
    );

    await d.stopDaemon();
    const cfgFile = path.join(d.dataRoot, 'containers', bad, 'config.json');
    const netFile = path.join(d.dataRoot, 'networks', `${net}.json`);
    const volFile = fs
      .readdirSync(path.join(d.dataRoot, 'volumes', 'badvol'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(d.dataRoot, 'volumes', 'badvol', f))[0];
    assert.ok(volFile, 'the volume has a metadata file');
    const saved = new Map([cfgFile, netFile, volFile].map((f) => [f, fs.readFileSync(f)]));
    const rec = JSON.parse(saved.get(cfgFile)!.toString());
    rec.Config.Labels = { a: 1 };
    fs.writeFileSync(cfgFile, JSON.stringify(rec));
    const n = JSON.parse(saved.get(netFile)!.toString());
    n.Labels = { a: 1 };
    fs.writeFileSync(netFile, JSON.stringify(n));
    const v = JSON.parse(saved.get(volFile)!.toString());
    v.Labels = { a: 1 };
    fs.writeFileSync(volFile, JSON.stringify(v));
    await d.start();

    assert.deepEqual(
      ok(d.docker(['ps', '-a', '--format', '{{.Names}}']))
        .split('\n')
        .filter(Boolean),
      ['good'],
    );
    assert.equal(ok(d.docker(['inspect', '-f', '{{.Config.Labels.a}}', good])).trim(), '1');
    ok(d.docker(['system', 'df']));
    ok(d.docker(['system', 'df', '-v']));
    assert.ok(
      !ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))
        .split('\n')
        .includes('badnet'),
    );
    // a volume keeps its data: listed, without the labels that could not be read
    assert.ok(
      ok(d.docker(['volume', 'ls', '--format', '{{.Name}}']))
        .split('\n')
        .includes('badvol'),
    );
    assert.equal(ok(d.docker(['volume', 'inspect', '-f', '{{.Labels}}', 'badvol'])).trim(), 'map[]');
    await waitFor(() => /container record unusable/.test(fs.readFileSync(d.logFile, 'utf8')));
    const log = fs.readFileSync(d.logFile, 'utf8');
    assert.match(log, /network record unusable/);
    // the bad record is left in place, not deleted
    assert.ok(fs.existsSync(cfgFile));

    // positive control: once the records are repaired, everything lists again
    await d.stopDaemon();
    for (const [f, data] of saved) fs.writeFileSync(f, data);
    await d.start();
    assert.deepEqual(
      ok(d.docker(['ps', '-a', '--format', '{{.Names}}']))
        .split('\n')
        .filter(Boolean)
        .sort(),
      ['bad', 'good'],
    );
    assert.ok(
      ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))
        .split('\n')
        .includes('badnet'),
    );
    assert.equal(ok(d.docker(['volume', 'inspect', '-f', '{{.Labels.a}}', 'badvol'])).trim(), '1');
    ok(d.docker(['rm', good, bad]));
    ok(d.docker(['network', 'rm', 'badnet']));
    ok(d.docker(['volume', 'rm', 'badvol']));
  });
});
