// The docker CLI's list formatter: `table` (aligned columns with a header
// line), `table <template>`, `json` (one object per row) and raw templates
// (one execution per row), plus `inspect -f` style single renders.

import { TemplateError, dockerFuncs, marshalFields, parseTemplate } from './template';
import { hasField, runeCount } from './template/values';

export interface FormatSpec<Row extends object = object> {
  /** Used for an empty format and for plain "table", e.g. "table {{.ID}}\t{{.Image}}". */
  defaultTable: string;
  /** Header text per field, e.g. { ID: 'CONTAINER ID' }; other fields get their upper-cased name. */
  headers: Partial<Record<Extract<keyof Row, string>, string>> & Record<string, string>;
  /** Template for quiet output when no custom format is given; default "{{.ID}}". */
  quietFormat?: string;
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
  const get = (_: object, key: string | symbol) => (typeof key === 'string' ? () => text(key) : undefined);
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
export function renderRows<Row extends object>(
  format: string | undefined,
  rows: readonly Row[],
  spec: FormatSpec<Row>,
  opts: RenderOptions = {},
): string {
  let f = format || TABLE;
  if (opts.quiet && f === TABLE) f = spec.quietFormat ?? '{{.ID}}';
  if (f === TABLE) f = spec.defaultTable;
  if (f === JSON_KEY) return rows.map((r) => jsonOf(r) + '\n').join('');
  const isTable = f.startsWith(TABLE);
  const src = prepare(isTable ? f.slice(TABLE.length) : f);
  let body = '';
  try {
    const tmpl = parseTemplate(src, dockerFuncs);
    for (const row of rows) body += tmpl.execute(asContext(row)) + '\n';
  } catch (e) {
    wrap(e);
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
