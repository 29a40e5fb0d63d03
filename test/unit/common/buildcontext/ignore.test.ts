// .dockerignore: the file format, Docker's matching rules, exceptions and
// their order, directory pruning, and the context walk that uses them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { goMatch } from '../../../../src/common/buildcontext/glob';
import { IgnoreMatcher, keepBuildFiles, parseIgnoreFile } from '../../../../src/common/buildcontext/ignore';
import { listContext, readIgnorePatterns } from '../../../../src/common/buildcontext/walk';

const m = (patterns: string[]) => new IgnoreMatcher(patterns);
function check(patterns: string[], excluded: string[], kept: string[]): void {
  const mm = m(patterns);
  for (const p of excluded) assert.equal(mm.matches(p), true, `${JSON.stringify(patterns)} should exclude ${p}`);
  for (const p of kept) assert.equal(mm.matches(p), false, `${JSON.stringify(patterns)} should keep ${p}`);
}

describe('.dockerignore file format', () => {
  it('drops comments and blank lines, trims, cleans and un-roots paths', () => {
    const text = '\ufeff# comment\n\n  *.log  \n/abs/path\n./a/../b/\n! /keep\n!./x/\n #not a comment\n\\#hash\nc:d\n';
    assert.deepEqual(parseIgnoreFile(text), ['*.log', 'abs/path', 'b', '!keep', '!x', '#not a comment', '\\#hash', 'c:d']);
  });

  it('refuses malformed patterns', () => {
    assert.throws(() => m(['!']), /illegal exclusion pattern: "!"/);
    assert.throws(() => m(['[abc']), /syntax error in pattern/);
    assert.throws(() => m(['abc\\']), /syntax error in pattern/);
  });
});

describe('.dockerignore matching', () => {
  it('patterns are anchored at the context root; * and ? stay in one element', () => {
    check(['*.log'], ['a.log'], ['sub/a.log', 'a.logx']);
    check(['temp?'], ['temp1', 'tempx/y'], ['temp12', 'a/temp1']);
    check(['*/temp*'], ['a/temp1', 'a/temporary/x'], ['temp1', 'a/b/temp1']);
    check(['*/*/temp*'], ['a/b/temp1'], ['a/temp1']);
    check(['[a-c]*.txt'], ['a.txt', 'cab.txt'], ['d.txt']);
    check(['[^a]*'], ['b', 'c/d'], ['a', 'ab']);
    check(['a\\*b'], ['a*b'], ['axb']);
  });

  it('** matches any number of directories', () => {
    check(['**/*.go'], ['a.go', 'x/a.go', 'x/y/z/a.go'], ['a.gox']);
    check(['**/foo'], ['foo', 'a/foo', 'a/b/foo', 'a/foo/bar'], ['afoo', 'foox']);
    check(['a/**/b'], ['a/b', 'a/x/b', 'a/x/y/b'], ['b', 'a/xb']);
    check(['foo/**'], ['foo/a', 'foo/a/b'], ['foo', 'foobar']);
    check(['**'], ['x', 'a/b/c', 'Dockerfile'], []);
    check(['**.bak'], ['x.bak', 'a/b.bak'], ['x.bakx']);
  });

  it('a directory pattern excludes everything below it', () => {
    check(['node_modules'], ['node_modules', 'node_modules/x/y.js'], ['src/node_modules', 'node_modules2']);
    check(['build/'], ['build/out'], ['builder']);
  });

  it('! re-includes, and the last matching pattern wins', () => {
    check(['*.md', '!README.md'], ['CHANGES.md'], ['README.md', 'sub/x.md']);
    // the documented examples
    check(['*.md', '!README*.md', 'README-secret.md'], ['a.md', 'README-secret.md'], ['README.md', 'README-x.md']);
    check(['*.md', 'README-secret.md', '!README*.md'], ['a.md'], ['README-secret.md', 'README.md']);
    check(['dir', '!dir/keep'], ['dir', 'dir/other', 'dir/other/x'], ['dir/keep', 'dir/keep/inner']);
    check(['**', '!src', 'src/**/*.tmp'], ['x', 'a/b', 'src/a/b.tmp', 'src/b.tmp'], ['src', 'src/a.go']);
  });

  it('walk state from the parent gives the same answers', () => {
    const mm = m(['dir', '!dir/keep', '**/*.o', '!**/keep.o']);
    const d = mm.match('dir');
    const dk = mm.match('dir/keep', d);
    assert.equal(d.excluded, true);
    assert.equal(dk.excluded, false);
    assert.equal(mm.match('dir/keep/x.o', dk).excluded, true);
    assert.equal(mm.match('dir/keep/keep.o', dk).excluded, false);
    assert.equal(mm.match('dir/other', d).excluded, true);
  });

  it('prunes a directory only when no exception could re-include something below it', () => {
    const mm = m(['node_modules', 'build', 'tmp', '!node_modules/keep/**', '!**/*.keep', '!tmp/*/x']);
    assert.equal(m(['node_modules']).mayIncludeBelow('node_modules'), false);
    assert.equal(mm.mayIncludeBelow('node_modules'), true);
    assert.equal(mm.mayIncludeBelow('build'), true); // **/*.keep could be anywhere
    const narrow = m(['build', 'src', '!src/*.go', '!lib/a/b']);
    assert.equal(narrow.mayIncludeBelow('build'), false);
    assert.equal(narrow.mayIncludeBelow('src'), true);
    assert.equal(narrow.mayIncludeBelow('src/sub'), false); // src/*.go cannot match below src/sub
    assert.equal(narrow.mayIncludeBelow('lib/x'), false);
    assert.equal(narrow.mayIncludeBelow('lib/a'), true);
  });

  it('the build files stay in what the client sends', () => {
    assert.deepEqual(keepBuildFiles(['*'], 'Dockerfile'), ['*', '!.dockerignore', '!Dockerfile']);
    assert.deepEqual(keepBuildFiles(['*.log'], 'Dockerfile'), ['*.log']);
    assert.deepEqual(keepBuildFiles(['docker'], 'docker/app.Dockerfile'), ['docker', '!docker/app.Dockerfile']);
    assert.deepEqual(keepBuildFiles(['*'], null), ['*', '!.dockerignore']);
  });
});

describe('Go filepath.Match (COPY wildcards)', () => {
  it('matches like Go', () => {
    const yes: Array<[string, string]> = [
      ['abc', 'abc'],
      ['*', 'abc'],
      ['*c', 'abc'],
      ['a*', 'a'],
      ['a*/b', 'abc/b'],
      ['a*b*c*d*e*/f', 'axbxcxdxe/f'],
      ['ab[c]', 'abc'],
      ['ab[b-d]', 'abc'],
      ['ab[^c]', 'abd'],
      ['a\\*b', 'a*b'],
      ['a?b', 'a☺b'],
      ['[\\-]', '-'],
      ['[x\\-]', 'x'],
      ['*x', 'xxx'],
      ['[a-ζ]*', 'α'],
    ];
    const no: Array<[string, string]> = [
      ['*c', 'abcd'],
      ['a*', 'ab/c'],
      ['a*/b', 'a/c/b'],
      ['ab[^c]', 'abc'],
      ['ab[^b-d]', 'abc'],
      ['a\\*b', 'ab'],
      ['a?b', 'a/b'],
      ['a*b', 'a/b'],
      ['*', '.a/b'],
    ];
    for (const [p, s] of yes) assert.equal(goMatch(p, s), true, `${p} ~ ${s}`);
    for (const [p, s] of no) assert.equal(goMatch(p, s), false, `${p} !~ ${s}`);
    for (const bad of ['[', 'a[', '[^', '[]a]', '[-]', '[x-]', 'a\\', '[a-b-c]']) assert.throws(() => goMatch(bad, 'a'), /syntax error in pattern/, bad);
  });
});

describe('context walk', () => {
  function tree(files: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
    for (const f of files) {
      const p = path.join(dir, f);
      if (f.endsWith('/')) fs.mkdirSync(p, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, f);
      }
    }
    return dir;
  }

  it('lists what is not excluded, parents first, symlinks as links', (t) => {
    const dir = tree(['Dockerfile', '.dockerignore', 'src/a.go', 'src/a_test.go', 'node_modules/x/i.js', 'node_modules/keep/k.js', 'logs/', 'b.log']);
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.symlinkSync('/etc', path.join(dir, 'etc-link'));
    const mm = m(['node_modules', '!node_modules/keep', '**/*_test.go', '*.log', 'logs']);
    const got = listContext(dir, mm).map((e) => e.path);
    assert.deepEqual(got, ['.dockerignore', 'Dockerfile', 'etc-link', 'node_modules/keep', 'node_modules/keep/k.js', 'src', 'src/a.go']);
    const link = listContext(dir, null).find((e) => e.path === 'etc-link');
    assert.ok(link?.stat.isSymbolicLink());
  });

  it('finds the Dockerfile-specific ignore file first', (t) => {
    const dir = tree(['.dockerignore', 'build/app.Dockerfile', 'build/app.Dockerfile.dockerignore']);
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'root\n');
    fs.writeFileSync(path.join(dir, 'build/app.Dockerfile.dockerignore'), 'specific\n');
    assert.deepEqual(readIgnorePatterns(dir, 'build/app.Dockerfile'), ['specific']);
    assert.deepEqual(readIgnorePatterns(dir, 'Dockerfile'), ['root']);
    assert.deepEqual(readIgnorePatterns(dir), ['root']);
    fs.rmSync(path.join(dir, '.dockerignore'));
    assert.deepEqual(readIgnorePatterns(dir), []);
  });
});
