"""The decisions the core hands to the executor, each carrying its reason (kubelet podActions)."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping

import msgspec

from tinykube.core.ids import ContainerID
from tinykube.core.observed import BackoffEntry


class PodKillReason(enum.StrEnum):
    SANDBOX_CHANGED = "SandboxChanged"  # the sandbox is gone or not ready: kill, then recreate
    INIT_FAILED = "InitFailed"  # a regular init container failed under restartPolicy Never
    COMPLETED = "Completed"  # no container will run any more: stop the sidecars, pod is done
    DELETED = "Deleted"  # the pod is being deleted
    DEADLINE_EXCEEDED = "DeadlineExceeded"  # activeDeadlineSeconds passed
    EVICTED = "Evicted"  # the eviction manager evicted the pod (an emptyDir over its sizeLimit)
    TERMINAL = "Terminal"  # the pod already reached Succeeded or Failed


class KillReason(enum.StrEnum):
    DEFINITION_CHANGED = "DefinitionChanged"
    LIVENESS_PROBE = "LivenessProbe"
    STARTUP_PROBE = "StartupProbe"
    UNKNOWN_STATE = "Unknown"


class KillInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Kill one container instance (`containerToKillInfo`); `message` is the Killing event's."""

    container_id: ContainerID
    name: str
    is_init: bool
    reason: KillReason
    message: str


class StartInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Start a new instance of a container with the given restart count."""

    name: str
    index: int
    is_init: bool
    attempt: int


class BackoffWait(msgspec.Struct, frozen=True, kw_only=True):
    """A container that should restart but is in crash-loop backoff until `until`."""

    name: str
    is_init: bool
    until: datetime.datetime
    delay: datetime.timedelta
    message: str  # the CrashLoopBackOff waiting message


class PodActions(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one sync should do, in the executor's order: kill pod, kill containers,
    create sandbox, start init containers, start app containers."""

    kill_pod: PodKillReason | None = None
    kill_pod_message: str = ""  # the eviction message of an EVICTED kill (its `Evicted` event)
    create_sandbox: bool = False
    sandbox_attempt: int = 0
    kill: tuple[KillInfo, ...] = ()
    start_init: tuple[StartInfo, ...] = ()
    start: tuple[StartInfo, ...] = ()
    # Containers to create, not start, while a regular init container runs (or starts in this
    # sync): those that follow it, so that each hand-over is only a start. Never counted in
    # `idle`: preparing is not progress.
    prepare: tuple[StartInfo, ...] = ()
    waits: tuple[BackoffWait, ...] = ()
    backoff: Mapping[str, BackoffEntry] = msgspec.field(default_factory=dict)
    next_wakeup: datetime.datetime | None = None

    @property
    def idle(self) -> bool:
        """Nothing to do now (waits and wake-ups aside)."""
        return (
            self.kill_pod is None
            and not self.create_sandbox
            and not self.kill
            and not self.start_init
            and not self.start
        )
