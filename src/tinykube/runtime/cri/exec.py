"""Streaming exec for the CRI runtime: a session over containerd's streaming server (SPDY).

The CRI's `Exec` returns a single-use URL; the session opens the remotecommand streams there
(`v4.channel.k8s.io`: error, stdin, stdout, stderr or resize) and the command starts. The error
stream ends with a v1 Status: `Success`, or `NonZeroExitCode` with the exit code as the cause
`ExitCode`, or any other failure (the command could not start).

containerd does not say when an exec'd process has started, nor kill it when the client goes
away; its task events do both halves: `/tasks/exec-started` names the exec's host pid, which
`kill` signals (SIGKILL: the exit, 137, then comes through the error stream as usual). The
runtime passes those events in (`on_exec_started`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable
from typing import Any, Final

from tinykube.runtime import contract
from tinykube.runtime.cri import spdy

PROTOCOLS: Final = ("v4.channel.k8s.io",)
KILLED_EXIT: Final = 128 + signal.SIGKILL
TERMINAL_EOF: Final = b"\x04"
KILL_SECONDS: Final = 10.0  # how long kill waits for the process to be known, then to end


def exit_code_of(status: dict[str, Any]) -> int | None:
    """The exit code a v4 Status reports, or None when it reports a failure to run at all."""
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        details = status.get("details") or {}
        for cause in details.get("causes") or ():
            if cause.get("reason") == "ExitCode":
                with contextlib.suppress(TypeError, ValueError):
                    return int(cause.get("message", ""))
    return None


def started_by(pid: int, command: tuple[str, ...]) -> bool:
    """Whether host process `pid` runs `command` (as far as /proc still tells)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            cmdline = file.read()
    except OSError:
        return True  # gone already: it may well have been ours
    return cmdline.rstrip(b"\0").split(b"\0") == [part.encode() for part in command]


class CriExecSession:
    """One exec's streams (see the module docstring)."""

    def __init__(
        self,
        connection: spdy.SpdyConnection,
        streams: dict[str, int],
        *,
        command: tuple[str, ...],
        tty: bool,
        release: Callable[[], None],
    ) -> None:
        self._connection = connection
        self._streams = streams
        self._command = command
        self._tty = tty
        self._release = release
        self._pid: int | None = None
        self.started = asyncio.Event()  # the process exists (or the exec is over)
        self._result: asyncio.Task[int | contract.RuntimeFailure] = (
            asyncio.get_running_loop().create_task(self._read_status())
        )
        self._result.add_done_callback(lambda _: self._finish())
        self._closed = False

    @classmethod
    async def open(
        cls,
        url: str,
        command: tuple[str, ...],
        *,
        tty: bool,
        stdin: bool,
        release: Callable[[], None],
    ) -> CriExecSession:
        connection = await spdy.SpdyConnection.upgrade(url, PROTOCOLS)
        names = ["error", *(["stdin"] if stdin else []), "stdout"]
        names.append("resize" if tty else "stderr")
        try:
            streams = {name: await connection.open_stream({"streamType": name}) for name in names}
        except spdy.SpdyError:
            await connection.close()
            raise
        return cls(connection, streams, command=command, tty=tty, release=release)

    def on_exec_started(self, pid: int) -> bool:
        """An exec of this container started with host pid `pid`; True if it is this one."""
        if self._pid is not None or self.started.is_set() or not started_by(pid, self._command):
            return False
        self._pid = pid
        self.started.set()
        return True

    async def start_failure(self) -> contract.StartFailed | None:
        """Wait until the process runs or the exec is over; the reason if it never ran."""
        await self.started.wait()
        if not self._result.done():
            return None
        result = self._result.result()
        return contract.StartFailed(str(result)) if isinstance(result, Exception) else None

    async def _read_status(self) -> int | contract.RuntimeFailure:
        text = b""
        while (data := await self._connection.read(self._streams["error"])) is not None:
            text += data
        if not text.strip():  # v4 always sends a Status, success included
            return contract.RuntimeFailure(
                "the streaming connection closed before the exec's status arrived"
            )
        try:
            status = json.loads(text)
        except ValueError:
            return contract.RuntimeFailure(text.decode("utf-8", "replace"))
        code = exit_code_of(status) if isinstance(status, dict) else None
        if code is not None:
            return code
        message = status.get("message", "") if isinstance(status, dict) else ""
        return contract.RuntimeFailure(str(message) or text.decode("utf-8", "replace"))

    def _finish(self) -> None:
        self.started.set()
        self._release()

    async def write_stdin(self, data: bytes) -> None:
        stream = self._streams.get("stdin")
        if stream is None or not data or self._result.done():
            return
        with contextlib.suppress(spdy.SpdyError):
            await self._connection.write(stream, data)

    async def close_stdin(self) -> None:
        stream = self._streams.get("stdin")
        if stream is None or self._result.done():
            return
        with contextlib.suppress(spdy.SpdyError):
            if self._tty:
                await self._connection.write(stream, TERMINAL_EOF)
            else:
                await self._connection.write(stream, b"", fin=True)

    async def _read(self, name: str) -> bytes:
        stream = self._streams.get(name)
        if stream is None:
            return b""
        return await self._connection.read(stream) or b""

    async def read_stdout(self) -> bytes:
        return await self._read("stdout")

    async def read_stderr(self) -> bytes:
        return await self._read("stderr")

    async def resize(self, *, width: int, height: int) -> None:
        stream = self._streams.get("resize")
        if stream is None or self._result.done():
            return
        size = json.dumps({"Width": max(width, 0), "Height": max(height, 0)}).encode()
        with contextlib.suppress(spdy.SpdyError):
            await self._connection.write(stream, size)

    async def wait(self) -> int:
        result = await asyncio.shield(self._result)
        if isinstance(result, contract.RuntimeFailure):
            raise result
        return result

    async def kill(self) -> None:
        """SIGKILL the process (once it is known to run) and wait for its status."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(KILL_SECONDS):
                await self.started.wait()
        if not self._result.done() and self._pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(KILL_SECONDS):
                await asyncio.shield(self._result)
        if not self._closed:
            self._closed = True
            await self._connection.close()
