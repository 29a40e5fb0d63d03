// Compose's config hashes (the labels that decide recreation): the expected
// values are what the real Compose v5 wrote for this file — `config --hash '*'`
// for the services, the labels of the network and the volume its `up` made —
// so a project brought up by either client is left running by the other.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadProject } from '../../../src/compose/load';
import { networkHash, serviceHash, volumeHash } from '../../../src/compose/engine/hash';

const FILE = `services:
  web:
    image: busybox
    command: ["sleep", "1000"]
    environment: {A: "1"}
    ports: ["8080:80"]
    depends_on: [db]
  db:
    image: busybox:1
    command: sleep 1000
    volumes: ["data:/data"]
volumes:
  data: {}
`;

describe('compose config hashes', () => {
  const p = loadProject({ files: ['-'], stdin: () => FILE, env: {}, cwd: '/', projectName: 'hx' });

  it("are Compose v5's for services, the default network and a volume", () => {
    assert.equal(serviceHash(p, p.services.web), '7b6a1bc5325e5df38975c5070349bfeaeb484f14371b7c71d1165d4a9e867a66');
    assert.equal(serviceHash(p, p.services.db), 'b059c23fb63a3a1435cf6d8c3f6cbee9b8e32be815bca0f34a229be8e9d670df');
    assert.equal(networkHash(p, 'default'), '3cb9fc45a822d33c4009ddafc943e704c4857471af53b35e6ce61eebe50803e5');
    assert.equal(volumeHash(p, 'data'), '06acd3f5577191d11adc49860c904e79db9f58153484418a548de0afa1bca37e');
  });

  it('ignore what does not shape the container (scale, depends_on, pull_policy), not what does', () => {
    const variant = (text: string) => {
      const q = loadProject({ files: ['-'], stdin: () => text, env: {}, cwd: '/', projectName: 'hx' });
      return serviceHash(q, q.services.web);
    };
    const base = serviceHash(p, p.services.web);
    assert.equal(variant(FILE.replace('    depends_on: [db]\n', '    depends_on: [db]\n    scale: 2\n    pull_policy: always\n')), base);
    assert.equal(variant(FILE.replace('    depends_on: [db]\n', '')), base);
    assert.notEqual(variant(FILE.replace('{A: "1"}', '{A: "2"}')), base);
  });
});
