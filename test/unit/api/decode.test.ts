// The API's request decoders against what dockerd (Go's encoding/json into
// moby's types) answers for the same bodies. The expected texts were taken
// from Go 1.26's decoder on structs of moby's shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonBytes } from '../../../src/api/decode/body';
import { decodeCommitConfig, decodeCreateContainer, decodeUpdate, hostConfig } from '../../../src/api/decode/container';
import { HOST_CONFIG_USE } from '../../../src/engine/containers/spec';
import { decodeExecCreate, decodeExecStart } from '../../../src/api/decode/exec';
import { decodeNetworkConnect, decodeNetworkCreate, decodeNetworkDisconnect } from '../../../src/api/decode/network';
import { decodeVolumeCreate } from '../../../src/api/decode/volume';
import { buildArgsParam, labelsParam, ulimitsParam } from '../../../src/api/decode/build';
import { decodePullReference } from '../../../src/api/decode/image';
import { readGoJson, unmarshalGoJson, JsonSyntaxError } from '../../../src/api/decode/json';
import { defaultHostConfig } from '../../../src/container';
import { InvalidArgument } from '../../../src/util/errors';
import { errorResponse } from '../../../src/api/errors';

const create = (body: string) => decodeJsonBytes(Buffer.from(body), (v) => decodeCreateContainer(v, {}), { empty: 'refuse' });
const refused = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidArgument, `expected InvalidArgument, got ${e}`);
    return e.message;
  }
  assert.fail('was accepted');
};
const cannot = (what: string, where: string, type: string) => `invalid JSON: json: cannot unmarshal ${what} into Go struct field ${where} of type ${type}`;

describe('container create decoding', () => {
  it("refuses wrong JSON types with Go's message naming the field and type", () => {
    const cases: Array<[string, string]> = [
      ['{"HostConfig":{"Privileged":"false"}}', cannot('string', 'HostConfig.HostConfig.Privileged', 'bool')],
      ['{"HostConfig":{"Privileged":1}}', cannot('number', 'HostConfig.HostConfig.Privileged', 'bool')],
      ['{"HostConfig":{"Privileged":{}}}', cannot('object', 'HostConfig.HostConfig.Privileged', 'bool')],
      ['{"HostConfig":{"Privileged":[]}}', cannot('array', 'HostConfig.HostConfig.Privileged', 'bool')],
      ['{"HostConfig":{"AutoRemove":"false"}}', cannot('string', 'HostConfig.HostConfig.AutoRemove', 'bool')],
      ['{"HostConfig":{"ReadonlyRootfs":"false"}}', cannot('string', 'HostConfig.HostConfig.ReadonlyRootfs', 'bool')],
      ['{"HostConfig":{"Memory":"str"}}', cannot('string', 'HostConfig.HostConfig.Resources.Memory', 'int64')],
      ['{"HostConfig":{"Memory":1.5}}', cannot('number 1.5', 'HostConfig.HostConfig.Resources.Memory', 'int64')],
      ['{"HostConfig":{"Memory":1e3}}', cannot('number 1e3', 'HostConfig.HostConfig.Resources.Memory', 'int64')],
      ['{"HostConfig":{"Memory":99999999999999999999}}', cannot('number 99999999999999999999', 'HostConfig.HostConfig.Resources.Memory', 'int64')],
      ['{"HostConfig":{"BlkioWeight":-1}}', cannot('number -1', 'HostConfig.HostConfig.Resources.BlkioWeight', 'uint16')],
      ['{"HostConfig":{"PidsLimit":"1"}}', cannot('string', 'HostConfig.HostConfig.Resources.PidsLimit', 'int64')],
      ['{"HostConfig":{"RestartPolicy":{"Name":1}}}', cannot('number', 'RestartPolicy.HostConfig.RestartPolicy.Name', 'container.RestartPolicyMode')],
      ['{"HostConfig":{"Ulimits":[{"Name":1}]}}', cannot('number', 'Ulimit.HostConfig.Resources.Ulimits.Name', 'string')],
      ['{"HostConfig":{"Ulimits":[1]}}', cannot('number', 'HostConfig.HostConfig.Resources.Ulimits', 'units.Ulimit')],
      ['{"HostConfig":{"ConsoleSize":[1,"a"]}}', cannot('string', 'HostConfig.HostConfig.ConsoleSize', 'uint')],
      ['{"HostConfig":{"ConsoleSize":"x"}}', cannot('string', 'HostConfig.HostConfig.ConsoleSize', '[2]uint')],
      ['{"HostConfig":{"Tmpfs":{"a":1}}}', cannot('number', 'HostConfig.HostConfig.Tmpfs', 'string')],
      ['{"HostConfig":{"Binds":"a"}}', cannot('string', 'HostConfig.HostConfig.Binds', '[]string')],
      ['{"HostConfig":{"CapAdd":1}}', cannot('number', 'HostConfig.HostConfig.CapAdd', 'string')],
      ['{"HostConfig":{"CapAdd":[1]}}', cannot('array', 'HostConfig.HostConfig.CapAdd', 'string')],
      ['{"HostConfig":"x"}', cannot('string', 'CreateRequest.HostConfig', 'container.HostConfig')],
      ['{"Env":"A=1"}', cannot('string', 'CreateRequest.Config.Env', '[]string')],
      ['{"Env":[1]}', cannot('number', 'CreateRequest.Config.Env', 'string')],
      ['{"Labels":{"a":1}}', cannot('number', 'CreateRequest.Config.Labels', 'string')],
      ['{"Labels":[]}', cannot('array', 'CreateRequest.Config.Labels', 'map[string]string')],
      ['{"Tty":"x"}', cannot('string', 'CreateRequest.Config.Tty', 'bool')],
      ['{"StopTimeout":"x"}', cannot('string', 'CreateRequest.Config.StopTimeout', 'int')],
      ['{"Cmd":{}}', cannot('object', 'CreateRequest.Config.Cmd', 'string')],
      ['{"Volumes":{"/a":1}}', cannot('number', 'CreateRequest.Config.Volumes', 'struct {}')],
      ['{"Healthcheck":{"Interval":"1s"}}', cannot('string', 'HealthConfig.Config.Healthcheck.Interval', 'time.Duration')],
      [
        '{"NetworkingConfig":{"EndpointsConfig":{"n":{"Aliases":"a"}}}}',
        cannot('string', 'EndpointSettings.NetworkingConfig.EndpointsConfig.Aliases', '[]string'),
      ],
      [
        '{"NetworkingConfig":{"EndpointsConfig":{"n":{"IPAMConfig":{"IPv4Address":1}}}}}',
        cannot('number', 'EndpointIPAMConfig.NetworkingConfig.EndpointsConfig.IPAMConfig.IPv4Address', 'string'),
      ],
      ['{"NetworkingConfig":{"EndpointsConfig":{"n":1}}}', cannot('number', 'NetworkingConfig.NetworkingConfig.EndpointsConfig', 'network.EndpointSettings')],
      ['{"hostconfig":{"privileged":"x"}}', cannot('string', 'HostConfig.HostConfig.Privileged', 'bool')],
      ['{"HostConfig":{"Privileged":true,"Privileged":"x"}}', cannot('string', 'HostConfig.HostConfig.Privileged', 'bool')],
      ['[]', 'invalid JSON: json: cannot unmarshal array into Go value of type container.CreateRequest'],
      ['"x"', 'invalid JSON: json: cannot unmarshal string into Go value of type container.CreateRequest'],
    ];
    for (const [body, want] of cases)
      assert.equal(
        refused(() => create(body)),
        want,
        body,
      );
  });

  it("refuses bodies that are not JSON with Go's syntax errors", () => {
    const cases: Array<[string, string]> = [
      ['', 'invalid JSON: got EOF while reading request body'],
      ['  ', 'invalid JSON: got EOF while reading request body'],
      ['{', 'invalid JSON: unexpected EOF'],
      ['{"A":1} x', 'invalid JSON: unexpected content after JSON'],
      ['{"A":x}', "invalid JSON: invalid character 'x' looking for beginning of value"],
      ['{"A" 1}', "invalid JSON: invalid character '1' after object key"],
      ['{"A":1,}', "invalid JSON: invalid character '}' looking for beginning of object key string"],
      ['[1,]', "invalid JSON: invalid character ']' looking for beginning of value"],
      ['{"A":"\\x"}', "invalid JSON: invalid character 'x' in string escape code"],
      ['{"A":"\x01"}', "invalid JSON: invalid character '\\x01' in string literal"],
      ['{"A":01}', "invalid JSON: invalid character '1' after object key:value pair"],
      ['{"A":1.}', "invalid JSON: invalid character '}' after decimal point in numeric literal"],
      ['{"A":1e}', "invalid JSON: invalid character '}' in exponent of numeric literal"],
      ['{"A":tru}', "invalid JSON: invalid character '}' in literal true (expecting 'e')"],
      ['{"A":"\\u12g4"}', "invalid JSON: invalid character 'g' in \\u hexadecimal character escape"],
      ["{'A':1}", "invalid JSON: invalid character '\\'' looking for beginning of object key string"],
      ['{"A":-}', "invalid JSON: invalid character '}' in numeric literal"],
      ['{"A":.5}', "invalid JSON: invalid character '.' looking for beginning of value"],
    ];
    for (const [body, want] of cases)
      assert.equal(
        refused(() => create(body)),
        want,
        JSON.stringify(body),
      );
    // Go's Decoder stops at the value: a closing bracket after it is not "content"
    assert.equal(create('{"Image":"b"}}').config?.Image, 'b');
  });

  it('decodes a good body: defaults for what is left out, null as Go, unknown keys ignored, keys matched case-insensitively', () => {
    const r = create(
      '{"Image":"busybox","Cmd":"true","Env":null,"Labels":{"a":"1"},"Bogus":{"x":[1]},"hostconfig":{"privileged":true,"Memory":null,"Binds":null,"PidsLimit":null,"RestartPolicy":{"Name":"always"},"Ulimits":[{"Name":"nofile","Soft":1,"Hard":2}]},' +
        '"NetworkingConfig":{"EndpointsConfig":{"n":{"Aliases":["x"],"IPAMConfig":null}}}}',
    );
    assert.deepEqual(r.config, { Image: 'busybox', Cmd: ['true'], Env: null, Labels: { a: '1' } });
    const want = {
      ...defaultHostConfig(),
      Privileged: true,
      RestartPolicy: { Name: 'always', MaximumRetryCount: 0 },
      Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 2 }],
    };
    assert.deepEqual(r.hostConfig, want);
    assert.deepEqual(r.networkingConfig, { EndpointsConfig: { n: { Aliases: ['x'], IPAMConfig: null } } });
    // positive control for the refusals: the right types pass
    assert.equal(
      create('{"Image":"b","HostConfig":{"Privileged":false,"AutoRemove":false,"ReadonlyRootfs":false,"Memory":1048576}}').hostConfig.Memory,
      1048576,
    );
  });

  it('takes no body field as no Config, and a "__proto__" label as data', () => {
    assert.equal(create('{}').config, undefined);
    assert.deepEqual(create('{"HostConfig":{}}').hostConfig, defaultHostConfig());
    const r = create('{"Image":"b","Labels":{"__proto__":"x"}}');
    assert.equal(Object.getPrototypeOf(r.config!.Labels), Object.prototype);
    assert.equal(r.config!.Labels!['__proto__'], 'x');
  });

  it('has one decoder entry and one place of effect for every HostConfig field', () => {
    const decoded = hostConfig.fields.sort();
    assert.deepEqual(decoded, Object.keys(HOST_CONFIG_USE).sort());
    for (const k of Object.keys(defaultHostConfig())) assert.ok(decoded.includes(k), k);
  });

  it('decodes update and commit bodies', () => {
    const up = (b: string) => decodeJsonBytes(Buffer.from(b), decodeUpdate);
    assert.deepEqual(up('{"Memory":1024,"RestartPolicy":{"Name":"","MaximumRetryCount":0}}'), {
      Memory: 1024,
      RestartPolicy: { Name: '', MaximumRetryCount: 0 },
    });
    assert.deepEqual(up(''), {});
    assert.equal(
      refused(() => up('{"Memory":"1g"}')),
      cannot('string', 'UpdateConfig.Resources.Memory', 'int64'),
    );
    assert.equal(
      refused(() => up('{"RestartPolicy":{"MaximumRetryCount":"3"}}')),
      cannot('string', 'RestartPolicy.RestartPolicy.MaximumRetryCount', 'int'),
    );
    const commit = (b: string) => decodeJsonBytes(Buffer.from(b), decodeCommitConfig);
    assert.deepEqual(commit('{"Cmd":["sh"],"Env":["A=1"]}'), { Cmd: ['sh'], Env: ['A=1'] });
    assert.equal(commit('null'), undefined);
    assert.equal(
      refused(() => commit('{"Env":"A=1"}')),
      cannot('string', 'CreateRequest.Config.Env', '[]string'),
    );
  });
});

describe('exec, network and volume decoding', () => {
  it('decodes exec create and start', () => {
    const ex = (b: string) => decodeJsonBytes(Buffer.from(b), decodeExecCreate);
    assert.deepEqual(ex('{"Cmd":["ls"],"Tty":true,"ConsoleSize":[10,20],"Env":null}'), { Cmd: ['ls'], Tty: true, ConsoleSize: [10, 20], Env: null });
    assert.equal(
      refused(() => ex('{"Cmd":"ls"}')),
      cannot('string', 'ExecOptions.Cmd', '[]string'),
    );
    // docker-py spells some keys in lower camel case: Go matches them regardless of case
    assert.deepEqual(ex('{"cmd":["ls"],"detachKeys":"ctrl-a","attachstdout":true}'), { Cmd: ['ls'], DetachKeys: 'ctrl-a', AttachStdout: true });
    assert.equal(
      refused(() => ex('{"Privileged":"false"}')),
      cannot('string', 'ExecOptions.Privileged', 'bool'),
    );
    assert.equal(
      refused(() => ex('{"ConsoleSize":[1,-1]}')),
      cannot('number -1', 'ExecOptions.ConsoleSize', 'uint'),
    );
    const st = (b: string) => decodeJsonBytes(Buffer.from(b), decodeExecStart);
    assert.deepEqual(st('{"Detach":true}'), { Detach: true });
    assert.deepEqual(st(''), {});
    assert.equal(
      refused(() => st('{"Detach":"x"}')),
      cannot('string', 'ExecStartOptions.Detach', 'bool'),
    );
  });

  it('decodes network create, connect and disconnect', () => {
    const nc = (b: string) => decodeJsonBytes(Buffer.from(b), decodeNetworkCreate);
    assert.deepEqual(nc('{"Name":"n","Internal":true,"IPAM":{"Config":[{"Subnet":"10.9.0.0/24"}]},"Labels":{"a":"b"}}'), {
      Name: 'n',
      Internal: true,
      IPAM: { Config: [{ Subnet: '10.9.0.0/24' }] },
      Labels: { a: 'b' },
    });
    assert.equal(
      refused(() => nc('{"Name":1}')),
      cannot('number', 'CreateRequest.Name', 'string'),
    );
    assert.equal(
      refused(() => nc('{"Internal":"yes"}')),
      cannot('string', 'CreateRequest.CreateOptions.Internal', 'bool'),
    );
    assert.equal(
      refused(() => nc('{"IPAM":{"Config":[{"Subnet":1}]}}')),
      cannot('number', 'IPAMConfig.CreateOptions.IPAM.Config.Subnet', 'string'),
    );
    assert.equal(
      refused(() => nc('{"Labels":{"a":1}}')),
      cannot('number', 'CreateRequest.CreateOptions.Labels', 'string'),
    );
    const cn = (b: string) => decodeJsonBytes(Buffer.from(b), decodeNetworkConnect);
    assert.deepEqual(cn('{"Container":"c","EndpointConfig":{"Aliases":["a"]}}'), { Container: 'c', EndpointConfig: { Aliases: ['a'] } });
    assert.equal(
      refused(() => cn('{"Container":["c"]}')),
      cannot('array', 'ConnectOptions.Container', 'string'),
    );
    const dc = (b: string) => decodeJsonBytes(Buffer.from(b), decodeNetworkDisconnect);
    assert.deepEqual(dc('{"Container":"c","Force":true}'), { Container: 'c', Force: true });
    assert.equal(
      refused(() => dc('{"Container":"c","Force":"true"}')),
      cannot('string', 'DisconnectOptions.Force', 'bool'),
    );
  });

  it('decodes volume create', () => {
    const vc = (b: string) => decodeJsonBytes(Buffer.from(b), decodeVolumeCreate);
    assert.deepEqual(vc('{"Name":"v","DriverOpts":{"type":"tmpfs"}}'), { Name: 'v', DriverOpts: { type: 'tmpfs' } });
    assert.deepEqual(vc(''), {});
    assert.equal(
      refused(() => vc('{"Name":5}')),
      cannot('number', 'CreateOptions.Name', 'string'),
    );
    assert.equal(
      refused(() => vc('{"Labels":{"a":true}}')),
      cannot('bool', 'CreateOptions.Labels', 'string'),
    );
  });

  it('reads build parameters as dockerd does (json.Unmarshal)', () => {
    const q = (k: string, v: string) => new URLSearchParams([[k, v]]);
    assert.deepEqual(buildArgsParam(q('buildargs', '{"A":"1","B":null}')), { A: '1', B: null });
    assert.equal(
      refused(() => buildArgsParam(q('buildargs', '{"A":1}'))),
      'error reading build args: json: cannot unmarshal number into Go value of type string',
    );
    assert.equal(
      refused(() => buildArgsParam(q('buildargs', '{"A":"1"} x'))),
      "error reading build args: invalid character 'x' after top-level value",
    );
    assert.equal(
      refused(() => labelsParam(q('labels', '{"A":'))),
      'error reading labels: unexpected end of JSON input',
    );
    assert.equal(
      refused(() => ulimitsParam(q('ulimits', '[{"Name":1}]'))),
      'error reading ulimit settings: json: cannot unmarshal number into Go struct field Ulimit.Name of type string',
    );
    assert.deepEqual(ulimitsParam(q('ulimits', '[{"Name":"nofile","Soft":1,"Hard":2}]')), [{ Name: 'nofile', Soft: 1, Hard: 2 }]);
  });
});

describe('pull references', () => {
  it('joins fromImage and tag as dockerd does and parses them once', () => {
    const pr = (img: string, tag = '') => decodePullReference(img, tag);
    assert.deepEqual(pr('busybox'), {
      ref: { repo: 'busybox', domain: 'docker.io', path: 'library/busybox', tag: undefined, digest: undefined },
      allTags: true,
    });
    assert.deepEqual(pr('busybox', '1.36').ref, { repo: 'busybox', domain: 'docker.io', path: 'library/busybox', tag: '1.36', digest: undefined });
    assert.equal(pr('busybox', '1.36').allTags, false);
    // a tag that is a digest joins with '@'
    const dg = `sha256:${'a'.repeat(64)}`;
    assert.equal(pr('busybox', dg).ref.digest, dg);
    assert.equal(pr('busybox', dg).ref.tag, undefined);
    // a registry port is not a tag: no tag anywhere is `pull -a`
    assert.equal(pr('localhost:5000/x/y').allTags, true);
    assert.equal(pr('localhost:5000/x/y:v1').ref.tag, 'v1');
    assert.equal(pr('localhost:5000/x/y:v1').allTags, false);
    assert.throws(() => pr('busybox', 'bad tag'), { status: 400, message: 'invalid reference format' });
    assert.throws(() => pr('Busybox'), { status: 400, message: 'invalid reference format: repository name (library/Busybox) must be lowercase' });
  });
});

describe('JSON reading and error responses', () => {
  it('keeps numbers as written and every key in order', () => {
    const v = readGoJson(Buffer.from(' {"a":1e3,"a":[true,null,"\\u00e9\\n"]} '));
    assert.deepEqual(JSON.parse(JSON.stringify(v)), {
      entries: [
        ['a', { raw: '1e3' }],
        ['a', [true, null, 'é\n']],
      ],
    });
    assert.throws(
      () => unmarshalGoJson(''),
      (e: unknown) => e instanceof JsonSyntaxError && e.message === 'unexpected end of JSON input',
    );
  });

  it('maps kinds to statuses and keeps JavaScript and host-path text out of bodies', () => {
    assert.deepEqual(errorResponse(new InvalidArgument('bad')), { status: 400, message: 'bad', fault: false });
    const js = errorResponse(new TypeError('own is not iterable'));
    assert.equal(js.status, 500);
    assert.doesNotMatch(js.message, /iterable/);
    const errno = Object.assign(new Error("ENAMETOOLONG: name too long, mkdir '/var/lib/berth/volumes/aaaa'"), {
      code: 'ENAMETOOLONG',
      syscall: 'mkdir',
      path: '/var/lib/berth/volumes/aaaa',
    });
    assert.deepEqual(errorResponse(errno), { status: 500, message: 'mkdir: file name too long', fault: true });
  });
});
