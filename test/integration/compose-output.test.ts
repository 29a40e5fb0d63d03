// What `berth compose` prints, held to the text the real Compose v5 prints for
// the same project against the same engine (found with `npm run
// compare:compose`; the expected texts below are Compose v5's output, with
// relative times and IDs made neutral). Needs no real Compose.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon, waitFor, type RunResult } from '../helpers/daemon';

describe('berth compose output as Compose v5 prints it', () => {
  const d = new TestDaemon('composeout');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composeout-'));
  const P = 'outp';
  const port = 20000 + (process.pid % 20000);
  const compose = (args: string[]): RunResult => {
    const r = spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', P, ...args], { cwd: dir, timeout: 120000, killSignal: 'SIGKILL' });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  /** The cells of a table printed with at least two spaces between columns. */
  const cells = (out: string, n: number): string[][] =>
    out
      .trimEnd()
      .split('\n')
      .map((l) => {
        const c = l.trimEnd().split(/ {2,}/);
        while (c.length < n) c.push('');
        return c;
      });
  /** Go's tabwriter (padchar ' '): each column but the last as wide as its widest cell plus padding, at least minwidth. */
  const tabwriter = (rows: string[][], minwidth: number, padding: number): string => {
    const w = rows[0].map((_, j) => Math.max(minwidth, ...rows.map((r) => r[j].length + padding)));
    return rows.map((r) => r.map((c, j) => (j < r.length - 1 ? c.padEnd(w[j]) : c)).join('') + '\n').join('');
  };
  const AGO = /^(\d+ seconds?|Less than a second|About a minute|\d+ minutes) ago$/;

  before(async () => {
    await d.start();
    await d.importBusybox();
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      [
        'services:',
        '  web:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        `    ports: ["127.0.0.1:${port}:80"]`,
        '    depends_on: [db]',
        '  db:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '',
      ].join('\n'),
    );
    const r = compose(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    compose(['down', '-t', '0']);
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ps shows CREATED as "N seconds ago" (Compose v5), and --format json has its keys', () => {
    const r = compose(['ps']);
    assert.equal(r.status, 0, r.stderr);
    // Compose v5's output: NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS, CREATED as "N seconds ago"
    const t = cells(r.stdout, 7);
    assert.deepEqual(t[0], ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS']);
    assert.deepEqual(
      t.slice(1).map((c) => [c[0], c[1], c[2], c[3], c[6]]),
      [
        ['outp-db-1', 'busybox', '"sleep 1000"', 'db', ''],
        ['outp-web-1', 'busybox', '"sleep 1000"', 'web', `127.0.0.1:${port}->80/tcp`],
      ],
    );
    for (const c of t.slice(1)) assert.match(c[4], AGO);
    assert.equal(r.stdout, tabwriter(t, 0, 3));
    const j = compose(['ps', '--format', 'json']);
    const rows = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(Object.keys(rows[1]), [
      'Command',
      'CreatedAt',
      'Engine',
      'ExitCode',
      'Health',
      'ID',
      'Image',
      'Labels',
      'LocalVolumes',
      'Mounts',
      'Name',
      'Names',
      'Networks',
      'Ports',
      'Project',
      'Publishers',
      'RunningFor',
      'Service',
      'Size',
      'State',
      'Status',
    ]);
    assert.deepEqual(rows[1].Publishers, [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: port, Protocol: 'tcp' }]);
    assert.match(rows[1].CreatedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    assert.match(rows[1].RunningFor, / ago$/);
  });

  it('images has PLATFORM, a human SIZE and CREATED, in 20-wide columns; --format json is an array and an empty line', () => {
    const size = JSON.parse(d.docker(['image', 'inspect', 'busybox']).stdout)[0].Size as number;
    const human = `${Number((size / 1e6).toPrecision(3))}MB`;
    const r = compose(['images']);
    assert.equal(r.status, 0, r.stderr);
    const id = JSON.parse(d.docker(['image', 'inspect', 'busybox']).stdout)[0].Id.slice(7, 19);
    const t = cells(r.stdout, 7);
    const plat = `linux/${os.arch() === 'x64' ? 'amd64' : 'arm64'}`;
    // Compose v5's output
    assert.deepEqual(
      t.map((c) => c.slice(0, 6)),
      [
        ['CONTAINER', 'REPOSITORY', 'TAG', 'PLATFORM', 'IMAGE ID', 'SIZE'],
        ['outp-db-1', 'busybox', 'latest', plat, id, human],
        ['outp-web-1', 'busybox', 'latest', plat, id, human],
      ],
    );
    assert.equal(t[0][6], 'CREATED');
    for (const c of t.slice(1)) assert.match(c[6], AGO);
    assert.equal(r.stdout, tabwriter(t, 20, 3));
    assert.ok(
      r.stdout.startsWith('CONTAINER           REPOSITORY          TAG                 PLATFORM            IMAGE ID            SIZE                CREATED\n'),
    );
    const j = compose(['images', '--format', 'json']);
    assert.equal(j.status, 0, j.stderr);
    assert.ok(j.stdout.endsWith(']\n\n'), j.stdout);
    const list = JSON.parse(j.stdout);
    assert.deepEqual(Object.keys(list[0]).slice(0, 6), ['ID', 'ContainerName', 'Repository', 'Tag', 'Platform', 'Size']);
    assert.match(list[0].ID, /^sha256:[0-9a-f]{64}$/);
    assert.equal(list[0].Size, size);
    const q = compose(['images', '-q']);
    assert.match(q.stdout, /^[0-9a-f]{64}\n$/);
  });

  it('ls pads its columns to 20 as Compose v5 does', () => {
    const r = compose(['ls']);
    assert.equal(r.status, 0, r.stderr);
    const mine = r.stdout.split('\n').find((l) => l.startsWith(`${P} `));
    assert.equal(r.stdout.split('\n')[0], 'NAME                STATUS              CONFIG FILES');
    assert.equal(mine, `${P.padEnd(20)}running(2)          ${path.join(dir, 'compose.yaml')}`);
  });

  it('top prints one table with SERVICE and # columns', () => {
    const r = compose(['top', 'db']);
    assert.equal(r.status, 0, r.stderr);
    // Compose v5's output: SERVICE  #   UID   PID    PPID   C   STIME  TTY  TIME      CMD
    const t = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/ +/));
    t[1] = [...t[1].slice(0, 9), t[1].slice(9).join(' ')];
    assert.deepEqual(t[0], ['SERVICE', '#', 'UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    assert.deepEqual([t[1][0], t[1][1], t[1][2], t[1][7], t[1][9]], ['db', '1', 'root', '?', 'sleep 1000']);
    assert.equal(t.length, 2);
    assert.equal(r.stdout, tabwriter(t, 4, 2));
  });

  it('port says which ports the container has; exec and port name a service that is not running', () => {
    let r = compose(['port', 'web', '80']);
    assert.equal(r.stdout, `127.0.0.1:${port}\n`);
    r = compose(['port', 'web', '81']);
    assert.deepEqual([r.status, r.stderr], [1, 'no port 81/tcp for container outp-web-1: 80/tcp\n']);
    r = compose(['port', 'db', '80']);
    assert.deepEqual([r.status, r.stderr], [1, 'no port 80/tcp for container outp-db-1: \n']);
    r = compose(['port', 'nosuch', '80']);
    assert.deepEqual([r.status, r.stderr], [1, 'service "nosuch" is not running\n']);
    r = compose(['port', '--index', '2', 'web', '80']);
    assert.deepEqual([r.status, r.stderr], [1, 'service "web" is not running container #2\n']);
    r = compose(['exec', '-T', 'db', 'echo', 'hi']);
    assert.deepEqual([r.status, r.stdout], [0, 'hi\n']);
    r = compose(['exec', 'nosuch', 'true']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [1, '', 'service "nosuch" is not running\n']);
  });

  it('commands given an unknown service do what Compose v5 does', () => {
    const expect: Record<string, [number, string]> = {
      stop: [0, ''],
      pause: [0, ''],
      unpause: [0, ''],
      kill: [0, 'No container to kill\n'],
      rm: [0, 'No stopped containers\n'],
      start: [1, 'no such service: "nosuch": not found\n'],
      restart: [1, 'no such service: nosuch\n'],
      create: [1, 'no such service: nosuch\n'],
      'up -d': [1, 'no such service: nosuch\n'],
    };
    for (const [cmd, [status, stderr]] of Object.entries(expect)) {
      const r = compose([...cmd.split(' '), ...(cmd === 'rm' ? ['-f'] : []), 'nosuch']);
      assert.deepEqual([r.status, r.stdout, r.stderr], [status, '', stderr], cmd);
    }
    // nothing of the project was touched
    assert.equal(compose(['ps', '--format', '{{.Service}} {{.State}}']).stdout, 'db running\nweb running\n');
    // create works with its own flags (it read up's)
    const r = compose(['create', 'db']);
    assert.equal(r.status, 0, r.stderr);
  });
  it('config prints the canonical model as Compose v5 does, in YAML and JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composecfg-'));
    try {
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(path.join(dir, 'token.txt'), 't\n');
      fs.writeFileSync(
        path.join(dir, 'compose.yaml'),
        'services:\n  app:\n    build: {context: ., args: {V: "1"}}\n    image: example/app:1.0\n    command: serve --port 8080\n    environment: {A: "1", B: }\n    ports: ["127.0.0.1:9090:90/udp", "8080:80"]\n    volumes: ["data:/data", "./src:/src:ro", {type: tmpfs, target: /tmp}]\n    networks: {back: , front: {aliases: [web]}}\n    depends_on: {db: {condition: service_healthy}}\n    healthcheck: {test: ["CMD", "true"], interval: 90s, retries: 3}\n    labels: [com.example.a=y]\n    deploy: {resources: {limits: {cpus: "0.5", memory: 64M}}}\n    secrets: [token]\n    stop_grace_period: 1500ms\n  db:\n    image: busybox\n    healthcheck: {test: exit 0}\nnetworks:\n  front: {}\n  back: {driver: bridge}\n  unused: {}\nvolumes:\n  data: {}\nsecrets:\n  token: {file: ./token.txt}\n',
      );
      const run = (args: string[]) => spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', P, ...args], { cwd: dir }).stdout.toString();
      // Compose v5's output
      assert.equal(
        run(['config']),
        `name: outp
services:
  app:
    deploy:
      resources:
        limits:
          cpus: 0.5
          memory: "67108864"
    command:
      - serve
      - --port
      - "8080"
    environment:
      A: "1"
      B: null
    image: example/app:1.0
    labels:
      com.example.a: 'y'
    networks:
      back: null
      front:
        aliases:
          - web
    secrets:
      - source: token
        target: /run/secrets/token
    stop_grace_period: 1.5s
    volumes:
      - type: volume
        source: data
        target: /data
        volume: {}
      - type: bind
        source: ${dir}/src
        target: /src
        read_only: true
        bind: {}
      - type: tmpfs
        target: /tmp
    build:
      context: ${dir}
      dockerfile: Dockerfile
      args:
        V: "1"
    depends_on:
      db:
        condition: service_healthy
        required: true
    healthcheck:
      test:
        - CMD
        - "true"
      interval: 1m30s
      retries: 3
    ports:
      - mode: ingress
        host_ip: 127.0.0.1
        target: 90
        published: "9090"
        protocol: udp
      - mode: ingress
        target: 80
        published: "8080"
        protocol: tcp
  db:
    image: busybox
    networks:
      default: null
    healthcheck:
      test:
        - CMD-SHELL
        - exit 0
networks:
  back:
    name: outp_back
    driver: bridge
  default:
    name: outp_default
  front:
    name: outp_front
volumes:
  data:
    name: outp_data
secrets:
  token:
    name: outp_token
    file: ${dir}/token.txt
`,
      );
      // Compose v5's output
      assert.equal(
        run(['config', '--format', 'json']),
        `{
  "name": "outp",
  "networks": {
    "back": {
      "name": "outp_back",
      "driver": "bridge",
      "ipam": {}
    },
    "default": {
      "name": "outp_default",
      "ipam": {}
    },
    "front": {
      "name": "outp_front",
      "ipam": {}
    }
  },
  "secrets": {
    "token": {
      "name": "outp_token",
      "file": "${dir}/token.txt"
    }
  },
  "services": {
    "app": {
      "deploy": {
        "resources": {
          "limits": {
            "cpus": 0.5,
            "memory": "67108864"
          }
        },
        "placement": {}
      },
      "command": [
        "serve",
        "--port",
        "8080"
      ],
      "entrypoint": null,
      "environment": {
        "A": "1",
        "B": null
      },
      "image": "example/app:1.0",
      "labels": {
        "com.example.a": "y"
      },
      "networks": {
        "back": null,
        "front": {
          "aliases": [
            "web"
          ]
        }
      },
      "secrets": [
        {
          "source": "token",
          "target": "/run/secrets/token"
        }
      ],
      "stop_grace_period": "1.5s",
      "volumes": [
        {
          "type": "volume",
          "source": "data",
          "target": "/data",
          "volume": {}
        },
        {
          "type": "bind",
          "source": "${dir}/src",
          "target": "/src",
          "read_only": true,
          "bind": {}
        },
        {
          "type": "tmpfs",
          "target": "/tmp"
        }
      ],
      "build": {
        "context": "${dir}",
        "dockerfile": "Dockerfile",
        "args": {
          "V": "1"
        }
      },
      "depends_on": {
        "db": {
          "condition": "service_healthy",
          "required": true
        }
      },
      "healthcheck": {
        "test": [
          "CMD",
          "true"
        ],
        "interval": "1m30s",
        "retries": 3
      },
      "ports": [
        {
          "mode": "ingress",
          "host_ip": "127.0.0.1",
          "target": 90,
          "published": "9090",
          "protocol": "udp"
        },
        {
          "mode": "ingress",
          "target": 80,
          "published": "8080",
          "protocol": "tcp"
        }
      ]
    },
    "db": {
      "command": null,
      "entrypoint": null,
      "image": "busybox",
      "networks": {
        "default": null
      },
      "healthcheck": {
        "test": [
          "CMD-SHELL",
          "exit 0"
        ]
      }
    }
  },
  "volumes": {
    "data": {
      "name": "outp_data"
    }
  }
}`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("bad project files fail with Compose v5's words and exit code", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composebad-'));
    try {
      const run = (body: string, args: string[]) => {
        fs.writeFileSync(path.join(dir, 'compose.yaml'), body);
        const r = spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', 'bad', ...args], { cwd: dir });
        return [r.status, r.stderr.toString()];
      };
      const file = path.join(dir, 'compose.yaml');
      // Compose v5's output
      assert.deepEqual(run('volumes:\n  v: {}\n', ['up', '-d']), [1, 'no service selected\n']);
      assert.deepEqual(run('services:\n  a:\n    image: busybox\nfoo: {}\n', ['config']), [
        1,
        `validating ${file}:  additional properties 'foo' not allowed\n`,
      ]);
      assert.deepEqual(run('services:\n  a:\n    image: busybox\n    imagez: x\n', ['config']), [1, `validating ${file}: services.a.imagez false schema\n`]);
      assert.deepEqual(run('services:\n  a:\n    image: busybox\n    ports: "80"\n', ['up', '-d']), [
        1,
        `validating ${file}: services.a.ports must be a array\n`,
      ]);
      assert.deepEqual(run('services:\n  a:\n    image: busybox\n    ports: ["80:abc"]\n', ['config']), [1, 'invalid containerPort: abc\n']);
      assert.deepEqual(run('', ['config']), [1, 'empty compose file\n']);
      // the positive control: a good file loads
      assert.deepEqual(run('services:\n  a:\n    image: busybox\n', ['config', '-q']), [0, '']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("events --json prints Compose v5's object: sorted keys, RFC3339 time, attributes without compose labels", async () => {
    const ch = spawn(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', P, 'events', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ch.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      // the listener subscribes asynchronously: pause and unpause until it has seen an event
      await waitFor(
        () => {
          compose(['pause', 'db']);
          compose(['unpause', 'db']);
          return out.includes('"action":"pause"');
        },
        20000,
        200,
        'a pause event',
      );
    } finally {
      ch.kill();
    }
    const e = JSON.parse(out.split('\n').find((l) => l.includes('"action":"pause"'))!);
    // Compose v5's keys, in its order (a Go map marshalled)
    assert.deepEqual(Object.keys(e), ['action', 'attributes', 'id', 'service', 'time', 'type']);
    assert.equal(e.service, 'db');
    assert.equal(e.type, 'container');
    assert.match(e.id, /^[0-9a-f]{64}$/);
    assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(e.attributes.name, 'outp-db-1');
    assert.ok(!Object.keys(e.attributes).some((k) => k.startsWith('com.docker.compose.')));
    assert.deepEqual(Object.keys(e.attributes), [...Object.keys(e.attributes)].sort());
  });
  it('progress lines, logs and rm -f as Compose v5 prints them', async () => {
    const ldir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composelogs-'));
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', 'outl', ...args], { cwd: ldir, timeout: 60000 });
      return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    };
    try {
      fs.writeFileSync(
        path.join(ldir, 'compose.yaml'),
        'services:\n  talk:\n    image: busybox\n    command: ["sh", "-c", "echo hello; echo oops >&2; echo world; sleep 1000"]\n    stop_grace_period: 1s\n',
      );
      assert.equal(run(['up', '-d']).status, 0);
      let logs = run(['logs']);
      await waitFor(() => (logs = run(['logs'])).stdout.includes('world'), 10000, 100, 'the logs');
      // Compose v5's output: the name less the project, stderr on stderr
      assert.equal(logs.stdout, 'talk-1  | hello\ntalk-1  | world\n');
      assert.equal(logs.stderr, 'talk-1  | oops\n');
      assert.equal(run(['logs', '--no-log-prefix', 'talk']).stdout, 'hello\nworld\n');
      // Compose v5's plain progress: " <kind> <name> <status> " (its empty details after a space)
      assert.deepEqual(run(['pause', 'talk']), { status: 0, stdout: '', stderr: ' Container outl-talk-1 Paused \n' });
      assert.deepEqual(run(['unpause', 'talk']), { status: 0, stdout: '', stderr: ' Container outl-talk-1 Unpaused \n' });
      assert.deepEqual(run(['stop', 'talk']), { status: 0, stdout: '', stderr: ' Container outl-talk-1 Stopping \n Container outl-talk-1 Stopped \n' });
      assert.deepEqual(run(['rm', '-f', 'talk']), {
        status: 0,
        stdout: 'Going to remove outl-talk-1\n',
        stderr: ' Container outl-talk-1 Removing \n Container outl-talk-1 Removed \n',
      });
    } finally {
      run(['down', '-t', '0']);
      fs.rmSync(ldir, { recursive: true, force: true });
    }
  });
});
