"""The `v1` PodStatus and its parts: phase, conditions, container statuses."""

import datetime
import enum
from typing import ClassVar

from tinykube.api.quantity import Quantity
from tinykube.api.wire import Wire


class PodPhase(enum.StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    UNKNOWN = "Unknown"


class ConditionType(enum.StrEnum):
    POD_READY_TO_START_CONTAINERS = "PodReadyToStartContainers"
    INITIALIZED = "Initialized"
    READY = "Ready"
    CONTAINERS_READY = "ContainersReady"
    POD_SCHEDULED = "PodScheduled"


class PodCondition(Wire):
    type: str = ""
    observed_generation: int = 0
    status: str = ""
    last_probe_time: datetime.datetime | None = None
    last_transition_time: datetime.datetime | None = None
    reason: str = ""
    message: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset(
        {"type", "status", "last_probe_time", "last_transition_time"}
    )


class ContainerStateWaiting(Wire):
    reason: str = ""
    message: str = ""


class ContainerStateRunning(Wire):
    started_at: datetime.datetime | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"started_at"})


class ContainerStateTerminated(Wire):
    exit_code: int = 0
    signal: int = 0
    reason: str = ""
    message: str = ""
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    container_id: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"exit_code", "started_at", "finished_at"})


class ContainerState(Wire):
    waiting: ContainerStateWaiting | None = None
    running: ContainerStateRunning | None = None
    terminated: ContainerStateTerminated | None = None


class ResourceRequirementsStatus(Wire):
    limits: dict[str, Quantity] = {}
    requests: dict[str, Quantity] = {}


class VolumeMountStatus(Wire):
    name: str = ""
    mount_path: str = ""
    read_only: bool = False
    recursive_read_only: str | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"name", "mount_path"})


class ContainerStatus(Wire):
    name: str = ""
    state: ContainerState = ContainerState()
    last_state: ContainerState = ContainerState()
    ready: bool = False
    restart_count: int = 0
    image: str = ""
    image_id: str = ""
    container_id: str = ""
    started: bool | None = None
    allocated_resources: dict[str, Quantity] = {}
    resources: ResourceRequirementsStatus | None = None
    volume_mounts: tuple[VolumeMountStatus, ...] = ()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset(
        {"name", "state", "last_state", "ready", "restart_count", "image", "image_id"}
    )


class HostIP(Wire):
    ip: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"ip"})


class PodIP(Wire):
    ip: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"ip"})


class PodStatus(Wire):
    observed_generation: int = 0
    phase: str = ""
    conditions: tuple[PodCondition, ...] = ()
    message: str = ""
    reason: str = ""
    nominated_node_name: str = ""
    host_ip: str = ""
    host_ips: tuple[HostIP, ...] = ()
    pod_ip: str = ""
    pod_ips: tuple[PodIP, ...] = ()
    start_time: datetime.datetime | None = None
    init_container_statuses: tuple[ContainerStatus, ...] = ()
    container_statuses: tuple[ContainerStatus, ...] = ()
    qos_class: str = ""
    ephemeral_container_statuses: tuple[ContainerStatus, ...] = ()
    resize: str = ""
