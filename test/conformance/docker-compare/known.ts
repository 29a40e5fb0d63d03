// Differences between dockerd 20.10 (Debian's, API 1.41) and berth that are
// deliberate: each with the reason. A diff line (+ or -) matching `line` in a
// scenario whose name contains `scenario` is reported apart, not as a finding.
// Most are texts that newer dockerd releases reworded and berth follows (the
// docker CLI 28 users run today is paired with those daemons).

export interface Known {
  scenario?: string;
  line: RegExp;
  reason: string;
}

export const KNOWN: Known[] = [
  {
    line: /^[-+]! Error response from daemon: [Ii]nvalid filter '/,
    reason: "filter errors: dockerd 20.10 says `Invalid filter 'x'`; later releases (and berth) `invalid filter 'x'`",
  },
  {
    line: /^[-+]! Error response from daemon: (You cannot remove a running container|cannot remove container ".*": container is running)/,
    reason:
      'rm of a running container: berth words it as dockerd 25+ does (`cannot remove container "/x": container is running: stop the container before removing or force remove`)',
  },
  {
    line: /^[-+]! docker: Error response from daemon: failed to create (shim task|task for container): OCI runtime create failed/,
    reason:
      'start errors: "failed to create shim task" is containerd 1.6 under dockerd 20.10; dockerd 23+ (and berth) say "failed to create task for container"',
  },
  {
    scenario: 'run errors',
    line: /^[-+]! docker: Error response from daemon: (failed to set up container networking: )?network nosuchnet not found$/,
    reason: 'an unknown network at start: dockerd 26+ (and berth, asserted in network.test.ts) prefix "failed to set up container networking: "',
  },
  {
    scenario: 'run errors',
    line: /^[-+]! (docker: Error response from daemon: (invalid reference format: repository name must be lowercase|No such image: UPPER\/case:latest)|Unable to find image 'UPPER\/case:latest' locally)$/,
    reason:
      '"UPPER/case": the reference grammar since distribution/reference 0.5 (docker CLI 28, dockerd 25+, berth) reads an upper-case first component as a registry host, so the name is valid and merely absent; dockerd 20.10 refuses it as upper case',
  },
  {
    scenario: 'images',
    line: /^[-+]! Error response from daemon: (no such image: nosuch: )?No such image: nosuch:latest$/,
    reason:
      'image inspect of an unknown name: dockerd 20.10 wraps the error twice ("no such image: x: No such image: x:latest"); later releases and berth give it once',
  },
  {
    scenario: 'exec',
    line: /^[-+]\[exit 12[67]\]$/,
    reason: 'exec of a missing command: berth exits 127 as dockerd 23+ does (asserted in lifecycle.test.ts); dockerd 20.10 exits 126',
  },
  {
    scenario: 'networks',
    line: /^[-+]! Error response from daemon: (Invalid subnet bogus : invalid CIDR address: bogus|invalid network config:|invalid subnet bogus: invalid CIDR block notation)$/,
    reason: 'a bad --subnet: berth words it as dockerd 27 does; 20.10 had "Invalid subnet x : invalid CIDR address: x"',
  },
  {
    scenario: 'networks',
    line: /^[-+]! Error response from daemon: error while removing network: network nw1 (id <ID\d+> has active endpoints|has active endpoints \(name:"nc" id:"<ID\d+:short>"\))$/,
    reason: 'network rm of a network in use: berth names the endpoints as dockerd 25+ does',
  },
  {
    line: /^[-+] {2}NetworkSettings\.Networks\.\w+\.DNSNames/,
    reason: 'DNSNames (API 1.44) is shown by berth at every API version: an extra key old clients ignore',
  },
  {
    line: /^[-+] {2}HostConfig\.MaskedPaths\[\d+\] = /,
    reason:
      "masked paths: berth masks Docker 28's list (adds /proc/interrupts, /sys/devices/virtual/powercap and the cpus' thermal_throttle); 20.10's list is shorter",
  },
  {
    scenario: 'bad input containers',
    line: /^[-+]! Error response from daemon: [Cc]ontainer <ID\d+> is not running$/,
    reason: 'exec in a stopped container: dockerd 23+ (and berth) write "container <id> is not running" in lower case',
  },
  {
    scenario: 'run flags',
    line: /^[-+] {2}(1024|2048)$/,
    reason:
      "exec under --ulimit nofile=1024:2048: dockerd 20.10's exec shows a soft limit of 2048 (Go's raised limit leaking through its runc); berth gives the container's 1024:2048",
  },
  {
    scenario: 'system',
    line: /^[-+] {2}1\.41\|1\.(12|24)\|linux\|/,
    reason: 'MinAPIVersion: berth serves API 1.24 and later, as dockerd 25+ does; 20.10 went down to 1.12',
  },
  {
    scenario: 'system',
    line: /^[-+] {2}Engine (containerd runc docker-init|runc conmon) $/,
    reason: "version's components: berth runs containers on runc under conmon, not containerd, and has no docker-init",
  },
];
