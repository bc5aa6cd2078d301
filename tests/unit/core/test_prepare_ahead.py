"""`PodActions.prepare`: which containers the core lets the agent create ahead of their turn, and
`PodSnapshot.without_prepared`, which keeps them out of every decision until they start."""

from __future__ import annotations

from typing import Any

import msgspec

from tests.unit.core.builders import (
    SETTINGS,
    agent,
    at,
    container,
    created,
    exited,
    make_pod,
    running,
    sidecar,
    snap,
)
from tinykube.api.pod import Pod
from tinykube.core import decide
from tinykube.core.actions import PodActions
from tinykube.core.observed import AgentState, PodSnapshot, StartFailure

NOW = at(1000)
POD = make_pod(init=["init1", "init2", "init3"], containers=["app1", "app2"])


def decide_now(pod: Pod, observed: PodSnapshot, state: AgentState | None = None) -> PodActions:
    return decide.compute_pod_actions(
        pod, observed, agent=state or agent(), now=NOW, settings=SETTINGS
    )


def prepared(actions: PodActions) -> list[tuple[str, int, bool, int]]:
    return [(info.name, info.index, info.is_init, info.attempt) for info in actions.prepare]


def test_the_following_containers_are_prepared_while_the_first_starts() -> None:
    actions = decide_now(POD, snap(sandboxes=[]))
    assert [info.name for info in actions.start_init] == ["init1"]
    assert prepared(actions) == [
        ("init2", 1, True, 0),
        ("init3", 2, True, 0),
        ("app1", 0, False, 0),
        ("app2", 1, False, 0),
    ]


def test_the_following_containers_are_prepared_while_one_runs() -> None:
    actions = decide_now(POD, snap(exited("init1"), running("init2")))
    assert actions.idle
    assert prepared(actions) == [
        ("init3", 2, True, 0),
        ("app1", 0, False, 0),
        ("app2", 1, False, 0),
    ]


def test_at_most_a_few_are_prepared_at_once() -> None:
    pod = make_pod(init=[f"init{index}" for index in range(8)], containers=["app1"])
    actions = decide_now(pod, snap(sandboxes=[]))
    assert [info.name for info in actions.prepare] == ["init1", "init2", "init3", "init4"]
    assert decide.PREPARED_AT_MOST == 4
    later = decide_now(pod, snap(*(exited(f"init{index}") for index in range(4)), running("init4")))
    assert [info.name for info in later.prepare] == ["init5", "init6", "init7", "app1"]


def test_the_app_containers_are_prepared_while_the_last_init_container_runs() -> None:
    actions = decide_now(POD, snap(exited("init1"), exited("init2"), running("init3")))
    assert prepared(actions) == [("app1", 0, False, 0), ("app2", 1, False, 0)]


def test_a_hand_over_starts_one_and_prepares_the_next() -> None:
    actions = decide_now(POD, snap(exited("init1"), exited("init2")))
    assert [info.name for info in actions.start_init] == ["init3"]
    assert [info.name for info in actions.prepare] == ["app1", "app2"]


def test_restart_floors_give_the_attempt() -> None:
    actions = decide_now(POD, snap(running("init1")), agent(restart_floors={"init2": 3}))
    assert prepared(actions)[0] == ("init2", 1, True, 3)


def test_nothing_is_prepared_once_initialized_or_when_nothing_runs() -> None:
    initialized = snap(exited("init1"), exited("init2"), exited("init3"), running("app1"))
    assert decide_now(POD, initialized).prepare == ()
    failed_under_never = make_pod(init=["init1", "init2"], restart_policy="Never")
    assert decide_now(failed_under_never, snap(exited("init1", 1))).prepare == ()


def test_a_container_that_already_ran_is_not_prepared() -> None:
    # init2 ran in an earlier sandbox: its next instance is created when it starts
    observed = snap(running("init1", attempt=1), exited("init2", sandbox="sb-old"))
    assert "init2" not in [info.name for info in decide_now(POD, observed).prepare]


def test_a_failed_start_is_left_for_its_start_to_report() -> None:
    failure = StartFailure(reason="CreateContainerConfigError", message="missing key")
    state = agent(start_failures={"init2": failure})
    assert "init2" not in [
        info.name for info in decide_now(POD, snap(running("init1")), state).prepare
    ]


def _pod_with_init2(**fields: Any) -> Pod:
    return make_pod(
        init=["init1", container("init2", **fields)],
        containers=[container("app1", image="app:1")],
        volumes=[
            {"name": "work", "emptyDir": {}},
            {"name": "host", "hostPath": {"path": "/srv/data"}},
            {"name": "made", "hostPath": {"path": "/srv/made", "type": "DirectoryOrCreate"}},
        ],
    )


def _prepared_names(pod: Pod) -> list[str]:
    return [info.name for info in decide_now(pod, snap(running("init1"))).prepare]


def test_containers_whose_creation_could_be_seen_are_not_prepared() -> None:
    # creating a container makes a missing subPath directory, where init1 may write a file
    for mount in ({"subPath": "config.yaml"}, {"subPathExpr": "$(POD_NAME)"}):
        pod = _pod_with_init2(volumeMounts=[{"name": "work", "mountPath": "/w", **mount}])
        assert _prepared_names(pod) == ["app1"]
    # ... and so does it for a hostPath of type "": the volume set-up neither checks nor makes it
    pod = _pod_with_init2(volumeMounts=[{"name": "host", "mountPath": "/h"}])
    assert _prepared_names(pod) == ["app1"]
    # pull policy Always pulls when the container starts
    pod = _pod_with_init2(imagePullPolicy="Always")
    assert _prepared_names(pod) == ["app1"]
    plain = _pod_with_init2(
        volumeMounts=[{"name": "work", "mountPath": "/w"}, {"name": "made", "mountPath": "/m"}]
    )
    assert _prepared_names(plain) == ["init2", "app1"]


def test_a_sidecar_starting_prepares_nothing() -> None:
    pod = make_pod(init=[sidecar("proxy"), "init2"], containers=["app1"])
    actions = decide_now(pod, snap(sandboxes=[]))
    assert [info.name for info in actions.start_init] == ["proxy"]
    assert actions.prepare == ()


def test_a_prepared_container_is_invisible_until_it_starts() -> None:
    waiting = msgspec.structs.replace(created("init2"), prepared=True)
    observed = snap(running("init1"), waiting)
    assert observed.without_prepared() == snap(running("init1"))
    # the core decides as if it did not exist: init1 runs, nothing starts
    assert decide_now(POD, observed.without_prepared()).idle
    started = msgspec.structs.replace(running("init2"), prepared=True)
    assert snap(exited("init1"), started).without_prepared().containers[1] == started
