"""`tinykube serve`'s TCP listener as a user meets it: TLS from the daemon's own CA, a bearer
token, the kubeconfig that carries both, the node resource, and the unix socket beside them.

Each test starts a real daemon on a free loopback port and drives it with the real kubectl,
the official Python client and plain urllib, asserting exit codes, kubectl's exact messages,
the apiserver's 401 Status, file modes, and what survives a restart.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import tinykube
from tests.e2e.conftest import TINYKUBE, wait_for

pytestmark = pytest.mark.e2e

DEADLINE = 60.0
UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Daemon:
    data_dir: Path
    kubeconfig: Path
    port: int = field(default_factory=_free_port)
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self, *extra: str) -> None:
        self.kubeconfig.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                str(TINYKUBE),
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--listen",
                f"{self.host}:{self.port}",
                "--kubeconfig-out",
                str(self.kubeconfig),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._started, timeout=DEADLINE, what="the daemon's kubeconfig")

    def _started(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the daemon exited with {self.process.returncode}")
        return self.kubeconfig.exists()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=DEADLINE)

    def kubectl(
        self, *args: str, config: Path | None = None, cache: str = "cache"
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "kubectl",
                "--kubeconfig",
                str(config or self.kubeconfig),
                "--cache-dir",
                str(self.data_dir.parent / cache),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    def config(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.kubeconfig.read_text())
        return loaded

    def token(self) -> str:
        return str(self.config()["users"][0]["user"]["token"])


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    instance = Daemon(data_dir=tmp_path / "data", kubeconfig=tmp_path / "kubeconfig")
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def _get(url: str, *, cafile: Path | None, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    try:
        with urllib.request.urlopen(request, context=context, timeout=DEADLINE) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
        error.close()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


# --- kubectl and clients over TLS ------------------------------------------------------------


def test_kubectl_works_with_the_written_kubeconfig(daemon: Daemon) -> None:
    config = daemon.config()
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"] == daemon.url
    ca = (daemon.data_dir / "pki" / "ca.crt").read_bytes()
    assert base64.b64decode(cluster["certificate-authority-data"]) == ca
    assert daemon.token() == (daemon.data_dir / "token").read_text().strip()

    pods = daemon.kubectl("get", "pods")
    assert (pods.returncode, pods.stdout, pods.stderr) == (
        0,
        "",
        "No resources found in default namespace.\n",
    )
    version = daemon.kubectl("version")
    assert version.returncode == 0, version.stderr
    assert "Server Version: v1.32.4-tinykube" in version.stdout


def test_get_and_describe_the_node(daemon: Daemon) -> None:
    name = socket.gethostname().lower()
    nodes = daemon.kubectl("get", "nodes")
    assert nodes.returncode == 0, nodes.stderr
    header, row = nodes.stdout.splitlines()
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert row.split()[:3] == [name, "Ready", "control-plane"]
    assert row.split()[4] == "v1.32.4-tinykube"

    wide = daemon.kubectl("get", "no", "-o", "wide")
    assert wide.returncode == 0, wide.stderr
    cells = wide.stdout.splitlines()[1].split()
    assert cells[5:7] == ["127.0.0.1", "<none>"]
    assert cells[-2:] == [os.uname().release, f"process://{tinykube.__version__}"]

    described = daemon.kubectl("describe", "node", name)
    assert described.returncode == 0, described.stderr
    text = described.stdout
    assert f"Name:               {name}\n" in text
    assert "  Ready            True " in text
    assert f"  cpu:                {os.cpu_count()}\n" in text
    assert "  pods:               110\n" in text
    assert "Non-terminated Pods:          (0 in total)" in text
    assert f"Lease:\n  HolderIdentity:  {name}\n  AcquireTime:     <unset>\n" in text

    node = json.loads(daemon.kubectl("get", "node", name, "-o", "json").stdout)
    meminfo = Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0]
    assert node["status"]["capacity"]["memory"] == f"{meminfo}Ki"


def test_the_official_python_client_loads_the_kubeconfig(daemon: Daemon) -> None:
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=str(daemon.kubeconfig))
    with api_client:
        core = client.CoreV1Api(api_client)
        names = [n.metadata.name for n in core.list_node().items]
        namespaces = sorted(n.metadata.name for n in core.list_namespace().items)
    assert names == [socket.gethostname().lower()]
    assert namespaces == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_tinykube_kubeconfig_prints_a_working_kubeconfig(daemon: Daemon, tmp_path: Path) -> None:
    printed = subprocess.run(
        [str(TINYKUBE), "kubeconfig", "--data-dir", str(daemon.data_dir)],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == daemon.kubeconfig.read_text()
    copy = tmp_path / "printed"
    copy.write_text(printed.stdout)
    nodes = daemon.kubectl("get", "nodes", "-o", "name", config=copy, cache="other-cache")
    assert (nodes.returncode, nodes.stdout) == (0, f"node/{socket.gethostname().lower()}\n")


# --- refusals --------------------------------------------------------------------------------


def test_requests_without_the_token_are_401(daemon: Daemon, tmp_path: Path) -> None:
    ca = daemon.data_dir / "pki" / "ca.crt"
    assert _get(daemon.url + "/api/v1/pods", cafile=ca) == (401, UNAUTHORIZED)
    assert _get(daemon.url + "/api/v1/pods", cafile=ca, token="guess") == (401, UNAUTHORIZED)
    status, body = _get(daemon.url + "/api/v1/pods", cafile=ca, token=daemon.token())
    assert (status, body["kind"]) == (200, "PodList")
    assert _get(daemon.url + "/healthz", cafile=ca) == (200, "ok")

    wrong = tmp_path / "wrong-token"
    wrong.write_text(daemon.kubeconfig.read_text().replace(daemon.token(), "guess"))
    assert daemon.kubectl("get", "pods").returncode == 0  # discovery cached with the token
    refused = daemon.kubectl("get", "pods", config=wrong)
    assert (refused.returncode, refused.stderr) == (
        1,
        "error: You must be logged in to the server (Unauthorized)\n",
    )


def test_the_certificate_is_verified_with_the_ca_only(daemon: Daemon) -> None:
    with pytest.raises(urllib.error.URLError) as caught:
        _get(daemon.url + "/healthz", cafile=None)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
    ca = daemon.data_dir / "pki" / "ca.crt"
    assert _get(f"https://localhost:{daemon.port}/healthz", cafile=ca) == (200, "ok")


def test_the_unix_socket_needs_no_token(daemon: Daemon) -> None:
    connection = http.client.HTTPConnection("localhost", timeout=DEADLINE)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(daemon.data_dir / "tinykube.sock"))
    connection.sock = sock
    try:
        connection.request("GET", "/api/v1/namespaces")
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert (response.status, body["kind"]) == (200, "NamespaceList")


def test_a_remote_listen_address_needs_allow_remote(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(TINYKUBE), "serve", "--data-dir", str(tmp_path / "d"), "--listen", "0.0.0.0:6443"],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        'error: --listen "0.0.0.0:6443" is not a loopback address: the API would be reachable '
        "from other machines (with TLS and the token); add --allow-remote to do that\n"
    )
    assert not (tmp_path / "d").exists()


def test_kubeconfig_of_a_data_dir_never_served(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(TINYKUBE), "kubeconfig", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: no tinykube daemon has served the API with data dir {tmp_path} "
        f"({tmp_path}/pki/ca.crt does not exist); start one with: "
        f"tinykube serve --data-dir {tmp_path}\n"
    )


# --- files and restarts ----------------------------------------------------------------------


def test_secrets_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    instance = Daemon(data_dir=data_dir, kubeconfig=tmp_path / "kubeconfig")
    instance.start()
    try:
        assert _mode(data_dir) == 0o700
        assert _mode(data_dir / "pki") == 0o700
        assert _mode(data_dir / "tinykube.sock") == 0o600
        for private in ("token", "pki/ca.key", "pki/apiserver.key"):
            assert _mode(data_dir / private) == 0o600, private
        assert _mode(instance.kubeconfig) == 0o600
    finally:
        instance.stop()


def test_credentials_survive_a_restart(tmp_path: Path) -> None:
    instance = Daemon(data_dir=tmp_path / "data", kubeconfig=tmp_path / "kubeconfig")
    pki = instance.data_dir / "pki"
    instance.start()
    try:
        first = instance.kubeconfig.read_text()
        files = {name: (pki / name).read_bytes() for name in ("ca.crt", "apiserver.crt")}
        token = (instance.data_dir / "token").read_text()
        instance.stop()

        instance.start()
        assert instance.kubeconfig.read_text() == first
        assert {name: (pki / name).read_bytes() for name in files} == files
        assert (instance.data_dir / "token").read_text() == token
        nodes = instance.kubectl("get", "nodes", "-o", "name")
        assert nodes.returncode == 0, nodes.stderr
        instance.stop()

        # Another listen host that the certificate does not cover: a new serving certificate
        # from the same CA, the same token, so the old kubeconfig's CA and token still work.
        instance.host = "127.0.0.2"
        instance.start()
        assert (pki / "ca.crt").read_bytes() == files["ca.crt"]
        assert (pki / "apiserver.crt").read_bytes() != files["apiserver.crt"]
        moved = instance.kubectl("get", "nodes", "-o", "name", cache="moved-cache")
        assert moved.returncode == 0, moved.stderr
        assert instance.config()["clusters"][0]["cluster"]["server"] == instance.url
        assert instance.kubeconfig.read_text() == first.replace(
            "https://127.0.0.1:", "https://127.0.0.2:"
        )
    finally:
        instance.stop()


def test_listen_none_serves_only_the_socket(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [str(TINYKUBE), "serve", "--data-dir", str(data_dir), "--listen", "none"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: (data_dir / "tinykube.sock").exists() or process.poll() is not None,
            timeout=DEADLINE,
            what="the daemon's socket",
        )
        assert process.poll() is None
        assert not (data_dir / "token").exists()
        result = subprocess.run(
            [str(TINYKUBE), "kubeconfig", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
        assert result.returncode == 1
        assert result.stderr.startswith(
            f"error: no tinykube daemon has served the API with data dir {data_dir}"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=DEADLINE)
