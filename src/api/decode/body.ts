// Request bodies as dockerd reads them: the bytes (bounded), Go's JSON
// reading, then a typed decoder; every refusal is a 400 "invalid JSON: ..."
// in Go's words.
import type { IncomingMessage } from 'node:http';
import { readBody } from '../http';
import { DecodeError } from './codec';
import { JsonSyntaxError, readGoJson, type Json } from './json';

export interface BodyRules {
  /**
   * What an empty body means. dockerd's ReadJSON takes an empty body as "{}"
   * (network, volume, exec routes); its container-config decoder refuses it
   * (create).
   */
  empty: 'zero' | 'refuse';
}

const EOF_MESSAGE = 'invalid JSON: got EOF while reading request body';

/** Decodes a body already read (exec start reads it off a hijacked connection). */
export function decodeJsonBytes<T>(body: Uint8Array, decode: (v: Json | undefined) => T, rules: BodyRules = { empty: 'zero' }): T {
  if (body.length === 0 && rules.empty === 'zero') return decode(undefined);
  let v: Json | undefined;
  try {
    v = readGoJson(body);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new DecodeError(`invalid JSON: ${e.message}`);
    throw e;
  }
  if (v === undefined) throw new DecodeError(EOF_MESSAGE);
  try {
    return decode(v);
  } catch (e) {
    if (e instanceof DecodeError) throw new DecodeError(`invalid JSON: ${e.message}`, e.field);
    throw e;
  }
}

export async function decodeJsonBody<T>(req: IncomingMessage, decode: (v: Json | undefined) => T, rules?: BodyRules): Promise<T> {
  return decodeJsonBytes(await readBody(req), decode, rules);
}
