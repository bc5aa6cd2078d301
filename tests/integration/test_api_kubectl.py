"""The API server through the real `kubectl` (v1.32, the version dispatcher) over real HTTPS.

Each test runs kubectl with a kubeconfig (CA and bearer token) for the in-process server, a fresh
`--cache-dir` (so discovery and OpenAPI are fetched), and asserts kubectl's exit code and the
text it prints, as measured against a real cluster (docs `kubectl-compat.md`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import RunningServer

KUBECTL = shutil.which("kubectl")
DEADLINE = 30.0  # seconds per kubectl command

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: x
  labels:
    app: web
spec:
  containers:
  - name: main
    image: busybox
"""

INVALID_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
  - name: main
    image: ""
  - name: main
    image: busybox
"""

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kubectl(api_server: RunningServer, tmp_path: Path) -> Kubectl:
    config = tmp_path / "kubeconfig"
    config.write_text(api_server.kubeconfig())
    cache = tmp_path / "cache"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        return subprocess.run(
            [KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(cache), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )

    return run


def test_kubectl_version_reports_the_server(kubectl: Kubectl) -> None:
    result = kubectl("version")
    print(result.stdout)  # records the kubectl version in the test output
    assert result.returncode == 0, result.stderr
    assert "Client Version: v1.32." in result.stdout
    assert "Server Version: v1.32.4-tinykube" in result.stdout


def test_pod_lifecycle(kubectl: Kubectl) -> None:
    empty = kubectl("get", "pods")
    assert (empty.returncode, empty.stdout) == (0, "")
    assert empty.stderr == "No resources found in default namespace.\n"

    created = kubectl("create", "-f", "-", stdin=POD)
    assert (created.returncode, created.stdout, created.stderr) == (0, "pod/x created\n", "")

    table = kubectl("get", "pods")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines() == [
        "NAME   READY   STATUS    RESTARTS   AGE",
        "x      0/1     Pending   0          0s",
    ]

    labels = kubectl("get", "pods", "-l", "app=web", "--show-labels")
    assert labels.stdout.splitlines()[1].split()[-1] == "app=web"

    as_json = kubectl("get", "pod", "x", "-o", "json")
    assert as_json.returncode == 0, as_json.stderr
    pod = json.loads(as_json.stdout)
    assert (pod["kind"], pod["metadata"]["name"], pod["metadata"]["namespace"]) == (
        "Pod",
        "x",
        "default",
    )
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Always"

    deleted = kubectl("delete", "pod", "x", "--wait=false")
    assert (deleted.returncode, deleted.stdout) == (0, 'pod "x" deleted\n')

    missing = kubectl("get", "pod", "x")
    assert missing.returncode == 1
    assert missing.stderr == 'Error from server (NotFound): pods "x" not found\n'


def test_delete_waits_for_the_deletion(kubectl: Kubectl) -> None:
    assert kubectl("create", "-f", "-", stdin=POD).returncode == 0
    deleted = kubectl("delete", "pod", "x")
    assert (deleted.returncode, deleted.stdout) == (0, 'pod "x" deleted\n')


def test_create_existing_pod(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD)
    assert kubectl("create", "-f", str(manifest)).returncode == 0
    again = kubectl("create", "-f", str(manifest))
    assert again.returncode == 1
    assert again.stderr == (
        f'Error from server (AlreadyExists): error when creating "{manifest}": '
        'pods "x" already exists\n'
    )


def test_invalid_pod(kubectl: Kubectl) -> None:
    result = kubectl("create", "-f", "-", stdin=INVALID_POD)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        'The Pod "x" is invalid: \n'
        "* spec.containers[0].image: Required value\n"
        '* spec.containers[1].name: Duplicate value: "main"\n'
    )


def test_other_kinds(kubectl: Kubectl) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: '1'\n"
    assert kubectl("create", "-f", "-", stdin=manifest).stdout == "configmap/cm created\n"
    cms = kubectl("get", "cm")
    assert cms.stdout.splitlines() == ["NAME   DATA   AGE", "cm     1      0s"]
    namespaces = kubectl("get", "ns")
    assert namespaces.stdout.splitlines() == [
        "NAME              STATUS   AGE",
        "default           Active   0s",
        "kube-node-lease   Active   0s",
        "kube-public       Active   0s",
        "kube-system       Active   0s",
    ]
    assert kubectl("delete", "cm", "cm").stdout == 'configmap "cm" deleted\n'


def test_api_resources(kubectl: Kubectl) -> None:
    result = kubectl("api-resources", "--no-headers")
    assert result.returncode == 0, result.stderr
    rows = sorted(line.split() for line in result.stdout.splitlines())
    assert rows == [
        ["configmaps", "cm", "v1", "true", "ConfigMap"],
        ["events", "ev", "v1", "true", "Event"],
        ["leases", "coordination.k8s.io/v1", "true", "Lease"],
        ["namespaces", "ns", "v1", "false", "Namespace"],
        ["nodes", "no", "v1", "false", "Node"],
        ["pods", "po", "v1", "true", "Pod"],
        ["secrets", "v1", "true", "Secret"],
    ]
