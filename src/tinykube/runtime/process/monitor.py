"""The Python side of `tinykube-monitor`, the per-container monitor written in C (monitor.c).

The process runtime starts every container under its own monitor, which owns the child, writes
its output to a CRI-format log and records start and exit in the container's state directory,
so containers outlive the agent (the conmon / containerd-shim pattern). This module builds the
binary from source, writes the monitor's spec, launches it, reads what it recorded and sends it
signals. It holds no policy: what to run, and where, is the process runtime's decision.

The agent learns of starts and exits from datagrams the monitor sends to `notify_socket`
(`started <id>`, `exited <id> <exit_code>`); the state files are the durable truth behind them.

Errors:

    MonitorError                anything this module could not do
    ├── MonitorBuildError       no C compiler, or monitor.c did not compile
    ├── MonitorLaunchError      the monitor refused its spec or could not set itself up
    └── MonitorGoneError        no monitor listens on the container's control socket any more
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import hashlib
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import msgspec

SOURCE = Path(__file__).with_name("monitor.c")
CFLAGS = ("-std=c11", "-O2", "-Wall", "-Wextra", "-Werror")
DEFAULT_LOG_MAX_SIZE = 10 * 1024 * 1024  # kubelet containerLogMaxSize (10Mi)
DEFAULT_LOG_MAX_FILES = 5  # kubelet containerLogMaxFiles
MAX_TERMINATION_MESSAGE = 4096  # kubelet MaxContainerTerminationMessageLength
LAUNCH_TIMEOUT = 10.0  # seconds; the detaching parent normally returns in about 1 ms

# Names inside a state directory (see monitor.c).
MONITOR_PID = "monitor.pid"
STARTED = "started"
EXIT = "exit"
CONTROL_SOCKET = "control.sock"
TERMINATION_LOG = "termination-log"

_SUN_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1


class MonitorError(Exception):
    """Base of every error of this module (see the module docstring)."""


class MonitorBuildError(MonitorError):
    pass


class MonitorLaunchError(MonitorError):
    pass


class MonitorGoneError(MonitorError):
    pass


class RootFs(enum.StrEnum):
    """What the container sees as `/`."""

    HOST_OVERLAY = "host-overlay"  # the host's root through an overlay with a private tmpfs upper
    NONE = "none"  # the host's tree itself, in a private mount namespace


class ExitReason(enum.StrEnum):
    """`reason` of the exit record: the containerd CRI plugin's terminated reasons."""

    COMPLETED = "Completed"
    ERROR = "Error"
    OOM_KILLED = "OOMKilled"
    START_ERROR = "StartError"


class Mount(msgspec.Struct, frozen=True, kw_only=True):
    """A bind mount of a host path into the container, applied in the order given."""

    source: Path  # host path (absolute)
    destination: str  # path inside the container (absolute)
    read_only: bool = False


class MonitorSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one monitor needs; `write_spec` turns it into monitor.c's record format."""

    container_id: str
    state_dir: Path  # must exist; holds the state files and the control socket
    log_path: Path
    args: tuple[str, ...]  # argv; args[0] is looked up in the container's PATH if it has no "/"
    env: tuple[tuple[str, str], ...] = ()  # exactly the child's environment
    workdir: str | None = None  # created if missing; "/" when None
    hostname: str | None = None  # applied only with new_uts
    uid: int | None = None
    gid: int | None = None
    groups: tuple[int, ...] = ()  # supplementary groups (replaces the monitor's)
    cgroup_procs: tuple[Path, ...] = ()  # cgroup.procs files the child joins before exec
    oom_cgroup: Path | None = None  # memory cgroup dir for OOM detection (else from cgroup_procs)
    oom_score_adj: int = 0
    join_ns: tuple[Path, ...] = ()  # e.g. /proc/<sandbox pid>/ns/ipc, joined before the rest
    rootfs: RootFs = RootFs.HOST_OVERLAY
    mounts: tuple[Mount, ...] = ()
    new_pid: bool = False
    new_uts: bool = False
    new_ipc: bool = False
    notify_socket: Path | None = None  # the agent's SOCK_DGRAM socket
    term_message_path: str | None = None  # backed by state_dir/termination-log on the host
    log_max_size: int = DEFAULT_LOG_MAX_SIZE
    log_max_files: int = DEFAULT_LOG_MAX_FILES


class StartRecord(msgspec.Struct, frozen=True, kw_only=True):
    pid: int  # host pid of the container's first process
    started_at: datetime.datetime


class ExitRecord(msgspec.Struct, frozen=True, kw_only=True):
    exit_code: int  # exit status, or 128 + signal; 128 for StartError
    signal: int  # the killing signal, 0 if it exited
    reason: ExitReason
    started_at: datetime.datetime | None  # None when the container never started
    finished_at: datetime.datetime
    oom_killed: bool
    message: str  # why it could not start (runc's wording), else empty


class MonitorState(msgspec.Struct, frozen=True, kw_only=True):
    """What a state directory says about one container."""

    monitor_pid: int | None
    monitor_alive: bool  # something still listens on the control socket
    started: StartRecord | None
    exit: ExitRecord | None
    termination_message: str | None  # at most 4096 bytes, once exited, if a path was given


# ---------------------------------------------------------------------------------- building


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tinykube"


def monitor_binary() -> Path:
    """Return the compiled monitor, building it with `$CC` (default `cc`) on first use.

    Binaries are cached under `$XDG_CACHE_HOME/tinykube` (or `~/.cache/tinykube`), keyed by a
    hash of the source and the flags; a build goes to a temporary name and is renamed into
    place, so concurrent first uses are safe.
    """
    compiler = shlex.split(os.environ.get("CC") or "cc")
    if not compiler or shutil.which(compiler[0]) is None:
        raise MonitorBuildError(
            f"no C compiler found (looked for {compiler[0] if compiler else 'cc'!r}): "
            "install gcc or set CC; tinykube-monitor is built from source on first use"
        )
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(
        source + "\0".join((*compiler, *CFLAGS, "static-first")).encode()
    ).hexdigest()
    target = _cache_dir() / f"tinykube-monitor-{digest[:16]}"
    if os.access(target, os.X_OK):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tinykube-monitor-", dir=target.parent)
    os.close(fd)
    try:
        # Static when the C library allows it: no dynamic loading on every container start.
        for flags in ((*CFLAGS, "-static"), CFLAGS):
            result = subprocess.run(
                [*compiler, *flags, "-o", tmp, str(SOURCE)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode == 0:
                break
        if result.returncode != 0:
            raise MonitorBuildError(f"building tinykube-monitor failed:\n{result.stderr.strip()}")
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    except OSError as exc:
        raise MonitorBuildError(f"building tinykube-monitor failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


# ------------------------------------------------------------------------------------- spec


def _absolute(path: Path, what: str) -> str:
    if not path.is_absolute():
        raise ValueError(f"{what} must be an absolute path: {path}")
    return str(path)


def _records(spec: MonitorSpec) -> list[tuple[str, str]]:
    if not spec.args:
        raise ValueError("args must not be empty")
    if spec.log_max_size < 1 or spec.log_max_files < 2:
        raise ValueError("log_max_size must be positive and log_max_files at least 2")
    records = [
        ("id", spec.container_id),
        ("state_dir", _absolute(spec.state_dir, "state_dir")),
        ("log_path", _absolute(spec.log_path, "log_path")),
        ("rootfs", spec.rootfs.value),
        ("newpid", str(int(spec.new_pid))),
        ("newuts", str(int(spec.new_uts))),
        ("newipc", str(int(spec.new_ipc))),
        ("oom_score_adj", str(spec.oom_score_adj)),
        ("log_max_size", str(spec.log_max_size)),
        ("log_max_files", str(spec.log_max_files)),
    ]
    records += [("arg", arg) for arg in spec.args]
    for name, value in spec.env:
        if not name or "=" in name:
            raise ValueError(f"invalid environment variable name {name!r}")
        records.append(("env", f"{name}={value}"))
    optional = {
        "workdir": spec.workdir,
        "hostname": spec.hostname,
        "uid": spec.uid,
        "gid": spec.gid,
        "oom_cgroup": spec.oom_cgroup,
        "notify_socket": spec.notify_socket,
        "term_message_path": spec.term_message_path,
    }
    records += [(key, str(value)) for key, value in optional.items() if value is not None]
    records += [("group", str(group)) for group in spec.groups]
    records += [("cgroup_procs", _absolute(path, "cgroup_procs")) for path in spec.cgroup_procs]
    records += [("join_ns", _absolute(path, "join_ns")) for path in spec.join_ns]
    for mount in spec.mounts:
        source = _absolute(mount.source, "mount source")
        if "\t" in source or "\t" in mount.destination or not mount.destination.startswith("/"):
            raise ValueError(f"invalid mount {source} -> {mount.destination!r}")
        mode = "ro" if mount.read_only else "rw"
        records.append(("mount", f"{source}\t{mount.destination}\t{mode}"))
    return records


def encode_spec(spec: MonitorSpec) -> bytes:
    """The spec as monitor.c reads it: NUL-terminated `key=value` records."""
    out = bytearray()
    for key, value in _records(spec):
        if "\0" in value:
            raise ValueError(f"{key} must not contain NUL")
        out += f"{key}={value}".encode() + b"\0"
    return bytes(out)


def write_spec(spec: MonitorSpec, path: Path) -> None:
    """Write the spec file atomically (temporary name, then rename)."""
    data = encode_spec(spec)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------- launch


def launch_monitor(spec: MonitorSpec, spec_path: Path, *, binary: Path | None = None) -> int:
    """Write the spec, start a monitor for it and return the monitor's pid.

    The monitor detaches (its own session, parent gone), so the wait here ends as soon as its
    state directory holds `monitor.pid` and the control socket, about a millisecond. Whether the
    container itself started is reported later (`started` or a StartError exit record).
    """
    write_spec(spec, spec_path)
    exe = binary if binary is not None else monitor_binary()
    try:
        result = subprocess.run(
            [str(exe), str(spec_path)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=LAUNCH_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MonitorLaunchError(f"launching tinykube-monitor failed: {exc}") from exc
    if result.returncode != 0:
        raise MonitorLaunchError(result.stderr.strip() or f"exit status {result.returncode}")
    try:
        return int(result.stdout)
    except ValueError as exc:
        raise MonitorLaunchError(f"unexpected monitor output {result.stdout!r}") from exc


# ------------------------------------------------------------------------------------ state


@contextlib.contextmanager
def unix_address(path: Path) -> Iterator[str]:
    """An address for a unix socket path, even one longer than sun_path allows."""
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def _control_reachable(state_dir: Path) -> bool:
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock,
        unix_address(state_dir / CONTROL_SOCKET) as address,
    ):
        try:
            sock.connect(address)
        except (FileNotFoundError, ConnectionRefusedError):
            return False
    return True


def parse_time(text: str) -> datetime.datetime:
    """Parse the monitor's RFC 3339 UTC time with nanoseconds (truncated to microseconds)."""
    seconds, _, fraction = text.removesuffix("Z").partition(".")
    parsed = datetime.datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S")
    micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return parsed.replace(microsecond=micros, tzinfo=datetime.UTC)


def _unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "\\")
            out.append("\n" if escaped == "n" else escaped)
        else:
            out.append(char)
    return "".join(out)


def _read_fields(path: Path) -> dict[str, str] | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        fields[key] = value
    return fields


def _started(state_dir: Path) -> StartRecord | None:
    fields = _read_fields(state_dir / STARTED)
    if fields is None:
        return None
    return StartRecord(pid=int(fields["pid"]), started_at=parse_time(fields["started_at"]))


def _exit(state_dir: Path) -> ExitRecord | None:
    fields = _read_fields(state_dir / EXIT)
    if fields is None:
        return None
    started_at = fields.get("started_at", "")
    return ExitRecord(
        exit_code=int(fields["exit_code"]),
        signal=int(fields["signal"]),
        reason=ExitReason(fields["reason"]),
        started_at=parse_time(started_at) if started_at else None,
        finished_at=parse_time(fields["finished_at"]),
        oom_killed=fields.get("oom_killed") == "1",
        message=_unescape(fields.get("message", "")),
    )


def _termination_message(state_dir: Path) -> str | None:
    try:
        with (state_dir / TERMINATION_LOG).open("rb") as file:
            return file.read(MAX_TERMINATION_MESSAGE).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def _monitor_pid(state_dir: Path) -> int | None:
    try:
        return int((state_dir / MONITOR_PID).read_text())
    except FileNotFoundError:
        return None


def read_state(state_dir: Path) -> MonitorState:
    """Read what the monitor recorded in `state_dir` (never blocks, never raises for absence)."""
    exit_record = _exit(state_dir)
    return MonitorState(
        monitor_pid=_monitor_pid(state_dir),
        monitor_alive=_control_reachable(state_dir),
        started=_started(state_dir),
        exit=exit_record,
        termination_message=_termination_message(state_dir) if exit_record else None,
    )


def send_signal(state_dir: Path, signum: int) -> None:
    """Ask the monitor to send `signum` to the container (SIGKILL also takes its group when it
    has no pid namespace of its own). Raises MonitorGoneError if no monitor listens."""
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock,
        unix_address(state_dir / CONTROL_SOCKET) as address,
    ):
        sock.setblocking(False)
        try:
            sock.sendto(f"kill {int(signum)}".encode(), address)
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise MonitorGoneError(f"no monitor for {state_dir}: {exc}") from exc
        except OSError as exc:  # a full queue (BlockingIOError) or anything unexpected
            raise MonitorError(f"signalling the monitor of {state_dir} failed: {exc}") from exc


def read_started(state_dir: Path) -> StartRecord | None:
    """The `started` record alone (cheap: one file)."""
    return _started(state_dir)


def read_exit(state_dir: Path) -> ExitRecord | None:
    """The `exit` record alone (cheap: one file); final once present."""
    return _exit(state_dir)


def read_termination_message(state_dir: Path) -> str | None:
    return _termination_message(state_dir)


def monitor_alive(state_dir: Path) -> bool:
    """Whether a monitor still listens on the state directory's control socket."""
    return _control_reachable(state_dir)


def monitor_pid(state_dir: Path) -> int | None:
    return _monitor_pid(state_dir)
