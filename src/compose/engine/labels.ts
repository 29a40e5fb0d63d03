// The labels and names Compose v2 gives everything it makes, so berth compose
// and `docker compose` find (and can take down) each other's projects.
// Project objects are found by label, never by name prefix.

export const L = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
} as const;

/** The Compose version berth writes in labels: the spec level it follows. */
export const COMPOSE_VERSION = '2.30.0';

export const containerName = (project: string, service: string, n: number): string => `${project}-${service}-${n}`;

export const projectFilter = (project: string, extra: string[] = []): string => JSON.stringify({ label: [`${L.project}=${project}`, ...extra] });
