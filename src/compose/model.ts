// A loaded compose project: every file merged, interpolated, validated and
// canonicalised (long forms only, paths absolute, lists-or-maps as maps).
// The convergence code (src/compose/engine) reads only this.

export interface PortConfig {
  target: number;
  /** host port or range ("8080", "8000-8010"); "" = any free port */
  published: string;
  host_ip: string;
  protocol: string;
}

export interface VolumeMount {
  type: 'volume' | 'bind' | 'tmpfs';
  /** volume key (resolved to a name at create), absolute host path for binds, "" for anonymous */
  source: string;
  target: string;
  read_only: boolean;
  nocopy?: boolean;
  create_host_path?: boolean;
  propagation?: string;
  tmpfs_size?: number;
  tmpfs_mode?: number;
  /** the short form's extra options ("z", "Z") */
  selinux?: string;
}

export interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  restart: boolean;
  required: boolean;
}

export interface ServiceNetwork {
  aliases: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority: number;
}

export interface Healthcheck {
  test?: string[];
  interval?: string;
  timeout?: string;
  start_period?: string;
  start_interval?: string;
  retries?: number;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args: Record<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  network?: string;
  extra_hosts: string[];
  shm_size?: number;
  cache_from: string[];
  no_cache: boolean;
  pull: boolean;
  tags: string[];
}

export interface FileRef {
  source: string;
  target: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment: Record<string, string | null>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ports: PortConfig[];
  expose: string[];
  volumes: VolumeMount[];
  volumes_from: string[];
  tmpfs: string[];
  /** absent: the default network (unless network_mode is set) */
  networks: Record<string, ServiceNetwork>;
  network_mode?: string;
  links: string[];
  external_links: string[];
  depends_on: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  container_name?: string;
  hostname?: string;
  domainname?: string;
  restart?: string;
  user?: string;
  working_dir?: string;
  tty: boolean;
  stdin_open: boolean;
  init?: boolean;
  privileged: boolean;
  read_only: boolean;
  cap_add: string[];
  cap_drop: string[];
  security_opt: string[];
  devices: string[];
  device_cgroup_rules: string[];
  sysctls: Record<string, string>;
  ulimits: Record<string, { soft: number; hard: number }>;
  extra_hosts: string[];
  dns: string[];
  dns_search: string[];
  dns_opt: string[];
  group_add: string[];
  shm_size?: number;
  stop_signal?: string;
  stop_grace_period?: string;
  logging?: { driver?: string; options: Record<string, string> };
  pid?: string;
  ipc?: string;
  uts?: string;
  userns_mode?: string;
  cgroup?: string;
  cgroup_parent?: string;
  mem_limit?: number;
  mem_reservation?: number;
  memswap_limit?: number;
  mem_swappiness?: number;
  cpus?: number;
  cpu_shares?: number;
  cpu_quota?: number;
  cpu_period?: number;
  cpuset?: string;
  pids_limit?: number;
  oom_score_adj?: number;
  oom_kill_disable?: boolean;
  mac_address?: string;
  platform?: string;
  runtime?: string;
  pull_policy: 'always' | 'never' | 'missing' | 'build' | 'if_not_present';
  scale: number;
  profiles: string[];
  secrets: FileRef[];
  configs: FileRef[];
  attach: boolean;
  post_start: Array<{ command: string[]; user?: string; privileged: boolean; working_dir?: string; environment: Record<string, string | null> }>;
  pre_stop: Array<{ command: string[]; user?: string; privileged: boolean; working_dir?: string; environment: Record<string, string | null> }>;
  storage_opt?: Record<string, string>;
}

export interface NetworkConfig {
  key: string;
  /** the engine-side name: <project>_<key> or `name:` */
  name: string;
  external: boolean;
  driver?: string;
  driver_opts: Record<string, string>;
  internal: boolean;
  attachable: boolean;
  enable_ipv6: boolean;
  labels: Record<string, string>;
  ipam?: { driver?: string; config: Array<{ subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Record<string, string> }> };
}

export interface VolumeConfig {
  key: string;
  name: string;
  external: boolean;
  driver?: string;
  driver_opts: Record<string, string>;
  labels: Record<string, string>;
}

export interface SecretConfig {
  key: string;
  name: string;
  external: boolean;
  file?: string;
  environment?: string;
  content?: string;
}

export interface Project {
  name: string;
  workingDir: string;
  configFiles: string[];
  envFiles: string[];
  /** the variables interpolation used (shell environment over .env) */
  environment: Record<string, string>;
  /** services enabled by the active profiles, by name */
  services: Record<string, ServiceConfig>;
  /** services present in the files but disabled by profiles */
  disabledServices: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, SecretConfig>;
  configs: Record<string, SecretConfig>;
  profiles: string[];
  /** keys the files use that berth compose does not act on */
  warnings: string[];
  /** the merged, interpolated document before normalization (what `config` needs that the model folds away) */
  source?: Record<string, unknown>;
}
