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

`exec_stream` runs the programs of `FakeRuntime.exec_programs` (by argv[0]): `echo`, `cat`
(stdin to stdout), `tty`, `true`, `false`, `sleep S` and `sh -c SCRIPT` for scripts of
`echo WORDS [>&2]`, `cat`, `tty` and `exit N` joined by ";"; tests add their own.
Any other name fails to start, as a missing executable does. A container's exit kills its
exec sessions (exit 137).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec

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


class _Container(msgspec.Struct):
    snapshot: ContainerSnapshot
    pod_uid: PodUID
    config: contract.ContainerConfig
    logs: list[str] = msgspec.field(default_factory=list)
    timer: asyncio.TimerHandle | None = None
    exited: asyncio.Event = msgspec.field(default_factory=asyncio.Event)
    execs: list[FakeExecSession] = msgspec.field(default_factory=list)


class FakeExecSession:
    """An exec session of the fake runtime; programs use `read_input` and `output`."""

    def __init__(self, command: tuple[str, ...], *, tty: bool, stdin: bool) -> None:
        self.command = command
        self.tty = tty
        self.stdin = stdin
        self.sizes: list[tuple[int, int]] = []  # (width, height) of every resize
        self._input: asyncio.Queue[bytes] = asyncio.Queue()
        self._stdout: asyncio.Queue[bytes] = asyncio.Queue()
        self._stderr: asyncio.Queue[bytes] = asyncio.Queue()
        self._exit: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._task: asyncio.Task[None] | None = None

    def start(self, program: ExecProgram) -> None:
        async def run() -> None:
            code = await program(self)
            self._finish(code)

        self._task = asyncio.get_running_loop().create_task(run())

    def _finish(self, code: int) -> None:
        if not self._exit.done():
            self._exit.set_result(code)
            self._stdout.put_nowait(b"")
            self._stderr.put_nowait(b"")

    async def read_input(self) -> bytes:
        """The next piece of stdin, b"" at its end."""
        return await self._input.get() if self.stdin else b""

    def output(self, data: bytes, *, stderr: bool = False) -> None:
        if data and not self._exit.done():
            (self._stdout if self.tty or not stderr else self._stderr).put_nowait(data)

    async def write_stdin(self, data: bytes) -> None:
        if data:
            self._input.put_nowait(data)

    async def close_stdin(self) -> None:
        self._input.put_nowait(b"")

    async def read_stdout(self) -> bytes:
        data = await self._stdout.get()
        if not data:
            self._stdout.put_nowait(b"")  # EOF stays EOF
        return data

    async def read_stderr(self) -> bytes:
        data = await self._stderr.get()
        if not data:
            self._stderr.put_nowait(b"")
        return data

    async def resize(self, *, width: int, height: int) -> None:
        if self.tty:
            self.sizes.append((width, height))

    async def wait(self) -> int:
        return await asyncio.shield(self._exit)

    async def kill(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._finish(137)


ExecProgram = Callable[[FakeExecSession], Awaitable[int]]


async def _echo(session: FakeExecSession) -> int:
    session.output((" ".join(session.command[1:]) + "\n").encode())
    return 0


async def _cat(session: FakeExecSession) -> int:
    while data := await session.read_input():
        session.output(data)
    return 0


async def _tty(session: FakeExecSession) -> int:
    session.output(b"/dev/pts/0\n" if session.tty else b"not a tty\n")
    return 0 if session.tty else 1


async def _sh(session: FakeExecSession) -> int:
    """`sh -c SCRIPT`: statements separated by ";": `echo WORDS [>&2]`, `cat`, `tty`, `exit N`."""
    if session.command[1:2] != ("-c",) or len(session.command) < 3:
        session.output(b"fake sh: only sh -c SCRIPT\n", stderr=True)
        return 2
    for statement in session.command[2].split(";"):
        match statement.split():
            case []:
                continue
            case ["exit", code]:
                return int(code)
            case ["echo", *words, ">&2"]:
                session.output((" ".join(words) + "\n").encode(), stderr=True)
            case ["echo", *words]:
                session.output((" ".join(words) + "\n").encode())
            case ["cat"]:
                await _cat(session)
            case ["tty"]:
                await _tty(session)
            case _:
                session.output(f"fake sh: cannot run {statement.strip()!r}\n".encode(), stderr=True)
                return 127
    return 0


async def _sleep(session: FakeExecSession) -> int:
    await asyncio.sleep(float(session.command[1]))
    return 0


async def _true(session: FakeExecSession) -> int:
    return 0


async def _false(session: FakeExecSession) -> int:
    return 1


DEFAULT_EXEC_PROGRAMS: dict[str, ExecProgram] = {
    "echo": _echo,
    "cat": _cat,
    "tty": _tty,
    "sh": _sh,
    "sleep": _sleep,
    "true": _true,
    "false": _false,
}


class _Sandbox(msgspec.Struct):
    snapshot: SandboxSnapshot
    pod_uid: PodUID


class FakeRuntime:
    name = "fake"
    image_service: contract.ImageService | None = None  # runs commands, not images

    def __init__(self, *, now: Callable[[], datetime.datetime] = _utc_now) -> None:
        self._now = now
        self._ids = itertools.count(1)
        self._sandboxes: dict[SandboxID, _Sandbox] = {}
        self._containers: dict[ContainerID, _Container] = {}
        self._events: asyncio.Queue[contract.RuntimeEvent] = asyncio.Queue()
        self.term_exits: set[str] = set()  # container names whose SIGTERM ends them (143)
        self.calls: list[tuple[str, str]] = []  # (method, name or id), for assertions
        self.exec_programs: dict[str, ExecProgram] = dict(DEFAULT_EXEC_PROGRAMS)

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
        sandbox.snapshot = msgspec.structs.replace(sandbox.snapshot, state=SandboxState.NOT_READY)
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
        sandbox.snapshot = msgspec.structs.replace(sandbox.snapshot, state=SandboxState.NOT_READY)
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
                prepared=config.prepared,
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
        container.snapshot = msgspec.structs.replace(
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
        container.snapshot = msgspec.structs.replace(
            container.snapshot,
            state=ContainerState.EXITED,
            finished_at=self._now(),
            exit_code=exit_code,
            reason=reason or ("Completed" if exit_code == 0 else "Error"),
        )
        container.exited.set()
        for session in container.execs:
            session._finish(137)
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

    async def exec_stream(
        self, container_id: ContainerID, command: tuple[str, ...], *, tty: bool, stdin: bool
    ) -> contract.ExecSession:
        container = self._containers.get(container_id)
        if container is None or container.snapshot.state is not ContainerState.RUNNING:
            raise contract.NotFound(f"container {container_id} is not running")
        program = self.exec_programs.get(command[0]) if command else None
        if program is None:
            name = command[0] if command else ""
            raise contract.StartFailed(f'exec: "{name}": executable file not found in $PATH')
        session = FakeExecSession(command, tty=tty, stdin=stdin)
        container.execs.append(session)
        session.start(program)
        self.calls.append(("exec_stream", container.config.name))
        return session

    def logs(self, container_id: ContainerID) -> list[str]:
        return list(self._get(container_id).logs)

    async def events(self) -> AsyncIterator[contract.RuntimeEvent]:
        while True:
            yield await self._events.get()

    async def close(self) -> None:
        for container in self._containers.values():
            if container.timer is not None:
                container.timer.cancel()
