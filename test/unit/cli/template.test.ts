// Go text/template semantics. Expected strings for literal-only templates were
// checked against the docker CLI (Go 1.24 text/template) where possible.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError, dockerFuncs, parseTemplate } from '../../../src/cli/template';

const run = (src: string, data?: unknown, funcs: Record<string, (...a: any[]) => unknown> = dockerFuncs) => parseTemplate(src, funcs).execute(data);

function fails(src: string, data: unknown, message: string | RegExp): void {
  assert.throws(
    () => run(src, data),
    (e: unknown) => {
      assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

class Container {
  constructor(
    readonly ID: string,
    private readonly labels: Record<string, string>,
  ) {}
  get Names(): string {
    return '/web';
  }
  Label(name: string): string {
    return this.labels[name] ?? '';
  }
}

describe('text, trimming and comments', () => {
  test('plain text passes through', () => {
    assert.equal(run('hello\nworld'), 'hello\nworld');
    assert.equal(run(''), '');
  });
  test('trim markers eat adjacent whitespace including newlines', () => {
    assert.equal(run('a  {{- " b " -}}  c'), 'a b c');
    assert.equal(run('x\n\n {{- 1 -}} \n\ny'), 'x1y');
    assert.equal(run('x {{- 1}}  |{{1 -}}  y'), 'x1  |1y');
    assert.equal(run('{{ 1 }}{{- 2 -}}{{ 3}}'), '123');
  });
  test('a minus without a following space is a negative number', () => {
    assert.equal(run('{{-1}}|{{- -1 -}}|{{- -1}}'), '-1|-1|-1');
  });
  test('comments print nothing and may trim', () => {
    assert.equal(run('a  {{- 1 -}}  b {{- /* c */ -}}  c {{/* d */}} e'), 'a1bc  e');
    assert.equal(run('{{/* multi\nline */}}x'), 'x');
  });
});

describe('fields and values', () => {
  const data = { A: 1, B: { C: 'x', D: null }, Labels: { a: 'x' }, Empty: {} };
  test('field chains on maps and variables', () => {
    assert.equal(run('{{.A}} {{.B.C}} {{$x := .B}}{{$x.C}} {{$.A}}', data), '1 x x 1');
  });
  test('missing keys print <no value>, nil prints <nil>', () => {
    assert.equal(run('{{.Missing}}|{{.B.D}}|{{.Labels.zz}}', data), '<no value>|<nil>|<no value>');
    assert.equal(run('{{.Foo}}', undefined), '<no value>');
  });
  test('walking through a missing or nil value is a nil pointer error', () => {
    fails(
      '{{.State.Health.Status}}',
      { State: { Status: 'running' } },
      'template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating .State.Health.Status',
    );
    fails('{{.B.D.E}}', data, /nil pointer evaluating \.B\.D\.E/);
  });
  test('fields of scalars are errors', () => {
    fails('{{.A.Foo}}', data, 'template: :1:4: executing "" at <.A.Foo>: can\'t evaluate field Foo in type int');
  });
  test('class instances behave like structs: getters, methods with arguments, unknown fields fail', () => {
    const c = new Container('abc', { 'com.x': 'y' });
    assert.equal(run('{{.ID}} {{.Names}} {{.Label "com.x"}}|{{.Label "nope"}}|{{"com.x" | .Label}}', c), 'abc /web y||y');
    fails('{{.Nope}}', c, 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type Container');
    fails('{{.ID 1}}', c, /ID has arguments but cannot be invoked as function/);
  });
  test('function-valued map entries are called with the command arguments', () => {
    assert.equal(run('{{.F 3}} {{call .G 2}}', { F: (x: number) => x * 3, G: (x: number) => x + 1 }), '9 3');
  });
  test('methods that throw surface as "error calling"', () => {
    const d = {
      Bad() {
        throw new Error('boom');
      },
    };
    fails('{{.Bad}}', d, 'template: :1:2: executing "" at <.Bad>: error calling Bad: boom');
  });
  test('Map instances are maps', () => {
    assert.equal(
      run(
        '{{.a}} {{index . "b"}} {{.}}',
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
      '1 2 map[a:1 b:2]',
    );
  });
});

describe('printing values like fmt.Print', () => {
  test('scalars', () => {
    assert.equal(run('{{.}}', 'str'), 'str');
    assert.equal(run('{{.}}', 42), '42');
    assert.equal(run('{{.}}', true), 'true');
    assert.equal(run('{{.}}', null), '<no value>');
    assert.equal(run('{{.X}}', { X: null }), '<nil>');
  });
  test('floats use %v of float64: shortest digits, exponent from 1e+06 or below 1e-04', () => {
    const floats: [number, string][] = [
      [1.5, '1.5'],
      [1234567.5, '1.2345675e+06'],
      [123456.7, '123456.7'],
      [0.00001, '1e-05'],
      [0.0001, '0.0001'],
      [1e21, '1e+21'],
      [0.1 + 0.2, '0.30000000000000004'],
      [-2.5, '-2.5'],
    ];
    for (const [x, want] of floats) assert.equal(run('{{.}}', x), want, String(x));
    assert.equal(run('{{.}}', 100000000), '100000000');
  });
  test('arrays and maps nest, maps in sorted key order', () => {
    assert.equal(run('{{.}}', { z: [1, 'a', null], a: { y: true, b: [] } }), 'map[a:map[b:[] y:true] z:[1 a <nil>]]');
  });
  test('Date and Error print like Go Stringers', () => {
    assert.equal(run('{{.D}} {{.E}}', { D: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)), E: new Error('boom') }), '2024-01-02 03:04:05.12 +0000 UTC boom');
  });
});

describe('variables', () => {
  test('declaration, assignment and scope', () => {
    assert.equal(run('{{$x := 1}}{{range .}}{{$x = .}}{{end}}{{$x}}', [4, 5]), '5');
    assert.equal(run('{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}'), '21');
    assert.equal(run('{{if $x := .Name}}{{$x}}{{else}}[{{$x}}]{{end}}', { Name: '' }), '[]');
  });
  test('declarations print nothing', () => {
    assert.equal(run('a{{$x := 5}}b{{$x = 6}}c{{$x}}'), 'abc6');
  });
  test('templates do not see the caller variables', () => {
    assert.equal(run('{{define "T"}}{{$}}{{end}}{{$x := 1}}{{template "T" "dot"}}'), 'dot');
    assert.throws(() => run('{{define "T"}}{{$x}}{{end}}{{$x := 1}}'), /undefined variable "\$x"/);
  });
});

describe('control structures', () => {
  test('if / else if / else', () => {
    assert.equal(run('{{if 0}}a{{else if ""}}b{{else if 1}}c{{else}}d{{end}}'), 'c');
    assert.equal(run('{{if .A}}y{{else}}n{{end}}', { A: [] }), 'n');
    assert.equal(run('{{if .A}}y{{else}}n{{end}}', { A: {} }), 'n');
    assert.equal(run('{{if .A}}y{{else}}n{{end}}', { A: [0] }), 'y');
    assert.equal(run('{{if .A}}y{{else}}n{{end}}', { A: new Container('x', {}) }), 'y');
  });
  test('with / else with', () => {
    assert.equal(run('{{with $x := 5}}{{$x}}{{.}}{{end}}|{{with 0}}a{{else with 3}}{{.}}{{else}}z{{end}}'), '55|3');
    assert.equal(run('{{with .A}}{{.}}{{else}}none{{end}}', {}), 'none');
  });
  test('range over arrays, objects (sorted), ints, with else', () => {
    assert.equal(run('{{range $i, $v := .}}{{$i}}={{$v}},{{end}}', ['a', 'b']), '0=a,1=b,');
    assert.equal(run('{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}', { Labels: { b: '2', a: '1' } }), 'a=1 b=2 ');
    assert.equal(run('{{range $v := .}}[{{$v}}]{{end}}', { y: 2, x: 1 }), '[1][2]');
    assert.equal(run('{{range 3}}{{.}}{{end}}|{{range 0}}x{{else}}none{{end}}'), '012|none');
    assert.equal(run('{{range .}}x{{else}}empty{{end}}', []), 'empty');
    assert.equal(run('{{range .X}}x{{else}}empty{{end}}', {}), 'empty');
  });
  test('break and continue, innermost loop only', () => {
    assert.equal(run('{{range .}}{{if eq . "b"}}{{continue}}{{end}}{{if eq . "d"}}{{break}}{{end}}{{.}}{{end}}', ['a', 'b', 'c', 'd', 'e']), 'ac');
    assert.equal(run('{{range split "a,b,c" ","}}{{range split "1,2" ","}}{{if eq . "2"}}{{break}}{{end}}{{.}}{{end}}{{.}}{{end}}'), '1a1b1c');
  });
  test('range over a non-iterable fails', () => {
    fails('{{range .Name}}{{end}}', { Name: 'x' }, 'template: :1:8: executing "" at <.Name>: range can\'t iterate over x');
  });
  test('define, template and block', () => {
    assert.equal(run('{{define "T"}}[{{.}}]{{end}}{{template "T" .A}}{{block "B" .A}}<{{.}}>{{end}}', { A: 5 }), '[5]<5>');
    assert.equal(run('{{define "a"}}A{{template "b"}}{{end}}{{define "b"}}B{{end}}{{template "a"}}'), 'AB');
    assert.equal(run('{{define "T"}}{{.}}{{end}}{{template "T"}}'), '<no value>');
    fails('{{template "nope"}}', {}, 'template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined');
    fails('a\n{{define "T"}}x{{.Foo.Bar}}{{end}}{{template "T" .}}', {}, /^template: :2:21: executing "T" at <\.Foo\.Bar>/);
  });
  test('runaway recursion is stopped', () => {
    fails('{{define "r"}}{{template "r" .}}{{end}}{{template "r" 1}}', {}, /exceeded maximum template depth/);
  });
});

describe('literals, pipelines and parentheses', () => {
  test('number, string, char and bool literals', () => {
    assert.equal(
      run("{{1.5}} {{100}} {{0x10}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{-5}} {{+5}} {{.5}} {{'a'}} {{'\\n'}}"),
      '1.5 100 16 15 15 5 1000 -5 5 0.5 97 10',
    );
    assert.equal(run('{{"\\u00e9\\x41\\t\\101"}}|{{`raw\\n`}}|{{true}} {{false}}'), 'éA\tA|raw\\n|true false');
  });
  test('pipelines pass the value as the last argument', () => {
    assert.equal(run('{{"x" | printf "%s-%s" "a"}} {{"abc" | len}} {{.N | printf "%q" | printf "%s!"}}', { N: 'n' }), 'a-x 3 "n"!');
  });
  test('parenthesised pipelines and field access on them', () => {
    assert.equal(run('{{(index .A 0).B}} {{len (split "a,b,c" ",")}} {{((1))}}', { A: [{ B: 'deep' }] }), 'deep 3 1');
  });
});

describe('builtin functions', () => {
  test('and/or return an operand and short-circuit', () => {
    assert.equal(run('{{and 1 0 2}} {{and 1 2}} {{or 0 "" 3}} {{or 0 ""}} {{not 0}} {{not "x"}}'), '0 2 3  true false');
    assert.equal(run('{{and 0 (index nil 1)}}|{{or 1 (index nil 1)}}'), '0|1');
  });
  test('comparisons', () => {
    assert.equal(
      run('{{eq 1 1}} {{eq 1 2 3 1}} {{eq "a" "b"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt "a" "b"}} {{eq nil nil}}'),
      'true true false true true true true false true true',
    );
    assert.equal(run('{{if eq .State "running"}}up{{else}}down{{end}}', { State: 'running' }), 'up');
    assert.equal(run('{{eq .Missing "x"}}', {}), 'false');
    fails('{{eq 1 "a"}}', {}, 'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison');
    fails('{{lt true false}}', {}, /error calling lt: invalid type for comparison/);
  });
  test('len, index and slice', () => {
    assert.equal(run('{{len .}} {{len "héllo"}} {{index . 1}} {{slice "hello" 1 3}} {{slice . 1}}', [1, 2, 3]), '3 6 2 el [2 3]');
    assert.equal(run('{{index .Labels "a"}}|{{index .Labels "zz"}}|{{index .M "zz"}}', { Labels: { a: 'x' }, M: { n: 1 } }), 'x||<no value>');
    assert.equal(run('{{index .A 1 "k"}}', { A: [0, { k: 'v' }] }), 'v');
    fails('{{index .A 5}}', { A: [1] }, 'template: :1:2: executing "" at <index .A 5>: error calling index: index out of range: 5');
    fails('{{slice "abc" 2 1}}', {}, /invalid slice index: 2 > 1/);
    fails('{{len 3}}', {}, /len of type int/);
  });
  test('print, println and printf', () => {
    assert.equal(run('{{print 1 2 "a" "b" 3 true nil}}|{{println 1 "a" nil}}|{{print .M}}'), '1 2ab3 true <nil>|1 a <nil>\n|<nil>');
  });
  test('printf verbs', () => {
    const cases: [string, string][] = [
      ['{{printf "%-10s|%5d|%.2f|%q|%x|%t|%%" "ab" 42 3.14159 "hi\\n" 255 true}}', 'ab        |   42|3.14|"hi\\n"|ff|true|%'],
      [
        '{{printf "%d %5d %-5d| %05d %+d %x %X %o %b %#x %#o %c %q %U %#U" 42 42 42 -42 5 255 255 8 5 255 8 65 65 65 65}}',
        "42    42 42   | -0042 +5 ff FF 10 101 0xff 010 A 'A' U+0041 U+0041 'A'",
      ],
      [
        '{{printf "%f %.2f %8.3f %-8.1f| %e %.3e %E %g %.3g %G %08.2f %+.1f" 3.14159 2.345 3.14159 2.5 1234.5678 1234.5678 0.00012 100000.5 3.14159 1e-7 -3.14159 2.5}}',
        '3.141590 2.35    3.142 2.5     | 1.234568e+03 1.235e+03 1.200000E-04 100000.5 3.14 1E-07 -0003.14 +2.5',
      ],
      ['{{printf "%.0f %.0f %.0f %.1f %.2f %.2f" 0.5 1.5 2.5 0.25 1.005 2.675}}', '0 2 2 0.2 1.00 2.67'],
      [
        '{{printf "%s|%10s|%-10s|%.2s|%q|%x|% x|%#x|%5.1s|" "héllo" "ab" "ab" "héllo" "a\\"b\\n\\x01é" "hi" "hi" "hi" "xyz"}}',
        'héllo|        ab|ab        |hé|"a\\"b\\n\\x01é"|6869|68 69|0x6869|    x|',
      ],
      ['{{printf "%v|%q|%5v|%d" .L .L .L .N}}', '[a b]|["a" "b"]|[    a     b]|[1 2]'],
      ['{{printf "%d %s" "x" 5}}', '%!d(string=x) %!s(int=5)'],
      ['{{printf "%d"}}|{{printf "%d %d" 1 2 3 "x"}}', '%!d(MISSING)|1 2%!(EXTRA int=3, string=x)'],
      ['{{printf "%v" nil}}|{{printf "%s" nil}}|{{printf "%T %T %T %T" 1 1.5 "s" true}}', '<nil>|%!s(<nil>)|int float64 string bool'],
      ['{{printf "%*d|%-*d|%.*f" 5 1 5 1 2 3.14159}}|{{printf "%[2]s %[1]s" "a" "b"}}', '    1|1    |3.14|b a'],
      ['{{printf "%v %v %v" 1.5 1234567.5 0.00001}}', '1.5 1.2345675e+06 1e-05'],
    ];
    for (const [src, want] of cases) assert.equal(run(src, { L: ['a', 'b'], N: [1, 2] }), want, src);
  });
  test('html, js and urlquery escaping', () => {
    assert.equal(run('{{html "<a href=\'x\'>&\\""}}'), '&lt;a href=&#39;x&#39;&gt;&amp;&#34;');
    assert.equal(run('{{js "a\'b\\"c<d>e&f=g\\\\h\\ni"}}'), 'a\\\'b\\"c\\u003Cd\\u003Ee\\u0026f\\u003Dg\\\\h\\u000Ai');
    assert.equal(run('{{urlquery "a b&c/d?e=f~g.h-i_j é"}}'), 'a+b%26c%2Fd%3Fe%3Df~g.h-i_j+%C3%A9');
    assert.equal(run('{{html .Missing}}', {}), '&lt;no value&gt;');
  });
  test('call invokes function values', () => {
    assert.equal(run('{{call .F 2}} {{call (index .M "g") "x"}}', { F: (x: number) => x * 2, M: { g: (s: string) => s + '!' } }), '4 x!');
    fails('{{call 1}}', {}, /error calling call: non-function 1 of type int/);
  });
  test('user functions override builtins and get nil for missing values', () => {
    const funcs = { len: () => 'mine', show: (v: unknown) => String(v) };
    assert.equal(run('{{len "abc"}} {{show .Missing}}', {}, funcs), 'mine null');
  });
});

describe('docker functions', () => {
  test('json: compact, no HTML escaping, maps sorted, structs by exported fields', () => {
    assert.equal(run('{{json .}}', { b: '<&>', a: [1, 2.5], c: null, u: undefined }), '{"b":"<&>","a":[1,2.5],"c":null}');
    assert.equal(
      run(
        '{{json .}}',
        new Map([
          ['z', 1],
          ['a', 2],
        ]),
      ),
      '{"a":2,"z":1}',
    );
    assert.equal(run('{{json .}}', new Container('abc', {})), '{"ID":"abc","Names":"/web"}');
    assert.equal(run('{{json "a<b>&c"}} {{json 1e21}} {{json 1e-7}} {{json nil}} {{json "\\u2028\\b\\x01"}}'), '"a<b>&c" 1e+21 1e-7 null "\\u2028\\b\\u0001"');
    assert.equal(run('{{json .B}}', { B: Buffer.from('hi') }), '"aGk="');
  });
  test('split, join, title, lower, upper, pad, truncate', () => {
    assert.equal(run('{{split "a,b,c" ","}} {{join .Names ","}} {{join (split "a,b,c" ",") "-"}}', { Names: ['x', 'y'] }), '[a b c] x,y a-b-c');
    assert.equal(run('{{upper "abc"}} {{lower "ABC"}} {{title "hello wORLD foo_bar x-y 1a"}}'), 'ABC abc Hello WORLD Foo_bar X-Y 1a');
    assert.equal(run('[{{pad "x" 1 2}}] [{{pad "" 1 2}}] {{truncate "héllo" 2}} {{truncate "hi" 5}}'), '[ x  ] [] hé hi');
  });
  test('argument type errors point at the argument', () => {
    fails('{{upper 1}}', {}, 'template: :1:8: executing "" at <1>: expected string; found 1');
    fails('{{join "a" ","}}', {}, 'template: :1:7: executing "" at <"a">: can\'t handle "a" for arg of type []string');
    fails('{{upper .N}}', { N: 1 }, 'template: :1:8: executing "" at <.N>: wrong type for value; expected string; got int');
    fails('{{pad "x" -1 0}}', {}, /error calling pad: strings: negative Repeat count/);
  });
});

describe('parse errors', () => {
  const cases: [string, string][] = [
    ['{{.Name', 'template: :1: unclosed action'],
    ['{{x}}', 'template: :1: function "x" not defined'],
    ['{{$x}}', 'template: :1: undefined variable "$x"'],
    ['{{if 1}}', 'template: :1: unexpected EOF'],
    ['{{end}}', 'template: :1: unexpected {{end}}'],
    ['{{else}}', 'template: :1: unexpected {{else}}'],
    ['{{range}}{{end}}', 'template: :1: missing value for range'],
    ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
    ['{{(1}}', 'template: :1: unclosed left paren'],
    ['{{1)}}', 'template: :1: unexpected right paren'],
    ['{{.A-}}', "template: :1: bad character U+002D '-'"],
    ['{{1e}}', 'template: :1: illegal number syntax: "1e"'],
    ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ["{{'ab'}}", "template: :1: malformed character constant: 'ab'"],
    ['{{define "x"}}a{{end}}{{define "x"}}b{{end}}', 'template: :1: template: multiple definition of template "x"'],
    ['{{template 1}}', 'template: :1: unexpected "1" in template clause'],
    ['{{|}}', 'template: :1: unexpected "|" in command'],
    ['{{1 | 2}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{"a".Foo}}', 'template: :1: unexpected . after term "\\"a\\""'],
    ['{{/* x */ 1}}', 'template: :1: comment ends before closing delimiter'],
    ['{{/* x', 'template: :1: unclosed comment'],
    ['{{1.2.3}}', 'template: :1: unexpected ".3" in operand'],
    ['a\nb\n{{if}}', 'template: :3: missing value for if'],
  ];
  for (const [src, want] of cases) {
    test(JSON.stringify(src), () =>
      assert.throws(
        () => parseTemplate(src, dockerFuncs),
        (e: unknown) => e instanceof TemplateError && e.message === want,
      ),
    );
  }
});

describe('exec errors', () => {
  test('position and context like Go', () => {
    fails('line1\n{{.Name}}\n  {{.X.Y}}', { Name: 'n' }, /^template: :3:6: executing "" at <\.X\.Y>: nil pointer evaluating \.X\.Y$/);
    fails('{{nil}}', {}, 'template: :1:2: executing "" at <nil>: nil is not a command');
    fails('{{.A 1}}', { A: 1 }, 'template: :1:2: executing "" at <.A>: A is not a method but has arguments');
    fails('{{$x := 1 2}}', {}, 'template: :1:8: executing "" at <1>: can\'t give argument to non-function 1');
    fails('{{and}}', {}, 'template: :1:2: executing "" at <and>: wrong number of args for and: want at least 1 got 0');
  });
  test('missingkey=error', () => {
    const t = parseTemplate('{{.A}}', {}, { missingKey: 'error' });
    assert.throws(() => t.execute({}), /map has no entry for key "A"/);
    assert.equal(t.execute({ A: 1 }), '1');
  });
});
