// Shell-word expansion as the Dockerfile frontend does it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpandError, ShellLex, envFromList } from '../../../src/builder';

const env = envFromList(['A=a', 'EMPTY=', 'SP=x  y', 'P=/usr/local/bin/tool.tar.gz', 'Q="q"']);
const lex = new ShellLex();
const w = (s: string) => lex.processWord(s, env);
const ws = (s: string) => lex.processWords(s, env);

describe('variable expansion', () => {
  it('$VAR and ${VAR}', () => {
    assert.equal(w('$A'), 'a');
    assert.equal(w('${A}'), 'a');
    assert.equal(w('x$A.y'), 'xa.y');
    assert.equal(w('${A}b'), 'ab');
    assert.equal(w('$Ab'), ''); // the name is "Ab"
    assert.equal(w('$UNSET-x'), '-x');
  });

  it('defaults and alternatives', () => {
    assert.equal(w('${UNSET:-w}'), 'w');
    assert.equal(w('${EMPTY:-w}'), 'w');
    assert.equal(w('${A:-w}'), 'a');
    assert.equal(w('${UNSET-w}'), 'w');
    assert.equal(w('${EMPTY-w}'), '');
    assert.equal(w('${A:+w}'), 'w');
    assert.equal(w('${EMPTY:+w}'), '');
    assert.equal(w('${UNSET:+w}'), '');
    assert.equal(w('${EMPTY+w}'), 'w');
    assert.equal(w('${UNSET+w}'), '');
  });

  it('nested expansion and quotes inside the word', () => {
    assert.equal(w('${UNSET:-$A}'), 'a');
    assert.equal(w('${UNSET:-${A}-x}'), 'a-x');
    assert.equal(w('${UNSET:-"x y"}'), 'x y');
    assert.equal(w("${UNSET:-'$A'}"), '$A');
  });

  it('${VAR:?message} requires a value', () => {
    assert.equal(w('${A:?need A}'), 'a');
    assert.throws(() => w('${UNSET:?need it}'), /UNSET: need it/);
    assert.throws(() => w('${UNSET?}'), /UNSET: is not allowed to be unset/);
    assert.throws(() => w('${EMPTY:?}'), /EMPTY: is not allowed to be empty/);
    assert.equal(w('${EMPTY?}'), '');
  });

  it('prefix, suffix and pattern substitution', () => {
    assert.equal(w('${P#*/}'), 'usr/local/bin/tool.tar.gz');
    assert.equal(w('${P##*/}'), 'tool.tar.gz');
    assert.equal(w('${P%.*}'), '/usr/local/bin/tool.tar');
    assert.equal(w('${P%%.*}'), '/usr/local/bin/tool');
    assert.equal(w('${P/local/opt}'), '/usr/opt/bin/tool.tar.gz');
    assert.equal(w('${P//o/0}'), '/usr/l0cal/bin/t00l.tar.gz');
    assert.equal(w('${A/?/b}'), 'b');
  });

  it('special and positional parameters expand (to nothing here)', () => {
    assert.equal(w('$1x'), 'x');
    assert.equal(w('a$'), 'a$');
    assert.equal(w('$ a'), '$ a');
    assert.equal(w('$@'), '');
  });

  it('syntax errors', () => {
    const bad: Array<[string, RegExp]> = [
      ['${}', /bad substitution/],
      ['${:x}', /bad substitution/],
      ['${A', /missing '}'/],
      ['${A:-x', /missing '}'/],
      ['${A:x}', /unsupported modifier \(:x\) in substitution/],
      ['${A!}', /unsupported modifier \(!\) in substitution/],
      ['${A:#x}', /unsupported modifier \(:#\) in substitution/],
      ['"abc', /unexpected end of statement while looking for matching double-quote/],
      ["'abc", /unexpected end of statement while looking for matching single-quote/],
    ];
    for (const [s, re] of bad) {
      assert.throws(
        () => w(s),
        (e: unknown) => e instanceof ExpandError && re.test(e.message) && e.message.startsWith(`failed to process ${JSON.stringify(s)}`),
        s,
      );
    }
  });
});

describe('quotes and escapes', () => {
  it('single quotes are literal, double quotes expand', () => {
    assert.equal(w("'$A'"), '$A');
    assert.equal(w('"$A"'), 'a');
    assert.equal(w('"a\'b"'), "a'b");
    assert.equal(w("'a\"b'"), 'a"b');
    assert.equal(w('a"b c"d'), 'ab cd');
  });

  it('the escape character', () => {
    assert.equal(w('\\$A'), '$A');
    assert.equal(w('a\\ b'), 'a b');
    assert.equal(w('\\"x\\"'), '"x"');
    assert.equal(w('"a\\"b"'), 'a"b');
    assert.equal(w('"a\\$A"'), 'a$A');
    assert.equal(w('"a\\\\b"'), 'a\\b');
    assert.equal(w('"a\\b"'), 'a\\b'); // only " $ and \ are escaped inside "…"
    assert.equal(w("'a\\b'"), 'a\\b');
    assert.equal(w('abc\\'), 'abc'); // a trailing escape is dropped
  });

  it('the backtick escape directive', () => {
    const bt = new ShellLex('`');
    assert.equal(bt.processWord('c:\\dir\\$A', env), 'c:\\dir\\a');
    assert.equal(bt.processWord('`$A', env), '$A');
    assert.equal(bt.processWord('"say `"hi`""', env), 'say "hi"');
  });

  it('expanded values are not re-processed', () => {
    assert.equal(w('$Q'), '"q"');
    assert.equal(w('$SP'), 'x  y');
  });
});

describe('word splitting (EXPOSE)', () => {
  it('splits on unquoted whitespace, after expansion', () => {
    assert.deepEqual(ws('80 443/tcp'), ['80', '443/tcp']);
    assert.deepEqual(ws('$SP "a b" c\\ d'), ['x', 'y', 'a b', 'c d']);
    assert.deepEqual(ws('"$SP"'), ['x  y']);
    assert.deepEqual(ws('  '), []);
  });
});

describe('modes for heredocs', () => {
  it('skipProcessQuotes keeps quotes and expands inside them', () => {
    const raw = new ShellLex('\\', { skipProcessQuotes: true });
    assert.equal(raw.processWord('echo "$A" \'$A\'\n', env), 'echo "a" \'a\'\n');
  });

  it('skipUnsetEnv leaves unset references alone', () => {
    const keep = new ShellLex('\\', { skipUnsetEnv: true });
    assert.equal(keep.processWord('$A $UNSET ${UNSET:-x}', env), 'a $UNSET ${UNSET:-x}');
  });
});
