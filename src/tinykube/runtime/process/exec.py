"""Streaming exec for the process runtime: a command inside a running container (kubectl exec).

The command enters the container the way `runc exec` does: the container's cgroups first (a
small `sh` on the host writes its own pid into their `cgroup.procs`, then execs on), then
`nsenter` into the mount, UTS, IPC and PID namespaces of the container's first process, with
the container's working directory (opened through `/proc/<pid>/root`, so it resolves inside the
container), user and group, and `env -i` with exactly the container's environment. With a tty
the command gets a pseudo-terminal allocated from the container's own devpts (so `tty` prints
/dev/pts/N inside), as the controlling terminal of a session made inside the container's PID
namespace (`setsid --ctty`), `TERM=xterm` unless the container sets TERM (as containerd does);
resizes are applied to the master with TIOCSWINSZ.

Without namespaces (not root) the command runs on the host with the same environment, working
directory and cgroups.

`kill` sends SIGKILL to the exec's process tree. When the container stops, the kernel kills
everything in its PID namespace, the exec'd command included.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import sys
import termios
from pathlib import Path

import msgspec

from tinykube.runtime import contract
from tinykube.runtime.process import cgroups


def _default_path() -> str:
    """The PATH of a container that sets none: the usual one, then the directory `tinykube`
    itself runs from (a virtualenv), so `tinykube toolbox ...` works as a container command."""
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    tools = Path(sys.executable).parent
    if (tools / "tinykube").exists() and str(tools) not in path.split(":"):
        path += f":{tools}"
    return path


DEFAULT_PATH = _default_path()
READ_CHUNK = 32 * 1024
TIOCSPTLCK = 0x40045431  # <asm/ioctls.h>: (un)lock a pty slave
TIOCGPTPEER = 0x5441  # <asm/ioctls.h>: open the slave of a master (Linux 4.13)
# Joins the cgroups named before "--", then execs the rest: the exec'd command never runs
# outside them, even for a moment.
JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"'


class ExecTarget(msgspec.Struct, frozen=True, kw_only=True):
    """Where and as whom a command runs: what the runtime recorded about the container."""

    pid: int  # host pid of the container's first process
    env: tuple[tuple[str, str], ...]
    working_dir: str  # "" for the container's default, "/"
    uid: int | None = None
    gid: int | None = None
    enter_namespaces: bool = True  # False when the container has none (not root)
    cgroup_procs: tuple[Path, ...] = ()


def container_cgroup_procs(
    manager: cgroups.CgroupManager, pod_uid: str, container_id: str
) -> tuple[Path, ...]:
    """The `cgroup.procs` files of the container's own cgroups, where they exist."""
    if not manager.available:
        return ()
    relative = Path(cgroups.PARENT) / pod_uid / container_id
    bases = [manager.root] if manager.unified else [manager.root / "memory", manager.root / "cpu"]
    return tuple(base / relative / "cgroup.procs" for base in bases if (base / relative).is_dir())


def _path_of(env: tuple[tuple[str, str], ...]) -> str:
    return dict(env).get("PATH", DEFAULT_PATH)


def find_executable(target: ExecTarget, name: str) -> str | None:
    """Where `name` is inside the container (as exec would look it up), or None."""
    root = f"/proc/{target.pid}/root" if target.enter_namespaces else ""
    if "/" in name:
        if not name.startswith("/"):
            return name  # relative to the working directory: let exec decide
        return name if os.access(root + name, os.X_OK) else None
    for directory in _path_of(target.env).split(":"):
        candidate = f"{directory or '.'}/{name}"
        host = root + candidate if candidate.startswith("/") else candidate
        if os.path.isfile(host) and os.access(host, os.X_OK):
            return candidate
    return None


def exec_argv(target: ExecTarget, command: tuple[str, ...], *, tty: bool) -> list[str]:
    """The host command line that runs `command` inside the container (pure)."""
    env = dict(target.env)
    if tty:
        env.setdefault("TERM", "xterm")
    argv = ["env", "-i", *(f"{key}={value}" for key, value in env.items()), *command]
    if tty:
        # A session of its own inside the container's PID namespace, with the terminal as its
        # controlling tty: a shell's job control then sees only processes it can reach.
        argv = ["setsid", "--ctty", "--wait", *argv]
    if target.enter_namespaces:
        nsenter = ["nsenter", "-t", str(target.pid), "-m", "-u", "-i", "-p"]
        nsenter.append(f"--wd=/proc/{target.pid}/root{target.working_dir or '/'}")
        if target.uid is not None:
            nsenter += ["-S", str(target.uid)]
        if target.gid is not None:
            nsenter += ["-G", str(target.gid)]
        argv = [*nsenter, "--", *argv]
    if target.cgroup_procs:
        files = [str(path) for path in target.cgroup_procs]
        argv = ["sh", "-c", JOIN_CGROUPS, "tinykube-exec", *files, "--", *argv]
    return argv


def exit_code(returncode: int) -> int:
    """A waitpid result as a container exit code: 128 + signal for a killed command."""
    return 128 - returncode if returncode < 0 else returncode


async def start_exec(
    target: ExecTarget, command: tuple[str, ...], *, tty: bool, stdin: bool
) -> contract.ExecSession:
    """Start `command` in the container described by `target` (see the module docstring)."""
    if not command:
        raise contract.StartFailed("no command given")
    if find_executable(target, command[0]) is None:
        raise contract.StartFailed(f'exec: "{command[0]}": executable file not found in $PATH')
    argv = exec_argv(target, command, tty=tty)
    cwd = None if target.enter_namespaces else (target.working_dir or "/")
    if tty:
        ptmx = Path(f"/proc/{target.pid}/root/dev/pts/ptmx") if target.enter_namespaces else None
        return await _TerminalSession.start(argv, cwd=cwd, ptmx=ptmx)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        raise contract.StartFailed(f"starting the exec failed: {exc}") from exc
    return _PipeSession(process)


def _open_terminal(ptmx: Path | None) -> tuple[int, int]:
    """A pseudo-terminal's (master, slave); from the container's own devpts when it has one,
    so that the command sees its terminal as /dev/pts/N (as runc allocates it)."""
    if ptmx is None or not ptmx.exists():
        return os.openpty()
    master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        os.close(master)
        return os.openpty()
    return master, slave


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, parents before children (from /proc/PID/task/*/children)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as file:
                    children = [int(child) for child in file.read().split()]
            except OSError:
                continue
            found += children
            pending += children
    return found


def _kill_tree(pid: int) -> None:
    """SIGKILL the exec's process group and everything below it (a tty exec runs in a session
    of its own inside the container, out of the group's reach)."""
    for member in (pid, *_descendants(pid)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _PipeSession:
    """Separate stdin, stdout and stderr pipes (no tty)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    async def write_stdin(self, data: bytes) -> None:
        writer = self._process.stdin
        if writer is None or writer.is_closing():
            return
        writer.write(data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    async def close_stdin(self) -> None:
        writer = self._process.stdin
        if writer is not None and not writer.is_closing():
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def read_stdout(self) -> bytes:
        assert self._process.stdout is not None
        return await self._process.stdout.read(READ_CHUNK)

    async def read_stderr(self) -> bytes:
        assert self._process.stderr is not None
        return await self._process.stderr.read(READ_CHUNK)

    async def resize(self, *, width: int, height: int) -> None:
        return None

    async def wait(self) -> int:
        return exit_code(await self._process.wait())

    async def kill(self) -> None:
        if self._process.returncode is None:
            _kill_tree(self._process.pid)
        await self.close_stdin()
        await self._process.wait()


class _TerminalSession:
    """A pseudo-terminal: input and output both go through its master side."""

    def __init__(self, process: asyncio.subprocess.Process, master: int) -> None:
        self._process = process
        self._master = master
        self._loop = asyncio.get_running_loop()
        self._eof = False
        self._closed = False

    @classmethod
    async def start(
        cls, argv: list[str], *, cwd: str | None, ptmx: Path | None
    ) -> _TerminalSession:
        master, slave = _open_terminal(ptmx)
        try:
            os.set_blocking(master, False)
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, start_new_session=True
            )
        except OSError as exc:
            os.close(master)
            raise contract.StartFailed(f"starting the exec failed: {exc}") from exc
        finally:
            os.close(slave)
        return cls(process, master)

    async def _wait_fd(self, *, write: bool) -> None:
        ready: asyncio.Future[None] = self._loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        if write:
            self._loop.add_writer(self._master, wake)
        else:
            self._loop.add_reader(self._master, wake)
        try:
            await ready
        finally:
            if write:
                self._loop.remove_writer(self._master)
            else:
                self._loop.remove_reader(self._master)

    async def write_stdin(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._closed:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                await self._wait_fd(write=True)
                continue
            except OSError:  # the terminal is gone (EIO): the command has ended
                return
            view = view[written:]

    async def close_stdin(self) -> None:
        await self.write_stdin(b"\x04")  # the terminal's EOF character (VEOF)

    async def read_stdout(self) -> bytes:
        while not self._eof and not self._closed:
            try:
                data = os.read(self._master, READ_CHUNK)
            except BlockingIOError:
                await self._wait_fd(write=False)
                continue
            except OSError as exc:  # EIO once no process holds the slave side any more
                if exc.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                self._eof = True
            return data
        return b""

    async def read_stderr(self) -> bytes:
        return b""

    async def resize(self, *, width: int, height: int) -> None:
        if self._closed:
            return
        size = struct.pack("HHHH", max(height, 0), max(width, 0), 0, 0)
        with contextlib.suppress(OSError):
            fcntl.ioctl(self._master, termios.TIOCSWINSZ, size)

    async def wait(self) -> int:
        return exit_code(await self._process.wait())

    async def kill(self) -> None:
        if self._process.returncode is None:
            _kill_tree(self._process.pid)
        await self._process.wait()
        if not self._closed:
            self._closed = True
            os.close(self._master)
