"""`kubectl exec` against a real `tinykube serve`: the real kubectl (WebSocket v5.channel.k8s.io)
into real containers — stdout and stderr, exit codes, stdin, a tty, a hanging init container
that a user unblocks from inside, and the apiserver's and kubelet's errors word for word."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import test_serve
from tests.e2e.serving import remove_pods_left_running
from tests.e2e.test_serve import Daemon, wait_until

pytestmark = pytest.mark.e2e

DEBUG_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: dbg
spec:
  volumes:
  - {name: shared, emptyDir: {}}
  initContainers:
  - name: wait-for-ready
    image: busybox
    command: ["sh", "-c", "until [ -f /shared/ready ]; do sleep 0.1; done"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    workingDir: /shared
    env: [{name: GREETING, value: hello}]
    volumeMounts: [{name: shared, mountPath: /shared}]
"""

DONE_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: done
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: busybox, command: ["true"]}
"""


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A `tinykube serve` with its kubeconfig, as the daemon tests start it."""
    instance = Daemon(
        data_dir=tmp_path / "data", kubeconfig=tmp_path / "kubeconfig", port=test_serve._free_port()
    )
    instance.start()
    try:
        yield instance
    finally:
        if instance.process is not None and instance.process.poll() is None:
            instance.kill(signal.SIGTERM)
        remove_pods_left_running(instance.data_dir / "runtime")


def _create(daemon: Daemon, tmp_path: Path, manifest: str) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(manifest)
    daemon.kubectl("create", "-f", str(path))


def _phase(daemon: Daemon, name: str) -> str:
    result = daemon.kubectl("get", "pod", name, "-o", "jsonpath={.status.phase}", check=False)
    return result.stdout


def _init_running(daemon: Daemon) -> bool:
    path = "jsonpath={.status.initContainerStatuses[0].state.running.startedAt}"
    return bool(daemon.kubectl("get", "pod", "dbg", "-o", path, check=False).stdout)


def _running_dbg(daemon: Daemon, tmp_path: Path) -> None:
    _create(daemon, tmp_path, DEBUG_POD)
    wait_until(lambda: _init_running(daemon), what="the init container to run")
    daemon.kubectl("exec", "dbg", "-c", "wait-for-ready", "--", "touch", "/shared/ready")
    wait_until(lambda: _phase(daemon, "dbg") == "Running", what="pod dbg to run")


def test_exec_into_a_hanging_init_container_unblocks_the_pod(daemon: Daemon, tmp_path: Path):
    _create(daemon, tmp_path, DEBUG_POD)
    wait_until(lambda: _init_running(daemon), what="the init container to run")

    inside = daemon.kubectl("exec", "dbg", "-c", "wait-for-ready", "--", "sh", "-c", "ls /shared")
    assert inside.stdout == ""  # the shared volume, still empty
    # The app container has not started: the kubelet finds no such running container.
    early = daemon.kubectl("exec", "dbg", "-c", "app", "--", "true", check=False)
    assert early.returncode == 1
    assert early.stderr == (
        "error: Internal error occurred: unable to upgrade connection: "
        'container not found ("app")\n'
    )

    daemon.kubectl("exec", "dbg", "-c", "wait-for-ready", "--", "touch", "/shared/ready")
    wait_until(lambda: _phase(daemon, "dbg") == "Running", what="pod dbg to run")
    done = daemon.kubectl("exec", "dbg", "-c", "wait-for-ready", "--", "true", check=False)
    assert 'container not found ("wait-for-ready")' in done.stderr
    assert daemon.kubectl("exec", "dbg", "-c", "app", "--", "ls", "/shared").stdout == "ready\n"


def test_exec_streams_output_exit_codes_and_stdin(daemon: Daemon, tmp_path: Path):
    _running_dbg(daemon, tmp_path)

    # the default container is kubectl's choice: the only app container
    hello = daemon.kubectl("exec", "dbg", "--", "sh", "-c", 'echo "$GREETING from $(pwd)"')
    assert hello.stdout == "hello from /shared\n"
    assert hello.stderr == 'Defaulted container "app" out of: app, wait-for-ready (init)\n'

    failed = daemon.kubectl(
        "exec",
        "dbg",
        "-c",
        "app",
        "--",
        "sh",
        "-c",
        "echo out; echo oops >&2; exit 3",
        check=False,
    )
    assert (failed.returncode, failed.stdout) == (3, "out\n")
    assert failed.stderr == "oops\ncommand terminated with exit code 3\n"

    echoed = subprocess.run(
        ["kubectl", "exec", "-i", "dbg", "-c", "app", "--", "sh", "-c", "cat; echo end"],
        input="line one\nline two\n",
        env={**os.environ, "KUBECONFIG": str(daemon.kubeconfig)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (echoed.returncode, echoed.stdout) == (0, "line one\nline two\nend\n")

    missing = daemon.kubectl("exec", "dbg", "-c", "app", "--", "no-such-tool", check=False)
    assert missing.returncode == 1
    assert missing.stderr == (
        "error: Internal error occurred: error executing command in container: "
        'exec: "no-such-tool": executable file not found in $PATH\n'
    )


def _run_in_terminal(
    argv: list[str], env: dict[str, str], *, rows: int, cols: int
) -> tuple[int, bytes]:
    """Run `argv` on a pseudo-terminal of the given size, as a user's shell would."""
    pid, fd = pty.fork()
    if pid == 0:  # the child path: exec only
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the child has closed the terminal
            break
        if not data:
            break
        output += data
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output


def test_exec_with_a_tty(daemon: Daemon, tmp_path: Path):
    _running_dbg(daemon, tmp_path)
    env = {**os.environ, "KUBECONFIG": str(daemon.kubeconfig)}
    code, output = _run_in_terminal(
        [
            "kubectl",
            "exec",
            "-it",
            "dbg",
            "-c",
            "app",
            "--",
            "sh",
            "-c",
            "tty; stty size; echo $TERM; exit 4",
        ],
        env,
        rows=40,
        cols=100,
    )
    assert code == 4
    lines = output.decode().splitlines()
    assert lines[:3] == ["/dev/pts/0", "40 100", "xterm"]
    assert lines[3] == "command terminated with exit code 4"


def test_a_client_that_goes_away_ends_its_command(daemon: Daemon, tmp_path: Path):
    _running_dbg(daemon, tmp_path)
    script = "echo $$ > /shared/exec.pid; exec sleep 987"
    client = subprocess.Popen(
        ["kubectl", "exec", "dbg", "-c", "app", "--", "sh", "-c", script],
        env={**os.environ, "KUBECONFIG": str(daemon.kubeconfig)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def alive() -> str:
        check = 'kill -0 "$(cat /shared/exec.pid)" 2>/dev/null && echo alive || echo gone'
        return daemon.kubectl("exec", "dbg", "-c", "app", "--", "sh", "-c", check).stdout

    try:
        wait_until(lambda: alive() == "alive\n", what="the exec'd command to run")
    finally:
        client.kill()
        client.wait(timeout=30)
    wait_until(lambda: alive() == "gone\n", what="the exec'd command to be killed")


def test_exec_errors_read_as_on_a_cluster(daemon: Daemon, tmp_path: Path):
    _create(daemon, tmp_path, DONE_POD)
    wait_until(lambda: _phase(daemon, "done") == "Succeeded", what="pod done to succeed")

    completed = daemon.kubectl("exec", "done", "--", "true", check=False)
    assert completed.returncode == 1
    assert completed.stderr == (
        "error: cannot exec into a container in a completed pod; current phase is Succeeded\n"
    )
    missing_pod = daemon.kubectl("exec", "nope", "--", "true", check=False)
    assert missing_pod.stderr == 'Error from server (NotFound): pods "nope" not found\n'

    _create(daemon, tmp_path, DEBUG_POD)
    wrong = daemon.kubectl("exec", "dbg", "-c", "nope", "--", "true", check=False)
    assert wrong.returncode == 1
    assert (
        wrong.stderr == "Error from server (BadRequest): container nope is not valid for pod dbg\n"
    )
