// ADD <url>: the daemon downloads the file (following redirects). It lands
// as a regular file named after the URL's last path element, mode 0600, with
// the Last-Modified time when the server gives one; archives are not
// extracted. ADD --checksum is verified against the downloaded bytes.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Dispatcher } from 'undici';
import { getFollowingRedirects } from '../../registry';
import { badRequest } from '../../util/errors';

export interface Download {
  url: string;
  name: string;
  data: Buffer;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
}

const MAX_BYTES = 1 << 30;

/** The file name a URL gives (Docker's rule: the last element of its path). */
export function urlFileName(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest(`invalid URL: ${url}`);
  }
  const base = path.posix.basename(decodeURIComponent(u.pathname));
  if (base === '' || base === '.' || base === '/' || base === '..') throw badRequest(`cannot determine filename from url: ${url}`);
  return base;
}

export async function download(url: string, checksum: string, signal: AbortSignal): Promise<Download> {
  const name = urlFileName(url);
  let res: Dispatcher.ResponseData;
  try {
    res = await getFollowingRedirects(url, signal);
  } catch (e) {
    throw badRequest(`failed to GET ${url}: ${(e as Error).message}`);
  }
  if (res.statusCode >= 400) {
    await res.body.dump();
    throw badRequest(`failed to GET ${url} with status ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res.body) {
    size += (c as Buffer).length;
    if (size > MAX_BYTES) {
      res.body.destroy();
      throw badRequest(`ADD ${url}: the file is larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(c as Buffer);
  }
  const data = Buffer.concat(chunks, size);
  if (checksum) {
    const m = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(checksum);
    if (!m) throw badRequest(`invalid checksum digest format: ${checksum}`);
    const got = createHash(m[1]).update(data).digest('hex');
    if (got !== m[2]) throw badRequest(`digest mismatch ${m[1]}:${got}: ${checksum}`);
  }
  const lm = res.headers['last-modified'];
  const t = typeof lm === 'string' ? Date.parse(lm) : NaN;
  return { url, name, data, mode: 0o600, mtime: Number.isFinite(t) ? Math.floor(t / 1000) : Math.floor(Date.now() / 1000) };
}
