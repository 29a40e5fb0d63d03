// One repository on one registry endpoint: manifests (get, put), blobs (get
// with resume, head, cross-repository mount, monolithic and chunked upload).
import { Readable, Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorDetail } from './auth';
import { DIGEST_RE, MAX_MANIFEST, parseManifest, sha256 } from './manifest';
import { RegistryError, type Endpoint, type Transport } from './transport';
import { MANIFEST_ACCEPT, type AnyManifest, type AuthConfig, type FetchedManifest } from './types';

async function failure(res: Dispatcher.ResponseData, what: string): Promise<RegistryError> {
  const text = await res.body.text().catch(() => '');
  let detail = errorDetail(text);
  let code: string | undefined;
  try {
    code = JSON.parse(text)?.errors?.[0]?.code;
  } catch {
    /* not JSON */
  }
  if (!detail) {
    if (res.statusCode === 401) detail = 'unauthorized: authentication required';
    else if (res.statusCode === 403) detail = 'denied: requested access to the resource is denied';
    else if (res.statusCode === 404) detail = 'not found';
    else detail = `unexpected status ${res.statusCode}`;
  }
  return new RegistryError(`${what}: ${detail}`, res.statusCode, code);
}

export class Repository {
  readonly scopes: string[];

  constructor(
    private readonly t: Transport,
    readonly ep: Endpoint,
    /** path inside the registry, e.g. "library/busybox" */
    readonly path: string,
    readonly creds: AuthConfig | undefined,
    push = false,
    extraScopes: string[] = [],
  ) {
    this.scopes = [`repository:${path}:${push ? 'pull,push' : 'pull'}`, ...extraScopes];
  }

  private send(method: string, p: string, o: Parameters<Transport['send']>[3] = {}) {
    return this.t.send(this.ep, method, p, { scopes: this.scopes, creds: this.creds, ...o });
  }

  /** Fetches a manifest or index by tag or digest; the digest is verified when one was asked for. */
  async manifest(ref: string, familiar: string): Promise<FetchedManifest & { doc: AnyManifest }> {
    const res = await this.send('GET', `/v2/${this.path}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT }, retry: true });
    if (res.statusCode !== 200) {
      if (res.statusCode === 404) {
        await res.body.dump();
        throw new RegistryError(`manifest for ${familiar} not found: manifest unknown: manifest unknown`, 404, 'MANIFEST_UNKNOWN');
      }
      throw await failure(
        res,
        res.statusCode === 401 || res.statusCode === 403
          ? `pull access denied for ${familiar.replace(/[:@][^/]*$/, '')}, repository does not exist or may require 'docker login'`
          : `fetching manifest for ${familiar}`,
      );
    }
    const chunks: Buffer[] = [];
    let len = 0;
    for await (const c of res.body) {
      len += (c as Buffer).length;
      if (len > MAX_MANIFEST) {
        res.body.destroy();
        throw new RegistryError(`manifest for ${familiar} is too large`, 502);
      }
      chunks.push(c as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const digest = sha256(bytes);
    if (DIGEST_RE.test(ref) && ref !== digest) throw new RegistryError(`manifest verification failed for digest ${ref}: got ${digest}`, 502);
    const claimed = res.headers['docker-content-digest'];
    if (!DIGEST_RE.test(ref) && typeof claimed === 'string' && DIGEST_RE.test(claimed) && claimed !== digest)
      throw new RegistryError(`manifest verification failed for ${familiar}: the registry says ${claimed}, the content is ${digest}`, 502);
    const ct = res.headers['content-type'];
    const { mediaType, doc } = parseManifest(bytes, typeof ct === 'string' ? ct : undefined, familiar);
    return { mediaType, digest, bytes, doc };
  }

  /** Every tag of the repository (following Link pagination). */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${this.path}/tags/list?n=1000`;
    for (let pages = 0; next && pages < 100; pages++) {
      const res = await this.send('GET', next, { retry: true });
      if (res.statusCode !== 200) throw await failure(res, `listing tags of ${this.path}`);
      const j = (await res.body.json()) as { tags?: string[] | null };
      out.push(...(j.tags ?? []));
      const link = res.headers.link;
      const m = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link) : null;
      next = m ? m[1] : undefined;
    }
    return out;
  }

  /**
   * Opens a blob for reading from `offset` (Range when resuming). Resolves with
   * the body positioned at offset.
   */
  async openBlob(digest: string, offset = 0): Promise<{ body: Readable; size?: number }> {
    const headers: Record<string, string> = {};
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    const res = await this.send('GET', `/v2/${this.path}/blobs/${digest}`, { headers, retry: true });
    if (res.statusCode === 200 || res.statusCode === 206) {
      const len = Number(res.headers['content-length']);
      let body: Readable = res.body;
      if (offset > 0 && res.statusCode === 200) body = skipBytes(res.body, offset);
      return { body, size: Number.isFinite(len) ? len + (res.statusCode === 206 ? offset : 0) : undefined };
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new RegistryError(`blob ${digest} not found: blob unknown to registry`, 404, 'BLOB_UNKNOWN');
    }
    throw await failure(res, `fetching blob ${digest}`);
  }

  /**
   * Reads a small blob (an image config, a cache document) whole; undefined when
   * the body runs past `max` bytes, more than any descriptor the caller accepts.
   * The caller checks the digest.
   */
  async readBlob(digest: string, max: number): Promise<Buffer | undefined> {
    const { body } = await this.openBlob(digest);
    const chunks: Buffer[] = [];
    let len = 0;
    for await (const c of body) {
      len += (c as Buffer).length;
      // leaving the loop destroys the body
      if (len > max) return undefined;
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** Uploads a small blob (an image config, a cache document) in one PUT unless the registry has it. */
  async putSmallBlob(digest: string, bytes: Buffer): Promise<void> {
    if ((await this.hasBlob(digest)) !== undefined) return;
    const up = await this.startUpload();
    if (!up.mounted) await this.putBlob(up.location, digest, bytes, bytes.length);
  }

  /** HEAD a blob: its size when the registry has it. */
  async hasBlob(digest: string): Promise<number | undefined> {
    const res = await this.send('HEAD', `/v2/${this.path}/blobs/${digest}`, { retry: true });
    await res.body.dump();
    if (res.statusCode === 200) {
      const n = Number(res.headers['content-length']);
      return Number.isFinite(n) ? n : 0;
    }
    if (res.statusCode === 404) return undefined;
    if (res.statusCode === 401 || res.statusCode === 403) throw new RegistryError(`denied: requested access to the resource is denied`, res.statusCode);
    throw new RegistryError(`checking blob ${digest}: unexpected status ${res.statusCode}`, res.statusCode);
  }

  /** Starts an upload; with `mount`, asks for a cross-repository mount first (true when mounted). */
  async startUpload(mount?: { digest: string; from: string }): Promise<{ mounted: true } | { mounted: false; location: string }> {
    const q = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
    const res = await this.send('POST', `/v2/${this.path}/blobs/uploads/${q}`, { headers: { 'Content-Length': '0' }, body: '', retry: true });
    if (res.statusCode === 201 && mount) {
      await res.body.dump();
      return { mounted: true };
    }
    if (res.statusCode === 202) {
      await res.body.dump();
      const loc = res.headers.location;
      if (!loc) throw new RegistryError('the registry started an upload without a Location', 502);
      return { mounted: false, location: new URL(String(loc), res.url).toString() };
    }
    throw await failure(res, res.statusCode === 401 || res.statusCode === 403 ? 'denied' : 'starting blob upload');
  }

  private static withDigest(location: string, digest: string): string {
    const u = new URL(location);
    u.searchParams.set('digest', digest);
    return u.toString();
  }

  /** Monolithic upload: one PUT with the whole blob. */
  async putBlob(location: string, digest: string, data: Buffer | Readable, size: number): Promise<void> {
    const res = await this.send('PUT', Repository.withDigest(location, digest), {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body: data,
    });
    if (res.statusCode !== 201) throw await failure(res, `uploading blob ${digest}`);
    await res.body.dump();
  }

  /**
   * Chunked upload: PATCH the stream (in pieces of `chunkSize` bytes with
   * Content-Range when chunkSize > 0, else as one streamed PATCH), then PUT
   * with the digest.
   */
  async patchBlob(location: string, digestOf: string | (() => string), data: Readable, chunkSize: number, onBytes?: (n: number) => void): Promise<void> {
    const label = typeof digestOf === 'string' ? digestOf : 'layer';
    let loc = location;
    const patch = async (body: Buffer | Readable, range?: [number, number]) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
      if (range) {
        headers['Content-Range'] = `${range[0]}-${range[1]}`;
        headers['Content-Length'] = String(range[1] - range[0] + 1);
      }
      const res = await this.send('PATCH', loc, { headers, body });
      if (res.statusCode !== 202) throw await failure(res, `uploading blob ${label}`);
      await res.body.dump();
      if (res.headers.location) loc = new URL(String(res.headers.location), res.url).toString();
    };
    if (chunkSize > 0) {
      let off = 0;
      for await (const chunk of chunked(data, chunkSize)) {
        await patch(chunk, [off, off + chunk.length - 1]);
        off += chunk.length;
        onBytes?.(chunk.length);
      }
    } else {
      await patch(data);
    }
    const digest = typeof digestOf === 'string' ? digestOf : digestOf();
    const res = await this.send('PUT', Repository.withDigest(loc, digest), { headers: { 'Content-Length': '0' }, body: '' });
    if (res.statusCode !== 201) throw await failure(res, `committing blob ${digest}`);
    await res.body.dump();
  }

  async putManifest(ref: string, mediaType: string, bytes: Buffer): Promise<string> {
    const res = await this.send('PUT', `/v2/${this.path}/manifests/${ref}`, { headers: { 'Content-Type': mediaType }, body: bytes, retry: true });
    if (res.statusCode !== 201) throw await failure(res, `pushing manifest ${ref}`);
    await res.body.dump();
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' && DIGEST_RE.test(d) ? d : sha256(bytes);
  }
}

/** Drops the first n bytes of a stream (a registry that ignored our Range). */
function skipBytes(src: Readable, n: number): Readable {
  let left = n;
  return src.pipe(
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        if (left >= chunk.length) {
          left -= chunk.length;
          return cb();
        }
        const out = chunk.subarray(left);
        left = 0;
        cb(null, out);
      },
    }),
  );
}

/** Re-chunks a stream into Buffers of exactly `size` bytes (the last may be shorter). */
async function* chunked(src: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let len = 0;
  for await (const c of src) {
    let b = c as Buffer;
    while (b.length > 0) {
      const take = Math.min(size - len, b.length);
      parts.push(b.subarray(0, take));
      len += take;
      b = b.subarray(take);
      if (len === size) {
        yield Buffer.concat(parts, len);
        parts = [];
        len = 0;
      }
    }
  }
  if (len > 0) yield Buffer.concat(parts, len);
}
