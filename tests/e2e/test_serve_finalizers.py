"""A pod with a finalizer on a real `tinykube serve`: deleting it stops its containers, but the
object stays (deletionGracePeriodSeconds 0) until `kubectl patch` removes the finalizer."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serving import Daemon, pod_manifest, sh, wait_until

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    instance = Daemon(data_dir=tmp_path / "data")
    kubeconfig = tmp_path / "kubeconfig"
    instance.start("--listen", f"127.0.0.1:{_free_port()}", "--kubeconfig-out", str(kubeconfig))
    instance.extra["kubeconfig"] = kubeconfig
    try:
        yield instance
    finally:
        instance.kill_leftovers()


def kubectl(daemon: Daemon, *args: str) -> str:
    result = subprocess.run(
        ["kubectl", "--cache-dir", str(daemon.data_dir.parent / "cache"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "KUBECONFIG": str(daemon.extra["kubeconfig"])},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_finalizer_keeps_a_stopped_pod_until_it_is_removed(daemon: Daemon) -> None:
    manifest = pod_manifest(
        "held", containers=[sh("app", "trap 'exit 0' TERM; while true; do sleep 0.1; done")]
    )
    manifest["metadata"]["finalizers"] = ["example.com/hold"]
    daemon.create_pod(manifest)
    wait_until(lambda: daemon.phase("held") == "Running", what="the pod to run")

    assert kubectl(daemon, "delete", "pod", "held", "--wait=false") == 'pod "held" deleted\n'

    def stopped_and_held() -> bool:
        pod = daemon.pod("held")
        assert pod is not None, "the pod went away while its finalizer was there"
        return bool(pod["metadata"].get("deletionGracePeriodSeconds") == 0)

    wait_until(stopped_and_held, what="the node's final delete (grace period 0)")
    held = daemon.pod("held")
    assert held is not None
    assert held["metadata"]["finalizers"] == ["example.com/hold"]
    assert held["metadata"]["deletionTimestamp"]
    statuses = held["status"].get("containerStatuses", [])
    assert statuses and all("terminated" in s["state"] for s in statuses), statuses

    patch = '{"metadata":{"finalizers":null}}'
    assert kubectl(daemon, "patch", "pod", "held", "-p", patch) == "pod/held patched\n"
    wait_until(lambda: daemon.pod("held") is None, what="the pod to be removed")
