"""`--runtime cri`: pods as containerd sandboxes and containers, images from the local registry.

Needs the CRI environment of `scripts/cri-env.sh up` (containerd, the registry on 127.0.0.1:5000
with busybox:1.35 and the entrypoint test images); without it these tests fail and say so.
One `tinykube run --runtime cri` runs every pod of the module (init order, a retried init
container, a failure under Never, a sidecar, a shared emptyDir, entrypoint and args, the
termination message, image pull errors); a daemon test kills `tinykube serve --runtime cri` with
SIGKILL and checks that its restart adopts the running pod without restarting anything.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    FAST_BACKOFF,
    Object,
    Ran,
    app_status,
    init_status,
    pod,
    run_tinykube,
    terminated,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TINYKUBE = str(Path(sys.executable).with_name("tinykube"))
IMAGE = "busybox:1.35"
REGISTRY = "127.0.0.1:5000"
MISSING = f"{REGISTRY}/nosuch:1"
MISSING_NEVER = f"{REGISTRY}/nosuch:2"


def require_cri() -> None:
    """Fail (not skip) with what to do when containerd or the registry is not up."""
    status = subprocess.run(
        [str(ROOT / "scripts" / "cri-env.sh"), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if status.returncode != 0:
        pytest.fail(
            "the CRI environment is not up; run `scripts/cri-env.sh up` (as root):\n"
            + status.stdout
            + status.stderr
        )


def box(name: str, script: str, **fields: Any) -> Object:
    """A busybox container running `script`, with the pod's shared dir at /shared."""
    mounts = [{"name": "shared", "mountPath": "/shared"}, *fields.pop("volumeMounts", [])]
    container: Object = {
        "name": name,
        "image": IMAGE,
        "command": ["sh", "-c", script],
        "volumeMounts": mounts,
    }
    container.update(fields)
    return container


def note(word: str) -> str:
    return f"echo {word} >> /shared/order; "


WORK = {"name": "work", "mountPath": "/work"}


def _pods(root: Path) -> list[Object]:
    work_volume = {"name": "work", "emptyDir": {}}
    return [
        pod(
            root,
            "order",
            volumes=[work_volume],
            init_containers=[
                box("init1", note("init1") + "echo data > /work/f", volumeMounts=[WORK]),
                box("init2", note("init2") + "cat /work/f", volumeMounts=[WORK]),
            ],
            containers=[box("app", note("app") + "cat /work/f", volumeMounts=[WORK])],
        ),
        pod(
            root,
            "retry",
            restart_policy="OnFailure",
            init_containers=[
                box("init1", note("init1") + "[ -f /shared/ran ] || { touch /shared/ran; exit 1; }")
            ],
            containers=[box("app", note("app"))],
        ),
        pod(
            root,
            "handover",
            init_containers=[
                box("init1", "sleep 0.5; echo one > /dev/termination-log"),
                box("init2", "sleep 0.5; echo two > /dev/termination-log"),
            ],
            containers=[box("app", "true")],
        ),
        pod(
            root,
            "never-fails",
            init_containers=[box("init1", "true"), box("init2", "exit 3")],
            containers=[box("app", "true")],
        ),
        pod(
            root,
            "sidecar",
            init_containers=[
                box(
                    "side",
                    note("side")
                    + "trap 'echo side-stop >> /shared/order; exit 0' TERM; "
                    + "while true; do sleep 0.1; done",
                    restartPolicy="Always",
                )
            ],
            containers=[box("app", note("app"))],
        ),
        pod(
            root,
            "entrypoint",
            containers=[
                {"name": "image-defaults", "image": f"{REGISTRY}/echo-entrypoint:1"},
                {"name": "args", "image": f"{REGISTRY}/echo-entrypoint:1", "args": ["a", "b"]},
                {
                    "name": "command",
                    "image": f"{REGISTRY}/echo-entrypoint:1",
                    "command": ["echo", "own"],
                },
                {"name": "user-workdir", "image": f"{REGISTRY}/nobody-workdir:1"},
                box("message", "echo bye > /dev/termination-log; exit 2"),
            ],
        ),
        pod(root, "missing", containers=[{"name": "app", "image": MISSING}]),
        pod(
            root,
            "never-pull",
            containers=[{"name": "app", "image": MISSING_NEVER, "imagePullPolicy": "Never"}],
        ),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    require_cri()
    root = tmp_path_factory.mktemp("cri")
    flags = ("--runtime", "cri", "--state-dir", str(root / "state"), *FAST_BACKOFF)
    result = run_tinykube(root, _pods(root), *flags, "--timeout", "5s", deadline=90)
    return Ran(root=root, result=result)


def _order(ran: Ran, pod_name: str) -> list[str]:
    path = ran.root / pod_name / "order"
    return path.read_text().split() if path.exists() else []


def _log(ran: Ran, pod_name: str, container: str, attempt: int = 0) -> str:
    """The text of a container's CRI log file under the run's state dir."""
    matches = list(
        (ran.root / "state").glob(f"logs/default_{pod_name}_*/{container}/{attempt}.log")
    )
    assert len(matches) == 1, f"no log of {pod_name}/{container}: {matches}"
    lines = matches[0].read_text().splitlines()
    return "".join(line.split(" ", 3)[3] + "\n" for line in lines if len(line.split(" ", 3)) == 4)


def test_each_pod_has_one_sandbox_begun_before_the_agent(ran: Ran) -> None:
    """`tinykube run` creates the sandboxes while it builds the agent; a first sync that did not
    wait for them would create a second one under the same name, which containerd refuses."""
    for obj in _pods(ran.root):
        name = obj["metadata"]["name"]
        for reason in ("FailedCreatePodSandBox", "SandboxChanged"):
            assert ran.events_of(name, reason=reason) == [], (name, reason)


def test_init_containers_run_in_order_and_share_an_empty_dir(ran: Ran) -> None:
    order = ran.pod("order")
    assert order["status"]["phase"] == "Succeeded"
    assert _order(ran, "order") == ["init1", "init2", "app"]
    assert _log(ran, "order", "init2") == "data\n"  # an init container's log
    assert _log(ran, "order", "app") == "data\n"
    status = init_status(order, "init1")
    assert status["containerID"].startswith("containerd://")
    assert status["image"] == IMAGE
    assert "@sha256:" in status["imageID"]


def test_init_containers_handed_over_on_their_exit_event_report_it_in_full(ran: Ran) -> None:
    """Each runs half a second, so its exit comes after the listing made once it started, with
    nothing else changed: the hand-over then takes the exit from its event without listing the
    pod again, and the status still says all containerd and the termination file say."""
    handover = ran.pod("handover")
    assert handover["status"]["phase"] == "Succeeded"
    first, second = (terminated(init_status(handover, name)) for name in ("init1", "init2"))
    for state, message in ((first, "one\n"), (second, "two\n")):
        assert (state["exitCode"], state["reason"], state["message"]) == (0, "Completed", message)
        assert state["startedAt"] <= state["finishedAt"]
        assert state["containerID"].startswith("containerd://")
    assert first["finishedAt"] <= second["startedAt"]


def test_a_failed_init_container_is_restarted(ran: Ran) -> None:
    retry = ran.pod("retry")
    assert retry["status"]["phase"] == "Succeeded"
    assert _order(ran, "retry") == ["init1", "init1", "app"]
    assert init_status(retry, "init1")["restartCount"] == 1
    assert terminated(init_status(retry, "init1"))["exitCode"] == 0


def test_a_failed_init_container_fails_the_pod_under_never(ran: Ran) -> None:
    failed = ran.pod("never-fails")
    assert failed["status"]["phase"] == "Failed"
    state = terminated(init_status(failed, "init2"))
    assert (state["exitCode"], state["reason"]) == (3, "Error")
    assert not ran.events_of("never-fails", container="app", reason="Started")


def test_a_sidecar_runs_beside_the_app_and_stops_after_it(ran: Ran) -> None:
    assert ran.pod("sidecar")["status"]["phase"] == "Succeeded"
    assert _order(ran, "sidecar") == ["side", "app", "side-stop"]


def test_entrypoint_and_args_combine_as_in_kubernetes(ran: Ran) -> None:
    assert _log(ran, "entrypoint", "image-defaults") == "from-entrypoint default-arg\n"
    assert _log(ran, "entrypoint", "args") == "from-entrypoint a b\n"
    assert _log(ran, "entrypoint", "command") == "own\n"
    assert _log(ran, "entrypoint", "user-workdir") == "uid=65534 cwd=/tmp\n"


def test_the_termination_message_is_read_from_its_file(ran: Ran) -> None:
    state = terminated(app_status(ran.pod("entrypoint"), "message"))
    assert (state["exitCode"], state["message"]) == (2, "bye\n")


def test_a_missing_image_is_err_image_pull_then_back_off(ran: Ran) -> None:
    quoted = f'"{MISSING}"'
    messages = [(e.reason, e.message) for e in ran.events_of("missing", container="app")]
    assert ("Normal", "Pulling") in [(e.type, e.reason) for e in ran.events_of("missing")]
    assert ("Pulling", f"Pulling image {quoted}") in messages
    assert ("Failed", "Error: ErrImagePull") in messages
    assert any(
        reason == "Failed" and text.startswith(f"Failed to pull image {quoted}: rpc error: ")
        for reason, text in messages
    )
    assert ("BackOff", f"Back-off pulling image {quoted}") in messages
    assert ("Failed", "Error: ImagePullBackOff") in messages
    progress = ran.result.stderr
    assert "pod/missing  ErrImagePull  ready 0/1" in progress
    assert "pod/missing  ImagePullBackOff  ready 0/1" in progress
    assert ran.pod("missing")["status"]["phase"] == "Failed"  # ended by --timeout


def test_a_missing_image_with_pull_policy_never(ran: Ran) -> None:
    messages = [(e.reason, e.message) for e in ran.events_of("never-pull", container="app")]
    assert (
        "ErrImageNeverPull",
        f'Container image "{MISSING_NEVER}" is not present with pull policy of Never',
    ) in messages
    assert ("Failed", "Error: ErrImageNeverPull") in messages
    assert not [reason for reason, _ in messages if reason == "Pulling"]
    assert "pod/never-pull  ErrImageNeverPull  ready 0/1" in ran.result.stderr


def test_present_images_are_not_pulled_again(ran: Ran) -> None:
    messages = [e.message for e in ran.events_of("order", container="init1", reason="Pulled")]
    assert messages == [f'Container image "{IMAGE}" already present on machine']


# ------------------------------------------------------------------------------ the daemon


RUNNING = """\
apiVersion: v1
kind: Pod
metadata:
  name: adopted
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: init, image: busybox:1.35, command: ["true"]}
  containers:
  - name: app
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
"""


class CriDaemon:
    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"
        self.kubeconfig = root / "kubeconfig"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.kubeconfig.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                TINYKUBE,
                "serve",
                "--runtime",
                "cri",
                "--data-dir",
                str(self.data_dir),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--kubeconfig-out",
                str(self.kubeconfig),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait(self.kubeconfig.exists, what="the daemon's kubeconfig")

    def kill(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)
        self.process.wait(timeout=30)

    def kubectl(self, *args: str) -> str:
        result = subprocess.run(
            ["kubectl", *args],
            env={**os.environ, "KUBECONFIG": str(self.kubeconfig)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def status(self, name: str) -> Object:
        data: Object = json.loads(self.kubectl("get", "pod", name, "-o", "json"))["status"]
        return data


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: object, *, what: str, timeout: float = 60.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def _remove_everything(data_dir: Path) -> None:
    from tinykube import bootstrap
    from tinykube.runtime.cri.runtime import CriRuntime

    runtime = CriRuntime(state_dir=data_dir / "cleanup", owner=bootstrap.daemon_owner(data_dir))
    await runtime.open()
    try:
        for uid in await runtime.list_pods():
            for sandbox in (await runtime.pod_snapshot(uid)).sandboxes:
                await runtime.remove_pod_sandbox(sandbox.id)
    finally:
        await runtime.close()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[CriDaemon]:
    require_cri()
    instance = CriDaemon(tmp_path)
    instance.start()
    try:
        yield instance
    finally:
        if instance.process is not None and instance.process.poll() is None:
            instance.kill(signal.SIGTERM)
        asyncio.run(_remove_everything(instance.data_dir))


def test_a_killed_daemon_adopts_its_containerd_pod(daemon: CriDaemon, tmp_path: Path) -> None:
    manifest = tmp_path / "running.yaml"
    manifest.write_text(RUNNING)
    daemon.kubectl("create", "-f", str(manifest))

    def running() -> bool:
        status = daemon.status("adopted")
        return status.get("phase") == "Running" and bool(status.get("containerStatuses"))

    _wait(running, what="pod adopted to run")
    before = daemon.status("adopted")

    daemon.kill(signal.SIGKILL)
    daemon.start()
    _wait(running, what="the adopted pod")
    after = daemon.status("adopted")
    (app_before,) = before["containerStatuses"]
    (app_after,) = after["containerStatuses"]
    assert app_after["containerID"] == app_before["containerID"]
    assert app_after["containerID"].startswith("containerd://")
    assert app_after["restartCount"] == 0
    assert "running" in app_after["state"]
    (init_before,) = before["initContainerStatuses"]
    (init_after,) = after["initContainerStatuses"]
    assert init_after["containerID"] == init_before["containerID"]
    assert init_after["restartCount"] == 0
