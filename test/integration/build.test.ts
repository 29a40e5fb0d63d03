// The builder, instruction by instruction: one Dockerfile using every
// instruction and form, built with `DOCKER_BUILDKIT=0 docker build` and with
// `berth build` (cold both times), and the images checked by running them
// and inspecting them; ONBUILD through a child image; ADD of archives in
// every compression and of a URL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { TestDaemon } from '../helpers/daemon';
import { CLIENTS, buildOk, build, contextDir, inspect, ok, runIn } from '../helpers/build';

/** A tar of the given files (name -> [content, uid, gid, mode]). */
function makeTar(files: Record<string, [string, number, number, number]>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = tar.pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
    for (const [name, [data, uid, gid, mode]] of Object.entries(files)) p.entry({ name, uid, gid, mode }, data);
    p.finalize();
  });
}

const compress = (prog: string, data: Buffer) => spawnSync(prog, ['-c'], { input: data }).stdout;

const DOCKERFILE = `# syntax=docker/dockerfile:1
# check=skip=all
ARG BASE=busybox
FROM \${BASE} AS base
MAINTAINER Jane <jane@example.com>
ARG GREETING=hello
ENV APP_HOME=/srv/app \\
    MODE=prod
ENV ONE=1 TWO="two words"
LABEL org.example.name="demo" org.example.greeting=$GREETING
WORKDIR $APP_HOME
WORKDIR sub
COPY --chown=berth:staff --chmod=640 conf.txt ./
COPY data/ /data/
COPY a*.txt /globbed/
COPY --chown=1234:5678 ["with space.txt", "/spaced/"]
ADD archive.tar.gz /unpacked/gz/
ADD archive.tar.bz2 /unpacked/bz2/
ADD archive.tar.xz /unpacked/xz/
ADD plain.tar /unpacked/plain/
ADD --chown=berth notar.txt /added/
COPY <<EOF /etc/motd
Welcome $GREETING
EOF
RUN <<EOF
echo "run heredoc" > /heredoc.txt
EOF
RUN ["/bin/sh", "-c", "echo exec form > /exec.txt"]
RUN echo "$GREETING $ONE" > /greeting.txt && \\
    # a comment inside a continuation

    echo cont >> /greeting.txt
SHELL ["/bin/sh", "-e", "-c"]
RUN case $- in *e*) echo errexit > /shell.txt;; esac
USER berth
RUN id -u > /tmp/uid && pwd > /tmp/pwd
USER root
VOLUME /data/vol
EXPOSE 8080 53/udp
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD test -f /exec.txt
STOPSIGNAL SIGUSR1
ONBUILD RUN echo onbuild-ran > /onbuild.txt
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo default-cmd $MODE"]
`;

describe('build: every instruction, with docker and berth', () => {
  const d = new TestDaemon('build');
  let dir: string;
  before(async () => {
    await d.start();
    await d.importBusybox();
    const inner = { 'inside.txt': ['from the archive\n', 1000, 1000, 0o600] as [string, number, number, number] };
    const t = await makeTar(inner);
    dir = contextDir({
      Dockerfile: DOCKERFILE,
      'conf.txt': 'conf\n',
      'data/x': 'x\n',
      'data/deep/y': 'y\n',
      'a1.txt': 'a1\n',
      'a2.txt': 'a2\n',
      'b.txt': 'b\n',
      'with space.txt': 'spaced\n',
      'archive.tar.gz': zlib.gzipSync(t),
      'archive.tar.bz2': compress('bzip2', t),
      'archive.tar.xz': compress('xz', t),
      'plain.tar': t,
      'notar.txt': 'just text\n',
    });
  });
  after(() => d.stop());

  for (const client of CLIENTS) {
    it(`${client}: builds it and the image has what the Dockerfile says`, () => {
      const tag = `inst-${client}`;
      const out = buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-t', tag, '--label', 'from.flag=yes', '--build-arg', 'NOT_USED=1']);
      assert.match(out, /Step 1\/\d+ : ARG BASE=busybox\n/);
      assert.match(out, /Step 2\/\d+ : FROM \$\{BASE\} AS base\n/);
      assert.match(out, / ---> Running in [0-9a-f]{12}\n/);
      assert.match(out, /Removing intermediate container [0-9a-f]{12}\n/);
      assert.match(out, /\[Warning\] One or more build-args \[NOT_USED\] were not consumed/);
      assert.match(out, new RegExp(`Successfully tagged ${tag}:latest`));

      // files, owners, modes
      const files = runIn(
        d,
        tag,
        [
          'stat -c "%U:%G %a %n" /srv/app/sub/conf.txt',
          'stat -c "%u:%g %a %n" /spaced/"with space.txt"',
          'stat -c "%U:%G %a %n" /added/notar.txt /unpacked/gz/inside.txt',
          'cat /data/x /data/deep/y',
          'ls /globbed',
          'cat /unpacked/gz/inside.txt /unpacked/bz2/inside.txt /unpacked/xz/inside.txt /unpacked/plain/inside.txt',
          'cat /etc/motd /heredoc.txt /exec.txt /greeting.txt /shell.txt /tmp/uid /tmp/pwd',
          'pwd',
        ].join(' && '),
        ['--entrypoint', ''],
      );
      assert.equal(
        files,
        [
          'berth:staff 640 /srv/app/sub/conf.txt',
          '1234:5678 644 /spaced/with space.txt',
          'berth:berth 644 /added/notar.txt',
          'berth:berth 600 /unpacked/gz/inside.txt',
          'x',
          'y',
          'a1.txt',
          'a2.txt',
          'from the archive',
          'from the archive',
          'from the archive',
          'from the archive',
          'Welcome hello',
          'run heredoc',
          'exec form',
          'hello 1',
          'cont',
          'errexit',
          '1000',
          '/srv/app/sub',
          '/srv/app/sub',
          '',
        ].join('\n'),
      );

      // the config
      const env = JSON.parse(inspect(d, tag, '{{json .Config.Env}}')) as string[];
      for (const e of ['APP_HOME=/srv/app', 'MODE=prod', 'ONE=1', 'TWO=two words']) assert.ok(env.includes(e), `${e} in ${env}`);
      assert.ok(!env.some((e) => e.startsWith('GREETING=') || e.startsWith('BASE=')), 'build args never land in the image env');
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.Labels}}')), {
        'from.flag': 'yes',
        'org.example.greeting': 'hello',
        'org.example.name': 'demo',
      });
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.ExposedPorts}}')), { '53/udp': {}, '8080/tcp': {} });
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.Healthcheck}}')), {
        Test: ['CMD-SHELL', 'test -f /exec.txt'],
        Interval: 5e9,
        Timeout: 2e9,
        Retries: 4,
      });
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.Volumes}}')), { '/data/vol': {} });
      assert.equal(
        inspect(d, tag, '{{.Config.StopSignal}} {{.Config.User}} {{.Config.WorkingDir}} {{.Author}}'),
        'SIGUSR1 root /srv/app/sub Jane <jane@example.com>',
      );
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.Entrypoint}}')), ['/bin/sh', '-c']);
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.Cmd}}')), ['echo default-cmd $MODE']);
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.Shell}}')), ['/bin/sh', '-e', '-c']);
      assert.deepEqual(JSON.parse(inspect(d, tag, '{{json .Config.OnBuild}}')), ['RUN echo onbuild-ran > /onbuild.txt']);
      // entrypoint + cmd run by default
      assert.equal(ok(d.docker(['run', '--rm', '--network', 'none', tag])), 'default-cmd prod\n');
      // history: build args in RUN lines, metadata steps empty
      const hist = ok(d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', tag]));
      assert.match(hist, /\|1 GREETING=hello \/bin\/sh -c echo "\$GREETING \$ONE" > \/greeting.txt/);
      assert.match(hist, /\/bin\/sh -c #\(nop\)  ENV ONE=1 TWO=two words\|0B/);
      assert.match(hist, /\/bin\/sh -c #\(nop\) COPY --chown=berth:staff --chmod=640 file:[0-9a-f]{64} in \.\/ \|5B/);
      assert.match(hist, /\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \/data\/ \|4B/);
      assert.match(hist, /\/bin\/sh -e -c #\(nop\)  EXPOSE 53\/udp 8080\|0B/);
    });
  }

  it('ONBUILD triggers run in a child image and are not inherited further; HEALTHCHECK NONE; WORKDIR creates its directory', () => {
    const child = contextDir({ Dockerfile: 'FROM inst-docker\nRUN cat /onbuild.txt > /seen.txt\nHEALTHCHECK NONE\nWORKDIR /made/here\n' });
    for (const client of CLIENTS) {
      const out = buildOk(d, client, child, ['--network', 'none', '-t', `child-${client}`]);
      assert.match(out, /# Executing 1 build trigger\n/);
      assert.equal(runIn(d, `child-${client}`, 'cat /seen.txt', ['--entrypoint', '']), 'onbuild-ran\n');
      assert.equal(inspect(d, `child-${client}`, '{{json .Config.OnBuild}}'), 'null');
      assert.deepEqual(JSON.parse(inspect(d, `child-${client}`, '{{json .Config.Healthcheck}}')), { Test: ['NONE'] });
      // the directory is in the image itself, not made by the runtime for the working dir
      assert.equal(runIn(d, `child-${client}`, 'stat -c "%U %a" /made/here', ['--entrypoint', '', '--workdir', '/']), 'root 755\n');
    }
  });

  it('ONBUILD refuses ONBUILD, FROM and MAINTAINER', () => {
    for (const bad of ['ONBUILD ONBUILD RUN true', 'ONBUILD FROM busybox', 'ONBUILD MAINTAINER x']) {
      const ctx = contextDir({ Dockerfile: `FROM busybox\n${bad}\n` });
      for (const client of CLIENTS) {
        const r = build(d, client, ctx);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /Dockerfile:2: .*(isn't allowed as an ONBUILD trigger|Chaining ONBUILD)/);
      }
    }
  });

  it('RUN sees the build network mode, and no healthcheck', () => {
    const ctx = contextDir({ Dockerfile: 'FROM busybox\nHEALTHCHECK CMD false\nRUN ls /sys/class/net > /ifaces\n' });
    for (const client of CLIENTS) {
      buildOk(d, client, ctx, ['--no-cache', '--network', 'none', '-t', `net-${client}`]);
      assert.equal(runIn(d, `net-${client}`, 'cat /ifaces'), 'lo\n');
    }
  });

  it('ADD of a URL: downloaded by the daemon, mode 0600, not extracted', async () => {
    const body = await makeTar({ 'f.txt': ['in tar\n', 0, 0, 0o644] });
    const srv = http.createServer((req, res) => {
      if (req.url === '/files/remote.tar') {
        res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      const ctx = contextDir({
        Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/files/remote.tar /dl/\nADD http://127.0.0.1:${port}/files/remote.tar /dl/renamed.tar\n`,
      });
      for (const [i, client] of CLIENTS.entries()) {
        const r = await (client === 'docker'
          ? d.dockerAsync(['build', '--no-cache', '-t', `url-${i}`, ctx], { timeout: 60000 })
          : d.berthAsync(['build', '--no-cache', '-t', `url-${i}`, ctx], { timeout: 60000 }));
        assert.equal(r.status, 0, r.stderr + r.stdout);
        const st = runIn(d, `url-${i}`, 'stat -c "%a %s %Y %n" /dl/remote.tar /dl/renamed.tar');
        assert.equal(st, `600 ${body.length} 1445412480 /dl/remote.tar\n600 ${body.length} 1445412480 /dl/renamed.tar\n`);
      }
      const missing = contextDir({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/nope /x\n` });
      const r = await d.berthAsync(['build', missing]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /status 404/);
    } finally {
      srv.close();
    }
  });
});
