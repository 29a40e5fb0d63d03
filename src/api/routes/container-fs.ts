// /containers/{id}/archive (HEAD, GET, PUT), /changes, /export.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Backend } from '../../engine';
import { badRequest } from '../../util/errors';
import { ClientStream } from '../client-stream';
import { sendJson } from '../http';
import { boolParam, type Router } from '../router';

/** Streams a tar body; a failure mid-stream cuts the connection (the status is already sent). */
function pipeToResponse(stream: Readable, res: ServerResponse): Promise<void> {
  return new ClientStream(res).pipeFrom(stream);
}

function statHeader(stat: unknown): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

export function fsRoutes(r: Router, engine: Backend): void {
  const fsops = engine.containers.fs;

  r.head('/containers/{id}/archive', async ({ res, params, query }) => {
    const p = query.get('path');
    if (!p) throw badRequest('Path cannot be empty');
    const stat = await fsops.stat(params.id, p);
    res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/json' });
    res.end();
  });

  r.get('/containers/{id}/archive', async ({ res, params, query }) => {
    const p = query.get('path');
    if (!p) throw badRequest('Path cannot be empty');
    await fsops.archive(params.id, p, (stat, stream) => {
      res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/x-tar' });
      return pipeToResponse(stream, res);
    });
  });

  r.put('/containers/{id}/archive', async ({ req, res, params, query }) => {
    const p = query.get('path');
    if (!p) throw badRequest('Path cannot be empty');
    await fsops.extract(params.id, p, req, {
      noOverwriteDirNonDir: boolParam(query, 'noOverwriteDirNonDir'),
      copyUIDGID: boolParam(query, 'copyUIDGID'),
    });
    res.writeHead(200);
    res.end();
  });

  r.get('/containers/{id}/changes', async ({ res, params }) => {
    sendJson(res, 200, await fsops.changes(params.id));
  });

  r.get('/containers/{id}/export', async ({ res, params }) => {
    await fsops.export(params.id, (stream) => {
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      return pipeToResponse(stream, res);
    });
  });
}
