// The CRI messages berth reads and writes, as grpc-js hands them over with
// berth's loader options (field names as in the .proto, enums as names,
// int64 as numbers in and decimal strings out).
export type NsMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export interface NamespaceOption {
  network?: NsMode;
  pid?: NsMode;
  ipc?: NsMode;
  target_id?: string;
}
export interface Int64Value {
  value: number;
}
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}
export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  container_port: number;
  host_port: number;
  host_ip: string;
}
export interface SecurityProfile {
  profile_type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhost_ref: string;
}
export interface LinuxContainerResources {
  cpu_period: number;
  cpu_quota: number;
  cpu_shares: number;
  memory_limit_in_bytes: number;
  oom_score_adj: number;
  cpuset_cpus: string;
  cpuset_mems: string;
  memory_swap_limit_in_bytes: number;
}
export interface PodSandboxConfig {
  metadata?: PodSandboxMetadata;
  hostname: string;
  log_directory: string;
  dns_config?: { servers: string[]; searches: string[]; options: string[] };
  port_mappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux?: {
    cgroup_parent: string;
    security_context?: { namespace_options?: NamespaceOption; privileged: boolean; readonly_rootfs: boolean };
    sysctls: Record<string, string>;
  };
}
export interface RunPodSandboxRequest {
  config?: PodSandboxConfig;
  runtime_handler: string;
}
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtime_handler: string;
}
export interface PodSandboxStatusResponse {
  status: PodSandbox & { network: { ip: string; additional_ips: Array<{ ip: string }> }; linux: { namespaces: { options: NamespaceOption } } };
  info: Record<string, string>;
  containers_statuses: ContainerStatus[];
  timestamp: string;
}
export interface PodSandboxFilter {
  id: string;
  state?: { state: PodSandboxState };
  label_selector: Record<string, string>;
}
export interface ImageSpec {
  image: string;
  annotations?: Record<string, string>;
  user_specified_image?: string;
  runtime_handler?: string;
  image_ref?: string;
}
export interface Mount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  selinux_relabel: boolean;
  propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}
export interface ContainerConfig {
  metadata?: { name: string; attempt: number };
  image?: ImageSpec;
  command: string[];
  args: string[];
  working_dir: string;
  envs: Array<{ key: string; value: Buffer | string }>;
  mounts: Mount[];
  devices: Array<{ container_path: string; host_path: string; permissions: string }>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux?: {
    resources?: LinuxContainerResources;
    security_context?: {
      capabilities?: { add_capabilities: string[]; drop_capabilities: string[] };
      privileged: boolean;
      namespace_options?: NamespaceOption;
      run_as_user?: Int64Value;
      run_as_group?: Int64Value;
      run_as_username: string;
      readonly_rootfs: boolean;
      supplemental_groups: number[];
      no_new_privs: boolean;
      masked_paths: string[];
      readonly_paths: string[];
      seccomp?: SecurityProfile | null;
      /** deprecated by `seccomp`, still sent by older kubelets */
      seccomp_profile_path?: string;
    };
  };
}
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  image_ref: string;
  state: ContainerState;
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  image_id: string;
}
export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerState;
  created_at: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  image: ImageSpec;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Array<Partial<Mount>>;
  log_path: string;
  image_id: string;
}
export interface ContainerFilter {
  id: string;
  state?: { state: ContainerState };
  pod_sandbox_id: string;
  label_selector: Record<string, string>;
}
export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: string;
  uid?: { value: string };
  username: string;
  spec: ImageSpec;
  pinned: boolean;
}
export interface AuthConfig {
  username: string;
  password: string;
  auth: string;
  server_address: string;
  identity_token: string;
  registry_token: string;
}
