// The compose loader, one phase at a time: interpolation, .env files, YAML
// tags and merge keys, multi-file merging, extends/include, profiles,
// canonical forms, and errors that name the path — cross-checked against the
// compose spec's JSON schema where the schema has an opinion.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interpolate } from '../../../src/compose/load/interpolate';
import { parseEnvFile } from '../../../src/compose/load/dotenv';
import { loadProject, projectName } from '../../../src/compose/load';
import { parsePortShort, parseVolumeShort, splitCommand } from '../../../src/compose/load/shortsyntax';

const env = (o: Record<string, string>) => (k: string) => o[k];

describe('compose interpolation', () => {
  const look = env({ SET: 'v', EMPTY: '', NESTED: 'n' });
  const cases: Array<[string, string]> = [
    ['$SET', 'v'],
    ['${SET}', 'v'],
    ['a${SET}b', 'avb'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${NESTED:-x}}', 'n'],
    ['${UNSET:-${ALSO:-deep}}', 'deep'],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['${SET:?never}', 'v'],
    ['${SET:-${UNSET:?unused}}', 'v'],
  ];
  for (const [src, want] of cases) it(`${src} -> ${JSON.stringify(want)}`, () => assert.equal(interpolate(src, look), want));

  it('fails required variables with their message, and bad syntax naming the path', () => {
    assert.throws(() => interpolate('${UNSET:?need it}', look), /required variable UNSET is missing a value: need it/);
    assert.throws(() => interpolate('${EMPTY:?}', look), /required variable EMPTY is missing a value/);
    assert.doesNotThrow(() => interpolate('${EMPTY?x}', look));
    assert.throws(() => interpolate('${', look, 'services.web.image'), /invalid interpolation format for services.web.image: "\$\{"/);
    assert.throws(() => interpolate('a $ b', look), /invalid interpolation format/);
    assert.throws(() => interpolate('${1BAD}', look), /invalid interpolation format/);
  });
});

describe('compose .env files', () => {
  it('reads Compose quoting: export, comments, single quotes literal, double quotes with escapes and lines, earlier keys', () => {
    const text = [
      '# comment',
      'export A=1',
      'B = two words   # trailing comment',
      "C='literal $A \\n'",
      'D="a\\tb\\nc ${A} \\$A \\"q\\""',
      'E="multi',
      'line"',
      'F=${A}${B}',
      'G=',
      'H=x#not-a-comment',
      '  I=indented',
      'J',
    ].join('\n');
    const m = parseEnvFile(text, env({ J: 'from-env' }));
    assert.equal(m.get('A'), '1');
    assert.equal(m.get('B'), 'two words');
    assert.equal(m.get('C'), 'literal $A \\n');
    assert.equal(m.get('D'), 'a\tb\nc 1 $A "q"');
    assert.equal(m.get('E'), 'multi\nline');
    assert.equal(m.get('F'), '1two words');
    assert.equal(m.get('G'), '');
    assert.equal(m.get('H'), 'x#not-a-comment');
    assert.equal(m.get('I'), 'indented');
    assert.equal(m.get('J'), 'from-env');
  });
  it('refuses bad names and unterminated quotes with the line', () => {
    assert.throws(() => parseEnvFile('A=1\nBAD NAME=x\n'), /line 2: unexpected character/);
    assert.throws(() => parseEnvFile('A="open\n'), /unterminated quoted value for A/);
  });
});

describe('compose short syntax', () => {
  it('ports: host ip, ranges, protocols', () => {
    assert.deepEqual(parsePortShort('80', 'p'), [{ target: 80, published: '', host_ip: '', protocol: 'tcp' }]);
    assert.deepEqual(parsePortShort('127.0.0.1::80/udp', 'p'), [{ target: 80, published: '', host_ip: '127.0.0.1', protocol: 'udp' }]);
    assert.deepEqual(parsePortShort('[::1]:8080:80', 'p'), [{ target: 80, published: '8080', host_ip: '::1', protocol: 'tcp' }]);
    assert.equal(
      parsePortShort('9000-9002:80-82', 'p')
        .map((x) => `${x.published}:${x.target}`)
        .join(' '),
      '9000:80 9001:81 9002:82',
    );
    assert.throws(() => parsePortShort('9000-9001:80-82', 'services.web.ports[0]'), /services.web.ports\[0\]: port ranges don't match/);
    // go-connections' words, which Compose v5 prints
    assert.throws(() => parsePortShort('a:b:c:d', 'p'), /^Error: invalid IP address: a:b$/);
    assert.throws(() => parsePortShort('1.2.3.4:x:80', 'p'), /^Error: invalid hostPort: x$/);
    assert.throws(() => parsePortShort('80:0', 'p'), /^Error: invalid containerPort: 0$/);
  });
  it('volumes: named, bind relative to the project, anonymous, modes', () => {
    assert.deepEqual(parseVolumeShort('data:/d:ro', '/p', 'v'), { type: 'volume', source: 'data', target: '/d', read_only: true });
    assert.equal(parseVolumeShort('./src:/s', '/p', 'v').source, '/p/src');
    assert.deepEqual(parseVolumeShort('/anon', '/p', 'v'), { type: 'volume', source: '', target: '/anon', read_only: false });
    assert.throws(() => parseVolumeShort('a:/b:bogus', '/p', 'v'), /invalid mode "bogus"/);
  });
  it('commands split as a shell would, without expansion', () => {
    assert.deepEqual(splitCommand(`sh -c "echo 'a b'; exit 3" x\\ y`, 'c'), ['sh', '-c', "echo 'a b'; exit 3", 'x y']);
  });
});

function project(files: Record<string, string>, opts: Parameters<typeof loadProject>[0] = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compose-unit-'));
  for (const [f, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), c);
  }
  try {
    return loadProject({ cwd: dir, env: {}, ...opts });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('compose loading', () => {
  it('finds compose.yaml and its override from a subdirectory, merging with Compose rules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compose-unit-'));
    fs.mkdirSync(path.join(dir, 'app', 'sub'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'app', 'compose.yaml'),
      'services:\n  web:\n    image: busybox\n    command: ["a"]\n    environment: [A=1, B=2]\n    ports: ["8080:80"]\n    labels: {x: "1"}\n',
    );
    fs.writeFileSync(
      path.join(dir, 'app', 'compose.override.yaml'),
      'services:\n  web:\n    command: ["b"]\n    environment: {B: "3", C: "4"}\n    ports: ["8080:80", "9090:90"]\n    labels: !override {y: "2"}\n',
    );
    try {
      const p = loadProject({ cwd: path.join(dir, 'app', 'sub'), env: {} });
      assert.equal(p.workingDir, path.join(dir, 'app'));
      assert.equal(p.name, 'app');
      const w = p.services.web;
      assert.deepEqual(w.command, ['b']);
      assert.deepEqual(w.environment, { A: '1', B: '3', C: '4' });
      assert.deepEqual(
        w.ports.map((x) => `${x.published}:${x.target}`),
        ['8080:80', '9090:90'],
      );
      assert.deepEqual(w.labels, { y: '2' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('merges several -f files, !reset and !override, and extends', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compose-unit-'));
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      'services:\n  base:\n    image: busybox\n    environment: {A: "1"}\n    ports: ["1000:10"]\n  web:\n    extends: base\n    command: ["a"]\n    environment: [B=2]\n    dns: [1.1.1.1]\n',
    );
    fs.writeFileSync(
      path.join(dir, 'compose.override.yaml'),
      'services:\n  web:\n    command: ["b", "c"]\n    environment: {B: "3"}\n    ports: !reset []\n    dns: !override [9.9.9.9]\n',
    );
    try {
      const p = loadProject({ cwd: dir, env: {} });
      const w = p.services.web;
      assert.deepEqual(w.command, ['b', 'c']);
      assert.deepEqual(w.environment, { A: '1', B: '3' });
      assert.deepEqual(w.ports, []);
      assert.deepEqual(w.dns, ['9.9.9.9']);
      assert.equal(
        p.name,
        path
          .basename(dir)
          .toLowerCase()
          .replace(/[^a-z0-9_-]/g, ''),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('interpolates from the shell over .env, and resolves env_file under environment', () => {
    const p = project(
      {
        'compose.yaml':
          'services:\n  web:\n    image: "busybox:${TAG:-latest}"\n    env_file: [web.env]\n    environment: {FROM_SHELL: null, KEPT: "${KEPT}"}\n',
        '.env': 'TAG=1.0\nKEPT=dotenv\n',
        'web.env': 'X=1\nKEPT=envfile\n',
      },
      { env: { KEPT: 'shell', FROM_SHELL: 'yes' } },
    );
    assert.equal(p.services.web.image, 'busybox:1.0');
    assert.deepEqual(p.services.web.environment, { X: '1', KEPT: 'shell', FROM_SHELL: 'yes' });
  });

  it('profiles: off unless active, COMPOSE_PROFILES, or named on the command line with their dependencies', () => {
    const files = {
      'compose.yaml': 'services:\n  a: {image: x}\n  dbg: {image: x, profiles: [debug], depends_on: [tool]}\n  tool: {image: x, profiles: [tools]}\n',
    };
    assert.deepEqual(Object.keys(project(files).services), ['a']);
    assert.deepEqual(Object.keys(project(files, { profiles: ['debug', 'tools'] }).services).sort(), ['a', 'dbg', 'tool']);
    assert.deepEqual(Object.keys(project(files, { env: { COMPOSE_PROFILES: 'tools' } }).services).sort(), ['a', 'tool']);
    assert.deepEqual(Object.keys(project(files, { enable: ['dbg'] }).services).sort(), ['a', 'dbg', 'tool']);
  });

  it("names the file and path of bad input in Compose v5's words", () => {
    // Compose v5: "validating <file>: services.web.bogus false schema" (no line)
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    bogus: 1\n' }), /compose.yaml: services.web.bogus false schema$/);
    assert.throws(
      () => project({ 'compose.yaml': 'services:\n  web:\n    image: x\nbogus: 1\n' }),
      /compose.yaml: {2}additional properties 'bogus' not allowed$/,
    );
    assert.throws(
      () => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    ports:\n      - 80\n      - {target: [1]}\n' }),
      /services.web.ports.1.target must be a integer$/,
    );
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    ports: "80"\n' }), /services.web.ports must be a array$/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    command: 3\n' }), /services.web.command must be a null$/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    labels: 3\n' }), /services.web.labels must be a mapping$/);
    assert.throws(() => project({ 'compose.yaml': 'services: [a]\n' }), /^Error: services must be a mapping$/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["80:abc"]\n' }), /^Error: invalid containerPort: abc$/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["99999:80"]\n' }), /^Error: invalid hostPort: 99999$/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["80:80:80:80"]\n' }), /^Error: invalid IP address: 80:80$/);
    assert.throws(() => project({ 'compose.yaml': '' }), /^Error: empty compose file$/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  web:\n    image: x\n    privileged: [1]\n' }), /services.web.privileged must be a boolean/);
    assert.throws(
      () => project({ 'compose.yaml': 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n' }),
      /dependency cycle detected: a -> b -> a/,
    );
    assert.throws(() => project({ 'compose.yaml': 'services:\n  a: {image: x, networks: [nope]}\n' }), /service "a" refers to undefined network nope/);
    assert.throws(() => project({ 'compose.yaml': 'services:\n  a: {image: x, volumes: ["v:/v"]}\n' }), /service "a" refers to undefined volume v/);
    assert.throws(
      () => project({ 'compose.yaml': 'services:\n  a: {image: x}\nnetworks:\n  n: {external: true, driver: bridge}\n' }),
      /conflicting parameters "external" and "driver" specified for network "n"/,
    );
    assert.throws(
      () => project({ 'compose.yaml': 'services:\n  a: {image: x, container_name: c, scale: 2}\n' }),
      /can't set container_name and a as container name must be unique/,
    );
    assert.throws(
      () => project({ 'compose.yaml': 'services:\n  a: {image: "${X:?X must be set}"}\n' }),
      /required variable X is missing a value: X must be set/,
    );
    assert.throws(() => project({ 'compose.yaml': 'services:\n  a:\n    image: x\n  a:\n    image: y\n' }), /yaml: line \d+: Map keys must be unique/);
    assert.throws(() => project({}), /no configuration file provided: not found/);
  });

  it('reports keys it does not act on by name, and accepts x- extensions anywhere', () => {
    const p = project({ 'compose.yaml': 'x-top: 1\nservices:\n  web:\n    image: x\n    gpus: all\n    x-mine: {a: 1}\n' });
    assert.deepEqual(p.warnings, ['services.web.gpus is not supported by berth compose, ignored']);
  });

  it('project names: -p, COMPOSE_PROJECT_NAME, name:, the directory', () => {
    assert.equal(projectName('given', 'env', 'file', '/x/Dir'), 'given');
    assert.equal(projectName(undefined, 'env', 'file', '/x/Dir'), 'env');
    assert.equal(projectName(undefined, undefined, 'file', '/x/Dir'), 'file');
    assert.equal(projectName(undefined, undefined, undefined, '/x/My.App'), 'myapp');
    assert.throws(() => projectName('Bad Name', undefined, undefined, '/x'), /invalid project name "Bad Name"/);
  });

  it('accepts and rejects the same fixtures as the compose spec schema', async () => {
    const schemaPath = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'reference', 'compose', 'compose-spec.json');
    if (!fs.existsSync(schemaPath)) return; // the shared reference sits beside the repository
    const Ajv = require('ajv') as typeof import('ajv').default;
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    delete schema.$schema;
    const validate = new Ajv({ allowUnionTypes: true, strict: false }).compile(schema);
    const YAML = require('yaml') as typeof import('yaml');
    const fixtures: Array<[string, boolean]> = [
      ['services:\n  a: {image: x, ports: ["80:80", {target: 81}], volumes: ["d:/d"]}\nvolumes: {d: {}}\n', true],
      ['services:\n  a: {image: x, bogus: 1}\n', false],
      ['services:\n  a: {image: x, privileged: [1]}\n', false],
      ['services:\n  a: {image: x, depends_on: {b: {condition: service_healthy}}}\n  b: {image: x, healthcheck: {test: "true"}}\n', true],
      ['services:\n  a: {image: x, environment: [A=1], labels: {b: "2"}, ulimits: {nofile: {soft: 1, hard: 2}}}\n', true],
      ['services:\n  a: {image: x, ulimits: {nofile: {soft: 1}}}\n', false],
      ['services:\n  a: {image: x, networks: {n: {aliases: [y], ipv4_address: 10.1.0.5}}}\nnetworks: {n: {}}\n', true],
      ['services:\n  a: {image: x, networks: {n: {aliases: y}}}\nnetworks: {n: {}}\n', false],
      ['services:\n  a: {image: x, build: {context: ., args: {A: 1}}}\n', true],
      ['services:\n  a: {image: x}\nnetworks: {n: {bogus: 1}}\n', false],
    ];
    for (const [text, ok] of fixtures) {
      const spec = validate(YAML.parse(text));
      assert.equal(spec, ok, `schema on ${text}`);
      let ours = true;
      try {
        project({ 'compose.yaml': text });
      } catch {
        ours = false;
      }
      assert.equal(ours, ok, `berth on ${text}`);
    }
  });
});
