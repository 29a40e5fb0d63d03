// Image references as Docker normalises them: "busybox" is
// docker.io/library/busybox:latest; RepoTags keep the familiar form ("busybox:latest").
import { badRequest } from '../util/errors';

export interface Reference {
  /** familiar repository name, e.g. "busybox", "localhost:5000/x/y" */
  repo: string;
  /** full domain ("docker.io" by default) */
  domain: string;
  /** path in the registry ("library/busybox") */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/;

export function parseReference(ref: string): Reference {
  if (ref === '' || ref.length > 255 * 2) throw badRequest('invalid reference format');
  if (/^[a-f0-9]{64}$/.test(ref)) throw badRequest(`invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw badRequest('invalid reference format');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw badRequest('invalid reference format');
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) throw badRequest('invalid reference format');
  }
  for (const c of parts) {
    if (!COMPONENT.test(c)) {
      if (c.toLowerCase() !== c && COMPONENT.test(c.toLowerCase())) {
        const remote = (domain === 'docker.io' || domain === 'index.docker.io') && parts.length === 1 ? `library/${parts[0]}` : parts.join('/');
        throw badRequest(`invalid reference format: repository name (${remote}) must be lowercase`);
      }
      throw badRequest('invalid reference format');
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  let p = parts.join('/');
  if (`${domain}/${p}`.length > 255) throw badRequest('repository name must not be more than 255 characters');
  if (domain === 'docker.io' && parts.length === 1) p = `library/${p}`;
  const repo = domain === 'docker.io' ? p.replace(/^library\//, '') : `${domain}/${p}`;
  return { repo, domain, path: p, tag, digest };
}

/** "repo:tag" with Docker's default tag when neither tag nor digest is given. */
export function normaliseTagged(ref: string): { ref: Reference; key: string } {
  return withDefaultTag(parseReference(ref));
}

/** A parsed reference with Docker's default tag ("latest") when it has neither tag nor digest, and its store key. */
export function withDefaultTag(ref: Reference): { ref: Reference; key: string } {
  const r = { ...ref };
  if (!r.tag && !r.digest) r.tag = 'latest';
  return { ref: r, key: r.digest && !r.tag ? `${r.repo}@${r.digest}` : `${r.repo}:${r.tag}` };
}

export const fullName = (r: Reference): string => `${r.domain}/${r.path}`;

/**
 * A reference as dockerd names it in "No such image: …": a name gets its
 * default tag ("nosuch" → "nosuch:latest"); what does not parse (an ID
 * prefix with sha256:, say) is kept as given.
 */
export function missingImageName(ref: string): string {
  let r: Reference;
  try {
    r = parseReference(ref);
  } catch {
    return ref;
  }
  const { ref: t } = withDefaultTag(r);
  return `${t.repo}${t.tag ? `:${t.tag}` : ''}${t.digest ? `@${t.digest}` : ''}`;
}
