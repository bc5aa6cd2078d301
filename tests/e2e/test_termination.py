"""Stopping pods: the grace period and its 2 s floor (T25, T26), preStop hooks (exec, sleep,
httpGet), and activeDeadlineSeconds (shared/k8s-semantics.md §9). `--timeout` deletes the pods
gracefully, as `kubectl delete` would."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    Object,
    Ran,
    TargetServer,
    app_status,
    condition,
    container,
    exec_command,
    hook_command,
    init_status,
    pod,
    run_once,
    terminated,
    waiting,
)

pytestmark = pytest.mark.e2e

TIMEOUT = 1.0
REGULAR1, PLAIN, PRE_STOP = "regular-1", "plain", "PreStop-regular-1"


def _deleted(root: Path, port: int) -> list[Object]:
    return [
        pod(  # T25: pid 1 without a TERM handler ignores SIGTERM: SIGKILL after the grace
            root,
            "t25-grace",
            containers=[container(REGULAR1, ["sleep", "600"])],
            terminationGracePeriodSeconds=3,
        ),
        pod(  # T26: a preStop hook that never ends is cut at the grace period
            root,
            "t26-grace-prestop",
            containers=[
                container(
                    REGULAR1,
                    ["sleep", "600"],
                    lifecycle={"preStop": {"exec": {"command": ["sleep", "600"]}}},
                )
            ],
            terminationGracePeriodSeconds=1,
        ),
        pod(  # terminationGracePeriodSeconds 0 still gets the 2 s SIGTERM-to-SIGKILL floor
            root,
            "grace-zero",
            containers=[container(REGULAR1, ["sleep", "600"])],
            terminationGracePeriodSeconds=0,
        ),
        pod(
            root,
            "prestop-exec",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=60, termination_seconds=0.1),
                    lifecycle={"preStop": {"exec": {"command": hook_command(PRE_STOP, delay=0.3)}}},
                ),
                container(PLAIN, exec_command(PLAIN, delay=60)),
            ],
            terminationGracePeriodSeconds=10,
        ),
        pod(
            root,
            "prestop-sleep",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=60),
                    lifecycle={"preStop": {"sleep": {"seconds": 1}}},
                ),
                container(PLAIN, exec_command(PLAIN, delay=60)),
            ],
            terminationGracePeriodSeconds=10,
        ),
        pod(
            root,
            "prestop-http",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=60),
                    lifecycle={"preStop": {"httpGet": {"path": "/prestop", "port": port}}},
                )
            ],
            terminationGracePeriodSeconds=10,
        ),
        pod(
            root,
            "prestop-fails",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=60, exit_code=3),
                    lifecycle={"preStop": {"exec": {"command": ["sh", "-c", "exit 1"]}}},
                )
            ],
            terminationGracePeriodSeconds=10,
        ),
    ]


@pytest.fixture(scope="module")
def deleted(tmp_path_factory: pytest.TempPathFactory, target: TargetServer) -> Ran:
    return run_once(
        tmp_path_factory,
        "deleted",
        lambda root: _deleted(root, target.port),
        "--timeout",
        f"{TIMEOUT}s",
    )


def _finished_after_deletion(item: Object, name: str = REGULAR1) -> float:
    state = terminated(app_status(item, name))
    import datetime

    finished = datetime.datetime.fromisoformat(state["finishedAt"].replace("Z", "+00:00"))
    started = datetime.datetime.fromisoformat(
        item["metadata"]["creationTimestamp"].replace("Z", "+00:00")
    )
    return (finished - started).total_seconds()


def test_deleted_pods_end_and_the_run_exits_1(deleted: Ran) -> None:
    assert deleted.result.code == 1
    # the longest stop: t25's 3 s grace after the 1 s timeout (plus process start-up)
    assert deleted.result.elapsed < TIMEOUT + 3 + 4, deleted.result.stderr
    for item in deleted.result.pods:
        assert item["status"]["phase"] in ("Failed", "Succeeded"), item["metadata"]["name"]


@pytest.mark.parametrize(
    ("name", "grace"),
    [
        pytest.param("t25-grace", 3, id="t25-sigkill-after-grace"),
        pytest.param("t26-grace-prestop", 1, id="t26-prestop-cut-at-grace"),
        pytest.param("grace-zero", 0, id="grace-zero-has-2s-floor"),
    ],
)
def test_container_ignoring_sigterm_is_killed_with_137(deleted: Ran, name: str, grace: int) -> None:
    item = deleted.pod(name)
    state = terminated(app_status(item, REGULAR1))
    assert (state["exitCode"], state["reason"]) == (137, "Error")
    assert item["status"]["phase"] == "Failed"
    killing = deleted.events_of(name, container=REGULAR1, reason="Killing")
    assert [e.message for e in killing] == [f"Stopping container {REGULAR1}"]
    # SIGKILL comes after the grace period (at least 2 s after SIGTERM), not much later
    stopped = _finished_after_deletion(item)
    assert TIMEOUT + max(grace, 2) - 1 <= stopped <= TIMEOUT + max(grace, 2) + 3


def test_prestop_exec_runs_before_sigterm(deleted: Ran) -> None:
    log = deleted.log("prestop-exec")
    log.run_together(REGULAR1, PRE_STOP)
    log.exits_before(PRE_STOP, REGULAR1)
    # the container without a hook got SIGTERM at once; the hooked one only after its hook
    assert log.time_of(PLAIN, "Exiting") < log.time_of(PRE_STOP, "Exiting"), log
    item = deleted.pod("prestop-exec")
    assert item["status"]["phase"] == "Succeeded"  # both exited 0 from their TERM trap
    assert deleted.events_of("prestop-exec", reason="FailedPreStopHook") == []


def test_prestop_sleep_delays_sigterm(deleted: Ran) -> None:
    log = deleted.log("prestop-sleep")
    delay = log.time_of(REGULAR1, "Exiting") - log.time_of(PLAIN, "Exiting")
    assert 0.9 <= delay <= 3, log


def test_prestop_http_get_reaches_its_target(deleted: Ran, target: TargetServer) -> None:
    hits = [request for request in target.requests if request.path == "/prestop"]
    assert len(hits) == 1, target.paths()
    assert hits[0].headers["User-Agent"].startswith("kube-lifecycle/")
    log = deleted.log("prestop-http")
    assert hits[0].at < log.time_of(REGULAR1, "Exiting"), log


def test_failing_prestop_is_reported_and_does_not_change_the_exit_code(deleted: Ran) -> None:
    events = deleted.events_of("prestop-fails", container=REGULAR1, reason="FailedPreStopHook")
    assert [(e.type, e.message) for e in events] == [("Warning", "PreStopHook failed")]
    state = terminated(app_status(deleted.pod("prestop-fails"), REGULAR1))
    assert (state["exitCode"], state["reason"]) == (3, "Error")


# ------------------------------------------------------------------------------ deadline


def _deadline(root: Path) -> list[Object]:
    return [
        pod(
            root,
            "deadline-running",
            containers=[container(REGULAR1, exec_command(REGULAR1, delay=60))],
            activeDeadlineSeconds=1,
        ),
        pod(
            root,
            "deadline-during-init",
            # exit 1 on SIGTERM: an init container that ended with 0 would count as initialized
            # and the app would be reported ContainerStatusUnknown (`hasPodInitialized`)
            init_containers=[container("init-1", exec_command("init-1", delay=60, exit_code=1))],
            containers=[container(REGULAR1, exec_command(REGULAR1))],
            activeDeadlineSeconds=1,
        ),
    ]


@pytest.fixture(scope="module")
def deadline(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "deadline", _deadline, deadline=30)


def test_deadline_exceeded_fails_the_pod_without_a_timeout(deadline: Ran) -> None:
    assert deadline.result.code == 1
    assert deadline.result.elapsed < 10, deadline.result.stderr


@pytest.mark.parametrize("name", ["deadline-running", "deadline-during-init"])
def test_active_deadline_seconds(deadline: Ran, name: str) -> None:
    item = deadline.pod(name)
    status = item["status"]
    assert status["phase"] == "Failed"
    assert status["reason"] == "DeadlineExceeded"
    assert status["message"] == "Pod was active on the node longer than the specified deadline"
    events = deadline.events_of(name, reason="DeadlineExceeded")
    assert [(e.type, e.field_path, e.message) for e in events] == [
        ("Normal", "", "Pod was active on the node longer than the specified deadline")
    ]
    assert condition(item, "Ready")["reason"] == "PodFailed"


def test_deadline_stops_the_running_container_gracefully(deadline: Ran) -> None:
    log = deadline.log("deadline-running")
    log.exits(REGULAR1)  # its TERM trap ran
    state = terminated(app_status(deadline.pod("deadline-running"), REGULAR1))
    assert state["exitCode"] == 0
    killing = deadline.events_of("deadline-running", container=REGULAR1, reason="Killing")
    assert [e.message for e in killing] == [f"Stopping container {REGULAR1}"]


def test_deadline_during_init_never_starts_the_app(deadline: Ran) -> None:
    item = deadline.pod("deadline-during-init")
    assert terminated(init_status(item, "init-1"))["exitCode"] == 1  # TERM trap
    assert waiting(app_status(item, REGULAR1))["reason"] == "PodInitializing"
    deadline.log("deadline-during-init").doesnt_start(REGULAR1)
