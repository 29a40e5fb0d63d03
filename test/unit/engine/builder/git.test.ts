// ADD's git sources: which URLs are git (BuildKit's rules) and how the
// `#ref[:subdir]` fragment reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isGitSource, isRemoteSource } from '../../../../src/builder';
import { parseGitUrl } from '../../../../src/engine/builder/git';

describe('git sources', () => {
  it('git@, git://, ssh:// and http(s) URLs ending in .git are git; other URLs are downloads', () => {
    for (const u of [
      'git@github.com:o/r.git',
      'git://h/r',
      'ssh://git@h:22/r',
      'https://h/o/r.git',
      'http://127.0.0.1:8/r.git#v1:sub',
      'https://h/o/r.git/#main',
    ])
      assert.equal(isGitSource(u), true, u);
    for (const u of ['https://h/file.tgz', 'http://h/r.git.tar', 'https://h/o/r', 'file:///r.git', 'r.git', './x.git']) assert.equal(isGitSource(u), false, u);
    assert.equal(isRemoteSource('https://h/o/r.git'), false, 'a git URL is not downloaded');
    assert.equal(isRemoteSource('https://h/file.tgz'), true);
  });

  it('#ref:subdir and #ref=…,subdir=…', () => {
    assert.deepEqual(parseGitUrl('https://h/r.git'), { url: 'https://h/r.git', ref: '', subdir: '' });
    assert.deepEqual(parseGitUrl('https://h/r.git#v1'), { url: 'https://h/r.git', ref: 'v1', subdir: '' });
    assert.deepEqual(parseGitUrl('https://h/r.git#main:docs/api'), { url: 'https://h/r.git', ref: 'main', subdir: 'docs/api' });
    assert.deepEqual(parseGitUrl('https://h/r.git#:sub'), { url: 'https://h/r.git', ref: '', subdir: 'sub' });
    assert.deepEqual(parseGitUrl('https://h/r.git#ref=v2,subdir=a/b'), { url: 'https://h/r.git', ref: 'v2', subdir: 'a/b' });
    assert.equal(parseGitUrl('https://h/r.git#v1:../../etc').subdir, 'etc', 'the subdir cannot climb out');
    assert.throws(() => parseGitUrl('https://h/r.git#--upload-pack'), /invalid git ref/);
    assert.throws(() => parseGitUrl('https://h/r.git#foo=1'), /unexpected key 'foo'/);
    assert.deepEqual(parseGitUrl('https://h/r.git#ref=v1,keep-git-dir=true,checksum=abcdef1,submodules=false'), {
      url: 'https://h/r.git',
      ref: 'v1',
      subdir: '',
      keepGitDir: true,
      checksum: 'abcdef1',
    });
    assert.throws(() => parseGitUrl('https://h/r.git#keep-git-dir=yes'), /invalid keep-git-dir value "yes"/);
    assert.throws(() => parseGitUrl('https://h/r.git#checksum=zz'), /invalid checksum "zz"/);
    assert.throws(() => parseGitUrl('https://h/r.git#submodules=true'), /submodules are not fetched/);
  });
});
