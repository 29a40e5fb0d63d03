// The docker CLI formatter. The `context ls` expectations are verbatim output
// of docker 28's `docker context ls --format …` for the same four contexts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatSpec, jsonOf, renderOne, renderRows, tabwrite } from '../../../src/cli/format';
import { TemplateError } from '../../../src/cli/template';

interface ContextRow {
  Name: string;
  Current: boolean;
  Description: string;
  DockerEndpoint: string;
  Error: string;
}

const contexts: ContextRow[] = [
  { Name: 'c2', Current: false, Description: 'a much longer description here ok', DockerEndpoint: 'tcp://10.0.0.1:2375', Error: '' },
  { Name: 'ctx-one', Current: false, Description: 'first context', DockerEndpoint: 'unix:///tmp/one.sock', Error: '' },
  { Name: 'default', Current: true, Description: 'Current DOCKER_HOST based configuration', DockerEndpoint: 'unix:///var/run/docker.sock', Error: '' },
  { Name: 'thirdcontextname', Current: false, Description: '', DockerEndpoint: 'unix:///x', Error: '' },
];

const contextSpec: FormatSpec<ContextRow> = {
  defaultTable: 'table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}',
  headers: { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR' },
};

describe('tabwrite (Go text/tabwriter, minwidth 10, padding 3)', () => {
  test('columns are as wide as their widest cell plus padding, at least minwidth', () => {
    assert.equal(tabwrite('a\tbb\tc\nlonger-cell\tx\ty\n'), 'a             bb        c\nlonger-cell   x         y\n');
  });
  test('the last cell of a line is not part of a column', () => {
    assert.equal(tabwrite('a\tvery-long-trailing-text\nb\tc\n'), 'a         very-long-trailing-text\nb         c\n');
  });
  test('a line with fewer cells ends the column block', () => {
    const out = tabwrite('aaaaaaaaaaaaaaa\tb\nno tabs here\nc\td\n');
    assert.equal(out, 'aaaaaaaaaaaaaaa   b\nno tabs here\nc         d\n');
  });
  test('inner columns only span lines that have them', () => {
    const out = tabwrite('a\tb\tc\nd\te\nf\tg\th\n');
    assert.equal(out, 'a         b         c\nd         e\nf         g         h\n');
  });
  test('widths count code points and empty cells are padded', () => {
    assert.equal(tabwrite('héllo✓\t|\n\t|\n'), 'héllo✓    |\n          |\n');
  });
  test('text without a final newline keeps its alignment', () => {
    assert.equal(tabwrite('ab\tcd'), 'ab        cd');
  });
  test('options', () => {
    assert.equal(tabwrite('a\tb\nccc\td\n', { minwidth: 0, padding: 1 }), 'a   b\nccc d\n');
  });
});

describe('renderRows', () => {
  test('empty format and "table" use the default table', () => {
    const want =
      'NAME               DESCRIPTION                               DOCKER ENDPOINT               ERROR\n' +
      'c2                 a much longer description here ok         tcp://10.0.0.1:2375           \n' +
      'ctx-one            first context                             unix:///tmp/one.sock          \n' +
      'default *          Current DOCKER_HOST based configuration   unix:///var/run/docker.sock   \n' +
      'thirdcontextname                                             unix:///x                     \n';
    assert.equal(renderRows(undefined, contexts, contextSpec), want);
    assert.equal(renderRows('', contexts, contextSpec), want);
    assert.equal(renderRows('table', contexts, contextSpec), want);
  });

  test('a table with no rows still prints the header', () => {
    // Without a row to look at, a flag field needs an empty header to test false.
    const spec = { ...contextSpec, headers: { ...contextSpec.headers, Current: '' } };
    assert.equal(renderRows('table', [], spec), 'NAME      DESCRIPTION   DOCKER ENDPOINT   ERROR\n');
    assert.equal(renderRows('table {{.ID}}\t{{.Size}}', [], contextSpec), 'ID        SIZE\n');
  });

  test('typed backslash-t separates columns; fields without a header text', () => {
    const out = renderRows('table {{.Name}}\\t{{.Current}}\\t{{.DockerEndpoint}}\\t{{.Error}}x', contexts, contextSpec);
    assert.equal(
      out,
      'NAME               <no value>   DOCKER ENDPOINT               ERRORx\n' +
        'c2                 false        tcp://10.0.0.1:2375           x\n' +
        'ctx-one            false        unix:///tmp/one.sock          x\n' +
        'default            true         unix:///var/run/docker.sock   x\n' +
        'thirdcontextname   false        unix:///x                     x\n',
    );
  });

  test('typed backslash-n starts new lines, which break column blocks', () => {
    const out = renderRows('table {{.Name}}\\n{{.Description}}\\t{{.DockerEndpoint}}', contexts, contextSpec);
    assert.equal(
      out,
      'NAME\nDESCRIPTION   DOCKER ENDPOINT\nc2\na much longer description here ok   tcp://10.0.0.1:2375\nctx-one\n' +
        'first context   unix:///tmp/one.sock\ndefault\nCurrent DOCKER_HOST based configuration   unix:///var/run/docker.sock\n' +
        'thirdcontextname\n          unix:///x\n',
    );
  });

  test('header functions pass header text through, except pad', () => {
    const out = renderRows('table {{upper .Name}}\t{{json .Name}}\t{{pad .Name 1 1}}\t{{truncate .Name 2}}', contexts, contextSpec);
    assert.equal(
      out,
      'NAME               NAME                  NAME                NAME\n' +
        'C2                 "c2"                  c2                  c2\n' +
        'CTX-ONE            "ctx-one"             ctx-one             ct\n' +
        'DEFAULT            "default"             default             de\n' +
        'THIRDCONTEXTNAME   "thirdcontextname"    thirdcontextname    th\n',
    );
  });

  test('boolean fields are false in the header', () => {
    const out = renderRows('table {{if .Current}}{{.Name}}\t{{.Description}}{{else}}{{.Name}}{{end}}', contexts, contextSpec);
    assert.equal(out, 'NAME\nc2\nctx-one\ndefault   Current DOCKER_HOST based configuration\nthirdcontextname\n');
  });

  test('raw templates print one line per row without alignment', () => {
    assert.equal(
      renderRows('{{.Name}}\\t{{.Description}}', contexts, contextSpec),
      'c2\ta much longer description here ok\nctx-one\tfirst context\ndefault\tCurrent DOCKER_HOST based configuration\nthirdcontextname\t\n',
    );
    assert.equal(renderRows('{{.Name}}', [], contextSpec), '');
  });

  test('json prints one object per row with sorted keys; {{json .}} agrees', () => {
    const line =
      '{"Current":true,"Description":"Current DOCKER_HOST based configuration","DockerEndpoint":"unix:///var/run/docker.sock","Error":"","Name":"default"}\n';
    assert.equal(renderRows('json', [contexts[2]], contextSpec), line);
    assert.equal(renderRows('{{json .}}', [contexts[2]], contextSpec), line);
  });

  test('quiet uses {{.ID}} unless a format is given', () => {
    const spec: FormatSpec<{ ID: string; Names: string }> = { defaultTable: 'table {{.ID}}\t{{.Names}}', headers: { ID: 'CONTAINER ID' } };
    const rows = [
      { ID: 'abc', Names: 'one' },
      { ID: 'def', Names: 'two' },
    ];
    assert.equal(renderRows(undefined, rows, spec, { quiet: true }), 'abc\ndef\n');
    assert.equal(renderRows('{{.Names}}', rows, spec, { quiet: true }), 'one\ntwo\n');
    assert.equal(renderRows('table', rows, spec), 'CONTAINER ID   NAMES\nabc            one\ndef            two\n');
  });

  test('a docker ps-like table', () => {
    class PsRow {
      constructor(private readonly c: { Id: string; Image: string; Command: string; Status: string; Names: string[]; Labels: Record<string, string> }) {}
      get ID() {
        return this.c.Id.slice(0, 12);
      }
      get Image() {
        return this.c.Image;
      }
      get Command() {
        return JSON.stringify(this.c.Command.length > 20 ? this.c.Command.slice(0, 19) + '…' : this.c.Command);
      }
      get Status() {
        return this.c.Status;
      }
      get Names() {
        return this.c.Names.map((n) => n.slice(1)).join(',');
      }
      get Labels() {
        return Object.entries(this.c.Labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
      }
      Label(name: string) {
        return this.c.Labels[name] ?? '';
      }
    }
    const spec: FormatSpec<PsRow> = {
      defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Names}}',
      headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', Status: 'STATUS', Names: 'NAMES', Labels: 'LABELS' },
    };
    const rows = [
      new PsRow({
        Id: '4c01db0b339cf3a1',
        Image: 'nginx:1.25',
        Command: 'nginx -g daemon off;',
        Status: 'Up 2 hours',
        Names: ['/web'],
        Labels: { tier: 'front' },
      }),
      new PsRow({ Id: 'd7886598dbe2aa01', Image: 'alpine', Command: 'sh', Status: 'Exited (0) 3 seconds ago', Names: ['/db', '/web/db'], Labels: {} }),
    ];
    assert.equal(
      renderRows(undefined, rows, spec),
      'CONTAINER ID   IMAGE        COMMAND                  STATUS                     NAMES\n' +
        '4c01db0b339c   nginx:1.25   "nginx -g daemon off;"   Up 2 hours                 web\n' +
        'd7886598dbe2   alpine       "sh"                     Exited (0) 3 seconds ago   db,web/db\n',
    );
    assert.equal(renderRows('table {{.Names}}\t{{.Label "tier"}}', rows, spec), 'NAMES       LABEL\nweb         front\ndb,web/db   \n');
    assert.equal(
      renderRows('{{.ID}} {{json .}}', rows.slice(1), spec),
      'd7886598dbe2 {"Command":"\\"sh\\"","ID":"d7886598dbe2","Image":"alpine","Labels":"","Names":"db,web/db","Status":"Exited (0) 3 seconds ago"}\n',
    );
    assert.throws(
      () => renderRows('{{.Nope}}', rows, spec),
      /^TemplateError: template parsing error: template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope in type PsRow$/,
    );
  });

  test('unknown fields are errors on plain-object rows too, as on docker contexts', () => {
    assert.throws(
      () => renderRows('table {{.Name}}\t{{.Nope}}', contexts, contextSpec),
      (e: unknown) =>
        e instanceof TemplateError && /^template parsing error: template: :1:12: executing "" at <\.Nope>: can't evaluate field Nope/.test(e.message),
    );
  });

  test('bad templates fail before printing anything', () => {
    assert.throws(() => renderRows('table {{.Name', contexts, contextSpec), { message: 'template parsing error: template: :1: unclosed action' });
    assert.throws(() => renderRows('{{nope .Name}}', contexts, contextSpec), { message: 'template parsing error: template: :1: function "nope" not defined' });
  });
});

describe('renderOne (inspect -f)', () => {
  const inspect = {
    Id: 'abc',
    Name: '/web',
    State: { Status: 'running', Running: true, Pid: 4242 },
    Config: { Image: 'nginx', Labels: { 'com.example.vendor': 'acme', a: 'b' }, Env: ['A=1', 'B=2'] },
    Mounts: [] as unknown[],
  };
  test('fields, nested data and functions', () => {
    assert.equal(renderOne('{{.State.Pid}}', inspect), '4242\n');
    assert.equal(renderOne('{{if eq .State.Status "running"}}up {{.Name}}{{end}}', inspect), 'up /web\n');
    assert.equal(renderOne('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}', inspect), 'a=b com.example.vendor=acme \n');
    assert.equal(renderOne('{{index .Config.Labels "com.example.vendor"}}', inspect), 'acme\n');
    assert.equal(renderOne('{{join .Config.Env ","}}|{{.Config.Env}}|{{.Config.Labels}}', inspect), 'A=1,B=2|[A=1 B=2]|map[a:b com.example.vendor:acme]\n');
    assert.equal(renderOne('{{json .Config.Labels}}', inspect), '{"com.example.vendor":"acme","a":"b"}\n');
    assert.equal(renderOne('{{printf "%-10s|" .Config.Image}}', inspect), 'nginx     |\n');
    assert.equal(renderOne('{{.Config.Labels.missing}}', inspect), '<no value>\n');
    assert.equal(renderOne('{{range .Mounts}}x{{else}}no mounts{{end}}', inspect), 'no mounts\n');
  });
  test("docker's {{.State.Health.Status}} without a health check is an error", () => {
    assert.throws(() => renderOne('{{.State.Health.Status}}', inspect), {
      message: 'template parsing error: template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating .State.Health.Status',
    });
  });
});

describe('jsonOf', () => {
  test('exported fields, getters and zero-argument methods, sorted; not methods with arguments', () => {
    class Ctx {
      private readonly hidden = 1;
      constructor(readonly Zeta: number) {}
      get Alpha() {
        return 'a' + this.hidden;
      }
      Size() {
        return '1kB';
      }
      Label(name: string) {
        return name;
      }
    }
    assert.equal(jsonOf(new Ctx(2)), '{"Alpha":"a1","Size":"1kB","Zeta":2}');
    // a formatter context marshals through json.Marshal, which HTML-escapes (docker images --format json: "\u003cnone\u003e")
    assert.equal(jsonOf({ b: 1, B: '<x>', A: [1, { z: 1, y: 2 }] }), '{"A":[1,{"z":1,"y":2}],"B":"\\u003cx\\u003e"}');
  });
});
