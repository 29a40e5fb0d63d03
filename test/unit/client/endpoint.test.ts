// Where the client connects: -H / DOCKER_HOST as the docker CLI parses them,
// the ssh command line that reaches a remote daemon, and the context store
// with the docker CLI's precedence (--context, -H, BERTH_HOST/DOCKER_HOST,
// DOCKER_CONTEXT, currentContext in config.json).
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostError, parseHost, sshArgs } from '../../../src/client/endpoint';
import {
  ContextError,
  ContextStore,
  DEFAULT_CONTEXT,
  resolveConnection,
  tlsFromFlags,
  validateContextName,
  type ConnectionOptions,
} from '../../../src/client/contexts';

describe('daemon host parsing', () => {
  it('reads unix, tcp and ssh hosts with the docker CLI defaults', () => {
    assert.deepEqual(parseHost('unix:///run/berth.sock'), { kind: 'unix', host: 'unix:///run/berth.sock', path: '/run/berth.sock' });
    assert.deepEqual(parseHost('/run/x.sock'), { kind: 'unix', host: 'unix:///run/x.sock', path: '/run/x.sock' });
    assert.deepEqual(parseHost('tcp://10.0.0.2'), { kind: 'tcp', host: 'tcp://10.0.0.2:2375', address: '10.0.0.2', port: 2375, tls: undefined });
    const tls = { verify: true, ca: '/c/ca.pem' };
    assert.deepEqual(parseHost('tcp://10.0.0.2', tls), { kind: 'tcp', host: 'tcp://10.0.0.2:2376', address: '10.0.0.2', port: 2376, tls });
    assert.deepEqual(parseHost('tcp://[::1]:2380/'), { kind: 'tcp', host: 'tcp://[::1]:2380', address: '::1', port: 2380, tls: undefined });
    assert.equal((parseHost('tcp://:2375') as { address: string }).address, '127.0.0.1');
    assert.deepEqual(parseHost('ssh://me@build.example:2222/run/berth.sock'), {
      kind: 'ssh',
      host: 'ssh://me@build.example:2222/run/berth.sock',
      user: 'me',
      address: 'build.example',
      port: 2222,
      socket: '/run/berth.sock',
    });
  });

  it('refuses what the docker CLI refuses, in its words', () => {
    const refuses = (h: string, msg: string) =>
      assert.throws(
        () => parseHost(h),
        (e) => e instanceof HostError && e.message === msg,
      );
    refuses('localhost:2375', 'unable to parse docker host `localhost:2375`');
    refuses('unix://', 'unable to parse docker host `unix://`');
    refuses('tcp://host:http', 'invalid port in docker host `tcp://host:http`');
    refuses('tcp://host:70000', 'invalid port in docker host `tcp://host:70000`');
    refuses('ssh://me:secret@host', 'plain-text password is not supported');
    refuses('ftp://host', 'Invalid bind address format: ftp://host');
  });

  it('runs ssh as the docker CLI does: no tty, bounded connect, "--" before the host', () => {
    const ep = parseHost('ssh://me@host:2222') as Extract<ReturnType<typeof parseHost>, { kind: 'ssh' }>;
    const a = sshArgs(ep);
    assert.deepEqual(a.slice(0, 9), ['-l', 'me', '-p', '2222', '-o', 'ConnectTimeout=30', '-T', '--', 'host']);
    assert.match(a[9], /system dial-stdio/);
    // a hostile "host" cannot become an ssh option
    assert.deepEqual(sshArgs(parseHost('ssh://-oProxyCommand=x') as typeof ep).slice(-3, -1), ['--', '-oProxyCommand=x']);
  });
});

describe('contexts', () => {
  let dir: string;
  let store: ContextStore;
  const env = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dir });
  const opts = (o: Partial<ConnectionOptions> = {}): ConnectionOptions => ({ hosts: [], tls: false, tlsVerify: false, ...o });
  const DEFAULT_HOST = 'unix:///run/berth.sock';

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-contexts-'));
    store = new ContextStore(dir);
    store.write(
      { Name: 'remote', Metadata: { Description: 'build box' }, Endpoints: { docker: { Host: 'tcp://10.1.2.3:2376', SkipTLSVerify: false } } },
      { 'ca.pem': Buffer.from('CA') },
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores contexts as the docker CLI does (meta/<sha256 of name>/meta.json) and lists them by name', () => {
    const hash = createHash('sha256').update('remote').digest('hex');
    assert.equal(store.get('remote').Metadata.Description, 'build box');
    assert.ok(fs.existsSync(path.join(dir, 'contexts', 'meta', hash, 'meta.json')));
    assert.ok(fs.existsSync(path.join(dir, 'contexts', 'tls', hash, 'docker', 'ca.pem')));
    store.write({ Name: 'alpha', Metadata: {}, Endpoints: { docker: { Host: 'unix:///a.sock' } } });
    assert.deepEqual(
      store.list().map((m) => m.Name),
      ['alpha', 'remote'],
    );
    assert.deepEqual(store.tlsFiles('remote'), ['ca.pem']);
    const ep = store.endpoint('remote');
    assert.equal(ep.kind, 'tcp');
    assert.deepEqual((ep as { tls?: object }).tls, { verify: true, ca: path.join(store.tlsDir('remote'), 'docker', 'ca.pem') });
    store.remove('alpha');
    assert.equal(store.exists('alpha'), false);
  });

  it('validates names: "default" is reserved', () => {
    assert.throws(() => validateContextName(DEFAULT_CONTEXT), { message: '"default" is a reserved context name' });
    assert.throws(() => validateContextName('-bad'), /context name "-bad" is invalid/);
    validateContextName('ok-name_1.x');
  });

  it('resolves with the docker CLI precedence', () => {
    // nothing set: the default host, not explicit (berth may start its daemon)
    assert.deepEqual(resolveConnection(opts(), DEFAULT_HOST, env(), store), { endpoint: parseHost(DEFAULT_HOST), context: 'default', explicit: false });
    // currentContext in config.json
    store.setCurrent('remote');
    const cur = resolveConnection(opts(), DEFAULT_HOST, env(), store);
    assert.deepEqual([cur.context, cur.endpoint.host, cur.explicit], ['remote', 'tcp://10.1.2.3:2376', true]);
    // DOCKER_HOST wins over the current context, with the docker CLI's warning
    const byEnv = resolveConnection(opts(), DEFAULT_HOST, { ...env(), DOCKER_HOST: 'unix:///env.sock' }, store);
    assert.deepEqual([byEnv.context, byEnv.endpoint.host], ['default', 'unix:///env.sock']);
    assert.match(byEnv.warning!, /^Warning: DOCKER_HOST environment variable overrides the active context/);
    // -H wins over both, --context over DOCKER_HOST
    assert.equal(
      resolveConnection(opts({ hosts: ['unix:///flag.sock'] }), DEFAULT_HOST, { ...env(), DOCKER_HOST: 'unix:///env.sock' }, store).endpoint.host,
      'unix:///flag.sock',
    );
    assert.equal(resolveConnection(opts({ context: 'default' }), DEFAULT_HOST, env(), store).endpoint.host, DEFAULT_HOST);
    store.setCurrent(DEFAULT_CONTEXT);
    assert.equal(resolveConnection(opts(), DEFAULT_HOST, { ...env(), DOCKER_CONTEXT: 'remote' }, store).context, 'remote');
  });

  it("refuses conflicting or missing choices with the docker CLI's messages", () => {
    const refuses = (o: ConnectionOptions, e: NodeJS.ProcessEnv, msg: string | RegExp) =>
      assert.throws(
        () => resolveConnection(o, DEFAULT_HOST, e, store),
        (err) => err instanceof ContextError && (typeof msg === 'string' ? err.message === msg : msg.test(err.message)),
      );
    refuses(opts({ hosts: ['unix:///a', 'unix:///b'] }), env(), 'Specify only one -H');
    refuses(opts({ hosts: ['unix:///a'], context: 'remote' }), env(), 'conflicting options: cannot specify both --host and --context');
    refuses(opts({ context: 'nope' }), env(), 'context "nope" does not exist');
    refuses(opts({ hosts: ['nonsense'] }), env(), 'unable to parse docker host `nonsense`');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    refuses(opts(), env(), /^current context "gone" is not found on the file system, please check your config file at /);
  });

  it('takes TLS from flags and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH', () => {
    assert.equal(tlsFromFlags(opts(), {}), undefined);
    assert.deepEqual(tlsFromFlags(opts(), { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }), {
      verify: true,
      ca: '/certs/ca.pem',
      cert: '/certs/cert.pem',
      key: '/certs/key.pem',
    });
    assert.deepEqual(tlsFromFlags(opts({ tls: true, tlsCaCert: '/x/ca.pem' }), { DOCKER_CONFIG: '/cfg' }), {
      verify: false,
      ca: '/x/ca.pem',
      cert: '/cfg/cert.pem',
      key: '/cfg/key.pem',
    });
  });
});
