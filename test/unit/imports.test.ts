// The source tree's import rules (docs/architecture.md): no file-level import
// cycles; the Engine API and the CRI reach the engine only through its façade
// (src/engine/index.ts); and the clients (the berth CLI, berth compose) reach
// the daemon only through the API client, sharing only neutral folders with it.
// Imports are read from the sources (static imports, type imports and lazy
// require()s alike), so a rule broken by any of them fails.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');

function sources(): string[] {
  const out: string[] = [];
  (function walk(d: string) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push(p);
    }
  })(SRC);
  return out.sort();
}

/** file -> the project files it imports (relative specifiers resolved as tsc does). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources()) {
    const text = fs.readFileSync(f, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(/(?:\bfrom|\brequire\(|\bimport\()\s*'(\.[^']+)'/g)) {
      const base = path.resolve(path.dirname(f), m[1]);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
      if (hit) deps.add(hit);
    }
    g.set(f, [...deps]);
  }
  return g;
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let n = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(path.relative(SRC, w));
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

/**
 * Shared leaves the API and the CRI may import beside the engine façade: the
 * shared folders (below), the filters and the records' type modules (they import
 * only each other).
 */
const LEAVES = [
  'util/',
  'sys/',
  'common/',
  'archive/',
  'filters/',
  'container/types.ts',
  'container/defaults.ts',
  'image/types.ts',
  'network/types.ts',
  'registry/types.ts',
];
const isLeaf = (rel: string) => LEAVES.some((l) => (l.endsWith('/') ? rel.startsWith(l) : rel === l));

/** Imports from files under `layer` to anything but the layer itself, the engine façade and the leaves. */
function pastTheFacade(g: Map<string, string[]>, layer: string): string[] {
  const bad: string[] = [];
  for (const [f, deps] of g) {
    const rel = path.relative(SRC, f);
    if (!rel.startsWith(layer)) continue;
    for (const d of deps) {
      const r = path.relative(SRC, d);
      if (!r.startsWith(layer) && r !== 'engine/index.ts' && !isLeaf(r)) bad.push(`${rel} -> ${r}`);
    }
  }
  return bad;
}

// The client side talks to berthd only through the Engine API. What both sides
// use lives in shared folders, which import nothing from either side:
// common/ (Docker's parsers and formats: sizes, signals, ulimits, references,
// CIDRs, credentials, .dockerignore), util/ and sys/ (leaves), archive/ (tar in
// and out of a directory, confined to it: the daemon's pull and cp, the CLI's cp).
const CLIENT_SIDE = ['cli/', 'client/', 'compose/'];
const SHARED = ['common/', 'util/', 'sys/', 'archive/'];

/** Imports from files under one of `from` to files outside all of `allowed`, as "a -> b". */
function crossings(g: Map<string, string[]>, from: string[], allowed: string[]): string[] {
  const bad: string[] = [];
  for (const [f, deps] of g) {
    const rel = path.relative(SRC, f);
    if (!from.some((x) => rel.startsWith(x))) continue;
    for (const d of deps) {
      const r = path.relative(SRC, d);
      if (!allowed.some((x) => r.startsWith(x))) bad.push(`${rel} -> ${r}`);
    }
  }
  return bad;
}

describe('import rules', () => {
  it('finds cycles when there are some (positive control)', () => {
    const g = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/a.ts']],
      ['/c.ts', []],
    ]);
    assert.equal(cycles(g).length, 1);
  });

  it('has no file-level import cycle anywhere in src', () => {
    assert.deepEqual(cycles(graph()), []);
  });

  it('keeps the shared leaves leaves: they import only each other', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph()) {
      const rel = path.relative(SRC, f);
      if (!isLeaf(rel)) continue;
      for (const d of deps) if (!isLeaf(path.relative(SRC, d))) bad.push(`${rel} -> ${path.relative(SRC, d)}`);
    }
    assert.deepEqual(bad, []);
  });

  it('sees an import past the façade when there is one (positive control)', () => {
    const g = new Map([
      [path.join(SRC, 'api/routes/x.ts'), [path.join(SRC, 'engine/index.ts'), path.join(SRC, 'util/log.ts'), path.join(SRC, 'api/http.ts')]],
      [path.join(SRC, 'api/routes/y.ts'), [path.join(SRC, 'engine/containers/service.ts')]],
    ]);
    assert.deepEqual(pastTheFacade(g, 'api/'), ['api/routes/y.ts -> engine/containers/service.ts']);
  });

  it('keeps the Engine API on the engine façade: api/ imports engine/index.ts, its own files and the shared leaves', () => {
    assert.deepEqual(pastTheFacade(graph(), 'api/'), []);
  });

  it('keeps the CRI on the engine façade too', () => {
    assert.deepEqual(pastTheFacade(graph(), 'cri/'), []);
  });

  it('finds an import across sides when there is one (positive control)', () => {
    const g = new Map([
      [path.join(SRC, 'cli/a.ts'), [path.join(SRC, 'common/b.ts'), path.join(SRC, 'runtime/c.ts')]],
      [path.join(SRC, 'common/b.ts'), [path.join(SRC, 'util/d.ts')]],
    ]);
    assert.deepEqual(crossings(g, CLIENT_SIDE, [...CLIENT_SIDE, ...SHARED]), ['cli/a.ts -> runtime/c.ts']);
  });

  it('keeps the clients (berth CLI, API client, berth compose) off daemon-side code: they import only their own and shared folders', () => {
    assert.deepEqual(crossings(graph(), CLIENT_SIDE, [...CLIENT_SIDE, ...SHARED]), []);
  });

  it('keeps the shared folders neutral: they import neither side', () => {
    assert.deepEqual(crossings(graph(), SHARED, SHARED), []);
  });
});
