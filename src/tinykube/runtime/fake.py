"""FakeRuntime: an in-memory, deterministic RuntimeService for tests of everything above it.

Containers do not run programs; their command is read as a tiny script:

    ("true",)              exits 0 at once            ("false",)        exits 1 at once
    ("sh", "-c", "exit N") exits N at once            ("sleep", "S")    exits 0 after S seconds
    ("echo", words...)     logs the words, exits 0    anything else     runs until stopped

A running container ignores SIGTERM as a real container's PID 1 without a handler does, so
`stop_container` ends it with SIGKILL (exit 137) after the timeout — unless it was started with
`FakeRuntime.term_exits` naming it, then SIGTERM ends it with 143. Tests can also end any running
container with `finish(container_id, exit_code)`. Every start and exit is published on
`events()` at once, as the real runtimes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import (
    ContainerSnapshot,
    ContainerState,
    PodSnapshot,
    SandboxSnapshot,
    SandboxState,
)
from tinykube.runtime import contract


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(slots=True)
class _Container:
    snapshot: ContainerSnapshot
    pod_uid: PodUID
    config: contract.ContainerConfig
    logs: list[str] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None
    exited: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class _Sandbox:
    snapshot: SandboxSnapshot
    pod_uid: PodUID


class FakeRuntime:
    name = "fake"

    def __init__(self, *, now: Callable[[], datetime.datetime] = _utc_now) -> None:
        self._now = now
        self._ids = itertools.count(1)
        self._sandboxes: dict[SandboxID, _Sandbox] = {}
        self._containers: dict[ContainerID, _Container] = {}
        self._events: asyncio.Queue[contract.RuntimeEvent] = asyncio.Queue()
        self.term_exits: set[str] = set()  # container names whose SIGTERM ends them (143)
        self.calls: list[tuple[str, str]] = []  # (method, name or id), for assertions

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def _publish(self, pod_uid: PodUID, kind: contract.EventKind, cid: ContainerID | None) -> None:
        self._events.put_nowait(
            contract.RuntimeEvent(pod_uid=pod_uid, kind=kind, container_id=cid, at=self._now())
        )

    async def run_pod_sandbox(self, config: contract.SandboxConfig) -> SandboxID:
        sandbox_id = SandboxID(self._next_id("sandbox-"))
        self._sandboxes[sandbox_id] = _Sandbox(
            snapshot=SandboxSnapshot(
                id=sandbox_id,
                attempt=config.attempt,
                state=SandboxState.READY,
                created_at=self._now(),
                ip="127.0.0.1",
            ),
            pod_uid=config.pod.uid,
        )
        self.calls.append(("run_pod_sandbox", config.pod.name))
        return sandbox_id

    async def stop_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            raise contract.NotFound(f"sandbox {sandbox_id} not found")
        for container_id, container in list(self._containers.items()):
            if container.snapshot.sandbox_id == sandbox_id:
                self._exit(container_id, 137, reason="Error")
        sandbox.snapshot = replace(sandbox.snapshot, state=SandboxState.NOT_READY)
        self.calls.append(("stop_pod_sandbox", sandbox_id))

    async def remove_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        with contextlib.suppress(contract.NotFound):
            await self.stop_pod_sandbox(sandbox_id)
        self._sandboxes.pop(sandbox_id, None)
        for container_id in [
            cid for cid, c in self._containers.items() if c.snapshot.sandbox_id == sandbox_id
        ]:
            self._containers.pop(container_id, None)

    def lose_sandbox(self, sandbox_id: SandboxID) -> None:
        """Simulate a host reboot for one sandbox: everything in it is gone at once."""
        sandbox = self._sandboxes[sandbox_id]
        for container_id, container in list(self._containers.items()):
            if container.snapshot.sandbox_id == sandbox_id:
                self._exit(container_id, 137, reason="Error")
        sandbox.snapshot = replace(sandbox.snapshot, state=SandboxState.NOT_READY)
        self._publish(sandbox.pod_uid, contract.EventKind.SANDBOX_CHANGED, None)

    async def create_container(
        self, sandbox_id: SandboxID, config: contract.ContainerConfig
    ) -> ContainerID:
        sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            raise contract.NotFound(f"sandbox {sandbox_id} not found")
        if not config.command:
            raise contract.ConfigError("the fake runtime needs a command")
        container_id = ContainerID(self._next_id("c"))
        self._containers[container_id] = _Container(
            snapshot=ContainerSnapshot(
                id=container_id,
                name=config.name,
                attempt=config.attempt,
                state=ContainerState.CREATED,
                spec_hash=config.spec_hash,
                image=config.image,
                created_at=self._now(),
                sandbox_id=sandbox_id,
            ),
            pod_uid=config.pod.uid,
            config=config,
        )
        self.calls.append(("create_container", config.name))
        return container_id

    async def start_container(self, container_id: ContainerID) -> None:
        container = self._get(container_id)
        if container.snapshot.state is not ContainerState.CREATED:
            raise contract.StartFailed(f"container {container_id} is not in created state")
        argv = (*container.config.command, *container.config.args)
        container.snapshot = replace(
            container.snapshot, state=ContainerState.RUNNING, started_at=self._now()
        )
        self.calls.append(("start_container", container.config.name))
        self._publish(container.pod_uid, contract.EventKind.STARTED, container_id)
        loop = asyncio.get_running_loop()
        match argv:
            case ("true",):
                loop.call_soon(self._exit, container_id, 0)
            case ("false",):
                loop.call_soon(self._exit, container_id, 1)
            case ("sh", "-c", script) if script.startswith("exit "):
                loop.call_soon(self._exit, container_id, int(script.split()[1]))
            case ("echo", *words):
                container.logs.append(" ".join(words))
                loop.call_soon(self._exit, container_id, 0)
            case ("sleep", seconds):
                container.timer = loop.call_later(float(seconds), self._exit, container_id, 0)
            case _:
                pass

    def finish(self, container_id: ContainerID, exit_code: int, *, reason: str = "") -> None:
        """End a running container now with the given exit code."""
        self._exit(container_id, exit_code, reason=reason)

    def _exit(self, container_id: ContainerID, exit_code: int, *, reason: str = "") -> None:
        container = self._containers.get(container_id)
        if container is None or container.snapshot.state is not ContainerState.RUNNING:
            return
        if container.timer is not None:
            container.timer.cancel()
        container.snapshot = replace(
            container.snapshot,
            state=ContainerState.EXITED,
            finished_at=self._now(),
            exit_code=exit_code,
            reason=reason or ("Completed" if exit_code == 0 else "Error"),
        )
        container.exited.set()
        self._publish(container.pod_uid, contract.EventKind.EXITED, container_id)

    def _get(self, container_id: ContainerID) -> _Container:
        container = self._containers.get(container_id)
        if container is None:
            raise contract.NotFound(f"container {container_id} not found")
        return container

    async def stop_container(self, container_id: ContainerID, *, timeout: float) -> None:
        container = self._get(container_id)
        if container.snapshot.state is not ContainerState.RUNNING:
            return
        self.calls.append(("stop_container", container.config.name))
        if container.config.name in self.term_exits:
            self._exit(container_id, 143)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(container.exited.wait(), timeout)
        self._exit(container_id, 137)

    async def remove_container(self, container_id: ContainerID) -> None:
        self._containers.pop(container_id, None)

    async def pod_snapshot(self, pod_uid: PodUID) -> PodSnapshot:
        return PodSnapshot(
            sandboxes=tuple(s.snapshot for s in self._sandboxes.values() if s.pod_uid == pod_uid),
            containers=tuple(c.snapshot for c in self._containers.values() if c.pod_uid == pod_uid),
        )

    async def list_pods(self) -> tuple[PodUID, ...]:
        uids = {s.pod_uid for s in self._sandboxes.values()}
        uids.update(c.pod_uid for c in self._containers.values())
        return tuple(sorted(uids))

    async def exec_sync(
        self, container_id: ContainerID, command: tuple[str, ...], *, timeout: float
    ) -> contract.ExecResult:
        container = self._get(container_id)
        if container.snapshot.state is not ContainerState.RUNNING:
            raise contract.RuntimeFailure(f"container {container_id} is not running")
        match command:
            case ("true",):
                return contract.ExecResult(exit_code=0, stdout=b"", stderr=b"")
            case ("sh", "-c", script) if script.startswith("exit "):
                code = int(script.split()[1])
                return contract.ExecResult(exit_code=code, stdout=b"", stderr=b"")
            case _:
                return contract.ExecResult(exit_code=1, stdout=b"", stderr=b"fake: unknown")

    def logs(self, container_id: ContainerID) -> list[str]:
        return list(self._get(container_id).logs)

    async def events(self) -> AsyncIterator[contract.RuntimeEvent]:
        while True:
            yield await self._events.get()

    async def close(self) -> None:
        for container in self._containers.values():
            if container.timer is not None:
                container.timer.cancel()
