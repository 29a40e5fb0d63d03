// Go template fidelity, as a table: the same --format strings through the real
// docker CLI and berth against the same berthd objects (container, image,
// network and volume inspect; ps and images rows) must print the same bytes,
// fail with the same message and exit with the same code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon, type RunResult } from '../helpers/daemon';

// formats for every inspected object (fields every kind has, or none)
const COMMON = [
  '{{.NoSuchField}}',
  '{{.Name}}',
  '{{len .Name}}',
  '{{printf "%q|%v|%s|%10s|%-6s|%x" .Name .Name .Name .Name "ab" "hi"}}',
  '{{printf "%d %5d %05d %x %o %b %c %U" 42 42 42 255 8 5 65 65}}',
  '{{printf "%.2f %e %g %v %t" 3.14159 1234.5 0.000012 2.5 true}}',
  '{{printf "%s %d" "only"}}',
  '{{printf "%d" "str"}}',
  '{{printf "%v %v" nil .NoSuch}}',
  '{{eq 1 1 2}} {{eq "a" "b" "a"}} {{ne 1 2}} {{lt 1 2}} {{le "a" "b"}} {{gt 2.5 1.5}}',
  '{{eq 1 "1"}}',
  '{{lt true false}}',
  '{{eq .NoSuch nil}}',
  '{{len .NoSuch}}',
  '{{index .NoSuch "x"}}',
  '{{and 1 0 2}} {{or 0 "" "x"}} {{not 0}} {{and}}',
  '{{json .NoSuch}}',
  '{{upper "aBc"}} {{lower "ABC"}} {{title "hello world"}} {{split "a,b,c" ","}} {{join (split "a,b" ",") "-"}}',
  '{{truncate "abcdef" 3}} {{pad "x" 2 3}}',
  '{{with .NoSuch}}yes{{else}}no{{end}}',
  '{{range $i, $e := split "a b" " "}}{{$i}}={{$e}};{{end}}',
  '{{/* comment */}}x {{- " trimmed " -}} y',
  '{{$x := 1}}{{$x = 2}}{{$x}}',
  '{{index "abc" 1}}',
  '{{slice "abcdef" 1 3}}',
  '{{print 1 2 "a" "b" 3}}|{{println "x" 1}}',
  '{{html "<a&b>"}} {{js "it\'s"}} {{urlquery "a b&c"}}',
  '{{len 3}}',
  '{{.Name | len | printf "%03d"}}',
  '{{template "x"}}',
  '{{define "x"}}X{{end}}{{template "x" .}}',
  '{{if}}',
  '{{end}}',
  '{{.Name.Bad}}',
  '{{index .Name 99}}',
];

const CONTAINER = [
  '{{len .Config.OnBuild}}',
  '{{.Config.OnBuild}}',
  '{{json .Config.OnBuild}}',
  '{{len .Config.Labels}} {{.Config.Labels}} {{json .Config.Labels}}',
  '{{index .Config.Labels "a.b"}}|{{index .Config.Labels "nope"}}',
  '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}',
  '{{.Config.Cmd}} {{index .Config.Cmd 0}} {{len .Config.Cmd}} {{json .Config.Cmd}}',
  '{{join .Config.Cmd ","}}',
  '{{join .Config.Entrypoint ","}}|{{len .Config.Entrypoint}}|{{.Config.Entrypoint}}',
  '{{.Config.Env}}',
  '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Pid}}',
  '{{eq .State.Status "running" "exited" "created"}}',
  '{{eq .State.ExitCode 0}} {{ne .State.ExitCode 1}} {{lt .State.ExitCode 5}}',
  '{{eq .State.ExitCode "0"}}',
  '{{if .State.Running}}up{{else if eq .State.Status "created"}}new{{else}}down{{end}}',
  '{{.State.Health}}',
  '{{.State.Health.Status}}',
  '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.ShmSize}}',
  '{{.HostConfig.Binds}} {{len .HostConfig.Binds}}',
  '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}',
  '{{.HostConfig.Dns}} {{json .HostConfig.Dns}} {{len .HostConfig.DnsOptions}}',
  '{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}};{{end}}',
  '{{.Config.ExposedPorts}}',
  '{{json .Config.ExposedPorts}}',
  '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}',
  '{{.ExecIDs}} {{len .ExecIDs}}',
  '{{.RestartCount}} {{.Driver}} {{.Platform}}',
  '{{.Config.Tty}} {{.Config.OpenStdin}} {{.Config.StopSignal}} {{.Config.WorkingDir}}|',
  '{{.Config.Volumes}}',
  '{{index .Config.Volumes "/data"}}',
  '{{json .Config.Volumes}}',
  '{{.NetworkSettings.Ports}}',
  '{{range $n, $e := .NetworkSettings.Networks}}{{$n}} {{$e.Aliases}} {{$e.Links}};{{end}}',
  '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Config}}',
  '{{.Config.Healthcheck}}',
  '{{.HostConfig.Ulimits}} {{.HostConfig.Devices}} {{.HostConfig.CapAdd}}',
];

const IMAGE = [
  '{{len .Config.OnBuild}}',
  '{{.Config.OnBuild}}',
  '{{json .Config.OnBuild}}',
  '{{.RepoTags}} {{len .RepoTags}} {{index .RepoTags 0}}',
  '{{.RepoDigests}} {{len .RepoDigests}}',
  '{{.Size}} {{.Architecture}} {{.Os}} {{.Parent}}|',
  '{{.Config.Labels}} {{len .Config.Labels}}',
  '{{.Config.Cmd}} {{.Config.Entrypoint}} {{.Config.Env}}',
  '{{.RootFS.Type}} {{len .RootFS.Layers}}',
  '{{.Comment}}|{{.Author}}|{{.Variant}}|',
  '{{.ContainerConfig.Cmd}}',
  '{{.Metadata.LastTagTime}}',
];

const NETWORK = [
  '{{.Driver}} {{.Scope}} {{.EnableIPv6}} {{.Internal}} {{.Attachable}}',
  '{{.Labels}} {{len .Labels}} {{index .Labels "k"}} {{json .Labels}}',
  '{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}',
  '{{.Options}}',
  '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}};{{end}}',
  '{{.IPAM.Driver}} {{.IPAM.Options}}',
  '{{len .Containers}}',
  '{{.ConfigOnly}} {{.ConfigFrom.Network}}|',
];

const VOLUME = [
  '{{.Driver}} {{.Mountpoint}} {{.Scope}}',
  '{{.Labels}} {{len .Labels}} {{json .Labels}}',
  '{{.Options}} {{len .Options}} {{json .Options}}',
  '{{.UsageData}}',
];

const PS = [
  '{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.State}}',
  '{{.Labels}}',
  '{{.Label "a.b"}}|{{.Label "nope"}}',
  '{{.Mounts}}|{{.Networks}}|{{.Ports}}',
  '{{json .Names}}',
  '{{.ID}} {{len .ID}}',
  '{{.NoSuch}}',
  'table {{.Names}}\t{{.State}}',
  'table {{.Names}}\t{{.Label "a.b"}}',
  '{{.Size}}',
  '{{json .}}',
  'json',
];

const IMAGES = [
  '{{.Repository}}:{{.Tag}} {{.Digest}} {{.Size}}',
  '{{.Containers}} {{.SharedSize}} {{.UniqueSize}} {{.VirtualSize}}',
  'table {{.Repository}}\t{{.Tag}}',
  '{{len .ID}}',
  '{{json .}}',
  '{{.NoSuch}}',
  '{{.Labels}}',
];

describe('Go template table: docker and berth print the same bytes', () => {
  const d = new TestDaemon('tmpl');
  let ctr = '';

  before(async () => {
    await d.start();
    await d.importBusybox();
    const r = d.docker([
      'create',
      '--name',
      'tmplctr',
      '--label',
      'a.b=c',
      '--label',
      'z=',
      '-v',
      '/data',
      '-e',
      'X=1',
      '--expose',
      '80',
      'busybox',
      'sh',
      '-c',
      'echo hi',
    ]);
    assert.equal(r.status, 0, r.stderr);
    ctr = r.stdout.trim();
    // made by berth, whose labels reach the daemon in the order given (the docker CLI sends them sorted):
    // templates must still print Go maps sorted
    assert.equal(d.berth(['network', 'create', '--label', 'k=v', '--label', 'b=1', 'tmplnet']).status, 0);
    assert.equal(d.berth(['volume', 'create', '--label', 'k=v', '--label', 'b=1', 'tmplvol']).status, 0);
  });
  after(() => d.stop());

  const mismatches: string[] = [];
  const compare = (label: string, args: string[]) => {
    const a: RunResult = d.docker(args);
    const b: RunResult = d.berth(args);
    const norm = (s: string) => s.replace(/\bdocker\b/g, 'CLI').replace(/\bberth\b/g, 'CLI');
    // relative times ("30 seconds ago") move between the two calls
    const steady = (s: string) => s.replace(/(\d+ \w+|About an? \w+|Less than a second) ago/g, 'X ago');
    if (steady(a.stdout) !== steady(b.stdout) || a.status !== b.status || norm(a.stderr) !== norm(b.stderr)) {
      mismatches.push(
        `${label} ${JSON.stringify(args.at(-1))}\n  docker(${a.status}): ${JSON.stringify(a.stdout)} ${JSON.stringify(a.stderr)}\n  berth (${b.status}): ${JSON.stringify(b.stdout)} ${JSON.stringify(b.stderr)}`,
      );
    }
    return a;
  };

  it('inspect of a container, an image, a network and a volume', () => {
    // positive control: the docker CLI answers the plain field
    assert.equal(d.docker(['inspect', '-f', '{{.Name}}', ctr]).stdout, '/tmplctr\n');
    for (const f of [...COMMON, ...CONTAINER]) compare('container', ['container', 'inspect', '-f', f, ctr]);
    for (const f of [...COMMON, ...IMAGE]) compare('image', ['image', 'inspect', '-f', f, 'busybox']);
    for (const f of [...COMMON, ...NETWORK]) compare('network', ['network', 'inspect', '-f', f, 'tmplnet']);
    for (const f of [...COMMON, ...VOLUME]) compare('volume', ['volume', 'inspect', '-f', f, 'tmplvol']);
    // the generic inspect too
    for (const f of ['{{len .Config.OnBuild}}', '{{.NoSuchField}}', '{{.Name}}']) compare('inspect', ['inspect', '-f', f, ctr]);
    // -f json: one compact array
    compare('container', ['container', 'inspect', '-f', 'json', ctr]);
    compare('image', ['image', 'inspect', '-f', 'json', 'busybox']);
    compare('network', ['network', 'inspect', '-f', 'json', 'tmplnet']);
    compare('volume', ['volume', 'inspect', '-f', 'json', 'tmplvol']);
  });

  it('ps and images rows', () => {
    for (const f of PS) compare('ps', ['ps', '-a', '--format', f]);
    for (const f of IMAGES) compare('images', ['images', '--format', f]);
  });

  it('has no mismatch', () => {
    assert.equal(mismatches.length, 0, `${mismatches.length} mismatches:\n${mismatches.join('\n')}`);
  });
});
