// The API's edge on a private socket, with a router of its own: the version
// prefix (/v1.41/x and /x reach one handler, outside the supported range is
// Docker's 400), {param} patterns, 404/405, and the one table from error kind
// to status, with runtime internals kept out of the body.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Router, boolParam, intParam } from '../../../src/api/router';
import { API_VERSION, ApiServer, MIN_API_VERSION, cmpVersion } from '../../../src/api/server';
import { errorResponse, statusOfKind } from '../../../src/api/errors';
import { sendJson } from '../../../src/api/http';
import { Conflict, EngineError, InvalidArgument, NotFound, NotImplemented, Unavailable } from '../../../src/util/errors';
import { setupLogger } from '../../../src/util/log';

function get(socketPath: string, method: string, p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: p }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API server edge', () => {
  let dir: string;
  let sock: string;
  let server: ApiServer;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-api-'));
    sock = path.join(dir, 'api.sock');
    const r = new Router();
    r.get('/things/{id}/json', (c) => sendJson(c.res, 200, { id: c.params.id, version: c.version, all: boolParam(c.query, 'all') }));
    r.get('/images/{name*}/json', (c) => sendJson(c.res, 200, { name: c.params.name }));
    r.post('/things/{id}/count', (c) => sendJson(c.res, 200, { n: intParam(c.query, 'n') ?? null }));
    const throwing: Record<string, () => never> = {
      missing: () => {
        throw new NotFound('No such thing: x');
      },
      busy: () => {
        throw new Conflict('thing is busy');
      },
      legacy: () => {
        throw new EngineError(400, 'old-style bad request');
      },
      fault: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'Id')");
      },
      errno: () => {
        throw Object.assign(new Error("ENOENT: no such file or directory, open '/var/lib/berth/secret/path'"), { code: 'ENOENT', syscall: 'open' });
      },
    };
    r.get('/fail/{how}', (c) => throwing[c.params.how]());
    server = new ApiServer(r);
    await server.listen(`unix://${sock}`);
  });
  after(async () => {
    await server.close(100);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the same handler with and without a version prefix, and tells it the version', async () => {
    const plain = await get(sock, 'GET', '/things/abc/json');
    assert.equal(plain.status, 200);
    assert.deepEqual(plain.body, { id: 'abc', version: Number(API_VERSION), all: false });
    const old = await get(sock, 'GET', `/v${MIN_API_VERSION}/things/abc/json?all=1`);
    assert.deepEqual(old.body, { id: 'abc', version: Number(MIN_API_VERSION), all: true });
    assert.equal(plain.headers['api-version'], API_VERSION);
    assert.equal(plain.headers.ostype, 'linux');
    // a trailing slash is the same path
    assert.equal((await get(sock, 'GET', '/things/abc/json/')).status, 200);
  });

  it("refuses versions outside the supported range with Docker's words", async () => {
    const tooNew = await get(sock, 'GET', '/v9.99/things/abc/json');
    assert.equal(tooNew.status, 400);
    assert.equal(tooNew.body.message, `client version 9.99 is too new. Maximum supported API version is ${API_VERSION}`);
    const tooOld = await get(sock, 'GET', '/v1.12/things/abc/json');
    assert.equal(tooOld.status, 400);
    assert.equal(
      tooOld.body.message,
      `client version 1.12 is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
    assert.ok(cmpVersion('1.9', '1.10') < 0, 'versions compare by number, not text');
  });

  it('decodes {param}s; only a {name*} param spans slashes', async () => {
    assert.deepEqual((await get(sock, 'GET', '/things/a%20b/json')).body, { id: 'a b', version: Number(API_VERSION), all: false });
    assert.deepEqual((await get(sock, 'GET', '/images/localhost:5000/a/b:1/json')).body, { name: 'localhost:5000/a/b:1' });
    assert.equal((await get(sock, 'GET', '/things/a/b/json')).status, 404);
  });

  it('answers 404 for an unknown path and 405 for a known path with another method; HEAD follows GET', async () => {
    const nf = await get(sock, 'GET', '/nothing/here');
    assert.deepEqual([nf.status, nf.body], [404, { message: 'page not found' }]);
    const na = await get(sock, 'DELETE', '/things/abc/json');
    assert.deepEqual([na.status, na.body], [405, { message: 'method not allowed' }]);
    assert.equal((await get(sock, 'HEAD', '/things/abc/json')).status, 200);
  });

  it('maps error kinds to statuses and keeps runtime internals out of the body', async () => {
    setupLogger('fatal'); // the faults below are logged in full; keep the test output clean
    try {
      assert.deepEqual(await get(sock, 'GET', '/fail/missing').then((r) => [r.status, r.body.message]), [404, 'No such thing: x']);
      assert.deepEqual(await get(sock, 'GET', '/fail/busy').then((r) => [r.status, r.body.message]), [409, 'thing is busy']);
      assert.deepEqual(await get(sock, 'GET', '/fail/legacy').then((r) => [r.status, r.body.message]), [400, 'old-style bad request']);
      assert.deepEqual(await get(sock, 'GET', '/fail/fault').then((r) => [r.status, r.body.message]), [500, 'internal error: see the daemon log']);
      assert.deepEqual(await get(sock, 'GET', '/fail/errno').then((r) => [r.status, r.body.message]), [500, 'open: no such file or directory']);
      const bad = await get(sock, 'POST', '/things/abc/count?n=x');
      assert.deepEqual([bad.status, bad.body.message], [400, 'invalid value for n: x']);
      assert.deepEqual((await get(sock, 'POST', '/things/abc/count?n=3')).body, { n: 3 });
    } finally {
      setupLogger(process.env.BERTH_LOG_LEVEL ?? 'info');
    }
  });
});

describe('error table', () => {
  it('has one status per kind, as moby maps errdefs', () => {
    assert.deepEqual(
      (['invalid-argument', 'unauthorized', 'forbidden', 'not-found', 'conflict', 'not-modified', 'system', 'not-implemented', 'unavailable'] as const).map(
        statusOfKind,
      ),
      [400, 401, 403, 404, 409, 304, 500, 501, 503],
    );
  });

  it('marks only server-side failures as faults worth the log', () => {
    assert.deepEqual(errorResponse(new InvalidArgument('bad', 'HostConfig.Memory')), { status: 400, message: 'bad', fault: false });
    assert.deepEqual(errorResponse(new NotImplemented('no swarm')), { status: 501, message: 'no swarm', fault: true });
    // unavailable is an answer (a cluster-only feature), not a fault of the daemon
    assert.deepEqual(errorResponse(new Unavailable('This node is not a swarm manager.')), {
      status: 503,
      message: 'This node is not a swarm manager.',
      fault: false,
    });
    assert.deepEqual(errorResponse('a string'), { status: 500, message: 'a string', fault: true });
  });
});
