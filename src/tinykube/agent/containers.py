"""Building a runtime `ContainerConfig` from a pod's container, as the kubelet does for the CRI.

Environment and `$(VAR)` expansion come from `core.environment`; mounts from the prepared
volumes (subPath and subPathExpr resolved, configMap/secret/downwardAPI/projected mounts always
read-only); cpu and memory figures as the kubelet computes them (cpu shares from the request,
CFS quota from the limit); the log path as `<pod log dir>/<container>/<restartCount>.log`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec

from tinykube.agent.volumes import PreparedVolume
from tinykube.api.pod import Container, Pod
from tinykube.core import environment, restart
from tinykube.core.ids import PodUID
from tinykube.core.observed import ContainerSnapshot, ContainerState, PodSnapshot
from tinykube.runtime import contract

MIN_SHARES = 2
MAX_SHARES = 262144
SHARES_PER_CPU = 1024
QUOTA_PERIOD = 100_000
MIN_QUOTA_PERIOD = 1000
# kubecontainer.MaxContainerTerminationMessageLogLines / ...LogLength
FALLBACK_LOG_LINES = 80
FALLBACK_LOG_BYTES = 2048
_LOG_READ_BYTES = 256 * 1024


def pod_identity(pod: Pod) -> contract.PodIdentity:
    meta = pod.metadata
    return contract.PodIdentity(uid=PodUID(meta.uid), name=meta.name, namespace=meta.namespace)


def pod_log_dir(logs_dir: Path, pod: Pod) -> Path:
    meta = pod.metadata
    return logs_dir / f"{meta.namespace}_{meta.name}_{meta.uid}"


def sandbox_config(pod: Pod, *, logs_dir: Path, attempt: int) -> contract.SandboxConfig:
    """The pod's sandbox (host network: the only network this node has)."""
    return contract.SandboxConfig(
        pod=pod_identity(pod),
        attempt=attempt,
        hostname=pod.spec.hostname or pod.metadata.name,
        log_directory=str(pod_log_dir(logs_dir, pod)),
        host_network=True,
    )


def restart_floors(logs_dir: Path, pod: Pod) -> dict[str, int]:
    """One more than the newest `<restartCount>.log` of each container already on disk."""
    floors: dict[str, int] = {}
    base = pod_log_dir(logs_dir, pod)
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        directory = base / container.name
        if not directory.is_dir():
            continue
        counts = [
            int(entry.name.removesuffix(".log"))
            for entry in directory.iterdir()
            if entry.name.endswith(".log") and entry.name.removesuffix(".log").isdigit()
        ]
        if counts:
            floors[container.name] = max(counts) + 1
    return floors


def container_log_path(logs_dir: Path, pod: Pod, name: str, attempt: int) -> Path:
    return pod_log_dir(logs_dir, pod) / name / f"{attempt}.log"


def linux_resources(container: Container) -> contract.LinuxResources:
    """`milliCPUToShares` and `milliCPUToQuota` of the kubelet, and the memory limit."""
    requests = container.resources.requests
    limits = container.resources.limits
    cpu_request = requests.get("cpu")
    cpu_limit = limits.get("cpu")
    milli_request = cpu_request.milli_value() if cpu_request is not None else 0
    if milli_request == 0 and cpu_limit is not None:
        milli_request = cpu_limit.milli_value()
    shares = max(MIN_SHARES, min(MAX_SHARES, milli_request * SHARES_PER_CPU // 1000))
    quota = 0
    if cpu_limit is not None and cpu_limit.milli_value() > 0:
        quota = max(MIN_QUOTA_PERIOD, cpu_limit.milli_value() * QUOTA_PERIOD // 1000)
    memory = limits.get("memory")
    return contract.LinuxResources(
        cpu_shares=shares,
        cpu_quota=quota,
        cpu_period=QUOTA_PERIOD,
        memory_limit_bytes=memory.value() if memory is not None else 0,
    )


def _mounts(
    container: Container,
    volumes: Mapping[str, PreparedVolume],
    env: Mapping[str, str],
) -> tuple[contract.Mount, ...]:
    mounts: list[contract.Mount] = []
    for mount in container.volume_mounts:
        volume = volumes.get(mount.name)
        if volume is None:
            raise environment.ConfigError(
                f"cannot find volume {mount.name!r} to mount into container {container.name!r}"
            )
        host = volume.host_path
        sub_path = mount.sub_path
        if mount.sub_path_expr:
            sub_path = environment.expand(mount.sub_path_expr, env)
        if sub_path:
            host = host / sub_path
            if not host.exists():
                host.mkdir(parents=True, mode=0o777, exist_ok=True)
        mounts.append(
            contract.Mount(
                host_path=str(host),
                container_path=mount.mount_path,
                read_only=mount.read_only or volume.read_only,
            )
        )
    return tuple(mounts)


def build_container_config(
    pod: Pod,
    container: Container,
    *,
    attempt: int,
    volumes: Mapping[str, PreparedVolume],
    sources: environment.EnvSources,
    logs_dir: Path,
) -> contract.ContainerConfig:
    """The runtime config of one container instance; raises `environment.ConfigError`."""
    env = environment.container_environment(pod, container, sources)
    command, args = environment.expand_command(container, env)
    security = container.security_context
    capabilities = security.capabilities if security is not None else None
    pod_security = pod.spec.security_context
    run_as_user = security.run_as_user if security is not None else None
    run_as_group = security.run_as_group if security is not None else None
    groups: tuple[int, ...] = ()
    if pod_security is not None:
        if run_as_user is None:
            run_as_user = pod_security.run_as_user
        if run_as_group is None:
            run_as_group = pod_security.run_as_group
        groups = pod_security.supplemental_groups
        if pod_security.fs_group is not None:
            groups = (*groups, pod_security.fs_group)
    return contract.ContainerConfig(
        pod=pod_identity(pod),
        name=container.name,
        attempt=attempt,
        spec_hash=restart.container_spec_hash(container),
        image=container.image,
        command=command,
        args=args,
        env=env,
        working_dir=container.working_dir,
        mounts=_mounts(container, volumes, dict(env)),
        log_path=str(container_log_path(logs_dir, pod, container.name, attempt)),
        resources=linux_resources(container),
        run_as_user=run_as_user,
        run_as_group=run_as_group,
        supplemental_groups=groups,
        read_only_root=bool(security is not None and security.read_only_root_filesystem),
        capabilities_add=capabilities.add if capabilities is not None else (),
        capabilities_drop=capabilities.drop if capabilities is not None else (),
        termination_message_path=container.termination_message_path,
        stdin=container.stdin,
        tty=container.tty,
    )


def log_tail(path: Path) -> str:
    """The kubelet's `readLastStringFromContainerLogs`: the content of the last 80 CRI log
    records (stdout and stderr), at most the last 2048 bytes of it."""
    try:
        with path.open("rb") as log:
            log.seek(0, 2)
            size = log.tell()
            log.seek(max(size - _LOG_READ_BYTES, 0))
            data = log.read()
    except OSError as exc:
        return f"Error on reading termination message from logs: {exc}"
    records = data.split(b"\n")
    if len(data) == _LOG_READ_BYTES and size > _LOG_READ_BYTES:
        records = records[1:]  # the first one is cut
    texts: list[bytes] = []
    for record in records:
        parts = record.split(b" ", 3)
        if len(parts) < 3:
            continue
        text = parts[3] if len(parts) == 4 else b""
        texts.append(text + b"\n" if parts[2] == b"F" else text)
    tail = b"".join(texts[-FALLBACK_LOG_LINES:])[-FALLBACK_LOG_BYTES:]
    return tail.decode("utf-8", "replace")


def with_fallback_messages(
    pod: Pod, observed: PodSnapshot, *, logs_dir: Path, cache: dict[str, str]
) -> PodSnapshot:
    """Exited containers with `terminationMessagePolicy: FallbackToLogsOnError` that failed
    without writing a termination message get their log tail as the message (the kubelet
    reads the log itself; `cache` holds what was read, by container id)."""
    policies = {
        container.name: container.termination_message_policy
        for container in (*pod.spec.init_containers, *pod.spec.containers)
    }
    changed = False
    containers: list[ContainerSnapshot] = []
    for instance in observed.containers:
        if (
            instance.state is ContainerState.EXITED
            and instance.exit_code != 0
            and not instance.message
            and instance.reason != "ContainerCannotRun"
            and policies.get(instance.name) == "FallbackToLogsOnError"
        ):
            message = cache.get(instance.id)
            if message is None:
                path = container_log_path(logs_dir, pod, instance.name, instance.attempt)
                message = cache[instance.id] = log_tail(path)
            containers.append(msgspec.structs.replace(instance, message=message))
            changed = True
        else:
            containers.append(instance)
    return msgspec.structs.replace(observed, containers=tuple(containers)) if changed else observed
