"""`kubectl exec` into containerd containers: the real kubectl against `tinykube serve --runtime
cri` (containerd's streaming server behind it), with output, exit codes, stdin to its end, and
the exec ending the hanging init container a user unblocks from inside.

Needs the CRI environment of `scripts/cri-env.sh up`; without it these tests fail and say so.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cri import CriDaemon, _remove_everything, _wait, require_cri

pytestmark = pytest.mark.e2e

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: shell
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: shared, emptyDir: {}}
  initContainers:
  - name: wait-for-ready
    image: busybox:1.35
    command: ["sh", "-c", "until [ -f /shared/ready ]; do sleep 0.1; done"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  containers:
  - name: app
    image: busybox:1.35
    command: ["sleep", "3600"]
    env: [{name: GREETING, value: hello}]
    volumeMounts: [{name: shared, mountPath: /shared}]
"""


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


def _kubectl(
    daemon: CriDaemon, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", *args],
        env={**os.environ, "KUBECONFIG": str(daemon.kubeconfig)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _field(daemon: CriDaemon, path: str) -> str:
    return _kubectl(daemon, "get", "pod", "shell", "-o", f"jsonpath={path}").stdout


def test_kubectl_exec_into_containerd_containers(daemon: CriDaemon, tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD)
    daemon.kubectl("create", "-f", str(manifest))
    _wait(
        lambda: bool(_field(daemon, "{.status.initContainerStatuses[0].state.running}")),
        what="the init container to run",
    )

    # the user unblocks the hanging init container from inside it
    unblock = _kubectl(
        daemon, "exec", "shell", "-c", "wait-for-ready", "--", "touch", "/shared/ready"
    )
    assert (unblock.returncode, unblock.stderr) == (0, "")
    _wait(lambda: _field(daemon, "{.status.phase}") == "Running", what="pod shell to run")
    _wait(
        lambda: bool(_field(daemon, "{.status.containerStatuses[0].state.running}")),
        what="the app container to run",
    )

    hello = _kubectl(daemon, "exec", "shell", "-c", "app", "--", "echo", "hi")
    assert (hello.returncode, hello.stdout, hello.stderr) == (0, "hi\n", "")

    inside = _kubectl(
        daemon, "exec", "shell", "-c", "app", "--", "sh", "-c", 'echo "$GREETING"; ls /shared'
    )
    assert inside.stdout == "hello\nready\n"

    failed = _kubectl(
        daemon, "exec", "shell", "-c", "app", "--", "sh", "-c", "echo oops >&2; exit 7"
    )
    assert failed.returncode == 7
    assert failed.stderr == "oops\ncommand terminated with exit code 7\n"

    # stdin reaches the command until its end (cat exits only on EOF)
    piped = _kubectl(
        daemon,
        "exec",
        "-i",
        "shell",
        "-c",
        "app",
        "--",
        "sh",
        "-c",
        "cat; echo done",
        stdin="first\nsecond\n",
    )
    assert (piped.returncode, piped.stdout) == (0, "first\nsecond\ndone\n")

    missing = _kubectl(daemon, "exec", "shell", "-c", "app", "--", "no-such-tool")
    assert missing.returncode == 1
    assert 'exec: "no-such-tool": executable file not found in $PATH' in missing.stderr
