"""The runtime contract: a CRI-shaped `RuntimeService` every runtime implements.

The agent speaks only this Protocol; `FakeRuntime` (tests, `--runtime fake`), `ProcessRuntime`
(host processes under a per-container monitor) and `CriRuntime` (containerd over gRPC) implement
it, and one contract test suite (tests/contract) runs unchanged against each.

The agent prepares everything Kubernetes-specific (environment with `$(VAR)` expansion, volume
directories, mounts, resource figures); a runtime only creates, starts, stops and reports.

Errors:

    RuntimeFailure                      anything a runtime call could not do
    ├── NotFound                        no such sandbox or container
    ├── CreateFailed                    could not create (CreateContainerError, ...)
    │   └── ConfigError                 the config cannot run here (CreateContainerConfigError)
    ├── StartFailed                     could not start (RunContainerError / StartError)
    └── Unsupported                     the runtime cannot do this at all ("not supported: ...")

Idempotency: stopping or removing something already stopped or gone succeeds. Cancellation:
every coroutine may be cancelled; a cancelled stop leaves the container either running or
stopped, never half-registered.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import AsyncIterator, Mapping
from typing import Protocol

import msgspec

from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import PodSnapshot


class RuntimeFailure(Exception):
    """Base of every runtime error (see the module docstring)."""


class NotFound(RuntimeFailure):
    pass


class CreateFailed(RuntimeFailure):
    pass


class ConfigError(CreateFailed):
    pass


class StartFailed(RuntimeFailure):
    pass


class Unsupported(RuntimeFailure):
    pass


class PodIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """Labels every sandbox and container carries, so state can be rebuilt after a restart."""

    uid: PodUID
    name: str
    namespace: str


class SandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    pod: PodIdentity
    attempt: int
    hostname: str
    log_directory: str
    host_network: bool = True


class Mount(msgspec.Struct, frozen=True, kw_only=True):
    host_path: str
    container_path: str
    read_only: bool = False


class LinuxResources(msgspec.Struct, frozen=True, kw_only=True):
    """Per-container limits as the kubelet computes them for the CRI."""

    cpu_shares: int = 2
    cpu_quota: int = 0  # microseconds per period; 0 = unlimited
    cpu_period: int = 100_000
    memory_limit_bytes: int = 0  # 0 = unlimited


class ContainerConfig(msgspec.Struct, frozen=True, kw_only=True):
    pod: PodIdentity
    name: str
    attempt: int
    spec_hash: str
    image: str
    command: tuple[str, ...] = ()  # entrypoint override (after $(VAR) expansion)
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    working_dir: str = ""
    mounts: tuple[Mount, ...] = ()
    log_path: str = ""  # absolute path of this instance's CRI log file
    resources: LinuxResources = LinuxResources()
    run_as_user: int | None = None
    run_as_group: int | None = None
    supplemental_groups: tuple[int, ...] = ()
    read_only_root: bool = False
    capabilities_add: tuple[str, ...] = ()  # securityContext.capabilities, names as in the API
    capabilities_drop: tuple[str, ...] = ()
    termination_message_path: str = ""
    stdin: bool = False
    tty: bool = False
    labels: Mapping[str, str] = msgspec.field(default_factory=dict)
    # Created ahead of its turn: every snapshot reports it (`ContainerSnapshot.prepared`), so
    # that an agent that restarts can tell it from a container that failed to start.
    prepared: bool = False


class RegistryAuth(msgspec.Struct, frozen=True, kw_only=True):
    """Credentials for one registry (the CRI's AuthConfig), from an image pull secret."""

    server_address: str
    username: str = ""
    password: str = ""
    auth: str = ""  # base64 "user:password", as in a docker config
    identity_token: str = ""
    registry_token: str = ""


class ImageInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An image present on this machine (the CRI's ImageStatus)."""

    id: str  # e.g. sha256:...
    repo_digests: tuple[str, ...] = ()
    size: int = 0


class ImageService(Protocol):
    """The image half of the CRI, for runtimes that run images (`RuntimeService.image_service`).

    The agent applies the pull policy, pull secrets and the per-image back-off on top of it,
    as the kubelet's image manager does. Both methods raise RuntimeFailure, whose text is what
    the user sees in ErrImagePull.
    """

    async def image_status(self, image: str) -> ImageInfo | None:
        """The image if it is present on this machine, else None. Never pulls."""
        ...

    async def pull_image(self, image: str, *, auth: RegistryAuth | None) -> ImageInfo:
        """Pull the image from its registry (with `auth` when given) and return it."""
        ...


class ExecResult(msgspec.Struct, frozen=True, kw_only=True):
    exit_code: int
    stdout: bytes
    stderr: bytes


class ExecSession(Protocol):
    """One command running inside a container with its streams attached (`exec_stream`).

    Without a tty, stdout and stderr are separate streams; with one, the terminal's output
    comes through `read_stdout` and `read_stderr` is at EOF at once. Reads return b"" at EOF.
    `wait` returns the exit code (128 + signal when killed); the session ends, with a kill,
    when its container stops. `kill` is idempotent and safe after the exit.
    """

    async def write_stdin(self, data: bytes) -> None: ...

    async def close_stdin(self) -> None:
        """End of input: EOF on the stdin pipe; with a tty, the terminal's EOF character."""
        ...

    async def read_stdout(self) -> bytes: ...

    async def read_stderr(self) -> bytes: ...

    async def resize(self, *, width: int, height: int) -> None:
        """Set the terminal's size (columns, rows); nothing without a tty."""
        ...

    async def wait(self) -> int: ...

    async def kill(self) -> None: ...


class EventKind(enum.StrEnum):
    STARTED = "started"
    EXITED = "exited"
    SANDBOX_CHANGED = "sandbox-changed"


class RuntimeEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Something changed for a pod; the agent re-syncs that pod at once."""

    pod_uid: PodUID
    kind: EventKind
    container_id: ContainerID | None = None
    at: datetime.datetime | None = None


class RuntimeService(Protocol):
    """The CRI-shaped runtime contract (see the module docstring)."""

    name: str  # containerID prefix in statuses, e.g. "containerd"
    # Images to pull before creating containers; None: the runtime does not run images.
    image_service: ImageService | None

    async def run_pod_sandbox(self, config: SandboxConfig) -> SandboxID:
        """Create and start a sandbox; its state is READY when this returns."""
        ...

    async def stop_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        """Stop every container of the sandbox (SIGKILL) and mark it NOT_READY. Idempotent."""
        ...

    async def remove_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        """Forget a stopped sandbox and its containers. Idempotent."""
        ...

    async def create_container(self, sandbox_id: SandboxID, config: ContainerConfig) -> ContainerID:
        """Create (not start) a container; raises ConfigError/CreateFailed."""
        ...

    async def start_container(self, container_id: ContainerID) -> None:
        """Start a created container; raises StartFailed (the container is then EXITED)."""
        ...

    async def stop_container(self, container_id: ContainerID, *, timeout: float) -> None:
        """SIGTERM, wait up to `timeout` seconds for the exit, then SIGKILL and wait.

        Returns once the container is EXITED. Idempotent.
        """
        ...

    async def remove_container(self, container_id: ContainerID) -> None:
        """Forget an exited container and its logs' ownership. Idempotent."""
        ...

    async def pod_snapshot(self, pod_uid: PodUID) -> PodSnapshot:
        """Every sandbox and container instance of the pod, as the runtime sees them now."""
        ...

    async def list_pods(self) -> tuple[PodUID, ...]:
        """The UIDs of every pod that has a sandbox or container in this runtime."""
        ...

    async def exec_sync(
        self, container_id: ContainerID, command: tuple[str, ...], *, timeout: float
    ) -> ExecResult:
        """Run a command inside a running container and wait for it (probes and hooks)."""
        ...

    async def exec_stream(
        self, container_id: ContainerID, command: tuple[str, ...], *, tty: bool, stdin: bool
    ) -> ExecSession:
        """Start a command inside a running container with its streams attached (kubectl exec).

        Runs with the container's namespaces, environment, working directory, user and cgroup.
        Raises NotFound when no such container is running, StartFailed when the command cannot
        be started (no such executable).
        """
        ...

    def events(self) -> AsyncIterator[RuntimeEvent]:
        """Container starts and exits as they happen (exits within milliseconds)."""
        ...

    async def close(self) -> None:
        """Release the runtime's own resources; containers keep running."""
        ...
