"""Node admission in `tinykube serve`: pods that do not fit the node's allocatable cpu, memory
or pod count fail at once, as the kubelet rejects them, and never start a container.

The node's size is set with `--allocatable` and `--max-pods`, so nothing depends on the
machine the tests run on.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serving import Daemon, pod_manifest, sh, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    instance = Daemon(
        data_dir=tmp_path / "data",
        flags=("--allocatable", "cpu=2,memory=1Gi", "--max-pods", "3"),
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.kill_leftovers()


def asking(name: str, **requests: str) -> dict[str, Any]:
    return pod_manifest(
        name, containers=[sh("app", "sleep 3600", resources={"requests": requests})], grace=1
    )


def rejected(daemon: Daemon, name: str, reason: str, message: str) -> None:
    wait_until(lambda: daemon.phase(name) == "Failed", what=f"pod {name} to be rejected")
    pod = daemon.pod(name)
    assert pod is not None
    status = pod["status"]
    assert status["reason"] == reason
    assert status["message"] == "Pod was rejected: " + message
    assert not status.get("containerStatuses")
    assert [c["type"] for c in status["conditions"]] == ["PodScheduled"]
    events = daemon.events(**{"involvedObject.name": name})
    warning = next(event for event in events if event["reason"] == reason)
    assert (warning["type"], warning["message"]) == ("Warning", message)
    assert warning["source"]["component"] == "kubelet"
    assert daemon.runtime_instances(pod["metadata"]["uid"]) == []
    assert not daemon.pod_log_dir(pod).exists()


def test_a_pod_asking_more_cpu_than_the_node_has_is_rejected(daemon: Daemon) -> None:
    daemon.create_pod(asking("big", cpu="3"))
    rejected(
        daemon,
        "big",
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000",
    )


def test_a_pod_asking_more_memory_than_the_node_has_is_rejected(daemon: Daemon) -> None:
    daemon.create_pod(asking("hungry", memory="2Gi"))
    rejected(
        daemon,
        "hungry",
        "OutOfmemory",
        "Node didn't have enough resource: memory, requested: 2147483648, used: 0, "
        "capacity: 1073741824",
    )


def test_admitted_pods_count_until_they_end(daemon: Daemon) -> None:
    """An init container's request is the pod's peak (max with the app's sum): 1500m."""
    first = pod_manifest(
        "first",
        init=[sh("setup", "true", resources={"requests": {"cpu": "1500m"}})],
        containers=[sh("app", "sleep 3600", resources={"requests": {"cpu": "500m"}})],
        grace=1,
    )
    daemon.create_pod(first)
    wait_until(lambda: daemon.phase("first") == "Running", what="pod first to run")
    daemon.create_pod(asking("second", cpu="1"))
    rejected(
        daemon,
        "second",
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000",
    )
    daemon.create_pod(asking("small", cpu="500m"))
    wait_until(lambda: daemon.phase("small") == "Running", what="pod small to run")

    daemon.delete_pod("first")
    wait_until(lambda: daemon.pod("first") is None, what="pod first to go")
    daemon.create_pod(asking("third", cpu="1"))
    wait_until(lambda: daemon.phase("third") == "Running", what="pod third to run")


def test_one_pod_more_than_max_pods_is_rejected(daemon: Daemon) -> None:
    daemon.create_pod(pod_manifest("done", containers=[sh("app", "true")]))
    wait_until(lambda: daemon.phase("done") == "Succeeded", what="pod done to succeed")
    for name in ("one", "two", "three"):  # a pod that finished no longer counts
        daemon.create_pod(asking(name))

    def running() -> bool:
        return all(daemon.phase(name) == "Running" for name in ("one", "two", "three"))

    wait_until(running, what="pods one, two and three to run")
    daemon.create_pod(asking("four"))
    rejected(
        daemon,
        "four",
        "OutOfpods",
        "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
    )


def test_a_restart_keeps_rejections_and_adopts_admitted_pods(daemon: Daemon) -> None:
    daemon.create_pod(asking("fits", cpu="2"))
    wait_until(lambda: daemon.phase("fits") == "Running", what="pod fits to run")
    daemon.create_pod(asking("late", cpu="100m"))
    rejected(
        daemon,
        "late",
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 100, used: 2000, capacity: 2000",
    )
    fits = daemon.pod("fits")
    assert fits is not None
    container_id = fits["status"]["containerStatuses"][0]["containerID"]

    daemon.signal(signal.SIGKILL)
    daemon.start()
    # the adopted pod is admitted again as it was (not re-checked, not restarted) ...
    after = daemon.pod("fits")
    assert after is not None
    wait_until(lambda: daemon.phase("fits") == "Running", what="the adopted pod")
    after = daemon.pod("fits")
    assert after is not None
    assert after["status"]["containerStatuses"][0]["containerID"] == container_id
    # ... and still counts: the rejected pod stays rejected, a new one is rejected too
    late = daemon.pod("late")
    assert late is not None
    assert late["status"]["reason"] == "OutOfcpu"
    daemon.create_pod(asking("later", cpu="100m"))
    rejected(
        daemon,
        "later",
        "OutOfcpu",
        "Node didn't have enough resource: cpu, requested: 100, used: 2000, capacity: 2000",
    )
