// The registry client's pure parts: references, auth challenges, platforms and
// index selection, manifest validation, credentials, progress text, parallel
// gzip, daemon.json registry options.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ParallelGzip } from '../../../src/archive';
import { parseReference, normaliseTagged } from '../../../src/image';
import {
  CredentialFile,
  ManifestError,
  Schema1Error,
  decodeAuthHeader,
  encodeAuthHeader,
  parseChallenges,
  parseManifest,
  parsePlatform,
  registryKey,
  selectManifest,
  HUB_AUTH_KEY,
  type Descriptor,
} from '../../../src/registry';
import { progressText } from '../../../src/engine/images/progress';
import { humanSize } from '../../../src/util/humansize';
import { parseRegistryOptions } from '../../../src/daemon/registry-options';

describe('references (Docker normalisation and errors)', () => {
  test('familiar names, registries with ports, digests, tag+digest', () => {
    assert.deepEqual(parseReference('alpine'), { repo: 'alpine', domain: 'docker.io', path: 'library/alpine', tag: undefined, digest: undefined });
    assert.equal(normaliseTagged('alpine').key, 'alpine:latest');
    assert.equal(parseReference('docker.io/library/alpine:3').repo, 'alpine');
    assert.equal(parseReference('index.docker.io/team/app').path, 'team/app');
    const d = 'sha256:' + 'a'.repeat(64);
    const r = parseReference(`localhost:5000/a/b:v1@${d}`);
    assert.deepEqual([r.domain, r.path, r.tag, r.digest, r.repo], ['localhost:5000', 'a/b', 'v1', d, 'localhost:5000/a/b']);
    assert.equal(parseReference('127.0.0.1:5000/x').domain, '127.0.0.1:5000');
  });
  test("Docker's errors", () => {
    assert.throws(() => parseReference('Alpine'), /invalid reference format: repository name \(library\/Alpine\) must be lowercase/);
    assert.throws(() => parseReference('127.0.0.1:5000/UP'), /repository name \(UP\) must be lowercase/);
    assert.throws(() => parseReference('a:b:c'), /^EngineError: invalid reference format$|invalid reference format/);
    assert.throws(() => parseReference('x@sha256:12'), /invalid reference format/);
    assert.throws(() => parseReference('a'.repeat(64).replace(/a/g, 'f')), /cannot specify 64-byte hexadecimal strings/);
    assert.throws(() => parseReference(''), /invalid reference format/);
    assert.throws(() => parseReference('x/' + 'a'.repeat(260)), /must not be more than 255 characters/);
  });
});

describe('auth challenges', () => {
  test('Bearer with realm, service and scope', () => {
    const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"');
    assert.equal(c.scheme, 'bearer');
    assert.deepEqual(c.params, { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' });
  });
  test('several challenges, unquoted values, escapes, error params', () => {
    const cs = parseChallenges(['Basic realm="Registry Realm"', 'Bearer realm=http://x/t, service="a \\"b\\"", error="insufficient_scope"']);
    assert.equal(cs.length, 2);
    assert.deepEqual(cs[0], { scheme: 'basic', params: { realm: 'Registry Realm' } });
    assert.deepEqual(cs[1].params, { realm: 'http://x/t', service: 'a "b"', error: 'insufficient_scope' });
    assert.deepEqual(parseChallenges(undefined), []);
  });
});

describe('platforms', () => {
  const desc = (os: string, architecture: string, variant?: string, extra: Partial<Descriptor> = {}): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${(os + architecture + (variant ?? ''))
      .padEnd(64, '0')
      .replace(/[^a-f0-9]/g, '0')
      .slice(0, 64)}`,
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
    ...extra,
  });
  test('parsing --platform as Docker does', () => {
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: undefined });
    // containerd normalizes arm64/8 like arm64/v8: both match an arm64 image without a variant
    assert.deepEqual(parsePlatform('linux/arm64/8'), { os: 'linux', architecture: 'arm64', variant: undefined });
    assert.deepEqual(parsePlatform('linux/arm/7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64', variant: undefined });
    assert.equal(parsePlatform('arm64').os, 'linux');
    assert.throws(() => parsePlatform('linux/pdp11'), /"linux\/pdp11": unknown operating system or architecture: invalid argument/);
    assert.throws(() => parsePlatform('beos/amd64'), /unknown operating system/);
  });
  test('index selection: exact variant first, compatible older variants, attestations never', () => {
    const list = [
      desc('linux', 'arm', 'v6'),
      desc('linux', 'arm', 'v7'),
      desc('linux', 'arm64', 'v8'),
      desc('linux', 'amd64'),
      desc('unknown', 'unknown', undefined, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }),
    ];
    assert.equal(selectManifest(list, parsePlatform('linux/amd64'))?.platform?.architecture, 'amd64');
    assert.equal(selectManifest(list, parsePlatform('linux/arm64'))?.platform?.variant, 'v8');
    assert.equal(selectManifest(list, parsePlatform('linux/arm/v7'))?.platform?.variant, 'v7');
    assert.equal(selectManifest([list[0], list[3]], parsePlatform('linux/arm/v7'))?.platform?.variant, 'v6');
    assert.equal(selectManifest([list[1]], parsePlatform('linux/arm/v6')), undefined);
    assert.equal(selectManifest(list, parsePlatform('linux/s390x')), undefined);
    assert.equal(selectManifest([list[4]], { os: 'unknown', architecture: 'unknown' }), undefined);
  });
});

describe('manifest validation', () => {
  const layer = { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: 'sha256:' + 'b'.repeat(64), size: 10 };
  const config = { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:' + 'c'.repeat(64), size: 5 };
  const m = (o: object) => Buffer.from(JSON.stringify(o));
  test('schema 2 manifests and indexes parse; the body media type wins', () => {
    const doc = parseManifest(
      m({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config, layers: [layer] }),
      'application/json',
      'x',
    );
    assert.equal(doc.doc.kind, 'manifest');
    const idx = parseManifest(
      m({
        schemaVersion: 2,
        manifests: [{ ...config, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: { os: 'linux', architecture: 'amd64' } }],
      }),
      'application/vnd.oci.image.index.v1+json',
      'x',
    );
    assert.equal(idx.doc.kind, 'index');
  });
  test('malformed documents are refused with what is wrong', () => {
    assert.throws(() => parseManifest(Buffer.from('{nope'), undefined, 'x'), ManifestError);
    assert.throws(() => parseManifest(m({ schemaVersion: 1, fsLayers: [] }), undefined, 'docker.io/x'), Schema1Error);
    assert.throws(() => parseManifest(m({ schemaVersion: 2, config }), 'application/vnd.oci.image.manifest.v1+json', 'x'), /"layers" is missing/);
    assert.throws(
      () => parseManifest(m({ schemaVersion: 2, config: { ...config, digest: 'md5:abc' }, layers: [] }), 'application/vnd.oci.image.manifest.v1+json', 'x'),
      /config/,
    );
    assert.throws(
      () => parseManifest(m({ schemaVersion: 2, config, layers: [{ ...layer, size: -1 }] }), 'application/vnd.oci.image.manifest.v1+json', 'x'),
      /invalid size/,
    );
    assert.throws(
      () => parseManifest(m({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: {} }), undefined, 'x'),
      /manifest list/,
    );
    assert.throws(() => parseManifest(m({ schemaVersion: 3 }), undefined, 'x'), /unsupported schema version/);
    assert.throws(() => parseManifest(m({ schemaVersion: 2, mediaType: 'text/html', config, layers: [] }), undefined, 'x'), /unsupported manifest media type/);
  });
});

describe('credentials', () => {
  test('X-Registry-Auth decodes base64url and standard base64; garbage is no credentials', () => {
    const a = { username: 'u', password: 'p+/?', serveraddress: 'r:5000' };
    assert.deepEqual(decodeAuthHeader(encodeAuthHeader(a)), a);
    assert.deepEqual(decodeAuthHeader(Buffer.from(JSON.stringify(a)).toString('base64')), a);
    assert.equal(decodeAuthHeader('e30='), undefined);
    assert.equal(decodeAuthHeader('!!!'), undefined);
    assert.equal(decodeAuthHeader(undefined), undefined);
  });
  test('config.json: Docker Hub key, base64 auth, set/get/remove', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-creds-'));
    try {
      assert.equal(registryKey('docker.io'), HUB_AUTH_KEY);
      assert.equal(registryKey('https://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } }, credsStore: '' }));
      const c = new CredentialFile(file);
      assert.deepEqual(c.get('docker.io'), { serveraddress: HUB_AUTH_KEY, username: 'hub', password: 'pw' });
      c.set('127.0.0.1:5000', { username: 'a', password: 'b:c' });
      assert.equal(c.get('http://127.0.0.1:5000')!.password, 'b:c');
      const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(raw.auths['127.0.0.1:5000'].auth, Buffer.from('a:b:c').toString('base64'));
      assert.equal(raw.credsStore, '', 'other keys are kept');
      assert.equal(c.remove('127.0.0.1:5000'), true);
      assert.equal(c.get('127.0.0.1:5000'), undefined);
      assert.equal(c.remove('127.0.0.1:5000'), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('progress text', () => {
  test('go-units sizes and the 50-cell bar', () => {
    assert.equal(humanSize(1536), '1.536kB');
    assert.equal(humanSize(2_220_000), '2.22MB');
    assert.equal(humanSize(0), '0B');
    assert.equal(progressText(0, 100), `[>${' '.repeat(50)}] ${'0B'.padStart(8)}/100B`);
    assert.equal(progressText(50, 100), `[${'='.repeat(25)}>${' '.repeat(25)}] ${'50B'.padStart(8)}/100B`);
    assert.equal(progressText(100, 100), `[${'='.repeat(50)}>] ${'100B'.padStart(8)}/100B`);
  });
});

describe('parallel gzip', () => {
  const run = (data: Buffer, blockSize: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const z = new ParallelGzip({ blockSize, parallel: 3 });
      const out: Buffer[] = [];
      z.on('data', (c: Buffer) => out.push(c));
      z.on('end', () => resolve(Buffer.concat(out)));
      z.on('error', reject);
      for (let i = 0; i < data.length; i += 7777) z.write(data.subarray(i, i + 7777));
      z.end();
    });
  test('round-trips through any gunzip, in order, across many members', async () => {
    const text = Buffer.from('berth layer '.repeat(50_000));
    const gz = await run(text, 64 * 1024);
    assert.ok(gz.length < text.length / 10, 'compressible data is compressed');
    assert.ok(zlib.gunzipSync(gz).equals(text));
  });
  test('incompressible blocks are stored, not deflated', async () => {
    const noise = Buffer.alloc(512 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = ((i * 2654435761) >>> 24) ^ (i & 0xff);
    const { randomBytes } = await import('node:crypto');
    const rnd = randomBytes(512 * 1024);
    const gz = await run(rnd, 128 * 1024);
    assert.ok(zlib.gunzipSync(gz).equals(rnd));
    assert.ok(gz.length < rnd.length + 4 * 200, 'stored blocks add only framing');
    assert.equal((await run(Buffer.alloc(0), 1024)).length > 0, true, 'empty input is one empty member');
  });
});

describe('insecure registries', () => {
  test('127.0.0.0/8 by default, listed names and CIDRs, nothing else', async () => {
    const { Transport } = await import('../../../src/registry');
    const t = new Transport(parseRegistryOptions({ 'insecure-registries': ['myreg.example:5000', '10.1.0.0/16', 'plain.example'] }, (m) => new Error(m)));
    try {
      assert.equal(await t.isInsecure('127.0.0.1:5000'), true);
      assert.equal(await t.isInsecure('127.9.9.9'), true);
      assert.equal(await t.isInsecure('localhost:5000'), true);
      assert.equal(await t.isInsecure('myreg.example:5000'), true);
      assert.equal(await t.isInsecure('plain.example:443'), true);
      assert.equal(await t.isInsecure('10.1.200.3:5000'), true);
      assert.equal(await t.isInsecure('10.2.0.1:5000'), false);
      assert.equal(await t.isInsecure('myreg.example:5001'), false);
      const eps = await t.endpoints('docker.io', true);
      assert.deepEqual(
        eps.map((e) => e.base),
        ['https://registry-1.docker.io'],
      );
    } finally {
      await t.close();
    }
  });
});

describe('daemon.json registry options', () => {
  const fail = (m: string) => new Error(m);
  test('defaults and values', () => {
    const c = parseRegistryOptions({}, fail);
    assert.equal(c.maxConcurrentDownloads, 3);
    assert.equal(c.maxConcurrentUploads, 5);
    const d = parseRegistryOptions(
      {
        'registry-mirrors': ['https://mirror.example:5000/'],
        'insecure-registries': ['http://10.0.0.1:5000', '10.1.0.0/16'],
        'max-concurrent-downloads': 6,
        proxies: { 'https-proxy': 'http://p:3128', 'no-proxy': 'localhost' },
      },
      fail,
    );
    assert.deepEqual(d.mirrors, ['https://mirror.example:5000']);
    assert.deepEqual(d.insecureRegistries, ['10.0.0.1:5000', '10.1.0.0/16']);
    assert.equal(d.maxConcurrentDownloads, 6);
    assert.deepEqual(d.proxies, { httpProxy: undefined, httpsProxy: 'http://p:3128', noProxy: 'localhost' });
  });
  test('invalid values are refused', () => {
    assert.throws(() => parseRegistryOptions({ 'max-concurrent-downloads': -1 }, fail), /invalid max concurrent downloads/);
    assert.throws(() => parseRegistryOptions({ 'registry-mirrors': ['ftp://x'] }, fail), /invalid mirror: unsupported scheme/);
    assert.throws(() => parseRegistryOptions({ 'registry-mirrors': ['https://x/path'] }, fail), /path, query, or fragment/);
    assert.throws(() => parseRegistryOptions({ 'insecure-registries': 'x' }, fail), /list of strings/);
  });
});
