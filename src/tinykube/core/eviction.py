"""What the kubelet's eviction manager decides about a pod's emptyDir volumes. Pure.

The eviction manager (`localStorageEviction` → `emptyDirLimitEviction`) compares the measured
usage of every emptyDir volume with its `sizeLimit` and evicts the pod when one is over it: a
Warning `Evicted` event, a kill with a grace period of `EVICTION_GRACE_SECONDS`, and a Failed
status with reason `Evicted` and the event's message. Local-storage evictions add no
DisruptionTarget condition (only node-pressure evictions pass one to `evictPod`).

This module names the volumes worth measuring (`limited_empty_dirs`) and turns measurements into
the eviction message (`compute_eviction`); the agent measures, and feeds the message back to the
core as `AgentState.eviction`.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from tinykube.api import field
from tinykube.api.pod import Pod
from tinykube.api.quantity import Format, Quantity

# The kubelet's `immediateEvictionGracePeriodSeconds`: the kill of an evicted pod ignores its
# terminationGracePeriodSeconds (each container still gets the 2 s minimum to stop).
EVICTION_GRACE_SECONDS = 1


class LimitedVolume(msgspec.Struct, frozen=True, kw_only=True):
    """An emptyDir volume with a positive sizeLimit, whose usage is to be measured."""

    name: str
    limit: Quantity


def limited_empty_dirs(pod: Pod, *, memory_is_tmpfs: bool) -> tuple[LimitedVolume, ...]:
    """The emptyDir volumes of `pod` with a positive sizeLimit, in spec order.

    A memory-backed emptyDir mounted as a tmpfs of that size (`memory_is_tmpfs`) cannot grow
    past its limit, so it is not worth measuring; without the mount it is a plain directory.
    """
    limited: list[LimitedVolume] = []
    for volume in pod.spec.volumes:
        source = volume.empty_dir
        if source is None or source.size_limit is None or source.size_limit.sign() <= 0:
            continue
        if source.medium == "Memory" and memory_is_tmpfs:
            continue
        limited.append(LimitedVolume(name=volume.name, limit=source.size_limit))
    return tuple(limited)


def compute_eviction(pod: Pod, usage: Mapping[str, int]) -> str | None:
    """The eviction message when a measured emptyDir (`usage`: bytes by volume name) is over its
    sizeLimit, the first such volume in spec order; None when every one is within its limit.

    Volumes without a measurement are never over (the kubelet skips volumes without stats).
    """
    for volume in pod.spec.volumes:
        source = volume.empty_dir
        used = usage.get(volume.name)
        if source is None or source.size_limit is None or used is None:
            continue
        limit = source.size_limit
        if limit.sign() > 0 and Quantity.of(used, Format.BINARY_SI).cmp(limit) > 0:
            return empty_dir_message(volume.name, limit)
    return None


def empty_dir_message(volume: str, limit: Quantity) -> str:
    """The kubelet's `emptyDirMessageFmt`, trailing space included."""
    return (
        f"Usage of EmptyDir volume {field.go_quote(volume)} exceeds the limit "
        f"{field.go_quote(str(limit))}. "
    )
