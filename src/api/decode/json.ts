// A JSON reader that behaves as Go's json.Decoder does for a request body, so
// berth refuses what dockerd refuses with dockerd's words: the same syntax
// error texts ("invalid character 'x' looking for beginning of value"), the
// first value read and anything but a closing bracket after it refused, and
// numbers kept as written (Go refuses 1e3 and 1.5 for an int64, and says so
// with the literal). Objects keep every key in order, duplicates included,
// as Go applies them one after the other.

export class JsonNumber {
  constructor(readonly raw: string) {}
}

export class JsonObject {
  constructor(readonly entries: Array<[string, Json]>) {}
}

export type Json = null | boolean | string | JsonNumber | Json[] | JsonObject;

/** A body Go's decoder refuses: `message` is Go's text (the API prefixes "invalid JSON: "). */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    /** true when the body ended inside a value (Go's io.ErrUnexpectedEOF) */
    readonly unexpectedEof = false,
  ) {
    super(message);
  }
}

/** Go's quoteChar: the offending byte as Go prints it in a syntax error. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // Go turns the byte into the rune of the same number (Latin-1) before quoting
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class Reader {
  i = 0;
  constructor(
    readonly b: Buffer,
    /** Go's json.Unmarshal words the end of input differently from its Decoder */
    readonly eofText = 'unexpected EOF',
  ) {}

  fail(context: string): never {
    if (this.i >= this.b.length) throw new JsonSyntaxError(this.eofText, true);
    throw new JsonSyntaxError(`invalid character ${quoteChar(this.b[this.i])} ${context}`);
  }

  skip(): number {
    while (this.i < this.b.length && isSpace(this.b[this.i])) this.i++;
    return this.i < this.b.length ? this.b[this.i] : -1;
  }

  value(): Json {
    const c = this.skip();
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return this.string();
      case 0x74:
        return this.literal('true', true);
      case 0x66:
        return this.literal('false', false);
      case 0x6e:
        return this.literal('null', null);
      default:
        if (c === 0x2d || isDigit(c)) return this.number();
        return this.fail('looking for beginning of value');
    }
  }

  literal<T>(word: string, v: T): T {
    this.i++;
    for (let k = 1; k < word.length; k++, this.i++) {
      if (this.b[this.i] !== word.charCodeAt(k)) this.fail(`in literal ${word} (expecting '${word[k]}')`);
    }
    return v;
  }

  number(): JsonNumber {
    const start = this.i;
    const b = this.b;
    if (b[this.i] === 0x2d) {
      this.i++;
      if (!isDigit(b[this.i])) this.fail('in numeric literal');
    }
    if (b[this.i] === 0x30) this.i++;
    else while (isDigit(b[this.i])) this.i++;
    if (b[this.i] === 0x2e) {
      this.i++;
      if (!isDigit(b[this.i])) this.fail('after decimal point in numeric literal');
      while (isDigit(b[this.i])) this.i++;
    }
    if (b[this.i] === 0x65 || b[this.i] === 0x45) {
      this.i++;
      if (b[this.i] === 0x2b || b[this.i] === 0x2d) this.i++;
      if (!isDigit(b[this.i])) this.fail('in exponent of numeric literal');
      while (isDigit(b[this.i])) this.i++;
    }
    return new JsonNumber(b.toString('latin1', start, this.i));
  }

  string(): string {
    const b = this.b;
    this.i++;
    let start = this.i;
    let out = '';
    for (;;) {
      // the plain run up to a quote, backslash or control byte
      let i = this.i;
      while (i < b.length) {
        const c = b[i];
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        i++;
      }
      this.i = i;
      if (i >= b.length) this.fail('');
      const c = b[i];
      if (c === 0x22) {
        out += b.toString('utf8', start, i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('in string literal');
      out += b.toString('utf8', start, this.i);
      this.i++;
      const e = b[this.i];
      if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        this.i++;
      } else if (e === 0x75) {
        this.i++;
        for (let k = 0; k < 4; k++, this.i++) if (!isHex(b[this.i])) this.fail('in \\u hexadecimal character escape');
        out += String.fromCharCode(parseInt(b.toString('latin1', this.i - 4, this.i), 16));
      } else {
        this.fail('in string escape code');
      }
      start = this.i;
    }
  }

  array(): Json[] {
    this.i++;
    const out: Json[] = [];
    if (this.skip() === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      const c = this.skip();
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      this.fail('after array element');
    }
  }

  object(): JsonObject {
    this.i++;
    const entries: Array<[string, Json]> = [];
    if (this.skip() === 0x7d) {
      this.i++;
      return new JsonObject(entries);
    }
    for (;;) {
      if (this.skip() !== 0x22) this.fail('looking for beginning of object key string');
      const k = this.string();
      if (this.skip() !== 0x3a) this.fail('after object key');
      this.i++;
      entries.push([k, this.value()]);
      const c = this.skip();
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return new JsonObject(entries);
      }
      this.fail('after object key:value pair');
    }
  }
}

/**
 * Reads the one JSON value of a body as Go's Decoder.Decode, then More(), do:
 * undefined for a body of only white space (Go's io.EOF); content after the
 * value is refused unless it starts with a closing bracket, as dockerd does.
 */
export function readGoJson(body: Uint8Array): Json | undefined {
  const r = new Reader(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.length));
  if (r.skip() < 0) return undefined;
  const v = r.value();
  const next = r.skip();
  if (next >= 0 && next !== 0x5d && next !== 0x7d) throw new JsonSyntaxError('unexpected content after JSON');
  return v;
}

/** Reads a whole text as Go's json.Unmarshal does (query parameters such as buildargs). */
export function unmarshalGoJson(text: string): Json {
  const r = new Reader(Buffer.from(text, 'utf8'), 'unexpected end of JSON input');
  const v = r.value();
  if (r.skip() >= 0) r.fail('after top-level value');
  return v;
}

/** Go's name for the kind of a JSON value in "cannot unmarshal X into ...". */
export function kindName(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v instanceof JsonNumber) return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** Plain JavaScript for a value no schema covers (last duplicate key wins). */
export function toPlain(v: Json): unknown {
  if (v instanceof JsonNumber) return Number(v.raw);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof JsonObject) {
    const o: Record<string, unknown> = {};
    // a "__proto__" key is data, not the prototype
    for (const [k, x] of v.entries) Object.defineProperty(o, k, { value: toPlain(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}
