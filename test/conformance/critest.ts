// Runs the CRI validation suite (critest, sigs.k8s.io/cri-tools) against a
// private berthd, area by area, and prints passed/failed/skipped per area.
// Not part of `npm test`: it takes minutes and judges berth against
// Kubernetes' expectations, some of which berth does not meet yet.
//
// Every image critest pulls is rewritten by --registry-prefix to a registry on
// 127.0.0.1 this script fills with images built FROM busybox (the suite's
// nginx is busybox httpd: the tests only want a 200). Nothing leaves the host.
//
// Usage: node dist/test/conformance/critest.js [area-regexp...]
//   CRITEST=/path/to/critest (default tools/bin/critest: `scripts/setup-tools.sh critest` builds it)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { freeSubnet16 } from '../helpers/net';
import { TestRegistry } from '../helpers/registry';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CRITEST = process.env.CRITEST ?? path.join(REPO, 'tools', 'bin', 'critest');
const PLUGINS = ['/usr/lib/cni', '/opt/cni/bin'].find((d) => fs.existsSync(path.join(d, 'bridge')));
const AREAS = ['Runtime info', 'PodSandbox', 'Container', 'Streaming', 'Networking', 'Image Manager', 'Security Context', 'Idempotence'];
// ('Container' also matches Container OOM/Mount*/Multiple Containers: ginkgo focus is a regexp)

/**
 * The images critest names -> the Dockerfile body after FROM busybox. With
 * --registry-prefix critest pulls `<prefix>/<path>:latest` (the tag dropped)
 * but creates some containers by the original name: each image is pushed to
 * the local registry under the first and tagged in berth under the second.
 */
const httpd = (port: number) => `RUN mkdir -p /www && echo ok > /www/index.html\nCMD ["httpd", "-f", "-p", "${port}", "-h", "/www"]`;
const E2E = 'registry.k8s.io/e2e-test-images/';
const STAGING = 'gcr.io/k8s-staging-cri-tools/';
const IMAGES: Record<string, string> = {
  [`${E2E}busybox:1.29-2`]: '',
  [`${E2E}nginx:1.14-2`]: httpd(80),
  [`${E2E}httpd:2.4.39-4`]: httpd(80),
  [`${E2E}nonewprivs:1.3`]: '',
  [`${STAGING}hostnet-nginx-${process.arch === 'x64' ? 'amd64' : process.arch}`]: httpd(12003),
  [`${STAGING}test-image-latest`]: 'LABEL t=latest',
  [`${STAGING}test-image-tag:test`]: 'LABEL t=tag',
  [`${STAGING}test-image-1:latest`]: 'LABEL t=1',
  [`${STAGING}test-image-2:latest`]: 'LABEL t=2',
  [`${STAGING}test-image-3:latest`]: 'LABEL t=3',
  [`${STAGING}test-image-tags:1`]: 'LABEL t=tags',
  [`${STAGING}test-image-user-uid`]: 'USER 1002',
  [`${STAGING}test-image-user-username`]: 'USER www-data',
  [`${STAGING}test-image-user-uid-group`]: 'USER 1003:1003',
  [`${STAGING}test-image-user-username-group`]: 'USER www-data:www-data',
  [`${STAGING}test-image-predefined-group`]: 'RUN echo "grp:x:50000:" >> /etc/group\nUSER 1000:50000',
};
/** registry.k8s.io/e2e-test-images/busybox:1.29-2 -> e2e-test-images/busybox */
const repoPath = (ref: string) => ref.replace(/^[^/]+\//, '').replace(/[:@].*$/, '');

async function main(): Promise<void> {
  if (!fs.existsSync(CRITEST)) throw new Error(`no critest at ${CRITEST}: run scripts/setup-tools.sh critest`);
  if (!PLUGINS) throw new Error('CNI plugins are not installed');
  const areas = process.argv.length > 2 ? process.argv.slice(2) : AREAS;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-critest-'));
  const sock = path.join(base, 'cri.sock');
  const netd = path.join(base, 'net.d');
  const S = freeSubnet16();
  const bridge = `bct-${Math.random().toString(16).slice(2, 8)}`;
  fs.mkdirSync(netd);
  fs.writeFileSync(
    path.join(netd, '10-critest.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'berth-critest',
      plugins: [
        { type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', dataDir: path.join(base, 'ipam'), ranges: [[{ subnet: `${S}.0.0/24` }]] } },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    }),
  );
  const reg = await TestRegistry.start();
  const d = new TestDaemon('critest');
  try {
    await d.start(['--cri-socket', `unix://${sock}`, '--cni-conf-dir', netd, '--cni-bin-dir', PLUGINS]);
    await d.importBusybox();
    const ctx = path.join(base, 'ctx');
    fs.mkdirSync(ctx);
    for (const [ref, body] of Object.entries(IMAGES)) {
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM busybox:latest\n${body}\n`);
      const tag = `${reg.host}/${repoPath(ref)}:latest`;
      const b = d.docker(['build', '-q', '-t', tag, '-t', ref, ctx], { timeout: 120000 });
      if (b.status !== 0) throw new Error(`build ${ref}: ${b.stderr}`);
      const p = d.docker(['push', tag], { timeout: 120000 });
      if (p.status !== 0) throw new Error(`push ${ref}: ${p.stderr}`);
      d.docker(['rmi', tag]);
    }
    const summary: string[] = [];
    for (const area of areas) {
      const report = path.join(base, 'report.json');
      fs.rmSync(report, { force: true });
      const r = spawnSync(
        CRITEST,
        ['--runtime-endpoint', `unix://${sock}`, '--image-endpoint', `unix://${sock}`, '--registry-prefix', reg.host, `--ginkgo.focus=${area}`, '--ginkgo.no-color', `--ginkgo.json-report=${report}`, '--ginkgo.timeout=20m'],
        { encoding: 'utf8', timeout: 25 * 60000, cwd: base, env: { ...process.env, HOME: base } },
      );
      fs.writeFileSync(path.join(os.tmpdir(), `berth-critest-${area.replace(/\W+/g, '-')}.log`), `${r.stdout}\n${r.stderr}`);
      if (!fs.existsSync(report)) {
        summary.push(`${area}: no report (exit ${r.status})`);
        continue;
      }
      const specs = (JSON.parse(fs.readFileSync(report, 'utf8')) as Array<{ SpecReports?: Array<{ State: string; LeafNodeType: string; LeafNodeText: string; ContainerHierarchyTexts?: string[]; Failure?: { Message?: string } }> }>)
        .flatMap((s) => s.SpecReports ?? [])
        .filter((s) => s.LeafNodeType === 'It');
      const ran = specs.filter((s) => s.State !== 'skipped' || !/focus/.test(''));
      const count = (st: string) => ran.filter((s) => s.State === st).length;
      const run = ran.filter((s) => s.State !== 'skipped');
      summary.push(`${area}: ${count('passed')} passed, ${run.length - count('passed')} failed, ${specs.length - run.length} skipped (of ${specs.length})`);
      for (const f of run.filter((s) => s.State !== 'passed')) summary.push(`  ${f.State.toUpperCase()} ${[...(f.ContainerHierarchyTexts ?? []), f.LeafNodeText].join(' ')}: ${(f.Failure?.Message ?? '').split('\n')[0].slice(0, 200)}`);
      console.error(`critest: ${area} done`);
    }
    console.log('\n' + summary.join('\n'));
  } finally {
    // pods first, through the CRI: their CNI addresses and port rules go with them
    const crictl = path.join(REPO, 'tools', 'bin', 'crictl');
    if (fs.existsSync(crictl)) {
      const ep = ['--runtime-endpoint', `unix://${sock}`];
      for (const id of spawnSync(crictl, [...ep, 'pods', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) spawnSync(crictl, [...ep, 'rmp', '-f', id]);
    }
    await d.stop();
    await reg.stop();
    spawnSync('ip', ['link', 'del', bridge]);
    fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
