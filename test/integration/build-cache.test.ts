// The build cache with docker and berth: a rebuild reuses every step (same
// image IDs, no container made), a change to a COPY source's data or mode
// or to a build arg a RUN sees rebuilds from that step on, a new mtime
// does not; --no-cache; the cache survives a daemon restart; it shows in
// `system df` and goes with `builder prune`; --cache-from.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { CLIENTS, buildOk, cacheSteps, builtId, contextDir, ok, runIn, writeFiles } from '../helpers/build';

const DOCKERFILE = `FROM busybox
ARG V=1
ENV APP=/app
WORKDIR /app
COPY package.json ./
RUN echo install > /installed
COPY src/ ./src/
RUN echo "build $V" > /built && cat src/*
LABEL v=$V
CMD ["cat", "/built"]
`;

describe('build cache', () => {
  const d = new TestDaemon('bcache');
  let dir: string;
  let first: string;
  before(async () => {
    await d.start();
    await d.importBusybox();
    dir = contextDir({ Dockerfile: DOCKERFILE, 'package.json': '{}\n', 'src/a.js': 'a\n', 'src/b.js': 'b\n' });
    first = builtId(buildOk(d, 'docker', dir, ['--network', 'none', '-t', 'cached:1']));
  });
  after(() => d.stop());

  it('a rebuild reuses every step, with either client, and makes no container', () => {
    const since = (Date.now() / 1000).toFixed(3);
    for (const client of CLIENTS) {
      const out = buildOk(d, client, dir, ['--network', 'none', '-t', 'cached:1']);
      assert.deepEqual(cacheSteps(out).built, [], out);
      assert.equal(cacheSteps(out).cached.length, 9);
      assert.equal(builtId(out), first);
      assert.doesNotMatch(out, /Running in/);
    }
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const events = ok(d.docker(['events', '--since', since, '--until', until, '--filter', 'type=container', '--format', '{{.Action}}']));
    assert.equal(events, '', 'a cached build creates no container');
  });

  it('a changed source rebuilds its COPY and what follows; a new mtime alone does not', () => {
    const now = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'src/a.js'), now, now);
    assert.deepEqual(cacheSteps(buildOk(d, 'berth', dir, ['--network', 'none'])).built, []);
    writeFiles(dir, { 'src/a.js': 'changed\n' });
    for (const client of CLIENTS) {
      const s = cacheSteps(buildOk(d, client, dir, ['--network', 'none', '-t', `changed-${client}`]));
      if (client === 'docker') {
        assert.deepEqual(s.cached, ['ARG V=1', 'ENV APP=/app', 'WORKDIR /app', 'COPY package.json', 'RUN echo']);
        assert.deepEqual(s.built, ['COPY src/', 'RUN echo', 'LABEL v=$V', 'CMD ["cat",']);
      } else assert.deepEqual(s.built, [], 'the second client finds what the first built');
    }
    assert.equal(runIn(d, 'changed-berth', 'cat /app/src/a.js'), 'changed\n');
  });

  it('a mode change rebuilds the COPY', () => {
    fs.chmodSync(path.join(dir, 'src/b.js'), 0o755);
    const s = cacheSteps(buildOk(d, 'berth', dir, ['--network', 'none', '-t', 'mode']));
    assert.ok(s.built.includes('COPY src/'), JSON.stringify(s));
    assert.equal(runIn(d, 'mode', 'stat -c %a /app/src/b.js'), '755\n');
  });

  it('a build arg a RUN sees is part of its cache key; the image env never has it', () => {
    for (const client of CLIENTS) {
      const s = cacheSteps(buildOk(d, client, dir, ['--network', 'none', '--build-arg', 'V=2', '-t', `arg-${client}`]));
      assert.deepEqual(s.cached.slice(0, 4), ['ARG V=1', 'ENV APP=/app', 'WORKDIR /app', 'COPY package.json']);
      if (client === 'docker') assert.ok(s.built.includes('RUN echo') && s.built.includes('LABEL v=$V'), JSON.stringify(s));
    }
    assert.equal(ok(d.docker(['run', '--rm', '--network', 'none', 'arg-berth'])), 'build 2\n');
    assert.equal(ok(d.docker(['image', 'inspect', '-f', '{{.Config.Labels.v}}', 'arg-berth'])).trim(), '2');
  });

  it('--no-cache builds every step again', () => {
    for (const client of CLIENTS) {
      const out = buildOk(d, client, dir, ['--network', 'none', '--no-cache']);
      assert.doesNotMatch(out, /Using cache/);
    }
  });

  it('the cache survives a daemon restart', async () => {
    const before = builtId(buildOk(d, 'berth', dir, ['--network', 'none', '-t', 'restart']));
    await d.stopDaemon();
    await d.start();
    for (const client of CLIENTS) {
      const out = buildOk(d, client, dir, ['--network', 'none', '-t', 'restart']);
      assert.deepEqual(cacheSteps(out).built, [], out);
      assert.equal(builtId(out), before);
    }
  });

  it('system df shows the build cache; builder prune removes it; --cache-from brings hits back', () => {
    const df = ok(d.docker(['system', 'df']));
    const row = /Build Cache\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)/.exec(df);
    assert.ok(row && Number(row[1]) > 0, df);
    const verbose = ok(d.docker(['system', 'df', '-v']));
    assert.match(verbose, /CACHE ID\s+CACHE TYPE\s+SIZE/);
    assert.match(verbose, /regular/);

    // an untagged build: its cache is dangling, a plain prune takes it (and its images)
    const other = contextDir({ Dockerfile: 'FROM busybox\nRUN echo dangling > /d\n' });
    const dangling = builtId(buildOk(d, 'berth', other, ['--network', 'none']));
    const pruned = ok(d.docker(['builder', 'prune', '-f']));
    assert.match(pruned, /Total reclaimed space: /);
    assert.notEqual(d.docker(['image', 'inspect', dangling]).status, 0, 'the dangling image went with its cache');
    assert.deepEqual(cacheSteps(buildOk(d, 'berth', dir, ['--network', 'none', '-t', 'restart'])).built, [], 'the tagged build keeps its cache');

    ok(d.berth(['builder', 'prune', '-a', '-f']));
    const df2 = ok(d.docker(['system', 'df']));
    assert.match(df2, /Build Cache\s+0\s+/);
    const out = buildOk(d, 'docker', dir, ['--network', 'none', '--cache-from', 'restart', '-t', 'restart']);
    assert.deepEqual(cacheSteps(out).built, [], `--cache-from reuses the steps of the named image: ${out}`);
    const none = buildOk(d, 'berth', other, ['--network', 'none']);
    assert.doesNotMatch(none, /Using cache/);
  });
});
