// berthd's CRI flags: on by default only for the default data root.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDaemonArgs, type DaemonOptions } from '../../../src/daemon/options';

const cfg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cri-opts-')), 'daemon.json');
fs.writeFileSync(cfg, '{}');
const parse = (...a: string[]) => parseDaemonArgs(['--config-file', cfg, ...a]) as DaemonOptions;

describe('berthd --cri-socket', () => {
  after(() => fs.rmSync(path.dirname(cfg), { recursive: true, force: true }));
  it('listens at /run/berth/cri.sock for the default data root, with the default CNI dirs', () => {
    assert.deepEqual(parse().cri, { socket: '/run/berth/cri.sock', cniConfDir: '/etc/cni/net.d', cniBinDirs: ['/opt/cni/bin', '/usr/lib/cni'] });
  });
  it("is off for another data root unless asked, and off with ''", () => {
    assert.equal(parse('--data-root', '/tmp/x').cri, undefined);
    assert.equal(parse('--cri-socket', '').cri, undefined);
    assert.deepEqual(parse('--data-root', '/tmp/x', '--cri-socket', 'unix:///tmp/c.sock', '--cni-conf-dir', '/tmp/n').cri, {
      socket: '/tmp/c.sock',
      cniConfDir: '/tmp/n',
      cniBinDirs: ['/opt/cni/bin', '/usr/lib/cni'],
    });
  });
  it('takes the daemon.json keys, and not both a flag and a key', () => {
    fs.writeFileSync(cfg, JSON.stringify({ 'cri-socket': '/tmp/k.sock', 'data-root': '/tmp/y' }));
    try {
      assert.equal(parse().cri?.socket, '/tmp/k.sock');
      assert.throws(() => parse('--cri-socket', '/tmp/z.sock'), /specified both as a flag and in the configuration file: cri-socket/);
    } finally {
      fs.writeFileSync(cfg, '{}');
    }
  });
  it('refuses a socket that is not unix', () => {
    assert.throws(() => parse('--cri-socket', 'tcp://127.0.0.1:1'), /only unix:\/\/ sockets/);
  });
});
