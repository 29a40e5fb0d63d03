// `berth build --output` (buildx's grammar): the final stage's files to a
// directory (`type=local`, `-o DIR`) or a tar (`type=tar`, `-o -` on stdout,
// the progress then on stderr), an image pushed to a registry
// (`type=image,name=…,push=true`), `--iidfile`, `--metadata-file` (buildx's
// keys) and `--progress rawjson|quiet`; bad outputs are refused before
// anything is sent; type=docker|oci,dest= writes an image archive.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon } from '../helpers/daemon';
import { build, buildOk, contextDir, inspect, ok } from '../helpers/build';
import { TestRegistry } from '../helpers/registry';

const ARTIFACTS = `FROM busybox AS build
RUN mkdir -p /out/bin /out/share && echo app > /out/bin/app && chmod 750 /out/bin/app && echo doc > /out/share/doc.txt && ln -s bin/app /out/run
FROM scratch
COPY --from=build /out/ /
`;

/** Names in a tar (busybox tar on the host is not assumed: GNU tar). */
function tarNames(file: string): string[] {
  const r = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''))
    .filter((n) => n !== '' && n !== '.')
    .sort();
}

describe('build: outputs', () => {
  const d = new TestDaemon('boutput');
  let reg: TestRegistry;
  let dir: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-out-'));
  before(async () => {
    await d.start();
    await d.importBusybox();
    reg = await TestRegistry.start();
    dir = contextDir({ Dockerfile: ARTIFACTS });
  });
  after(async () => {
    await reg?.stop();
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("--output type=local,dest=DIR and -o DIR write the final stage's files, nothing else", () => {
    for (const [i, flag] of [
      ['--output', `type=local,dest=${tmp}/local`],
      ['-o', `${tmp}/short`],
    ].entries()) {
      const dest = flag[1].replace(/^type=local,dest=/, '');
      buildOk(d, 'berth', dir, ['--network', 'none', flag[0], flag[1]]);
      const walk = (p: string, rel = ''): string[] =>
        fs.readdirSync(p, { withFileTypes: true }).flatMap((e) => {
          const r = rel ? `${rel}/${e.name}` : e.name;
          return e.isDirectory() ? [r, ...walk(path.join(p, e.name), r)] : [r];
        });
      assert.deepEqual(walk(dest).sort(), ['bin', 'bin/app', 'run', 'share', 'share/doc.txt'], `output ${i}: no container files (.dockerenv, /etc/hosts)`);
      assert.equal(fs.readFileSync(path.join(dest, 'bin/app'), 'utf8'), 'app\n');
      assert.equal(fs.statSync(path.join(dest, 'bin/app')).mode & 0o777, 0o750, 'modes are kept');
      assert.equal(fs.readlinkSync(path.join(dest, 'run')), 'bin/app', 'symlinks stay symlinks');
    }
  });

  it("takes the docker CLI's classic build flags: --compress sends a gzipped context, --isolation default, --security-opt; another isolation is dockerd's error", () => {
    const ctx = contextDir({ Dockerfile: 'FROM busybox\nCOPY data.txt /data.txt\n', 'data.txt': 'compressed context\n' });
    const out = buildOk(d, 'berth', ctx, ['--compress', '--isolation', 'default', '--security-opt', 'credentialspec=file://x.json', '-t', 'compressed:1']);
    assert.match(out, /Successfully tagged compressed:1/);
    assert.equal(d.docker(['run', '--rm', 'compressed:1', 'cat', '/data.txt']).stdout, 'compressed context\n');
    const bad = build(d, 'berth', ctx, ['--isolation', 'hyperv']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Unsupported isolation: "hyperv"/);
  });

  it('--target picks the stage whose files are written; -q prints only the image ID', () => {
    const ctx = contextDir({
      Dockerfile:
        'FROM busybox AS build\nRUN mkdir /out && echo bin > /out/tool\nFROM scratch AS export\nCOPY --from=build /out/tool /tool\nFROM busybox\nRUN echo SHOULD-NOT-RUN\n',
    });
    const out = buildOk(d, 'berth', ctx, ['--network', 'none', '-q', '--target', 'export', '-o', `${tmp}/target`]);
    assert.match(out, /^sha256:[0-9a-f]{64}\n$/);
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'target')), ['tool']);
  });

  it('--output type=tar,dest=FILE, and -o - writes the tar on stdout with the progress on stderr', () => {
    const file = path.join(tmp, 'out.tar');
    buildOk(d, 'berth', dir, ['--network', 'none', '--output', `type=tar,dest=${file}`]);
    assert.deepEqual(tarNames(file), ['bin', 'bin/app', 'run', 'share', 'share/doc.txt']);
    const r = spawnSync(BERTH, ['-H', d.host, 'build', '--network', 'none', '--progress', 'plain', '-o', '-', dir], {
      env: { ...process.env, DOCKER_CONFIG: path.join(tmp, 'cfg') },
      timeout: 120000,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.match(r.stderr.toString(), /Step 1\/4 : FROM busybox AS build/, 'the progress goes to stderr');
    const stdoutTar = path.join(tmp, 'stdout.tar');
    fs.writeFileSync(stdoutTar, r.stdout);
    assert.deepEqual(tarNames(stdoutTar), ['bin', 'bin/app', 'run', 'share', 'share/doc.txt'], 'stdout holds the tar and nothing else');
  });

  it('type=docker,dest=FILE and type=oci,dest=FILE write an image archive docker load takes', () => {
    const ctx = contextDir({ Dockerfile: 'FROM busybox\nLABEL archived=yes\n' });
    const dockerTar = path.join(tmp, 'img-docker.tar');
    const ociTar = path.join(tmp, 'img-oci.tar');
    buildOk(d, 'berth', ctx, ['--output', `type=docker,dest=${dockerTar},name=archived:1`, '--output', `type=oci,dest=${ociTar}`]);
    const id = inspect(d, 'archived:1', '{{.Id}}');
    assert.ok(tarNames(dockerTar).includes('manifest.json'));
    assert.ok(tarNames(ociTar).includes('index.json') && tarNames(ociTar).includes('oci-layout'), 'an OCI image layout');
    ok(d.docker(['rmi', 'archived:1']));
    assert.match(ok(d.docker(['load', '-i', dockerTar])), /Loaded image: archived:1/);
    assert.equal(inspect(d, 'archived:1', '{{.Id}}'), id);
    assert.equal(inspect(d, 'archived:1', '{{.Config.Labels.archived}}'), 'yes');
  });

  it('type=image,name=…,push=true tags and pushes; --iidfile and --metadata-file say what was built', () => {
    const name = `${reg.host}/out/app:1`;
    const iid = path.join(tmp, 'iid');
    const meta = path.join(tmp, 'meta.json');
    const ctx = contextDir({ Dockerfile: 'FROM busybox\nLABEL built=yes\n' });
    buildOk(d, 'berth', ctx, ['--output', `type=image,name=${name},push=true`, '--iidfile', iid, '--metadata-file', meta]);
    const id = fs.readFileSync(iid, 'utf8');
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(inspect(d, name, '{{.Id}}'), id, 'the image is tagged with name=');
    const md = JSON.parse(fs.readFileSync(meta, 'utf8'));
    assert.equal(md['containerimage.config.digest'], id);
    assert.equal(md['image.name'], name);
    assert.match(md['containerimage.digest'], /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(md['containerimage.digest'], id, "after a push, the digest is the manifest's");
    // the registry has it: a pull from there, after removing the local copy, finds the same image
    ok(d.docker(['rmi', name]));
    ok(d.docker(['pull', name]));
    assert.equal(inspect(d, name, '{{.Id}}'), id);
    assert.equal(inspect(d, name, '{{index .RepoDigests 0}}'), `${reg.host}/out/app@${md['containerimage.digest']}`);
  });

  it("--progress rawjson prints the daemon's JSON messages; --progress quiet prints nothing", () => {
    const ctx = contextDir({ Dockerfile: 'FROM busybox\nRUN echo hello-raw\n' });
    const raw = buildOk(d, 'berth', ctx, ['--no-cache', '--network', 'none', '--progress', 'rawjson']);
    const msgs = raw
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.ok(
      msgs.some((m) => m.stream === 'hello-raw\n'),
      raw,
    );
    assert.ok(
      msgs.some((m) => m.aux?.ID),
      'the aux message with the image ID is there',
    );
    const quiet = build(d, 'berth', ctx, ['--network', 'none', '--progress', 'quiet']);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
  });

  it("GET /images/{name}/export (berth's): the image's files as a tar; a missing image is Docker's 404", async () => {
    ok(d.docker(['tag', 'busybox', 'exp/box:1']));
    const r = await d.request('GET', '/images/exp/box:1/export');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-tar');
    const file = path.join(tmp, 'img.tar');
    fs.writeFileSync(file, r.body);
    const names = tarNames(file);
    assert.ok(names.includes('bin/busybox'), names.slice(0, 20).join(' '));
    assert.ok(!names.includes('.dockerenv'), 'no container init files');
    const miss = await d.request('GET', '/images/nosuch/export');
    assert.equal(miss.status, 404);
    assert.match(JSON.parse(miss.body.toString()).message, /No such image: nosuch/);
  });

  it('bad outputs and progress modes are refused before anything is built', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--output', 'type=foo,dest=x'], /invalid output "type=foo,dest=x": unsupported output type "foo"/],
      [['--output', 'dest=x'], /type is required for output/],
      [['--output', 'type=local'], /dest is required for local output/],
      [['--output', 'type=tar'], /dest is required for tar output/],
      [['--output', 'type=local,dest=-'], /local output cannot be written to stdout/],
      [['--output', 'type=oci'], /dest is required for oci output/],
      [['--output', 'type=image,push=true'], /push=true needs a name=/],
      [['--output', 'type=image,name=x,push=maybe'], /invalid value for push: "maybe"/],
      [['-o', '-', '--output', 'type=tar,dest=-'], /only one output can be written to stdout/],
      [['--progress', 'fancy'], /invalid progress mode "fancy"/],
    ];
    const before = ok(d.docker(['images', '-aq']))
      .split('\n')
      .filter(Boolean).length;
    for (const [args, re] of cases) {
      const r = build(d, 'berth', dir, args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, re);
    }
    assert.equal(
      ok(d.docker(['images', '-aq']))
        .split('\n')
        .filter(Boolean).length,
      before,
      'nothing was built',
    );
    // positive control: the same build with a good output works
    buildOk(d, 'berth', dir, ['--output', `type=local,dest=${tmp}/good`]);
    assert.ok(fs.existsSync(path.join(tmp, 'good/bin/app')));
  });
});
