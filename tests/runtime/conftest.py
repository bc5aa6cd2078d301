"""Fixtures for the monitor tests: real monitors, real namespaces, waits on notify datagrams.

Every wait is on a condition with a deadline (a datagram on the harness's notify socket, which
the monitor sends after writing its state file); nothing sleeps for a fixed time.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from tinykube.runtime.process import monitor

WAIT_TIMEOUT = 15.0
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclasses.dataclass(frozen=True)
class Launched:
    container_id: str
    state_dir: Path
    log_path: Path
    monitor_pid: int
    spec: monitor.MonitorSpec


class Harness:
    """Launches monitors for one test and collects their notifications."""

    def __init__(self, root: Path, binary: Path) -> None:
        self.root = root
        self.binary = binary
        self.notify_path = root / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with monitor.unix_address(self.notify_path) as address:
            self.sock.bind(address)
        self.events: list[tuple[str, ...]] = []
        self.launched: list[Launched] = []

    def spec(self, *args: str, **overrides: object) -> monitor.MonitorSpec:
        container_id = f"c{len(self.launched)}-{uuid.uuid4().hex[:8]}"
        state_dir = self.root / container_id
        state_dir.mkdir()
        base = monitor.MonitorSpec(
            container_id=container_id,
            state_dir=state_dir,
            log_path=state_dir / "0.log",
            args=args,
            env=(("PATH", PATH),),
            rootfs=monitor.RootFs.HOST_OVERLAY,
            new_pid=True,
            new_uts=True,
            new_ipc=True,
            notify_socket=self.notify_path,
        )
        return msgspec.structs.replace(base, **overrides)

    def launch(self, *args: str, **overrides: object) -> Launched:
        return self.launch_spec(self.spec(*args, **overrides))

    def launch_spec(self, spec: monitor.MonitorSpec) -> Launched:
        pid = monitor.launch_monitor(spec, spec.state_dir / "spec", binary=self.binary)
        launched = Launched(spec.container_id, spec.state_dir, spec.log_path, pid, spec)
        self.launched.append(launched)
        return launched

    def wait_event(
        self, kind: str, container: Launched, timeout: float = WAIT_TIMEOUT
    ) -> tuple[str, ...]:
        """Block until the monitor of `container` sent a `kind` datagram."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event[0] == kind and event[1] == container.container_id:
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {kind!r} from {container.container_id} in {timeout}s")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(512)
            except TimeoutError:
                continue
            self.events.append(tuple(data.decode().split(" ")))

    def events_of(self, container: Launched) -> list[tuple[str, ...]]:
        return [event for event in self.events if event[1] == container.container_id]

    def wait_started(self, container: Launched) -> monitor.StartRecord:
        self.wait_event("started", container)
        started = monitor.read_state(container.state_dir).started
        assert started is not None
        return started

    def wait_exit(self, container: Launched, timeout: float = WAIT_TIMEOUT) -> monitor.ExitRecord:
        self.wait_event("exited", container, timeout)
        record = monitor.read_state(container.state_dir).exit
        assert record is not None
        return record

    def close(self) -> None:
        for launched in self.launched:
            state = monitor.read_state(launched.state_dir)
            if state.exit is None and state.monitor_alive:
                monitor.send_signal(launched.state_dir, signal.SIGKILL)
                self.wait_exit(launched, timeout=5.0)
        self.sock.close()


@pytest.fixture(scope="session")
def monitor_exe() -> Path:
    if os.geteuid() != 0:
        pytest.skip(
            "!!! tinykube-monitor tests need root (namespaces, mounts, cgroups): NOT RUN !!!"
        )
    return monitor.monitor_binary()


@pytest.fixture
def harness(tmp_path: Path, monitor_exe: Path) -> Iterator[Harness]:
    h = Harness(tmp_path, monitor_exe)
    try:
        yield h
    finally:
        h.close()
