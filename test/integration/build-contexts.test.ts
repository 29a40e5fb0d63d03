// `berth build --build-context name=DIR|docker-image://REF`: named contexts
// FROM, COPY --from and RUN --mount from= use before stages and images (as BuildKit); a
// directory travels inside the context tar (its own .dockerignore applied)
// and berthd takes it out again, so `COPY .` never sees it; the API refuses
// what it cannot serve.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { build, buildOk, contextDir, inspect, runIn } from '../helpers/build';

describe('build: named contexts', () => {
  const d = new TestDaemon('bctxs');
  before(async () => {
    await d.start();
    await d.importBusybox();
    buildOk(d, 'berth', contextDir({ Dockerfile: 'FROM busybox\nRUN echo alt > /alt\nLABEL which=alt\n' }), ['--network', 'none', '-t', 'alt:1']);
  });
  after(() => d.stop());

  it('a directory: COPY --from=name and FROM name; its .dockerignore applies; COPY . does not see it', () => {
    const shared = contextDir({ 'lib/a.txt': 'a from shared\n', 'skip.log': 'ignored\n', '.dockerignore': '*.log\n' });
    const dir = contextDir({
      Dockerfile: `FROM busybox AS app
COPY --from=shared lib/a.txt /a.txt
RUN --mount=type=bind,from=shared,target=/m cat /m/lib/a.txt > /viamount
COPY . /ctx/
FROM shared AS files
FROM app
COPY --from=files / /files/
`,
      'main.txt': 'main\n',
    });
    buildOk(d, 'berth', dir, ['--network', 'none', '--build-context', `shared=${shared}`, '-t', 'named:dir']);
    assert.equal(
      runIn(d, 'named:dir', 'cat /a.txt /viamount; ls -A /ctx; ls -A /files /files/lib'),
      'a from shared\na from shared\nDockerfile\nmain.txt\n/files:\n.dockerignore\nlib\n\n/files/lib:\na.txt\n',
    );
  });

  it('docker-image://: FROM and COPY --from the image, and it replaces an image of the same name', () => {
    const dir = contextDir({
      Dockerfile: `FROM base
COPY --from=tools /alt /copied
`,
    });
    buildOk(d, 'berth', dir, [
      '--network',
      'none',
      '--build-context',
      'base=docker-image://alt:1',
      '--build-context',
      'tools=docker-image://alt:1',
      '-t',
      'named:img',
    ]);
    assert.equal(inspect(d, 'named:img', '{{.Config.Labels.which}}'), 'alt');
    assert.equal(runIn(d, 'named:img', 'cat /alt /copied'), 'alt\nalt\n');
    const swapped = contextDir({ Dockerfile: 'FROM busybox\nRUN test -f /alt\n' });
    buildOk(d, 'berth', swapped, ['--network', 'none', '--build-context', 'busybox=docker-image://alt:1', '-t', 'named:swap']);
    // positive control: without the named context, busybox is busybox
    assert.notEqual(build(d, 'berth', swapped, ['--network', 'none']).status, 0);
  });

  it('a named directory is cached by its content', () => {
    const shared = contextDir({ 'f.txt': 'one\n' });
    const dir = contextDir({ Dockerfile: 'FROM busybox\nCOPY --from=s f.txt /f.txt\n' });
    buildOk(d, 'berth', dir, ['--build-context', `s=${shared}`, '-t', 'named:c1']);
    assert.match(buildOk(d, 'berth', dir, ['--build-context', `s=${shared}`, '-t', 'named:c2']), /Using cache/);
    fs.writeFileSync(path.join(shared, 'f.txt'), 'two\n');
    assert.doesNotMatch(buildOk(d, 'berth', dir, ['--build-context', `s=${shared}`, '-t', 'named:c3']), /Using cache/);
    assert.equal(runIn(d, 'named:c3', 'cat /f.txt'), 'two\n');
  });

  it('bad named contexts are refused, by the CLI and by the API', async () => {
    const dir = contextDir({ Dockerfile: 'FROM busybox\n' });
    const cases: Array<[string, RegExp]> = [
      ['x=https://example.invalid/repo.git', /invalid build context x: unsupported source "https:\/\/example\.invalid\/repo\.git"/],
      ['x=/nonexistent/dir', /invalid build context x: \/nonexistent\/dir is not a directory/],
      ['novalue', /invalid build context "novalue": expected name=value/],
    ];
    for (const [spec, re] of cases) {
      const r = build(d, 'berth', dir, ['--build-context', spec]);
      assert.equal(r.status, 1, spec);
      assert.match(r.stderr, re);
    }
    for (const [v, re] of [
      [{ x: 'oci-layout:///tmp/x' }, /invalid build context x: unsupported source "oci-layout:\/\/\/tmp\/x"/],
      [{ x: 'docker-image://a b' }, /invalid build context x: invalid reference format: a b/],
      [{ x: 'context:.berth-contexts.nothere/0' }, /named build context not found in the context: \.berth-contexts\.nothere\/0/],
    ] as const) {
      const r = await d.request('POST', `/build?buildcontexts=${encodeURIComponent(JSON.stringify(v))}`, emptyTar(), { 'Content-Type': 'application/x-tar' });
      assert.equal(r.status, 400, r.body.toString());
      assert.match(JSON.parse(r.body.toString()).message, re);
    }
  });
});

/** A context tar with just a Dockerfile (FROM busybox). */
function emptyTar(): Buffer {
  const body = Buffer.from('FROM busybox\n');
  const h = Buffer.alloc(512);
  h.write('Dockerfile');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return Buffer.concat([h, body, Buffer.alloc(512 - body.length), Buffer.alloc(1024)]);
}
