"""`compute_pod_actions` against the kubelet's `computePodActions` (kuberuntime_manager_test.go
`TestComputePodActions*`) and the upstream e2e cases of shared/k8s-semantics.md §8.

Each table has a base pod and a healthy snapshot of it; a case mutates either and states the
actions. Node reboot is a not-ready sandbox; a kubelet restart is the same snapshot fed again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings

from tests.unit.core import builders as b
from tests.unit.core.builders import (
    EXEC,
    FAIL,
    NEW_IMAGE,
    OK,
    SETTINGS,
    Expect,
    agent,
    at,
    created,
    deleted,
    exited,
    make_pod,
    observe,
    probes,
    replace_in,
    running,
    sandbox,
    sidecar,
    snap,
    unknown,
    with_image,
    with_status,
    without,
)
from tinykube.api.pod import Container, Pod
from tinykube.api.status import PodStatus
from tinykube.core import decide, restart
from tinykube.core.actions import KillReason, PodActions, PodKillReason
from tinykube.core.observed import (
    AgentState,
    BackoffEntry,
    ContainerSnapshot,
    ContainerState,
    PodSnapshot,
    ProbeState,
)

NOW = at(1000)
PodFn = Callable[[Pod], Pod]
SnapFn = Callable[[PodSnapshot], PodSnapshot]


T = TypeVar("T")


def same(value: T) -> T:
    return value


def decide_now(
    pod: Pod,
    observed: PodSnapshot,
    state: AgentState | None = None,
    *,
    now: datetime.datetime = NOW,
) -> PodActions:
    return decide.compute_pod_actions(
        pod, observed, agent=state or agent(), now=now, settings=SETTINGS
    )


def restart_policy(policy: str) -> PodFn:
    return lambda pod: make_pod(
        containers=[c.name for c in pod.spec.containers],
        init=[_as_wire(c) for c in pod.spec.init_containers],
        restart_policy=policy,
    )


def _as_wire(container: Container) -> dict[str, Any]:
    wire: dict[str, Any] = {"name": container.name, "image": container.image}
    if container.is_sidecar:
        wire["restartPolicy"] = "Always"
    return wire


def killed(name: str, reason: KillReason, message: str) -> tuple[str, KillReason, str]:
    return (name, reason, message)


# --- app containers only (TestComputePodActions) ---------------------------------------------

APP_POD = make_pod(containers=["c1", "c2", "c3"])
APP_SNAP = snap(running("c1"), running("c2"), running("c3"))


@pytest.mark.parametrize(
    ("mutate_pod", "mutate_observed", "expected"),
    [
        pytest.param(same, same, Expect(), id="steady-state-does-nothing"),
        pytest.param(
            same,
            lambda o: snap(sandboxes=()),
            Expect(create_sandbox=True, start=("c1", "c2", "c3")),
            id="new-pod-creates-sandbox-and-starts-all",
        ),
        pytest.param(
            same,
            lambda o: snap(
                exited("c1", 137),
                exited("c2", 137),
                exited("c3", 137),
                sandboxes=[sandbox(ready=False)],
            ),
            Expect(
                kill_pod=PodKillReason.SANDBOX_CHANGED,
                create_sandbox=True,
                start=("c1", "c2", "c3"),
            ),
            id="node-reboot-sandbox-not-ready-recreates",
        ),
        pytest.param(
            same,
            lambda o: snap(*o.containers, sandboxes=[sandbox(), sandbox("sb-1", attempt=1)]),
            Expect(
                kill_pod=PodKillReason.SANDBOX_CHANGED,
                create_sandbox=True,
                start=("c1", "c2", "c3"),
            ),
            id="two-ready-sandboxes-recreate",
        ),
        pytest.param(
            same,
            same,
            Expect(),
            id="kubelet-restart-same-snapshot-does-nothing",
        ),
        pytest.param(
            same,
            lambda o: replace_in(o, exited("c1", 0)),
            Expect(start=("c1",)),
            id="always-restarts-exit-0",
        ),
        pytest.param(
            restart_policy("OnFailure"),
            lambda o: replace_in(o, exited("c1", 0)),
            Expect(),
            id="onfailure-keeps-exit-0-stopped",
        ),
        pytest.param(
            restart_policy("OnFailure"),
            lambda o: replace_in(o, exited("c1", 1)),
            Expect(start=("c1",)),
            id="onfailure-restarts-exit-1",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: replace_in(o, exited("c1", 1)),
            Expect(),
            id="never-keeps-failed-container-stopped",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: snap(exited("c1", 0), exited("c2", 1), exited("c3", 0)),
            Expect(kill_pod=PodKillReason.COMPLETED),
            id="never-all-exited-kills-pod",
        ),
        pytest.param(
            restart_policy("OnFailure"),
            lambda o: snap(exited("c1", 0), exited("c2", 0), exited("c3", 0)),
            Expect(kill_pod=PodKillReason.COMPLETED),
            id="onfailure-all-succeeded-kills-pod",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: replace_in(o, created("c1")),
            Expect(start=("c1",)),
            id="created-container-started-even-under-never",
        ),
        pytest.param(
            same,
            lambda o: replace_in(o, unknown("c1")),
            Expect(
                kill=(
                    killed(
                        "c1",
                        KillReason.UNKNOWN_STATE,
                        'Container is in "unknown" state, try killing it before restart',
                    ),
                ),
                start=("c1",),
            ),
            id="unknown-container-killed-then-restarted",
        ),
        pytest.param(
            lambda p: with_image(p, "c1"),
            same,
            Expect(
                kill=(
                    killed(
                        "c1",
                        KillReason.DEFINITION_CHANGED,
                        "Container c1 definition changed, will be restarted",
                    ),
                ),
                start=("c1",),
            ),
            id="image-change-restarts-running-container",
        ),
        pytest.param(
            lambda p: with_image(restart_policy("Never")(p), "c1"),
            same,
            Expect(
                kill=(
                    killed(
                        "c1",
                        KillReason.DEFINITION_CHANGED,
                        "Container c1 definition changed, will be restarted",
                    ),
                ),
                start=("c1",),
            ),
            id="image-change-restarts-even-under-never",
        ),
        pytest.param(
            lambda p: with_image(p, "c2"),
            lambda o: replace_in(o, exited("c2", 0)),
            Expect(start=("c2",)),
            id="image-change-of-exited-container-just-starts-it",
        ),
        pytest.param(
            lambda p: with_image(p, "c1"),
            lambda o: snap(sandboxes=()),
            Expect(create_sandbox=True, start=("c1", "c2", "c3")),
            id="image-change-before-first-start",
        ),
        pytest.param(
            lambda p: with_image(deleted(p), "c1"),
            same,
            Expect(kill_pod=PodKillReason.DELETED),
            id="image-change-during-termination-ignored",
        ),
        pytest.param(
            same,
            lambda o: snap(*o.containers, sandboxes=[sandbox(ready=False)]),
            Expect(
                kill_pod=PodKillReason.SANDBOX_CHANGED,
                create_sandbox=True,
                start=("c1", "c2", "c3"),
            ),
            id="sandbox-died-under-running-containers",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: snap(*o.containers, sandboxes=[sandbox(attempt=1, ready=False)]),
            Expect(kill_pod=PodKillReason.SANDBOX_CHANGED),
            id="never-pod-that-ran-is-not-recreated",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: snap(sandboxes=[sandbox(attempt=1, ready=False)]),
            Expect(
                kill_pod=PodKillReason.SANDBOX_CHANGED,
                create_sandbox=True,
                start=("c1", "c2", "c3"),
            ),
            id="never-pod-without-containers-retries-sandbox",
        ),
        pytest.param(
            restart_policy("OnFailure"),
            lambda o: snap(
                exited("c1", 0), exited("c2", 0), exited("c3", 0), sandboxes=[sandbox(ready=False)]
            ),
            Expect(kill_pod=PodKillReason.SANDBOX_CHANGED),
            id="onfailure-all-succeeded-sandbox-not-recreated",
        ),
        pytest.param(
            restart_policy("OnFailure"),
            lambda o: snap(
                exited("c1", 0), exited("c2", 2), exited("c3", 0), sandboxes=[sandbox(ready=False)]
            ),
            Expect(kill_pod=PodKillReason.SANDBOX_CHANGED, create_sandbox=True, start=("c2",)),
            id="onfailure-recreate-starts-only-failed",
        ),
        pytest.param(
            deleted,
            same,
            Expect(kill_pod=PodKillReason.DELETED),
            id="deleted-pod-is-killed",
        ),
        pytest.param(
            lambda p: with_status(p, PodStatus(phase="Succeeded")),
            same,
            Expect(kill_pod=PodKillReason.TERMINAL),
            id="terminal-phase-is-final",
        ),
        pytest.param(
            lambda p: with_status(
                make_pod(containers=["c1", "c2", "c3"], activeDeadlineSeconds=60),
                PodStatus(start_time=at(0)),
            ),
            same,
            Expect(kill_pod=PodKillReason.DEADLINE_EXCEEDED),
            id="active-deadline-exceeded",
        ),
    ],
)
def test_app_containers(mutate_pod: PodFn, mutate_observed: SnapFn, expected: Expect) -> None:
    assert observe(decide_now(mutate_pod(APP_POD), mutate_observed(APP_SNAP))) == expected


@pytest.mark.parametrize(
    ("restart_policy_name", "outcome", "expected"),
    [
        pytest.param(
            "Always",
            ProbeState(liveness=FAIL),
            Expect(
                kill=(
                    killed(
                        "c1",
                        KillReason.LIVENESS_PROBE,
                        "Container c1 failed liveness probe, will be restarted",
                    ),
                ),
                start=("c1",),
            ),
            id="liveness-failure-restarts",
        ),
        pytest.param(
            "Never",
            ProbeState(liveness=FAIL),
            Expect(
                kill=(
                    killed("c1", KillReason.LIVENESS_PROBE, "Container c1 failed liveness probe"),
                ),
            ),
            id="liveness-failure-under-never-only-kills",
        ),
        pytest.param(
            "OnFailure",
            ProbeState(startup=FAIL),
            Expect(
                kill=(
                    killed(
                        "c1",
                        KillReason.STARTUP_PROBE,
                        "Container c1 failed startup probe, will be restarted",
                    ),
                ),
                start=("c1",),
            ),
            id="startup-failure-restarts",
        ),
        pytest.param(
            "Always", ProbeState(liveness=OK, startup=OK), Expect(), id="healthy-probes-keep"
        ),
        pytest.param("Always", ProbeState(readiness=FAIL), Expect(), id="readiness-never-kills"),
    ],
)
def test_probe_failures(restart_policy_name: str, outcome: ProbeState, expected: Expect) -> None:
    pod = make_pod(containers=["c1", "c2"], restart_policy=restart_policy_name)
    actions = decide_now(
        pod, snap(running("c1"), running("c2")), agent(probe_results=probes(c1=outcome))
    )
    assert observe(actions) == expected


def test_liveness_kill_of_the_last_container_under_never_completes_the_pod() -> None:
    pod = make_pod(containers=["c1"], restart_policy="Never")
    actions = decide_now(
        pod, snap(running("c1")), agent(probe_results=probes(c1=ProbeState(liveness=FAIL)))
    )
    assert actions.kill_pod is PodKillReason.COMPLETED


def test_restart_attempt_counts_previous_instances() -> None:
    observed = snap(
        exited("c1", 1, attempt=0), exited("c1", 1, attempt=1), running("c2"), running("c3")
    )
    actions = decide_now(APP_POD, observed)
    assert [(info.name, info.attempt, info.index) for info in actions.start] == [("c1", 2, 0)]


def test_after_a_reboot_restart_counts_continue_from_the_log_files() -> None:
    # T34/T87: the runtime lost every instance (a reboot); the logs on disk still count.
    actions = decide_now(INIT_POD, snap(sandboxes=[]), agent(restart_floors={"init1": 2}))
    assert actions.create_sandbox
    assert [(info.name, info.attempt) for info in actions.start_init] == [("init1", 2)]


def test_restart_floor_never_lowers_the_runtime_count() -> None:
    observed = snap(exited("c1", 1, attempt=4), running("c2"), running("c3"))
    actions = decide_now(APP_POD, observed, agent(restart_floors={"c1": 2}))
    assert [(info.name, info.attempt) for info in actions.start] == [("c1", 5)]


def test_new_sandbox_attempt_follows_newest_sandbox() -> None:
    observed = snap(
        exited("c1", 137),
        sandboxes=[
            sandbox(attempt=0, ready=False),
            sandbox("sb-1", attempt=3, ready=False, created=5),
        ],
    )
    actions = decide_now(make_pod(), observed)
    assert (actions.create_sandbox, actions.sandbox_attempt) == (True, 4)


def test_deadline_not_reached_schedules_a_wakeup() -> None:
    pod = with_status(make_pod(activeDeadlineSeconds=60), PodStatus(start_time=at(0)))
    actions = decide_now(pod, snap(running("c1")), now=at(59))
    assert (actions.idle, actions.next_wakeup) == (True, at(60))


# --- regular init containers (TestComputePodActionsWithInitContainers) -----------------------

INIT_POD = make_pod(init=["init1", "init2"], containers=["c1"])
INIT_SNAP = snap(exited("init1", 0), exited("init2", 0), running("c1"))


def rebooted(o: PodSnapshot) -> PodSnapshot:
    """The node rebooted: every container exited and the sandbox is not ready."""
    stopped = tuple(
        exited(c.name, 255, finished=500, attempt=c.attempt)
        if c.state is ContainerState.RUNNING
        else c
        for c in o.containers
    )
    return snap(*stopped, sandboxes=[sandbox(ready=False)])


def new_sandbox(*containers: ContainerSnapshot) -> SnapFn:
    """After a reboot: the old sandbox is dead, `sb-1` (attempt 1) holds `containers`."""
    return lambda o: PodSnapshot(
        sandboxes=(sandbox(ready=False), sandbox("sb-1", attempt=1, created=600)),
        containers=rebooted(o).containers + containers,
    )


@pytest.mark.parametrize(
    ("mutate_pod", "mutate_observed", "expected"),
    [
        pytest.param(same, same, Expect(), id="initialized-steady-state"),
        pytest.param(
            same,
            lambda o: snap(sandboxes=()),
            Expect(create_sandbox=True, start_init=("init1",)),
            id="new-pod-starts-first-init-only",
        ),
        pytest.param(
            same, lambda o: snap(), Expect(start_init=("init1",)), id="empty-sandbox-starts-init1"
        ),
        pytest.param(
            same, lambda o: snap(running("init1")), Expect(), id="running-init-blocks-everything"
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0)),
            Expect(start_init=("init2",)),
            id="init1-done-starts-init2",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0), exited("init2", 0)),
            Expect(start=("c1",)),
            id="all-inits-done-starts-apps",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 1)),
            Expect(start_init=("init1",)),
            id="T3-failed-init-restarts-under-always",
        ),
        pytest.param(
            restart_policy("OnFailure"),
            lambda o: snap(exited("init1", 0), exited("init2", 1)),
            Expect(start_init=("init2",)),
            id="failed-init-restarts-under-onfailure",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: snap(exited("init1", 0), exited("init2", 1)),
            Expect(kill_pod=PodKillReason.INIT_FAILED),
            id="T4-failed-init-under-never-fails-pod",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: snap(exited("init1", 0, reason="OOMKilled")),
            Expect(kill_pod=PodKillReason.INIT_FAILED),
            id="oomkilled-init-counts-as-failed",
        ),
        pytest.param(
            restart_policy("Never"),
            lambda o: snap(unknown("init1")),
            Expect(kill_pod=PodKillReason.INIT_FAILED),
            id="unknown-init-under-never-fails-pod",
        ),
        pytest.param(
            same,
            lambda o: snap(unknown("init1")),
            Expect(
                kill=(
                    killed(
                        "init1",
                        KillReason.UNKNOWN_STATE,
                        'Init container is in "unknown" state, try killing it before restart',
                    ),
                ),
                start_init=("init1",),
            ),
            id="unknown-init-killed-and-restarted",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0), created("init2")),
            Expect(start_init=("init2",)),
            id="created-init-restarted",
        ),
        pytest.param(
            lambda p: with_image(p, "init1"),
            same,
            Expect(),
            id="T31-image-change-of-completed-init-ignored",
        ),
        pytest.param(
            lambda p: with_image(p, "init1", "registry.invalid/nope:1"),
            lambda o: snap(exited("init1", 0), running("init2")),
            Expect(),
            id="T32-image-change-during-initialization-ignored",
        ),
        pytest.param(
            lambda p: with_image(deleted(restart_policy("Never")(p)), "init1"),
            same,
            Expect(kill_pod=PodKillReason.DELETED),
            id="T33-image-change-during-termination-ignored",
        ),
        pytest.param(
            same,
            lambda o: without(o, "init1", "init2"),
            Expect(),
            id="T36-completed-inits-removed-not-rerun",
        ),
        pytest.param(
            same,
            lambda o: replace_in(o, exited("c1", 255)),
            Expect(start=("c1",)),
            id="T24-app-restart-does-not-rerun-inits",
        ),
        pytest.param(
            same,
            rebooted,
            Expect(
                kill_pod=PodKillReason.SANDBOX_CHANGED, create_sandbox=True, start_init=("init1",)
            ),
            id="T34-node-reboot-reruns-init-chain",
        ),
        pytest.param(
            same,
            new_sandbox(),
            Expect(start_init=("init1",)),
            id="T34-new-sandbox-ignores-old-init-instances",
        ),
        pytest.param(
            same,
            new_sandbox(exited("init1", 0, attempt=1, sandbox="sb-1", finished=650)),
            Expect(start_init=("init2",)),
            id="T34-new-sandbox-advances-in-order",
        ),
        pytest.param(
            same,
            new_sandbox(
                exited("init1", 0, attempt=1, sandbox="sb-1", finished=650),
                exited("init2", 0, attempt=1, sandbox="sb-1", finished=660),
            ),
            Expect(start=("c1",)),
            id="T34-new-sandbox-starts-app-after-inits",
        ),
        pytest.param(
            lambda p: with_image(p, "c1"),
            lambda o: snap(running("init1")),
            Expect(),
            id="T8-app-image-change-during-init-starts-nothing",
        ),
    ],
)
def test_init_containers(mutate_pod: PodFn, mutate_observed: SnapFn, expected: Expect) -> None:
    assert observe(decide_now(mutate_pod(INIT_POD), mutate_observed(INIT_SNAP))) == expected


def test_T37_kubelet_restart_keeps_long_running_third_init() -> None:
    pod = make_pod(init=["init1", "init2", "init3"], containers=["c1"])
    observed = snap(exited("init1", 0), exited("init2", 0), running("init3"))
    first = decide_now(pod, observed)
    again = decide_now(pod, observed, now=at(2000))
    assert observe(first) == observe(again) == Expect()


def test_T34_reboot_restart_counts_continue_across_sandboxes() -> None:
    actions = decide_now(INIT_POD, rebooted(INIT_SNAP))
    assert [(info.name, info.attempt) for info in actions.start_init] == [("init1", 1)]


# --- sidecars (TestComputePodActionsWithRestartableInitContainers) ----------------------------

SIDECAR_POD = make_pod(init=["init1", sidecar("ri1"), "init2", sidecar("ri2")], containers=["c1"])
SIDECAR_SNAP = snap(
    exited("init1", 0), running("ri1"), exited("init2", 0), running("ri2"), running("c1")
)


def probed(name: str, probe: str) -> PodFn:
    """`SIDECAR_POD` with a startup or liveness probe on sidecar `name`."""
    extra: dict[str, Any] = {probe: EXEC}
    inits: list[dict[str, Any] | str] = [
        "init1",
        sidecar("ri1", **(extra if name == "ri1" else {})),
        "init2",
        sidecar("ri2", **(extra if name == "ri2" else {})),
    ]
    return lambda pod: make_pod(
        init=inits, containers=["c1"], restart_policy=pod.spec.restart_policy
    )


def never(pod: Pod) -> Pod:
    return make_pod(
        init=["init1", sidecar("ri1"), "init2", sidecar("ri2")],
        containers=["c1"],
        restart_policy="Never",
    )


def onfailure(pod: Pod) -> Pod:
    return make_pod(
        init=["init1", sidecar("ri1"), "init2", sidecar("ri2")],
        containers=["c1"],
        restart_policy="OnFailure",
    )


@pytest.mark.parametrize(
    ("mutate_pod", "mutate_observed", "state", "expected"),
    [
        pytest.param(same, same, agent(), Expect(), id="sidecars-steady-state"),
        pytest.param(
            same,
            lambda o: snap(),
            agent(),
            Expect(start_init=("init1",)),
            id="T39-first-init-first",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0)),
            agent(),
            Expect(start_init=("ri1",)),
            id="T39-sidecar-after-init1",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0), running("ri1")),
            agent(),
            Expect(start_init=("init2",)),
            id="T39-started-sidecar-lets-init2-start",
        ),
        pytest.param(
            probed("ri1", "startupProbe"),
            lambda o: snap(exited("init1", 0), running("ri1")),
            agent(),
            Expect(),
            id="T63-startup-probe-pending-blocks-next",
        ),
        pytest.param(
            probed("ri1", "startupProbe"),
            lambda o: snap(exited("init1", 0), running("ri1")),
            agent(probe_results=probes(ri1=ProbeState(startup=OK))),
            Expect(start_init=("init2",)),
            id="T63-startup-success-starts-next",
        ),
        pytest.param(
            probed("ri1", "startupProbe"),
            lambda o: snap(exited("init1", 0), running("ri1")),
            agent(probe_results=probes(ri1=ProbeState(startup=FAIL))),
            Expect(
                kill=(
                    killed(
                        "ri1", KillReason.STARTUP_PROBE, "Init container ri1 failed startup probe"
                    ),
                ),
                start_init=("ri1",),
            ),
            id="T67-startup-failure-restarts-and-blocks-next",
        ),
        pytest.param(
            probed("ri1", "livenessProbe"),
            lambda o: snap(exited("init1", 0), running("ri1")),
            agent(probe_results=probes(ri1=ProbeState(liveness=FAIL))),
            Expect(
                kill=(
                    killed(
                        "ri1", KillReason.LIVENESS_PROBE, "Init container ri1 failed liveness probe"
                    ),
                ),
                start_init=("ri1", "init2"),
            ),
            id="T68-liveness-failure-restarts-without-blocking-next",
        ),
        pytest.param(
            probed("ri1", "livenessProbe"),
            same,
            agent(probe_results=probes(ri1=ProbeState(liveness=FAIL))),
            Expect(
                kill=(
                    killed(
                        "ri1", KillReason.LIVENESS_PROBE, "Init container ri1 failed liveness probe"
                    ),
                ),
                start_init=("ri1",),
            ),
            id="T68-liveness-failure-after-init-restarts-only-it",
        ),
        pytest.param(
            probed("ri2", "startupProbe"),
            lambda o: snap(exited("init1", 0), running("ri1"), exited("init2", 0), running("ri2")),
            agent(),
            Expect(),
            id="T63-last-sidecar-not-started-blocks-apps",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0), running("ri1"), exited("init2", 0), running("ri2")),
            agent(),
            Expect(start=("c1",)),
            id="last-sidecar-started-starts-apps",
        ),
        pytest.param(
            never,
            lambda o: replace_in(o, exited("ri1", 0)),
            agent(),
            Expect(start_init=("ri1",)),
            id="T46-sidecar-exit-0-restarted-under-never",
        ),
        pytest.param(
            never,
            lambda o: replace_in(o, exited("ri2", 1)),
            agent(),
            Expect(start_init=("ri2",)),
            id="T47-sidecar-exit-1-restarted-under-never",
        ),
        pytest.param(
            never,
            lambda o: snap(exited("init1", 0), exited("ri1", 1)),
            agent(),
            Expect(start_init=("ri1",)),
            id="T46-sidecar-restarted-before-apps-start",
        ),
        pytest.param(
            same,
            lambda o: without(o, "ri1"),
            agent(),
            Expect(start_init=("ri1",)),
            id="lost-sidecar-restarted-after-initialization",
        ),
        pytest.param(
            lambda p: with_image(never(p), "ri1"),
            same,
            agent(),
            Expect(
                kill=(
                    killed(
                        "ri1",
                        KillReason.DEFINITION_CHANGED,
                        "Init container ri1 definition changed",
                    ),
                ),
                start_init=("ri1",),
            ),
            id="T44-sidecar-image-change-restarts-under-never",
        ),
        pytest.param(
            lambda p: with_image(p, "ri1"),
            lambda o: snap(exited("init1", 0), running("ri1"), running("init2")),
            agent(),
            Expect(
                kill=(
                    killed(
                        "ri1",
                        KillReason.DEFINITION_CHANGED,
                        "Init container ri1 definition changed",
                    ),
                ),
                start_init=("ri1",),
            ),
            id="T40-sidecar-image-change-during-init-leaves-init2-running",
        ),
        pytest.param(
            never,
            lambda o: replace_in(o, exited("c1", 0)),
            agent(),
            Expect(kill_pod=PodKillReason.COMPLETED),
            id="T43-app-done-under-never-kills-running-sidecars",
        ),
        pytest.param(
            never,
            lambda o: replace_in(o, exited("c1", 0), exited("ri1", 1)),
            agent(),
            Expect(kill_pod=PodKillReason.COMPLETED),
            id="T73-finished-pod-does-not-restart-exited-sidecar",
        ),
        pytest.param(
            onfailure,
            lambda o: replace_in(o, exited("c1", 0)),
            agent(),
            Expect(kill_pod=PodKillReason.COMPLETED),
            id="T50-app-succeeded-under-onfailure-completes",
        ),
        pytest.param(
            same,
            lambda o: replace_in(o, exited("c1", 0)),
            agent(),
            Expect(start=("c1",)),
            id="T56-app-restarts-under-always-sidecars-kept",
        ),
        pytest.param(
            never,
            lambda o: snap(exited("init1", 1)),
            agent(),
            Expect(kill_pod=PodKillReason.INIT_FAILED),
            id="T48-init-before-sidecar-fails-under-never",
        ),
        pytest.param(
            never,
            lambda o: snap(exited("init1", 0), running("ri1"), exited("init2", 1)),
            agent(),
            Expect(kill_pod=PodKillReason.INIT_FAILED),
            id="T42-T49-init-after-sidecar-fails-under-never",
        ),
        pytest.param(
            onfailure,
            lambda o: snap(exited("init1", 0), running("ri1"), exited("init2", 1)),
            agent(),
            Expect(start_init=("init2",)),
            id="T55-init-after-sidecar-retried-under-onfailure",
        ),
        pytest.param(
            onfailure,
            lambda o: snap(exited("init1", 1)),
            agent(),
            Expect(start_init=("init1",)),
            id="T54-init-before-sidecar-retried-sidecar-not-started",
        ),
        pytest.param(
            never,
            lambda o: replace_in(o, unknown("ri1")),
            agent(),
            Expect(
                kill=(
                    killed(
                        "ri1",
                        KillReason.UNKNOWN_STATE,
                        'Init container is in "unknown" state, try killing it before restart',
                    ),
                ),
                start_init=("ri1",),
            ),
            id="unknown-sidecar-restarted-even-under-never",
        ),
        pytest.param(
            same,
            lambda o: snap(exited("init1", 0), created("ri1")),
            agent(),
            Expect(start_init=("ri1",)),
            id="created-sidecar-restarted",
        ),
        pytest.param(
            same,
            rebooted,
            agent(),
            Expect(
                kill_pod=PodKillReason.SANDBOX_CHANGED, create_sandbox=True, start_init=("init1",)
            ),
            id="T87-node-reboot-reinitializes-with-sidecars",
        ),
        pytest.param(
            deleted,
            lambda o: replace_in(o, exited("ri1", 1)),
            agent(),
            Expect(kill_pod=PodKillReason.DELETED),
            id="T74-no-sidecar-restart-during-termination",
        ),
    ],
)
def test_sidecars(
    mutate_pod: PodFn, mutate_observed: SnapFn, state: AgentState, expected: Expect
) -> None:
    assert (
        observe(decide_now(mutate_pod(SIDECAR_POD), mutate_observed(SIDECAR_SNAP), state))
        == expected
    )


def test_T89_sidecar_image_change_after_kubelet_restart_keeps_app() -> None:
    pod = with_image(SIDECAR_POD, "ri2", NEW_IMAGE)
    for now in (NOW, at(5000)):  # fed again after a restart: the same decision
        actions = decide_now(pod, SIDECAR_SNAP, now=now)
        assert observe(actions) == Expect(
            kill=(
                killed(
                    "ri2", KillReason.DEFINITION_CHANGED, "Init container ri2 definition changed"
                ),
            ),
            start_init=("ri2",),
        )
        assert [info.attempt for info in actions.start_init] == [1]


# --- crash-loop backoff -------------------------------------------------------------------------

KEY = restart.backoff_key(make_pod().spec.containers[0])


def crashed(finished: float, attempt: int = 1) -> PodSnapshot:
    return snap(exited("c1", 1, attempt=attempt, finished=finished))


@pytest.mark.parametrize(
    ("entry", "finished", "now", "starts", "next_delay"),
    [
        pytest.param(None, 990, 1000, True, 10, id="first-restart-immediate"),
        pytest.param(
            BackoffEntry(delay=datetime.timedelta(seconds=10), last_update=at(950)),
            995,
            1000,
            False,
            None,
            id="within-10s-waits",
        ),
        pytest.param(
            BackoffEntry(delay=datetime.timedelta(seconds=10), last_update=at(950)),
            990,
            1000,
            True,
            20,
            id="10s-elapsed-restarts-doubles",
        ),
        pytest.param(
            BackoffEntry(delay=datetime.timedelta(seconds=160), last_update=at(700)),
            800,
            1000,
            True,
            300,
            id="capped-at-300s",
        ),
        pytest.param(
            BackoffEntry(delay=datetime.timedelta(seconds=300), last_update=at(300)),
            901,
            1000,
            True,
            10,
            id="reset-after-600s-stable",
        ),
        pytest.param(
            BackoffEntry(delay=datetime.timedelta(seconds=300), last_update=at(300)),
            700,
            1000,
            True,
            300,
            id="expiry-judged-at-finish-time",
        ),
    ],
)
def test_backoff(
    entry: BackoffEntry | None, finished: float, now: float, starts: bool, next_delay: int | None
) -> None:
    state = agent(backoff={KEY: entry} if entry else None)
    actions = decide_now(make_pod(), crashed(finished), state, now=at(now))
    assert observe(actions).start == (("c1",) if starts else ())
    if next_delay is None:
        assert KEY not in actions.backoff
    else:
        assert actions.backoff[KEY] == BackoffEntry(
            delay=datetime.timedelta(seconds=next_delay), last_update=at(now)
        )


def test_backoff_wait_carries_the_crashloop_message_and_wakeup() -> None:
    entry = BackoffEntry(delay=datetime.timedelta(seconds=40), last_update=at(900))
    actions = decide_now(make_pod(), crashed(980), agent(backoff={KEY: entry}))
    (wait,) = actions.waits
    assert (wait.name, wait.is_init, wait.until, wait.delay) == ("c1", False, at(1020), entry.delay)
    assert wait.message == "back-off 40s restarting failed container=c1 pod=p_ns(uid)"
    assert actions.next_wakeup == at(1020)
    assert not actions.start


def test_backoff_sequence_10_20_40_80_160_300_300() -> None:
    """A container that crashes a second after each start waits 0, 10, 20, ... 300, 300 s."""
    pod, finished = make_pod(), 0.0
    backoff: dict[str, BackoffEntry] = {}
    waited = []
    for attempt in range(1, 9):
        observed = crashed(finished, attempt)
        entry = backoff.get(KEY)
        ready = finished if entry is None else finished + entry.delay.total_seconds()
        if entry is not None:
            early = decide_now(pod, observed, agent(backoff=backoff), now=at(ready - 0.5))
            assert observe(early) == Expect(waits=("c1",))
        actions = decide_now(pod, observed, agent(backoff=backoff), now=at(ready))
        assert observe(actions) == Expect(start=("c1",))
        backoff = {**backoff, **actions.backoff}
        waited.append(int(ready - finished))
        finished = ready + 1
    assert waited == [0, 10, 20, 40, 80, 160, 300, 300]


def test_image_change_gets_a_fresh_backoff() -> None:
    entry = BackoffEntry(delay=datetime.timedelta(seconds=300), last_update=at(990))
    pod = with_image(make_pod(), "c1")
    actions = decide_now(pod, crashed(995), agent(backoff={KEY: entry}))
    assert observe(actions).start == ("c1",)
    assert restart.backoff_key(pod.spec.containers[0]) in actions.backoff


def test_T3_init_container_backoff_is_reported_as_init() -> None:
    pod = make_pod(init=["init1", "init2"])
    key = restart.backoff_key(pod.spec.init_containers[0])
    entry = BackoffEntry(delay=datetime.timedelta(seconds=20), last_update=at(980))
    actions = decide_now(
        pod, snap(exited("init1", 1, attempt=2, finished=990)), agent(backoff={key: entry})
    )
    (wait,) = actions.waits
    assert (wait.name, wait.is_init, wait.message) == (
        "init1",
        True,
        "back-off 20s restarting failed container=init1 pod=p_ns(uid)",
    )


def test_backoff_uses_newest_exited_instance_when_latest_is_created() -> None:
    entry = BackoffEntry(delay=datetime.timedelta(seconds=20), last_update=at(990))
    observed = snap(exited("c1", 1, attempt=1, finished=995), created("c1", attempt=2, created=996))
    actions = decide_now(make_pod(), observed, agent(backoff={KEY: entry}))
    assert observe(actions).waits == ("c1",)


def test_sidecar_crash_loop_backs_off_under_never() -> None:
    pod = never(SIDECAR_POD)
    key = restart.backoff_key(pod.spec.init_containers[1])
    entry = BackoffEntry(delay=datetime.timedelta(seconds=10), last_update=at(990))
    observed = replace_in(SIDECAR_SNAP, exited("ri1", 1, attempt=1, finished=995))
    actions = decide_now(pod, observed, agent(backoff={key: entry}))
    assert observe(actions) == Expect(waits=("ri1",))


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(b.scenarios())
def test_property_no_double_running_and_kills_carry_intent(
    scenario: tuple[Pod, PodSnapshot, AgentState],
) -> None:
    pod, observed, state = scenario
    actions = decide_now(pod, observed, state)
    killed_names = {kill.name: kill for kill in actions.kill}
    started = [*actions.start_init, *actions.start]
    assert len({info.name for info in started}) == len(started), "one start per container"
    if actions.kill_pod not in (None, PodKillReason.SANDBOX_CHANGED):
        assert not started, "a pod being finished starts nothing"
    for info in started:
        latest = observed.latest(info.name)
        if (
            latest is not None
            and latest.state is ContainerState.RUNNING
            and not actions.create_sandbox
        ):
            kill = killed_names.get(info.name)
            assert kill is not None, f"{info.name} would run twice"
            assert kill.reason is not KillReason.UNKNOWN_STATE
        if info.name in killed_names and not info.is_init:
            kill = killed_names[info.name]
            assert kill.reason is KillReason.UNKNOWN_STATE or kill.message.endswith(
                ", will be restarted"
            )
        assert info.attempt == (0 if latest is None else latest.attempt + 1)
    for kill in actions.kill:
        final = kill.reason is not KillReason.UNKNOWN_STATE and not kill.is_init
        if final and not kill.message.endswith(", will be restarted"):
            assert kill.name not in {info.name for info in started}
