// `compose config`'s canonical model against Compose v5's output for the same
// file (the expected texts are what the real Compose v5 printed).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { goYamlLess, jsonText, yamlText } from '../../../src/compose/canonical';
import { logrusWarning } from '../../../src/compose/cli/context';
import { loadProject } from '../../../src/compose/load';

const load = (text: string) => loadProject({ files: ['-'], stdin: () => text, env: {}, cwd: '/', projectName: 'p' });

describe('compose config canonical output', () => {
  it("orders Go maps as go-yaml does in YAML (s2 before s10) and bytewise in JSON, quoting YAML 1.1's words", () => {
    const p = load('services:\n  s10: {image: busybox}\n  s2: {image: busybox, environment: {B10: "1", B9: "on"}}\n  s1: {image: busybox}\n');
    // Compose v5's output
    assert.equal(
      yamlText(p),
      [
        'name: p',
        'services:',
        '  s1:',
        '    image: busybox',
        '    networks:',
        '      default: null',
        '  s2:',
        '    environment:',
        "      B9: 'on'",
        '      B10: "1"',
        '    image: busybox',
        '    networks:',
        '      default: null',
        '  s10:',
        '    image: busybox',
        '    networks:',
        '      default: null',
        'networks:',
        '  default:',
        '    name: p_default',
        '',
      ].join('\n'),
    );
    // Compose v5's output (less its indentation)
    assert.equal(
      JSON.stringify(JSON.parse(jsonText(p))),
      '{"name":"p","networks":{"default":{"name":"p_default","ipam":{}}},"services":{"s1":{"command":null,"entrypoint":null,"image":"busybox","networks":{"default":null}},"s10":{"command":null,"entrypoint":null,"image":"busybox","networks":{"default":null}},"s2":{"command":null,"entrypoint":null,"environment":{"B10":"1","B9":"on"},"image":"busybox","networks":{"default":null}}}}',
    );
  });

  it("go-yaml's key order: letters by code point, digit runs as numbers", () => {
    const keys = ['s10', 's2', 's1', 'a', 'B', 'x-1', 'a01', 'a1', 'db', 'web', 's1b'];
    assert.deepEqual(
      keys.sort((a, b) => (goYamlLess(a, b) ? -1 : goYamlLess(b, a) ? 1 : 0)),
      ['B', 'a', 'a1', 'a01', 'db', 's1', 's1b', 's2', 's10', 'web', 'x-1'],
    );
  });
});

describe('compose warnings', () => {
  it("print as Compose v5's logrus does off a terminal, and name an obsolete version attribute", () => {
    const p = loadProject({ files: ['-'], stdin: () => 'version: "3.8"\nservices:\n  a: {image: busybox}\n', env: {}, cwd: '/', projectName: 'p' });
    const w = p.warnings.find((x) => x.includes('version'));
    // Compose v5's output, off a terminal
    assert.equal(
      logrusWarning(w!, false, new Date('2026-12-06T11:39:56.123Z')),
      'time="2026-12-06T11:39:56Z" level=warning msg="/-: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"\n',
    );
    assert.equal(logrusWarning('plain', false, new Date('2026-12-06T11:39:56Z')), 'time="2026-12-06T11:39:56Z" level=warning msg=plain\n');
    assert.equal(logrusWarning('on a tty', true), 'WARN[0000] on a tty\n');
    // the positive control: no version, no warning
    assert.deepEqual(load('services:\n  a: {image: busybox}\n').warnings, []);
  });
});
