"""`compute_termination_plan` against kuberuntime_termination_order.go and `killContainer`'s grace
(shared/k8s-semantics.md §9, e2e T73–T86): app containers get SIGTERM after their preStop; a
sidecar also waits for every app container and every later sidecar still running.
"""

from __future__ import annotations

import pytest

from tests.unit.core.builders import (
    cid,
    container,
    created,
    deleted,
    exited,
    make_pod,
    running,
    sidecar,
    snap,
)
from tinykube.api.pod import Pod
from tinykube.core import terminate
from tinykube.core.observed import PodSnapshot

PRE_STOP = {"preStop": {"exec": {"command": ["sh", "-c", "sleep 1"]}}}
POD = make_pod(
    init=["init1", sidecar("ri1", lifecycle=PRE_STOP), sidecar("ri2"), sidecar("ri3")],
    containers=[container("regular-1", lifecycle=PRE_STOP), "regular-2"],
)


def plan_of(pod: Pod, observed: PodSnapshot) -> dict[str, tuple[str, ...]]:
    return {
        stop.name: tuple(str(item) for item in stop.wait_for)
        for stop in terminate.compute_termination_plan(pod, observed)
    }


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        pytest.param(
            snap(
                exited("init1", 0),
                running("ri1"),
                running("ri2"),
                running("ri3"),
                running("regular-1"),
                running("regular-2"),
            ),
            {
                "regular-1": (),
                "regular-2": (),
                "ri1": ("regular-1-0", "regular-2-0", "ri2-0", "ri3-0"),
                "ri2": ("regular-1-0", "regular-2-0", "ri3-0"),
                "ri3": ("regular-1-0", "regular-2-0"),
            },
            id="T73-sidecars-stop-in-reverse-after-apps",
        ),
        pytest.param(
            snap(exited("init1", 0), running("ri1"), running("ri3"), running("regular-1")),
            {"regular-1": (), "ri1": ("regular-1-0", "ri3-0"), "ri3": ("regular-1-0",)},
            id="stopped-containers-are-not-waited-for",
        ),
        pytest.param(
            snap(running("init1")),
            {"init1": ()},
            id="T79-running-regular-init-stops-at-once",
        ),
        pytest.param(
            snap(exited("init1", 0), running("ri1"), running("ri2")),
            {"ri1": ("ri2-0",), "ri2": ()},
            id="T80-terminated-during-init-waits-only-for-running-sidecars",
        ),
        pytest.param(
            snap(exited("init1", 0), running("ri1"), created("regular-1")),
            {"ri1": ()},
            id="created-containers-are-left-to-the-sandbox-stop",
        ),
        pytest.param(
            snap(exited("regular-1", 0, attempt=0), running("regular-1", attempt=1)),
            {"regular-1": ()},
            id="only-the-running-instance",
        ),
        pytest.param(snap(exited("regular-1", 0)), {}, id="nothing-running"),
    ],
)
def test_termination_order(observed: PodSnapshot, expected: dict[str, tuple[str, ...]]) -> None:
    assert plan_of(POD, observed) == expected


def test_stops_carry_kind_and_pre_stop_hook() -> None:
    observed = snap(running("init1"), running("ri1"), running("regular-1"), running("regular-2"))
    stops = {stop.name: stop for stop in terminate.compute_termination_plan(POD, observed)}
    assert {name: (stop.is_init, stop.is_sidecar) for name, stop in stops.items()} == {
        "init1": (True, False),
        "ri1": (True, True),
        "regular-1": (False, False),
        "regular-2": (False, False),
    }
    assert stops["ri1"].pre_stop is not None and stops["regular-1"].pre_stop is not None
    assert stops["regular-2"].pre_stop is None
    assert stops["ri1"].container_id == cid("ri1")


@pytest.mark.parametrize(
    ("pod", "grace"),
    [
        pytest.param(make_pod(), 30, id="spec-default-30"),
        pytest.param(make_pod(terminationGracePeriodSeconds=5), 5, id="spec-grace"),
        pytest.param(make_pod(terminationGracePeriodSeconds=0), 0, id="zero-allowed"),
        pytest.param(
            deleted(make_pod(terminationGracePeriodSeconds=180), grace=120),
            120,
            id="deletion-grace-wins",
        ),
        pytest.param(deleted(make_pod(), grace=0), 0, id="force-delete"),
    ],
)
def test_termination_grace_seconds(pod: Pod, grace: int) -> None:
    assert terminate.termination_grace_seconds(pod) == grace


def test_minimum_stop_grace_is_two_seconds() -> None:
    assert terminate.MINIMUM_GRACE_SECONDS == 2
