// Where `berth build` puts its result, as buildx's --output says it:
// `type=image` (the daemon's image store, tagged with `name=`, pushed with
// `push=true`; `docker` and `registry` are its aliases), `type=local,dest=DIR`
// (the final stage's files), `type=tar,dest=FILE|-`, `type=docker|oci,dest=FILE|-`
// (an image archive `docker load` takes: GET /images/get, which writes both the
// docker and the OCI layout), and the shorthands `-o DIR` (local) and `-o -`
// (tar on stdout). The daemon always builds an image; the files of local/tar
// come from berthd's GET /images/{id}/export (the image's filesystem, no
// container involved) and are written here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ApiClient } from '../client/api';
import { jsonLines } from '../client/streams';
import { StatusError } from './command';
import { csvRecord } from '../common/csv';

export type OutputSpec =
  | { type: 'local'; dest: string }
  | { type: 'tar'; dest: string }
  | { type: 'image'; names: string[]; push: boolean }
  | { type: 'archive'; format: 'docker' | 'oci'; dest: string; names: string[] };

/** Go's encoding/csv for one record (buildx reads --output so): quotes group commas. */
function csv(s: string): string[] {
  const f = csvRecord(s);
  if (!f) throw new StatusError(`invalid output ${JSON.stringify(s)}: extraneous or missing " in quoted-field`, 1);
  return f;
}

const nameList = (attrs: Map<string, string>) =>
  (attrs.get('name') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);

const bad = (spec: string, why: string) => new StatusError(`invalid output ${JSON.stringify(spec)}: ${why}`, 1);

export function parseOutput(spec: string): OutputSpec {
  if (spec === '-') return { type: 'tar', dest: '-' };
  if (!spec.includes('=')) {
    if (spec === '') throw bad(spec, 'an empty output');
    return { type: 'local', dest: spec };
  }
  const attrs = new Map<string, string>();
  for (const field of csv(spec)) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw bad(spec, `invalid value ${JSON.stringify(field)}: expected key=value`);
    attrs.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1));
  }
  const type = attrs.get('type');
  if (!type) throw bad(spec, 'type is required for output');
  const dest = attrs.get('dest') ?? '';
  switch (type) {
    case 'local':
      if (!dest) throw bad(spec, 'dest is required for local output');
      if (dest === '-') throw bad(spec, 'local output cannot be written to stdout: use type=tar');
      return { type: 'local', dest };
    case 'tar':
      if (!dest) throw bad(spec, 'dest is required for tar output');
      return { type: 'tar', dest };
    case 'oci':
      if (!dest) throw bad(spec, 'dest is required for oci output');
      return { type: 'archive', format: 'oci', dest, names: nameList(attrs) };
    case 'image':
    case 'docker':
    case 'registry': {
      // type=docker with a dest is an archive; without, the image store
      if (type === 'docker' && dest) return { type: 'archive', format: 'docker', dest, names: nameList(attrs) };
      const push = type === 'registry' || /^(1|true)$/i.test(attrs.get('push') ?? '');
      if (attrs.has('push') && !/^(0|1|true|false)$/i.test(attrs.get('push')!)) throw bad(spec, `invalid value for push: ${JSON.stringify(attrs.get('push'))}`);
      const names = nameList(attrs);
      if (dest) throw bad(spec, `dest is not supported for type=${type}: the image goes to the daemon's store`);
      if (push && names.length === 0) throw bad(spec, 'push=true needs a name= to push to');
      return { type: 'image', names, push };
    }
    default:
      throw bad(spec, `unsupported output type ${JSON.stringify(type)}: berth exports type=image (docker, registry), local and tar`);
  }
}

export function parseOutputs(specs: string[]): OutputSpec[] {
  const out = specs.map(parseOutput);
  if (out.filter((o) => o.type !== 'image' && o.dest === '-').length > 1) throw new StatusError('invalid output: only one output can be written to stdout', 1);
  return out;
}

/** Writes a local or tar output of the built image. */
export async function writeFilesOutput(api: ApiClient, id: string, o: OutputSpec): Promise<void> {
  if (o.type === 'image') return;
  if (o.type === 'archive') {
    // named: the archive says which tags it holds (they were given to the build as -t)
    const res = await api.stream('GET', '/images/get', { query: { names: o.names.length ? o.names : [id] } });
    if (o.dest === '-') await pipeline(res, process.stdout, { end: false });
    else await pipeline(res, fs.createWriteStream(o.dest));
    return;
  }
  const res = await api.stream('GET', `/images/${id}/export`);
  if (o.type === 'tar') {
    if (o.dest === '-') await pipeline(res, process.stdout, { end: false });
    else await pipeline(res, fs.createWriteStream(o.dest));
    return;
  }
  const dest = path.resolve(o.dest);
  fs.mkdirSync(dest, { recursive: true });
  // confined to dest, as docker cp extracts: a hostile image cannot write outside it
  const archive = require('../archive') as typeof import('../archive');
  await archive.extractInto(res, dest, '/', { noOverwriteDirNonDir: false, copyUIDGID: false, ignoreOwnership: true, destName: o.dest });
}

/** Pushes one name; resolves with the manifest digest the registry got. */
export async function pushOutput(api: ApiClient, name: string, headers: Record<string, string>, write: (s: string) => void): Promise<string> {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const repo = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : 'latest';
  const res = await api.stream('POST', `/images/${repo}/push`, { query: { tag }, headers });
  let digest = '';
  let err = '';
  await jsonLines<{
    status?: string;
    id?: string;
    error?: string;
    errorDetail?: { message?: string };
    aux?: { Digest?: string };
    progressDetail?: { current?: number };
  }>(res, (m) => {
    if (m.error || m.errorDetail) err ||= m.errorDetail?.message ?? m.error ?? 'push failed';
    if (m.aux?.Digest) digest = m.aux.Digest;
    if (m.status && !m.progressDetail?.current) write(`${m.id ? m.id + ': ' : ''}${m.status}\n`);
  });
  if (err) throw new StatusError(err, 1);
  return digest;
}
