// GET /info and `info` through both CLIs: a stable engine ID in the data
// root (Docker 20.10's key-ID format), Plugins.Network with bridge, the facts
// Docker fills, and the same Server section from docker and berth.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { keyId } from '../../src/engine/system';

const ID = /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/;

describe('info', () => {
  const d = new TestDaemon('info');
  before(() => d.start());
  after(() => d.stop());

  it('has a stable engine ID kept in the data root', async () => {
    const first = (await d.request('GET', '/info')).json();
    assert.match(first.ID, ID);
    assert.equal(fs.readFileSync(path.join(d.dataRoot, 'engine-id'), 'utf8').trim(), first.ID);
    await d.stopDaemon();
    await d.start();
    const again = (await d.request('GET', '/info')).json();
    assert.equal(again.ID, first.ID);
    assert.equal(d.docker(['info', '--format', '{{.ID}}']).stdout, first.ID + '\n');
    assert.equal(d.berth(['info', '--format', '{{.ID}}']).stdout, first.ID + '\n');
  });

  it("the key ID is libtrust's: base32 of the first 240 bits of the key's SHA-256", () => {
    // sha256("") = e3b0c442…; its first 30 bytes in base32 (RFC 4648), in groups of four
    assert.equal(keyId(Buffer.alloc(0)), '4OYM:IQUY:7QOB:JGX3:6TEJ:S35Z:EQT2:4QPE:MSNZ:GTFE:SWMR:W6CS');
  });

  it('fills the fields Docker 20.10 fills', async () => {
    const i = (await d.request('GET', '/info')).json();
    assert.deepEqual(i.Plugins.Network, ['bridge', 'host', 'null']);
    assert.deepEqual(i.Plugins.Volume, ['local']);
    for (const k of ['KernelMemory', 'KernelMemoryTCP', 'BridgeNfIptables', 'BridgeNfIp6tables', 'SwapLimit', 'OomKillDisable', 'IPv4Forwarding'])
      assert.equal(typeof i[k], 'boolean', k);
    assert.ok(i.NFd > 0);
    assert.equal(i.DriverStatus[0][0], 'Backing Filesystem');
    assert.notEqual(i.DriverStatus[0][1], '');
    assert.equal(i.OSType, 'linux');
    assert.match(i.SystemTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    assert.ok(Array.isArray(i.Warnings));
    // NEventsListener counts the clients following /events
    const ev = d.spawnDocker(['events']);
    try {
      const deadline = Date.now() + 10000;
      let n = 0;
      while (Date.now() < deadline && (n = (await d.request('GET', '/info')).json().NEventsListener) < 1) await new Promise((r) => setTimeout(r, 50));
      assert.equal(n, 1);
    } finally {
      ev.kill();
    }
  });

  it('docker info and berth info print the same Server section', () => {
    // docker lists runtimes in Go map order (random): compare them as a set
    const server = (s: string) =>
      s.slice(s.indexOf('\nServer:')).replace(/^ Runtimes: (.*)$/m, (_, r: string) => ` Runtimes: ${r.split(' ').sort().join(' ')}`);
    const a = d.docker(['info']);
    const b = d.berth(['info']);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.match(a.stdout, /Network: bridge host null/);
    assert.equal(server(b.stdout), server(a.stdout));
  });
});
