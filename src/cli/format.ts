// The docker CLI's list formatter: `table` (aligned columns with a header
// line), `table <template>`, `json` (one object per row) and raw templates
// (one execution per row), plus `inspect -f` style single renders.

import { TemplateError, dockerFuncs, marshalFields, parseTemplate } from './template';
import { hasField, runeCount } from './template/values';
import { StatusError } from './command';
import { rawObject, typedObject, type InspectKind } from './inspect-types';

export interface FormatSpec<Row extends object = object> {
  /** Used for an empty format and for plain "table", e.g. "table {{.ID}}\t{{.Image}}". */
  defaultTable: string;
  /** Header text per field, e.g. { ID: 'CONTAINER ID' }; other fields get their upper-cased name. */
  headers: Partial<Record<Extract<keyof Row, string>, string>> & Record<string, string>;
  /** Template for quiet output when no custom format is given; default "{{.ID}}". */
  quietFormat?: string;
  /** Headers of methods that take arguments, e.g. {{.Label "com.x.name"}} heads as "name". */
  headerMethods?: Record<string, (...args: string[]) => string>;
  /** How an execution error is introduced; docker's default is "template parsing error". */
  execErrorPrefix?: string;
}

export interface RenderOptions {
  quiet?: boolean;
}

const TABLE = 'table';
const JSON_KEY = 'json';

function wrap(e: unknown): never {
  if (e instanceof TemplateError) throw new TemplateError(`template parsing error: ${e.message}`);
  throw e;
}

/** Format text as docker prepares it: spaces trimmed, typed "\t" and "\n" made real. */
function prepare(format: string): string {
  return format.replace(/^ +| +$/g, '').replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
}

// Header functions pass the header text through, as docker's do; pad is kept
// so headers stay aligned with padded cells.
const passthrough = (v: unknown) => (typeof v === 'string' ? v : '');
const headerFuncs = { ...Object.fromEntries(Object.keys(dockerFuncs).map((k) => [k, passthrough])), pad: dockerFuncs.pad };

/**
 * A header "row": every field (or method) yields its column header. Fields
 * without a header get their upper-cased name, except boolean fields, which
 * docker leaves without a value (so `{{if .Flag}}` is false in the header).
 */
function headerContext(spec: FormatSpec<object>, sample: object | undefined): object {
  const text = (field: string): string | undefined => {
    if (Object.prototype.hasOwnProperty.call(spec.headers, field)) return spec.headers[field];
    if (!sample) return field.toUpperCase();
    if (!hasField(sample, field)) return '';
    return typeof (sample as Record<string, unknown>)[field] === 'boolean' ? undefined : field.toUpperCase();
  };
  const get = (_: object, key: string | symbol) => {
    if (typeof key !== 'string') return undefined;
    const m = spec.headerMethods?.[key];
    return m ? (...args: string[]) => m(...args) : () => text(key);
  };
  return new Proxy(
    {},
    {
      get,
      has: (_, key) => typeof key === 'string',
      getOwnPropertyDescriptor: (t, key) =>
        typeof key === 'string' ? { value: get(t, key), writable: false, enumerable: false, configurable: true } : undefined,
    },
  );
}

/** Plain-object rows act as Go structs (docker's formatter contexts): unknown fields are errors. */
class Row {}

function asContext(row: object): object {
  return Object.getPrototypeOf(row) === Object.prototype ? Object.assign(new Row(), row) : row;
}

/**
 * Render rows as `docker ps`-style commands do for --format.
 * Throws TemplateError ("template parsing error: …") for bad templates.
 */
export function renderRows<Row extends object>(format: string | undefined, rows: readonly Row[], spec: FormatSpec<Row>, opts: RenderOptions = {}): string {
  let f = format || TABLE;
  if (opts.quiet && f === TABLE) f = spec.quietFormat ?? '{{.ID}}';
  if (f === TABLE) f = spec.defaultTable;
  if (f === JSON_KEY) return rows.map((r) => jsonOf(r) + '\n').join('');
  const isTable = f.startsWith(TABLE);
  const src = prepare(isTable ? f.slice(TABLE.length) : f);
  let body = '';
  let tmpl;
  try {
    tmpl = parseTemplate(src, dockerFuncs);
  } catch (e) {
    wrap(e);
  }
  try {
    for (const row of rows) body += tmpl.execute(asContext(row)) + '\n';
  } catch (e) {
    if (e instanceof TemplateError) throw new TemplateError(`${spec.execErrorPrefix ?? 'template parsing error'}: ${e.message}`);
    throw e;
  }
  if (!isTable) return body;
  // docker ignores header errors and keeps whatever the header printed.
  const header = parseTemplate(src, headerFuncs).executePartial(headerContext(spec as FormatSpec<object>, rows[0])).text;
  return tabwrite(header + '\n' + body);
}

/** `inspect -f`: one execution followed by a newline. */
export function renderOne(format: string, data: unknown): string {
  try {
    return parseTemplate(format, dockerFuncs).execute(data) + '\n';
  } catch (e) {
    wrap(e);
  }
}

/** The `json` format: exported fields and getters, sorted, as docker marshals its contexts. */
export function jsonOf(row: object): string {
  return marshalFields(row);
}

/**
 * Go's text/tabwriter with padchar ' ' and no flags. Cells are tab-terminated;
 * the text after a line's last tab is not part of any column. A column's width
 * is fixed per block of consecutive lines that all have a cell in it.
 */
export function tabwrite(text: string, opts: { minwidth?: number; padding?: number } = {}): string {
  const minwidth = opts.minwidth ?? 10;
  const padding = opts.padding ?? 3;
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      cells.forEach((c, j) => {
        out += c;
        if (j < widths.length) out += ' '.repeat(Math.max(widths[j] - runeCount(c), 0));
      });
      if (i < lines.length - 1) out += '\n';
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue;
      // A block of lines with a cell in this column starts here.
      writeLines(line0, t);
      line0 = t;
      let width = minwidth;
      for (; t < line1 && column < lines[t].length - 1; t++) {
        width = Math.max(width, runeCount(lines[t][column]) + padding);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}

/**
 * `inspect -f` as docker's TemplateInspector runs it: each object through the
 * template typed as its Go struct, and only when that fails through the raw
 * JSON with missing keys as errors. A template that does not parse exits 64;
 * when no object printed, a lone newline is written, as docker flushes it.
 */
export function inspectTemplate(format: string, objects: Array<{ kind?: InspectKind; raw: unknown }>): { out: string; errors: string[] } {
  // docker's volume inspect hands the inspector no raw JSON: typed only
  const noRaw = (k?: InspectKind) => k === 'volume';
  if (format === 'json') {
    // docker's JSON inspector: one compact array (typed elements through json.Marshal, which HTML-escapes)
    if (!objects.length) return { out: '[]\n', errors: [] };
    const text = JSON.stringify(objects.map((o) => o.raw));
    return { out: (objects.some((o) => noRaw(o.kind)) ? text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : text) + '\n', errors: [] };
  }
  let typedTmpl;
  let rawTmpl;
  try {
    typedTmpl = parseTemplate(format, dockerFuncs);
    rawTmpl = parseTemplate(format, dockerFuncs, { missingKey: 'error', untyped: true });
  } catch (e) {
    if (e instanceof TemplateError) throw new StatusError(`template parsing error: ${e.message}`, 64);
    throw e;
  }
  let out = '';
  const errors: string[] = [];
  for (const o of objects) {
    if (o.kind) {
      const r = typedTmpl.executePartial(typedObject(o.kind, o.raw));
      if (!r.error) {
        out += r.text + '\n';
        continue;
      }
      if (noRaw(o.kind)) {
        errors.push(`template parsing error: ${r.error.message}`);
        continue;
      }
    }
    const r = rawTmpl.executePartial(rawObject(o.raw));
    if (r.error) errors.push(`template parsing error: ${r.error.message}`);
    else out += r.text + '\n';
  }
  return { out: out || '\n', errors };
}
