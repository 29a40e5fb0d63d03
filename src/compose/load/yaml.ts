// Reading one compose file: YAML 1.2 with merge keys (`<<: *anchor`) and the
// compose tags `!reset` (drop what earlier files set) and `!override` (replace
// instead of merging). Tagged values come back wrapped in Tagged so the merge
// can see them; every key's line is recorded so later errors can name it.
import * as YAML from 'yaml';

export class Tagged {
  constructor(
    readonly tag: 'reset' | 'override',
    readonly value: unknown,
  ) {}
}

export class ComposeYamlError extends Error {}

export interface ParsedFile {
  file: string;
  data: Record<string, unknown>;
  /** "services.web.ports[1]" -> 1-based line */
  lines: Map<string, number>;
}

function taggedMap(tag: 'reset' | 'override') {
  return class extends YAML.YAMLMap {
    override toJSON(_?: unknown, ctx?: unknown): unknown {
      return new Tagged(tag, super.toJSON(_ as string, ctx as never));
    }
  };
}
function taggedSeq(tag: 'reset' | 'override') {
  return class extends YAML.YAMLSeq {
    // typed as the base's array: the wrapper is unwrapped by the merge step only
    override toJSON(_?: unknown, ctx?: unknown): unknown[] {
      return new Tagged(tag, super.toJSON(_ as string, ctx as never)) as unknown as unknown[];
    }
  };
}

// "0644" is an octal file mode in compose files (YAML 1.1's reading, which
// Compose keeps); YAML 1.2 alone would read it as the decimal 644
const octal: YAML.ScalarTag = { tag: 'tag:yaml.org,2002:int', default: true, format: 'OCT', test: /^0[0-7]+$/, resolve: (s: string) => parseInt(s, 8) };

const composeTags: YAML.Tags = [
  ...(['reset', 'override'] as const).flatMap((t) => [
    { tag: `!${t}`, resolve: (s: string) => new Tagged(t, s === '' || s === 'null' || s === '~' ? null : s) } as YAML.ScalarTag,
    { tag: `!${t}`, collection: 'map', nodeClass: taggedMap(t), resolve: (m: YAML.YAMLMap) => m } as unknown as YAML.CollectionTag,
    { tag: `!${t}`, collection: 'seq', nodeClass: taggedSeq(t), resolve: (q: YAML.YAMLSeq) => q } as unknown as YAML.CollectionTag,
  ]),
];
// the octal reading goes before the schema's own int, which would match first
const customTags = (tags: YAML.Tags): YAML.Tags => [octal, ...tags, ...composeTags];

export function parseComposeYaml(text: string, file: string): ParsedFile {
  const lc = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true, customTags, lineCounter: lc, prettyErrors: true, strict: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new ComposeYamlError(`yaml: ${pos ? `line ${pos.line}: ` : ''}${e.message.split('\n')[0]} (${file})`);
  }
  const data = doc.toJS({ maxAliasCount: 10000 }) as unknown;
  if (data === null || data === undefined) throw new ComposeYamlError('empty compose file');
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Tagged) throw new ComposeYamlError(`Top-level object must be a mapping (${file})`);
  const lines = new Map<string, number>();
  const walk = (node: unknown, p: string) => {
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const k = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const kp = p ? `${p}.${k}` : k;
        const r = (pair.key as YAML.Node | undefined)?.range;
        if (r) lines.set(kp, lc.linePos(r[0]).line);
        walk(pair.value, kp);
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((it, i) => {
        const ip = `${p}[${i}]`;
        const r = (it as YAML.Node | undefined)?.range;
        if (r) lines.set(ip, lc.linePos(r[0]).line);
        walk(it, ip);
      });
    }
  };
  walk(doc.contents, '');
  return { file, data: data as Record<string, unknown>, lines };
}
