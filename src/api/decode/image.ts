// POST /images/create?fromImage=&tag= as dockerd reads it: a tag that is a
// digest joins with '@', any other with ':'; the result is parsed once, here,
// and travels typed (a missing tag and none in fromImage: every tag, `pull -a`).
import { parseReference, type Reference } from '../../common/reference';

const DIGEST = /^[a-z0-9]+:[a-f0-9]{32,}$/;

export interface PullRequest {
  ref: Reference;
  /** no tag asked for anywhere: `docker pull -a` */
  allTags: boolean;
}

export function decodePullReference(fromImage: string, tag: string): PullRequest {
  const ref = parseReference(tag ? (DIGEST.test(tag) ? `${fromImage}@${tag}` : `${fromImage}:${tag}`) : fromImage);
  return { ref, allTags: !tag && !ref.tag && !ref.digest };
}
