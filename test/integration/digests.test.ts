// Images pulled by digest (no tag) as `images` shows them — `images REPO`,
// `--digests`, `--filter reference=`, `dangling=true` — through docker and
// berth; and GET /distribution/{name}/json against a real registry on
// 127.0.0.1: descriptor and platforms of a manifest and of an index, errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, type RunResult } from '../helpers/daemon';
import { TestRegistry, pushPlatforms, skopeo } from '../helpers/registry';
import { sha256 } from '../fixtures/images';

function ok(r: RunResult, what = ''): string {
  assert.equal(r.status, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe('images pulled by digest, and /distribution', () => {
  const d = new TestDaemon('dig');
  let reg: TestRegistry;
  let tmp: string;
  let repo = '';
  let digest = '';
  let id = '';

  before(async () => {
    reg = await TestRegistry.start();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-digtest-'));
    await d.start();
    await d.importBusybox();
    repo = `${reg.host}/app`;
    ok(d.docker(['tag', 'busybox', `${repo}:v1`]));
    const push = ok(d.docker(['push', `${repo}:v1`]), 'push');
    digest = /digest: (sha256:[a-f0-9]{64})/.exec(push)![1];
    id = ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim();
    // only the digest reference is left: remove both tags, then pull by digest
    ok(d.docker(['rmi', `${repo}:v1`, 'busybox']));
    ok(d.docker(['pull', `${repo}@${digest}`]), 'pull by digest');
  });
  after(async () => {
    await d.stop();
    await reg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // CREATED ("4 seconds ago") moves between two runs, and the column widths with it
  const steady = (s: string) => s.replace(/(\d+ \w+|About an? \w+) ago/g, 'X ago').replace(/ {2,}/g, '  ');
  const both = (args: string[]): string => {
    const a = ok(d.docker(args), `docker ${args.join(' ')}`);
    const b = ok(d.berth(args), `berth ${args.join(' ')}`);
    assert.equal(steady(b), steady(a), `berth ${args.join(' ')}`);
    return a;
  };

  it('the API lists it with its digest and no tag', async () => {
    const list = (await d.request('GET', '/images/json')).json();
    assert.equal(list.length, 1);
    assert.equal(list[0].Id, id);
    assert.equal(list[0].RepoTags, null);
    assert.deepEqual(list[0].RepoDigests, [`${repo}@${digest}`]);
  });

  it('images, images REPO, --digests and --filter reference= show it as <none> with its digest', () => {
    const short = id.slice(7, 19);
    const fmt = ['--format', '{{.Repository}}|{{.Tag}}|{{.Digest}}|{{.ID}}'];
    // as docker's formatter: a digest-only row shows its digest only with --digests
    const row = `${repo}|<none>||${short}\n`;
    assert.equal(both(['images', ...fmt]), row);
    assert.equal(both(['images', '--digests', ...fmt]), `${repo}|<none>|${digest}|${short}\n`);
    assert.equal(both(['images', repo, ...fmt]), row);
    assert.equal(both(['images', '--filter', `reference=${reg.host}/*`, ...fmt]), row);
    assert.equal(both(['images', '--filter', `reference=${repo}@${digest}`, ...fmt]), row);
    assert.equal(both(['images', '--filter', 'reference=other/*', ...fmt]), '');
    // Docker 20.10 lists an untagged head with a digest among the dangling ones
    assert.equal(both(['images', '--filter', 'dangling=true', ...fmt]), row);
    const table = both(['images', '--digests', repo]);
    assert.match(table, /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE\n/);
    assert.match(table, new RegExp(`^${repo.replace(/\./g, '\\.')}\\s+<none>\\s+${digest}\\s+${short}\\s`, 'm'));
    // a tag added later shows beside the digest
    ok(d.docker(['tag', id, `${repo}:v2`]));
    try {
      assert.equal(both(['images', repo, ...fmt]), `${repo}|v2|${digest}|${short}\n`);
    } finally {
      ok(d.docker(['rmi', `${repo}:v2`]));
    }
  });

  it('GET /distribution/{name}/json answers the descriptor and platform of a manifest', async () => {
    const byTag = await d.request('GET', `/distribution/${repo}:v1/json`);
    assert.equal(byTag.status, 200, byTag.body.toString());
    const j = byTag.json();
    assert.deepEqual(Object.keys(j), ['Descriptor', 'Platforms']);
    assert.equal(j.Descriptor.digest, digest);
    assert.equal(j.Descriptor.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    // the manifest's own bytes, as the registry serves them to another client
    const raw = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repo}:v1`]).stdout;
    assert.equal(sha256(raw), digest);
    assert.equal(j.Descriptor.size, Buffer.byteLength(raw));
    assert.deepEqual(j.Platforms, [{ architecture: 'amd64', os: 'linux' }]);
    // by digest, the same; without a tag, :latest is asked for
    const byDigest = (await d.request('GET', `/distribution/${repo}@${digest}/json`)).json();
    assert.deepEqual(byDigest, j);
    const latest = await d.request('GET', `/v1.41/distribution/${repo}/json`);
    assert.equal(latest.status, 404);
    assert.match(latest.json().message, /manifest unknown/);
  });

  it('for an index, one platform per manifest', async () => {
    await pushPlatforms(reg, 'multi', [{ architecture: 'arm64', variant: 'v8' }, { architecture: 'amd64' }]);
    const r = await d.request('GET', `/distribution/${reg.host}/multi/json`);
    assert.equal(r.status, 200, r.body.toString());
    const j = r.json();
    assert.equal(j.Descriptor.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(j.Platforms, [
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
      { architecture: 'amd64', os: 'linux' },
    ]);
  });

  it('bad references answer 400, a full image ID 500, as Docker', async () => {
    const bad = await d.request('GET', '/distribution/UPPER/json');
    assert.equal(bad.status, 400);
    const full = await d.request('GET', `/distribution/${id.slice(7)}/json`);
    assert.equal(full.status, 500);
    assert.equal(full.json().message, 'no manifest found for full image ID');
  });
});
