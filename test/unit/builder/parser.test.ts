// The Dockerfile parser: directives, comments, continuations, forms, heredocs,
// and errors that name the file and line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileError, parseDockerfile } from '../../../src/builder';

const parse = (text: string, file?: string) => parseDockerfile(text, file);
const only = (text: string) => {
  const r = parse(text);
  assert.equal(r.nodes.length, 1);
  return r.nodes[0];
};

function throwsAt(text: string, line: number, msg: RegExp | string, file = 'Dockerfile'): void {
  assert.throws(
    () => parse(text, file),
    (e: unknown) => {
      assert.ok(e instanceof DockerfileError, String(e));
      assert.equal(e.line, line, `line of: ${e.message}`);
      assert.equal(e.status, 400);
      if (typeof msg === 'string') assert.equal(e.detail, msg);
      else assert.match(e.detail, msg);
      assert.ok(e.message.startsWith(line > 0 ? `${file}:${line}: ` : `${file}: `), e.message);
      return true;
    },
  );
}

describe('Dockerfile parser: lines', () => {
  it('splits instructions, keeps line numbers, lower-cases keywords', () => {
    const r = parse('FROM busybox\n\nrun echo hi\nCmd ["sh"]\n');
    assert.deepEqual(
      r.nodes.map((n) => [n.keyword, n.rawKeyword, n.startLine, n.endLine]),
      [
        ['from', 'FROM', 1, 1],
        ['run', 'run', 3, 3],
        ['cmd', 'Cmd', 4, 4],
      ],
    );
  });

  it('skips comments, including indented ones, and keeps comments above an instruction', () => {
    const r = parse('# first\n  # indented\nFROM busybox\n#\nRUN true # not a comment\n');
    assert.equal(r.nodes.length, 2);
    assert.deepEqual(r.nodes[0].comments, ['first', 'indented']);
    assert.deepEqual(r.nodes[1].args, ['true # not a comment']);
  });

  it('joins continuation lines, skipping comment and empty lines inside them', () => {
    const r = parse('FROM busybox\nRUN echo a \\\n  # comment\n\n    && echo b \\\n\t&& echo c\nCMD x\n');
    const run = r.nodes[1];
    assert.deepEqual(run.args, ['echo a     && echo b \t&& echo c']);
    assert.equal(run.startLine, 2);
    assert.equal(run.endLine, 6);
    assert.equal(r.nodes[2].startLine, 7);
    assert.deepEqual(r.warnings, [{ line: 6, message: 'Empty continuation line found in: RUN echo a     && echo b \t&& echo c' }]);
  });

  it('a continuation at the end of the file ends the instruction', () => {
    assert.deepEqual(only('RUN echo a \\').args, ['echo a']);
  });

  it('an escaped escape character at the end of a line is not a continuation', () => {
    const r = parse('FROM busybox\nRUN echo a\\\\\nRUN echo b\n');
    assert.equal(r.nodes.length, 3);
    assert.deepEqual(r.nodes[1].args, ['echo a\\\\']);
  });

  it('handles CRLF line endings and a BOM', () => {
    const r = parse('\ufeffFROM busybox\r\nRUN echo a \\\r\n b\r\n');
    assert.equal(r.nodes.length, 2);
    assert.deepEqual(r.nodes[1].args, ['echo a  b']);
  });

  it('fails on a file with no instructions', () => {
    throwsAt('# just a comment\n\n', 2, 'file with no instructions');
    throwsAt('', 0, 'file with no instructions');
  });
});

describe('Dockerfile parser: directives', () => {
  it('reads syntax, escape and check at the top', () => {
    const r = parse('# syntax=docker/dockerfile:1\n# ESCAPE = `\n#check=skip=all\nFROM busybox\n');
    assert.deepEqual(r.directives, { escape: '`', syntax: 'docker/dockerfile:1', syntaxLine: 1, check: 'skip=all' });
  });

  it('the escape directive changes the continuation character', () => {
    const r = parse('# escape=`\nFROM busybox\nRUN dir c:\\ `\n  && echo x\n');
    assert.deepEqual(r.nodes[1].args, ['dir c:\\   && echo x']);
  });

  it('directives after a comment, a blank line or an instruction are plain comments', () => {
    assert.equal(parse('# hello\n# escape=`\nFROM busybox\n').directives.escape, '\\');
    assert.equal(parse('\n# escape=`\nFROM busybox\n').directives.escape, '\\');
    assert.equal(parse('FROM busybox\n# escape=`\nRUN a \\\n b\n').nodes[1].args[0], 'a  b');
    // an unknown directive ends the block
    assert.equal(parse('# foo=bar\n# escape=`\nFROM busybox\n').directives.escape, '\\');
  });

  it('directives are not instruction comments', () => {
    assert.deepEqual(parse('# escape=\\\n# about busybox\nFROM busybox\n').nodes[0].comments, ['about busybox']);
  });

  it('refuses a repeated directive and a bad escape character', () => {
    throwsAt('# escape=`\n# escape=\\\nFROM busybox\n', 2, 'only one escape parser directive can be used');
    throwsAt('# escape=x\nFROM busybox\n', 1, "invalid escape token 'x' does not match ` or \\");
  });
});

describe('Dockerfile parser: forms and flags', () => {
  it('JSON (exec) form vs shell form', () => {
    const exec = only('CMD ["echo", "a b", "c\\"d"]');
    assert.equal(exec.json, true);
    assert.deepEqual(exec.args, ['echo', 'a b', 'c"d']);
    const shell = only('CMD echo "a b"');
    assert.equal(shell.json, false);
    assert.deepEqual(shell.args, ['echo "a b"']);
  });

  it('falls back to shell form when the JSON array is invalid', () => {
    const n = only("CMD ['single', 'quotes']");
    assert.equal(n.json, false);
    assert.deepEqual(n.args, ["['single', 'quotes']"]);
    assert.deepEqual(only('RUN [ "a", ] ').args, ['[ "a", ]']);
  });

  it('refuses JSON arrays of non-strings', () => {
    throwsAt('FROM busybox\nCMD ["a", 1]\n', 2, 'when using JSON array syntax, arrays must be comprised of strings only');
  });

  it('an empty JSON array is exec form with no arguments', () => {
    const n = only('ENTRYPOINT []');
    assert.equal(n.json, true);
    assert.deepEqual(n.args, []);
  });

  it('takes leading --flags off, with quotes and --', () => {
    const n = only('COPY --from=build --chown="a b" --chmod=755 src dst');
    assert.deepEqual(n.flags, ['--from=build', '--chown=a b', '--chmod=755']);
    assert.deepEqual(n.args, ['src', 'dst']);
    const m = only('COPY --from=x -- --weird dst');
    assert.deepEqual(m.flags, ['--from=x']);
    assert.deepEqual(m.args, ['--weird', 'dst']);
  });

  it('splits COPY/ADD/VOLUME shell form on whitespace, without quote handling', () => {
    assert.deepEqual(only('COPY  a\tb   /c/').args, ['a', 'b', '/c/']);
    assert.deepEqual(only('VOLUME ["/a", "/b c"]').args, ['/a', '/b c']);
  });

  it('ENV and LABEL: both forms become key/value triples', () => {
    assert.deepEqual(only('ENV A=1 B="two words" C=\'x\'').args, ['A', '1', '=', 'B', '"two words"', '=', 'C', "'x'", '=']);
    assert.deepEqual(only('ENV NAME some long  value').args, ['NAME', 'some long  value', '']);
    assert.deepEqual(only('LABEL "com.example.a"="b c" d=e\\ f').args, ['"com.example.a"', '"b c"', '=', 'd', 'e\\ f', '=']);
  });

  it('ENV and LABEL errors', () => {
    throwsAt('FROM busybox\nENV ONLY\n', 2, 'ENV must have two arguments');
    throwsAt('FROM busybox\nLABEL a=b c\n', 2, 'Syntax error - can\'t find = in "c". Must be of the form: name=value');
  });

  it('ARG words keep quotes for expansion', () => {
    assert.deepEqual(only('ARG A B="x y" C').args, ['A', 'B="x y"', 'C']);
  });

  it('HEALTHCHECK: type then command', () => {
    const n = only('HEALTHCHECK --interval=5s CMD ["curl", "-f"]');
    assert.deepEqual(n.flags, ['--interval=5s']);
    assert.deepEqual(n.args, ['CMD', 'curl', '-f']);
    assert.equal(n.json, true);
  });

  it('ONBUILD holds its trigger as a sub-node', () => {
    const n = only('ONBUILD RUN echo hi');
    assert.equal(n.sub?.keyword, 'run');
    assert.deepEqual(n.sub?.args, ['echo hi']);
  });
});

describe('Dockerfile parser: heredocs', () => {
  it('RUN <<EOF reads the body up to the delimiter', () => {
    const r = parse('FROM busybox\nRUN <<EOF\necho a\necho b\nEOF\nCMD x\n');
    const run = r.nodes[1];
    assert.deepEqual(run.heredocs, [{ name: 'EOF', content: 'echo a\necho b\n', expand: true, chomp: false, fd: 0 }]);
    assert.equal(run.startLine, 2);
    assert.equal(run.endLine, 5);
    assert.equal(r.nodes[2].startLine, 6);
  });

  it('quoted delimiters disable expansion', () => {
    for (const d of ['"EOF"', "'EOF'", 'E"O"F']) {
      const n = parse(`FROM busybox\nRUN cat <<${d}\n$HOME\nEOF\n`).nodes[1];
      assert.equal(n.heredocs[0].name, 'EOF');
      assert.equal(n.heredocs[0].expand, false, d);
    }
  });

  it('<<- strips leading tabs from the delimiter line', () => {
    const n = parse('FROM busybox\nRUN <<-EOT\n\techo a\n\tEOT\n').nodes[1];
    assert.equal(n.heredocs[0].chomp, true);
    assert.equal(n.heredocs[0].content, '\techo a\n');
  });

  it('several heredocs in one instruction, read in order', () => {
    const n = parse('FROM busybox\nCOPY <<A <<B /dst/\na1\nA\nb1\nb2\nB\n').nodes[1];
    assert.deepEqual(
      n.heredocs.map((h) => [h.name, h.content]),
      [
        ['A', 'a1\n'],
        ['B', 'b1\nb2\n'],
      ],
    );
    assert.deepEqual(n.args, ['<<A', '<<B', '/dst/']);
  });

  it('a file descriptor prefix and a space after << are accepted', () => {
    const n = parse('FROM busybox\nRUN cat 3<<X << Y\nx\nX\ny\nY\n').nodes[1];
    assert.deepEqual(
      n.heredocs.map((h) => [h.name, h.fd]),
      [
        ['X', 3],
        ['Y', 0],
      ],
    );
  });

  it('only RUN, COPY, ADD (and ONBUILD of them) read heredocs; not in JSON form', () => {
    assert.equal(parse('FROM busybox\nCMD cat <<EOF\n').nodes.length, 2);
    assert.equal(parse('FROM busybox\nRUN ["cat", "<<EOF"]\nCMD x\n').nodes.length, 3);
    const ob = parse('FROM busybox\nONBUILD RUN <<EOF\necho x\nEOF\n').nodes[1];
    assert.equal(ob.heredocs[0].content, 'echo x\n');
    assert.equal(ob.sub?.heredocs[0].content, 'echo x\n');
  });

  it('shell redirections that are not heredocs are left alone', () => {
    const n = parse('FROM busybox\nRUN echo a<b && cat <<<"str"\nCMD x\n').nodes[1];
    assert.deepEqual(n.heredocs, []);
  });

  it('an unterminated heredoc names the instruction line', () => {
    throwsAt('FROM busybox\nRUN <<EOF\necho a\n', 2, 'unterminated heredoc');
  });
});

describe('Dockerfile parser: errors name the file', () => {
  it('uses the given file name', () => {
    throwsAt('FROM busybox\nRUN <<EOF\n', 2, 'unterminated heredoc', 'build/app.Dockerfile');
  });
});
