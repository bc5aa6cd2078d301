"""`compute_termination_plan`: how to stop a pod's running containers, in Kubernetes' order.

All running containers are stopped concurrently, each after its preStop hook; a sidecar's
SIGTERM additionally waits until every app container and every sidecar declared after it has
exited, so sidecars stop in reverse order after the app (shared/k8s-semantics.md §9). The wait
and the hooks share the grace period; the stop itself always gets at least 2 seconds.
"""

from __future__ import annotations

import msgspec

from tinykube.api.pod import Container, LifecycleHandler, Pod
from tinykube.core.ids import ContainerID
from tinykube.core.observed import ContainerState, PodSnapshot

MINIMUM_GRACE_SECONDS = 2


class ContainerStop(msgspec.Struct, frozen=True, kw_only=True):
    container_id: ContainerID
    name: str
    is_init: bool
    is_sidecar: bool
    pre_stop: LifecycleHandler | None
    wait_for: tuple[ContainerID, ...]  # SIGTERM only after these have exited


def termination_grace_seconds(pod: Pod) -> int:
    """Grace of a pod kill: the deletion's if set, else the spec's (30 by default)."""
    if pod.metadata.deletion_grace_period_seconds is not None:
        return max(pod.metadata.deletion_grace_period_seconds, 0)
    grace = pod.spec.termination_grace_period_seconds
    return 30 if grace is None else max(grace, 0)


def compute_termination_plan(pod: Pod, observed: PodSnapshot) -> tuple[ContainerStop, ...]:
    """One stop per running container instance (see the module docstring)."""
    # Only running containers are stopped (`ConvertPodStatusToRunningPod`); the sandbox stop
    # that follows takes care of anything merely created.
    running = {
        container.name: container
        for container in observed.containers
        if container.state is ContainerState.RUNNING
    }
    app_ids = tuple(
        running[container.name].id for container in pod.spec.containers if container.name in running
    )
    stops: list[ContainerStop] = []
    sidecars: list[tuple[Container, ContainerID]] = []
    for container in pod.spec.init_containers:
        instance = running.get(container.name)
        if instance is None:
            continue
        if container.is_sidecar:
            sidecars.append((container, instance.id))
        else:
            stops.append(_stop(container, instance.id, is_init=True, wait_for=()))
    for container in pod.spec.containers:
        instance = running.get(container.name)
        if instance is not None:
            stops.append(_stop(container, instance.id, is_init=False, wait_for=()))
    for position, (container, container_id) in enumerate(sidecars):
        later = tuple(later_id for _, later_id in sidecars[position + 1 :])
        stops.append(_stop(container, container_id, is_init=True, wait_for=app_ids + later))
    return tuple(stops)


def _stop(
    container: Container,
    container_id: ContainerID,
    *,
    is_init: bool,
    wait_for: tuple[ContainerID, ...],
) -> ContainerStop:
    lifecycle = container.lifecycle
    return ContainerStop(
        container_id=container_id,
        name=container.name,
        is_init=is_init,
        is_sidecar=container.is_sidecar,
        pre_stop=lifecycle.pre_stop if lifecycle is not None else None,
        wait_for=wait_for,
    )
