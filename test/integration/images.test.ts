// The image store through the docker CLI and berth: save/load (docker-archive
// and OCI layout, plain and compressed, skopeo reading what berth saves),
// commit/history, export/import, tag/rmi/prune, images filters, system df,
// and an image with 125 layers that still mounts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { TestDaemon, busyboxTarball } from '../helpers/daemon';
import { skopeo } from '../helpers/registry';
import { buildImage, dockerArchive, ociLayoutEntries, sha256, tarOf, type Entry } from '../fixtures/images';

function ok(r: { status: number; stdout: string; stderr: string }, what = ''): string {
  assert.equal(r.status, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** name → content of every entry of a tar (file bodies as Buffers). */
function readTar(data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    const ex = tar.extract();
    ex.on('entry', (h, s, next) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: unknown) => chunks.push(c as Buffer));
      s.on('end', () => {
        out.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    ex.on('finish', () => resolve(out));
    ex.on('error', reject);
    ex.end(data);
  });
}

/** An image whose first layer is busybox (so it runs) plus the given layers. */
async function runnable(extra: Entry[][], o: Parameters<typeof buildImage>[1] = {}) {
  const img = await buildImage([[], ...extra], o);
  const bb = fs.readFileSync(await busyboxTarball());
  img.layers[0] = bb;
  img.diffIds[0] = sha256(bb);
  const cfg = JSON.parse(img.config.toString());
  cfg.rootfs.diff_ids = img.diffIds;
  cfg.history = img.diffIds.map((_, i) => ({ created: cfg.created, created_by: `layer ${i}` }));
  img.config = Buffer.from(JSON.stringify(cfg));
  img.configDigest = sha256(img.config);
  return img;
}

describe('images: save and load', () => {
  const d = new TestDaemon('saveload');
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sl-'));
    await d.start();
    await d.importBusybox();
    ok(d.docker(['run', '--name', 'cc', 'busybox', 'sh', '-c', 'mkdir -p /data && echo saved > /data/f && rm /bin/vi']));
    ok(d.docker(['commit', '-m', 'two layers', 'cc', 'app:1']));
    ok(d.docker(['tag', 'app:1', 'app:latest']));
  });
  after(async () => {
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('docker save writes a docker-archive that is also an OCI layout; skopeo reads it', async () => {
    const file = path.join(tmp, 'two.tar');
    ok(d.docker(['save', '-o', file, 'busybox', 'app:1']), 'save');
    const t = await readTar(fs.readFileSync(file));
    const manifest = JSON.parse(t.get('manifest.json')!.toString());
    assert.equal(manifest.length, 2);
    const app = manifest.find((m: { RepoTags: string[] }) => m.RepoTags.includes('app:1'));
    assert.equal(app.Layers.length, 2);
    for (const l of app.Layers) assert.equal(sha256(t.get(l)!), 'sha256:' + path.basename(l), 'layer tars are their diff IDs');
    const appId = ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', 'app:1'])).trim();
    assert.equal(app.Config, `blobs/sha256/${appId.slice(7)}`);
    assert.deepEqual(JSON.parse(t.get('repositories')!.toString()).app, { '1': path.basename(app.Layers[1]) });
    assert.ok(t.has('oci-layout') && t.has('index.json'));
    const info = JSON.parse(ok(skopeo(['inspect', `docker-archive:${file}:app:1`]), 'skopeo docker-archive'));
    assert.equal(info.Layers.length, 2);
    ok(skopeo(['copy', `docker-archive:${file}:app:1`, `oci:${tmp}/oci:app`]), 'skopeo copy from our archive');
  });

  it('docker load brings saved images back with the same IDs', () => {
    const file = path.join(tmp, 'two.tar');
    const ids = ok(d.docker(['images', '-q', '--no-trunc']))
      .trim()
      .split('\n')
      .sort();
    ok(d.docker(['rm', 'cc']));
    ok(d.docker(['rmi', 'app:1', 'app:latest', 'busybox']), 'rmi');
    assert.equal(ok(d.docker(['images', '-q'])), '');
    const out = ok(d.docker(['load', '-i', file]), 'load');
    assert.match(out, /^Loaded image: busybox:latest$/m);
    assert.match(out, /^Loaded image: app:1$/m);
    assert.deepEqual(
      ok(d.docker(['images', '-q', '--no-trunc']))
        .trim()
        .split('\n')
        .sort(),
      [...new Set(ids)],
    );
    assert.equal(ok(d.docker(['run', '--rm', 'app:1', 'cat', '/data/f'])), 'saved\n');
    assert.notEqual(d.docker(['run', '--rm', 'app:1', 'ls', '/bin/vi']).status, 0);
  });

  it('berth save to stdout and berth load from stdin round-trip; save of a bare name takes every tag', async () => {
    ok(d.docker(['tag', 'app:1', 'app:other']));
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../../bin/berth'), '-H', d.host, 'save', 'app'], { maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr.toString());
    const t = await readTar(r.stdout);
    const tags = JSON.parse(t.get('manifest.json')!.toString())[0].RepoTags.sort();
    assert.deepEqual(tags, ['app:1', 'app:other']);
    ok(d.docker(['rmi', 'app:other']));
    const out = ok(d.berth(['load'], { input: r.stdout }), 'berth load');
    assert.match(out, /Loaded image: app:other/);
    const cowardly = d.berth(['save', 'app:1', '-o', path.join(tmp, 'no/such/dir/x.tar')]);
    assert.equal(cowardly.status, 1);
    assert.match(cowardly.stderr, /does not exist/);
    const missing = d.docker(['save', 'nosuch:1']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No such image: nosuch:1/);
  });

  it('loads Docker 20.10 archives, gzip and xz compressed, and OCI layouts with compressed layers', async () => {
    const img = await runnable([[{ name: 'legacy.txt', content: 'legacy\n' }]], { cmd: ['cat', '/legacy.txt'] });
    const legacy = await dockerArchive([{ img, tags: ['legacy:gz'] }]);
    assert.match(ok(d.docker(['load'], { input: zlib.gzipSync(legacy) })), /Loaded image: legacy:gz/);
    assert.equal(ok(d.docker(['run', '--rm', 'legacy:gz'])), 'legacy\n');
    const xz = spawnSync('xz', ['-c'], { input: await dockerArchive([{ img, tags: ['legacy:xz'] }]) }).stdout;
    assert.match(ok(d.docker(['load'], { input: xz })), /Loaded image: legacy:xz/);
    const oci = await runnable([[{ name: 'oci.txt', content: 'from oci\n' }]], { cmd: ['cat', '/oci.txt'] });
    const layout = await tarOf(ociLayoutEntries([{ img: oci, gzip: true, refName: 'ocitest:v1' }]).entries);
    assert.match(ok(d.docker(['load'], { input: layout }), 'load oci'), /Loaded image: ocitest:v1/);
    assert.equal(ok(d.docker(['run', '--rm', 'ocitest:v1'])), 'from oci\n');
    const z = await runnable([[{ name: 'z.txt', content: 'zstd\n' }]], { cmd: ['cat', '/z.txt'] });
    assert.match(
      ok(d.docker(['load'], { input: await tarOf(ociLayoutEntries([{ img: z, zstd: true, refName: 'zstdtest:1' }]).entries) }), 'load zstd'),
      /Loaded image: zstdtest:1/,
    );
    assert.equal(ok(d.docker(['run', '--rm', 'zstdtest:1'])), 'zstd\n');
    // an image whose index entry carries no name loads untagged
    const untagged = await tarOf(ociLayoutEntries([{ img: await buildImage([[{ name: 'z', content: 'z' }]]) }]).entries);
    assert.match(ok(d.docker(['load'], { input: untagged })), /Loaded image ID: sha256:[a-f0-9]{64}/);
  });

  it('an image with 125 layers loads and its containers mount and run', async () => {
    const layers: Entry[][] = [];
    for (let i = 1; i < 125; i++) layers.push([{ name: `layers/f${i}`, content: `${i}\n` }]);
    const img = await runnable(layers);
    assert.equal(img.layers.length, 125);
    ok(d.docker(['load'], { input: await dockerArchive([{ img, tags: ['tall:125'] }]) }), 'load tall');
    assert.equal(ok(d.docker(['run', '--rm', 'tall:125', 'sh', '-c', 'cat /layers/f1 /layers/f124; ls /layers | wc -l'])), '1\n124\n124\n');
  });
});

describe('images: commit, history, export/import, tag, rmi, prune, df', () => {
  const d = new TestDaemon('imgops');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('commit makes the writable layer a new image with changes, message and author; history shows it', () => {
    ok(d.docker(['run', '--name', 'wr', 'busybox', 'sh', '-c', 'echo made > /made; rm /etc/passwd; mkdir /tmp/d']));
    assert.deepEqual(
      ok(d.docker(['diff', 'wr']))
        .trim()
        .split('\n')
        .sort(),
      ['A /made', 'C /etc', 'C /tmp', 'A /tmp/d', 'D /etc/passwd'].sort(),
    );
    const id = ok(
      d.docker(['commit', '-a', 'Ann <ann@x>', '-m', 'add made', '-c', 'CMD ["cat","/made"]', '-c', 'ENV STAGE=two', 'wr', 'made:v1']),
      'commit',
    ).trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.equal(ok(d.docker(['run', '--rm', 'made:v1'])), 'made\n');
    assert.notEqual(d.docker(['run', '--rm', 'made:v1', 'ls', '/etc/passwd']).status, 0);
    const info = JSON.parse(ok(d.docker(['image', 'inspect', 'made:v1'])))[0];
    assert.equal(info.Author, 'Ann <ann@x>');
    assert.equal(info.Comment, 'add made');
    assert.ok(info.Config.Env.includes('STAGE=two'));
    assert.equal(info.RootFS.Layers.length, 2);
    assert.equal(info.Parent, ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim());
    const hist = ok(d.docker(['history', 'made:v1']));
    assert.match(hist, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/m);
    assert.match(hist, new RegExp(`^${id.slice(7, 19)}\\s+.* ago\\s+sh -c echo made > /made; rm /etc/passwd; mkd…\\s+\\S+\\s+add made$`, 'm'));
    assert.match(hist, /Imported from -$/m);
    const q = ok(d.docker(['history', '-q', '--no-trunc', 'made:v1']))
      .trim()
      .split('\n');
    assert.equal(q[0], id);
    const bh = ok(d.berth(['history', '--format', '{{.ID}}|{{.Comment}}', 'made:v1']));
    assert.equal(bh.split('\n')[0], `${id.slice(7, 19)}|add made`);
    // nothing changed: an empty layer, marked as such in history
    ok(d.docker(['run', '--name', 'idle', 'busybox', 'true']));
    const empty = ok(d.berth(['commit', 'idle', 'idle:1'])).trim();
    assert.equal(JSON.parse(ok(d.docker(['image', 'inspect', empty])))[0].RootFS.Layers.length, 1);
  });

  it('commit pauses a running container and leaves it running; a bad change is refused', () => {
    ok(d.docker(['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo x > /live; sleep 100']));
    ok(d.docker(['commit', 'live', 'live:1']));
    assert.equal(ok(d.docker(['inspect', '-f', '{{.State.Status}}', 'live'])).trim(), 'running');
    assert.equal(ok(d.docker(['run', '--rm', 'live:1', 'cat', '/live'])), 'x\n');
    const bad = d.docker(['commit', '-c', 'RUN echo no', 'live']);
    assert.equal(bad.status, 1);
    // dockerd 20.10 prints the instruction in lower case
    assert.match(bad.stderr, /Error response from daemon: run is not a valid change command/);
    ok(d.docker(['rm', '-f', 'live']));
  });

  it('export and import round-trip a container filesystem; import reads URLs and stdin', async () => {
    ok(d.docker(['create', '--name', 'ex', 'made:v1']));
    const exp = spawnSync('docker', ['-H', d.host, 'export', 'ex'], { maxBuffer: 1 << 28 });
    assert.equal(exp.status, 0, exp.stderr.toString());
    const entries = await readTar(exp.stdout);
    assert.ok(entries.has('made') && entries.has('bin/busybox'));
    assert.ok(!entries.has('etc/passwd'));
    const id = ok(d.docker(['import', '-c', 'CMD ["cat","/made"]', '-m', 'flat', '-', 'flat:1'], { input: exp.stdout }), 'import').trim();
    assert.match(id, /^sha256:/);
    assert.equal(ok(d.docker(['run', '--rm', 'flat:1'])), 'made\n');
    assert.equal(ok(d.docker(['history', '--format', '{{.Comment}}', 'flat:1'])), 'flat\n');
    const srv = http.createServer((_req, res) => res.end(zlib.gzipSync(exp.stdout)));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (srv.address() as { port: number }).port;
      const r = await d.dockerAsync(['import', `http://127.0.0.1:${port}/rootfs.tar.gz`, 'fromurl:1']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(ok(d.docker(['run', '--rm', 'fromurl:1', 'cat', '/made'])), 'made\n');
    } finally {
      srv.close();
    }
    ok(d.docker(['rm', 'ex']));
  });

  it('tag, rmi (untag vs delete, in use, -f), and layers freed only when unused', () => {
    const layersDir = path.join(d.dataRoot, 'layers');
    const count = () => fs.readdirSync(layersDir).filter((n) => /^[a-f0-9]{64}$/.test(n)).length;
    ok(d.docker(['tag', 'made:v1', 'alias:1']));
    ok(d.berth(['tag', 'made:v1', 'alias:2']));
    assert.equal(ok(d.docker(['rmi', 'alias:1'])), 'Untagged: alias:1\n');
    ok(d.docker(['create', '--name', 'user', 'alias:2']));
    const refused = d.docker(['rmi', ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', 'alias:2'])).trim()]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /must be forced|image is referenced in multiple repositories|being used by stopped container/);
    const before = count();
    ok(d.docker(['rmi', 'alias:2']));
    const last = d.docker(['rmi', 'made:v1']);
    assert.equal(last.status, 1);
    assert.match(last.stderr, /unable to remove repository reference "made:v1" \(must force\) - container [0-9a-f]{12} is using its referenced image/);
    assert.equal(ok(d.docker(['rmi', '-f', 'made:v1'])), 'Untagged: made:v1\n');
    // the container still holds the image and its layers
    assert.equal(count(), before);
    assert.equal(ok(d.docker(['start', '-a', 'user'])), 'made\n');
    ok(d.docker(['rm', 'user']));
  });

  it('images filters, --digests, -q; image prune removes dangling, -a unused; system df', async () => {
    ok(d.docker(['run', '--name', 'dang', 'busybox', 'touch', '/x']));
    ok(d.docker(['commit', 'dang']));
    ok(d.docker(['rm', 'dang']));
    const dangling = ok(d.docker(['images', '-q', '--filter', 'dangling=true']))
      .trim()
      .split('\n')
      .filter(Boolean);
    assert.ok(dangling.length >= 1);
    assert.match(ok(d.docker(['images', '--filter', 'reference=flat'])), /^flat\s+1\s+/m);
    assert.doesNotMatch(ok(d.docker(['images', '--filter', 'reference=flat'])), /^busybox/m);
    assert.match(ok(d.docker(['images', '--filter', 'before=flat:1', '--format', '{{.Repository}}'])), /busybox/);
    assert.doesNotMatch(ok(d.docker(['images', '--filter', 'since=flat:1', '--format', '{{.Repository}}'])), /^flat$/m);
    assert.match(ok(d.docker(['images', '--digests'])), /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    const df = ok(d.docker(['system', 'df']));
    assert.match(df, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/m);
    assert.match(df, /^Images\s+\d+\s+\d+\s+\S+\s+\S+ \(\d+%\)$/m);
    assert.match(df, /^Containers\s+\d+\s+\d+\s+\S+\s+\S+/m);
    assert.match(df, /^Local Volumes\s+0\s+0\s+0B\s+0B$/m);
    assert.match(df, /^Build Cache\s+0\s+0\s+0B\s+0B$/m);
    const bdf = ok(d.berth(['system', 'df']));
    assert.match(bdf, /^Images\s+\d+\s+\d+\s+\S+\s+\S+ \(\d+%\)$/m);
    assert.match(ok(d.docker(['system', 'df', '-v'])), /^Images space usage:/m);
    assert.match(ok(d.berth(['system', 'df', '-v'])), /SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS/);
    const pruned = ok(d.docker(['image', 'prune', '-f']));
    assert.match(pruned, /^Deleted Images:$/m);
    assert.match(pruned, /^Total reclaimed space: /m);
    assert.equal(ok(d.docker(['images', '-q', '--filter', 'dangling=true'])), '');
    // until and label filters: only old images, only labelled ones
    const { buildImage: b, dockerArchive: a } = { buildImage, dockerArchive };
    const old = await b([[{ name: 'o', content: 'o' }]], { labels: { tier: 'old' } });
    ok(d.docker(['load'], { input: await a([{ img: old, tags: ['old:1'] }]) }));
    const labelled = ok(d.docker(['image', 'prune', '-a', '-f', '--filter', 'label=tier=none']));
    assert.match(labelled, /^Total reclaimed space: 0B$/m);
    const untilOut = ok(d.docker(['image', 'prune', '-a', '-f', '--filter', 'until=24h']));
    assert.match(untilOut, /untagged: old:1/);
    assert.doesNotMatch(untilOut, /untagged: flat:1/);
    ok(d.docker(['create', '--name', 'keep', 'busybox', 'true']));
    const all = ok(d.berth(['image', 'prune', '-a', '-f']));
    assert.match(all, /untagged: flat:1/);
    assert.equal(ok(d.docker(['images', '--format', '{{.Repository}}'])), 'busybox\n');
    ok(d.docker(['rm', 'keep']));
  });
});
