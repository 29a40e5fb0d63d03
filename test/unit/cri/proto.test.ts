// berth's CRI definition against the published runtime.v1 contract: every
// service method, message, field (name, number, type, label) and enum value
// berth declares must be the contract's, since that is what a kubelet speaks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_PATH } from '../../../src/cri/proto';

const REFERENCE = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'reference', 'cri', 'api.proto');
const refPath = [REFERENCE, '/work/shared/reference/cri/api.proto'].find((p) => fs.existsSync(p));

interface Field {
  name: string;
  number: number;
  type: string;
  label: string;
  typeName: string;
}

const load = (p: string) => protoLoader.loadSync(p, { keepCase: true });

function messages(def: protoLoader.PackageDefinition): Map<string, Field[]> {
  const out = new Map<string, Field[]>();
  for (const [k, v] of Object.entries(def)) {
    const t = v as { format?: string; type?: { field: Field[] } };
    if (t.format === 'Protocol Buffer 3 DescriptorProto' && t.type) out.set(k, t.type.field);
  }
  return out;
}

function enums(def: protoLoader.PackageDefinition): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [k, v] of Object.entries(def)) {
    const t = v as { format?: string; type?: { value: Array<{ name: string; number: number }> } };
    if (t.format === 'Protocol Buffer 3 EnumDescriptorProto' && t.type) out.set(k, new Map(t.type.value.map((e) => [e.name, e.number])));
  }
  return out;
}

function methods(def: protoLoader.PackageDefinition, svc: string): Map<string, { req: string; res: string; rs: boolean; ss: boolean }> {
  const s = def[`runtime.v1.${svc}`] as protoLoader.ServiceDefinition;
  const out = new Map();
  for (const [name, m] of Object.entries(s))
    out.set(name, {
      req: (m.requestType.type as { name: string }).name,
      res: (m.responseType.type as { name: string }).name,
      rs: m.requestStream,
      ss: m.responseStream,
    });
  return out;
}

function fieldProblems(mine: protoLoader.PackageDefinition, ref: protoLoader.PackageDefinition): string[] {
  const b = messages(ref);
  const out: string[] = [];
  for (const [name, fields] of messages(mine)) {
    const theirs = b.get(name);
    if (!theirs) {
      out.push(`message ${name} is not in runtime.v1`);
      continue;
    }
    for (const f of fields) {
      const t: Field | undefined = theirs.find((x) => x.number === f.number);
      if (!t) out.push(`${name}.${f.name} (${f.number}) is not in runtime.v1`);
      else if (t.name !== f.name || t.type !== f.type || t.label !== f.label || t.typeName !== f.typeName)
        out.push(`${name} field ${f.number}: ${f.name} ${f.type} ${f.typeName} differs from ${t.name} ${t.type} ${t.typeName}`);
    }
  }
  return out;
}

describe('CRI proto', { skip: !refPath && 'the reference runtime.v1 api.proto is not on this machine' }, () => {
  const mine = load(PROTO_PATH);
  const ref = load(refPath!);

  it('serves only methods of the contract, with its request and response types', () => {
    for (const svc of ['RuntimeService', 'ImageService']) {
      const a = methods(mine, svc);
      const b = methods(ref, svc);
      assert.ok(a.size >= 5);
      for (const [name, m] of a) assert.deepEqual(m, b.get(name), `${svc}.${name}`);
    }
  });

  it('declares every message field as the contract does', () => {
    assert.ok(messages(mine).size > 50);
    assert.deepEqual(fieldProblems(mine, ref), []);
  });

  it('would see a field that differs from the contract (control)', () => {
    const tmp = fs.mkdtempSync('/tmp/berth-proto-');
    try {
      const text = fs.readFileSync(PROTO_PATH, 'utf8').replace('int64 cpu_shares = 3;', 'int64 cpu_shares = 30;');
      fs.writeFileSync(path.join(tmp, 'x.proto'), text);
      assert.deepEqual(fieldProblems(load(path.join(tmp, 'x.proto')), ref), ['runtime.v1.LinuxContainerResources.cpu_shares (30) is not in runtime.v1']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('leaves out of a message only Windows fields', () => {
    const a = messages(mine);
    const b = messages(ref);
    for (const [name, fields] of a) {
      const missing = b
        .get(name)!
        .filter((t) => !fields.some((f) => f.number === t.number))
        .map((t) => t.name);
      for (const m of missing) assert.match(m, /windows/i, `${name}.${m} is missing from berth's definition`);
    }
  });

  it('gives enum values the contract numbers', () => {
    const a = enums(mine);
    const b = enums(ref);
    assert.ok(a.size >= 8);
    for (const [name, values] of a) {
      assert.deepEqual([...values], [...(b.get(name) ?? new Map())], name);
    }
  });

  it('is not a copy of the reference file', () => {
    // the product carries its own definition (reference/cri/README.md)
    assert.notEqual(fs.readFileSync(PROTO_PATH, 'utf8'), fs.readFileSync(refPath!, 'utf8'));
  });
});
