// Image references as the CLI sends them: the repository/tag split docker's
// commands make, and the X-Registry-Auth header for a reference's registry
// (credentials from a Docker-compatible config.json, $DOCKER_CONFIG or ~/.docker).
import { parseReference } from '../common/reference';
import { CredentialFile, encodeAuthHeader, HUB_AUTH_KEY } from '../common/credentials';
import { StatusError } from './command';

/** X-Registry-Auth for the registry of a reference (stored credentials, or an empty config). */
export function registryAuthHeader(ref: string): Record<string, string> {
  let domain = 'docker.io';
  try {
    domain = parseReference(ref).domain;
  } catch {
    /* the daemon reports bad references */
  }
  const creds = new CredentialFile().get(domain === 'docker.io' ? HUB_AUTH_KEY : domain);
  return { 'X-Registry-Auth': encodeAuthHeader(creds ?? {}) };
}

export function fullRef(ref: string): string {
  const r = parseReference(ref);
  let s = `${r.domain}/${r.path}`;
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** A reference the user typed; a bad one exits 1 with the parser's message, as docker does. */
export function userReference(name: string): ReturnType<typeof parseReference> {
  try {
    return parseReference(name);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
}

/** "repo:tag" → {repo, tag}; a ":" before the last "/" is a registry port, not a tag. */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}
