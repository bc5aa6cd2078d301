"""The `v1` Pod: spec, containers, volumes, probes, in the field order of Kubernetes' Go types.

Every field a v1 Pod may carry is declared, so that strict decoding knows unknown fields from
known ones. Fields tinykube does not implement, and scheduling-only fields, are still declared
(often as opaque `dict[str, Any]`): `tinykube.api.support` decides whether they are refused with
`not supported: <path>` or accepted with a warning.
"""

from typing import Any, ClassVar

import msgspec

from tinykube.api.meta import LocalObjectReference, ObjectMeta
from tinykube.api.quantity import Quantity
from tinykube.api.status import PodStatus
from tinykube.api.wire import Wire

IntOrString = int | str
ResourceList = dict[str, Quantity]
Opaque = dict[str, Any]


# --- environment -------------------------------------------------------------------------


class ObjectFieldSelector(Wire):
    api_version: str = ""
    field_path: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"field_path"})


class ResourceFieldSelector(Wire):
    container_name: str = ""
    resource: str = ""
    divisor: Quantity | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"resource"})


class ConfigMapKeySelector(Wire):
    name: str = ""
    key: str = ""
    optional: bool | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"key"})


class SecretKeySelector(Wire):
    name: str = ""
    key: str = ""
    optional: bool | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"key"})


class FileKeySelector(Wire):
    volume_name: str = ""
    path: str = ""
    key: str = ""
    optional: bool | None = None


class EnvVarSource(Wire):
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    config_map_key_ref: ConfigMapKeySelector | None = None
    secret_key_ref: SecretKeySelector | None = None
    file_key_ref: FileKeySelector | None = None


class EnvVar(Wire):
    name: str = ""
    value: str = ""
    value_from: EnvVarSource | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name"})


class ConfigMapEnvSource(Wire):
    name: str = ""
    optional: bool | None = None


class SecretEnvSource(Wire):
    name: str = ""
    optional: bool | None = None


class EnvFromSource(Wire):
    prefix: str = ""
    config_map_ref: ConfigMapEnvSource | None = None
    secret_ref: SecretEnvSource | None = None


# --- ports, resources, mounts --------------------------------------------------------------


class ContainerPort(Wire):
    name: str = ""
    host_port: int = 0
    container_port: int = 0
    protocol: str = ""
    host_ip: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"container_port"})


class ResourceClaim(Wire):
    name: str = ""
    request: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name"})


class ResourceRequirements(Wire):
    limits: ResourceList = {}
    requests: ResourceList = {}
    claims: tuple[ResourceClaim, ...] = ()


class ContainerResizePolicy(Wire):
    resource_name: str = ""
    restart_policy: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"resource_name", "restart_policy"})


class VolumeMount(Wire):
    name: str = ""
    read_only: bool = False
    recursive_read_only: str | None = None
    mount_path: str = ""
    sub_path: str = ""
    mount_propagation: str | None = None
    sub_path_expr: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name", "mount_path"})


class VolumeDevice(Wire):
    name: str = ""
    device_path: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name", "device_path"})


# --- probes and lifecycle hooks ------------------------------------------------------------


class ExecAction(Wire):
    command: tuple[str, ...] = ()


class HTTPHeader(Wire):
    name: str = ""
    value: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name", "value"})


class HTTPGetAction(Wire):
    path: str = ""
    port: IntOrString = 0
    host: str = ""
    scheme: str = ""
    http_headers: tuple[HTTPHeader, ...] = ()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"port"})


class TCPSocketAction(Wire):
    port: IntOrString = 0
    host: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"port"})


class GRPCAction(Wire):
    port: int = 0
    service: str | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"port", "service"})


class SleepAction(Wire):
    seconds: int = 0
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"seconds"})


class Probe(Wire):
    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    grpc: GRPCAction | None = None
    initial_delay_seconds: int = 0
    timeout_seconds: int = 0
    period_seconds: int = 0
    success_threshold: int = 0
    failure_threshold: int = 0
    termination_grace_period_seconds: int | None = None


class LifecycleHandler(Wire):
    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    sleep: SleepAction | None = None


class Lifecycle(Wire):
    post_start: LifecycleHandler | None = None
    pre_stop: LifecycleHandler | None = None
    stop_signal: str | None = None


# --- security ------------------------------------------------------------------------------


class Capabilities(Wire):
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


class SeccompProfile(Wire):
    type: str = ""
    localhost_profile: str | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"type"})


class SecurityContext(Wire):
    capabilities: Capabilities | None = None
    privileged: bool | None = None
    se_linux_options: Opaque | None = None
    windows_options: Opaque | None = None
    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None
    read_only_root_filesystem: bool | None = None
    allow_privilege_escalation: bool | None = None
    proc_mount: str | None = None
    seccomp_profile: SeccompProfile | None = None
    app_armor_profile: Opaque | None = None


class Sysctl(Wire):
    name: str = ""
    value: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name", "value"})


class PodSecurityContext(Wire):
    se_linux_options: Opaque | None = None
    windows_options: Opaque | None = None
    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None
    supplemental_groups: tuple[int, ...] = ()
    supplemental_groups_policy: str | None = None
    fs_group: int | None = None
    sysctls: tuple[Sysctl, ...] = ()
    fs_group_change_policy: str | None = None
    seccomp_profile: SeccompProfile | None = None
    app_armor_profile: Opaque | None = None
    se_linux_change_policy: str | None = None


# --- containers ----------------------------------------------------------------------------


class ContainerRestartRule(Wire):
    action: str = ""
    exit_codes: Opaque | None = None


class Container(Wire):
    """One entry of `spec.initContainers`, `spec.containers` or `spec.ephemeralContainers`."""

    name: str = ""
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    working_dir: str = ""
    ports: tuple[ContainerPort, ...] = ()
    env_from: tuple[EnvFromSource, ...] = ()
    env: tuple[EnvVar, ...] = ()
    resources: ResourceRequirements = ResourceRequirements()
    resize_policy: tuple[ContainerResizePolicy, ...] = ()
    restart_policy: str | None = None
    restart_policy_rules: tuple[ContainerRestartRule, ...] = ()
    volume_mounts: tuple[VolumeMount, ...] = ()
    volume_devices: tuple[VolumeDevice, ...] = ()
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    lifecycle: Lifecycle | None = None
    termination_message_path: str = ""
    termination_message_policy: str = ""
    image_pull_policy: str = ""
    security_context: SecurityContext | None = None
    stdin: bool = False
    stdin_once: bool = False
    tty: bool = False
    target_container_name: str = ""  # ephemeral containers only
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name", "resources"})

    @property
    def is_sidecar(self) -> bool:
        """An init container with `restartPolicy: Always` (a "restartable init container")."""
        return self.restart_policy == "Always"


# --- volumes -------------------------------------------------------------------------------


class KeyToPath(Wire):
    key: str = ""
    path: str = ""
    mode: int | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"key", "path"})


class HostPathVolumeSource(Wire):
    path: str = ""
    type: str | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"path"})


class EmptyDirVolumeSource(Wire):
    medium: str = ""
    size_limit: Quantity | None = None


class SecretVolumeSource(Wire):
    secret_name: str = ""
    items: tuple[KeyToPath, ...] = ()
    default_mode: int | None = None
    optional: bool | None = None


class ConfigMapVolumeSource(Wire):
    name: str = ""
    items: tuple[KeyToPath, ...] = ()
    default_mode: int | None = None
    optional: bool | None = None


class DownwardAPIVolumeFile(Wire):
    path: str = ""
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    mode: int | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"path"})


class DownwardAPIVolumeSource(Wire):
    items: tuple[DownwardAPIVolumeFile, ...] = ()
    default_mode: int | None = None


class SecretProjection(Wire):
    name: str = ""
    items: tuple[KeyToPath, ...] = ()
    optional: bool | None = None


class ConfigMapProjection(Wire):
    name: str = ""
    items: tuple[KeyToPath, ...] = ()
    optional: bool | None = None


class DownwardAPIProjection(Wire):
    items: tuple[DownwardAPIVolumeFile, ...] = ()


class ServiceAccountTokenProjection(Wire):
    audience: str = ""
    expiration_seconds: int | None = None
    path: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"path"})


class VolumeProjection(Wire):
    secret: SecretProjection | None = None
    downward_api: DownwardAPIProjection | None = None
    config_map: ConfigMapProjection | None = None
    service_account_token: ServiceAccountTokenProjection | None = None
    cluster_trust_bundle: Opaque | None = None
    pod_certificate: Opaque | None = None


class ProjectedVolumeSource(Wire):
    sources: tuple[VolumeProjection, ...] = ()
    default_mode: int | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"sources"})


class PersistentVolumeClaimVolumeSource(Wire):
    claim_name: str = ""
    read_only: bool = False
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"claim_name"})


class Volume(Wire):
    """A pod volume: a name and exactly one source, in the order of Go's VolumeSource."""

    name: str = ""
    host_path: HostPathVolumeSource | None = None
    empty_dir: EmptyDirVolumeSource | None = None
    gce_persistent_disk: Opaque | None = None
    aws_elastic_block_store: Opaque | None = None
    git_repo: Opaque | None = None
    secret: SecretVolumeSource | None = None
    nfs: Opaque | None = None
    iscsi: Opaque | None = None
    glusterfs: Opaque | None = None
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = None
    rbd: Opaque | None = None
    flex_volume: Opaque | None = None
    cinder: Opaque | None = None
    cephfs: Opaque | None = None
    flocker: Opaque | None = None
    downward_api: DownwardAPIVolumeSource | None = None
    fc: Opaque | None = None
    azure_file: Opaque | None = None
    config_map: ConfigMapVolumeSource | None = None
    vsphere_volume: Opaque | None = None
    quobyte: Opaque | None = None
    azure_disk: Opaque | None = None
    photon_persistent_disk: Opaque | None = None
    projected: ProjectedVolumeSource | None = None
    portworx_volume: Opaque | None = None
    scale_io: Opaque | None = None
    storageos: Opaque | None = None
    csi: Opaque | None = None
    ephemeral: Opaque | None = None
    image: Opaque | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name"})

    def sources(self) -> tuple[str, ...]:
        """Wire names of the sources that are set (a valid volume has exactly one)."""
        return tuple(
            field_name
            for field_name, attribute in _VOLUME_SOURCES
            if getattr(self, attribute) is not None
        )


# --- the pod -------------------------------------------------------------------------------


class PodDNSConfigOption(Wire):
    name: str = ""
    value: str | None = None


class PodDNSConfig(Wire):
    nameservers: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    options: tuple[PodDNSConfigOption, ...] = ()


class HostAlias(Wire):
    ip: str = ""
    hostnames: tuple[str, ...] = ()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"ip"})


class PodReadinessGate(Wire):
    condition_type: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"condition_type"})


class PodOS(Wire):
    name: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name"})


class PodSchedulingGate(Wire):
    name: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name"})


class PodSpec(Wire):
    volumes: tuple[Volume, ...] = ()
    init_containers: tuple[Container, ...] = ()
    containers: tuple[Container, ...] = ()
    ephemeral_containers: tuple[Container, ...] = ()
    restart_policy: str = ""
    termination_grace_period_seconds: int | None = None
    active_deadline_seconds: int | None = None
    dns_policy: str = ""
    node_selector: dict[str, str] = {}
    service_account_name: str = ""
    service_account: str = ""
    automount_service_account_token: bool | None = None
    node_name: str = ""
    host_network: bool = False
    host_pid: bool = False
    host_ipc: bool = False
    share_process_namespace: bool | None = None
    security_context: PodSecurityContext | None = None
    image_pull_secrets: tuple[LocalObjectReference, ...] = ()
    hostname: str = ""
    subdomain: str = ""
    affinity: Opaque | None = None
    scheduler_name: str = ""
    tolerations: tuple[Opaque, ...] = ()
    host_aliases: tuple[HostAlias, ...] = ()
    priority_class_name: str = ""
    priority: int | None = None
    dns_config: PodDNSConfig | None = None
    readiness_gates: tuple[PodReadinessGate, ...] = ()
    runtime_class_name: str | None = None
    enable_service_links: bool | None = None
    preemption_policy: str | None = None
    overhead: ResourceList = {}
    topology_spread_constraints: tuple[Opaque, ...] = ()
    set_hostname_as_fqdn: bool | None = None
    os: PodOS | None = None
    host_users: bool | None = None
    scheduling_gates: tuple[PodSchedulingGate, ...] = ()
    resource_claims: tuple[Opaque, ...] = ()
    resources: ResourceRequirements | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"containers"})


class Pod(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    spec: PodSpec = PodSpec()
    status: PodStatus = PodStatus()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"metadata", "spec", "status"})


_VOLUME_SOURCES: tuple[tuple[str, str], ...] = tuple(
    (field.encode_name, field.name)
    for field in msgspec.structs.fields(Volume)
    if field.name != "name"
)
