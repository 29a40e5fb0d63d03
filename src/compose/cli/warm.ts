// Compose's pure work on a sample project, run while the CLI's start-up
// snapshot is built (Command.warm): loading and normalizing a file, ordering
// services, their config hashes and container bodies. The snapshot keeps the
// bytecode, so `berth compose up` does not compile the YAML parser and the
// project code on every start. Nothing here touches the engine or the disk.
import { loadProject } from '../load';
import { createBody } from '../engine/create';
import { serviceHash } from '../engine/hash';
import { orderServices } from '../engine/project';
import { plainProgress } from '../engine/progress';

const SAMPLE = `name: warm
services:
  web:
    image: example/web:1
    command: ["serve", "--port", "80"]
    environment: {MODE: prod}
    env_file: []
    ports: ["8080:80", "127.0.0.1:8443:443/tcp"]
    volumes: ["data:/data", "./src:/src:ro", {type: tmpfs, target: /tmp}]
    networks: [front, back]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: ["CMD", "true"], interval: 30s, retries: 3}
    labels: [a=b]
    restart: unless-stopped
    stop_grace_period: 1s
  db:
    image: example/db:1
    networks:
      back: {aliases: [database]}
    volumes: [data:/var/lib/db]
    deploy: {resources: {limits: {memory: 64M}}}
networks:
  front: {}
  back: {}
volumes:
  data: {}
`;

export function warm(): void {
  const p = loadProject({ files: ['-'], stdin: () => SAMPLE, env: {}, cwd: '/' });
  const progress = plainProgress(() => {});
  for (const name of orderServices(p, undefined)) {
    const s = p.services[name];
    const hash = serviceHash(p, s);
    createBody(p, s, 1, hash, { resolveContainer: () => undefined });
    progress.event('Container', `warm-${name}-1`, 'Running', true);
  }
}
