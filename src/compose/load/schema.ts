// The shape of a compose file, as berth's loader checks it after
// interpolation: every key is known (honoured, or reported as not supported),
// types are checked with the path of the value in errors, worded as Compose v5
// (compose-go's jsonschema) words them: "services.web.ports.1 must be a number"
// (a oneOf names its first alternative, a type list its sorted types, and
// always "a"). x- extensions are accepted anywhere.
// The compose-spec JSON schema is the tests' oracle for this table.

export type S =
  | { t: 'string' | 'bool' | 'int' | 'number' | 'any' | 'null' }
  | { t: 'list'; of: S }
  | { t: 'map'; of: S }
  | { t: 'object'; props: Record<string, S>; required?: string[]; open?: boolean }
  | { t: 'oneOf'; of: S[]; name?: string };

const str: S = { t: 'string' };
const bool: S = { t: 'oneOf', of: [{ t: 'bool' }, str], name: 'boolean' };
const int: S = { t: 'oneOf', of: [{ t: 'int' }, str], name: 'integer' };
const num: S = { t: 'oneOf', of: [{ t: 'number' }, str], name: 'number' };
const any: S = { t: 'any' };
const nul: S = { t: 'null' };
const listOf = (of: S): S => ({ t: 'list', of });
const mapOf = (of: S): S => ({ t: 'map', of });
const obj = (props: Record<string, S>, required?: string[]): S => ({ t: 'object', props, required });
const oneOf = (name: string, ...of: S[]): S => ({ t: 'oneOf', of, name });

const scalar = oneOf('boolean, null, number or string', str, { t: 'number' }, { t: 'bool' }, nul);
export const listOrDict = oneOf('mapping', mapOf(scalar), listOf(str));
const strOrList = oneOf('string', str, listOf(str));
const command = oneOf('null', str, listOf(str), nul);

const healthcheck = obj({
  disable: bool,
  interval: str,
  retries: num,
  test: oneOf('string', str, listOf(str)),
  timeout: str,
  start_period: str,
  start_interval: str,
});

const build = oneOf(
  'string or mapping',
  str,
  obj({
    context: str,
    dockerfile: str,
    dockerfile_inline: str,
    entitlements: listOf(str),
    args: listOrDict,
    ssh: listOrDict,
    labels: listOrDict,
    cache_from: listOf(str),
    cache_to: listOf(str),
    no_cache: bool,
    additional_contexts: listOrDict,
    network: str,
    pull: bool,
    target: str,
    shm_size: oneOf('integer or string', { t: 'int' }, str),
    extra_hosts: listOrDict,
    isolation: str,
    privileged: bool,
    secrets: any,
    tags: listOf(str),
    ulimits: any,
    platforms: listOf(str),
  }),
);

const portLong = obj({
  name: str,
  mode: str,
  host_ip: str,
  target: int,
  published: oneOf('integer or string', str, { t: 'int' }),
  protocol: str,
  app_protocol: str,
});
const volumeLong = obj(
  {
    type: str,
    source: str,
    target: str,
    read_only: bool,
    consistency: str,
    bind: obj({ propagation: str, create_host_path: bool, recursive: str, selinux: str }),
    volume: obj({ nocopy: bool, subpath: str }),
    tmpfs: obj({ size: oneOf('integer or string', { t: 'int' }, str), mode: num }),
    image: obj({ subpath: str }),
  },
  ['type'],
);
const secretRef = oneOf('string', str, obj({ source: str, target: str, uid: str, gid: str, mode: num }));
const hook = obj({ command: command, user: str, privileged: bool, working_dir: str, environment: listOrDict }, ['command']);
const resources = obj({ cpus: num, memory: str, pids: int, devices: any, generic_resources: any });

const deploy = obj({
  mode: str,
  endpoint_mode: str,
  replicas: int,
  labels: listOrDict,
  rollback_config: any,
  update_config: any,
  resources: obj({ limits: resources, reservations: resources }),
  restart_policy: obj({ condition: str, delay: str, max_attempts: int, window: str }),
  placement: any,
});

const dependsOn = oneOf('array', listOf(str), mapOf(obj({ restart: bool, required: bool, condition: str })));

const serviceNetworks = oneOf(
  'array',
  listOf(str),
  mapOf(
    oneOf(
      'mapping or null',
      obj({
        aliases: listOf(str),
        ipv4_address: str,
        ipv6_address: str,
        link_local_ips: listOf(str),
        mac_address: str,
        driver_opts: mapOf(scalar),
        priority: { t: 'number' },
        gw_priority: { t: 'number' },
        interface_name: str,
      }),
      nul,
    ),
  ),
);

/** Service keys berth compose reads; the rest of the spec's keys are accepted with a warning. */
export const serviceSchema: Record<string, S> = {
  annotations: listOrDict,
  attach: bool,
  build,
  cap_add: listOf(str),
  cap_drop: listOf(str),
  cgroup: str,
  cgroup_parent: str,
  command,
  configs: listOf(secretRef),
  container_name: str,
  cpu_shares: num,
  cpu_quota: num,
  cpu_period: num,
  cpu_rt_period: num,
  cpu_rt_runtime: num,
  cpus: num,
  cpuset: str,
  depends_on: dependsOn,
  deploy,
  device_cgroup_rules: listOf(str),
  devices: listOf(oneOf('string', str, obj({ source: str, target: str, permissions: str }))),
  dns: strOrList,
  dns_opt: listOf(str),
  dns_search: strOrList,
  domainname: str,
  entrypoint: command,
  env_file: oneOf('string', str, listOf(oneOf('string', str, obj({ path: str, required: bool, format: str }, ['path'])))),
  environment: listOrDict,
  expose: listOf(oneOf('number or string', str, { t: 'number' })),
  extends: oneOf('string', str, obj({ service: str, file: str }, ['service'])),
  external_links: listOf(str),
  extra_hosts: listOrDict,
  group_add: listOf(oneOf('number or string', str, { t: 'number' })),
  healthcheck,
  hostname: str,
  image: str,
  init: bool,
  ipc: str,
  labels: listOrDict,
  links: listOf(str),
  logging: obj({ driver: str, options: mapOf(oneOf('null, number or string', str, { t: 'number' }, nul)) }),
  mac_address: str,
  mem_limit: num,
  mem_reservation: num,
  mem_swappiness: int,
  memswap_limit: num,
  network_mode: str,
  networks: serviceNetworks,
  oom_kill_disable: bool,
  oom_score_adj: int,
  pid: oneOf('null or string', str, nul),
  pids_limit: num,
  platform: str,
  ports: listOf(oneOf('number', { t: 'number' }, str, portLong)),
  post_start: listOf(hook),
  pre_stop: listOf(hook),
  privileged: bool,
  profiles: listOf(str),
  pull_policy: str,
  read_only: bool,
  restart: str,
  runtime: str,
  scale: int,
  secrets: listOf(secretRef),
  security_opt: listOf(str),
  shm_size: num,
  stdin_open: bool,
  stop_grace_period: str,
  stop_signal: str,
  storage_opt: mapOf(any),
  sysctls: listOrDict,
  tmpfs: strOrList,
  tty: bool,
  ulimits: mapOf(oneOf('integer', int, obj({ hard: int, soft: int }, ['soft', 'hard']))),
  user: str,
  userns_mode: str,
  uts: str,
  volumes: listOf(oneOf('string', str, volumeLong)),
  volumes_from: listOf(str),
  working_dir: str,
};

/** Keys of the spec that berth compose does not act on: accepted, reported once. */
export const unsupportedServiceKeys = new Set([
  'blkio_config',
  'cpu_count',
  'cpu_percent',
  'credential_spec',
  'develop',
  'gpus',
  'isolation',
  'label_file',
  'models',
  'provider',
  'pull_refresh_after',
  'use_api_socket',
]);

const external = oneOf('boolean or mapping', bool, obj({ name: str }));
export const topSchema: Record<string, S> = {
  version: str,
  name: str,
  include: listOf(oneOf('string', str, obj({ path: strOrList, env_file: strOrList, project_directory: str }))),
  services: mapOf(any),
  networks: mapOf(
    oneOf(
      'mapping or null',
      obj({
        name: str,
        driver: str,
        driver_opts: mapOf(scalar),
        ipam: obj({ driver: str, config: listOf(obj({ subnet: str, ip_range: str, gateway: str, aux_addresses: mapOf(str) })), options: mapOf(str) }),
        external,
        internal: bool,
        enable_ipv4: bool,
        enable_ipv6: bool,
        attachable: bool,
        labels: listOrDict,
      }),
      nul,
    ),
  ),
  volumes: mapOf(oneOf('mapping or null', obj({ name: str, driver: str, driver_opts: mapOf(scalar), external, labels: listOrDict }), nul)),
  secrets: mapOf(
    obj({ name: str, file: str, environment: str, content: str, external, labels: listOrDict, driver: str, driver_opts: mapOf(scalar), template_driver: str }),
  ),
  configs: mapOf(obj({ name: str, file: str, environment: str, content: str, external, labels: listOrDict, template_driver: str })),
  models: mapOf(any),
};

export interface SchemaIssue {
  path: string;
  message: string;
}

const typeName = (s: S): string =>
  s.t === 'oneOf'
    ? (s.name ?? s.of.map(typeName).join(' or '))
    : s.t === 'list'
      ? 'array'
      : s.t === 'map' || s.t === 'object'
        ? 'mapping'
        : s.t === 'bool'
          ? 'boolean'
          : s.t === 'int'
            ? 'integer'
            : s.t;

/** Checks v against s; returns the first issue (deepest path) or undefined. */
export function check(v: unknown, s: S, path: string): SchemaIssue | undefined {
  switch (s.t) {
    case 'any':
      return undefined;
    case 'null':
      return v === null ? undefined : { path, message: `${path} must be a null` };
    case 'string':
      return typeof v === 'string' ? undefined : { path, message: `${path} must be a string` };
    case 'bool':
      return typeof v === 'boolean' ? undefined : { path, message: `${path} must be a boolean` };
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : { path, message: `${path} must be a integer` };
    case 'number':
      return typeof v === 'number' ? undefined : { path, message: `${path} must be a number` };
    case 'list': {
      if (!Array.isArray(v)) return { path, message: `${path} must be a array` };
      for (let i = 0; i < v.length; i++) {
        const e = check(v[i], s.of, `${path}.${i}`);
        if (e) return e;
      }
      return undefined;
    }
    case 'map': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { path, message: `${path} must be a mapping` };
      for (const [k, x] of Object.entries(v)) {
        const e = check(x, s.of, `${path}.${k}`);
        if (e) return e;
      }
      return undefined;
    }
    case 'object': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { path, message: `${path} must be a mapping` };
      for (const [k, x] of Object.entries(v)) {
        if (k.startsWith('x-')) continue;
        const ps = s.props[k];
        if (!ps) {
          if (s.open) continue;
          return { path: `${path}.${k}`, message: `${path} additional properties '${k}' not allowed` };
        }
        const e = check(x, ps, `${path}.${k}`);
        if (e) return e;
      }
      for (const r of s.required ?? []) if ((v as Record<string, unknown>)[r] === undefined) return { path, message: `${path} missing property '${r}'` };
      return undefined;
    }
    case 'oneOf': {
      const issues: SchemaIssue[] = [];
      for (const alt of s.of) {
        const e = check(v, alt, path);
        if (!e) return undefined;
        issues.push(e);
      }
      // an issue deeper than this value (inside the mapping form, say) says more
      const deeper = issues.find((e) => e.path !== path);
      return deeper ?? { path, message: `${path} must be a ${typeName(s)}` };
    }
  }
}
