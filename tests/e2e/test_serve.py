"""`tinykube serve` driven by the real kubectl: pods run, status and events show, and a daemon
killed with SIGKILL comes back and adopts its pods without restarting anything."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.serving import remove_pods_left_running

pytestmark = pytest.mark.e2e

TINYKUBE = str(Path(sys.executable).with_name("tinykube"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Daemon:
    data_dir: Path
    kubeconfig: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.kubeconfig.exists():
            self.kubeconfig.unlink()
        self.process = subprocess.Popen(
            [
                TINYKUBE,
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--kubeconfig-out",
                str(self.kubeconfig),
                "--initial-restart-backoff",
                "0.2s",
                "--max-restart-backoff",
                "1s",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.kubeconfig.exists, what="the daemon's kubeconfig")

    def kill(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)
        self.process.wait(timeout=30)

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["kubectl", *args],
            check=False,
            env={**os.environ, "KUBECONFIG": str(self.kubeconfig)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def pod(self, name: str) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.kubectl("get", "pod", name, "-o", "json").stdout)
        return data


def wait_until(predicate: Callable[[], bool], *, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    instance = Daemon(
        data_dir=tmp_path / "data", kubeconfig=tmp_path / "kubeconfig", port=_free_port()
    )
    instance.start()
    try:
        yield instance
    finally:
        if instance.process is not None and instance.process.poll() is None:
            instance.kill(signal.SIGTERM)
        remove_pods_left_running(instance.data_dir / "runtime")


def _phase(daemon: Daemon, name: str) -> str:
    result = daemon.kubectl("get", "pod", name, "-o", "jsonpath={.status.phase}", check=False)
    return result.stdout if result.returncode == 0 else ""


CHAIN = """\
apiVersion: v1
kind: Pod
metadata:
  name: chain
spec:
  restartPolicy: Never
  volumes:
  - name: work
    emptyDir: {}
  initContainers:
  - {name: one, image: busybox, command: ["sh", "-c", "echo one >> /work/log"],
     volumeMounts: [{name: work, mountPath: /work}]}
  - {name: two, image: busybox, command: ["sh", "-c", "echo two >> /work/log"],
     volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: app, image: busybox, command: ["sh", "-c", "cat /work/log"],
     volumeMounts: [{name: work, mountPath: /work}]}
"""


def test_kubectl_runs_an_init_chain_to_completion(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "chain.yaml"
    manifest.write_text(CHAIN)
    assert daemon.kubectl("create", "-f", str(manifest)).stdout == "pod/chain created\n"
    wait_until(lambda: _phase(daemon, "chain") == "Succeeded", what="pod chain to succeed")
    table = daemon.kubectl("get", "pods").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[1].split()[:4] == ["chain", "0/1", "Completed", "0"]
    pod = daemon.pod("chain")
    status = pod["status"]
    assert isinstance(status, dict)
    assert [s["state"]["terminated"]["reason"] for s in status["initContainerStatuses"]] == [
        "Completed",
        "Completed",
    ]
    described = daemon.kubectl("describe", "pod", "chain").stdout
    assert "Started container one" in described
    assert "Successfully assigned default/chain to" in described


CRASH = """\
apiVersion: v1
kind: Pod
metadata:
  name: crash
spec:
  initContainers:
  - {name: wait, image: busybox, command: ["sh", "-c", "echo not yet; exit 3"]}
  containers:
  - {name: app, image: busybox, command: ["sleep", "3600"]}
"""


def test_crash_looping_init_container_is_visible(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "crash.yaml"
    manifest.write_text(CRASH)
    daemon.kubectl("create", "-f", str(manifest))

    def restarted_twice() -> bool:
        result = daemon.kubectl("get", "pod", "crash", "--no-headers", check=False)
        fields = result.stdout.split()
        return len(fields) > 3 and fields[3] not in ("0", "1")

    wait_until(restarted_twice, what="two restarts of the init container")
    row = daemon.kubectl("get", "pod", "crash", "--no-headers").stdout.split()
    assert row[2] in ("Init:CrashLoopBackOff", "Init:Error", "Init:0/1")
    status = daemon.pod("crash")["status"]
    assert isinstance(status, dict)
    assert status["phase"] == "Pending"
    (init,) = status["initContainerStatuses"]
    assert init["lastState"]["terminated"]["exitCode"] == 3
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    events = daemon.kubectl("get", "events").stdout.splitlines()
    assert events[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    backoff = next(line for line in events if " BackOff " in line)
    assert "Warning" in backoff
    assert "pod/crash" in backoff
    assert "Back-off restarting failed container wait in pod crash_default(" in backoff


RUNNING = """\
apiVersion: v1
kind: Pod
metadata:
  name: chain
spec:
  initContainers:
  - {name: one, image: busybox, command: ["true"]}
  containers:
  - {name: app, image: busybox, command: ["sleep", "3600"]}
"""


def test_a_killed_daemon_adopts_its_running_pod(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "running.yaml"
    manifest.write_text(RUNNING)
    daemon.kubectl("create", "-f", str(manifest))
    wait_until(lambda: _phase(daemon, "chain") == "Running", what="pod chain to run")
    before = daemon.pod("chain")["status"]
    assert isinstance(before, dict)

    daemon.kill(signal.SIGKILL)
    daemon.start()
    wait_until(lambda: _phase(daemon, "chain") == "Running", what="the adopted pod")
    after = daemon.pod("chain")["status"]
    assert isinstance(after, dict)
    (app_before,) = before["containerStatuses"]
    (app_after,) = after["containerStatuses"]
    # the same container instance, not restarted; the init container did not run again
    assert app_after["containerID"] == app_before["containerID"]
    assert app_after["restartCount"] == 0
    assert after["initContainerStatuses"][0]["restartCount"] == 0
    assert (
        after["initContainerStatuses"][0]["containerID"]
        == before["initContainerStatuses"][0]["containerID"]
    )


GRACEFUL = """\
apiVersion: v1
kind: Pod
metadata:
  name: graceful
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'echo stopping; exit 0' TERM; while true; do sleep 0.1; done"]
"""


def test_kubectl_delete_is_graceful(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "graceful.yaml"
    manifest.write_text(GRACEFUL)
    daemon.kubectl("create", "-f", str(manifest))
    wait_until(lambda: _phase(daemon, "graceful") == "Running", what="pod graceful to run")
    started = time.monotonic()
    result = daemon.kubectl("delete", "pod", "graceful")
    assert result.stdout == 'pod "graceful" deleted\n'
    # kubectl waited for the agent to stop the container (it traps SIGTERM and exits at once)
    assert time.monotonic() - started < 5
    gone = daemon.kubectl("get", "pod", "graceful", check=False)
    assert gone.returncode == 1
    assert gone.stderr.strip() == 'Error from server (NotFound): pods "graceful" not found'


def test_kubectl_logs_of_init_containers(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "crash.yaml"
    manifest.write_text(CRASH)
    daemon.kubectl("create", "-f", str(manifest))

    def restarted() -> bool:
        pod = daemon.pod("crash")
        status = pod["status"]
        assert isinstance(status, dict)
        statuses = status.get("initContainerStatuses") or [{}]
        return int(statuses[0].get("restartCount", 0)) >= 1

    wait_until(restarted, what="a restart of the init container")
    assert daemon.kubectl("logs", "crash", "-c", "wait").stdout == "not yet\n"
    previous = daemon.kubectl("logs", "crash", "-c", "wait", "--previous", "--timestamps")
    timestamp, _, text = previous.stdout.rstrip("\n").partition(" ")
    assert text == "not yet"
    assert timestamp.endswith("Z")
    waiting = daemon.kubectl("logs", "crash", "-c", "app", check=False)
    assert waiting.returncode == 1
    assert waiting.stderr.strip() == (
        'Error from server (BadRequest): container "app" in pod "crash" is waiting to start: '
        "PodInitializing"
    )
    unknown = daemon.kubectl("logs", "crash", "-c", "nope", check=False)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: container nope is not valid for pod crash"


WEB = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: init, image: busybox:1.35, command: ["true"]}
  containers:
  - {name: app, image: busybox:1.35, command: ["sleep", "3600"]}
"""


def test_kubectl_apply_updates_the_image_and_refuses_other_changes(
    daemon: Daemon, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    assert daemon.kubectl("apply", "-f", str(manifest)).stdout == "pod/web created\n"
    wait_until(lambda: _phase(daemon, "web") == "Running", what="pod web to run")
    assert daemon.kubectl("label", "pod", "web", "tier=front").stdout == "pod/web labeled\n"

    manifest.write_text(WEB.replace("name: app, image: busybox:1.35", "name: app, image: b:1.36"))
    assert daemon.kubectl("apply", "-f", str(manifest)).stdout == "pod/web configured\n"

    def restarted_with_new_image() -> bool:
        status = daemon.pod("web")["status"]
        assert isinstance(status, dict)
        (app,) = status["containerStatuses"]
        return bool(app["image"] == "b:1.36" and app["restartCount"] == 1 and app["ready"])

    wait_until(restarted_with_new_image, what="the app container to restart with the new image")
    status = daemon.pod("web")["status"]
    assert isinstance(status, dict)
    assert status["initContainerStatuses"][0]["restartCount"] == 0  # init does not run again

    manifest.write_text(
        WEB.replace("terminationGracePeriodSeconds: 1", "terminationGracePeriodSeconds: 2")
    )
    refused = daemon.kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        'The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`"
    )


def test_a_host_reboot_reruns_the_init_containers(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "running.yaml"
    manifest.write_text(RUNNING)
    daemon.kubectl("create", "-f", str(manifest))
    wait_until(lambda: _phase(daemon, "chain") == "Running", what="pod chain to run")

    # A reboot: the daemon and every process are gone, and so is the runtime's tmpfs state.
    daemon.kill(signal.SIGKILL)
    runtime = daemon.data_dir / "runtime"
    remove_pods_left_running(runtime)
    monitors = subprocess.run(
        ["pkill", "-KILL", "-f", str(runtime)], check=False, capture_output=True
    )
    assert monitors.returncode in (0, 1)
    shutil.rmtree(runtime.resolve(), ignore_errors=True)

    daemon.start()

    def rerun() -> bool:
        status = daemon.pod("chain")["status"]
        assert isinstance(status, dict)
        statuses = status.get("initContainerStatuses") or [{}]
        apps = status.get("containerStatuses") or [{}]
        return (
            status.get("phase") == "Running"
            and statuses[0].get("restartCount") == 1
            and apps[0].get("restartCount") == 1
            and bool(apps[0].get("ready"))
        )

    wait_until(rerun, what="the init container to run again after the reboot")
    logs = next((daemon.data_dir / "logs").glob("default_chain_*"))
    assert sorted(path.name for path in (logs / "one").iterdir()) == ["0.log", "1.log"]
