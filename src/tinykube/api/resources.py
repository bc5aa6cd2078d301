"""Effective pod requests and limits, and the pod's QoS class. Pure functions of a `PodSpec`.

Mirrors Kubernetes' `component-helpers/resource/helpers.go` (`PodRequests`, `PodLimits`, without
the in-place-resize status options) and `pkg/apis/core/v1/helper/qos/qos.go` (`ComputePodQOS`),
with the PodLevelResources feature on (its default since 1.34):

- Requests/limits of a pod = max(Σ app containers + Σ sidecars, peak of the init phase), per
  resource, where an init container's peak is its own amount plus the sidecars (init containers
  with `restartPolicy: Always`) declared before it, and a sidecar's peak is the sum of the sidecars
  up to and including it.
- Pod-level `spec.resources` (cpu, memory, hugepages-*) replace the aggregate of the containers.
- `spec.overhead` is added to every request and to every non-zero limit.

Defaulting. Kubernetes runs these helpers on defaulted objects. So that they give the same answer
for a spec that has not been through `api.defaults`, they apply, on the fly, the defaults that
bear on them: a container's missing request takes its limit (`SetDefaults_Pod`), and pod-level
hugepage limits and pod-level requests are defaulted as `defaultHugePagePodLimits` and
`defaultPodRequests` do. On a defaulted spec these steps change nothing. (Kubernetes' own
`helpers_test.go` feeds undefaulted pods, so its "just-limit-no-overhead" case, requests `{}` for
a limit-only pod, is not what this module answers: it answers what the apiserver would, `{cpu: 9}`.)

Sums follow `Quantity.Add`, so a sum prints in the format of its first non-zero term
(`100m` + `1` is `1100m`; `1Gi` + `512Mi` is `1536Mi`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Final

from tinykube.api import pod as pod_model
from tinykube.api import quantity

ResourceList = dict[str, quantity.Quantity]

CPU: Final = "cpu"
MEMORY: Final = "memory"
HUGEPAGES_PREFIX: Final = "hugepages-"


class QOSClass(enum.StrEnum):
    """`status.qosClass`."""

    GUARANTEED = "Guaranteed"
    BURSTABLE = "Burstable"
    BEST_EFFORT = "BestEffort"


# --- one container -------------------------------------------------------------------------


def container_requests(container: pod_model.Container) -> ResourceList:
    """The container's requests, a missing one defaulting to its limit (as `SetDefaults_Pod`)."""
    resources = container.resources
    requests = dict(resources.requests)
    for name, limit in resources.limits.items():
        requests.setdefault(name, limit)
    return requests


def container_limits(container: pod_model.Container) -> ResourceList:
    """The container's limits (a resource without a limit is absent)."""
    return dict(container.resources.limits)


# --- the pod -------------------------------------------------------------------------------


def pod_requests(spec: pod_model.PodSpec, *, include_overhead: bool = True) -> ResourceList:
    """Kubernetes' `PodRequests`: what the scheduler and the kubelet admit the pod with."""
    requests = _aggregate(spec, container_requests)
    pod_level = _pod_level(spec)
    if pod_level is not None:
        level_requests, _ = pod_level
        if any(_is_pod_level_resource(name) for name in level_requests):
            _apply_pod_level(requests, level_requests)
    if include_overhead:
        _add_into(requests, spec.overhead)
    return requests


def pod_limits(spec: pod_model.PodSpec, *, include_overhead: bool = True) -> ResourceList:
    """Kubernetes' `PodLimits`; overhead is added only to resources with a non-zero limit."""
    limits = _aggregate(spec, container_limits)
    pod_level = _pod_level(spec)
    if pod_level is not None:
        level_requests, level_limits = pod_level
        if any(_is_pod_level_resource(name) for name in (*level_requests, *level_limits)):
            _apply_pod_level(limits, level_limits)
    if include_overhead:
        for name, extra in spec.overhead.items():
            current = limits.get(name)
            if current is not None and not current.is_zero():
                limits[name] = current + extra
    return limits


def qos_class(spec: pod_model.PodSpec) -> QOSClass:
    """Kubernetes' `ComputePodQOS`, over init containers (sidecars included) and app containers.

    Only cpu and memory count, and only positive amounts. BestEffort: none at all. Guaranteed:
    every container (or the pod level) limits both cpu and memory, and the summed requests equal
    the summed limits. Burstable: anything else. When `spec.resources` is set, the pod-level
    values are used instead of the containers'.
    """
    pod_level = _pod_level(spec)
    if pod_level is not None:
        level_requests, level_limits = pod_level
        requests = _positive_qos_sum([level_requests])
        limits = _positive_qos_sum([level_limits])
        guaranteed = {CPU, MEMORY} <= limits.keys()
    else:
        containers = (*spec.containers, *spec.init_containers)
        requests = _positive_qos_sum(container_requests(c) for c in containers)
        limits = _positive_qos_sum(container_limits(c) for c in containers)
        guaranteed = all(
            {CPU, MEMORY} <= _positive_qos_sum([container_limits(c)]).keys() for c in containers
        )
    if not requests and not limits:
        return QOSClass.BEST_EFFORT
    if guaranteed and requests == limits:
        return QOSClass.GUARANTEED
    return QOSClass.BURSTABLE


# --- aggregation (helpers.go) --------------------------------------------------------------


def _aggregate(
    spec: pod_model.PodSpec,
    amounts: Callable[[pod_model.Container], Mapping[str, quantity.Quantity]],
) -> ResourceList:
    """`aggregateContainerResourcesByFn`: max(apps + sidecars, init peak), per resource."""
    result: ResourceList = {}
    for container in spec.containers:
        _add_into(result, amounts(container))
    sidecars: ResourceList = {}
    init_peak: ResourceList = {}
    for container in spec.init_containers:
        own = amounts(container)
        if container.is_sidecar:
            _add_into(result, own)
            _add_into(sidecars, own)
            in_use = sidecars  # a sidecar keeps running: the ones before it run beside it
        else:
            in_use = {}
            _add_into(in_use, own)
            _add_into(in_use, sidecars)
        _max_into(init_peak, in_use)
    _max_into(result, init_peak)
    return result


def _add_into(total: ResourceList, extra: Mapping[str, quantity.Quantity]) -> None:
    for name, amount in extra.items():
        current = total.get(name)
        total[name] = amount if current is None else current + amount


def _max_into(total: ResourceList, other: Mapping[str, quantity.Quantity]) -> None:
    for name, amount in other.items():
        current = total.get(name)
        if current is None or amount > current:
            total[name] = amount


# --- pod-level resources -------------------------------------------------------------------


def _is_pod_level_resource(name: str) -> bool:
    return name in (CPU, MEMORY) or name.startswith(HUGEPAGES_PREFIX)


def _apply_pod_level(total: ResourceList, level: Mapping[str, quantity.Quantity]) -> None:
    for name, amount in level.items():
        if _is_pod_level_resource(name):
            total[name] = amount


def _pod_level(spec: pod_model.PodSpec) -> tuple[ResourceList, ResourceList] | None:
    """`spec.resources` as (requests, limits) after pod-level defaulting; None when unset.

    `defaultHugePagePodLimits` then `defaultPodRequests` (pkg/apis/core/v1/defaults.go).
    """
    resources = spec.resources
    if resources is None:
        return None
    requests = dict(resources.requests)
    limits = dict(resources.limits)
    if requests or limits:
        for name, amount in _aggregate(spec, container_limits).items():
            if name.startswith(HUGEPAGES_PREFIX) and name not in requests:
                limits.setdefault(name, amount)
    if limits:
        for name, amount in _aggregate(spec, container_requests).items():
            if name in (CPU, MEMORY):  # the overcommittable pod-level resources
                requests.setdefault(name, amount)
        for name, amount in limits.items():
            if _is_pod_level_resource(name):
                requests.setdefault(name, amount)
    return (requests, limits)


# --- QoS (qos.go) --------------------------------------------------------------------------


def _positive_qos_sum(lists: Iterable[Mapping[str, quantity.Quantity]]) -> ResourceList:
    """Σ of the positive cpu and memory amounts, in list order."""
    total: ResourceList = {}
    for amounts in lists:
        for name in (CPU, MEMORY):
            amount = amounts.get(name)
            if amount is not None and amount.sign() > 0:
                _add_into(total, {name: amount})
    return total
