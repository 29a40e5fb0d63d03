// A small router for the Engine API: "/v1.41/containers/{id}/json" and the
// unversioned path reach the same handler; {name} segments may hold slashes
// only where the pattern ends in "*" (image names like localhost:5000/a/b).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Filters } from '../filters';
import { badRequest } from '../util/errors';

export interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** negotiated API version, e.g. 1.41 */
  version: number;
}

export interface HttpContext extends RequestContext {
  res: ServerResponse;
}

export interface HijackContext extends RequestContext {
  /** the raw connection; for an upgrade request the 101 has not been written yet */
  socket: Duplex;
  /** bytes that arrived after the headers (e.g. the exec-start JSON body) */
  head: Buffer;
  upgrade: boolean;
  /** set for a plain (non-upgrade) request */
  res?: ServerResponse;
}

export type HttpHandler = (ctx: HttpContext) => Promise<void> | void;
export type HijackHandler = (ctx: HijackContext) => Promise<void> | void;

interface Route {
  method: string;
  re: RegExp;
  names: string[];
  http?: HttpHandler;
  hijack?: HijackHandler;
}

function compile(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const src = pattern.replace(/\{(\w+)(\*?)\}/g, (_m, n: string, star: string) => {
    names.push(n);
    return star ? '(.+?)' : '([^/]+)';
  });
  return { re: new RegExp(`^${src}$`), names };
}

export class Router {
  private readonly routes: Route[] = [];

  private add(method: string, pattern: string, r: Partial<Route>): void {
    const { re, names } = compile(pattern);
    this.routes.push({ method, re, names, ...r });
  }

  get(p: string, h: HttpHandler): void {
    this.add('GET', p, { http: h });
    this.add('HEAD', p, { http: h });
  }
  head(p: string, h: HttpHandler): void {
    this.add('HEAD', p, { http: h });
  }
  post(p: string, h: HttpHandler): void {
    this.add('POST', p, { http: h });
  }
  put(p: string, h: HttpHandler): void {
    this.add('PUT', p, { http: h });
  }
  delete(p: string, h: HttpHandler): void {
    this.add('DELETE', p, { http: h });
  }
  /** A route that takes over the connection (attach, exec start). */
  hijack(method: string, p: string, h: HijackHandler): void {
    this.add(method, p, { hijack: h });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    let methodMismatch = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route: r, params };
    }
    return methodMismatch ? 'method' : undefined;
  }
}

// ---- query helpers shared by handlers ----

export function boolParam(q: URLSearchParams, name: string, def = false): boolean {
  const v = q.get(name);
  if (v === null) return def;
  const l = v.toLowerCase();
  return !(l === '' || l === '0' || l === 'false' || l === 'no');
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

/** The `filters` parameter, decoded once for every list and prune endpoint. */
export function filtersParam(q: URLSearchParams): Filters {
  return Filters.fromJSON(q.get('filters'));
}
