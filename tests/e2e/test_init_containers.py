"""Init containers, as the conformance suite `test/e2e/common/node/init_container.go` checks them
(shared/k8s-semantics.md §8.1, T1–T4): one `tinykube run` with the four pods, the RestartAlways
ones ended by `--timeout`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    FAST_BACKOFF,
    Object,
    Ran,
    app_status,
    condition,
    container,
    init_status,
    pod,
    run_once,
    terminated,
    waiting,
)

pytestmark = pytest.mark.e2e


def _pods(root: Path) -> list[Object]:
    def true(name: str) -> Object:
        return container(name, ["/bin/true"])

    def false(name: str) -> Object:
        return container(name, ["/bin/false"])

    pause = container(
        "run1",
        ["sleep", "600"],
        resources={"limits": {"cpu": "100m", "memory": "52428800"}},
    )
    return [
        pod(
            root,
            "t1-never",
            init_containers=[true("init1"), true("init2")],
            containers=[true("run1")],
        ),
        pod(
            root,
            "t2-always",
            restart_policy="Always",
            init_containers=[true("init1"), true("init2")],
            containers=[pause],
            terminationGracePeriodSeconds=1,
        ),
        pod(
            root,
            "t3-always-fails",
            restart_policy="Always",
            init_containers=[false("init1"), true("init2")],
            containers=[pause],
            terminationGracePeriodSeconds=1,
        ),
        pod(
            root,
            "t4-never-fails",
            init_containers=[true("init1"), false("init2")],
            containers=[true("run1")],
        ),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "init", _pods, *FAST_BACKOFF, "--timeout", "2.5s")


def test_exit_status_is_1_unless_every_pod_succeeded(ran: Ran) -> None:
    assert ran.result.code == 1
    assert [p["metadata"]["name"] for p in ran.result.pods] == [
        "t1-never",
        "t2-always",
        "t3-always-fails",
        "t4-never-fails",
    ]


def test_t1_init_containers_run_on_a_restart_never_pod(ran: Ran) -> None:
    t1 = ran.pod("t1-never")
    assert t1["status"]["phase"] == "Succeeded"
    initialized = condition(t1, "Initialized")
    assert (initialized["status"], initialized.get("reason")) == ("True", "PodCompleted")
    statuses = t1["status"]["initContainerStatuses"]
    assert [s["name"] for s in statuses] == ["init1", "init2"]
    for status in statuses:
        assert terminated(status)["exitCode"] == 0
        assert terminated(status)["reason"] == "Completed"
        assert status["ready"] is True
        assert status["restartCount"] == 0
    assert terminated(app_status(t1, "run1"))["exitCode"] == 0


def test_t2_init_containers_run_on_a_restart_always_pod(ran: Ran) -> None:
    t2 = ran.pod("t2-always")
    # it ran until --timeout deleted it; Initialized stays True
    assert condition(t2, "Initialized")["status"] == "True"
    for name in ("init1", "init2"):
        status = init_status(t2, name)
        assert terminated(status)["exitCode"] == 0
        assert status["restartCount"] == 0
    started = [e for e in ran.events_of("t2-always", container="run1") if e.reason == "Started"]
    assert len(started) == 1
    killing = ran.events_of("t2-always", container="run1", reason="Killing")
    assert [e.message for e in killing] == ["Stopping container run1"]
    # the init containers have no resources: the pod is not Guaranteed (QoS counts them too)
    assert t2["status"]["qosClass"] == "Burstable"


def test_t3_failing_init_container_loops_and_app_never_starts(ran: Ran) -> None:
    t3 = ran.pod("t3-always-fails")
    assert t3["status"]["phase"] == "Failed"  # deleted by --timeout while Pending
    init1 = init_status(t3, "init1")
    assert init1["restartCount"] >= 3
    assert terminated(init1)["exitCode"] == 1
    assert "pod/t3-always-fails  Init:CrashLoopBackOff  ready 0/1" in ran.result.stderr
    assert waiting(init_status(t3, "init2"))["reason"] == "PodInitializing"
    run1 = app_status(t3, "run1")
    assert waiting(run1)["reason"] == "PodInitializing"
    assert run1["restartCount"] == 0
    initialized = condition(t3, "Initialized")
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")
    assert initialized["message"] == "containers with incomplete status: [init1 init2]"
    assert ran.events_of("t3-always-fails", container="init2") == []
    assert ran.events_of("t3-always-fails", container="run1") == []
    backoff = ran.events_of("t3-always-fails", container="init1", reason="BackOff")
    assert backoff, ran.result.stderr
    uid = t3["metadata"]["uid"]
    assert backoff[0].type == "Warning"
    assert backoff[0].message == (
        f"Back-off restarting failed container init1 in pod t3-always-fails_default({uid})"
    )


def test_t4_failing_init_container_fails_a_restart_never_pod(ran: Ran) -> None:
    t4 = ran.pod("t4-never-fails")
    assert t4["status"]["phase"] == "Failed"
    assert terminated(init_status(t4, "init1"))["exitCode"] == 0
    init2 = terminated(init_status(t4, "init2"))
    assert (init2["exitCode"], init2["reason"]) == (1, "Error")
    assert init_status(t4, "init2")["restartCount"] == 0
    assert waiting(app_status(t4, "run1"))["reason"] == "PodInitializing"
    initialized = condition(t4, "Initialized")
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")
    assert initialized["message"] == "containers with incomplete status: [init2]"
    for kind in ("Ready", "ContainersReady"):
        assert (condition(t4, kind)["status"], condition(t4, kind)["reason"]) == (
            "False",
            "PodFailed",
        )
    assert ran.events_of("t4-never-fails", container="run1") == []
