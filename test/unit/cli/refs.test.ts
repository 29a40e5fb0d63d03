// The references the CLI sends: docker's repo/tag split (a registry port is not
// a tag) and X-Registry-Auth from the user's config.json for the reference's
// registry (Docker Hub under its v1 key), or an empty config.
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeAuthHeader } from '../../../src/common/credentials';
import { registryAuthHeader, splitRepoTag, userReference } from '../../../src/cli/refs';
import { StatusError } from '../../../src/cli/command';

describe('CLI references', () => {
  let dir: string;
  let saved: string | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-refs-'));
    saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dir;
    const auth = (u: string, p: string) => ({ auth: Buffer.from(`${u}:${p}`).toString('base64') });
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': auth('hubuser', 'hubpw'), '127.0.0.1:5000': auth('local', 'pw') } }),
    );
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('splits repository and tag as docker does', () => {
    assert.deepEqual(splitRepoTag('busybox'), { repo: 'busybox' });
    assert.deepEqual(splitRepoTag('busybox:1.36'), { repo: 'busybox', tag: '1.36' });
    assert.deepEqual(splitRepoTag('localhost:5000/a/b'), { repo: 'localhost:5000/a/b' });
    assert.deepEqual(splitRepoTag('localhost:5000/a/b:v2'), { repo: 'localhost:5000/a/b', tag: 'v2' });
    assert.deepEqual(splitRepoTag('busybox@sha256:abc'), { repo: 'busybox', tag: 'sha256:abc' });
  });

  it("sends the stored credentials of the reference's registry, and an empty config for others", () => {
    const creds = (ref: string) => decodeAuthHeader(registryAuthHeader(ref)['X-Registry-Auth']);
    assert.equal(creds('127.0.0.1:5000/team/app:1')?.username, 'local');
    assert.equal(creds('busybox')?.username, 'hubuser');
    assert.equal(creds('docker.io/library/busybox')?.username, 'hubuser');
    assert.equal(creds('127.0.0.1:6000/other'), undefined);
    assert.equal(registryAuthHeader('127.0.0.1:6000/other')['X-Registry-Auth'], Buffer.from('{}').toString('base64url'));
  });

  it("a reference the user typed that does not parse exits 1 with the parser's message", () => {
    assert.equal(userReference('busybox').path, 'library/busybox');
    assert.throws(
      () => userReference('Busy Box'),
      (e) => e instanceof StatusError && e.status === 1 && /invalid reference format/.test(e.message),
    );
  });
});
