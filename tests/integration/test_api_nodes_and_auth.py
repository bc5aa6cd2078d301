"""The node resource and the token check through the real kubectl and plain HTTPS clients.

The server is the in-process one of `conftest.py` (TLS, bearer token, a fixed clock and fixed
node facts), so kubectl's tables are compared whole. Expected texts are what kubectl prints
against a real cluster for the same objects and errors.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import NODE, RunningServer

KUBECTL = shutil.which("kubectl")
DEADLINE = 30.0

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


@pytest.fixture
def kubeconfig(api_server: RunningServer, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(api_server.kubeconfig())
    return path


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    def run(
        *args: str, config: Path = kubeconfig, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        return subprocess.run(
            [KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(tmp_path / "cache"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )

    return run


def _get(
    server: RunningServer, path: str, *, token: str | None, accept: str = ""
) -> tuple[int, Any]:
    request = urllib.request.Request(server.url + path)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    if accept:
        request.add_header("Accept", accept)
    context = ssl.create_default_context(cafile=str(server.ca_file))
    try:
        with urllib.request.urlopen(request, context=context, timeout=DEADLINE) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body = error.read()
        status = error.code
        error.close()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode()


# --- nodes -----------------------------------------------------------------------------------


def test_get_nodes_prints_the_kubelet_columns(kubectl: Kubectl) -> None:
    plain = kubectl("get", "nodes")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines() == [
        "NAME     STATUS   ROLES           AGE   VERSION",
        "node-1   Ready    control-plane   3h    v1.32.4-tinykube",
    ]
    wide = kubectl("get", "no", "-o", "wide")
    assert wide.returncode == 0, wide.stderr
    header, row = wide.stdout.splitlines()
    assert header.split() == [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ]
    assert row.split() == [
        "node-1",
        "Ready",
        "control-plane",
        "3h",
        "v1.32.4-tinykube",
        "127.0.0.1",
        "<none>",
        "Debian",
        "GNU/Linux",
        "12",
        "(bookworm)",
        "6.1.0-18-amd64",
        "process://0.1.0",
    ]


def test_node_object_as_the_kubelet_posts_it(kubectl: Kubectl) -> None:
    result = kubectl("get", "node", "node-1", "-o", "json")
    assert result.returncode == 0, result.stderr
    node = json.loads(result.stdout)
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "node-1"
    status = node["status"]
    assert status["capacity"] == {
        "cpu": "4",
        "ephemeral-storage": "100Gi",
        "memory": "8Gi",
        "pods": "110",
    }
    assert status["allocatable"] == status["capacity"]
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert conditions == {
        "MemoryPressure": ("False", "KubeletHasSufficientMemory"),
        "DiskPressure": ("False", "KubeletHasNoDiskPressure"),
        "PIDPressure": ("False", "KubeletHasSufficientPID"),
        "Ready": ("True", "KubeletReady"),
    }
    assert status["addresses"] == [
        {"type": "InternalIP", "address": "127.0.0.1"},
        {"type": "Hostname", "address": "node-1"},
    ]
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    assert status["nodeInfo"]["kubeProxyVersion"] == ""
    assert status["nodeInfo"]["osImage"] == "Debian GNU/Linux 12 (bookworm)"


def test_describe_node_lists_its_pods(kubectl: Kubectl) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {
            "nodeName": "node-1",
            "containers": [
                {
                    "name": "main",
                    "image": "busybox",
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                }
            ],
        },
    }
    created = kubectl("create", "-f", "-", stdin=json.dumps(pod))
    assert created.returncode == 0, created.stderr
    result = kubectl("describe", "node", "node-1")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Name:               node-1\n" in text
    assert "Roles:              control-plane\n" in text
    assert "Ready            True    " in text and "kubelet is posting ready status" in text
    assert "Non-terminated Pods:          (1 in total)" in text
    assert "  default                     web" in text
    assert "  cpu                500m (12%)  0 (0%)" in text
    assert "  memory             1Gi (12%)   0 (0%)" in text


def test_missing_node_and_writes(kubectl: Kubectl) -> None:
    missing = kubectl("get", "node", "nope")
    assert (missing.returncode, missing.stderr) == (
        1,
        'Error from server (NotFound): nodes "nope" not found\n',
    )
    not_allowed = (
        "Error from server (MethodNotAllowed): "
        "the server does not allow this method on the requested resource\n"
    )
    for args in (("label", "node", "node-1", "a=b"), ("delete", "node", "node-1")):
        result = kubectl(*args)
        assert (result.returncode, result.stderr) == (1, not_allowed), args


def test_node_selectors(kubectl: Kubectl) -> None:
    labelled = kubectl("get", "nodes", "-l", "kubernetes.io/os=linux", "-o", "name")
    assert labelled.stdout == "node/node-1\n"
    other = kubectl("get", "nodes", "--field-selector", "metadata.name=other")
    assert (other.returncode, other.stdout, other.stderr) == (0, "", "No resources found\n")


def test_watch_nodes_sends_the_node_then_waits(kubectl: Kubectl) -> None:
    result = kubectl("get", "nodes", "--watch", "--request-timeout=2s", "-o", "name")
    assert result.stdout == "node/node-1\n"


# --- the node's lease ------------------------------------------------------------------------


def test_describe_node_prints_its_lease(kubectl: Kubectl) -> None:
    result = kubectl("describe", "node", "node-1")
    assert result.returncode == 0, result.stderr
    assert "Failed to get lease" not in result.stdout
    lines = result.stdout.splitlines()
    start = lines.index("Lease:")
    assert lines[start + 1 : start + 4] == [
        "  HolderIdentity:  node-1",
        "  AcquireTime:     <unset>",
        "  RenewTime:       Fri, 27 Nov 2026 05:38:34 +0000",
    ]


def test_get_leases_lists_the_node_lease(kubectl: Kubectl) -> None:
    result = kubectl("get", "leases", "-n", "kube-node-lease")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["NAME     HOLDER   AGE", "node-1   node-1   3h"]
    everywhere = kubectl("get", "leases", "-A", "-o", "name")
    assert (everywhere.returncode, everywhere.stdout) == (0, "lease.coordination.k8s.io/node-1\n")
    elsewhere = kubectl("get", "leases", "-n", "default")
    assert (elsewhere.returncode, elsewhere.stdout, elsewhere.stderr) == (
        0,
        "",
        "No resources found in default namespace.\n",
    )


def test_lease_object_as_the_kubelet_keeps_it(kubectl: Kubectl) -> None:
    result = kubectl("get", "lease", "node-1", "-n", "kube-node-lease", "-o", "json")
    assert result.returncode == 0, result.stderr
    lease = json.loads(result.stdout)
    assert (lease["apiVersion"], lease["kind"]) == ("coordination.k8s.io/v1", "Lease")
    assert lease["metadata"]["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": NODE.uid}
    ]
    assert lease["spec"] == {
        "holderIdentity": "node-1",
        "leaseDurationSeconds": 40,
        "renewTime": "2026-11-27T05:38:34.000000Z",
    }


def test_missing_lease_and_writes(kubectl: Kubectl) -> None:
    missing = kubectl("get", "lease", "x", "-n", "kube-node-lease")
    assert (missing.returncode, missing.stderr) == (
        1,
        'Error from server (NotFound): leases.coordination.k8s.io "x" not found\n',
    )
    result = kubectl("delete", "lease", "node-1", "-n", "kube-node-lease")
    assert (result.returncode, result.stderr) == (
        1,
        "Error from server (MethodNotAllowed): "
        "the server does not allow this method on the requested resource\n",
    )


def test_missing_lease_is_the_apiserver_status(api_server: RunningServer) -> None:
    path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/x"
    assert _get(api_server, path, token=api_server.token) == (
        404,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'leases.coordination.k8s.io "x" not found',
            "reason": "NotFound",
            "details": {"name": "x", "group": "coordination.k8s.io", "kind": "leases"},
            "code": 404,
        },
    )


LEASE_VERSION = {"groupVersion": "coordination.k8s.io/v1", "version": "v1"}
LEASE_GROUP = {
    "name": "coordination.k8s.io",
    "versions": [LEASE_VERSION],
    "preferredVersion": LEASE_VERSION,
}


def test_discovery_lists_the_coordination_group(api_server: RunningServer) -> None:
    token = api_server.token
    assert _get(api_server, "/apis", token=token) == (
        200,
        {"kind": "APIGroupList", "apiVersion": "v1", "groups": [LEASE_GROUP]},
    )
    assert _get(api_server, "/apis/coordination.k8s.io", token=token) == (
        200,
        {"kind": "APIGroup", "apiVersion": "v1", **LEASE_GROUP},
    )
    assert _get(api_server, "/apis/coordination.k8s.io/v1", token=token) == (
        200,
        {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": "coordination.k8s.io/v1",
            "resources": [
                {
                    "name": "leases",
                    "singularName": "lease",
                    "namespaced": True,
                    "kind": "Lease",
                    "verbs": ["get", "list", "watch"],
                }
            ],
        },
    )
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    status, aggregated = _get(api_server, "/apis", token=token, accept=accept)
    assert (status, aggregated["kind"]) == (200, "APIGroupDiscoveryList")
    assert aggregated["items"] == [
        {
            "metadata": {"name": "coordination.k8s.io", "creationTimestamp": None},
            "versions": [
                {
                    "version": "v1",
                    "freshness": "Current",
                    "resources": [
                        {
                            "resource": "leases",
                            "responseKind": {
                                "group": "coordination.k8s.io",
                                "version": "v1",
                                "kind": "Lease",
                            },
                            "scope": "Namespaced",
                            "singularResource": "lease",
                            "verbs": ["get", "list", "watch"],
                        }
                    ],
                }
            ],
        }
    ]


def test_watch_leases_sends_the_lease_then_waits(kubectl: Kubectl) -> None:
    result = kubectl(
        "get", "leases", "-n", "kube-node-lease", "--watch", "--request-timeout=2s", "-o", "name"
    )
    assert result.stdout == "lease.coordination.k8s.io/node-1\n"


# --- authentication --------------------------------------------------------------------------


def test_without_the_token_kubectl_must_log_in(
    kubectl: Kubectl, api_server: RunningServer, tmp_path: Path
) -> None:
    config = tmp_path / "wrong-token"
    config.write_text(api_server.kubeconfig().replace(api_server.token, "not-the-token"))
    # Discovery fails first; kubectl's discovery client reports a 401 with its own words.
    fresh = kubectl("get", "pods", config=config)
    assert fresh.returncode == 1
    assert fresh.stderr.splitlines()[-1] == (
        "error: You must be logged in to the server "
        "(the server has asked for the client to provide credentials)"
    )
    # With discovery cached (by a run with the token), the request itself is refused and
    # kubectl prints the Status' message.
    assert kubectl("get", "pods").returncode == 0
    cached = kubectl("get", "pods", config=config)
    assert (cached.returncode, cached.stderr) == (
        1,
        "error: You must be logged in to the server (Unauthorized)\n",
    )


def test_unauthorized_is_the_apiserver_status(api_server: RunningServer) -> None:
    assert _get(api_server, "/api/v1/pods", token=None) == (401, UNAUTHORIZED)
    assert _get(api_server, "/api/v1/pods", token="wrong") == (401, UNAUTHORIZED)
    assert _get(api_server, "/no/such/path", token=None) == (401, UNAUTHORIZED)
    assert _get(api_server, "/healthz", token="wrong") == (401, UNAUTHORIZED)
    status, body = _get(api_server, "/api/v1/pods", token=api_server.token)
    assert (status, body["kind"]) == (200, "PodList")


def test_health_and_version_are_anonymous(api_server: RunningServer) -> None:
    for path in ("/healthz", "/livez", "/readyz"):
        assert _get(api_server, path, token=None) == (200, "ok")
    status, version = _get(api_server, "/version", token=None)
    assert (status, version["gitVersion"]) == (200, "v1.32.4-tinykube")


def test_the_certificate_needs_the_ca(api_server: RunningServer) -> None:
    with pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen(api_server.url + "/healthz", timeout=DEADLINE)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
