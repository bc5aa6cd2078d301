"""kubectl's pod printers: expectations copied from Kubernetes' own tests and kubectl output.

Sources: apimachinery `util/duration/duration_test.go`; `pkg/printers/internalversion/
printers_test.go` (TestPrintPod, TestPrintPodWithRestartableInitContainer, TestPrintPodwide,
TestPrintPodConditions, TestPrintNonTerminatedPod, TestPrintPodList, TestTranslateTimestampSince),
where `time.Now()` becomes the fixed `NOW`; cli-runtime's table printer; sigs.k8s.io/yaml and
go-yaml v2 for `-o yaml`.
"""

from __future__ import annotations

import datetime
import json

import pytest
import yaml

from tinykube.api import printers
from tinykube.api.meta import ObjectMeta
from tinykube.api.pod import Container, Pod, PodReadinessGate, PodSpec
from tinykube.api.status import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    PodCondition,
    PodIP,
    PodStatus,
)

NOW = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)
SECOND = 1.0
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
YEAR = 365 * DAY
MS = SECOND / 1000
NS = SECOND / 1_000_000_000


def ago(seconds: float) -> datetime.datetime:
    return NOW - datetime.timedelta(seconds=seconds)


RUNNING = ContainerState(running=ContainerStateRunning())


def waiting(reason: str = "") -> ContainerState:
    return ContainerState(waiting=ContainerStateWaiting(reason=reason))


def terminated(reason: str = "", *, exit_code: int = 0, signal: int = 0) -> ContainerState:
    return ContainerState(
        terminated=ContainerStateTerminated(reason=reason, exit_code=exit_code, signal=signal)
    )


def finished(seconds_ago: float) -> ContainerState:
    """A `lastState` whose termination finished that long before NOW."""
    return ContainerState(terminated=ContainerStateTerminated(finished_at=ago(seconds_ago)))


def cstatus(
    name: str = "",
    *,
    ready: bool = False,
    restarts: int = 0,
    state: ContainerState = ContainerState(),  # noqa: B008 - immutable value
    last: ContainerState = ContainerState(),  # noqa: B008 - immutable value
    started: bool | None = None,
) -> ContainerStatus:
    return ContainerStatus(
        name=name,
        ready=ready,
        restart_count=restarts,
        state=state,
        last_state=last,
        started=started,
    )


def cond(type_: str, status: str, reason: str = "") -> PodCondition:
    return PodCondition(type=type_, status=status, reason=reason)


def unnamed(count: int) -> tuple[Container, ...]:
    """Go's `make([]api.Container, n)`."""
    return tuple(Container() for _ in range(count))


def sidecar(name: str) -> Container:
    return Container(name=name, restart_policy="Always")


def make_pod(
    name: str,
    *,
    containers: tuple[Container, ...] = unnamed(1),
    init: tuple[Container, ...] = (),
    phase: str = "",
    reason: str = "",
    conditions: tuple[PodCondition, ...] = (),
    init_statuses: tuple[ContainerStatus, ...] = (),
    statuses: tuple[ContainerStatus, ...] = (),
    deleted: bool = False,
    created: datetime.datetime | None = None,
    namespace: str = "",
    labels: dict[str, str] | None = None,
    node: str = "",
    gates: tuple[str, ...] = (),
    pod_ips: tuple[str, ...] = (),
    pod_ip: str = "",
    nominated: str = "",
) -> Pod:
    return Pod(
        metadata=ObjectMeta(
            name=name,
            namespace=namespace,
            labels=labels or {},
            creation_timestamp=created,
            deletion_timestamp=ago(10) if deleted else None,
        ),
        spec=PodSpec(
            containers=containers,
            init_containers=init,
            node_name=node,
            readiness_gates=tuple(PodReadinessGate(condition_type=g) for g in gates),
        ),
        status=PodStatus(
            phase=phase,
            reason=reason,
            conditions=conditions,
            init_container_statuses=init_statuses,
            container_statuses=statuses,
            pod_ip=pod_ip,
            pod_ips=tuple(PodIP(ip=ip) for ip in pod_ips),
            nominated_node_name=nominated,
        ),
    )


SUCCEEDED = (
    printers.TableRowCondition(
        type="Completed",
        status="True",
        reason="Succeeded",
        message="The pod has completed successfully.",
    ),
)
FAILED = (
    printers.TableRowCondition(
        type="Completed", status="True", reason="Failed", message="The pod failed."
    ),
)


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        # TestHumanDuration
        pytest.param(SECOND, "1s", id="1s"),
        pytest.param(70 * SECOND, "70s", id="70s"),
        pytest.param(190 * SECOND, "3m10s", id="3m10s"),
        pytest.param(70 * MINUTE, "70m", id="70m"),
        pytest.param(47 * HOUR, "47h", id="47h"),
        pytest.param(49 * HOUR, "2d1h", id="2d1h"),
        pytest.param((8 * 24 + 2) * HOUR, "8d", id="8d2h"),
        pytest.param(367 * 24 * HOUR, "367d", id="367d"),
        pytest.param((365 * 2 * 24 + 25) * HOUR, "2y1d", id="2y1d1h"),
        pytest.param((365 * 8 * 24 + 2) * HOUR, "8y", id="8y2h"),
        # TestHumanDurationBoundaries
        pytest.param(-2 * SECOND, "<invalid>", id="-2s"),
        pytest.param(-2 * SECOND + NS, "0s", id="-2s+1ns"),
        pytest.param(0, "0s", id="0"),
        pytest.param(SECOND - MS, "0s", id="1s-1ms"),
        pytest.param(2 * MINUTE - MS, "119s", id="2m-1ms"),
        pytest.param(2 * MINUTE, "2m", id="2m"),
        pytest.param(2 * MINUTE + SECOND, "2m1s", id="2m1s"),
        pytest.param(10 * MINUTE - MS, "9m59s", id="10m-1ms"),
        pytest.param(10 * MINUTE, "10m", id="10m"),
        pytest.param(10 * MINUTE + SECOND, "10m", id="10m1s"),
        pytest.param(3 * HOUR - MS, "179m", id="3h-1ms"),
        pytest.param(3 * HOUR, "3h", id="3h"),
        pytest.param(3 * HOUR + MINUTE, "3h1m", id="3h1m"),
        pytest.param(8 * HOUR - MS, "7h59m", id="8h-1ms"),
        pytest.param(8 * HOUR, "8h", id="8h"),
        pytest.param(8 * HOUR + 59 * MINUTE, "8h", id="8h59m"),
        pytest.param(2 * DAY - MS, "47h", id="2d-1ms"),
        pytest.param(2 * DAY, "2d", id="2d"),
        pytest.param(2 * DAY + HOUR, "2d1h", id="2d1h"),
        pytest.param(8 * DAY - MS, "7d23h", id="8d-1ms"),
        pytest.param(8 * DAY, "8d", id="8d"),
        pytest.param(8 * DAY + 23 * HOUR, "8d", id="8d23h"),
        pytest.param(2 * YEAR - MS, "729d", id="2y-1ms"),
        pytest.param(2 * YEAR, "2y", id="2y"),
        pytest.param(2 * YEAR + 23 * HOUR, "2y", id="2y23h"),
        pytest.param(2 * YEAR + 23 * HOUR + 59 * MINUTE, "2y", id="2y23h59m"),
        pytest.param(2 * YEAR + DAY - MS, "2y", id="2y1d-1ms"),
        pytest.param(2 * YEAR + DAY, "2y1d", id="2y1d"),
        pytest.param(3 * YEAR, "3y", id="3y"),
        pytest.param(4 * YEAR, "4y", id="4y"),
        pytest.param(5 * YEAR, "5y", id="5y"),
        pytest.param(6 * YEAR, "6y", id="6y"),
        pytest.param(7 * YEAR, "7y", id="7y"),
        pytest.param(8 * YEAR - MS, "7y364d", id="8y-1ms"),
        pytest.param(8 * YEAR, "8y", id="8y"),
        pytest.param(8 * YEAR + 364 * DAY, "8y", id="8y364d"),
        pytest.param(9 * YEAR, "9y", id="9y"),
    ],
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert printers.human_duration(seconds) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        pytest.param(datetime.timedelta(seconds=-2), "<invalid>", id="-2s"),
        pytest.param(datetime.timedelta(seconds=-1, microseconds=-999_999), "0s", id="-1.999999s"),
        pytest.param(datetime.timedelta(minutes=10, microseconds=-1), "9m59s", id="10m-1us"),
        pytest.param(datetime.timedelta(days=2, hours=1), "2d1h", id="2d1h"),
    ],
)
def test_human_duration_of_timedelta(delta: datetime.timedelta, expected: str) -> None:
    assert printers.human_duration(delta) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        # TestShortHumanDurationBoundaries
        pytest.param(-2 * SECOND, "<invalid>", id="-2s"),
        pytest.param(-2 * SECOND + NS, "0s", id="-2s+1ns"),
        pytest.param(0, "0s", id="0"),
        pytest.param(SECOND - MS, "0s", id="1s-1ms"),
        pytest.param(SECOND, "1s", id="1s"),
        pytest.param(2 * SECOND - MS, "1s", id="2s-1ms"),
        pytest.param(MINUTE - MS, "59s", id="1m-1ms"),
        pytest.param(MINUTE, "1m", id="1m"),
        pytest.param(2 * MINUTE - MS, "1m", id="2m-1ms"),
        pytest.param(HOUR - MS, "59m", id="1h-1ms"),
        pytest.param(HOUR, "1h", id="1h"),
        pytest.param(2 * HOUR - MS, "1h", id="2h-1ms"),
        pytest.param(DAY - MS, "23h", id="1d-1ms"),
        pytest.param(DAY, "1d", id="1d"),
        pytest.param(2 * DAY - MS, "1d", id="2d-1ms"),
        pytest.param(YEAR - MS, "364d", id="1y-1ms"),
        pytest.param(YEAR, "1y", id="1y"),
        pytest.param(2 * YEAR - MS, "1y", id="2y-1ms"),
        pytest.param(2 * YEAR, "2y", id="2y"),
    ],
)
def test_short_human_duration(seconds: float, expected: str) -> None:
    assert printers.short_human_duration(seconds) == expected


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        # TestTranslateTimestampSince, as the AGE column
        pytest.param(NOW + datetime.timedelta(seconds=2.1), "<invalid>", id="a-while-from-now"),
        pytest.param(NOW + datetime.timedelta(seconds=1.9), "0s", id="almost-now"),
        pytest.param(NOW, "0s", id="now"),
        pytest.param(None, "<unknown>", id="unknown"),
        pytest.param(
            datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), "<unknown>", id="go-zero-time"
        ),
        pytest.param(ago(30), "30s", id="30-seconds-ago"),
        pytest.param(ago(300), "5m", id="5-minutes-ago"),
        pytest.param(ago(6000), "100m", id="an-hour-ago"),
        pytest.param(ago(2 * DAY), "2d", id="2-days-ago"),
        pytest.param(ago(90 * DAY), "90d", id="months-ago"),
        pytest.param(ago(10 * YEAR), "10y", id="10-years-ago"),
    ],
)
def test_age_column(created: datetime.datetime | None, expected: str) -> None:
    row = printers.pod_row(make_pod("p", created=created), now=NOW)
    assert row.age == expected


# --- printPod -------------------------------------------------------------------------------

POD_CASES = [
    # TestPrintPod
    pytest.param(
        make_pod(
            "test1",
            containers=unnamed(2),
            phase="podPhase",
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
        ),
        ("test1", "1/2", "podPhase", "6", "<unknown>"),
        (),
        id="name-ready-restarts",
    ),
    pytest.param(
        make_pod(
            "test2",
            containers=unnamed(2),
            phase="podPhase",
            statuses=(
                cstatus(ready=True, restarts=3, state=RUNNING),
                cstatus(state=waiting("ContainerWaitingReason"), restarts=3),
            ),
        ),
        ("test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"),
        (),
        id="container-error-overwrites-phase",
    ),
    pytest.param(
        make_pod(
            "test3",
            containers=unnamed(2),
            phase="podPhase",
            statuses=(
                cstatus(state=waiting("ContainerWaitingReason"), restarts=3),
                cstatus(state=terminated("ContainerTerminatedReason"), restarts=3),
            ),
        ),
        ("test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"),
        (),
        id="first-container-overwrites-the-rest",
    ),
    pytest.param(
        make_pod(
            "test4",
            containers=unnamed(2),
            phase="podPhase",
            statuses=(
                cstatus(ready=True, restarts=3, state=RUNNING),
                cstatus(ready=True, restarts=3),
            ),
        ),
        ("test4", "1/2", "podPhase", "6", "<unknown>"),
        (),
        id="ready-is-not-enough-for-running",
    ),
    pytest.param(
        make_pod(
            "test5",
            containers=unnamed(2),
            phase="podPhase",
            reason="podReason",
            statuses=(
                cstatus(ready=True, restarts=3, state=RUNNING),
                cstatus(ready=True, restarts=3),
            ),
        ),
        ("test5", "1/2", "podReason", "6", "<unknown>"),
        (),
        id="pod-reason-overrides-phase",
    ),
    pytest.param(
        make_pod(
            "test6",
            containers=unnamed(2),
            phase="Running",
            statuses=(
                cstatus(ready=True, restarts=3, state=terminated("Completed")),
                cstatus(ready=True, restarts=3, state=RUNNING),
            ),
        ),
        ("test6", "1/2", "NotReady", "6", "<unknown>"),
        (),
        id="completed-and-running-without-ready-condition",
    ),
    pytest.param(
        make_pod(
            "test6",
            containers=unnamed(2),
            phase="Running",
            conditions=(cond("Ready", "True"),),
            statuses=(
                cstatus(ready=True, restarts=3, state=terminated("Completed")),
                cstatus(ready=True, restarts=3, state=RUNNING),
            ),
        ),
        ("test6", "1/2", "Running", "6", "<unknown>"),
        (),
        id="completed-and-running-with-ready-condition",
    ),
    pytest.param(
        make_pod(
            "test7",
            init=unnamed(1),
            phase="podPhase",
            init_statuses=(cstatus(restarts=3, state=RUNNING, last=finished(10)),),
            statuses=(cstatus(state=waiting()),),
        ),
        ("test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"),
        (),
        id="init-container-restarting",
    ),
    pytest.param(
        make_pod(
            "test8",
            init=unnamed(2),
            phase="podPhase",
            init_statuses=(
                cstatus(restarts=3, state=RUNNING, last=finished(10)),
                cstatus(state=waiting()),
            ),
            statuses=(cstatus(state=waiting()),),
        ),
        ("test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"),
        (),
        id="first-of-two-init-containers-restarting",
    ),
    pytest.param(
        make_pod(
            "test9",
            init=unnamed(2),
            phase="podPhase",
            init_statuses=(
                cstatus(state=terminated()),
                cstatus(restarts=3, state=RUNNING, last=finished(10)),
            ),
            statuses=(cstatus(state=waiting()),),
        ),
        ("test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"),
        (),
        id="second-init-container-restarting",
    ),
    pytest.param(
        make_pod(
            "test10",
            init=unnamed(2),
            phase="podPhase",
            init_statuses=(
                cstatus(restarts=2, state=terminated(), last=finished(2 * MINUTE)),
                cstatus(restarts=3, state=RUNNING, last=finished(10)),
            ),
            statuses=(cstatus(state=waiting()),),
        ),
        ("test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"),
        (),
        id="init-restarts-add-up-latest-wins",
    ),
    pytest.param(
        make_pod(
            "test11",
            init=unnamed(1),
            phase="Running",
            init_statuses=(cstatus(restarts=2, state=terminated(), last=finished(2 * MINUTE)),),
            statuses=(cstatus(restarts=4, state=RUNNING, last=finished(20)),),
        ),
        ("test11", "0/1", "Running", "4 (20s ago)", "<unknown>"),
        (),
        id="init-restarts-dropped-once-initialized",
    ),
    pytest.param(
        make_pod(
            "test12",
            phase="Running",
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING, last=finished(5 * DAY)),),
        ),
        ("test12", "1/1", "Running", "3 (5d ago)", "<unknown>"),
        (),
        id="restarted-5d-ago",
    ),
    pytest.param(
        make_pod(
            "test13",
            containers=unnamed(2),
            phase="Running",
            statuses=(
                cstatus(ready=True, state=RUNNING),
                cstatus(ready=True, restarts=3, state=RUNNING, last=finished(10 * DAY)),
            ),
        ),
        ("test13", "2/2", "Running", "3 (10d ago)", "<unknown>"),
        (),
        id="one-never-restarted-one-10d-ago",
    ),
    pytest.param(
        make_pod(
            "test14",
            containers=unnamed(2),
            phase="Running",
            statuses=(
                cstatus(ready=True, restarts=6, state=RUNNING, last=finished(5 * DAY)),
                cstatus(ready=True, restarts=3, state=RUNNING, last=finished(20 * DAY)),
            ),
        ),
        ("test14", "2/2", "Running", "9 (5d ago)", "<unknown>"),
        (),
        id="latest-restart-wins",
    ),
    pytest.param(
        make_pod(
            "test15",
            containers=unnamed(2),
            phase="podPhase",
            conditions=(cond("PodScheduled", "False", "SchedulingGated"),),
        ),
        ("test15", "0/2", "SchedulingGated", "0", "<unknown>"),
        (),
        id="scheduling-gated",
    ),
    pytest.param(
        make_pod(
            "test16",
            phase="Succeeded",
            statuses=(cstatus(state=terminated("Completed")),),
        ),
        ("test16", "0/1", "Completed", "0", "<unknown>"),
        SUCCEEDED,
        id="succeeded",
    ),
    pytest.param(
        make_pod(
            "test17",
            phase="Failed",
            statuses=(cstatus(state=terminated("Error", exit_code=1)),),
        ),
        ("test17", "0/1", "Error", "0", "<unknown>"),
        FAILED,
        id="failed",
    ),
    pytest.param(
        make_pod(
            "test18",
            phase="Succeeded",
            deleted=True,
            statuses=(cstatus(state=terminated("Completed")),),
        ),
        ("test18", "0/1", "Completed", "0", "<unknown>"),
        SUCCEEDED,
        id="succeeded-and-deleted-keeps-completed",
    ),
    pytest.param(
        make_pod("test19", phase="Running", deleted=True, statuses=(cstatus(state=RUNNING),)),
        ("test19", "0/1", "Terminating", "0", "<unknown>"),
        (),
        id="running-and-deleted",
    ),
    pytest.param(
        make_pod("test20", phase="Pending", deleted=True),
        ("test20", "0/1", "Terminating", "0", "<unknown>"),
        (),
        id="pending-and-deleted",
    ),
    # TestPrintPodWithRestartableInitContainer
    pytest.param(
        make_pod(
            "test1",
            init=(sidecar("restartable-init-1"), sidecar("restartable-init-2")),
            phase="Pending",
            init_statuses=(
                cstatus(
                    "restartable-init-1",
                    restarts=3,
                    state=RUNNING,
                    started=False,
                    last=finished(10),
                ),
                cstatus("restartable-init-2", state=waiting(), started=False),
            ),
            statuses=(cstatus(state=waiting()),),
            conditions=(cond("Initialized", "False"),),
        ),
        ("test1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"),
        (),
        id="sidecar-running-not-started",
    ),
    pytest.param(
        make_pod(
            "test1",
            init=(sidecar("restartable-init-1"), sidecar("restartable-init-2")),
            phase="Pending",
            init_statuses=(
                cstatus(
                    "restartable-init-1", restarts=3, state=RUNNING, started=True, last=finished(10)
                ),
                cstatus("restartable-init-2", state=RUNNING, started=False),
            ),
            statuses=(cstatus(state=waiting()),),
            conditions=(cond("Initialized", "False"),),
        ),
        ("test1", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"),
        (),
        id="first-sidecar-started-second-not",
    ),
    pytest.param(
        make_pod(
            "test2",
            init=(sidecar("restartable-init-1"), sidecar("restartable-init-2")),
            phase="Running",
            init_statuses=(
                cstatus(
                    "restartable-init-1", restarts=3, state=RUNNING, started=True, last=finished(10)
                ),
                cstatus("restartable-init-2", state=RUNNING, started=True),
            ),
            statuses=(cstatus(ready=True, restarts=4, state=RUNNING, last=finished(20)),),
            conditions=(cond("Initialized", "True"),),
        ),
        ("test2", "1/3", "Running", "7 (10s ago)", "<unknown>"),
        (),
        id="sidecars-started-app-running",
    ),
    pytest.param(
        make_pod(
            "test3",
            init=(sidecar("restartable-init-1"), sidecar("restartable-init-2")),
            phase="Succeeded",
            init_statuses=(
                cstatus(
                    "restartable-init-1",
                    restarts=3,
                    state=terminated("Error", exit_code=137),
                    started=False,
                    last=finished(10),
                ),
                cstatus(
                    "restartable-init-2",
                    state=terminated("Error", exit_code=137),
                    started=False,
                ),
            ),
            statuses=(cstatus(restarts=4, state=terminated("Completed"), last=finished(20)),),
            conditions=(cond("Initialized", "True"),),
        ),
        ("test3", "0/3", "Completed", "7 (10s ago)", "<unknown>"),
        SUCCEEDED,
        id="sidecars-killed-app-completed",
    ),
    pytest.param(
        make_pod(
            "test4",
            init=(Container(name="init1", image="initimage"), sidecar("sidecar1")),
            containers=(Container(name="container1", image="containerimage"),),
            phase="Running",
            init_statuses=(cstatus("initinvalid"), cstatus("init1"), cstatus("sidecar1")),
            statuses=(cstatus("containerinvalid"), cstatus("container1")),
        ),
        ("test4", "0/2", "Init:0/2", "0", "<unknown>"),
        (),
        id="statuses-of-unknown-containers",
    ),
    # TestPrintPodConditions
    pytest.param(
        make_pod(
            "test1",
            containers=unnamed(2),
            phase="Running",
            labels={"a": "1", "b": "2"},
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
        ),
        ("test1", "1/2", "Running", "6", "<unknown>"),
        (),
        id="conditions-running-none",
    ),
    pytest.param(
        make_pod(
            "test1",
            containers=unnamed(2),
            phase="Succeeded",
            labels={"a": "1", "b": "2"},
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
        ),
        ("test1", "1/2", "Succeeded", "6", "<unknown>"),
        SUCCEEDED,
        id="conditions-succeeded",
    ),
    pytest.param(
        make_pod(
            "test2",
            containers=unnamed(2),
            phase="Failed",
            labels={"b": "2"},
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
        ),
        ("test2", "1/2", "Failed", "6", "<unknown>"),
        FAILED,
        id="conditions-failed",
    ),
    # TestPrintNonTerminatedPod
    pytest.param(
        make_pod(
            "test2",
            containers=unnamed(2),
            phase="Pending",
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
        ),
        ("test2", "1/2", "Pending", "6", "<unknown>"),
        (),
        id="phase-pending",
    ),
    pytest.param(
        make_pod(
            "test3",
            containers=unnamed(2),
            phase="Unknown",
            statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
        ),
        ("test3", "1/2", "Unknown", "6", "<unknown>"),
        (),
        id="phase-unknown",
    ),
    pytest.param(
        make_pod(
            "test5",
            containers=unnamed(2),
            phase="Failed",
            statuses=(
                cstatus(ready=True, restarts=3, state=RUNNING),
                cstatus(ready=True, restarts=3),
            ),
        ),
        ("test5", "1/2", "Failed", "6", "<unknown>"),
        FAILED,
        id="phase-failed",
    ),
    # TestPrintPodList
    pytest.param(
        make_pod(
            "test2",
            phase="podPhase",
            statuses=(cstatus(ready=True, restarts=1, state=RUNNING),),
        ),
        ("test2", "1/1", "podPhase", "1", "<unknown>"),
        (),
        id="list-item",
    ),
    # Branches of printPod the Go tests leave implicit
    pytest.param(
        make_pod(
            "exit-code",
            init=unnamed(1),
            phase="Pending",
            init_statuses=(cstatus(state=terminated(exit_code=2)),),
        ),
        ("exit-code", "0/1", "Init:ExitCode:2", "0", "<unknown>"),
        (),
        id="init-exit-code-without-reason",
    ),
    pytest.param(
        make_pod(
            "signal",
            init=unnamed(1),
            phase="Pending",
            init_statuses=(cstatus(state=terminated(exit_code=137, signal=9)),),
        ),
        ("signal", "0/1", "Init:Signal:9", "0", "<unknown>"),
        (),
        id="init-signal-without-reason",
    ),
    pytest.param(
        make_pod(
            "init-error",
            init=unnamed(2),
            phase="Failed",
            init_statuses=(cstatus(state=terminated("Error", exit_code=1)), cstatus()),
            statuses=(cstatus(state=waiting("PodInitializing")),),
        ),
        ("init-error", "0/1", "Init:Error", "0", "<unknown>"),
        FAILED,
        id="init-failed-never",
    ),
    pytest.param(
        make_pod(
            "crashloop",
            init=unnamed(1),
            phase="Pending",
            init_statuses=(
                cstatus(restarts=2, state=waiting("CrashLoopBackOff"), last=finished(30)),
            ),
            statuses=(cstatus(state=waiting("PodInitializing")),),
        ),
        ("crashloop", "0/1", "Init:CrashLoopBackOff", "2 (30s ago)", "<unknown>"),
        (),
        id="init-crash-loop",
    ),
    pytest.param(
        make_pod(
            "pod-initializing",
            init=unnamed(2),
            phase="Pending",
            init_statuses=(cstatus(state=terminated()), cstatus(state=waiting("PodInitializing"))),
        ),
        ("pod-initializing", "0/1", "Init:1/2", "0", "<unknown>"),
        (),
        id="waiting-pod-initializing-counts-as-pending",
    ),
    pytest.param(
        make_pod(
            "app-starting",
            init=unnamed(1),
            phase="Pending",
            init_statuses=(cstatus(state=terminated("Completed")),),
            statuses=(cstatus(state=waiting("PodInitializing")),),
        ),
        ("app-starting", "0/1", "PodInitializing", "0", "<unknown>"),
        (),
        id="app-pod-initializing",
    ),
    pytest.param(
        make_pod(
            "app-signal",
            containers=unnamed(2),
            phase="Running",
            statuses=(cstatus(state=terminated(exit_code=143, signal=15)), cstatus(state=RUNNING)),
        ),
        ("app-signal", "0/2", "Signal:15", "0", "<unknown>"),
        (),
        id="app-signal-without-reason",
    ),
    pytest.param(
        make_pod(
            "app-exit",
            phase="Failed",
            statuses=(cstatus(state=terminated(exit_code=3)),),
        ),
        ("app-exit", "0/1", "ExitCode:3", "0", "<unknown>"),
        FAILED,
        id="app-exit-code-without-reason",
    ),
    pytest.param(
        make_pod(
            "sidecar-crash",
            init=(sidecar("proxy"),),
            phase="Running",
            init_statuses=(
                cstatus(
                    "proxy",
                    restarts=5,
                    state=waiting("CrashLoopBackOff"),
                    started=False,
                    last=finished(15),
                ),
            ),
            statuses=(cstatus(ready=True, restarts=1, state=RUNNING, last=finished(HOUR)),),
            conditions=(cond("Initialized", "True"), cond("Ready", "False")),
        ),
        ("sidecar-crash", "1/2", "Init:CrashLoopBackOff", "6 (15s ago)", "<unknown>"),
        (),
        id="crashing-sidecar-after-init",
    ),
    pytest.param(
        make_pod("lost", phase="Running", reason="NodeLost", deleted=True),
        ("lost", "0/1", "Unknown", "0", "<unknown>"),
        (),
        id="node-lost-and-deleted",
    ),
    pytest.param(
        make_pod("evicted", phase="Failed", reason="Evicted"),
        ("evicted", "0/1", "Evicted", "0", "<unknown>"),
        FAILED,
        id="evicted",
    ),
    pytest.param(
        make_pod(
            "aged",
            created=ago(3 * HOUR + 5 * MINUTE),
            phase="Running",
            statuses=(cstatus(ready=True, state=RUNNING),),
        ),
        ("aged", "1/1", "Running", "0", "3h5m"),
        (),
        id="age",
    ),
]


@pytest.mark.parametrize(("pod", "cells", "conditions"), POD_CASES)
def test_pod_row(
    pod: Pod, cells: tuple[str, ...], conditions: tuple[printers.TableRowCondition, ...]
) -> None:
    row = printers.pod_row(pod, now=NOW)
    assert row.cells(wide=False) == cells
    assert row.conditions == conditions


WIDE_GATES = ("condition1", "condition2", "condition3")
WIDE_CONDITIONS = (cond("condition1", "False"), cond("condition2", "True"))


@pytest.mark.parametrize(
    ("pod", "cells"),
    [
        # TestPrintPodwide
        pytest.param(
            make_pod(
                "test1",
                containers=unnamed(2),
                node="test1",
                gates=WIDE_GATES,
                conditions=WIDE_CONDITIONS,
                phase="podPhase",
                pod_ips=("1.1.1.1",),
                statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
                nominated="node1",
            ),
            ("test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"),
            id="node-and-ip",
        ),
        pytest.param(
            make_pod(
                "test1",
                containers=unnamed(2),
                node="test1",
                gates=WIDE_GATES,
                conditions=WIDE_CONDITIONS,
                phase="podPhase",
                pod_ips=("1.1.1.1", "2001:db8::"),
                statuses=(cstatus(ready=True, restarts=3, state=RUNNING), cstatus(restarts=3)),
                nominated="node1",
            ),
            ("test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"),
            id="dual-stack-shows-first-ip",
        ),
        pytest.param(
            make_pod(
                "test2",
                containers=unnamed(2),
                phase="podPhase",
                statuses=(
                    cstatus(ready=True, restarts=3, state=RUNNING),
                    cstatus(state=waiting("ContainerWaitingReason"), restarts=3),
                ),
            ),
            (
                "test2",
                "1/2",
                "ContainerWaitingReason",
                "6",
                "<unknown>",
                "<none>",
                "<none>",
                "<none>",
                "<none>",
            ),
            id="none-for-missing",
        ),
        pytest.param(
            make_pod("v1-pod-ip", pod_ip="10.0.0.7", node="n"),
            ("v1-pod-ip", "0/1", "", "0", "<unknown>", "10.0.0.7", "n", "<none>", "<none>"),
            id="v1-podIP-without-podIPs",
        ),
    ],
)
def test_pod_row_wide(pod: Pod, cells: tuple[str, ...]) -> None:
    row = printers.pod_row(pod, now=NOW)
    assert row.cells(wide=True) == cells
    assert row.table_cells() == cells


def test_pod_row_namespace_and_labels() -> None:
    pod = make_pod("web", namespace="shop", labels={"tier": "front", "app": "web"})
    row = printers.pod_row(pod, now=NOW)
    assert (row.namespace, row.labels) == ("shop", "app=web,tier=front")
    assert printers.pod_row(make_pod("bare"), now=NOW).labels == "<none>"


# --- Table columns --------------------------------------------------------------------------


def test_pod_columns_match_pod_column_definitions() -> None:
    assert [(c.name, c.type, c.format, c.priority) for c in printers.POD_COLUMNS] == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Status", "string", "", 0),
        ("Restarts", "string", "", 0),
        ("Age", "string", "", 0),
        ("IP", "string", "", 1),
        ("Node", "string", "", 1),
        ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1),
    ]
    assert printers.POD_COLUMNS[1].to_wire() == {
        "name": "Ready",
        "type": "string",
        "format": "",
        "description": "The aggregate readiness state of this pod for accepting traffic.",
        "priority": 0,
    }
    assert printers.POD_COLUMNS[4].description.startswith(
        "CreationTimestamp is a timestamp representing the server time"
    )


def test_row_condition_wire() -> None:
    assert SUCCEEDED[0].to_wire() == {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }


# --- plain-text tables ----------------------------------------------------------------------

TABLE_PODS = (
    make_pod(
        "web-7d9f8c6b5-x2k4p",
        namespace="shop",
        labels={"app": "web"},
        created=ago(5 * MINUTE),
        phase="Running",
        node="node1",
        pod_ips=("10.244.0.12",),
        statuses=(cstatus(ready=True, restarts=1, state=RUNNING, last=finished(4 * MINUTE)),),
    ),
    make_pod(
        "db",
        namespace="data",
        created=ago(2 * DAY + HOUR),
        init=unnamed(1),
        phase="Pending",
        init_statuses=(cstatus(state=RUNNING),),
    ),
)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(
            {},
            "NAME                  READY   STATUS     RESTARTS     AGE\n"
            "web-7d9f8c6b5-x2k4p   1/1     Running    1 (4m ago)   5m\n"
            "db                    0/1     Init:0/1   0            2d1h\n",
            id="default",
        ),
        pytest.param(
            {"wide": True},
            "NAME                  READY   STATUS     RESTARTS     AGE    IP            NODE     NOMINATED NODE   READINESS GATES\n"  # noqa: E501
            "web-7d9f8c6b5-x2k4p   1/1     Running    1 (4m ago)   5m     10.244.0.12   node1    <none>           <none>\n"  # noqa: E501
            "db                    0/1     Init:0/1   0            2d1h   <none>        <none>   <none>           <none>\n",  # noqa: E501
            id="wide",
        ),
        pytest.param(
            {"show_namespace": True, "show_labels": True},
            "NAMESPACE   NAME                  READY   STATUS     RESTARTS     AGE    LABELS\n"
            "shop        web-7d9f8c6b5-x2k4p   1/1     Running    1 (4m ago)   5m     app=web\n"
            "data        db                    0/1     Init:0/1   0            2d1h   <none>\n",
            id="all-namespaces-show-labels",
        ),
    ],
)
def test_pod_table(options: dict[str, bool], expected: str) -> None:
    rows = [printers.pod_row(pod, now=NOW) for pod in TABLE_PODS]
    assert printers.pod_table(rows, **options) == expected


def test_pod_row_basis_leaves_only_age_and_the_last_restart_to_the_time() -> None:
    restarted, initializing = TABLE_PODS
    basis = printers.pod_row_basis(restarted)
    assert basis.timeless_restarts is None  # "1 (4m ago)" depends on the time
    assert basis.at(NOW) == printers.pod_row(restarted, now=NOW)
    later = basis.at(NOW + datetime.timedelta(hours=1))
    assert later.cells(wide=False) == (
        "web-7d9f8c6b5-x2k4p",
        "1/1",
        "Running",
        "1 (64m ago)",
        "65m",
    )
    assert printers.pod_row_basis(initializing).timeless_restarts == "0"


def test_tabulate_min_width_and_escapes() -> None:
    # Columns are at least 6 wide; line breaks cut a cell ("..."), ESC shows as "^[".
    assert printers.tabulate(["A", "B"], [["x", "multi\nline"], ["y", "\x1b[31mred"]]) == (
        "A     B\nx     multi...\ny     ^[[31mred\n"
    )


def test_yaml_keys_are_quoted_like_values() -> None:
    assert printers.to_kubectl_yaml({"n": 1, "1": "one", "on": True}) == (
        '"1": one\n"n": 1\n"on": true\n'
    )


def test_pod_table_empty() -> None:
    assert printers.pod_table([], wide=True) == ""
    assert printers.no_resources_found("default") == "No resources found in default namespace."
    assert printers.no_resources_found(None) == "No resources found"


# --- -o json / -o yaml ----------------------------------------------------------------------

SMALL_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "annotations": {
            "kubernetes.io/limit-ranger": (
                "LimitRanger plugin set: cpu request for container nginx"
            ),
        },
        "creationTimestamp": "2019-03-25T03:11:54Z",
        "generateName": "nginx-56f766d96f-",
        "labels": {"app": "nginx", "pod-template-hash": "1293228529"},
        "name": "nginx-56f766d96f-gz8nj",
        "namespace": "default",
        "resourceVersion": "24879748",
        "uid": "bdcb24a6-4eab-11e9-a493-06b18ed199b8",
    },
    "spec": {
        "containers": [
            {
                "image": "nginx",
                "imagePullPolicy": "Always",
                "name": "nginx",
                "resources": {"requests": {"cpu": "100m"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
        ],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "restartPolicy": "Always",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300,
            }
        ],
    },
    "status": {
        "conditions": [
            {
                "lastProbeTime": None,
                "lastTransitionTime": "2019-03-25T03:11:54Z",
                "status": "True",
                "type": "PodScheduled",
            }
        ],
        "phase": "Pending",
        "qosClass": "Burstable",
    },
}

SMALL_POD_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubernetes.io/limit-ranger: 'LimitRanger plugin set: cpu request for container
      nginx'
  creationTimestamp: "2019-03-25T03:11:54Z"
  generateName: nginx-56f766d96f-
  labels:
    app: nginx
    pod-template-hash: "1293228529"
  name: nginx-56f766d96f-gz8nj
  namespace: default
  resourceVersion: "24879748"
  uid: bdcb24a6-4eab-11e9-a493-06b18ed199b8
spec:
  containers:
  - image: nginx
    imagePullPolicy: Always
    name: nginx
    resources:
      requests:
        cpu: 100m
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
  dnsPolicy: ClusterFirst
  enableServiceLinks: true
  restartPolicy: Always
  securityContext: {}
  terminationGracePeriodSeconds: 30
  tolerations:
  - effect: NoExecute
    key: node.kubernetes.io/not-ready
    operator: Exists
    tolerationSeconds: 300
status:
  conditions:
  - lastProbeTime: null
    lastTransitionTime: "2019-03-25T03:11:54Z"
    status: "True"
    type: PodScheduled
  phase: Pending
  qosClass: Burstable
"""

SMALL_POD_JSON = """\
{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "annotations": {
            "kubernetes.io/limit-ranger": "LimitRanger plugin set: cpu request for container nginx"
        },
        "creationTimestamp": "2019-03-25T03:11:54Z",
        "generateName": "nginx-56f766d96f-",
        "labels": {
            "app": "nginx",
            "pod-template-hash": "1293228529"
        },
        "name": "nginx-56f766d96f-gz8nj",
        "namespace": "default",
        "resourceVersion": "24879748",
        "uid": "bdcb24a6-4eab-11e9-a493-06b18ed199b8"
    },
    "spec": {
        "containers": [
            {
                "image": "nginx",
                "imagePullPolicy": "Always",
                "name": "nginx",
                "resources": {
                    "requests": {
                        "cpu": "100m"
                    }
                },
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File"
            }
        ],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": true,
        "restartPolicy": "Always",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300
            }
        ]
    },
    "status": {
        "conditions": [
            {
                "lastProbeTime": null,
                "lastTransitionTime": "2019-03-25T03:11:54Z",
                "status": "True",
                "type": "PodScheduled"
            }
        ],
        "phase": "Pending",
        "qosClass": "Burstable"
    }
}
"""


def test_small_pod_yaml() -> None:
    assert printers.to_kubectl_yaml(SMALL_POD) == SMALL_POD_YAML
    assert yaml.safe_load(SMALL_POD_YAML) == SMALL_POD


def test_small_pod_json() -> None:
    assert printers.to_kubectl_json(SMALL_POD) == SMALL_POD_JSON
    assert json.loads(SMALL_POD_JSON) == SMALL_POD


def test_model_objects_are_printed_from_their_wire_form() -> None:
    pod = Pod(
        kind="Pod",
        api_version="v1",
        metadata=ObjectMeta(name="p", creation_timestamp=NOW),
        spec=PodSpec(containers=(Container(name="c", image="busybox"),)),
    )
    assert printers.to_kubectl_yaml(pod) == (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        '  creationTimestamp: "2024-05-01T12:00:00Z"\n'
        "  name: p\n"
        "spec:\n"
        "  containers:\n"
        "  - image: busybox\n"
        "    name: c\n"
        "    resources: {}\n"
        "status: {}\n"
    )
    assert json.loads(printers.to_kubectl_json(pod))["metadata"]["name"] == "p"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # go-yaml v2 quotes what it would read back as another type
        pytest.param("1", '"1"', id="int"),
        pytest.param("0644", '"0644"', id="octal"),
        pytest.param("08", '"08"', id="float-looking"),
        pytest.param("0x1F", '"0x1F"', id="hex"),
        pytest.param("1_000", '"1_000"', id="underscores"),
        pytest.param("1.5", '"1.5"', id="float"),
        pytest.param(".5", '".5"', id="dot-float"),
        pytest.param("1e3", '"1e3"', id="exponent"),
        pytest.param("-1", '"-1"', id="negative"),
        pytest.param("true", '"true"', id="true"),
        pytest.param("False", '"False"', id="false"),
        pytest.param("y", '"y"', id="yaml11-y"),
        pytest.param("no", '"no"', id="yaml11-no"),
        pytest.param("on", '"on"', id="yaml11-on"),
        pytest.param("null", '"null"', id="null"),
        pytest.param("~", '"~"', id="tilde"),
        pytest.param("", '""', id="empty"),
        pytest.param(".inf", '".inf"', id="inf"),
        pytest.param("1:20", '"1:20"', id="base60"),
        pytest.param("2024-01-02", '"2024-01-02"', id="date"),
        pytest.param("2024-1-2T3:04:05.5+01:00", '"2024-1-2T3:04:05.5+01:00"', id="timestamp"),
        # ... and leaves the rest plain, or single-quoted where YAML syntax needs it
        pytest.param("1.2.3", "1.2.3", id="version"),
        pytest.param("2024-13-01", "2024-13-01", id="not-a-date"),
        pytest.param("1e999", "1e999", id="float-overflow"),
        pytest.param("nginx:1.25", "nginx:1.25", id="image"),
        pytest.param("yes please", "yes please", id="words"),
        pytest.param("500m", "500m", id="quantity"),
        pytest.param("-", "'-'", id="dash"),
        pytest.param("a: b", "'a: b'", id="colon-space"),
        pytest.param("*", "'*'", id="star"),
        pytest.param(" lead", "' lead'", id="leading-space"),
        pytest.param("it's", "it's", id="apostrophe"),
        pytest.param("héllo", "héllo", id="unicode"),
        pytest.param("tab\there", '"tab\\there"', id="tab"),
    ],
)
def test_yaml_string_quoting(value: str, expected: str) -> None:
    assert printers.to_kubectl_yaml({"k": value}) == f"k: {expected}\n"


def test_yaml_multiline_strings_are_literal_blocks() -> None:
    assert printers.to_kubectl_yaml({"script": "set -e\necho hi\n", "m": "a\nb"}) == (
        "m: |-\n  a\n  b\nscript: |\n  set -e\n  echo hi\n"
    )


def test_yaml_key_order_is_go_yaml_natural_order() -> None:
    keys = ["item10", "item9", "aB", "a_b", "a-b", "a", "b1c", "b1-c", "x01", "x1"]
    text = printers.to_kubectl_yaml(dict.fromkeys(keys, 0))
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "a",
        "a-b",
        "a_b",
        "aB",
        "b1c",
        "b1-c",
        "item9",
        "item10",
        "x1",
        "x01",
    ]


@pytest.mark.parametrize(
    ("value", "yaml_text", "json_text"),
    [
        pytest.param(2.0, "2", "2", id="integral"),
        pytest.param(1.5, "1.5", "1.5", id="fraction"),
        pytest.param(1e7, "10000000", "10000000", id="integral-large"),
        pytest.param(1234567.5, "1.2345675e+06", "1234567.5", id="g-format"),
        pytest.param(1e21, "1e+21", "1e+21", id="huge"),
        pytest.param(1e-7, "1e-07", "1e-7", id="tiny"),
        pytest.param(0.0001, "0.0001", "0.0001", id="small"),
        pytest.param(-0.0, "0", "-0", id="negative-zero"),
        pytest.param(2**64, "1.8446744073709552e+19", "18446744073709551616", id="beyond-uint64"),
    ],
)
def test_numbers(value: float, yaml_text: str, json_text: str) -> None:
    assert printers.to_kubectl_yaml({"num": value}) == f"num: {yaml_text}\n"
    assert printers.to_kubectl_json({"num": value}) == f'{{\n    "num": {json_text}\n}}\n'


def test_json_escapes_like_go() -> None:
    assert printers.to_kubectl_json({"s": "<a&b>\u2028é\x01\n", "e": [], "o": {}}) == (
        '{\n    "e": [],\n    "o": {},\n    "s": "\\u003ca\\u0026b\\u003e\\u2028é\\u0001\\n"\n}\n'
    )


def test_kubectl_list() -> None:
    assert printers.to_kubectl_yaml(printers.kubectl_list([])) == (
        'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'
    )
