"""The wait-for loop on a fake clock: rounds, back-off, deadline, what gets reported."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tinykube.toolbox import errors, targets, waitfor


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def pacing(clock: FakeClock) -> waitfor.Pacing:
    return waitfor.Pacing(
        monotonic=clock.monotonic, sleep=clock.sleep, uniform=lambda low, high: high
    )


DB = targets.parse("tcp://db:5432")
CACHE = targets.parse("tcp://cache:6379")


def scripted(answers: dict[str, list[str | None]]) -> Callable[[targets.Target, float], str]:
    """Each call pops the next answer for the target: a reason (not ready) or None (ready)."""

    def check(target: targets.Target, timeout: float) -> str:
        queue = answers[target.display]
        reason = queue.pop(0) if len(queue) > 1 else queue[0]
        if reason is not None:
            raise errors.NotReady(reason)
        return "up"

    return check


def test_ready_at_once_neither_sleeps_nor_reports_waiting() -> None:
    clock = FakeClock()
    lines: list[str] = []
    waitfor.wait_for_all(
        [DB],
        policy=waitfor.Policy(timeout=10),
        check=scripted({DB.display: [None]}),
        report=lines.append,
        pacing=pacing(clock),
    )
    assert clock.sleeps == []
    assert lines == ["tcp://db:5432 is ready after 0.0s: up"]


def test_retries_with_doubling_delays_and_reports_only_changes() -> None:
    clock = FakeClock()
    lines: list[str] = []
    answers: dict[str, list[str | None]] = {
        DB.display: ["connection refused", "connection refused", "starting up", None],
        CACHE.display: [None],
    }
    waitfor.wait_for_all(
        [DB, CACHE],
        policy=waitfor.Policy(timeout=60, base_delay=0.1, max_delay=5),
        check=scripted(answers),
        report=lines.append,
        pacing=pacing(clock),
    )
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4])
    assert lines == [
        "waiting for tcp://db:5432: connection refused",
        "tcp://cache:6379 is ready after 0.0s: up",
        "waiting for tcp://db:5432: starting up",
        "tcp://db:5432 is ready after 0.7s: up",
    ]


def test_the_deadline_ends_with_one_line_naming_every_target_not_ready() -> None:
    clock = FakeClock()
    answers: dict[str, list[str | None]] = {
        DB.display: ["connection refused"],
        CACHE.display: ["LOADING Redis is loading the dataset in memory"],
    }
    with pytest.raises(errors.NotReady) as caught:
        waitfor.wait_for_all(
            [DB, CACHE],
            policy=waitfor.Policy(timeout=3, base_delay=1, max_delay=1),
            check=scripted(answers),
            report=lambda line: None,
            pacing=pacing(clock),
        )
    assert str(caught.value) == (
        "not ready after 3.0s (4 attempts): tcp://db:5432: connection refused; "
        "tcp://cache:6379: LOADING Redis is loading the dataset in memory"
    )
    assert clock.now == 103.0  # the last sleep is cut to the deadline, never past it
    assert caught.value.exit_code == 1


def test_a_probe_never_gets_more_than_the_time_left() -> None:
    clock = FakeClock()
    given: list[float] = []

    def check(target: targets.Target, timeout: float) -> str:
        given.append(timeout)
        clock.now += timeout
        raise errors.NotReady("no answer")

    with pytest.raises(errors.NotReady):
        waitfor.wait_for_all(
            [DB],
            policy=waitfor.Policy(timeout=7, attempt_timeout=5),
            check=check,
            report=lambda line: None,
            pacing=pacing(clock),
        )
    assert given[0] == 5
    assert given[1] == pytest.approx(2 - 0.1)
    assert clock.now <= 107.1


def test_a_zero_timeout_probes_once() -> None:
    clock = FakeClock()
    with pytest.raises(errors.NotReady, match=r"\(1 attempt\)"):
        waitfor.wait_for_all(
            [DB],
            policy=waitfor.Policy(timeout=0),
            check=scripted({DB.display: ["connection refused"]}),
            report=lambda line: None,
            pacing=pacing(clock),
        )
    assert clock.sleeps == []
