// berthd's option table: flags, --help and daemon.json decoding all come from
// it, with dockerd's refusals and wording.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeConfigFile, parseDaemonArgs, parseFlags, USAGE } from '../../../src/daemon/options';
import { OPTIONS, optionDef, optionKeys } from '../../../src/daemon/table';

function withFile<T>(content: string, fn: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-opts-'));
  try {
    const file = path.join(dir, 'daemon.json');
    fs.writeFileSync(file, content);
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const sample: Record<string, string> = { string: 'x', int: '3', strings: 'a', map: 'k=v', object: 'nofile=10:20', objects: 'base=10.9.0.0/16,size=24' };

describe('daemon option table', () => {
  it('every flag in --help is accepted by the parser, and hidden knobs are not listed', () => {
    for (const k of optionKeys) {
      const d = optionDef(k);
      if (!d.flag) continue;
      if (!d.hidden && !d.unsupported) assert.ok(USAGE.includes(`--${d.flag}`), `--${d.flag} in --help`);
      const value =
        k === 'log-level'
          ? 'debug'
          : k === 'dns'
            ? '1.1.1.1'
            : k === 'default-ipc-mode'
              ? 'shareable'
              : k === 'default-cgroupns-mode'
                ? 'host'
                : d.kind === 'bool'
                  ? undefined
                  : sample[d.kind];
      const f = parseFlags(value === undefined ? [`--${d.flag}`] : [`--${d.flag}`, value]);
      assert.ok((f.values as Record<string, unknown>)[k] !== undefined, `--${d.flag} sets ${k}`);
    }
    assert.ok(!USAGE.includes('crash'), 'the crash hook stays out of --help');
    assert.match(USAGE, /BERTH_LOG_LEVEL/);
  });

  it('flags follow pflag: --x=v, -x v, --bool=false, repeated lists; unknown ones refused', () => {
    const f = parseFlags([
      '-H',
      'unix:///a',
      '--host=unix:///b',
      '--icc=false',
      '-D',
      '--label',
      'a=b',
      '--label=c=d',
      '--default-ulimit',
      'nofile=10:20',
      '--log-opt',
      'max-size=1m',
    ]);
    assert.deepEqual(f.values.hosts, ['unix:///a', 'unix:///b']);
    assert.equal(f.values.icc, false);
    assert.equal(f.values.debug, true);
    assert.deepEqual(f.values.labels, ['a=b', 'c=d']);
    assert.deepEqual(f.values['default-ulimits'], { nofile: { Name: 'nofile', Soft: 10, Hard: 20 } });
    assert.deepEqual(f.values['log-opts'], { 'max-size': '1m' });
    assert.throws(() => parseFlags(['--bogus']), /^Error: unknown flag: --bogus$/);
    assert.throws(() => parseFlags(['-X']), /unknown shorthand flag: 'X' in -X/);
    assert.throws(() => parseFlags(['--data-root']), /flag needs an argument: --data-root/);
    assert.throws(() => parseFlags(['--mtu', 'big']), /invalid argument "big" for "--mtu" flag: strconv.ParseInt/);
    assert.throws(() => parseFlags(['stray']), /unknown command "stray" for "berthd"/);
  });

  it('daemon.json: wrong top-level types, wrong value types and unknown keys are refused with dockerd’s words', () => {
    assert.throws(() => decodeConfigFile('[]'), /^Error: json: cannot unmarshal array into Go value of type map\[string\]interface \{\}$/);
    assert.throws(() => decodeConfigFile('"x"'), /json: cannot unmarshal string into Go value of type map\[string\]interface \{\}/);
    assert.throws(() => decodeConfigFile('{"live-restore":"yes"}'), /json: cannot unmarshal string into Go struct field Config.live-restore of type bool/);
    assert.throws(() => decodeConfigFile('{"mtu":1.5}'), /cannot unmarshal number into Go struct field Config.mtu of type int/);
    assert.throws(() => decodeConfigFile('{"dns":"1.1.1.1"}'), /cannot unmarshal string into Go struct field Config.dns of type \[\]string/);
    assert.throws(() => decodeConfigFile('{"a":1,"b":2,"debug":true}'), /the following directives don't match any configuration option: a, b$/);
    // environment-only knobs are not daemon.json keys
    assert.throws(() => decodeConfigFile('{"crash-at":"start.created"}'), /don't match any configuration option: crash-at/);
    // positive controls: the same keys with their types, an empty file, null values
    assert.deepEqual(decodeConfigFile('{"live-restore":true,"mtu":1400,"dns":["1.1.1.1"],"labels":null}'), {
      'live-restore': true,
      mtu: 1400,
      dns: ['1.1.1.1'],
    });
    assert.deepEqual(decodeConfigFile('  \n'), {});
  });

  it('validation: bad DNS, labels, ulimits, runtime paths, drivers and unsupported keys refuse the start', () => {
    const refuse = (json: string, re: RegExp) => withFile(json, (f) => assert.throws(() => parseDaemonArgs(['--config-file', f], {}), re));
    const prefix = 'unable to configure the Docker daemon with file .*: merged configuration validation from file and command line flags failed: ';
    refuse('{"dns":["8.8.8"]}', new RegExp(prefix + 'IP address is not correctly formatted: 8.8.8'));
    refuse('{"labels":["novalue"]}', /bad attribute format: novalue/);
    refuse('{"runtimes":{"mine":{"path":"/nonexistent/runc"}}}', /runtime mine: \/nonexistent\/runc does not exist/);
    refuse('{"storage-driver":"vfs"}', /storage-driver "vfs" is not supported by berth/);
    refuse('{"default-ipc-mode":"host"}', /invalid IPC mode: host/);
    refuse('{"default-cgroupns-mode":"shared"}', /default cgroup namespace mode \(shared\) is invalid/);
    refuse('{"default-shm-size":"lots"}', /invalid size: 'lots'/);
    refuse('{"default-ulimits":{"nofile":{"Name":"nofile","Soft":10,"Hard":5}}}', /soft limit must be less than or equal to hard limit/);
    refuse('{"default-ulimits":{"bogus":{"Name":"bogus","Soft":1,"Hard":1}}}', /invalid ulimit type: bogus/);
    refuse('{"features":{"buildkit":true}}', /feature "buildkit" is not supported by berth/);
    refuse('{"userland-proxy":true}', /userland-proxy is not supported by berth/);
    refuse('{"tlsverify":"yes"}', /cannot unmarshal string into Go struct field Config.tlsverify of type bool/);
    refuse('{"ip":"10.0.0.1"}', /ip is not supported by berth: ports publish on 0.0.0.0/);
    refuse('{"exec-opts":["native.cgroupdriver=systemd"]}', /exec-opt native.cgroupdriver=systemd is not supported by berth/);
    refuse('{"default-runtime":"nope"}', /default runtime nope does not exist/);
    // positive control: the same keys with good values
    const o = withFile(
      JSON.stringify({
        dns: ['8.8.8.8'],
        labels: ['a=b'],
        runtimes: { mine: { path: process.execPath } },
        'default-runtime': 'mine',
        'storage-driver': 'overlay2',
        'default-ipc-mode': 'shareable',
        'default-cgroupns-mode': 'private',
        'default-shm-size': '32M',
        'no-new-privileges': true,
        experimental: true,
        'default-ulimits': { nofile: { Name: 'nofile', Soft: 100, Hard: 200 } },
        features: { buildkit: false },
        'userland-proxy': false,
        'shutdown-timeout': 9,
        'exec-opts': ['native.cgroupdriver=cgroupfs'],
      }),
      (f) => parseDaemonArgs(['--config-file', f], {}),
    );
    assert.ok(typeof o === 'object');
    const e = o.engine;
    assert.deepEqual(
      [e.dns, e.labels, e.defaultRuntime, e.runtimes.mine.path, e.defaultIpcMode, e.defaultCgroupnsMode, e.shmSize, e.noNewPrivileges, e.experimental],
      [['8.8.8.8'], ['a=b'], 'mine', process.execPath, 'shareable', 'private', 32 * 1024 * 1024, true, true],
    );
    assert.deepEqual(e.defaultUlimits, [{ Name: 'nofile', Soft: 100, Hard: 200 }]);
    assert.equal(o.shutdownTimeoutSec, 9);
  });

  it('a setting given as a flag and in the file is refused, naming both values', () => {
    withFile('{"log-level":"info","labels":["a=b"]}', (f) => {
      assert.throws(
        () => parseDaemonArgs(['--config-file', f, '--log-level', 'debug', '--label', 'c=d'], {}),
        /^Error: unable to configure the Docker daemon with file .*daemon.json: the following directives are specified both as a flag and in the configuration file: log-level: \(from flag: debug, from file: info\), labels: \(from flag: \[c=d\], from file: \[a=b\]\)$/,
      );
      // positive control: flags for other keys are fine
      assert.ok(typeof parseDaemonArgs(['--config-file', f, '--mtu', '1400'], {}) === 'object');
    });
    // a missing default file is no error; a missing named one is
    assert.throws(() => parseDaemonArgs(['--config-file', '/nonexistent/daemon.json'], {}), /open \/nonexistent\/daemon.json: no such file or directory/);
  });

  it('environment knobs join the table: used when neither flag nor file sets the key', () => {
    withFile('{}', (f) => {
      const o = parseDaemonArgs(['--config-file', f], { BERTH_LOG_LEVEL: 'warn', BERTH_UPLOAD_CHUNK_SIZE: '4096', BERTHD_CRASH_AT: 'start.created' });
      assert.ok(typeof o === 'object');
      assert.equal(o.engine.logLevel, 'warn');
      assert.equal(o.engine.registry.uploadChunkSize, 4096);
      assert.equal(o.crashAt, 'start.created');
      const f2 = parseDaemonArgs(['--config-file', f, '--log-level', 'error'], { BERTH_LOG_LEVEL: 'warn' });
      assert.ok(typeof f2 === 'object' && f2.engine.logLevel === 'error');
      assert.throws(() => parseDaemonArgs(['--config-file', f], { BERTH_UPLOAD_CHUNK_SIZE: 'big' }), /invalid value "big" for BERTH_UPLOAD_CHUNK_SIZE/);
    });
  });

  it('the reloadable keys are dockerd’s', () => {
    const reload = optionKeys.filter((k) => optionDef(k).reload).sort();
    assert.deepEqual(reload, [
      'debug',
      'default-runtime',
      'insecure-registries',
      'labels',
      'live-restore',
      'log-level',
      'max-concurrent-downloads',
      'max-concurrent-uploads',
      'max-download-attempts',
      'registry-mirrors',
    ]);
    assert.ok(Object.keys(OPTIONS).length > 40);
  });
});
