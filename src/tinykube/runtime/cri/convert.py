"""Pure mapping between the runtime contract and the CRI's protobuf messages.

Sandboxes and containers carry the kubelet's labels and annotations (`kuberuntime/labels.go`)
so that an agent that restarts finds and adopts them from the runtime alone, plus the owner
label of the agent that made them: several agents (a `tinykube run`, a daemon, tests) share
one containerd namespace and each lists only its own.
"""

from __future__ import annotations

import datetime
import math

import grpc
from cri_api.v1 import api_pb2 as pb

from tinykube.core.ids import ContainerID, SandboxID
from tinykube.core.observed import (
    ContainerSnapshot,
    ContainerState,
    SandboxSnapshot,
    SandboxState,
)
from tinykube.runtime import contract

POD_UID = "io.kubernetes.pod.uid"
POD_NAME = "io.kubernetes.pod.name"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
CONTAINER_NAME = "io.kubernetes.container.name"
CONTAINER_HASH = "io.kubernetes.container.hash"  # annotation, as the kubelet's
RESTART_COUNT = "io.kubernetes.container.restartCount"  # annotation
TERMINATION_MESSAGE_PATH = "io.kubernetes.container.terminationMessagePath"  # annotation
OWNER = "tinykube.io/owner"  # label: the agent that made it
IMAGE = "tinykube.io/image"  # annotation: the image as the pod names it
LOG_DIRECTORY = "tinykube.io/log-directory"  # sandbox annotation
PREPARED = "tinykube.io/prepared"  # annotation: created ahead of its turn

_CONTAINER_STATES: dict[int, ContainerState] = {
    pb.CONTAINER_CREATED: ContainerState.CREATED,
    pb.CONTAINER_RUNNING: ContainerState.RUNNING,
    pb.CONTAINER_EXITED: ContainerState.EXITED,
    pb.CONTAINER_UNKNOWN: ContainerState.UNKNOWN,
}


def from_nanos(value: int) -> datetime.datetime | None:
    """A CRI timestamp (nanoseconds since the epoch; 0 = unset) as an aware datetime."""
    if value <= 0:
        return None
    seconds, nanos = divmod(value, 1_000_000_000)
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment + datetime.timedelta(microseconds=nanos // 1000)


def container_state(state: int) -> ContainerState:
    """A CRI container state (an int on the wire) as the core's."""
    return _CONTAINER_STATES.get(state, ContainerState.UNKNOWN)


def pod_labels(pod: contract.PodIdentity, owner: str) -> dict[str, str]:
    return {
        POD_UID: pod.uid,
        POD_NAME: pod.name,
        POD_NAMESPACE: pod.namespace,
        OWNER: owner,
    }


def sandbox_config(config: contract.SandboxConfig, *, owner: str) -> pb.PodSandboxConfig:
    """Host network: no UTS namespace of its own, so no hostname (runc refuses one)."""
    network = pb.NODE if config.host_network else pb.POD
    return pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(
            name=config.pod.name,
            uid=config.pod.uid,
            namespace=config.pod.namespace,
            attempt=config.attempt,
        ),
        hostname="" if config.host_network else config.hostname,
        log_directory=config.log_directory,
        labels=pod_labels(config.pod, owner),
        annotations={LOG_DIRECTORY: config.log_directory},
        linux=pb.LinuxPodSandboxConfig(
            security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=network, pid=pb.CONTAINER, ipc=pb.POD),
            ),
        ),
    )


def relative_log_path(log_path: str, log_directory: str) -> str:
    """The container's log path relative to its sandbox's log directory, as the CRI wants it."""
    prefix = log_directory.rstrip("/") + "/"
    if not log_path.startswith(prefix):
        raise contract.ConfigError(
            f"log path {log_path!r} is not under the sandbox's log directory {log_directory!r}"
        )
    return log_path.removeprefix(prefix)


def _optional_int(value: int | None) -> pb.Int64Value | None:
    return pb.Int64Value(value=value) if value is not None else None


def container_config(
    config: contract.ContainerConfig,
    *,
    owner: str,
    log_directory: str,
    termination_host_path: str,
) -> pb.ContainerConfig:
    """`generateContainerConfig`: command → Command and args → Args (the runtime combines them
    with the image's entrypoint and cmd), mounts, limits, security, the kubelet's labels."""
    labels = pod_labels(config.pod, owner)
    labels[CONTAINER_NAME] = config.name
    labels.update(config.labels)
    annotations = {
        CONTAINER_HASH: config.spec_hash,
        RESTART_COUNT: str(config.attempt),
        IMAGE: config.image,
    }
    if config.prepared:
        annotations[PREPARED] = "true"
    mounts = [
        pb.Mount(
            container_path=mount.container_path,
            host_path=mount.host_path,
            readonly=mount.read_only,
            propagation=pb.PROPAGATION_PRIVATE,
        )
        for mount in config.mounts
    ]
    if config.termination_message_path and termination_host_path:
        annotations[TERMINATION_MESSAGE_PATH] = config.termination_message_path
        mounts.append(
            pb.Mount(
                container_path=config.termination_message_path,
                host_path=termination_host_path,
                propagation=pb.PROPAGATION_PRIVATE,
            )
        )
    resources = config.resources
    security = pb.LinuxContainerSecurityContext(
        namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD),
        run_as_user=_optional_int(config.run_as_user),
        run_as_group=_optional_int(config.run_as_group),
        supplemental_groups=list(config.supplemental_groups),
        readonly_rootfs=config.read_only_root,
    )
    if config.capabilities_add or config.capabilities_drop:
        security.capabilities.CopyFrom(
            pb.Capability(
                add_capabilities=list(config.capabilities_add),
                drop_capabilities=list(config.capabilities_drop),
            )
        )
    return pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=config.name, attempt=config.attempt),
        image=pb.ImageSpec(image=config.image),
        command=list(config.command),
        args=list(config.args),
        working_dir=config.working_dir,
        envs=[pb.KeyValue(key=key, value=value) for key, value in config.env],
        mounts=mounts,
        labels=labels,
        annotations=annotations,
        log_path=relative_log_path(config.log_path, log_directory) if config.log_path else "",
        stdin=config.stdin,
        tty=config.tty,
        linux=pb.LinuxContainerConfig(
            resources=pb.LinuxContainerResources(
                cpu_period=resources.cpu_period if resources.cpu_quota else 0,
                cpu_quota=resources.cpu_quota,
                cpu_shares=resources.cpu_shares,
                memory_limit_in_bytes=resources.memory_limit_bytes,
            ),
            security_context=security,
        ),
    )


def sandbox_snapshot(sandbox: pb.PodSandbox) -> SandboxSnapshot:
    return SandboxSnapshot(
        id=SandboxID(sandbox.id),
        attempt=sandbox.metadata.attempt,
        state=SandboxState.READY if sandbox.state == pb.SANDBOX_READY else SandboxState.NOT_READY,
        created_at=from_nanos(sandbox.created_at) or datetime.datetime.now(datetime.UTC),
    )


def container_base(container: pb.Container) -> ContainerSnapshot:
    """What a ListContainers item tells, without times and exit details."""
    annotations = container.annotations
    return ContainerSnapshot(
        id=ContainerID(container.id),
        name=container.metadata.name,
        attempt=container.metadata.attempt,
        state=container_state(container.state),
        spec_hash=annotations.get(CONTAINER_HASH, ""),
        image=annotations.get(IMAGE, container.image.image),
        image_id=container.image_ref,
        created_at=from_nanos(container.created_at) or datetime.datetime.now(datetime.UTC),
        sandbox_id=SandboxID(container.pod_sandbox_id),
        prepared=annotations.get(PREPARED) == "true",
    )


def image_info(image: pb.Image) -> contract.ImageInfo:
    return contract.ImageInfo(id=image.id, repo_digests=tuple(image.repo_digests), size=image.size)


def auth_config(auth: contract.RegistryAuth) -> pb.AuthConfig:
    return pb.AuthConfig(
        username=auth.username,
        password=auth.password,
        auth=auth.auth,
        server_address=auth.server_address,
        identity_token=auth.identity_token,
        registry_token=auth.registry_token,
    )


def timeout_seconds(timeout: float) -> int:
    """A CRI timeout in whole seconds, rounded up (0 stays 0: no grace / no limit)."""
    return max(math.ceil(timeout), 0)


def go_error_text(error: grpc.aio.AioRpcError) -> str:
    """An RPC error as Go's status error prints it: `rpc error: code = NotFound desc = ...`."""
    code = error.code()
    name = "".join(part.capitalize() for part in code.name.split("_")) if code else "Unknown"
    if name == "Ok":
        name = "OK"
    return f"rpc error: code = {name} desc = {error.details() or ''}"
