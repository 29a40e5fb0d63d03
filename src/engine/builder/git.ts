// ADD <git URL>: the daemon clones the repository (the `git` CLI, as
// BuildKit's git source does) into the data root's tmp/ and the step copies
// the checkout. `url#ref[:subdir]` picks a branch, tag or commit and a
// directory in it; without --keep-git-dir the .git directory is left out.
// Only network transports are taken (http, https, git, ssh): a build never
// reads a repository from the daemon's own filesystem.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badRequest } from '../../util/errors';

export interface GitCheckout {
  /** The checkout's root on disk (removed by release()). */
  dir: string;
  /** The subdirectory the source names, relative to dir ('' for the root); the caller resolves it inside dir. */
  subdir: string;
  /** The commit checked out (full hex). */
  commit: string;
  /** The URL without credentials and fragment: what the cache key carries. */
  remote: string;
  /** What the URL's fragment said beyond ref and subdir. */
  keepGitDir?: boolean;
  checksum?: string;
  release(): void;
}

export interface GitUrl {
  url: string;
  ref: string;
  subdir: string;
  /** `keep-git-dir=` in the fragment (undefined: not given). */
  keepGitDir?: boolean;
  /** `checksum=` in the fragment: the commit (or a prefix of it) expected. */
  checksum?: string;
}

/** `url#ref:subdir`, or BuildKit's `#ref=…,subdir=…,keep-git-dir=…,checksum=…` form. */
export function parseGitUrl(src: string): GitUrl {
  const hash = src.indexOf('#');
  const url = hash < 0 ? src : src.slice(0, hash);
  const frag = hash < 0 ? '' : src.slice(hash + 1);
  let ref = '';
  let subdir = '';
  const extra: Pick<GitUrl, 'keepGitDir' | 'checksum'> = {};
  if (frag.includes('=')) {
    for (const kv of frag.split(',')) {
      const eq = kv.indexOf('=');
      const k = kv.slice(0, eq);
      const v = kv.slice(eq + 1);
      if (k === 'ref' || k === 'tag' || k === 'branch') ref = v;
      else if (k === 'subdir') subdir = v;
      else if (k === 'keep-git-dir') {
        if (!/^(true|false)$/.test(v)) throw badRequest(`invalid keep-git-dir value ${JSON.stringify(v)} in git URL fragment`);
        extra.keepGitDir = v === 'true';
      } else if (k === 'checksum') {
        if (!/^[0-9a-f]{7,64}$/.test(v)) throw badRequest(`invalid checksum ${JSON.stringify(v)} in git URL fragment: a commit (or a prefix of one) in hex`);
        extra.checksum = v;
      } else if (k === 'submodules') {
        // berth does not fetch submodules: `submodules=false` says the same, true cannot be served
        if (v !== 'false') throw badRequest('git submodules are not fetched by berth: use submodules=false or leave it out');
      } else throw badRequest(`unexpected key '${k}' in git URL fragment ${JSON.stringify(frag)}`);
    }
  } else {
    const colon = frag.indexOf(':');
    ref = colon < 0 ? frag : frag.slice(0, colon);
    subdir = colon < 0 ? '' : frag.slice(colon + 1);
  }
  subdir = path.posix.normalize('/' + subdir).slice(1);
  if (ref.startsWith('-')) throw badRequest(`invalid git ref ${JSON.stringify(ref)}`);
  return { url, ref, subdir, ...extra };
}

function git(args: string[], cwd: string | undefined, home: string, signal: AbortSignal, agent?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd,
        signal,
        maxBuffer: 1 << 20,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_ALLOW_PROTOCOL: 'http:https:git:ssh',
          // only the build's forwarded agent authenticates: not the daemon host's ~/.ssh keys or config
          // (ssh reads those from the passwd home, not $HOME); host keys unchecked, as BuildKit without known_hosts
          GIT_SSH_COMMAND:
            'ssh -F /dev/null -o BatchMode=yes -o IdentityFile=/nonexistent -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR',
          ...(agent ? { SSH_AUTH_SOCK: agent } : {}),
        },
      },
      (err, stdout, stderr) => {
        // git's own words up to its advice paragraph ("Please make sure you have the correct access rights…")
        if (err)
          reject(
            new Error(
              (stderr || err.message)
                .trim()
                .split(/\n\s*\n/)[0]
                .split('\n')
                .map((l) => l.trim())
                .join(' '),
            ),
          );
        else resolve(stdout.trim());
      },
    );
  });
}

/** A URL as errors and the cache key show it: a password in it is dropped (a user name is kept). */
const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');

/**
 * Clones `src` into a new directory under tmpDir and checks out its ref.
 * `agent`: the build's forwarded ssh agent (--ssh default), for ssh remotes.
 */
export async function gitCheckout(src: string, tmpDir: string, signal: AbortSignal, agent?: string): Promise<GitCheckout> {
  const { url, ref, subdir, keepGitDir, checksum } = parseGitUrl(src);
  const base = fs.mkdtempSync(path.join(tmpDir, 'build-git-'));
  const release = () => fs.rmSync(base, { recursive: true, force: true });
  const dir = path.join(base, 'checkout');
  try {
    try {
      await git(['clone', '--quiet', '--no-checkout', '--', url, dir], undefined, base, signal, agent);
    } catch (e) {
      throw badRequest(`failed to fetch remote ${redact(url)}: ${(e as Error).message}`);
    }
    let commit = '';
    for (const cand of ref ? [`origin/${ref}`, `refs/tags/${ref}`, ref] : ['HEAD']) {
      commit = await git(['rev-parse', '--verify', '--quiet', `${cand}^{commit}`], dir, base, signal).catch(() => '');
      if (commit) break;
    }
    if (!commit) throw badRequest(`failed to fetch remote ${redact(url)}: ref ${JSON.stringify(ref)} not found`);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit], dir, base, signal);
    return { dir, subdir, commit, remote: redact(url), release, keepGitDir, checksum };
  } catch (e) {
    release();
    throw e;
  }
}
