"""The eviction manager's emptyDir sizeLimit check on real processes.

A container that writes more into a disk-backed emptyDir than its `sizeLimit` gets its pod
evicted, as the kubelet's `emptyDirLimitEviction` does: a Warning `Evicted` event with
`Usage of EmptyDir volume "data" exceeds the limit "1Mi". ` (the trailing space is the
kubelet's), every container stopped with a 1 s grace period whatever terminationGracePeriodSeconds
says, and the pod Failed with reason `Evicted` and the same message, without a DisruptionTarget
condition (only node-pressure evictions add one). A volume within its limit, and a memory-backed
one (a tmpfs of that size, which refuses the write instead), never evict their pod.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    LOG_DIR,
    Object,
    Ran,
    app_status,
    condition,
    container,
    pod,
    run_once,
    sh,
    terminated,
)

pytestmark = pytest.mark.e2e

MESSAGE = 'Usage of EmptyDir volume "data" exceeds the limit "1Mi". '
WRITER = "writer"
GRACE = 30


def _writer_pod(root: Path, name: str, *, megabytes: float, medium: str = "") -> Object:
    empty_dir: Object = {"sizeLimit": "1Mi"}
    if medium:
        empty_dir["medium"] = medium
    kib = int(megabytes * 1024)
    # The TERM trap would hold the container for 10 s: an eviction's short grace period cuts it.
    script = (
        "trap 'sleep 10; exit 0' TERM; "
        f"if dd if=/dev/zero of=/data/blob bs=1K count={kib} 2>/dev/null; "
        f"then echo written > {LOG_DIR}/result; else echo refused > {LOG_DIR}/result; fi; "
        "sleep 3 & wait $!"  # a few measurement periods with the data in place
    )
    return pod(
        root,
        name,
        volumes=[{"name": "data", "emptyDir": empty_dir}],
        containers=[
            container(
                WRITER,
                sh(script),
                volumeMounts=[{"name": "data", "mountPath": "/data"}],
            )
        ],
        terminationGracePeriodSeconds=GRACE,
    )


def _pods(root: Path) -> list[Object]:
    return [
        _writer_pod(root, "over-limit", megabytes=2),
        _writer_pod(root, "within-limit", megabytes=0.5),
        _writer_pod(root, "memory-over-limit", megabytes=2, medium="Memory"),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "eviction", _pods)


def test_emptydir_over_its_size_limit_evicts_the_pod(ran: Ran) -> None:
    status = ran.pod("over-limit")["status"]
    assert (status["phase"], status.get("reason"), status.get("message")) == (
        "Failed",
        "Evicted",
        MESSAGE,
    )
    evicted = ran.events_of("over-limit", reason="Evicted")
    assert [(e.type, e.field_path, e.message) for e in evicted] == [("Warning", "", MESSAGE)]


def test_eviction_stops_the_containers_with_a_short_grace_period(ran: Ran) -> None:
    item = ran.pod("over-limit")
    killing = ran.events_of("over-limit", container=WRITER, reason="Killing")
    assert [e.message for e in killing] == [f"Stopping container {WRITER}"]
    # SIGKILL after the 2 s minimum, long before the trap's 10 s or the pod's 30 s grace
    assert terminated(app_status(item, WRITER))["exitCode"] == 137
    assert killing[0].at - ran.events_of("over-limit", reason="Evicted")[0].at < 1
    assert ran.result.elapsed < 10, ran.result.stderr


def test_eviction_adds_no_disruption_target_condition(ran: Ran) -> None:
    item = ran.pod("over-limit")
    types = [cond["type"] for cond in item["status"]["conditions"]]
    assert "DisruptionTarget" not in types
    assert (condition(item, "Ready")["status"], condition(item, "Ready")["reason"]) == (
        "False",
        "PodFailed",
    )


@pytest.mark.parametrize(
    ("name", "result"),
    [
        pytest.param("within-limit", "written\n", id="disk-within-limit"),
        pytest.param("memory-over-limit", "refused\n", id="memory-tmpfs-refuses-the-write"),
    ],
)
def test_volume_within_its_limit_never_evicts(ran: Ran, name: str, result: str) -> None:
    assert (ran.root / name / "result").read_text() == result
    assert ran.pod(name)["status"]["phase"] == "Succeeded"
    assert ran.events_of(name, reason="Evicted") == []
