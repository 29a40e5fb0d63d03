// Pull and push against real registries on 127.0.0.1 (Debian's
// docker-registry), driven by the real docker CLI and by berth, with skopeo as
// the independent client that checks what berth pushed and supplies a
// multi-platform index for berth to pull.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestDaemon } from '../helpers/daemon';
import { FaultProxy } from '../helpers/proxy';
import { TestRegistry, onBusybox, pushPlatforms, skopeo } from '../helpers/registry';
import { writeOciLayout } from '../fixtures/images';

function ok(r: { status: number; stdout: string; stderr: string }, what = ''): string {
  assert.equal(r.status, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const inspect = (d: TestDaemon, ref: string, fmt: string) => ok(d.docker(['image', 'inspect', '-f', fmt, ref]), 'inspect').trim();

describe('registry: push and pull (open registry)', () => {
  const d = new TestDaemon('reg');
  let reg: TestRegistry;
  let tmp: string;
  before(async () => {
    reg = await TestRegistry.start();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-regtest-'));
    await d.start();
    await d.importBusybox();
    ok(d.docker(['run', '--name', 'mk', 'busybox', 'sh', '-c', 'echo hi > /hello; rm /etc/group']), 'run');
    ok(d.docker(['commit', 'mk', `${reg.host}/app:v1`]), 'commit');
    ok(d.docker(['rm', 'mk']));
  });
  after(async () => {
    await d.stop();
    await reg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('docker push prints the digest; skopeo reads the image berth pushed', () => {
    const out = ok(d.docker(['push', `${reg.host}/app:v1`]), 'push');
    assert.match(out, new RegExp(`^The push refers to repository \\[${reg.host}/app\\]$`, 'm'));
    assert.match(out, /: Pushed$/m);
    const m = /^v1: digest: (sha256:[a-f0-9]{64}) size: (\d+)$/m.exec(out);
    assert.ok(m, out);
    const info = JSON.parse(ok(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/app:v1`]), 'skopeo inspect'));
    assert.equal(info.Digest, m![1]);
    assert.equal(info.Layers.length, 2);
    assert.deepEqual(info.RepoTags, ['v1']);
    // skopeo verifies every blob it copies
    ok(skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/app:v1`, `oci:${tmp}/copy:v1`]), 'skopeo copy');
    assert.deepEqual(inspect(d, `${reg.host}/app:v1`, '{{json .RepoDigests}}'), JSON.stringify([`${reg.host}/app@${m![1]}`]));
  });

  it('docker pull brings the image back and it runs, whiteouts included', () => {
    const id = inspect(d, `${reg.host}/app:v1`, '{{.Id}}');
    ok(d.docker(['rmi', `${reg.host}/app:v1`, 'busybox']), 'rmi');
    assert.equal(d.docker(['image', 'inspect', id]).status, 1);
    const out = ok(d.docker(['pull', `${reg.host}/app:v1`]), 'pull');
    assert.match(out, /^v1: Pulling from app$/m);
    assert.match(out, /: Pull complete$/m);
    assert.match(out, /^Digest: sha256:[a-f0-9]{64}$/m);
    assert.match(out, new RegExp(`^Status: Downloaded newer image for ${reg.host}/app:v1$`, 'm'));
    assert.match(out, new RegExp(`^${reg.host}/app:v1\\n$`, 'm'));
    assert.equal(inspect(d, `${reg.host}/app:v1`, '{{.Id}}'), id);
    assert.equal(ok(d.docker(['run', '--rm', `${reg.host}/app:v1`, 'cat', '/hello'])), 'hi\n');
    assert.equal(d.docker(['run', '--rm', `${reg.host}/app:v1`, 'ls', '/etc/group']).status, 1);
    const again = ok(d.docker(['pull', `${reg.host}/app:v1`]), 'pull again');
    assert.match(again, new RegExp(`^Status: Image is up to date for ${reg.host}/app:v1$`, 'm'));
  });

  it('pushing again skips layers the registry has; another repository mounts them; the digest is kept', () => {
    const first = JSON.parse(ok(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/app:v1`])));
    const out = ok(d.docker(['push', `${reg.host}/app:v1`]), 'push again');
    assert.equal((out.match(/: Layer already exists$/gm) ?? []).length, 2, out);
    assert.match(out, new RegExp(`^v1: digest: ${first.Digest} size: `, 'm'));
    ok(d.docker(['tag', `${reg.host}/app:v1`, `${reg.host}/other/copy:v2`]));
    const m = ok(d.docker(['push', `${reg.host}/other/copy:v2`]), 'push other');
    assert.equal((m.match(/: Mounted from app$/gm) ?? []).length, 2, m);
    assert.match(m, new RegExp(`^v2: digest: ${first.Digest} size: `, 'm'));
  });

  it('pulls by digest, and push --all-tags pushes every tag', () => {
    const digest = inspect(d, `${reg.host}/app:v1`, '{{index .RepoDigests 0}}').split('@')[1];
    const byDigest = ok(d.docker(['pull', `${reg.host}/app@${digest}`]), 'pull by digest');
    assert.match(byDigest, new RegExp(`${reg.host}/app@${digest}\\n$`));
    ok(d.docker(['tag', `${reg.host}/app:v1`, `${reg.host}/app:v2`]));
    ok(d.docker(['tag', `${reg.host}/app:v1`, `${reg.host}/app:v3`]));
    const out = ok(d.docker(['push', '--all-tags', `${reg.host}/app`]), 'push -a');
    assert.match(out, /^v2: digest: /m);
    assert.match(out, /^v3: digest: /m);
    const tags = JSON.parse(ok(skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/app`]))).Tags.sort();
    assert.deepEqual(tags, ['v1', 'v2', 'v3']);
  });

  it('berth pull and push print what docker prints', () => {
    ok(d.berth(['rmi', `${reg.host}/app:v2`]));
    const p = ok(d.berth(['pull', `${reg.host}/app:v2`]), 'berth pull');
    assert.match(p, /^v2: Pulling from app$/m);
    assert.match(p, new RegExp(`\\n${reg.host}/app:v2\\n$`));
    const q = ok(d.berth(['pull', '-q', `${reg.host}/app:v2`]), 'berth pull -q');
    assert.equal(q, `${reg.host}/app:v2\n`);
    ok(d.berth(['tag', `${reg.host}/app:v2`, `${reg.host}/berth/made:x`]));
    const out = ok(d.berth(['push', `${reg.host}/berth/made:x`]), 'berth push');
    assert.match(out, /^x: digest: sha256:[a-f0-9]{64} size: \d+$/m);
    assert.equal(ok(d.berth(['push', '-q', `${reg.host}/berth/made:x`])), `${reg.host}/berth/made:x\n`);
    const bad = d.berth(['pull', `${reg.host}/nope:1`]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, new RegExp(`manifest for ${reg.host}/nope:1 not found: manifest unknown`));
    const invalid = d.docker(['pull', `${reg.host}/UPPER`]);
    assert.notEqual(invalid.status, 0);
    assert.match(invalid.stderr, /invalid reference format/);
  });

  it('picks the host platform (or --platform) from a multi-platform index skopeo put in the registry', async () => {
    await pushPlatforms(reg, 'multi', [{ architecture: 'arm64', variant: 'v8' }, { architecture: 'amd64' }, { architecture: 'arm', variant: 'v7' }]);
    const raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/multi:latest`])));
    assert.equal(raw.manifests.length, 3);
    ok(d.docker(['pull', `${reg.host}/multi`]), 'pull multi');
    assert.equal(inspect(d, `${reg.host}/multi`, '{{.Architecture}}'), 'amd64');
    assert.equal(ok(d.docker(['run', '--rm', `${reg.host}/multi`, 'cat', '/platform'])), 'amd64\n');
    const arm = ok(d.docker(['pull', '--platform', 'linux/arm64', `${reg.host}/multi`]), 'pull arm64');
    // the busybox layer is shared by every platform's image
    assert.equal((arm.match(/: Already exists$/gm) ?? []).length, 1, arm);
    assert.equal(inspect(d, `${reg.host}/multi`, '{{.Architecture}}/{{.Variant}}'), 'arm64/v8');
    ok(d.berth(['pull', '--platform', 'linux/arm/v7', `${reg.host}/multi`]), 'berth pull arm/v7');
    assert.equal(inspect(d, `${reg.host}/multi`, '{{.Architecture}}/{{.Variant}}'), 'arm/v7');
    // the RepoDigest is the index's digest, as Docker records it
    const indexDigest = JSON.parse(ok(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/multi:latest`]))).Digest;
    assert.ok(inspect(d, `${reg.host}/multi`, '{{json .RepoDigests}}').includes(indexDigest));
    const none = d.docker(['pull', '--platform', 'linux/s390x', `${reg.host}/multi`]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
    const wrong = d.docker(['pull', '--platform', 'linux/arm64', `${reg.host}/app:v1`]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /does not match the specified platform: wanted linux\/arm64, actual: linux\/amd64/);
  });

  it('zstd layers: pulled from an OCI image skopeo pushed, and pushed back as an OCI manifest', async () => {
    const img = await onBusybox([{ name: 'z.txt', content: 'zstd layer\n' }]);
    const layout = path.join(tmp, 'zstd');
    writeOciLayout(layout, [{ img, zstd: true, refName: 'z' }]);
    ok(skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:z`, `docker://${reg.host}/zstd:1`]), 'skopeo copy zstd');
    ok(d.docker(['pull', `${reg.host}/zstd:1`]), 'pull zstd');
    assert.equal(ok(d.docker(['run', '--rm', `${reg.host}/zstd:1`, 'cat', '/z.txt'])), 'zstd layer\n');
    ok(d.docker(['tag', `${reg.host}/zstd:1`, `${reg.host}/zstd-copy:1`]));
    ok(d.docker(['push', `${reg.host}/zstd-copy:1`]), 'push zstd');
    const raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/zstd-copy:1`])));
    assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.ok(raw.layers.some((l: { mediaType: string }) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'));
  });

  it('pull --all-tags, and berth pull draws progress on a terminal', () => {
    const all = ok(d.docker(['pull', '--all-tags', `${reg.host}/app`]), 'pull -a');
    for (const t of ['v1', 'v2', 'v3']) assert.match(all, new RegExp(`^${t}: Pulling from app$`, 'm'));
    assert.match(all, new RegExp(`\n${reg.host}/app\n$`));
    ok(d.docker(['rmi', `${reg.host}/zstd:1`, `${reg.host}/zstd-copy:1`]));
    const berth = path.resolve(__dirname, '../../../bin/berth');
    const r = spawnSync('script', ['-qec', `stty cols 120; ${process.execPath} ${berth} -H ${d.host} pull ${reg.host}/zstd:1`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, DOCKER_CONFIG: d.clientConfigDir },
    });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /1: Pulling from zstd/);
    assert.match(r.stdout, /Already exists/);
    assert.match(r.stdout, /Pull complete/);
    assert.match(r.stdout, /\x1b\[\d+A/, 'lines keyed by layer are redrawn in place');
  });

  it('proxies: with daemon.json proxies, registry traffic goes through the proxy', async () => {
    const proxy = await FaultProxy.start(reg.host);
    const p = new TestDaemon('proxied');
    try {
      p.configure({ proxies: { 'http-proxy': `http://${proxy.host}`, 'https-proxy': `http://${proxy.host}` } });
      await p.start();
      const r = await p.dockerAsync(['pull', `${reg.host}/app:v1`]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.ok(proxy.requests.includes(`CONNECT ${reg.host}`), proxy.requests.join('\n'));
    } finally {
      await p.stop();
      await proxy.stop();
    }
  });

  it('search: a clear error where the registry has no search API, results where it has one', async () => {
    const none = d.docker(['search', `${reg.host}/app`]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /does not support search/);
    // the distribution server has no /v1/search: a fake at the network boundary answers it
    const proxy = await FaultProxy.start(reg.host);
    try {
      proxy.override((req, res) => {
        if (!req.url?.startsWith('/v1/search')) return false;
        const q = new URL(req.url, 'http://x').searchParams.get('q');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            query: q,
            results: [
              {
                name: 'team/app',
                description: 'the app, with a description long enough to be cut by the table',
                star_count: 12,
                is_official: false,
                is_automated: false,
              },
              { name: 'library/app', description: 'official', star_count: 99, is_official: true, is_automated: false },
            ],
          }),
        );
        return true;
      });
      const out = ok(await d.dockerAsync(['search', `${proxy.host}/app`]), 'search');
      assert.match(out, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$/m);
      assert.match(out, /^team\/app\s+the app, with a description long enough to b…\s+12\s*$/m);
      assert.match(out, /^library\/app\s+official\s+99\s+\[OK\]$/m);
      const off = ok(await d.berthAsync(['search', '--filter', 'is-official=true', '--format', '{{.Name}}:{{.StarCount}}', `${proxy.host}/app`]));
      assert.equal(off, 'library/app:99\n');
    } finally {
      await proxy.stop();
    }
  });

  it('registry-mirrors: docker.io pulls go to the mirror first', async () => {
    ok(d.docker(['tag', `${reg.host}/app:v1`, `${reg.host}/library/mirrored:latest`]));
    ok(d.docker(['push', `${reg.host}/library/mirrored:latest`]), 'push to mirror');
    const m = new TestDaemon('mirror');
    try {
      m.configure({ 'registry-mirrors': [`http://${reg.host}`], 'max-concurrent-downloads': 1 });
      await m.start();
      assert.match(ok(m.docker(['info']), 'info'), new RegExp(`Registry Mirrors:\\n\\s+http://${reg.host}/`));
      const out = ok(m.docker(['pull', 'mirrored']), 'pull via mirror');
      assert.match(out, /^latest: Pulling from library\/mirrored$/m);
      assert.match(out, /^docker\.io\/library\/mirrored:latest$/m);
      assert.equal(ok(m.docker(['run', '--rm', 'mirrored', 'cat', '/hello'])), 'hi\n');
      assert.match(ok(m.docker(['image', 'inspect', '-f', '{{json .RepoDigests}}', 'mirrored'])), /"mirrored@sha256:/);
    } finally {
      await m.stop();
    }
  });
  it('concurrent pulls of one image share each layer download and both succeed', async () => {
    const proxy = await FaultProxy.start(reg.host);
    try {
      const ids = [
        ...new Set(
          ok(d.docker(['images', '-aq']))
            .split('\n')
            .filter(Boolean),
        ),
      ];
      ok(d.docker(['rmi', '-f', ...ids]), 'rmi');
      proxy.throttle = 4 << 20;
      // no blob moves until both pulls asked for the manifest: they overlap by construction
      const manifestGets = () => proxy.requests.filter((r) => /^(GET|HEAD) \/v2\/app\/manifests\//.test(r)).length;
      proxy.holdBlobsUntil = () => manifestGets() >= 2;
      const [a, b] = await Promise.all([d.dockerAsync(['pull', `${proxy.host}/app:v1`]), d.dockerAsync(['pull', `${proxy.host}/app:v1`])]);
      assert.ok(manifestGets() >= 2, proxy.requests.join('\n'));
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      const layerGets = proxy.requests.filter((r) => /^GET \/v2\/app\/blobs\/sha256:/.test(r));
      // two layers and the config; the config may be read by both pulls
      assert.ok(new Set(layerGets).size >= 3, layerGets.join('\n'));
      assert.ok(layerGets.length <= 4, layerGets.join('\n'));
      assert.equal(ok(d.docker(['run', '--rm', `${proxy.host}/app:v1`, 'cat', '/hello'])), 'hi\n');
    } finally {
      await proxy.stop();
    }
  });
});

describe('registry: credentials (basic and token auth)', () => {
  const d = new TestDaemon('auth');
  let basic: TestRegistry;
  let token: TestRegistry;
  before(async () => {
    [basic, token] = await Promise.all([TestRegistry.start({ auth: 'basic' }), TestRegistry.start({ auth: 'token' })]);
    await d.start();
    await d.importBusybox();
  });
  after(async () => {
    await d.stop();
    await basic.stop();
    await token.stop();
  });

  it('basic auth: refused without credentials, docker login stores them, push and pull work', () => {
    ok(d.docker(['tag', 'busybox', `${basic.host}/priv:1`]));
    const anon = d.docker(['push', `${basic.host}/priv:1`]);
    assert.equal(anon.status, 1);
    assert.match(anon.stderr + anon.stdout, /no basic auth credentials|unauthorized/);
    const bad = d.docker(['login', '-u', 'berth', '--password-stdin', basic.host], { input: 'wrong\n' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /401 Unauthorized|unauthorized/);
    const good = d.docker(['login', '-u', 'berth', '--password-stdin', basic.host], { input: 'secret-pw\n' });
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);
    ok(d.docker(['push', `${basic.host}/priv:1`]), 'push with creds');
    ok(d.docker(['rmi', `${basic.host}/priv:1`]));
    ok(d.docker(['pull', `${basic.host}/priv:1`]), 'pull with creds');
    ok(skopeo(['inspect', '--tls-verify=false', '--creds', basic.creds, `docker://${basic.host}/priv:1`]), 'skopeo');
  });

  it('berth login / logout use a Docker-compatible config.json', () => {
    const out = ok(d.berth(['login', '-u', 'berth', '--password-stdin', basic.host], { input: 'secret-pw\n' }), 'berth login');
    assert.match(out, /^Login Succeeded$/m);
    const cfg = JSON.parse(fs.readFileSync(path.join(d.clientConfigDir, 'config.json'), 'utf8'));
    assert.equal(Buffer.from(cfg.auths[basic.host].auth, 'base64').toString(), 'berth:secret-pw');
    ok(d.berth(['rmi', `${basic.host}/priv:1`]));
    ok(d.berth(['pull', `${basic.host}/priv:1`]), 'berth pull with stored creds');
    assert.equal(ok(d.berth(['logout', basic.host])), `Removing login credentials for ${basic.host}\n`);
    // docker 28 says the same when nothing was stored, and exits 0
    assert.equal(ok(d.berth(['logout', basic.host])), `Removing login credentials for ${basic.host}\n`);
    assert.equal(JSON.parse(fs.readFileSync(path.join(d.clientConfigDir, 'config.json'), 'utf8')).auths?.[basic.host], undefined);
    const np = d.berth(['login', basic.host]);
    assert.equal(np.status, 1);
    assert.match(np.stderr, /Cannot perform an interactive login from a non TTY device/);
  });

  it('token auth: anonymous access denied; logged in, tokens come per scope and push/pull work', () => {
    ok(d.docker(['tag', 'busybox', `${token.host}/team/tok:1`]));
    const anon = d.docker(['push', `${token.host}/team/tok:1`]);
    assert.equal(anon.status, 1);
    assert.match(anon.stderr + anon.stdout, /unauthorized|denied|authentication required/);
    const bad = d.docker(['login', '-u', 'berth', '--password-stdin', token.host], { input: 'nope\n' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /incorrect username or password/);
    ok(d.docker(['login', '-u', 'berth', '--password-stdin', token.host], { input: 'secret-pw\n' }), 'login');
    const before = token.tokenRequests.length;
    ok(d.docker(['push', `${token.host}/team/tok:1`]), 'push');
    const reqs = token.tokenRequests.slice(before);
    assert.ok(
      reqs.some((r) => r.account === 'berth' && r.scopes.includes('repository:team/tok:pull,push')),
      JSON.stringify(reqs),
    );
    // one token serves the whole push: cached per scope
    assert.ok(reqs.length <= 2, `token requests: ${JSON.stringify(reqs)}`);
    ok(d.docker(['rmi', `${token.host}/team/tok:1`]));
    ok(d.docker(['pull', `${token.host}/team/tok:1`]), 'pull');
    assert.equal(ok(d.docker(['run', '--rm', `${token.host}/team/tok:1`, 'echo', 'ran'])), 'ran\n');
    ok(skopeo(['inspect', '--tls-verify=false', '--creds', token.creds, `docker://${token.host}/team/tok:1`]), 'skopeo');
  });

  it('token auth: anonymous pulls get a token for public repositories only', () => {
    ok(d.docker(['tag', 'busybox', `${token.host}/public/pub:1`]));
    ok(d.docker(['push', `${token.host}/public/pub:1`]), 'push public');
    ok(d.docker(['logout', token.host]));
    ok(d.docker(['rmi', `${token.host}/public/pub:1`, `${token.host}/team/tok:1`]));
    const before = token.tokenRequests.length;
    ok(d.docker(['pull', `${token.host}/public/pub:1`]), 'anonymous pull');
    assert.ok(token.tokenRequests.slice(before).some((r) => r.account === undefined && r.scopes.includes('repository:public/pub:pull')));
    const denied = d.docker(['pull', `${token.host}/team/tok:1`]);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /pull access denied for .*team\/tok, repository does not exist or may require 'docker login'/);
  });

  it('the daemon falls back to its own config.json for API clients that send no credentials', async () => {
    const dir = path.join(path.dirname(d.clientConfigDir), 'daemon-docker-config');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from('berth:secret-pw').toString('base64') } } }));
    try {
      const r = await d.request('POST', `/v1.41/images/create?fromImage=${basic.host}/priv&tag=1`);
      assert.equal(r.status, 200, r.body.toString());
      assert.doesNotMatch(r.body.toString(), /errorDetail/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
