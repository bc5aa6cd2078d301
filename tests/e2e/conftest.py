"""Helpers for the end-to-end tests: real `tinykube run` processes on this machine.

Each test writes a manifest into its `tmp_path`, runs `tinykube run --events -o json` as a
subprocess with a deadline, and asserts what a user observes: the exit status, the final pods
(phase, conditions, container statuses), the events printed on stderr, and the order in which
containers ran. The order comes from the harness of the kubelet's own e2e suite
(`test/e2e_node/container_lifecycle_pod_construction.go`, shared/k8s-semantics.md §8.0): every
container runs an `sh -c` script that appends timestamped `<name> Starting`, `<name> Started`,
`<name> Exiting` lines to a log in a hostPath volume under `tmp_path`, which the test reads once
the run is over. Nothing sleeps: a test waits only for the `tinykube run` process (bounded by a
deadline) or polls a condition with a deadline (`wait_for`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

TINYKUBE = Path(sys.executable).with_name("tinykube")
DEFAULT_DEADLINE = 60.0
LOG_DIR = "/shared"
FAST_BACKOFF = ("--initial-restart-backoff", "0.2s", "--max-restart-backoff", "0.4s")

Object = dict[str, Any]
T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.geteuid() != 0:
        skip = pytest.mark.skip(
            reason="!!! e2e tests need root (namespaces, mounts, cgroups): NOT RUN !!!"
        )
        for item in items:
            if "tests/e2e/" in str(item.fspath):
                item.add_marker(skip)


# ------------------------------------------------------------------------------ running


_EVENT = re.compile(
    r"^\[\s*(?P<at>[\d.]+)s\] pod/(?P<pod>\S+)(?: (?P<path>\S+))?  (?P<type>Normal|Warning)  "
    r"(?P<reason>\w+): (?P<message>.*?)(?: \(x(?P<count>\d+)\))?$"
)


@dataclasses.dataclass(frozen=True)
class Event:
    """One `--events` line of `tinykube run`."""

    at: float
    pod: str
    field_path: str
    type: str
    reason: str
    message: str
    count: int


@dataclasses.dataclass(frozen=True)
class RunResult:
    code: int
    pods: list[Object]
    stderr: str
    elapsed: float

    @property
    def events(self) -> list[Event]:
        events = []
        for line in self.stderr.splitlines():
            match = _EVENT.match(line)
            if match is not None:
                events.append(
                    Event(
                        at=float(match["at"]),
                        pod=match["pod"],
                        field_path=match["path"] or "",
                        type=match["type"],
                        reason=match["reason"],
                        message=match["message"],
                        count=int(match["count"] or 1),
                    )
                )
        return events

    def pod(self, name: str) -> Object:
        for pod in self.pods:
            if pod["metadata"]["name"] == name:
                return pod
        raise AssertionError(f"no pod {name!r} in the output:\n{self.stderr}")

    def events_of(
        self, pod: str, *, container: str | None = None, reason: str | None = None
    ) -> list[Event]:
        found = []
        for event in self.events:
            if event.pod != pod or (reason is not None and event.reason != reason):
                continue
            if container is not None and not event.field_path.endswith(f"{{{container}}}"):
                continue
            found.append(event)
        return found


def write_manifest(tmp_path: Path, objects: Sequence[Object], name: str = "pods.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return path


def run_tinykube(
    tmp_path: Path,
    objects: Sequence[Object] | str,
    *flags: str,
    deadline: float = DEFAULT_DEADLINE,
) -> RunResult:
    """Write `objects` into tmp_path, run `tinykube run --events -o json` on them.

    Returns the exit status, the final pods (the items of the printed v1 List; empty when
    nothing was printed) and stderr. The process is killed and the test fails at `deadline`.
    """
    if isinstance(objects, str):
        manifest = tmp_path / "pods.yaml"
        manifest.write_text(objects)
    else:
        manifest = write_manifest(tmp_path, objects)
    argv = [str(TINYKUBE), "run", "-f", str(manifest), "--events", "-o", "json", *flags]
    started = time.monotonic()
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=deadline, check=False
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise AssertionError(f"tinykube run did not end within {deadline}s:\n{stderr}") from None
    elapsed = time.monotonic() - started
    pods: list[Object] = []
    if completed.stdout.strip():
        listing = json.loads(completed.stdout)
        assert listing["kind"] == "List", completed.stdout
        pods = listing["items"]
    return RunResult(code=completed.returncode, pods=pods, stderr=completed.stderr, elapsed=elapsed)


def wait_for(condition: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll `condition` until it returns something other than None/False, or fail at timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        value = condition()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(delay)  # a poll interval under a deadline, not a fixed wait
        delay = min(delay * 2, 0.2)


# ------------------------------------------------------------------------------ building pods


def _seconds(value: float) -> str:
    return f"{value:g}"


def _sleep(seconds: float) -> str:
    # in the background and waited for, so that the TERM trap runs at once (as upstream)
    return f"exec sleep {_seconds(seconds)} & wait $!; "


def exec_command(
    name: str,
    *,
    start_delay: float = 0,
    delay: float = 0,
    termination_seconds: float = 0,
    exit_code: int = 0,
    loop_forever: bool = False,
    first_delay: float | None = None,
    log: str = f"{LOG_DIR}/log",
) -> list[str]:
    """The §8.0 harness command: log Starting, wait, touch `started`, log Started, wait, log
    Exiting, exit; a TERM trap waits `termination_seconds`, logs Exiting and exits.

    `first_delay` replaces `delay` on the container's first run only (a marker file next to
    the log remembers it), so that a crash-looping container surely overlaps its neighbours
    once without slowing down its restarts.
    """

    def say(what: str) -> str:
        return f'echo "$(date +%s.%N) {name} {what}" >> {log}; '

    # The trap first: a TERM that arrives while the first line is written (a liveness probe
    # failing at once) must not kill the shell with 143 instead of running the trap.
    script = (
        f"_term() {{ sleep {_seconds(termination_seconds)}; {say('Exiting')}exit {exit_code}; }}; "
    )
    script += "trap _term TERM; "
    script += say(f"Starting {_seconds(start_delay)}")
    if start_delay:
        script += _sleep(start_delay)
    script += "touch started; "
    script += say("Started")
    script += say(f"Delaying {_seconds(delay)}")
    if first_delay is not None:
        marker = f"{log}.{name}.ran"
        script += f"if [ -f {marker} ]; then {_sleep(delay) if delay else ':; '}"
        script += f"else touch {marker}; {_sleep(first_delay)}fi; "
    elif delay:
        script += _sleep(delay)
    if loop_forever:
        script += "while true; do " + say("Looping") + _sleep(0.2) + "done; "
    script += say("Exiting")
    script += f"exit {exit_code}"
    return ["sh", "-c", script]


def hook_command(name: str, **options: Any) -> list[str]:
    """A lifecycle hook or probe in the harness's style (`PostStart-<c>`, `PreStop-<c>`...)."""
    return exec_command(name, **options)


def container(name: str, command: Sequence[str] | None = None, **fields: Any) -> Object:
    """A container with the shared log volume mounted at /shared."""
    result: Object = {"name": name, "image": "busybox:1.36"}
    if command is not None:
        result["command"] = list(command)
    mounts = fields.pop("volumeMounts", [])
    result["volumeMounts"] = [{"name": "shared", "mountPath": LOG_DIR}, *mounts]
    result.update(fields)
    return result


def sidecar(name: str, command: Sequence[str] | None = None, **fields: Any) -> Object:
    return container(name, command, restartPolicy="Always", **fields)


def pod(
    tmp_path: Path,
    name: str,
    *,
    containers: Iterable[Object],
    init_containers: Iterable[Object] = (),
    restart_policy: str = "Never",
    volumes: Iterable[Object] = (),
    metadata: Mapping[str, Any] | None = None,
    **spec: Any,
) -> Object:
    """A pod whose containers share `tmp_path/<name>/` at /shared (see `shared_log`)."""
    shared = tmp_path / name
    shared.mkdir(parents=True, exist_ok=True)
    shared.chmod(0o777)
    body: Object = {
        "restartPolicy": restart_policy,
        "volumes": [
            {"name": "shared", "hostPath": {"path": str(shared), "type": "Directory"}},
            *volumes,
        ],
        "containers": list(containers),
    }
    init = list(init_containers)
    if init:
        body["initContainers"] = init
    body.update(spec)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, **(metadata or {})},
        "spec": body,
    }


# ------------------------------------------------------------------------------ the shared log


@dataclasses.dataclass(frozen=True)
class Line:
    at: float
    name: str
    verb: str
    rest: str


class ContainerLog:
    """The harness log of one pod, sorted by time, with §8.0's ordering assertions."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = sorted(lines, key=lambda line: line.at)

    @classmethod
    def read(cls, path: Path) -> ContainerLog:
        lines = []
        text = path.read_text() if path.exists() else ""
        for raw in text.splitlines():
            parts = raw.split(" ", 3)
            assert len(parts) >= 3, f"malformed log line {raw!r}"
            lines.append(Line(float(parts[0]), parts[1], parts[2], "".join(parts[3:])))
        return cls(lines)

    def __str__(self) -> str:
        if not self.lines:
            return "(empty log)"
        first = self.lines[0].at
        return "\n".join(
            f"{i}) +{line.at - first:7.3f}s {line.name} {line.verb} {line.rest}".rstrip()
            for i, line in enumerate(self.lines)
        )

    def find(self, name: str, verb: str, start: int = 0) -> int:
        for index in range(start, len(self.lines)):
            line = self.lines[index]
            if line.name == name and line.verb == verb:
                return index
        return -1

    def count(self, name: str, verb: str) -> int:
        return sum(1 for line in self.lines if line.name == name and line.verb == verb)

    def time_of(self, name: str, verb: str, occurrence: int = 0) -> float:
        times = [line.at for line in self.lines if line.name == name and line.verb == verb]
        assert len(times) > occurrence, f"no {name} {verb} #{occurrence}:\n{self}"
        return times[occurrence]

    def _need(self, index: int, message: str) -> int:
        assert index != -1, f"{message}, got\n{self}"
        return index

    def starts_before(self, lhs: str, rhs: str) -> None:
        """lhs logged Started before rhs logged Starting."""
        lhs_start = self._need(self.find(lhs, "Started"), f"{lhs} never started")
        self._need(self.find(rhs, "Starting", lhs_start + 1), f"{rhs} did not start after {lhs}")

    def starts_first(self, lhs: str, rhs: str) -> None:
        """lhs logged Starting before rhs logged Starting.

        The guarantee for a sidecar without a startupProbe: the next container starts once
        the sidecar's process runs, which may be before its script logs `Started` (the
        kubelet's ~1 s hand-over hides that race; tinykube's millisecond one does not).
        """
        lhs_start = self._need(self.find(lhs, "Starting"), f"{lhs} never started")
        self._need(self.find(rhs, "Starting", lhs_start + 1), f"{rhs} did not start after {lhs}")

    def doesnt_start_after(self, lhs: str, rhs: str) -> None:
        rhs_start = self._need(self.find(rhs, "Starting"), f"{rhs} never started")
        assert self.find(lhs, "Started", rhs_start + 1) == -1, (
            f"{lhs} started after {rhs}, got\n{self}"
        )

    def exits_before(self, lhs: str, rhs: str) -> None:
        """lhs logged Exiting before rhs logged Exiting."""
        lhs_exit = self._need(self.find(lhs, "Exiting"), f"{lhs} never exited")
        self._need(self.find(rhs, "Exiting", lhs_exit + 1), f"{rhs} did not exit after {lhs}")

    def run_together(self, lhs: str, rhs: str) -> None:
        """lhs started, then rhs started before lhs exited (the lifetimes overlap, lhs first)."""
        lhs_start = self._need(self.find(lhs, "Started"), f"{lhs} never started")
        rhs_start = self._need(self.find(rhs, "Started", lhs_start + 1), f"{rhs} never started")
        lhs_exit = self._need(self.find(lhs, "Exiting", lhs_start + 1), f"{lhs} never exited")
        assert rhs_start < lhs_exit, f"{rhs} started after {lhs} exited, got\n{self}"
        rhs_exit = self._need(self.find(rhs, "Exiting", rhs_start + 1), f"{rhs} never exited")
        assert lhs_start < rhs_exit, f"{lhs} started after {rhs} exited, got\n{self}"

    def starts(self, name: str) -> None:
        self._need(self.find(name, "Started"), f"{name} never started")

    def exits(self, name: str) -> None:
        self._need(self.find(name, "Exiting"), f"{name} never exited")

    def doesnt_start(self, name: str) -> None:
        assert self.find(name, "Starting") == -1, f"{name} started, got\n{self}"

    def has_restarted(self, name: str) -> None:
        first = self._need(self.find(name, "Starting"), f"{name} never started")
        self._need(self.find(name, "Starting", first + 1), f"{name} never restarted")

    def has_not_restarted(self, name: str) -> None:
        first = self._need(self.find(name, "Starting"), f"{name} never started")
        assert self.find(name, "Starting", first + 1) == -1, f"{name} restarted, got\n{self}"


def shared_log(tmp_path: Path, pod_name: str) -> ContainerLog:
    return ContainerLog.read(tmp_path / pod_name / "log")


# ------------------------------------------------------------------------------ statuses


def init_status(pod_obj: Object, name: str) -> Object:
    status: Object
    for status in pod_obj["status"].get("initContainerStatuses", []):
        if status["name"] == name:
            return status
    raise AssertionError(f"no init container status {name!r}: {pod_obj['status']}")


def app_status(pod_obj: Object, name: str) -> Object:
    status: Object
    for status in pod_obj["status"].get("containerStatuses", []):
        if status["name"] == name:
            return status
    raise AssertionError(f"no container status {name!r}: {pod_obj['status']}")


def condition(pod_obj: Object, kind: str) -> Object:
    cond: Object
    for cond in pod_obj["status"].get("conditions", []):
        if cond["type"] == kind:
            return cond
    raise AssertionError(f"no {kind} condition: {pod_obj['status'].get('conditions')}")


def terminated(status: Object) -> Object:
    state = status["state"]
    assert "terminated" in state, f"{status['name']} is not terminated: {state}"
    result: Object = state["terminated"]
    return result


def waiting(status: Object) -> Object:
    state = status["state"]
    assert "waiting" in state, f"{status['name']} is not waiting: {state}"
    result: Object = state["waiting"]
    return result


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


@dataclasses.dataclass(frozen=True)
class Ran:
    """One `tinykube run` shared by the tests of a module: its result and its directory."""

    root: Path
    result: RunResult

    def pod(self, name: str) -> Object:
        return self.result.pod(name)

    def log(self, pod_name: str) -> ContainerLog:
        return shared_log(self.root, pod_name)

    def events_of(
        self, pod_name: str, *, container: str | None = None, reason: str | None = None
    ) -> list[Event]:
        return self.result.events_of(pod_name, container=container, reason=reason)


def run_once(
    factory: pytest.TempPathFactory,
    name: str,
    build: Callable[[Path], Sequence[Object]],
    *flags: str,
    deadline: float = DEFAULT_DEADLINE,
) -> Ran:
    root = factory.mktemp(name)
    return Ran(root=root, result=run_tinykube(root, build(root), *flags, deadline=deadline))


# ------------------------------------------------------------------------------ an HTTP target


@dataclasses.dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    at: float


class TargetServer:
    """A tiny HTTP server in the test process, the target of httpGet probes and hooks.

    `/fail...` answers 500, everything else 200; every request is recorded with its headers.
    """

    def __init__(self) -> None:
        import http.server
        import threading

        requests = self.requests = list[Request]()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(Request(self.path, dict(self.headers.items()), time.time()))
                code = 500 if self.path.startswith("/fail") else 200
                body = b"ok\n" if code == 200 else b"failing\n"
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def target() -> Iterable[TargetServer]:
    server = TargetServer()
    try:
        yield server
    finally:
        server.close()
