// The build context on the daemon side: confined extraction of the context
// tar, reading the Dockerfile, hiding ignored build files, COPY/ADD source
// resolution, content checksums, ADD's archive detection.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { EngineError } from '../../../src/util/errors';
import {
  ContextIndex,
  DiskFS,
  checksumSources,
  combineChecksums,
  dropIgnoredBuildFiles,
  extractContext,
  hashData,
  hashSource,
  indexContext,
  isArchiveFile,
  readContextDockerfile,
  resolveChown,
  resolveSources,
  type Context,
  type ResolveOptions,
} from '../../../src/builder';
import { tarBuf, type TarEntry } from '../../helpers/tar';

type E = TarEntry;

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-ctx-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CONTEXT: E[] = [
  { name: 'Dockerfile', body: 'FROM busybox\nCOPY . /app\n' },
  { name: '.dockerignore', body: 'Dockerfile\n.dockerignore\n*.tmp\n' },
  { name: 'src/', type: 'directory', mode: 0o755 },
  { name: 'src/main.go', body: 'package main\n', mode: 0o644 },
  { name: 'src/run.sh', body: '#!/bin/sh\n', mode: 0o755 },
  { name: 'src/lib/', type: 'directory', mode: 0o750 },
  { name: 'src/lib/a.txt', body: 'a', mode: 0o600 },
  { name: 'b.txt', body: 'b' },
  { name: 'c.txt', body: 'c' },
  { name: 'link-in', type: 'symlink', linkname: 'src/main.go' },
  { name: 'link-abs', type: 'symlink', linkname: '/etc/passwd' },
  { name: 'link-up', type: 'symlink', linkname: '../../../../b.txt' },
  { name: 'hard', type: 'link', linkname: 'b.txt' },
];

async function context(entries = CONTEXT, compress?: (b: Buffer) => Buffer) {
  let body = await tarBuf(entries);
  if (compress) body = compress(body);
  return extractContext(Readable.from([body]), tmp);
}

describe('build context: extraction', () => {
  it('unpacks files, directories, modes, links', async () => {
    const ctx = await context();
    try {
      assert.equal(fs.readFileSync(path.join(ctx.dir, 'src/main.go'), 'utf8'), 'package main\n');
      assert.equal(fs.statSync(path.join(ctx.dir, 'src/run.sh')).mode & 0o777, 0o755);
      assert.equal(fs.statSync(path.join(ctx.dir, 'src/lib')).mode & 0o777, 0o750);
      assert.equal(fs.readlinkSync(path.join(ctx.dir, 'link-abs')), '/etc/passwd');
      assert.equal(fs.statSync(path.join(ctx.dir, 'hard')).ino, fs.statSync(path.join(ctx.dir, 'b.txt')).ino);
      assert.ok(ctx.dir.startsWith(tmp + '/build-'));
    } finally {
      ctx.cleanup();
    }
    assert.equal(fs.existsSync(ctx.dir), false);
  });

  it('accepts gzip, bzip2 and xz bodies', async () => {
    const viaTool = (cmd: string) => (b: Buffer) => spawnSync(cmd, ['-c'], { input: b, maxBuffer: 1 << 26 }).stdout;
    for (const c of [zlib.gzipSync, viaTool('bzip2'), viaTool('xz')]) {
      const ctx = await context(CONTEXT, c);
      assert.equal(fs.readFileSync(path.join(ctx.dir, 'c.txt'), 'utf8'), 'c');
      ctx.cleanup();
    }
  });

  it('refuses entries that climb out, leaving nothing behind', async () => {
    const before = fs.readdirSync(tmp).length;
    for (const bad of [
      [{ name: '../escape', body: 'x' }],
      [{ name: 'a/../../escape', body: 'x' }],
      [{ name: 'l', type: 'link' as const, linkname: '../../etc/passwd' }],
    ]) {
      await assert.rejects(context(bad), (e: unknown) => e instanceof EngineError && e.status === 400 && /escapes the destination/.test(e.message));
    }
    assert.equal(fs.readdirSync(tmp).length, before);
    assert.equal(fs.existsSync(path.join(tmp, 'escape')), false);
  });

  it('writes through a symlinked directory only inside the context', async () => {
    const outside = path.join(tmp, 'outside-target');
    fs.mkdirSync(outside, { recursive: true });
    const ctx = await context([
      { name: 'd', type: 'symlink', linkname: outside },
      { name: 'd/pwned', body: 'x' },
    ]);
    try {
      assert.equal(fs.existsSync(path.join(outside, 'pwned')), false);
      assert.equal(fs.readFileSync(path.join(ctx.dir, outside, 'pwned'), 'utf8'), 'x');
    } finally {
      ctx.cleanup();
    }
  });

  it('refuses a body that is not a tar', async () => {
    await assert.rejects(
      extractContext(Readable.from([Buffer.from('FROM busybox\n'.repeat(100))]), tmp),
      /invalid tar archive|Invalid tar header|Unexpected end/,
    );
  });
});

/** The two ways the daemon can hold a context: indexed in memory, or unpacked on disk. */
interface Kind {
  name: string;
  open(entries?: E[]): Promise<{ ctx: Context; close(): void }>;
}
const KINDS: Kind[] = [
  {
    name: 'indexed',
    async open(entries = CONTEXT) {
      const idx = await indexContext(Readable.from([await tarBuf(entries)]), { spoolDir: tmp });
      return { ctx: idx, close: () => idx.close() };
    },
  },
  {
    name: 'unpacked',
    async open(entries = CONTEXT) {
      const c = await context(entries);
      return { ctx: c.dir, close: c.cleanup };
    },
  },
];

for (const kind of KINDS) {
  describe(`build context (${kind.name}): the Dockerfile and ignored build files`, () => {
    it('reads the Dockerfile, falls back to dockerfile, refuses missing, empty and outside ones', async () => {
      const { ctx, close } = await kind.open([
        { name: 'dockerfile', body: 'FROM lower\n' },
        { name: 'build/app.Dockerfile', body: 'FROM app\n' },
        { name: 'empty', body: '' },
        { name: 'df-link', type: 'symlink', linkname: '/build/app.Dockerfile' },
      ]);
      try {
        assert.deepEqual(readContextDockerfile(ctx), { name: 'dockerfile', text: 'FROM lower\n' });
        assert.equal(readContextDockerfile(ctx, 'build/app.Dockerfile').text, 'FROM app\n');
        assert.equal(readContextDockerfile(ctx, 'df-link').text, 'FROM app\n');
        assert.throws(() => readContextDockerfile(ctx, 'nope'), /^EngineError: Cannot locate specified Dockerfile: nope$/);
        assert.throws(() => readContextDockerfile(ctx, 'empty'), /the Dockerfile \(empty\) cannot be empty/);
        assert.throws(() => readContextDockerfile(ctx, '../Dockerfile'), /forbidden path outside the build context: \.\.\/Dockerfile \(\)/);
        assert.throws(() => readContextDockerfile(ctx, 'build'), /Cannot locate specified Dockerfile: build/);
      } finally {
        close();
      }
    });

    it('drops the Dockerfile and .dockerignore when .dockerignore excludes them', async () => {
      const { ctx, close } = await kind.open();
      try {
        dropIgnoredBuildFiles(ctx, 'Dockerfile');
        const opts: ResolveOptions = { cmd: 'COPY', context: true, destIsDir: true };
        assert.throws(() => resolveSources(ctx, ['Dockerfile'], opts), /file not found in build context/);
        assert.throws(() => resolveSources(ctx, ['.dockerignore'], opts), /file not found in build context/);
        assert.equal(resolveSources(ctx, ['b.txt'], opts).length, 1);
      } finally {
        close();
      }
      const kept = await kind.open([
        { name: 'Dockerfile', body: 'FROM x\n' },
        { name: '.dockerignore', body: '*.log\n' },
      ]);
      dropIgnoredBuildFiles(kept.ctx, 'Dockerfile');
      assert.equal(resolveSources(kept.ctx, ['Dockerfile'], { cmd: 'COPY', context: true, destIsDir: true }).length, 1);
      kept.close();
    });
  });

  describe(`COPY/ADD sources (${kind.name})`, () => {
    let ctx: Context;
    let close: () => void;
    before(async () => {
      ({ ctx, close } = await kind.open());
    });
    after(() => close());
    const opts = (o: Partial<ResolveOptions> = {}): ResolveOptions => ({ cmd: 'COPY', context: true, destIsDir: true, ...o });
    const paths = (srcs: string[], o?: Partial<ResolveOptions>) => resolveSources(ctx, srcs, opts(o)).map((i) => i.path);
    const fails = (srcs: string[], msg: string, o?: Partial<ResolveOptions>) =>
      assert.throws(
        () => resolveSources(ctx, srcs, opts(o)),
        (e: unknown) => e instanceof EngineError && e.status === 400 && e.message === msg,
        `${srcs} -> ${msg}`,
      );

    it('files and directories, leading / and ./ dropped', () => {
      assert.deepEqual(paths(['b.txt', './src', '/src/main.go', '.']), ['b.txt', 'src', 'src/main.go', '.']);
      const [d, f] = resolveSources(ctx, ['src', 'src/run.sh'], opts());
      assert.equal(d.info.type, 'dir');
      assert.deepEqual([f.info.type, f.info.mode, f.info.size], ['file', 0o755, 10]);
    });

    it('wildcards with filepath.Match rules, element by element', () => {
      assert.deepEqual(paths(['*.txt']), ['b.txt', 'c.txt']);
      assert.deepEqual(paths(['[bc].txt', 'src/*.sh']), ['b.txt', 'c.txt', 'src/run.sh']);
      assert.deepEqual(paths(['src/*/a.txt']), ['src/lib/a.txt']);
      assert.deepEqual(paths(['s?c']), ['src']);
      // a wildcard that matches nothing is fine when something else is copied
      assert.deepEqual(paths(['*.none', 'b.txt'], { destIsDir: false }), ['b.txt']);
    });

    it('symlinks are followed inside the context only', () => {
      const [inCtx] = resolveSources(ctx, ['link-in'], opts());
      assert.deepEqual([inCtx.path, inCtx.real], ['link-in', 'src/main.go']);
      // "/etc/passwd" is the context's /etc/passwd, which does not exist
      fails(['link-abs'], 'COPY failed: file not found in build context or excluded by .dockerignore: stat link-abs: file does not exist');
      const [up] = resolveSources(ctx, ['link-up'], opts());
      assert.equal(up.real, 'b.txt');
    });

    it("Docker's errors", () => {
      fails(['missing'], 'COPY failed: file not found in build context or excluded by .dockerignore: stat missing: file does not exist');
      fails(['./nope/x'], 'COPY failed: file not found in build context or excluded by .dockerignore: stat nope/x: file does not exist');
      fails(['../x'], 'COPY failed: forbidden path outside the build context: ../x ()');
      fails(['src/../../x'], 'COPY failed: forbidden path outside the build context: src/../../x ()');
      fails(['*.none'], 'COPY failed: no source files were specified');
      fails(['b.txt', 'c.txt'], 'When using COPY with more than one source file, the destination must be a directory and end with a /', { destIsDir: false });
      fails(['*.txt'], 'When using ADD with more than one source file, the destination must be a directory and end with a /', { destIsDir: false, cmd: 'ADD' });
      fails(['b.txt'], 'When using COPY with more than one source file, the destination must be a directory and end with a /', {
        destIsDir: false,
        otherSources: 1,
      });
      fails(['gone'], 'COPY failed: stat gone: file does not exist', { context: false });
    });
  });

  describe(`source checksums (${kind.name})`, () => {
    const sum = async (entries: E[], srcs: string[], o = {}) => {
      const { ctx, close } = await kind.open(entries);
      try {
        return await checksumSources(resolveSources(ctx, srcs, { cmd: 'COPY', context: true, destIsDir: true }), o);
      } finally {
        close();
      }
    };

    it('are stable across uploads and cover names, data, modes, links, owners', async () => {
      const base = await sum(CONTEXT, ['src']);
      assert.match(base, /^dir:[0-9a-f]{64}$/);
      const shifted = CONTEXT.map((e) => ({ ...e, mtime: new Date(1_700_000_000_000) }));
      assert.equal(await sum(shifted, ['src']), base, 'times do not count');
      const edit = (f: (e: E) => E) => CONTEXT.map((e) => (e.name.startsWith('src/lib/a') ? f({ ...e }) : e));
      assert.notEqual(
        await sum(
          edit((e) => ({ ...e, body: 'A' })),
          ['src'],
        ),
        base,
        'data',
      );
      assert.notEqual(
        await sum(
          edit((e) => ({ ...e, mode: 0o644 })),
          ['src'],
        ),
        base,
        'mode',
      );
      assert.notEqual(
        await sum(
          edit((e) => ({ ...e, name: 'src/lib/b.txt' })),
          ['src'],
        ),
        base,
        'name',
      );
      assert.notEqual(await sum(CONTEXT, ['src'], { owner: { uid: 1000, gid: 1000 } }), base, 'chown');
      assert.notEqual(await sum(CONTEXT, ['src'], { chmod: 0o755 }), base, 'chmod');
      const file = await sum(CONTEXT, ['b.txt']);
      assert.match(file, /^file:[0-9a-f]{64}$/);
      assert.notEqual(await sum(CONTEXT, ['c.txt']), file);
      assert.match(await sum(CONTEXT, ['b.txt', 'c.txt']), /^multi:[0-9a-f]{64}$/);
      const linkTarget = CONTEXT.map((e) => (e.name === 'link-in' ? { ...e, linkname: 'b.txt' } : e));
      assert.notEqual(await sum(linkTarget, ['.']), await sum(CONTEXT, ['.']), 'link target inside a directory');
    });
  });
}

describe('source checksums: both context forms agree', () => {
  it('indexed and unpacked contexts give the same checksums', async () => {
    const [a, b] = await Promise.all(KINDS.map((k) => k.open()));
    try {
      for (const srcs of [['.'], ['src'], ['b.txt'], ['*.txt', 'link-in']]) {
        const opts: ResolveOptions = { cmd: 'COPY', context: true, destIsDir: true };
        assert.equal(await checksumSources(resolveSources(a.ctx, srcs, opts)), await checksumSources(resolveSources(b.ctx, srcs, opts)), srcs.join(' '));
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('preserved ownership (COPY --from) uses the files owners', async () => {
    const c = await context(CONTEXT);
    try {
      const opts: ResolveOptions = { cmd: 'COPY', context: false, destIsDir: true };
      const [info] = resolveSources(c.dir, ['b.txt'], opts);
      const root = await hashSource(info);
      fs.chownSync(info.abs!, 1234, 1234);
      const [again] = resolveSources(new DiskFS(c.dir), ['b.txt'], opts);
      assert.equal(await hashSource(again), root, 'default: root-owned copies');
      assert.notEqual(await hashSource(again, { preserveOwnership: true }), root);
      assert.notEqual(hashData('EOF', 'x\n', 0o644), hashData('EOF', 'y\n', 0o644));
      assert.equal(combineChecksums(['file:x']), 'file:x');
    } finally {
      c.cleanup();
    }
  });
});

describe('context index', () => {
  it('materializes the same tree extraction produces, in memory or spooled', async () => {
    const ref = await context();
    try {
      for (const memoryLimit of [undefined, 0]) {
        const idx = await indexContext(Readable.from([await tarBuf(CONTEXT)]), { spoolDir: tmp, memoryLimit });
        const out = fs.mkdtempSync(path.join(tmp, 'mat-'));
        try {
          assert.equal(idx.files, 8);
          idx.materialize(out);
          const opts: ResolveOptions = { cmd: 'COPY', context: true, destIsDir: true };
          assert.equal(await checksumSources(resolveSources(out, ['.'], opts)), await checksumSources(resolveSources(ref.dir, ['.'], opts)));
          assert.equal(fs.statSync(path.join(out, 'hard')).ino, fs.statSync(path.join(out, 'b.txt')).ino);
          assert.equal(fs.statSync(path.join(out, 'src/lib/a.txt')).mtimeMs, 1_600_000_000_000);
          assert.equal(fs.readlinkSync(path.join(out, 'link-abs')), '/etc/passwd');
          if (memoryLimit === 0) assert.ok(fs.readdirSync(tmp).some((n) => n.endsWith('.spool')));
        } finally {
          idx.close();
          fs.rmSync(out, { recursive: true, force: true });
        }
        assert.ok(!fs.readdirSync(tmp).some((n) => n.endsWith('.spool')), 'spool removed on close');
      }
    } finally {
      ref.cleanup();
    }
  });

  it('materializes just the sources a step needs', async () => {
    const idx = await indexContext(Readable.from([await tarBuf(CONTEXT)]), { spoolDir: tmp });
    const out = fs.mkdtempSync(path.join(tmp, 'mat-'));
    try {
      const infos = resolveSources(idx, ['src/lib', 'link-in'], { cmd: 'COPY', context: true, destIsDir: true });
      idx.materialize(
        out,
        infos.map((i) => i.real),
      );
      assert.deepEqual(fs.readdirSync(out).sort(), ['src']);
      assert.deepEqual(fs.readdirSync(path.join(out, 'src')).sort(), ['lib', 'main.go']);
      assert.equal(fs.statSync(path.join(out, 'src/lib')).mode & 0o777, 0o750);
    } finally {
      idx.close();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('confines names: climbing out is refused, symlinked parents resolve inside, later entries replace earlier ones', async () => {
    await assert.rejects(
      indexContext(Readable.from([await tarBuf([{ name: 'a/../../x', body: 'x' }])]), { spoolDir: tmp }),
      /path escapes the destination directory/,
    );
    await assert.rejects(indexContext(Readable.from([await tarBuf([{ name: 'h', type: 'link', linkname: '../x' }])]), { spoolDir: tmp }), /path escapes/);
    const idx = await indexContext(
      Readable.from([
        await tarBuf([
          { name: 'd', type: 'symlink', linkname: '/etc' },
          { name: 'd/passwd', body: 'inside' },
          { name: 'f', body: 'one' },
          { name: 'f', body: 'two' },
          { name: 'x/', type: 'directory', mode: 0o700 },
          { name: 'x/y', body: 'y' },
          { name: 'x/', type: 'directory', mode: 0o755 },
        ]),
      ]),
      { spoolDir: tmp },
    );
    try {
      assert.equal(idx.readFile('etc/passwd').toString(), 'inside');
      assert.equal(idx.readFile('f').toString(), 'two');
      assert.deepEqual(idx.readdir('x'), ['y']);
      assert.equal(idx.lstat('x')?.mode, 0o755);
      assert.equal(idx.files, 3);
    } finally {
      idx.close();
    }
  });

  it('accepts compressed bodies and refuses non-tar ones', async () => {
    const idx = await indexContext(Readable.from([zlib.gzipSync(await tarBuf(CONTEXT))]), { spoolDir: tmp });
    assert.equal(idx.readFile('c.txt').toString(), 'c');
    idx.close();
    await assert.rejects(indexContext(Readable.from([Buffer.from('FROM busybox\n'.repeat(100))]), { spoolDir: tmp }), /invalid tar archive/);
    assert.ok(ContextIndex);
  });
});

describe('--chown resolution', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n';
  const group = 'root:x:0:\napp:x:1001:\nstaff:x:50:\n';
  it('numbers, names, user-only specs', () => {
    assert.deepEqual(resolveChown('1:2', null, null), { uid: 1, gid: 2 });
    assert.deepEqual(resolveChown('app', passwd, group), { uid: 1000, gid: 1001 });
    assert.deepEqual(resolveChown('app:staff', passwd, group), { uid: 1000, gid: 50 });
    assert.deepEqual(resolveChown('55', null, null), { uid: 55, gid: 55 });
    assert.deepEqual(resolveChown('0:app', passwd, group), { uid: 0, gid: 1001 });
  });
  it('errors', () => {
    assert.throws(() => resolveChown('nobody', passwd, group), /can't find uid for user nobody: no such user: nobody/);
    assert.throws(() => resolveChown('app:wheel', passwd, group), /can't find gid for group wheel: no such group: wheel/);
    assert.throws(() => resolveChown('app', null, group), /can't find uid for user app: open \/etc\/passwd: no such file or directory/);
    assert.throws(() => resolveChown('a:b:c', passwd, group), /invalid chown string format: a:b:c/);
  });
});

describe('ADD archive detection', () => {
  it('tar archives in any supported compression; other files are not', async () => {
    const t = await tarBuf([{ name: 'x', body: 'hello' }]);
    const write = (name: string, data: Buffer) => {
      const p = path.join(tmp, name);
      fs.writeFileSync(p, data);
      return p;
    };
    const tool = (cmd: string, b: Buffer) => spawnSync(cmd, ['-c'], { input: b }).stdout;
    assert.equal(await isArchiveFile(write('a.tar', t)), true);
    assert.equal(await isArchiveFile(write('a.tgz', zlib.gzipSync(t))), true);
    assert.equal(await isArchiveFile(write('a.tbz', tool('bzip2', t))), true);
    assert.equal(await isArchiveFile(write('a.txz', tool('xz', t))), true);
    assert.equal(await isArchiveFile(write('notar.gz', zlib.gzipSync(Buffer.from('just text\n'.repeat(100))))), false);
    assert.equal(await isArchiveFile(write('text.tar', Buffer.from('not a tar at all\n'.repeat(64)))), false);
    assert.equal(await isArchiveFile(write('empty', Buffer.alloc(0))), false);
    assert.equal(await isArchiveFile(write('zeros.tar', Buffer.alloc(1024))), false);
  });
});
