"""The client commands against a real `tinykube serve`, checked line by line against the real
kubectl talking to the same daemon: `apply`, `get`, `describe`, `logs`, `wait`, `delete`.

Ages are the only cells masked: the two commands run a moment apart. The pods have no probes, so
that no event can come between the two commands under load.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import test_serve
from tests.e2e.test_serve import Daemon

pytestmark = pytest.mark.e2e

daemon = test_serve.daemon  # the fixture: a `tinykube serve` with a kubeconfig for kubectl

TINYKUBE = str(Path(sys.executable).with_name("tinykube"))
DEADLINE = 60.0

APP = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  labels: {tier: web}
  annotations: {note: hello}
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: work, emptyDir: {}}
  initContainers:
  - name: prepare
    image: busybox
    command: ["sh", "-c", "echo prepared > /work/state; echo prepare done"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "cat /work/state; echo serving; exec sleep 3600"]
    env: [{name: MODE, value: fast}, {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    ports: [{containerPort: 8080}]
    resources: {requests: {cpu: 50m, memory: 16Mi}, limits: {memory: 64Mi}}
    volumeMounts: [{name: work, mountPath: /work, readOnly: true}]
  - name: side
    image: busybox
    command: ["sh", "-c", "echo side up; exec sleep 3600"]
"""

_AGE = re.compile(r"\b\d+(?:[smhdy]\d*)+\b")


def tinykube(
    daemon: Daemon, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TINYKUBE, *args, "--data-dir", str(daemon.data_dir)],
        check=False,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=DEADLINE,
    )


def _masked(text: str) -> list[str]:
    """Lines with ages masked and runs of blanks folded (column widths follow the ages)."""
    return [" ".join(_AGE.sub("AGE", line).split()) for line in text.splitlines()]


def _same(daemon: Daemon, *args: str) -> subprocess.CompletedProcess[str]:
    ours = tinykube(daemon, *args)
    theirs = daemon.kubectl(*args, check=False)
    assert ours.returncode == theirs.returncode, (args, ours.stderr, theirs.stderr)
    assert _masked(ours.stdout) == _masked(theirs.stdout), (args, ours.stdout, theirs.stdout)
    assert _masked(ours.stderr) == _masked(theirs.stderr), (args, ours.stderr, theirs.stderr)
    return ours


def _ready(daemon: Daemon, manifest: Path, name: str) -> None:
    assert tinykube(daemon, "apply", "-f", str(manifest)).stdout == f"pod/{name} created\n"
    waited = tinykube(daemon, "wait", f"pod/{name}", "--for=condition=Ready", "--timeout=60s")
    assert waited.stdout == f"pod/{name} condition met\n", waited.stderr


def test_apply_get_describe_logs_print_what_kubectl_prints(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    _ready(daemon, manifest, "app")
    # the annotation tinykube wrote is the one kubectl would have written
    assert daemon.kubectl("apply", "-f", str(manifest)).stdout == "pod/app unchanged\n"
    assert tinykube(daemon, "apply", "-f", str(manifest)).stdout == "pod/app unchanged\n"
    labelled = tmp_path / "labelled.yaml"
    labelled.write_text(APP.replace("{tier: web}", "{tier: web, release: two}"))
    assert tinykube(daemon, "apply", "-f", str(labelled)).stdout == "pod/app configured\n"
    assert daemon.kubectl("get", "pod", "app", "--show-labels").stdout.split()[-1] == (
        "release=two,tier=web"
    )
    for args in (
        ("get", "pods"),
        ("get", "pods", "-o", "wide", "--show-labels"),
        ("get", "pods", "-A"),
        ("get", "pod", "app", "nope"),
        ("get", "pods", "-l", "tier=none"),
        ("get", "pod", "app", "-o", "json"),
        ("get", "pods", "-o", "yaml"),
        ("get", "pods", "-o", "name"),
        ("get", "events"),
        ("get", "events", "-o", "wide"),
        ("get", "namespaces"),
        ("describe", "pod", "app"),
        ("describe", "pod", "nope"),
        ("logs", "app"),
        ("logs", "app", "-c", "prepare"),
        ("logs", "pod/app", "-c", "side", "--tail", "1", "--timestamps"),
        ("logs", "app", "-c", "nope"),
        ("logs", "app", "--previous"),
        ("logs", "nope"),
        ("wait", "pod/app", "--for=jsonpath={.status.phase}=Running"),
        ("wait", "pod/nope", "--for=condition=Ready"),
    ):
        _same(daemon, *args)


def test_apply_errors_are_kubectls(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    _ready(daemon, manifest, "app")
    changed = tmp_path / "changed.yaml"
    changed.write_text(APP.replace("echo side up", "echo side changed"))
    result = _same(daemon, "apply", "-f", str(changed))
    assert result.stderr.startswith('The Pod "app" is invalid: spec: Forbidden: pod updates')
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n"
        "spec:\n  containers: [{name: c}, {name: c}]\n  restartPolicyy: x\n"
    )
    _same(daemon, "apply", "-f", str(invalid))
    _same(daemon, "apply", "-f", str(tmp_path / "missing.yaml"))


def test_delete_waits_until_the_pod_is_gone(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    _ready(daemon, manifest, "app")
    deleted = tinykube(daemon, "delete", "pod", "app")
    assert (deleted.returncode, deleted.stdout, deleted.stderr) == (0, 'pod "app" deleted\n', "")
    gone = daemon.kubectl("get", "pod", "app", check=False)
    assert gone.stderr == 'Error from server (NotFound): pods "app" not found\n'
    _same(daemon, "delete", "pod", "app")
    _same(daemon, "delete", "pod", "--all")


def test_wait_times_out_with_kubectls_error(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    _ready(daemon, manifest, "app")
    result = tinykube(daemon, "wait", "pod/app", "--for=condition=Ready=false", "--timeout=1s")
    assert result.returncode == 1
    assert result.stderr == "error: timed out waiting for the condition on pods/app\n"


def test_wait_for_delete_sees_a_terminating_pod_go(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "stubborn.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: stubborn}\nspec:\n"
        "  terminationGracePeriodSeconds: 20\n  containers:\n  - name: c\n    image: busybox\n"
        '    command: ["sh", "-c", "trap \'\' TERM; while true; do sleep 0.1; done"]\n'
    )
    assert tinykube(daemon, "apply", "-f", str(manifest)).returncode == 0
    waited = tinykube(daemon, "wait", "pod/stubborn", "--for=jsonpath={.status.phase}=Running")
    assert waited.returncode == 0, waited.stderr
    assert daemon.kubectl("delete", "pod", "stubborn", "--wait=false").returncode == 0
    # the pod outlives SIGTERM for its 20 s of grace: the wait finds it terminating, then gone
    result = tinykube(daemon, "wait", "--for=delete", "pod/stubborn", "--timeout=60s")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "pod/stubborn condition met\n",
        "",
    )


def test_get_watch_prints_the_changes(daemon: Daemon, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.yaml"
    anchor.write_text(APP.replace("name: app", "name: anchor", 1))
    daemon.kubectl("apply", "-f", str(anchor))
    lines: list[str] = []
    with subprocess.Popen(
        [TINYKUBE, "get", "pods", "-w", "--data-dir", str(daemon.data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as watcher:
        assert watcher.stdout is not None
        try:
            # the list first (header and the anchor pod): the watch is under way after it
            lines += [watcher.stdout.readline(), watcher.stdout.readline()]
            manifest = tmp_path / "app.yaml"
            manifest.write_text(APP)
            daemon.kubectl("apply", "-f", str(manifest))
            while not any(line.split()[:3] == ["app", "2/2", "Running"] for line in lines):
                line = watcher.stdout.readline()
                assert line, f"the watch ended early: {lines}"
                lines.append(line)
        finally:
            os.killpg(watcher.pid, signal.SIGTERM)
            watcher.wait(timeout=DEADLINE)
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[1].split()[0] == "anchor"
    app_rows = [line.split() for line in lines[2:] if line.startswith("app ")]
    assert app_rows[0][:3] == ["app", "0/2", "Pending"]  # seen from its creation on


def test_logs_follow_streams_until_the_container_ends(daemon: Daemon, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    manifest = tmp_path / "talker.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: talker}\nspec:\n  restartPolicy: Never\n"
        f"  volumes: [{{name: gate, hostPath: {{path: {gate}}}}}]\n"
        "  containers:\n  - name: c\n    image: busybox\n"
        "    volumeMounts: [{name: gate, mountPath: /gate}]\n"
        '    command: ["sh", "-c", "echo first; until [ -e /gate/open ]; do sleep 0.05; done;'
        ' echo second"]\n'
    )
    assert tinykube(daemon, "apply", "-f", str(manifest)).returncode == 0
    waited = tinykube(daemon, "wait", "pod/talker", "--for=jsonpath={.status.phase}=Running")
    assert waited.returncode == 0, waited.stderr
    with subprocess.Popen(
        [TINYKUBE, "logs", "-f", "talker", "--data-dir", str(daemon.data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as follower:
        assert follower.stdout is not None
        assert follower.stdout.readline() == "first\n"  # streamed while the container runs
        (gate / "open").touch()
        out, err = follower.communicate(timeout=DEADLINE)
    assert (follower.returncode, out, err) == (0, "second\n", "")


def test_the_kubeconfig_route_gives_the_same_answers(daemon: Daemon, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    _ready(daemon, manifest, "app")
    over_socket = tinykube(daemon, "get", "pod", "app", "-o", "json").stdout
    over_http = subprocess.run(
        [TINYKUBE, "get", "pod", "app", "-o", "json", "--kubeconfig", str(daemon.kubeconfig)],
        check=True,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    ).stdout
    assert over_http == over_socket
