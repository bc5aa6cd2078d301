"""`generate_pod_status` and `get_phase` against the kubelet: kubelet_pods.go (`getPhase`,
`convertToAPIContainerStatuses`, `generateAPIPodStatus`), status/generate.go (conditions),
status_manager.go (`TerminatePod`) and the upstream e2e expectations (k8s-semantics §3, §8).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

import hypothesis.strategies as st
import msgspec
import pytest
from hypothesis import given, settings

from tests.unit.core import builders as b
from tests.unit.core.builders import (
    EXEC,
    FAIL,
    OK,
    at,
    created,
    deleted,
    exited,
    make_pod,
    probes,
    running,
    sandbox,
    sidecar,
    snap,
    unknown,
    with_image,
    with_status,
)
from tinykube.api.pod import Pod
from tinykube.api.status import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    PodCondition,
    PodStatus,
)
from tinykube.core import decide, restart, status
from tinykube.core.actions import BackoffWait
from tinykube.core.observed import AgentState, BackoffEntry, PodSnapshot, ProbeState, StartFailure

NOW = at(1000)


def generate(
    pod: Pod,
    observed: PodSnapshot,
    state: AgentState | None = None,
    *,
    waits: Iterable[BackoffWait] = (),
    now: datetime.datetime = NOW,
    terminal: bool = False,
) -> PodStatus:
    return status.generate_pod_status(
        pod, observed, agent=state or b.agent(), waits=waits, now=now, pod_is_terminal=terminal
    )


def condition(pod_status: PodStatus, kind: str) -> tuple[str, str, str]:
    (found,) = [item for item in pod_status.conditions if item.type == kind]
    return found.status, found.reason, found.message


def container_status(pod_status: PodStatus, name: str) -> ContainerStatus:
    every = (*pod_status.init_container_statuses, *pod_status.container_statuses)
    (found,) = [item for item in every if item.name == name]
    return found


def waiting(reason: str = "", message: str = "") -> ContainerState:
    return ContainerState(waiting=ContainerStateWaiting(reason=reason, message=message))


# --- getPhase ----------------------------------------------------------------------------------


def cs(
    name: str, state: str, *, code: int = 0, last: int | None = None, started: bool = False
) -> ContainerStatus:
    """A container status for getPhase: running / terminated (exit `code`) / waiting."""
    states = {
        "running": ContainerState(running=ContainerStateRunning(started_at=at(0))),
        "terminated": ContainerState(terminated=ContainerStateTerminated(exit_code=code)),
        "waiting": waiting("PodInitializing"),
    }
    last_state = (
        ContainerState()
        if last is None
        else ContainerState(terminated=ContainerStateTerminated(exit_code=last))
    )
    return ContainerStatus(name=name, state=states[state], last_state=last_state, started=started)


INIT_APP = make_pod(init=["init1"], containers=["c1"])
SIDE_APP = make_pod(init=[sidecar("ri1")], containers=["c1"])
TWO_APPS = make_pod(containers=["c1", "c2"])


@pytest.mark.parametrize(
    ("pod", "statuses", "initialized", "terminal", "phase"),
    [
        pytest.param(INIT_APP, [cs("c1", "waiting")], False, False, "Pending", id="init-no-status"),
        pytest.param(
            INIT_APP,
            [cs("init1", "running"), cs("c1", "waiting")],
            False,
            False,
            "Pending",
            id="init-running",
        ),
        pytest.param(
            make_pod(init=["init1"], restart_policy="Never"),
            [cs("init1", "terminated", code=1), cs("c1", "waiting")],
            False,
            False,
            "Failed",
            id="init-failed-never",
        ),
        pytest.param(
            INIT_APP,
            [cs("init1", "terminated", code=1), cs("c1", "waiting")],
            False,
            False,
            "Pending",
            id="init-failed-always-stays-pending",
        ),
        pytest.param(
            make_pod(init=["init1"], restart_policy="Never"),
            [cs("init1", "waiting", last=2), cs("c1", "waiting")],
            False,
            False,
            "Failed",
            id="init-waiting-after-failure-never",
        ),
        pytest.param(
            INIT_APP,
            [cs("init1", "waiting", last=0), cs("c1", "running")],
            True,
            False,
            "Running",
            id="init-waiting-after-success-is-done",
        ),
        pytest.param(
            SIDE_APP,
            [cs("ri1", "running", started=False), cs("c1", "waiting")],
            False,
            False,
            "Pending",
            id="sidecar-not-started-before-apps",
        ),
        pytest.param(
            SIDE_APP,
            [cs("ri1", "running", started=False), cs("c1", "running")],
            True,
            False,
            "Running",
            id="sidecar-not-started-after-apps",
        ),
        pytest.param(
            SIDE_APP,
            [cs("ri1", "waiting"), cs("c1", "running")],
            True,
            False,
            "Pending",
            id="sidecar-waiting-without-termination-pends",
        ),
        pytest.param(
            SIDE_APP,
            [cs("ri1", "terminated", code=1), cs("c1", "running")],
            True,
            False,
            "Running",
            id="terminated-sidecar-ignored",
        ),
        pytest.param(
            TWO_APPS,
            [cs("c1", "running"), cs("c2", "waiting", last=1)],
            True,
            False,
            "Running",
            id="running-and-crashlooping",
        ),
        pytest.param(
            TWO_APPS,
            [cs("c1", "terminated"), cs("c2", "waiting", last=1)],
            True,
            False,
            "Running",
            id="always-all-stopped-is-running",
        ),
        pytest.param(
            make_pod(containers=["c1", "c2"], restart_policy="Never"),
            [cs("c1", "terminated"), cs("c2", "terminated")],
            True,
            False,
            "Succeeded",
            id="never-all-succeeded",
        ),
        pytest.param(
            make_pod(containers=["c1", "c2"], restart_policy="Never"),
            [cs("c1", "terminated"), cs("c2", "terminated", code=3)],
            True,
            False,
            "Failed",
            id="never-one-failed",
        ),
        pytest.param(
            make_pod(containers=["c1", "c2"], restart_policy="OnFailure"),
            [cs("c1", "terminated"), cs("c2", "terminated", code=3)],
            True,
            False,
            "Running",
            id="onfailure-failed-restarts",
        ),
        pytest.param(
            make_pod(containers=["c1", "c2"], restart_policy="OnFailure"),
            [cs("c1", "terminated"), cs("c2", "terminated")],
            True,
            False,
            "Succeeded",
            id="onfailure-all-succeeded",
        ),
        pytest.param(
            TWO_APPS,
            [cs("c1", "terminated"), cs("c2", "terminated")],
            True,
            True,
            "Succeeded",
            id="terminal-always-all-succeeded",
        ),
        pytest.param(
            TWO_APPS,
            [cs("c1", "terminated"), cs("c2", "waiting", last=143)],
            True,
            True,
            "Failed",
            id="terminal-with-a-failure",
        ),
        pytest.param(
            TWO_APPS,
            [cs("c1", "waiting"), cs("c2", "running")],
            True,
            False,
            "Pending",
            id="waiting",
        ),
        pytest.param(TWO_APPS, [cs("c1", "running")], True, False, "Pending", id="unknown-app"),
        pytest.param(
            make_pod(init=[sidecar("ri1")], containers=["c1"], restart_policy="Never"),
            [cs("ri1", "terminated", code=137), cs("c1", "terminated")],
            True,
            True,
            "Succeeded",
            id="T81-sidecar-exit-codes-ignored",
        ),
    ],
)
def test_get_phase(
    pod: Pod, statuses: list[ContainerStatus], initialized: bool, terminal: bool, phase: str
) -> None:
    by_name = {item.name: item for item in statuses}
    got = status.get_phase(pod, by_name, pod_is_terminal=terminal, pod_has_initialized=initialized)
    assert got == phase


# --- the §3.4 snapshots and the init e2e cases -------------------------------------------------

INIT_POD = make_pod(init=["init1", "init2"], containers=["c1"])


def test_during_init() -> None:
    got = generate(INIT_POD, snap(running("init1")))
    assert got.phase == "Pending"
    assert condition(got, "Initialized") == (
        "False",
        "ContainersNotInitialized",
        "containers with incomplete status: [init1 init2]",
    )
    unready = ("False", "ContainersNotReady", "containers with unready status: [c1]")
    assert condition(got, "Ready") == condition(got, "ContainersReady") == unready
    assert condition(got, "PodReadyToStartContainers") == ("True", "", "")
    assert condition(got, "PodScheduled") == ("True", "", "")
    assert [item.type for item in got.conditions] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    init1, init2 = got.init_container_statuses
    assert (init1.state.running is not None, init1.started, init1.ready) == (True, True, False)
    assert init2.state == waiting("PodInitializing")
    (c1,) = got.container_statuses
    assert (c1.state, c1.restart_count, c1.image) == (waiting("PodInitializing"), 0, b.IMAGE)


def test_T3_init_crash_loop() -> None:
    entry = BackoffEntry(delay=datetime.timedelta(seconds=40), last_update=at(900))
    key = restart.backoff_key(INIT_POD.spec.init_containers[0])
    observed = snap(
        exited("init1", 1, attempt=2, finished=980),
        exited("init1", 1, attempt=3, finished=990, created=985),
    )
    state = b.agent(backoff={key: entry})
    actions = decide.compute_pod_actions(
        INIT_POD, observed, agent=state, now=NOW, settings=b.SETTINGS
    )
    got = generate(INIT_POD, observed, state, waits=actions.waits)
    init1 = container_status(got, "init1")
    assert init1.state == waiting(
        "CrashLoopBackOff", "back-off 40s restarting failed container=init1 pod=p_ns(uid)"
    )
    terminated = init1.last_state.terminated
    assert terminated is not None
    assert (terminated.exit_code, terminated.reason, terminated.container_id) == (
        1,
        "Error",
        "tinykube://init1-3",
    )
    assert init1.restart_count == 3
    assert container_status(got, "init2").state == waiting("PodInitializing")
    c1 = container_status(got, "c1")
    assert (c1.state, c1.restart_count) == (waiting("PodInitializing"), 0)
    assert got.phase == "Pending"
    assert condition(got, "Initialized")[2] == "containers with incomplete status: [init1 init2]"


def test_T4_init_failed_under_never() -> None:
    pod = make_pod(init=["init1", "init2"], restart_policy="Never")
    got = generate(pod, snap(exited("init1", 0), exited("init2", 1)), terminal=True)
    assert got.phase == "Failed"
    init1, init2 = got.init_container_statuses
    assert init1.ready and init1.state.terminated is not None
    assert init1.state.terminated.reason == "Completed"
    assert not init2.ready and init2.state.terminated is not None
    assert (init2.state.terminated.exit_code, init2.state.terminated.reason) == (1, "Error")
    assert container_status(got, "c1").state == waiting("PodInitializing")
    assert condition(got, "Initialized") == (
        "False",
        "ContainersNotInitialized",
        "containers with incomplete status: [init2]",
    )
    assert (
        condition(got, "Ready") == condition(got, "ContainersReady") == ("False", "PodFailed", "")
    )


def test_T1_all_done_under_never() -> None:
    pod = make_pod(init=["init1", "init2"], containers=["run1"], restart_policy="Never")
    got = generate(pod, snap(exited("init1", 0), exited("init2", 0), exited("run1", 0)))
    assert got.phase == "Succeeded"
    assert condition(got, "Initialized") == ("True", "PodCompleted", "")
    done = ("False", "PodCompleted", "")
    assert condition(got, "Ready") == condition(got, "ContainersReady") == done
    assert all(item.ready for item in got.init_container_statuses)


def test_T2_running_pod_is_ready() -> None:
    got = generate(INIT_POD, snap(exited("init1", 0), exited("init2", 0), running("c1")))
    assert got.phase == "Running"
    for kind in ("Initialized", "Ready", "ContainersReady"):
        assert condition(got, kind) == ("True", "", "")
    c1 = container_status(got, "c1")
    assert (c1.started, c1.ready, c1.container_id) == (True, True, "tinykube://c1-0")


# --- container statuses ------------------------------------------------------------------------


def test_default_reason_without_init_containers_is_container_creating() -> None:
    got = generate(make_pod(containers=["c1"]), snap(sandboxes=()))
    assert container_status(got, "c1").state == waiting("ContainerCreating")
    assert condition(got, "PodReadyToStartContainers") == ("False", "", "")


def test_container_statuses_sorted_by_name_init_statuses_in_spec_order() -> None:
    pod = make_pod(init=["zinit", "ainit"], containers=["zeta", "alpha", "mid"])
    got = generate(pod, snap())
    assert [item.name for item in got.container_statuses] == ["alpha", "mid", "zeta"]
    assert [item.name for item in got.init_container_statuses] == ["zinit", "ainit"]


def test_restart_count_and_last_state_come_from_previous_instance() -> None:
    observed = snap(exited("c1", 2, attempt=0, finished=40), running("c1", attempt=1))
    c1 = container_status(generate(make_pod(), observed), "c1")
    assert c1.restart_count == 1
    assert c1.state.running == ContainerStateRunning(started_at=at(101))
    assert c1.last_state.terminated == ContainerStateTerminated(
        exit_code=2,
        reason="Error",
        started_at=at(1),
        finished_at=at(40),
        container_id="tinykube://c1-0",
    )


def test_single_instance_has_empty_last_state_whatever_the_old_status() -> None:
    old = generate(make_pod(), snap(exited("c1", 2), running("c1", attempt=1)))
    pod = with_status(make_pod(), old)
    c1 = container_status(generate(pod, snap(running("c1", attempt=1))), "c1")
    assert (c1.restart_count, c1.last_state) == (1, ContainerState())


def test_created_instance_is_waiting_without_reason() -> None:
    c1 = container_status(generate(make_pod(), snap(created("c1"))), "c1")
    assert c1.state == waiting()


def test_crash_loop_app_container() -> None:
    wait = BackoffWait(
        name="c1",
        is_init=False,
        until=at(1010),
        delay=datetime.timedelta(seconds=10),
        message="back-off 10s restarting failed container=c1 pod=p_ns(uid)",
    )
    got = generate(make_pod(), snap(exited("c1", 1, attempt=1, finished=995)), waits=[wait])
    c1 = container_status(got, "c1")
    assert c1.state == waiting("CrashLoopBackOff", wait.message)
    assert c1.last_state.terminated is not None and c1.last_state.terminated.exit_code == 1
    assert (c1.restart_count, c1.started, c1.ready) == (1, False, False)
    assert got.phase == "Running"
    assert condition(got, "ContainersReady")[1] == "ContainersNotReady"


@pytest.mark.parametrize(
    ("container", "outcome", "started", "ready"),
    [
        pytest.param(b.container("c1"), None, True, True, id="no-probes"),
        pytest.param(
            b.container("c1", startupProbe=EXEC), None, False, False, id="startup-pending"
        ),
        pytest.param(
            b.container("c1", startupProbe=EXEC),
            ProbeState(startup=OK),
            True,
            True,
            id="startup-succeeded",
        ),
        pytest.param(
            b.container("c1", readinessProbe=EXEC), None, True, False, id="readiness-pending"
        ),
        pytest.param(
            b.container("c1", readinessProbe=EXEC),
            ProbeState(readiness=FAIL),
            True,
            False,
            id="readiness-failed",
        ),
        pytest.param(
            b.container("c1", readinessProbe=EXEC),
            ProbeState(readiness=OK),
            True,
            True,
            id="readiness-succeeded",
        ),
        pytest.param(
            b.container("c1", startupProbe=EXEC, readinessProbe=EXEC),
            ProbeState(readiness=OK),
            False,
            False,
            id="ready-needs-started",
        ),
    ],
)
def test_started_and_ready(
    container: dict[str, object], outcome: ProbeState | None, started: bool, ready: bool
) -> None:
    state = b.agent(probe_results=probes(c1=outcome) if outcome else None)
    got = generate(make_pod(containers=[container]), snap(running("c1")), state)
    c1 = container_status(got, "c1")
    assert (c1.started, c1.ready) == (started, ready)
    expected = (
        ("True", "", "")
        if ready
        else (
            "False",
            "ContainersNotReady",
            "containers with unready status: [c1]",
        )
    )
    assert condition(got, "ContainersReady") == expected


def test_unready_sidecar_listed_before_apps() -> None:
    pod = make_pod(init=[sidecar("ri1", readinessProbe=EXEC)], containers=["c1", "c2"])
    got = generate(pod, snap(running("ri1"), running("c1")))
    assert condition(got, "ContainersReady") == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [ri1 c2]",
    )
    assert condition(got, "Initialized") == ("True", "", "")


def test_unknown_state_after_running_is_a_failure() -> None:
    old = generate(make_pod(), snap(running("c1", attempt=2)))
    got = generate(with_status(make_pod(), old), snap(unknown("c1", attempt=2)))
    c1 = container_status(got, "c1")
    assert c1.state == ContainerState(
        terminated=ContainerStateTerminated(
            exit_code=137,
            reason="ContainerStatusUnknown",
            message="The container could not be located when the pod was terminated",
        )
    )
    assert c1.restart_count == 3


def test_unknown_state_without_evidence_of_running_is_waiting() -> None:
    c1 = container_status(generate(make_pod(), snap(unknown("c1"))), "c1")
    assert (c1.state, c1.restart_count) == (waiting(), 0)


@pytest.mark.parametrize(
    ("mutate", "restarts"),
    [
        pytest.param(lambda pod: pod, 3, id="vanished"),
        pytest.param(deleted, 2, id="vanished-while-deleting-keeps-count"),
    ],
)
def test_container_lost_while_running(mutate: Callable[[Pod], Pod], restarts: int) -> None:
    old = generate(make_pod(), snap(running("c1", attempt=2)))
    got = generate(mutate(with_status(make_pod(), old)), snap())
    c1 = container_status(got, "c1")
    assert c1.state == waiting("ContainerCreating")
    assert c1.last_state == ContainerState(
        terminated=ContainerStateTerminated(
            exit_code=137,
            reason="ContainerStatusUnknown",
            message="The container could not be located when the pod was deleted.  "
            "The container used to be Running",
        )
    )
    assert c1.restart_count == restarts
    assert got.phase == "Running"  # stopped, not waiting: the pod does not fall back to Pending


def test_T31_completed_init_keeps_old_image_after_update() -> None:
    pod = with_image(INIT_POD, "init1")
    got = generate(pod, snap(exited("init1", 0), exited("init2", 0), running("c1")))
    init1 = container_status(got, "init1")
    assert (init1.image, init1.restart_count, init1.ready) == (b.IMAGE, 0, True)
    assert init1.state.terminated is not None


def test_T36_lost_completed_init_kept_from_old_status() -> None:
    old = generate(INIT_POD, snap(exited("init1", 0), exited("init2", 0), running("c1")))
    got = generate(with_status(INIT_POD, old), snap(running("c1")))
    assert got.init_container_statuses == old.init_container_statuses
    assert got.phase == "Running"


def test_lost_init_without_old_status_is_assumed_completed() -> None:
    got = generate(INIT_POD, snap(running("c1")))
    init1 = container_status(got, "init1")
    assert init1.state == ContainerState(
        terminated=ContainerStateTerminated(
            reason="Completed",
            message="Unable to get init container status from container runtime and pod has "
            "been initialized, treat it as exited normally",
        )
    )
    assert init1.ready
    assert condition(got, "Initialized") == ("True", "", "")


def test_T23_start_failure_shows_as_waiting() -> None:
    pod = make_pod(init=["init1"], restart_policy="Never")
    failure = StartFailure(reason="ImagePullBackOff", message='Back-off pulling image "nope"')
    got = generate(pod, snap(), b.agent(start_failures={"init1": failure}))
    assert container_status(got, "init1").state == waiting(failure.reason, failure.message)
    assert got.phase == "Pending"


def test_sidecar_that_exited_0_is_never_shown_waiting() -> None:
    wait = BackoffWait(
        name="ri1", is_init=True, until=at(1005), delay=datetime.timedelta(seconds=10), message="m"
    )
    observed = snap(exited("ri1", 0, finished=995), running("c1"))
    ri1 = container_status(generate(SIDE_APP, observed, waits=[wait]), "ri1")
    assert ri1.state.terminated is not None and ri1.state.terminated.reason == "Completed"


def test_sidecar_crash_under_never_stays_terminated() -> None:
    """`ShouldContainerBeRestarted` follows the pod's policy here (ContainerRestartRules off)."""
    pod = make_pod(init=[sidecar("ri1")], restart_policy="Never")
    wait = BackoffWait(
        name="ri1", is_init=True, until=at(1005), delay=datetime.timedelta(seconds=10), message="m"
    )
    got = generate(pod, snap(exited("ri1", 1, finished=995), running("c1")), waits=[wait])
    ri1 = container_status(got, "ri1")
    assert ri1.state.terminated is not None and ri1.state.terminated.exit_code == 1
    assert got.phase == "Running"


def test_sidecar_crash_loop_after_init_keeps_pod_running() -> None:
    wait = BackoffWait(
        name="ri1", is_init=True, until=at(1005), delay=datetime.timedelta(seconds=10), message="m"
    )
    got = generate(SIDE_APP, snap(exited("ri1", 1, finished=995), running("c1")), waits=[wait])
    assert container_status(got, "ri1").state == waiting("CrashLoopBackOff", "m")
    assert got.phase == "Running"
    assert condition(got, "Initialized") == ("True", "", "")


def test_sidecar_not_started_before_apps_keeps_pod_pending() -> None:
    pod = make_pod(init=[sidecar("ri1", startupProbe=EXEC)], containers=["c1"])
    got = generate(pod, snap(running("ri1")))
    assert got.phase == "Pending"
    ri1 = container_status(got, "ri1")
    assert (ri1.started, ri1.ready) == (False, False)
    assert condition(got, "Initialized")[2] == "containers with incomplete status: [ri1]"


def test_T87_reinitialization_after_reboot_is_pending() -> None:
    before = snap(exited("init1", 0), exited("init2", 0), running("c1"))
    old = generate(INIT_POD, before)
    rebooted = PodSnapshot(
        sandboxes=(sandbox(ready=False), sandbox("sb-1", attempt=1, created=600)),
        containers=(
            exited("init1", 0),
            exited("init2", 0),
            exited("c1", 255, finished=500),
            running("init1", attempt=1, sandbox="sb-1", created=610),
        ),
    )
    got = generate(with_status(INIT_POD, old), rebooted)
    init1 = container_status(got, "init1")
    assert (init1.restart_count, init1.last_state, init1.started) == (1, ContainerState(), True)
    assert got.phase == "Pending"
    assert container_status(got, "init2") == container_status(old, "init2")


# --- pod-level fields --------------------------------------------------------------------------


GATED = make_pod(readinessGates=[{"conditionType": "example.com/feature"}])


@pytest.mark.parametrize(
    ("gate_status", "ready"),
    [
        pytest.param(
            None,
            (
                "False",
                "ReadinessGatesNotReady",
                'corresponding condition of pod readiness gate "example.com/feature" '
                "does not exist.",
            ),
            id="gate-missing",
        ),
        pytest.param(
            "False",
            (
                "False",
                "ReadinessGatesNotReady",
                'the status of pod readiness gate "example.com/feature" is not "True", but False',
            ),
            id="gate-false",
        ),
        pytest.param("True", ("True", "", ""), id="gate-true"),
    ],
)
def test_readiness_gates(gate_status: str | None, ready: tuple[str, str, str]) -> None:
    conditions = (
        ()
        if gate_status is None
        else (
            PodCondition(
                type="example.com/feature", status=gate_status, last_transition_time=at(1)
            ),
        )
    )
    pod = with_status(GATED, PodStatus(conditions=conditions))
    got = generate(pod, snap(running("c1")))
    assert condition(got, "Ready") == ready
    assert condition(got, "ContainersReady") == ("True", "", "")
    assert got.conditions[: len(conditions)] == conditions  # foreign conditions come first


def test_last_transition_time_changes_only_with_status() -> None:
    pod = make_pod(containers=[b.container("c1", readinessProbe=EXEC)])
    ready = b.agent(probe_results=probes(c1=ProbeState(readiness=OK)))
    first = generate(pod, snap(running("c1")), ready, now=at(10))
    again = generate(with_status(pod, first), snap(running("c1")), ready, now=at(20))
    unready = b.agent(probe_results=probes(c1=ProbeState(readiness=FAIL)))
    later = generate(with_status(pod, again), snap(running("c1")), unready, now=at(30))

    def times(pod_status: PodStatus) -> dict[str, datetime.datetime | None]:
        return {item.type: item.last_transition_time for item in pod_status.conditions}

    assert times(again) == times(first)
    assert times(later)["Ready"] == times(later)["ContainersReady"] == at(30)
    assert times(later)["Initialized"] == times(later)["PodScheduled"] == at(10)


def test_start_time_set_once() -> None:
    first = generate(make_pod(), snap(), now=at(5))
    again = generate(with_status(make_pod(), first), snap(running("c1")), now=at(50))
    assert first.start_time == again.start_time == at(5)


def test_terminal_phase_is_sticky() -> None:
    pod = with_status(make_pod(), PodStatus(phase="Succeeded", start_time=at(0)))
    assert generate(pod, snap(running("c1"))).phase == "Succeeded"


def test_active_deadline_fails_the_pod() -> None:
    pod = with_status(
        make_pod(init=["init1"], activeDeadlineSeconds=30), PodStatus(start_time=at(0))
    )
    got = generate(pod, snap(running("init1")), now=at(30))
    assert (got.phase, got.reason, got.message) == (
        "Failed",
        "DeadlineExceeded",
        "Pod was active on the node longer than the specified deadline",
    )
    assert condition(got, "Ready")[1] == "PodFailed"


def test_reason_kept_only_while_the_phase_is_unchanged() -> None:
    old = PodStatus(phase="Pending", reason="SomeReason", message="some message")
    pod = with_status(make_pod(), old)
    pending = generate(pod, snap())
    running_now = generate(pod, snap(running("c1")))
    assert (pending.reason, pending.message) == ("SomeReason", "some message")
    assert (running_now.phase, running_now.reason, running_now.message) == ("Running", "", "")


def test_qos_and_addresses() -> None:
    got = generate(make_pod(), snap(running("c1")))
    assert (got.qos_class, got.host_ip, got.pod_ip) == ("BestEffort", "127.0.0.1", "10.88.0.5")


# --- the final status (`TerminatePod`) ---------------------------------------------------------


def test_T79_deleted_during_init_ends_failed_without_touching_apps() -> None:
    pod = deleted(make_pod(init=["init1"]))
    got = generate(pod, snap(exited("init1", 137, reason="Error")), terminal=True)
    assert got.phase == "Failed"
    assert container_status(got, "c1").state == waiting("PodInitializing")


def test_initialized_pod_never_started_container_ends_status_unknown() -> None:
    pod = deleted(make_pod(containers=["c1", "c2"]))
    got = generate(pod, snap(exited("c1", 0), created("c2")), terminal=True)
    c2 = container_status(got, "c2")
    assert c2.state == ContainerState(
        terminated=ContainerStateTerminated(
            exit_code=137,
            reason="ContainerStatusUnknown",
            message="The container could not be located when the pod was terminated",
        )
    )
    assert got.phase == "Failed"
    assert condition(got, "ContainersReady") == ("False", "PodFailed", "")


def test_init_suffix_that_never_started_is_left_waiting() -> None:
    pod = deleted(make_pod(init=["init1", "init2", "init3"]))
    got = generate(pod, snap(created("init1")), terminal=True)
    init1, init2, init3 = got.init_container_statuses
    assert init1.state.terminated is not None and init1.state.terminated.exit_code == 137
    assert init2.state == init3.state == waiting("PodInitializing")


@pytest.mark.parametrize(
    ("sidecar_codes", "app_code", "phase", "reason"),
    [
        pytest.param((0, 1, 0), 0, "Succeeded", "PodCompleted", id="T81-sidecar-failures-ignored"),
        pytest.param((137, 0, 137), 0, "Succeeded", "PodCompleted", id="T84-sidecar-sigkill"),
        pytest.param((137, 0, 137), 137, "Failed", "PodFailed", id="T83-app-sigkill-fails-pod"),
    ],
)
def test_sidecar_termination_outcomes(
    sidecar_codes: tuple[int, int, int], app_code: int, phase: str, reason: str
) -> None:
    pod = deleted(
        make_pod(
            init=[sidecar("ri1"), sidecar("ri2"), sidecar("ri3")],
            containers=["regular-1"],
            restart_policy="Never",
        )
    )
    observed = snap(
        *(exited(f"ri{n + 1}", code) for n, code in enumerate(sidecar_codes)),
        exited("regular-1", app_code),
    )
    got = generate(pod, observed, terminal=True)
    assert got.phase == phase
    assert condition(got, "ContainersReady") == ("False", reason, "")
    reasons = [item.state.terminated.reason for item in got.init_container_statuses]  # type: ignore[union-attr]
    assert reasons == ["Completed" if code == 0 else "Error" for code in sidecar_codes]


# --- properties --------------------------------------------------------------------------------


def _pipeline(pod: Pod, observed: PodSnapshot, state: AgentState, terminal: bool) -> PodStatus:
    actions = decide.compute_pod_actions(pod, observed, agent=state, now=NOW, settings=b.SETTINGS)
    return generate(pod, observed, state, waits=actions.waits, terminal=terminal)


@settings(max_examples=300, deadline=None)
@given(b.scenarios(), st.booleans())
def test_property_status_generation_is_idempotent(
    scenario: tuple[Pod, PodSnapshot, AgentState], terminal: bool
) -> None:
    pod, observed, state = scenario
    first = _pipeline(pod, observed, state, terminal)
    actions = decide.compute_pod_actions(pod, observed, agent=state, now=NOW, settings=b.SETTINGS)
    second = generate(
        with_status(pod, first), observed, state, waits=actions.waits, terminal=terminal
    )
    assert second == first


@settings(max_examples=300, deadline=None)
@given(b.scenarios(), st.sampled_from(["Succeeded", "Failed"]), st.booleans())
def test_property_terminal_phase_never_moves_back(
    scenario: tuple[Pod, PodSnapshot, AgentState], phase: str, terminal: bool
) -> None:
    pod, observed, state = scenario
    pod = with_status(pod, PodStatus(phase=phase, start_time=at(0)))
    assert _pipeline(pod, observed, state, terminal).phase == phase


@settings(max_examples=200, deadline=None)
@given(b.scenarios())
def test_property_statuses_cover_every_container(
    scenario: tuple[Pod, PodSnapshot, AgentState],
) -> None:
    pod, observed, state = scenario
    got = _pipeline(pod, observed, state, False)
    assert [item.name for item in got.init_container_statuses] == [
        item.name for item in pod.spec.init_containers
    ]
    assert [item.name for item in got.container_statuses] == sorted(
        item.name for item in pod.spec.containers
    )
    assert msgspec.json.decode(msgspec.json.encode(got), type=PodStatus) == got
