"""A `tinykube serve` daemon for end-to-end tests, observed through its unix socket and files.

The daemon listens on its unix socket only (`--listen none`); requests go over plain HTTP on
that socket (guarded by the data dir's permissions, no token). Its stderr goes to a file the
test can read. `runtime_instances` reads the process runtime's container configs under
DATA_DIR/runtime (what the runtime still holds, exited instances included). Waits are bounded
by deadlines on conditions; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.contract.test_runtime_contract import _remove_all
from tinykube.runtime.process.runtime import ProcessRuntime

TINYKUBE = str(Path(sys.executable).with_name("tinykube"))
FAST_BACKOFF = ("--initial-restart-backoff", "0.2s", "--max-restart-backoff", "0.4s")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        try:
            sock.connect(str(self.path))
        except OSError:
            sock.close()
            raise
        self.sock = sock


def wait_until(predicate: Callable[[], bool], *, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Daemon:
    data_dir: Path
    flags: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    stderr_path: Path | None = None
    starts: int = 0
    launched_at: float = 0.0  # time.monotonic() when the process was started
    ready_at: float = 0.0  # ... and when its API socket first answered
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def socket(self) -> Path:
        return self.data_dir / "tinykube.sock"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def start(self, *more: str) -> None:
        self.starts += 1
        self.stderr_path = self.data_dir.parent / f"daemon-{self.starts}.stderr"
        self.launched_at = time.monotonic()
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    TINYKUBE,
                    "serve",
                    "--data-dir",
                    str(self.data_dir),
                    "--listen",
                    "none",
                    *FAST_BACKOFF,
                    *self.flags,
                    *more,
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        wait_until(self.answers, what="the daemon's API socket")
        self.ready_at = time.monotonic()

    def answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                f"the daemon exited with {self.process.returncode}:\n{self.stderr}"
            )
        try:
            status, _ = self.request("GET", "/api/v1/namespaces/default/pods?limit=1")
        except OSError:
            return False
        return status == 200

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text() if self.stderr_path is not None else ""

    def signal(self, signum: int, *, timeout: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = UnixHTTPConnection(self.socket)
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.getheader("Content-Type", "").startswith("application/json"):
                return response.status, json.loads(data) if data else None
            return response.status, data.decode()
        finally:
            connection.close()

    def create_pod(self, pod: dict[str, Any]) -> dict[str, Any]:
        status, body = self.request("POST", "/api/v1/namespaces/default/pods", pod)
        assert status == 201, body
        assert isinstance(body, dict)
        return body

    def pod(self, name: str) -> dict[str, Any] | None:
        status, body = self.request("GET", f"/api/v1/namespaces/default/pods/{name}")
        if status == 404:
            return None
        assert status == 200, body
        assert isinstance(body, dict)
        return body

    def phase(self, name: str) -> str:
        pod = self.pod(name)
        return "" if pod is None else str(pod.get("status", {}).get("phase", ""))

    def delete_pod(self, name: str) -> None:
        status, body = self.request("DELETE", f"/api/v1/namespaces/default/pods/{name}")
        assert status == 200, body

    def events(self, **selectors: str) -> list[dict[str, Any]]:
        query = ",".join(f"{key}={value}" for key, value in selectors.items())
        path = "/api/v1/namespaces/default/events"
        if query:
            path += f"?fieldSelector={query}"
        status, body = self.request("GET", path)
        assert status == 200, body
        return list(body["items"])

    def logs(self, name: str, container: str, *, previous: bool = False) -> tuple[int, Any]:
        path = f"/api/v1/namespaces/default/pods/{name}/log?container={container}"
        if previous:
            path += "&previous=true"
        return self.request("GET", path)

    def runtime_instances(self, uid: str) -> list[dict[str, Any]]:
        """The container instances the runtime still holds for a pod (their config.json)."""
        found = []
        for config in (self.data_dir / "runtime").glob("containers/*/config.json"):
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(config.read_text())
                if data.get("pod_uid") == uid:
                    found.append(data)
        return found

    def pod_log_dir(self, pod: dict[str, Any]) -> Path:
        meta = pod["metadata"]
        return self.logs_dir / f"{meta['namespace']}_{meta['name']}_{meta['uid']}"

    def kill_leftovers(self) -> None:
        """Stop what a daemon left running (it leaves pods running on exit, by design)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        remove_pods_left_running(self.data_dir / "runtime")


def remove_pods_left_running(runtime: Path) -> None:
    """Remove the pods a daemon left running in its runtime directory, through the process
    runtime itself, so that their processes and cgroups all go."""
    if runtime.is_dir():
        asyncio.run(_remove_pods(ProcessRuntime(runtime)))


async def _remove_pods(runtime: ProcessRuntime) -> None:
    await runtime.open()
    try:
        await _remove_all(runtime)
    finally:
        await runtime.close()


def pod_manifest(
    name: str,
    *,
    containers: list[dict[str, Any]],
    init: list[dict[str, Any]] | None = None,
    restart_policy: str = "Never",
    grace: int = 5,
    volumes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "restartPolicy": restart_policy,
            "terminationGracePeriodSeconds": grace,
            "initContainers": init or [],
            "containers": containers,
            "volumes": volumes or [],
        },
    }


def sh(name: str, script: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "busybox", "command": ["sh", "-c", script], **fields}


@contextlib.contextmanager
def started_daemon(data_dir: Path) -> Iterator[Daemon]:
    """A daemon on `data_dir`, started; on exit it is killed and what it ran is stopped."""
    instance = Daemon(data_dir=data_dir)
    instance.start()
    try:
        yield instance
    finally:
        instance.kill_leftovers()
