// List and prune filters, and `system prune`, through the real docker CLI and
// berth against one berthd: Docker's keys, matching rules (regexps against
// names with and without the slash, labels, before/since, exited, is-task,
// expose/publish, network, volume, ancestor, reference globs), the errors for
// unknown keys and bad values, the `filters` parameter's two JSON forms, and
// system prune's prompt and summary, byte for byte between the two CLIs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon, type RunResult } from '../helpers/daemon';

function ok(r: RunResult): string {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const lines = (s: string) => s.split('\n').filter(Boolean).sort();

describe('list and prune filters', () => {
  const d = new TestDaemon('filt');
  const clis = { docker: (a: string[], input?: string) => d.docker(a, { input }), berth: (a: string[], input?: string) => d.berth(a, { input }) };
  /** The same command through both CLIs: same stdout, same exit code; returns docker's lines. */
  const both = (args: string[]): string[] => {
    const a = clis.docker(args);
    const b = clis.berth(args);
    assert.equal(a.status, 0, `docker ${args.join(' ')}: ${a.stderr}`);
    assert.equal(b.status, a.status, `berth ${args.join(' ')}: ${b.stderr}`);
    assert.deepEqual(lines(b.stdout), lines(a.stdout), `berth ${args.join(' ')}`);
    return lines(a.stdout);
  };
  /** Both CLIs fail with the daemon's message and docker's exit code. */
  const bothFail = (args: string[], message: string) => {
    for (const [name, run] of Object.entries(clis)) {
      const r = run(args);
      assert.notEqual(r.status, 0, `${name} ${args.join(' ')} succeeded: ${r.stdout}`);
      assert.equal(r.status, 1, `${name} exit code`);
      assert.equal(r.stderr.trim(), `Error response from daemon: ${message}`, `${name} ${args.join(' ')}`);
    }
  };
  const names = (args: string[]) => both(['ps', '-a', '--format', '{{.Names}}', ...args]);

  before(async () => {
    await d.start();
    await d.importBusybox();
    ok(d.docker(['create', '--name', 'web', '--label', 'app=web', '--label', 'tier=front', '-v', '/data', 'busybox', 'true']));
    ok(d.docker(['create', '--name', 'web2', '--label', 'app=web', 'busybox', 'true']));
    ok(d.docker(['create', '--name', 'db', '--label', 'app=db', 'busybox', 'true']));
    assert.equal(d.docker(['run', '--name', 'exit3', 'busybox', 'sh', '-c', 'exit 3']).status, 3);
    ok(d.docker(['run', '-d', '--name', 'pub', '-p', '127.0.0.1::80', '--expose', '90/udp', 'busybox', 'sleep', '600']));
  });
  after(() => d.stop());

  it('ps --filter name= is a regexp against each name with and without its slash', () => {
    assert.deepEqual(names(['--filter', 'name=^/web$']), ['web']);
    assert.deepEqual(names(['--filter', 'name=^web$']), ['web']);
    assert.deepEqual(names(['--filter', 'name=web']), ['web', 'web2']);
    assert.deepEqual(names(['--filter', 'name=^/web', '--filter', 'name=db']), ['db', 'web', 'web2']);
    // positive control: no filter lists all five
    assert.deepEqual(names([]), ['db', 'exit3', 'pub', 'web', 'web2']);
  });

  it('ps: label, status, exited, id, before/since, is-task, health, ancestor, volume, network, expose/publish', () => {
    assert.deepEqual(names(['--filter', 'label=app']), ['db', 'web', 'web2']);
    assert.deepEqual(names(['--filter', 'label=app=web']), ['web', 'web2']);
    assert.deepEqual(names(['--filter', 'label=app=web', '--filter', 'label=tier']), ['web']);
    assert.deepEqual(names(['--filter', 'status=created']), ['db', 'web', 'web2']);
    // status implies -a
    assert.deepEqual(both(['ps', '--format', '{{.Names}}', '--filter', 'status=exited']), ['exit3']);
    assert.deepEqual(both(['ps', '--format', '{{.Names}}']), ['pub']);
    assert.deepEqual(names(['--filter', 'exited=3']), ['exit3']);
    assert.deepEqual(names(['--filter', 'exited=0']), []);
    const webId = ok(d.docker(['inspect', '-f', '{{.Id}}', 'web'])).trim();
    assert.deepEqual(names(['--filter', `id=${webId.slice(0, 10)}`]), ['web']);
    // creation order: web, web2, db, exit3, pub
    assert.deepEqual(names(['--filter', 'since=web2']), ['db', 'exit3', 'pub']);
    assert.deepEqual(names(['--filter', 'before=web2']), ['web']);
    assert.deepEqual(names(['--filter', 'is-task=true']), []);
    assert.equal(names(['--filter', 'is-task=false']).length, 5);
    assert.deepEqual(names(['--filter', 'health=none']).length, 5);
    assert.deepEqual(names(['--filter', 'health=healthy']), []);
    assert.equal(names(['--filter', 'ancestor=busybox']).length, 5);
    assert.deepEqual(names(['--filter', 'ancestor=nosuchimage']), []);
    assert.deepEqual(names(['--filter', 'volume=/data']), ['web']);
    assert.deepEqual(names(['--filter', 'network=bridge']).length, 5);
    assert.deepEqual(names(['--filter', 'network=nosuchnet']), []);
    assert.deepEqual(names(['--filter', 'expose=80']), ['pub']);
    assert.deepEqual(names(['--filter', 'expose=90/udp']), ['pub']);
    assert.deepEqual(names(['--filter', 'expose=81-89']), []);
    const hostPort = ok(d.docker(['inspect', '-f', '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}', 'pub'])).trim();
    assert.deepEqual(names(['--filter', `publish=${hostPort}`]), ['pub']);
    assert.deepEqual(names(['--filter', `publish=${hostPort}/udp`]), []);
  });

  it('ps: unknown keys and bad values answer as Docker', () => {
    bothFail(['ps', '--filter', 'bogus=1'], "invalid filter 'bogus'");
    bothFail(['ps', '--filter', 'status=sleeping'], "invalid filter 'status=sleeping'");
    bothFail(['ps', '--filter', 'is-task=maybe'], "invalid filter 'is-task=[maybe]'");
    bothFail(['ps', '--filter', 'health=great'], 'Unrecognised filter value for health: great');
    bothFail(['ps', '--filter', 'before=nosuch'], 'No such container: nosuch');
    bothFail(['ps', '--filter', 'publish=1:2'], "filter for 'publish' should not contain ':': 1:2");
    bothFail(['ps', '--filter', 'exited=x'], 'strconv.Atoi: parsing "x": invalid syntax');
    bothFail(['container', 'prune', '-f', '--filter', 'name=x'], "invalid filter 'name'");
    bothFail(['images', '--filter', 'until=1h'], "invalid filter 'until'");
    bothFail(['images', '--filter', 'dangling=maybe'], "invalid filter 'dangling=[maybe]'");
    bothFail(['network', 'ls', '--filter', 'color=red'], "invalid filter 'color'");
    bothFail(['volume', 'ls', '--filter', 'size=1'], "invalid filter 'size'");
  });

  it('the filters parameter takes the map form and the legacy list form; anything else is 400', async () => {
    const q = (f: unknown) => `/containers/json?all=1&filters=${encodeURIComponent(typeof f === 'string' ? f : JSON.stringify(f))}`;
    const a = await d.request('GET', q({ name: { '^/db$': true } }));
    const b = await d.request('GET', q({ name: ['^/db$'] }));
    assert.equal(a.status, 200);
    assert.deepEqual(
      a.json().map((c: { Names: string[] }) => c.Names),
      [['/db']],
    );
    assert.deepEqual(b.json(), a.json());
    for (const bad of ['nope', '[1]', '{"name":"db"}']) {
      const r = await d.request('GET', q(bad));
      assert.equal(r.status, 400, bad);
      assert.equal(r.json().message, 'invalid filter');
    }
  });

  it('network ls, volume ls and images: name regexps, types, references', () => {
    ok(d.docker(['network', 'create', 'mybridge']));
    ok(d.docker(['volume', 'create', 'alpha']));
    ok(d.docker(['volume', 'create', '--label', 'k=v', 'beta']));
    ok(d.docker(['tag', 'busybox', 'example.com/team/tool:1.0']));
    try {
      const nets = (args: string[]) => both(['network', 'ls', '--format', '{{.Name}}', ...args]);
      assert.deepEqual(nets(['--filter', 'name=^bridge$']), ['bridge']);
      assert.deepEqual(nets(['--filter', 'name=bridge']), ['bridge', 'mybridge']);
      assert.deepEqual(nets(['--filter', 'type=custom']), ['mybridge']);
      assert.deepEqual(nets(['--filter', 'driver=bridge', '--filter', 'type=builtin']), ['bridge']);
      assert.deepEqual(nets(['--filter', 'dangling=true']), ['mybridge']);
      const vols = (args: string[]) => both(['volume', 'ls', '--format', '{{.Name}}', ...args]);
      assert.deepEqual(vols(['--filter', 'name=^al']), ['alpha']);
      assert.deepEqual(vols(['--filter', 'label=k=v']), ['beta']);
      assert.deepEqual(vols(['--filter', 'dangling=true', '--filter', 'name=a$']), ['alpha', 'beta']);
      const imgs = (args: string[]) => both(['images', '--format', '{{.Repository}}:{{.Tag}}', ...args]);
      assert.deepEqual(imgs(['busybox']), ['busybox:latest']);
      assert.deepEqual(imgs(['--filter', 'reference=busy*']), ['busybox:latest']);
      assert.deepEqual(imgs(['--filter', 'reference=team/*']), []); // the whole name must match
      assert.deepEqual(imgs(['--filter', 'reference=*/tool']), []); // `*` stops at '/'
      assert.deepEqual(imgs(['--filter', 'reference=*/team/*']), ['example.com/team/tool:1.0']);
      assert.deepEqual(imgs(['--filter', 'reference=example.com/*/*:1.*']), ['example.com/team/tool:1.0']);
      assert.deepEqual(imgs(['--filter', 'reference=*']), ['busybox:latest']);
      assert.deepEqual(imgs([]), ['busybox:latest', 'example.com/team/tool:1.0']);
      // the reference filter narrows the tags shown of an image that has several
      const tags = ok(d.docker(['images', '--format', '{{json .}}', '--filter', 'reference=busybox'])).trim();
      assert.equal(JSON.parse(tags).Repository, 'busybox');
    } finally {
      d.docker(['network', 'rm', 'mybridge']);
      d.docker(['volume', 'rm', 'alpha', 'beta']);
      d.docker(['rmi', 'example.com/team/tool:1.0']);
    }
  });

  it('events: type, event, container by name prefix, label', () => {
    const since = ok(d.docker(['inspect', '-f', '{{.Created}}', 'web'])).trim();
    const until = new Date(Date.now() + 1000).toISOString();
    const ev = (args: string[]) =>
      both(['events', '--since', since, '--until', until, '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}', ...args]);
    assert.deepEqual(ev(['--filter', 'event=create', '--filter', 'container=web']), ['container create web', 'container create web2']);
    assert.deepEqual(ev(['--filter', 'event=create', '--filter', 'label=app=db']), ['container create db']);
    // the network the test before made, by name prefix; none of the containers' events
    assert.deepEqual(ev(['--filter', 'type=network', '--filter', 'event=create', '--filter', 'network=mybr']), ['network create mybridge']);
    assert.ok(ev(['--filter', 'event=start']).includes('container start exit3'));
  });
});

describe('prune filters and system prune', () => {
  const d = new TestDaemon('prune');

  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const setup = () => {
    ok(d.docker(['create', '--name', 'keep', '--label', 'keep=1', 'busybox', 'true']));
    ok(d.docker(['create', '--name', 'drop', 'busybox', 'true']));
    ok(d.docker(['network', 'create', '--label', 'keep=1', 'keepnet']));
    ok(d.docker(['network', 'create', 'dropnet']));
    ok(d.docker(['create', '-v', '/anon', '--name', 'vol', 'busybox', 'true']));
  };
  const reset = () => {
    const ids = ok(d.docker(['ps', '-aq']))
      .split('\n')
      .filter(Boolean);
    if (ids.length) ok(d.docker(['rm', '-f', '-v', ...ids]));
    for (const n of ['keepnet', 'dropnet']) d.docker(['network', 'rm', n]);
    const vols = ok(d.docker(['volume', 'ls', '-q']))
      .split('\n')
      .filter(Boolean);
    if (vols.length) ok(d.docker(['volume', 'rm', ...vols]));
  };
  const normalize = (s: string) => s.replace(/[0-9a-f]{64}/g, '<id>');

  it('every prune accepts label, label! and until; container prune removes only what they select', () => {
    for (const cli of ['docker', 'berth'] as const) {
      reset();
      setup();
      const run = (a: string[]) => (cli === 'docker' ? d.docker(a) : d.berth(a));
      const out = ok(run(['container', 'prune', '-f', '--filter', 'label!=keep=1', '--filter', 'until=1h']));
      // nothing is older than an hour: until=1h keeps everything
      assert.equal(out, 'Total reclaimed space: 0B\n', cli);
      const out2 = ok(run(['container', 'prune', '-f', '--filter', 'label!=keep=1']));
      assert.match(out2, /^Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n\nTotal reclaimed space: /, cli);
      assert.deepEqual(lines(ok(d.docker(['ps', '-a', '--format', '{{.Names}}']))), ['keep'], cli);
      assert.equal(ok(run(['network', 'prune', '-f', '--filter', 'label=keep'])), 'Deleted Networks:\nkeepnet\n\n', cli);
      assert.equal(ok(run(['image', 'prune', '-f', '--filter', 'label=nothing'])), 'Total reclaimed space: 0B\n', cli);
      assert.equal(ok(run(['volume', 'prune', '-f', '--filter', 'label=nothing'])), 'Total reclaimed space: 0B\n', cli);
      const bad = run(['network', 'prune', '-f', '--filter', 'until=yesterday']);
      assert.equal(bad.status, 1, cli);
      assert.equal(bad.stderr.trim(), 'Error response from daemon: failed to parse value as time or duration: "yesterday"', cli);
    }
  });

  it('system prune: the same prompt, cancel, summary and totals from both CLIs', () => {
    const outputs: Record<string, string[]> = { docker: [], berth: [] };
    for (const cli of ['docker', 'berth'] as const) {
      reset();
      setup();
      const run = (a: string[], input?: string) => (cli === 'docker' ? d.docker(a, { input }) : d.berth(a, { input }));
      // answering no cancels with exit 0 and changes nothing
      const no = run(['system', 'prune', '--filter', 'label!=keep=1', '--filter', 'until=24h'], 'n\n');
      assert.equal(no.status, 0, `${cli}: ${no.stderr}`);
      outputs[cli].push(no.stdout);
      const plain = run(['system', 'prune'], 'N\n');
      assert.equal(plain.status, 0);
      outputs[cli].push(plain.stdout);
      const withVolumes = run(['system', 'prune', '--volumes', '-a'], '\n');
      outputs[cli].push(withVolumes.stdout);
      assert.equal(lines(ok(d.docker(['ps', '-aq']))).length, 3, `${cli}: nothing removed after "no"`);
      // --filter label=... is accepted by every prune (Docker's build-cache prune included)
      const filtered = ok(run(['system', 'prune', '-f', '--filter', 'label!=keep=1']));
      outputs[cli].push(normalize(filtered));
      assert.match(filtered, /^Deleted Containers:\n/);
      assert.match(filtered, /Deleted Networks:\ndropnet\n\n/);
      assert.match(filtered, /Total reclaimed space: .*\n$/);
      assert.deepEqual(lines(ok(d.docker(['ps', '-a', '--format', '{{.Names}}']))), ['keep']);
      assert.deepEqual(lines(ok(d.docker(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}']))), ['keepnet']);
      // the anonymous volume was freed by removing its container; --volumes prunes it
      const vols = ok(run(['system', 'prune', '-f', '--volumes', '--filter', 'label!=keep=1']));
      outputs[cli].push(normalize(vols));
      assert.match(vols, /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: 0B\n$/);
      const untilVol = run(['system', 'prune', '-f', '--volumes', '--filter', 'until=1h']);
      assert.equal(untilVol.status, 1);
      assert.equal(untilVol.stderr.trim(), 'ERROR: The "until" filter is not supported with "--volumes"');
    }
    assert.deepEqual(outputs.berth, outputs.docker);
    assert.match(
      outputs.docker[0],
      /Items to be pruned will be filtered with:\n {2}- label!=keep=1\n {2}- until=24h\n\nAre you sure you want to continue\? \[y\/N\] $/,
    );
    assert.match(
      outputs.docker[2],
      /all anonymous volumes not used by at least one container\n {2}- all images without at least one container associated to them\n {2}- all build cache\n/,
    );
  });
});
