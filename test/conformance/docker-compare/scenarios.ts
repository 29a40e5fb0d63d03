// The scenarios of the comparison: named sequences of docker CLI commands, run
// the same way on dockerd and berthd. Container names are explicit (generated
// names differ by design); `run`/`create` get `--network none` unless they name
// a network (dockerd runs without its default bridge here), and `--pull never`
// (no scenario may reach a registry).

export interface Step {
  argv: string[];
  /** a bash line instead of argv: $D is `docker -H <engine>`, $W the work dir */
  sh?: string;
  input?: string;
  /** repeat until stdout matches (a wait on a condition) */
  until?: RegExp;
  untilMs?: number;
  timeoutMs?: number;
  /** stdout lines sorted before comparing (listings whose order is unspecified) */
  sortOut?: boolean;
}

export interface Scenario {
  name: string;
  steps: Step[];
  /** objects to inspect after the steps: "container NAME", "image REF", "volume NAME", "network NAME" */
  inspect?: string[];
  /** run after the comparison, not compared */
  cleanup?: Step[];
  noEvents?: boolean;
  /** only event lines matching this are compared */
  eventFilter?: RegExp;
}

/** Splits like a shell (single and double quotes, no expansion). */
export function split(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | undefined;
  let has = false;
  for (const c of s) {
    if (q) {
      if (c === q) q = undefined;
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      has = true;
    } else if (c === ' ') {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

function d(cmd: string, opts: Partial<Step> = {}): Step {
  let argv = split(cmd);
  if (argv[0] === 'run' || argv[0] === 'create') {
    // never a pull: nothing may contact a registry outside this machine
    const extra = argv.includes('--pull') ? [] : ['--pull', 'never'];
    if (!argv.some((a) => a === '--network' || a.startsWith('--network=') || a === '--net')) extra.push('--network', 'none');
    argv = [argv[0], ...extra, ...argv.slice(1)];
  }
  return { argv, ...opts };
}

function sh(line: string, opts: Partial<Step> = {}): Step {
  return { argv: [], sh: line, ...opts };
}

const rmf = (...names: string[]) => d(`rm -f ${names.join(' ')}`);

export const SCENARIOS: Scenario[] = [
  {
    name: 'lifecycle',
    steps: [
      d('create --name lc busybox sleep 300'),
      d("ps -a --format '{{.Names}}|{{.Status}}|{{.Command}}|{{.Image}}'"),
      d('start lc'),
      d('start lc'),
      d('pause lc'),
      d("ps --format '{{.Names}}|{{.Status}}'"),
      d('pause lc'),
      d('unpause lc'),
      d('unpause lc'),
      d('restart -t 1 lc'),
      d('kill -s USR1 lc'),
      d('kill -s SIGHUP lc'),
      d('stop -t 1 lc'),
      d("inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.RestartCount}}' lc"),
      d('stop lc'),
      d('rename lc lc2'),
      d('start lc2'),
      d('kill lc2'),
      d('wait lc2'),
      d("ps -a --format '{{.Names}}|{{.Status}}'"),
      d('run -d --name lcw busybox sh -c "sleep 1; exit 5"'),
      d('wait lcw'),
      d('rm lcw'),
      d('run --rm --name lcrm busybox sh -c "exit 7"'),
      d('run -d --rm --name lcrmd busybox true'),
      d("ps -a --filter name=lcrm --format '{{.Names}}'", { until: /^$/ }),
    ],
    inspect: ['container lc2'],
    cleanup: [rmf('lc', 'lc2', 'lcw', 'lcrm', 'lcrmd')],
  },
  {
    name: 'run flags',
    steps: [
      d("run --name rf -e A=1 -e B=two -w /tmp -u 1000:1000 --label x=y --hostname h1 busybox sh -c 'echo $A $B; pwd; id; hostname'"),
      d(
        'run -d --name rfd --restart on-failure:2 --stop-signal SIGUSR1 --stop-timeout 3 --memory 64m --cpus 0.5 --pids-limit 50 --ulimit nofile=1024:2048 --cap-add NET_ADMIN --cap-drop CHOWN --read-only --tmpfs /run:size=1m --init -v rfvol:/data busybox sleep 300',
      ),
      d("exec rfd sh -c 'ulimit -n; ulimit -Hn; touch /x'"),
      d("exec rfd sh -c 'touch /data/ok /run/ok && echo ok; cat /proc/1/comm; grep -c . /proc/self/mountinfo >/dev/null && echo m'"),
      d("exec rfd sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max'"),
      d("exec rfd sh -c 'grep Cap /proc/self/status'"),
      d('run --rm --entrypoint echo busybox hi there'),
      d("run --rm --entrypoint '' busybox echo empty-entrypoint"),
      d('run --rm -v /data busybox sh -c "ls -d /data"'),
      d('run --rm --tmpfs /t:rw,size=64k,mode=1777 busybox sh -c "stat -c %a /t"'),
      d('run -d --name rfh --health-cmd true --health-interval 1s busybox sleep 300'),
      d("inspect -f '{{.State.Health.Status}}' rfh", { until: /healthy/ }),
      d("ps --filter name=rfh --format '{{.Names}}|{{.Status}}'"),
      d('ps --filter health=healthy -q'),
      d('run -d --name rfu --health-cmd false --health-interval 1s --health-retries 1 busybox sleep 300'),
      d("inspect -f '{{.State.Health.Status}}' rfu", { until: /unhealthy/ }),
      d("ps --filter name=rfu --format '{{.Names}}|{{.Status}}'"),
      d('stop -t 1 rfd'),
    ],
    inspect: ['container rf', 'container rfd', 'container rfh', 'volume rfvol'],
    cleanup: [rmf('rf', 'rfd', 'rfh', 'rfu'), d('volume rm rfvol')],
  },
  {
    name: 'run errors',
    steps: [
      d('run --memory 1x busybox true'),
      d('run --restart bogus busybox true'),
      d('run --restart always --rm busybox true'),
      d('run -p 99999:80 busybox true'),
      d('run --rm -p 18080:80 busybox true'),
      d("run --name 'bad name!' busybox true"),
      d('run nosuch/image:1 true'),
      d('run UPPER/case true'),
      d('run --rm busybox nosuchcmd'),
      d('run --rm busybox /etc'),
      d('run --rm -u nosuchuser busybox true'),
      d('run --rm -w relative busybox true'),
      d('create --name dup busybox true'),
      d('create --name dup busybox true'),
      d('run --cpus -1 busybox true'),
      d('run --ulimit bogus=1 busybox true'),
      d('run --stop-signal BOGUS --name rsig busybox true'),
      d('run --rm -v relative:/x:bogus busybox true'),
      d('run --rm --cap-add NOPE busybox true'),
      d('run --rm --pids-limit x busybox true'),
      d('run --rm --network nosuchnet busybox true'),
      d('run -d --rm busybox sh -c "exit 3"'),
      d('create busybox:nosuchtag true'),
    ],
    cleanup: [rmf('dup', 'rsig')],
  },
  {
    name: 'bad input containers',
    steps: [
      ...[
        'start',
        'stop',
        'restart',
        'rm',
        'kill',
        'pause',
        'unpause',
        'wait',
        'top',
        'port',
        'diff',
        'logs',
        'inspect',
        'container inspect',
        'inspect --type container',
        'rm -f',
      ].map((c) => d(`${c} nosuch`)),
      d('exec nosuch true'),
      d('rename nosuch x'),
      d('cp nosuch:/x $W/x'),
      d('export nosuch'),
      d('commit nosuch'),
      d('run -d --name bi busybox sleep 300'),
      d('rm bi'),
      d('kill -s BOGUS bi'),
      d('kill -s 99 bi'),
      d('rename bi bi'),
      d('rename bi ""'),
      d('create --name bi2 busybox true'),
      d('rename bi2 bi'),
      d('exec bi2 true'),
      d('stop bi2'),
      d('kill bi2'),
      d('pause bi2'),
      d('unpause bi'),
      d('top bi2'),
      d('start bi nosuch bi2'),
      d('rm nosuch bi2'),
    ],
    cleanup: [rmf('bi', 'bi2')],
  },
  {
    name: 'exec',
    steps: [
      d('run -d --name ex busybox sleep 300'),
      d("exec ex sh -c 'exit 3'"),
      d("exec -e X=1 -w /tmp -u 1000 ex sh -c 'echo $X; pwd; id -u'"),
      d('exec -i ex cat', { input: 'piped\n' }),
      d('exec ex nosuchcmd'),
      d('exec ex /etc'),
      d('exec -u nosuch ex true'),
      d('exec -w /nonexist ex pwd'),
      d('exec -d ex sleep 1'),
      d('exec ex'),
      d('exec -e BAD ex sh -c "echo ${BAD-unset}"'),
      d('exec --privileged ex sh -c "grep CapEff /proc/self/status"'),
    ],
    inspect: ['container ex'],
    cleanup: [rmf('ex')],
  },
  {
    name: 'logs',
    steps: [
      d("run --name lg busybox sh -c 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done'"),
      d('logs lg'),
      d('logs --tail 2 lg'),
      d('logs --tail 0 lg'),
      d('logs -t --tail 1 lg'),
      d('logs --since 10m lg'),
      d('logs --since 2099-01-01T00:00:00Z lg'),
      d('logs --until 2000-01-01T00:00:00Z lg'),
      d('logs -f lg'),
      d('logs --tail bogus lg'),
      d('logs --since bogus lg'),
      d("run -d --name lgf busybox sh -c 'echo a; sleep 1; echo b'"),
      d('logs -f lgf'),
      d('logs --details lgf'),
      d('logs nosuch'),
      d('run -d --name lgn --log-driver none busybox echo x'),
      d('wait lgn'),
      d('logs lgn'),
    ],
    cleanup: [rmf('lg', 'lgf', 'lgn')],
  },
  {
    name: 'cp',
    steps: [
      d('create --name cpc busybox sleep 300'),
      d('cp $W/in.txt cpc:/tmp/in.txt'),
      d('cp $W/dir cpc:/tmp/'),
      d('cp cpc:/tmp/in.txt $W/out.txt'),
      sh('cat "$W/out.txt"'),
      d('cp cpc:/tmp/dir $W/dirback'),
      sh('find "$W/dirback" | sort | sed "s#$W#<W>#"'),
      d('cp cpc:/nonexist $W/x'),
      d('cp $W/nonexist cpc:/tmp'),
      d('cp $W/in.txt cpc:/nonexistdir/x'),
      d('cp cpc:/etc/passwd $W/nodir/sub/x'),
      d('cp cpc:/tmp/in.txt $W/in.txt/x'),
      sh('$D cp cpc:/tmp/dir - | tar t | sort'),
      sh('printf "a" > "$W/a"; tar -C "$W" -cf - a | $D cp - cpc:/tmp && $D cp cpc:/tmp/a - | tar xO'),
      d('cp $W/in.txt cpc:relative'),
      d('diff cpc', { sortOut: true }),
      d('start cpc'),
      d('diff cpc', { sortOut: true }),
    ],
    cleanup: [rmf('cpc')],
  },
  {
    name: 'export import commit',
    steps: [
      d("run --name ei busybox sh -c 'echo x > /made; rm /etc/group'"),
      d('diff ei', { sortOut: true }),
      sh("$D export ei | tar t | grep -E '^(made|etc/passwd|etc/group|dev/?|proc/?|\\.dockerenv)$' | sort"),
      sh('$D export -o "$W/ei.tar" ei && tar tf "$W/ei.tar" | grep -c made'),
      d("import -c 'ENV A=1' -c 'CMD [\"sh\"]' -m msg $W/ei.tar imp:1"),
      d('import $W/nonexist.tar imp:2'),
      d("import -c 'BOGUS x' $W/ei.tar imp:3"),
      d("commit -c 'LABEL k=v' -c 'EXPOSE 80' -c 'CMD [\"cat\",\"/made\"]' -m cm -a me ei com:1"),
      d('run --rm com:1'),
      d("history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' com:1"),
      d("history --format '{{.CreatedBy}}|{{.Comment}}|{{.Size}}' imp:1"),
      d('history com:1'),
      d("commit -c 'BOGUS x' ei com:2"),
      d('commit ei BAD:Tag'),
      d("image inspect -f '{{.Comment}}|{{.Author}}|{{json .Config.Cmd}}|{{json .Config.Env}}|{{json .Config.ExposedPorts}}|{{json .Config.Labels}}' com:1"),
    ],
    inspect: ['image com:1', 'image imp:1'],
    cleanup: [rmf('ei'), d('rmi com:1 imp:1')],
  },
  {
    name: 'top port stats',
    steps: [
      d('run -d --name tp busybox sleep 300'),
      sh("$D top tp | sed -E 's/ +/ /g' | cut -d' ' -f1,8-"),
      sh("$D top tp -o pid,comm | sed -E 's/^ *[0-9]+/PID/'"),
      d('port tp'),
      d('port tp 80'),
      d('port tp 80/bogus'),
      d("stats --no-stream --format '{{.Name}} {{.PIDs}}' tp"),
      d("stats --no-stream --format '{{.Name}}|{{.CPUPerc}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}' tp"),
      d('stats --no-stream nosuch'),
      d('create --name tps busybox sleep 300'),
      d('top tps'),
      d("stats --no-stream --format '{{.Name}} {{.PIDs}}' tps"),
    ],
    cleanup: [rmf('tp', 'tps')],
  },
  {
    name: 'ps',
    steps: [
      d('run -d --name ps1 --label env=a busybox sleep 300'),
      d('create --name ps2 --label env=b busybox sleep 300'),
      d('run --name ps3 busybox false'),
      d("ps --format '{{.Names}}|{{.Status}}|{{.Labels}}|{{.Ports}}|{{.Networks}}|{{.Mounts}}|{{.State}}'"),
      d("ps -a --format '{{.Names}}|{{.Status}}|{{.State}}'"),
      d("ps -a --filter label=env=a --format '{{.Names}}'"),
      d("ps -a --filter label=env --format '{{.Names}}'"),
      d("ps -a --filter status=exited --format '{{.Names}}'"),
      d("ps -a --filter exited=1 --format '{{.Names}}'"),
      d("ps -a --filter status=created --format '{{.Names}}'"),
      d("ps -a --filter name=ps --filter status=running --format '{{.Names}}'"),
      d("ps -a --filter ancestor=busybox --format '{{.Names}}'"),
      d("ps -a --filter volume=nosuch --format '{{.Names}}'"),
      d("ps -a --filter network=none --format '{{.Names}}'"),
      d("ps -a --filter is-task=false --format '{{.Names}}'"),
      d("ps -n 2 --format '{{.Names}}'"),
      d("ps -l --format '{{.Names}}'"),
      d("ps -a -s --format '{{.Names}} {{.Size}}'"),
      d('ps -a --filter status=bogus'),
      d('ps --filter bogus=1'),
      d('ps --filter exited=x'),
      d("ps -a --no-trunc --format '{{.Command}}'"),
      d('ps -a'),
      d("ps -a --format '{{json .}}'", { sortOut: true }),
    ],
    cleanup: [rmf('ps1', 'ps2', 'ps3')],
  },
  {
    name: 'images',
    steps: [
      d('tag busybox img:a'),
      d('tag busybox img:b'),
      d("images --format '{{.Repository}}:{{.Tag}}'", { sortOut: true }),
      d("images img --format '{{.Repository}}:{{.Tag}}'", { sortOut: true }),
      d("images --filter reference=img:a --format '{{.Repository}}:{{.Tag}}'"),
      d("images --filter dangling=true --format '{{.Repository}}:{{.Tag}}'"),
      d("images --filter before=img:a --format '{{.Repository}}:{{.Tag}}'"),
      d('images --filter bogus=1'),
      d('images -q img'),
      d("images --digests --format '{{.Repository}}|{{.Digest}}' img"),
      d('images img'),
      d("image inspect --format '{{.RepoTags}}|{{.RepoDigests}}|{{.Os}}|{{.Architecture}}' img:a"),
      d('rmi img:a'),
      d('rmi img:b'),
      d('rmi nosuch'),
      d('rmi nosuch:tag'),
      d('tag nosuch x'),
      d('tag busybox BAD:Tag'),
      d('tag busybox ok:tag:extra'),
      d('create --name imc busybox sleep 300'),
      d('rmi busybox'),
      d('image prune -f'),
      d('image history busybox'),
      d("image history --format '{{.CreatedBy}}|{{.Comment}}' busybox"),
      d('image inspect nosuch'),
      d('inspect --type image nosuch'),
      d('image ls --format "{{json .}}"', { sortOut: true }),
    ],
    inspect: ['image busybox'],
    cleanup: [rmf('imc'), d('rmi img:a img:b')],
  },
  {
    name: 'image prune dangling',
    steps: [
      d("run --name ipd busybox sh -c 'echo x > /y'"),
      sh('$D commit ipd > /dev/null && echo committed'),
      d("images --filter dangling=true --format '{{.Repository}}:{{.Tag}} {{.ID}}'"),
      d('rm ipd'),
      d('image prune -f'),
      d("images --filter dangling=true --format '{{.Repository}}:{{.Tag}}'"),
      d('image prune -f --filter until=1h'),
      d('image prune -f --filter bogus=1'),
    ],
    cleanup: [rmf('ipd')],
  },
  {
    name: 'volumes',
    steps: [
      d('volume create vol1'),
      d('volume create --label a=b --driver local vol2'),
      d('volume create -o type=tmpfs -o device=tmpfs vol3'),
      d('volume create vol1'),
      d("volume ls --format '{{.Name}} {{.Driver}} {{.Labels}}'", { sortOut: true }),
      d('volume ls -q --filter label=a', { sortOut: true }),
      d('volume ls -q --filter name=vol1'),
      d('volume ls -q --filter dangling=true', { sortOut: true }),
      d('volume ls --filter bogus=1'),
      d("volume inspect --format '{{.Labels}} {{.Options}} {{.Scope}}' vol2 vol3"),
      d('volume inspect nosuch'),
      d('volume rm nosuch'),
      d("volume create 'bad/name'"),
      d('volume create --driver nosuchdriver volx'),
      d('run --name vu -v vol1:/d busybox sh -c "echo hi > /d/f"'),
      d('run --rm -v vol1:/d:ro busybox sh -c "cat /d/f; touch /d/g"'),
      d('volume rm vol1'),
      d('volume ls -q --filter dangling=false'),
      d('volume prune -f'),
      d('volume ls -q', { sortOut: true }),
      d('rm -v vu'),
      d('volume rm vol1 vol3'),
      d('volume prune -f --filter label=a'),
      d('volume ls -q', { sortOut: true }),
    ],
    inspect: ['volume vol2'],
    cleanup: [rmf('vu'), d('volume rm vol1 vol2 vol3')],
  },
  {
    name: 'anonymous volumes',
    steps: [
      d('run --name av -v /anon busybox true'),
      d('volume ls -q --filter dangling=false'),
      d('rm -v av'),
      d('volume ls -q'),
      d('run --name av2 -v /anon busybox true'),
      d('rm av2'),
      d('volume ls -q --filter dangling=true'),
      d('volume prune -f'),
      d('volume ls -q'),
    ],
    cleanup: [rmf('av', 'av2'), sh('$D volume prune -f --all >/dev/null 2>&1; $D volume prune -f >/dev/null')],
  },
  {
    name: 'networks',
    steps: [
      d('network create --internal --subnet <SUBNET> --label k=v nw1'),
      d('network create --internal nw1'),
      d('network create --driver bogus nwb'),
      d('network create --subnet bogus nwc'),
      d("network ls --filter name=nw --format '{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.IPv6}} {{.Labels}}'"),
      d('network ls --filter bogus=1'),
      d("network inspect --format '{{.Internal}} {{.Driver}} {{.Attachable}} {{json .IPAM.Config}}' nw1"),
      d('network inspect nosuch'),
      d('run -d --name nc --network nw1 busybox sleep 300'),
      d("inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}} {{$v.IPPrefixLen}} {{$v.Gateway}} {{json $v.Aliases}}{{end}}' nc"),
      d('network connect nw1 nc'),
      d('network disconnect nw1 nc'),
      d('network disconnect nw1 nc'),
      d('network connect --alias al --ip <NET>.50 nw1 nc'),
      d("inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}} {{json $v.Aliases}}{{end}}' nc"),
      d("exec nc sh -c 'ip -4 -o addr show | grep -c eth0'"),
      d('network rm nw1'),
      d('network rm nosuch'),
      d('network connect nosuch nc'),
      d('network connect nw1 nosuch'),
      d('network create --internal nw2'),
      d('network rm nw2'),
      d('network rm none'),
      d('network prune -f'),
      d("network ls --filter name=nw --format '{{.Name}}'"),
    ],
    inspect: ['network nw1', 'container nc'],
    cleanup: [rmf('nc'), d('network rm nw1 nw2 nwb nwc')],
  },
  {
    name: 'system',
    steps: [
      d('create --name sy busybox sleep 300'),
      d('system df'),
      d("system df --format '{{.Type}} {{.TotalCount}} {{.Active}}'"),
      d(
        "info --format '{{.OSType}}|{{.Architecture}}|{{.CgroupVersion}}|{{.CgroupDriver}}|{{.LoggingDriver}}|{{.DefaultRuntime}}|{{.Containers}}|{{.ContainersStopped}}|{{.Images}}|{{.IndexServerAddress}}|{{.NCPU}}|{{.MemTotal}}'",
      ),
      d("info --format '{{json .Plugins.Volume}}|{{json .Plugins.Log}}|{{.ServerVersion}}|{{.OperatingSystem}}|{{.ExperimentalBuild}}'"),
      d("version --format '{{.Server.APIVersion}}|{{.Server.MinAPIVersion}}|{{.Server.Os}}|{{.Server.Arch}}'"),
      d("version --format '{{range .Server.Components}}{{.Name}} {{end}}'"),
      d("info --format '{{.Bogus}}'"),
    ],
    cleanup: [rmf('sy')],
  },
  {
    name: 'restart policy',
    steps: [
      d('run -d --name rp --restart on-failure:2 busybox sh -c "exit 4"'),
      d("inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' rp", { until: /^2 exited 4/ }),
      d('update --restart no rp'),
      d('update --restart bogus rp'),
      d('update --memory 32m --memory-swap 64m rp'),
      d("inspect -f '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.Memory}}' rp"),
      d('update --cpus 1 nosuch'),
    ],
    inspect: ['container rp'],
    cleanup: [rmf('rp')],
  },
];
