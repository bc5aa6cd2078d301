"""Node admission: whether a pod that arrives at the node may run here. Pure.

The kubelet admits each new pod against the pods it has already admitted and not yet seen
terminate (`pkg/kubelet/lifecycle/predicate.go`, whose resource check is the scheduler's
`noderesources.fitsRequest`), in this order, the first failure being the verdict:

1. pods: one more pod than `--max-pods` (110) allows is `OutOfpods`;
2. cpu, then memory: the pod's effective requests (`api.resources.pod_requests`: init
   containers and sidecars by Kubernetes' formula, pod-level resources, overhead) above what
   the admitted pods leave of the node's allocatable are `OutOfcpu` / `OutOfmemory`.
   A pod that requests nothing of a resource always fits it.
3. a node that is shutting down admits nothing (`NodeShutdown`, the graceful node shutdown
   manager's handler, which runs after the resource check).

A rejected pod is never started: it fails with the verdict's reason and the message
`Pod was rejected: <message>`, and a Warning event carries the reason and the bare message
(`Kubelet.rejectPod`). Ephemeral storage and extended resources are not accounted (the node
reports none, and the kubelet ignores requests of resources its node does not have).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import msgspec

from tinykube.api import resources
from tinykube.api.pod import Pod

DEFAULT_MAX_PODS = 110  # the kubelet's --max-pods default
REJECTED_PREFIX = "Pod was rejected: "
NODE_SHUTDOWN_MESSAGE = "Pod was rejected as the node is shutting down."


class RejectionReason(enum.StrEnum):
    OUT_OF_PODS = "OutOfpods"
    OUT_OF_CPU = "OutOfcpu"
    OUT_OF_MEMORY = "OutOfmemory"
    NODE_SHUTDOWN = "NodeShutdown"


class Allocatable(msgspec.Struct, frozen=True, kw_only=True):
    """What the node offers to pods: milli-cpus, bytes of memory and a number of pods."""

    milli_cpu: int
    memory: int
    pods: int = DEFAULT_MAX_PODS


class Requests(msgspec.Struct, frozen=True, kw_only=True):
    """A pod's effective cpu (milli-cpus) and memory (bytes) requests, or a sum of them."""

    milli_cpu: int = 0
    memory: int = 0

    def __add__(self, other: Requests) -> Requests:
        return Requests(
            milli_cpu=self.milli_cpu + other.milli_cpu, memory=self.memory + other.memory
        )

    def __sub__(self, other: Requests) -> Requests:
        return Requests(
            milli_cpu=self.milli_cpu - other.milli_cpu, memory=self.memory - other.memory
        )


class NodeUsage(msgspec.Struct, frozen=True, kw_only=True):
    """The admitted pods: how many, and the sum of their requests (the scheduler's NodeInfo)."""

    pods: int = 0
    requested: Requests = Requests()

    def plus(self, requests: Requests) -> NodeUsage:
        return NodeUsage(pods=self.pods + 1, requested=self.requested + requests)

    def minus(self, requests: Requests) -> NodeUsage:
        return NodeUsage(pods=max(self.pods - 1, 0), requested=self.requested - requests)


class Rejection(msgspec.Struct, frozen=True, kw_only=True):
    reason: RejectionReason
    message: str  # the event's message; the status carries `status_message`

    @property
    def status_message(self) -> str:
        return REJECTED_PREFIX + self.message


def compute_requests(pod: Pod) -> Requests:
    """The pod's effective requests as the scheduler counts them (`MilliValue`, `Value`)."""
    requested = resources.pod_requests(pod.spec)
    cpu = requested.get(resources.CPU)
    memory = requested.get(resources.MEMORY)
    return Requests(
        milli_cpu=cpu.milli_value() if cpu is not None else 0,
        memory=memory.value() if memory is not None else 0,
    )


def compute_usage(pods: Iterable[Pod]) -> NodeUsage:
    """The usage of a set of admitted pods."""
    usage = NodeUsage()
    for pod in pods:
        usage = usage.plus(compute_requests(pod))
    return usage


def _insufficient(resource: str, requested: int, used: int, capacity: int) -> str:
    return (
        f"Node didn't have enough resource: {resource}, requested: {requested}, "
        f"used: {used}, capacity: {capacity}"
    )


def compute_admission(
    requests: Requests,
    *,
    usage: NodeUsage,
    allocatable: Allocatable,
    node_shutting_down: bool = False,
) -> Rejection | None:
    """None if a pod with `requests` fits beside the admitted pods (`usage`), else why not."""
    if usage.pods + 1 > allocatable.pods:
        return Rejection(
            reason=RejectionReason.OUT_OF_PODS,
            message=_insufficient("pods", 1, usage.pods, allocatable.pods),
        )
    used = usage.requested
    if requests.milli_cpu > 0 and requests.milli_cpu > allocatable.milli_cpu - used.milli_cpu:
        return Rejection(
            reason=RejectionReason.OUT_OF_CPU,
            message=_insufficient("cpu", requests.milli_cpu, used.milli_cpu, allocatable.milli_cpu),
        )
    if requests.memory > 0 and requests.memory > allocatable.memory - used.memory:
        return Rejection(
            reason=RejectionReason.OUT_OF_MEMORY,
            message=_insufficient("memory", requests.memory, used.memory, allocatable.memory),
        )
    if node_shutting_down:
        return Rejection(reason=RejectionReason.NODE_SHUTDOWN, message=NODE_SHUTDOWN_MESSAGE)
    return None


def admit_pod(
    pod: Pod,
    *,
    admitted: Iterable[Pod],
    allocatable: Allocatable,
    node_shutting_down: bool = False,
) -> Rejection | None:
    """`compute_admission` of `pod` beside the `admitted` pods (for callers that hold pods)."""
    return compute_admission(
        compute_requests(pod),
        usage=compute_usage(admitted),
        allocatable=allocatable,
        node_shutting_down=node_shutting_down,
    )
