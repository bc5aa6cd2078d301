"""A start that failed before any instance existed (config, create or image error) is retried
after the back-off period, not at once: the kubelet requeues a pod whose sync failed."""

from __future__ import annotations

import datetime

from tests.unit.core.builders import SETTINGS, agent, at, make_pod, snap
from tinykube.core import decide
from tinykube.core.observed import StartFailure


def _failed(seconds_ago: float, now: datetime.datetime) -> StartFailure:
    return StartFailure(
        reason="ErrImagePull",
        message="not found",
        at=now - datetime.timedelta(seconds=seconds_ago),
    )


def test_a_recent_start_failure_waits_for_the_back_off_period() -> None:
    now = at(100)
    state = agent(start_failures={"c1": _failed(1, now)})
    actions = decide.compute_pod_actions(
        make_pod(), snap(), agent=state, now=now, settings=SETTINGS
    )
    assert actions.start == ()
    assert actions.next_wakeup == now - datetime.timedelta(seconds=1) + SETTINGS.initial


def test_a_start_failure_is_retried_once_the_period_passed() -> None:
    now = at(100)
    state = agent(start_failures={"c1": _failed(SETTINGS.initial.total_seconds(), now)})
    actions = decide.compute_pod_actions(
        make_pod(), snap(), agent=state, now=now, settings=SETTINGS
    )
    assert [info.name for info in actions.start] == ["c1"]


def test_a_remembered_crash_loop_reason_does_not_delay_a_start() -> None:
    now = at(100)
    waiting = StartFailure(reason="CrashLoopBackOff", message="back-off")
    actions = decide.compute_pod_actions(
        make_pod(), snap(), agent=agent(start_failures={"c1": waiting}), now=now, settings=SETTINGS
    )
    assert [info.name for info in actions.start] == ["c1"]
