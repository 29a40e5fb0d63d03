// Dockerfile 1.x on the classic POST /build, with docker (DOCKER_BUILDKIT=0)
// and berth: the `# syntax=` / `# check=` directives, RUN --mount=type=cache
// (kept across builds, never in the image, pruned), type=secret (never in a
// layer, the config, the history or the output), type=bind and type=tmpfs,
// and BuildKit's errors for bad mounts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { secretRoot } from '../../src/engine/builder/secretdir';
import { build, buildOk, builtId, contextDir, ok, runIn } from '../helpers/build';

/** Which regular files under root contain each needle. */
function filesContaining(root: string, needles: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(needles.map((n) => [n, []]));
  const walk = (dir: string) => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        let b: Buffer;
        try {
          b = fs.readFileSync(p);
        } catch {
          continue;
        }
        for (const n of needles) if (b.includes(n)) out.get(n)!.push(p);
      }
    }
  };
  walk(root);
  return out;
}

const SECRET = 'sEcReT-' + Math.random().toString(36).slice(2) + '-value';

describe('build: Dockerfile 1.x mounts', () => {
  const d = new TestDaemon('bmount');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(async () => {
    await d.stop();
    fs.rmSync(secretRoot(d.dataRoot), { recursive: true, force: true });
  });

  it('# syntax=docker/dockerfile:1 (and 1.x, 1-labs) and # check= are accepted; an unknown frontend is named', () => {
    for (const [i, syntax] of ['docker/dockerfile:1', 'docker/dockerfile:1.7', 'docker.io/docker/dockerfile:1-labs'].entries()) {
      const dir = contextDir({ Dockerfile: `# syntax=${syntax}\n# check=skip=all\nFROM busybox\nLABEL n=${i}\n` });
      buildOk(d, i % 2 ? 'berth' : 'docker', dir, ['-t', `syntax:${i}`]);
      assert.equal(ok(d.docker(['image', 'inspect', '-f', '{{.Config.Labels.n}}', `syntax:${i}`])).trim(), String(i));
    }
    const dir = contextDir({ Dockerfile: '# syntax=example.com/my/frontend:2\nFROM busybox\n' });
    for (const client of ['docker', 'berth'] as const) {
      const r = build(d, client, dir);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /Dockerfile:1: unsupported frontend "example\.com\/my\/frontend:2"/);
    }
  });

  it('a cache mount is kept across builds (a counter in it), stays out of the image, and goes with builder prune', () => {
    const dir = contextDir({
      Dockerfile: `# syntax=docker/dockerfile:1
FROM busybox
ARG ROUND
RUN --mount=type=cache,target=/var/cache/app,id=counter,sharing=locked,mode=0750,uid=1000,gid=1000 \\
    c=$(cat /var/cache/app/n 2>/dev/null || echo 0); echo $((c+1)) > /var/cache/app/n; cp /var/cache/app/n /seen; \\
    stat -c '%a %u %g' /var/cache/app > /perm
`,
    });
    buildOk(d, 'docker', dir, ['--build-arg', 'ROUND=1', '-t', 'cm:1']);
    buildOk(d, 'berth', dir, ['--build-arg', 'ROUND=2', '-t', 'cm:2']);
    assert.equal(runIn(d, 'cm:1', 'cat /seen').trim(), '1');
    assert.equal(runIn(d, 'cm:2', 'cat /seen').trim(), '2', "the second build saw the first build's counter");
    assert.equal(runIn(d, 'cm:2', 'cat /perm').trim(), '750 1000 1000');
    // neither the cache's data nor its mount point is in the image
    assert.equal(runIn(d, 'cm:2', 'test -e /var/cache/app && echo present || echo absent').trim(), 'absent');
    assert.equal(runIn(d, 'cm:2', 'test -e /var/cache && echo present || echo absent').trim(), 'absent');
    // the cache key has the mount spec, not the cache's contents: same args -> cached
    const again = buildOk(d, 'docker', dir, ['--build-arg', 'ROUND=2']);
    assert.match(again, /Using cache/);
    assert.equal(
      builtId(again),
      ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', 'cm:2']))
        .trim()
        .slice(7, 19),
    );
    // engine-owned, under the data root, listed as build cache
    const mounts = path.join(d.dataRoot, 'builder', 'mounts');
    assert.equal(fs.readdirSync(mounts).length, 1);
    const df = ok(d.docker(['system', 'df', '-v', '--format', '{{json .}}']));
    assert.match(df, /exec\.cachemount/);
    const pr = ok(d.docker(['builder', 'prune', '-f', '--filter', 'type=exec.cachemount']));
    assert.match(pr, /Total reclaimed space/);
    assert.equal(fs.readdirSync(mounts).length, 0);
    // a fresh cache starts from nothing
    buildOk(d, 'docker', dir, ['--build-arg', 'ROUND=3', '-t', 'cm:3']);
    assert.equal(runIn(d, 'cm:3', 'cat /seen').trim(), '1');
  });

  it("a cache mount with from= starts as a copy of that stage's directory, then keeps its own data", () => {
    const dir = contextDir({
      Dockerfile: `FROM busybox AS seed
RUN mkdir -p /seed && echo seeded > /seed/f && chown 7:8 /seed/f
FROM busybox
ARG ROUND
RUN --mount=type=cache,target=/c,from=seed,source=/seed,id=seeded sh -c 'cat /c/f > /seen; stat -c "%u:%g" /c/f >> /seen; echo $ROUND >> /c/f'
`,
    });
    buildOk(d, 'docker', dir, ['--build-arg', 'ROUND=1', '-t', 'seed:1']);
    buildOk(d, 'berth', dir, ['--build-arg', 'ROUND=2', '-t', 'seed:2']);
    assert.equal(runIn(d, 'seed:1', 'cat /seen').trim(), 'seeded\n7:8');
    assert.equal(runIn(d, 'seed:2', 'cat /seen').trim(), 'seeded\n1\n7:8', "the second build saw the first one's write, not a fresh seed");
    assert.equal(runIn(d, 'seed:2', 'test -e /c && echo present || echo absent').trim(), 'absent');
  });

  it('sharing=locked: two concurrent builds take the cache one after the other', async () => {
    const dir = contextDir({
      Dockerfile: `FROM busybox
ARG WHO
RUN --mount=type=cache,target=/c,id=locked-one,sharing=locked \
    echo "in $WHO" >> /c/log; c=$(cat /c/n 2>/dev/null || echo 0); sleep 1; echo $((c+1)) > /c/n; cp /c/n /seen; echo "out $WHO" >> /c/log; cp /c/log /log
`,
    });
    const [a, b] = await Promise.all(['a', 'b'].map((w) => d.berthAsync(['build', '--build-arg', `WHO=${w}`, '-t', `lk:${w}`, dir], { timeout: 120000 })));
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    const seen = ['a', 'b'].map((w) => runIn(d, `lk:${w}`, 'cat /seen').trim()).sort();
    assert.deepEqual(seen, ['1', '2'], "each build saw the other's finished work or none of it");
    const log = ['a', 'b'].map((w) => runIn(d, `lk:${w}`, 'cat /log').trim()).sort((x, y) => x.length - y.length);
    const lines = log[1].split('\n');
    assert.equal(lines.length, 4);
    assert.ok(lines[0].replace('in', 'out') === lines[1] && lines[2].replace('in', 'out') === lines[3], `never inside together: ${log[1]}`);
  });

  it('a secret is there only for its RUN: never in a layer, the config, the history or the output', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-secret-'));
    const file = path.join(tmp, 'tok');
    fs.writeFileSync(file, SECRET);
    // the image keeps only hashes of what the RUNs saw
    const dir = contextDir({
      Dockerfile: `# syntax=docker/dockerfile:1
FROM busybox
RUN --mount=type=secret,id=tok sha256sum < /run/secrets/tok | cut -c1-64 > /h && stat -c '%a' /run/secrets/tok > /mode && echo file-ok
RUN --mount=type=secret,id=tok,target=/etc/tok.txt,mode=0440,uid=1,gid=2 stat -c '%a %u %g' /etc/tok.txt > /tmode
RUN --mount=type=secret,id=tok,env=TOKEN printf %s "$TOKEN" | sha256sum | cut -c1-64 > /he && echo env-ok
`,
    });
    const sha = createHash('sha256').update(SECRET).digest('hex');
    // --rm=false keeps step containers, but not one that had the secret in its environment
    const out = ok(d.berth(['build', '--rm=false', '--secret', `id=tok,src=${file}`, '-t', 'sec:1', dir], { timeout: 120000 }), 'berth build --secret');
    assert.match(out, /file-ok/);
    assert.match(out, /env-ok/);
    assert.ok(!out.includes(SECRET), 'the output does not show the secret');
    assert.equal(runIn(d, 'sec:1', 'cat /h').trim(), sha, 'the RUN read the secret file');
    assert.equal(runIn(d, 'sec:1', 'cat /he').trim(), sha, 'the RUN had the secret in its environment');
    assert.equal(runIn(d, 'sec:1', 'cat /mode').trim(), '400');
    assert.equal(runIn(d, 'sec:1', 'cat /tmode').trim(), '440 1 2');
    assert.equal(
      runIn(d, 'sec:1', 'test -e /run/secrets && echo present || echo absent; test -e /etc/tok.txt && echo present || echo absent').trim(),
      'absent\nabsent',
    );
    // every layer tar and the config, as `docker save` writes them
    const saved = path.join(tmp, 'img.tar');
    ok(d.docker(['save', '-o', saved, 'sec:1']));
    const bytes = fs.readFileSync(saved);
    assert.ok(bytes.length > 100000, 'the save has the layers');
    assert.ok(bytes.includes('file-ok'), 'positive control: the RUN text is in the saved config');
    assert.equal(bytes.indexOf(SECRET), -1, 'the secret is in no layer and not in the config');
    const hist = ok(d.docker(['history', '--no-trunc', 'sec:1']));
    assert.ok(!hist.includes(SECRET));
    assert.ok(!ok(d.docker(['image', 'inspect', 'sec:1'])).includes(SECRET));
    // nothing the daemon keeps (cache keys, records, layers) nor its log holds the value; positive control: the hash is there
    const hits = filesContaining(d.dataRoot, [SECRET, sha]);
    assert.deepEqual(hits.get(SECRET), [], 'the secret is nowhere under the data root');
    assert.ok((hits.get(sha) ?? []).length > 0, 'positive control: the layer holding the hash is found by the same scan');
    assert.ok(!fs.readFileSync(d.logFile, 'utf8').includes(SECRET), 'not in the daemon log');
    assert.equal(
      ok(d.docker(['ps', '-a', '--filter', 'status=exited', '-q']))
        .trim()
        .split('\n')
        .filter(Boolean).length,
      2,
      'the two file-secret step containers are kept (--rm=false)',
    );
    const shmDir = secretRoot(d.dataRoot);
    assert.deepEqual(fs.existsSync(shmDir) ? fs.readdirSync(shmDir) : [], [], 'the step secrets are gone from /dev/shm');
    // a rebuild with another value is cached: the value is not in the cache key
    fs.writeFileSync(file, SECRET + '2');
    assert.match(ok(d.berth(['build', '--secret', `id=tok,src=${file}`, dir], { timeout: 120000 })), /Using cache/);
    // the environment form of --secret
    process.env.BERTH_TEST_TOKEN = 'from-env';
    const envDir = contextDir({ Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=t,required=true wc -c < /run/secrets/t > /len\n' });
    ok(d.berth(['build', '--secret', 'id=t,env=BERTH_TEST_TOKEN', '-t', 'sec:2', envDir], { timeout: 120000 }));
    assert.equal(runIn(d, 'sec:2', 'cat /len').trim(), '8');
    // a missing required secret: BuildKit's words, with the line
    const miss = d.berth(['build', '--no-cache', envDir], { timeout: 120000 });
    assert.notEqual(miss.status, 0);
    assert.match(miss.stderr, /Dockerfile:2: secret t: not found/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a secret left on /dev/shm by a crash mid-step goes when the daemon starts; cache mounts stay', async () => {
    const shmDir = secretRoot(d.dataRoot);
    fs.mkdirSync(path.join(shmDir, 'step-cut'), { recursive: true });
    fs.writeFileSync(path.join(shmDir, 'step-cut', '0'), SECRET);
    const mounts = path.join(d.dataRoot, 'builder', 'mounts');
    const kept = fs.readdirSync(mounts);
    assert.ok(kept.length > 0);
    await d.stopDaemon();
    await d.start();
    assert.equal(fs.existsSync(shmDir), false);
    assert.deepEqual(fs.readdirSync(mounts), kept);
  });

  it('an ssh agent forwarded with --ssh default is a socket at SSH_AUTH_SOCK in its RUN only', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ssh-'));
    const sock = path.join(tmp, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 10000;
      while (!fs.existsSync(sock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(fs.existsSync(sock), 'ssh-agent made its socket');
      const dir = contextDir({
        Dockerfile: `# syntax=docker/dockerfile:1
FROM busybox
RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "agent at $SSH_AUTH_SOCK"
RUN --mount=type=ssh,id=other,target=/agent.sock echo "other: [$SSH_AUTH_SOCK]" && test ! -e /agent.sock
RUN echo "after: [$SSH_AUTH_SOCK]"
`,
      });
      const prev = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = sock;
      let out: string;
      try {
        out = ok(d.berth(['build', '--no-cache', '--ssh', 'default', '-t', 'ssh:1', dir], { timeout: 120000 }), 'berth build --ssh');
      } finally {
        if (prev === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = prev;
      }
      assert.match(out, /agent at \/run\/buildkit\/ssh_agent\.0/);
      assert.match(out, /other: \[\]/, 'an ssh mount not forwarded (not required) is left out');
      assert.match(out, /after: \[\]/);
      assert.equal(runIn(d, 'ssh:1', 'test -e /run/buildkit && echo present || echo absent').trim(), 'absent');
      const req = contextDir({ Dockerfile: 'FROM busybox\nRUN --mount=type=ssh,required=true true\n' });
      const r = d.berth(['build', req], { timeout: 120000 });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /Dockerfile:2: no SSH key "default" forwarded from the client/);
    } finally {
      agent.kill('SIGTERM');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('bind mounts from the context and from a stage (rw not kept), tmpfs mounts', () => {
    const dir = contextDir({
      Dockerfile: `# syntax=docker/dockerfile:1
FROM busybox AS tools
RUN mkdir /out && echo from-stage > /out/f
FROM busybox
RUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/x > /copied
RUN --mount=type=bind,from=tools,source=/out,target=/o,rw echo changed > /o/f && touch /o/new && cat /o/f >> /copied
RUN --mount=type=bind,from=tools,source=/out,target=/o cat /o/f >> /copied && test ! -e /o/new
RUN --mount=type=tmpfs,target=/scratch,size=1m echo hi > /scratch/f && grep ' /scratch tmpfs' /proc/mounts > /dev/null && echo tmpfs-ok
`,
      'data/x': 'context-data\n',
    });
    for (const client of ['docker', 'berth'] as const) {
      const out = buildOk(d, client, dir, ['--no-cache', '-t', 'bind:' + client]);
      assert.match(out, /tmpfs-ok/);
      assert.equal(runIn(d, 'bind:' + client, 'cat /copied').trim(), 'context-data\nchanged\nfrom-stage');
      assert.equal(runIn(d, 'bind:' + client, 'for p in /mnt/data /o /scratch; do test -e $p && echo $p; done; echo end').trim(), 'end');
    }
    // the bind mount's files are in the step's cache key: unchanged -> cached, changed -> run again
    const cached = buildOk(d, 'docker', dir, ['-t', 'bind:again']);
    assert.match(cached, /Step 4\/7 : RUN --mount=type=bind,source=data[^\n]*\n ---> Using cache/);
    fs.writeFileSync(path.join(dir, 'data/x'), 'new-data\n');
    const rebuilt = buildOk(d, 'berth', dir, ['-t', 'bind:changed']);
    assert.doesNotMatch(rebuilt, /Step 4\/7 : RUN --mount=type=bind,source=data[^\n]*\n ---> Using cache/);
    assert.equal(runIn(d, 'bind:changed', 'head -1 /copied').trim(), 'new-data');
    // a missing source names the line
    const bad = build(d, 'docker', contextDir({ Dockerfile: 'FROM busybox\nRUN --mount=type=bind,source=nope,target=/n true\n' }));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /Dockerfile:2: .*nope/);
  });

  it('RUN --network=none|default: per step', () => {
    const dir = contextDir({
      Dockerfile: `# syntax=docker/dockerfile:1
FROM busybox
RUN --network=none ls /sys/class/net | tr '\\n' ' ' > /none
RUN --network=default ls /sys/class/net | tr '\\n' ' ' > /default
RUN ls /sys/class/net | tr '\\n' ' ' > /plain
`,
    });
    buildOk(d, 'docker', dir, ['-t', 'netw:1']);
    assert.equal(runIn(d, 'netw:1', 'cat /none').trim(), 'lo');
    assert.match(runIn(d, 'netw:1', 'cat /default'), /eth0/, "positive control: the build's bridge");
    assert.match(runIn(d, 'netw:1', 'cat /plain'), /eth0/);
  });

  it('RUN --security=insecure only with --allow security.insecure', () => {
    const probe = 'mkdir -p /m && mount -t tmpfs none /m && umount /m && echo mount-ok';
    const dir = contextDir({ Dockerfile: `FROM busybox\nRUN --security=insecure sh -c '${probe}'\n` });
    const denied = d.berth(['build', dir], { timeout: 120000 });
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /Dockerfile:2: security\.insecure is not allowed/);
    assert.match(ok(d.berth(['build', '--allow', 'security.insecure', dir], { timeout: 120000 })), /mount-ok/);
    // the step is cached now: a build without the entitlement still may not use it
    for (const client of ['berth', 'docker'] as const) {
      const again = build(d, client, dir);
      assert.notEqual(again.status, 0, client);
      assert.match(again.stderr, /Dockerfile:2: security\.insecure is not allowed/);
    }
    assert.match(ok(d.berth(['build', '--allow', 'security.insecure', dir], { timeout: 120000 })), /Using cache/);
    // control: the same command in a sandboxed RUN may not mount
    const sandboxed = build(d, 'docker', contextDir({ Dockerfile: `FROM busybox\nRUN sh -c '${probe}'\n` }));
    assert.notEqual(sandboxed.status, 0);
  });

  it('COPY/ADD --exclude: patterns relative to each source directory; a file source whose name matches is left out', () => {
    const dir = contextDir({
      Dockerfile: `# syntax=docker/dockerfile:1
FROM busybox
ARG SKIP=*.md
COPY --exclude=*.txt --exclude=sub/*.txt app/ /app/
COPY --exclude=$SKIP app/*.md app/keep.js /two/
ADD --exclude=sub app /three/
`,
      'app/a.txt': 'a',
      'app/b.md': 'b',
      'app/keep.js': 'k',
      'app/sub/c.txt': 'c',
      'app/sub/d.js': 'd',
    });
    for (const client of ['docker', 'berth'] as const) {
      buildOk(d, client, dir, ['-t', 'excl:' + client]);
      const list = (p: string) => runIn(d, 'excl:' + client, `cd ${p} && find . | sort | tr '\\n' ' '`).trim();
      assert.equal(list('/app'), '. ./b.md ./keep.js ./sub ./sub/d.js');
      assert.equal(list('/two'), '. ./keep.js');
      assert.equal(list('/three'), '. ./a.txt ./b.md ./keep.js');
    }
    // an excluded file's change does not bust the COPY's cache; an included one's does
    const copyCached = (out: string) => {
      const block = out.split(/^Step \d+\/\d+ : /m).find((b) => b.startsWith('COPY --exclude=*.txt'));
      assert.ok(block, out);
      return block.includes(' ---> Using cache');
    };
    fs.writeFileSync(path.join(dir, 'app/a.txt'), 'changed');
    assert.equal(copyCached(buildOk(d, 'docker', dir)), true);
    fs.writeFileSync(path.join(dir, 'app/keep.js'), 'changed');
    assert.equal(copyCached(buildOk(d, 'docker', dir)), false);
  });

  it("bad mounts: BuildKit's words with the Dockerfile line", () => {
    const cases: Array<[string, RegExp]> = [
      ['RUN --mount=type=foo,target=/x true', /Dockerfile:2: unsupported mount type "foo"/],
      ['RUN --mount=type=cache,target=/x,bogus=1 true', /Dockerfile:2: unexpected key 'bogus' in 'bogus=1'/],
      ['RUN --mount=type=cache,target=/x,sharing=weird true', /Dockerfile:2: unsupported sharing value "weird"/],
      ['RUN --mount=type=bind,target=/x,mode=0700 true', /Dockerfile:2: mode not allowed for "bind" type mounts/],
      ['RUN --network=bridge true', /Dockerfile:2: unsupported network mode "bridge"/],
      ['RUN --security=weird true', /Dockerfile:2: security can only be set to insecure or sandbox/],
      ['RUN --device=/dev/null true', /Dockerfile:2: the --device option requires BuildKit/],
    ];
    for (const [run, want] of cases) {
      const dir = contextDir({ Dockerfile: `FROM busybox\n${run}\n` });
      const r = build(d, 'docker', dir);
      assert.notEqual(r.status, 0, run);
      assert.match(r.stderr, want);
    }
    // positive control: a valid mount on the same line builds
    buildOk(d, 'docker', contextDir({ Dockerfile: 'FROM busybox\nRUN --mount=type=cache,target=/x,sharing=private true\n' }));
  });
});
