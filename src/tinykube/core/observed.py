"""What the runtime and the probers report about one pod, as frozen snapshots.

The runtime is the truth for what runs: a `PodSnapshot` lists the pod's sandboxes and every
container instance the runtime still holds (all attempts of every container, exited ones
included). Probe results and crash-backoff entries are agent state, passed in alongside.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping

import msgspec

from tinykube.core.ids import ContainerID, SandboxID

_NO_SANDBOX = SandboxID("")


class ContainerState(enum.StrEnum):
    CREATED = "created"
    RUNNING = "running"
    EXITED = "exited"
    UNKNOWN = "unknown"


class SandboxState(enum.StrEnum):
    READY = "ready"
    NOT_READY = "notready"


class ContainerSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One container instance as the runtime reports it."""

    id: ContainerID
    name: str
    attempt: int  # restart count this instance was created with
    state: ContainerState
    spec_hash: str
    image: str
    created_at: datetime.datetime
    sandbox_id: SandboxID = _NO_SANDBOX
    image_id: str = ""
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    exit_code: int = 0
    signal: int = 0
    reason: str = ""  # runtime's exit reason: Completed, Error, OOMKilled, StartError, ...
    message: str = ""  # termination message
    # Created ahead of its turn (`PodActions.prepare`): until started, the agent's own business.
    prepared: bool = False

    @property
    def waiting_its_turn(self) -> bool:
        """Created ahead and not started: invisible to decisions and to the pod's status."""
        return self.prepared and self.state is ContainerState.CREATED

    @property
    def succeeded(self) -> bool:
        return self.state is ContainerState.EXITED and self.exit_code == 0

    @property
    def failed(self) -> bool:
        """`isInitContainerFailed`: exited non-zero or OOM-killed, or in an unknown state."""
        if self.state is ContainerState.EXITED:
            return self.exit_code != 0 or self.reason == "OOMKilled"
        return self.state is ContainerState.UNKNOWN


class SandboxSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    id: SandboxID
    attempt: int
    state: SandboxState
    created_at: datetime.datetime
    ip: str = ""


class PodSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Sandboxes (any order) and every container instance of one pod."""

    sandboxes: tuple[SandboxSnapshot, ...] = ()
    containers: tuple[ContainerSnapshot, ...] = ()

    def newest_sandbox(self) -> SandboxSnapshot | None:
        if not self.sandboxes:
            return None
        return max(self.sandboxes, key=lambda sandbox: (sandbox.attempt, sandbox.created_at))

    def without_prepared(self) -> PodSnapshot:
        """The snapshot as the core must see it: containers created ahead of their turn and not
        started yet are left out, as if they did not exist (the kubelet creates each container
        just before starting it)."""
        if not any(container.waiting_its_turn for container in self.containers):
            return self
        return PodSnapshot(
            sandboxes=self.sandboxes,
            containers=tuple(c for c in self.containers if not c.waiting_its_turn),
        )

    def instances(self, name: str) -> tuple[ContainerSnapshot, ...]:
        """Every instance of the named container, newest first."""
        found = [container for container in self.containers if container.name == name]
        found.sort(key=lambda container: (container.attempt, container.created_at), reverse=True)
        return tuple(found)

    def latest(self, name: str) -> ContainerSnapshot | None:
        newest: ContainerSnapshot | None = None
        for container in self.containers:
            if container.name == name and (
                newest is None
                or (container.attempt, container.created_at) > (newest.attempt, newest.created_at)
            ):
                newest = container
        return newest


class ProbeOutcome(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


class ProbeState(msgspec.Struct, frozen=True, kw_only=True):
    """Latest probe results of one container instance (None: no result yet)."""

    startup: ProbeOutcome | None = None
    liveness: ProbeOutcome | None = None
    readiness: ProbeOutcome | None = None


class BackoffEntry(msgspec.Struct, frozen=True, kw_only=True):
    """Crash-loop backoff of one container definition (kubelet's flowcontrol.Backoff entry)."""

    delay: datetime.timedelta
    last_update: datetime.datetime


class StartFailure(msgspec.Struct, frozen=True, kw_only=True):
    """Why the last attempt to start a container failed before it ran (kubelet reasonCache)."""

    reason: str  # CreateContainerConfigError, RunContainerError, PostStartHookError, ...
    message: str
    # When a start failed before any instance existed (config, create and image errors): the
    # next attempt waits the initial back-off from then, as the kubelet requeues a pod whose
    # sync failed (its backOffPeriod) instead of retrying at once.
    at: datetime.datetime | None = None


class AgentState(msgspec.Struct, frozen=True, kw_only=True):
    """The agent's own knowledge about a pod that the runtime does not hold."""

    probes: Mapping[ContainerID, ProbeState] = msgspec.field(default_factory=dict)
    backoff: Mapping[str, BackoffEntry] = msgspec.field(default_factory=dict)
    start_failures: Mapping[str, StartFailure] = msgspec.field(default_factory=dict)
    # The eviction manager's verdict: the `Evicted` message once a volume outgrew its limit.
    eviction: str | None = None
    # The lowest restart count a new instance of each container may take: one more than its
    # newest log file (the kubelet's calcRestartCountByLogDir), so that instances lost with
    # the runtime's state, as in a reboot, still count and no log file is written twice.
    restart_floors: Mapping[str, int] = msgspec.field(default_factory=dict)
