// The images critest pulls, as stand-ins built FROM busybox on the engine under
// test and pushed to a registry on 127.0.0.1 (critest's --registry-prefix).
// Each stand-in does what the suite checks of the real image (cri-tools
// pkg/validate): nothing is pulled from outside the host.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', '..', 'test', 'conformance', 'images');

/**
 * The base every stand-in starts from: busybox as the upstream busybox image
 * ships it, one hard link per applet (a masked /bin/ls must not mask
 * /bin/busybox through a symlink), plus pgrep and ipcs, which the suite runs
 * and Debian's static busybox lacks.
 */
export const BASE = 'critest-busybox:base';
const BASE_DOCKERFILE = `FROM busybox:latest
RUN cd /bin && for a in $(busybox --list); do [ "$a" = busybox ] || ln -f busybox "$a"; done
COPY pgrep ipcs /bin/
`;

/** The web page the suite fetches (it wants a 200). */
const page = (dir: string) => `RUN mkdir -p ${dir} && echo ok > ${dir}/index.html`;
/**
 * nginx: a master process named nginx with /var/run/nginx.pid (the HostPID and
 * ContainerPID checks) and a worker serving port 80.
 */
const nginx = (port: number) =>
  `${page('/usr/share/nginx/html')}\nCOPY nginx /usr/sbin/nginx\nENV PORT=${port}\nCMD ["nginx", "master process", "-g", "daemon off;"]`;
/** httpd: says its name on stderr at start, as Apache does (the container-log check), then serves port 80. */
const httpd = `${page('/usr/local/apache2/htdocs')}\nCMD ["sh", "-c", "echo 'httpd: serving /usr/local/apache2/htdocs on port 80' >&2; exec httpd -f -p 80 -h /usr/local/apache2/htdocs"]`;

const E2E = 'registry.k8s.io/e2e-test-images/';
const STAGING = 'gcr.io/k8s-staging-cri-tools/';
const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;

/**
 * The images critest names -> the Dockerfile body after FROM the base. With
 * --registry-prefix critest pulls `<prefix>/<path>:latest` (tag and digest
 * dropped) but creates some containers by the original name: each image is
 * pushed to the registry under the first and tagged on the engine under the
 * second.
 */
export function standIns(): Record<string, string> {
  const images: Record<string, string> = {
    [`${E2E}busybox:1.29-2`]: '',
    [`${E2E}nginx:1.14-2`]: nginx(80),
    [`${E2E}httpd:2.4.39-4`]: httpd,
    [`${STAGING}hostnet-nginx-${ARCH}`]: nginx(12003),
    [`${STAGING}test-image-latest`]: 'LABEL t=latest',
    [`${STAGING}test-image-tag:test`]: 'LABEL t=tag',
    [`${STAGING}test-image-tag:all`]: 'LABEL t=all',
    [`${STAGING}test-image-digest`]: 'LABEL t=digest',
    [`${STAGING}test-image-1:latest`]: 'LABEL t=1',
    [`${STAGING}test-image-2:latest`]: 'LABEL t=2',
    [`${STAGING}test-image-3:latest`]: 'LABEL t=3',
    [`${STAGING}test-image-tags:1`]: 'LABEL t=tags',
    [`${STAGING}test-image-user-uid`]: 'USER 1002',
    [`${STAGING}test-image-user-username`]:
      'RUN echo "www-data:x:33:33:www-data:/var/www:/bin/false" >> /etc/passwd && echo "www-data:x:33:" >> /etc/group\nUSER www-data',
    [`${STAGING}test-image-user-uid-group`]: 'USER 1003:1003',
    [`${STAGING}test-image-user-username-group`]:
      'RUN echo "www-data:x:33:33:www-data:/var/www:/bin/false" >> /etc/passwd && echo "www-data:x:33:" >> /etc/group\nUSER www-data:www-data',
    [`${STAGING}test-image-predefined-group`]: 'RUN echo "grp:x:50000:" >> /etc/group\nUSER 1000:50000',
  };
  // nonewprivs: a setuid-root program that prints its effective uid (x86-64 only: assembled here)
  if (process.arch === 'x64')
    images[`${E2E}nonewprivs:1.3`] = 'COPY nonewprivs /usr/local/bin/nnp\nRUN chmod 4755 /usr/local/bin/nnp\nCMD ["/usr/local/bin/nnp"]';
  return images;
}

/** registry.k8s.io/e2e-test-images/busybox:1.29-2 -> e2e-test-images/busybox */
export const repoPath = (ref: string) => ref.replace(/^[^/]+\//, '').replace(/[:@].*$/, '');

/** A build context holding the stand-ins' files (scripts, the assembled nonewprivs). */
export function prepareContext(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['pgrep', 'ipcs', 'nginx']) fs.copyFileSync(path.join(SRC, f), path.join(dir, f));
  if (process.arch === 'x64') {
    const o = path.join(dir, 'nonewprivs.o');
    for (const [cmd, args] of [
      ['as', ['-o', o, path.join(SRC, 'nonewprivs.s')]],
      ['ld', ['-static', '-N', '-s', '--build-id=none', '--no-warn-rwx-segments', '-o', path.join(dir, 'nonewprivs'), o]],
    ] as const) {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} (binutils) failed: ${r.error?.message ?? r.stderr}`);
    }
    fs.rmSync(o);
  }
}

/** The Dockerfiles in build order: the base, then each stand-in FROM it. */
export function dockerfiles(): Array<{ ref: string; dockerfile: string }> {
  return [{ ref: BASE, dockerfile: BASE_DOCKERFILE }, ...Object.entries(standIns()).map(([ref, body]) => ({ ref, dockerfile: `FROM ${BASE}\n${body}\n` }))];
}
