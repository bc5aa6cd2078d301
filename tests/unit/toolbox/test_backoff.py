"""Back-off delays and the duration syntax of the options."""

from __future__ import annotations

import pytest

from tinykube.toolbox import backoff, errors


def upper(low: float, high: float) -> float:
    return high


def test_delays_double_up_to_the_cap() -> None:
    delays = [backoff.compute_delay(n, base=0.1, cap=1.0, uniform=upper) for n in range(6)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    drawn: list[tuple[float, float]] = []

    def record(low: float, high: float) -> float:
        drawn.append((low, high))
        return low

    assert backoff.compute_delay(3, base=0.5, cap=60, uniform=record) == 0.0
    assert drawn == [(0.0, 4.0)]


def test_huge_attempt_numbers_stay_capped() -> None:
    assert backoff.compute_delay(10_000, base=0.1, cap=5, uniform=upper) == 5


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30", 30),
        ("1.5", 1.5),
        ("500ms", 0.5),
        ("30s", 30),
        ("2m", 120),
        ("1h", 3600),
        ("1m30s", 90),
        ("0", 0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert backoff.parse_duration(text, option="--timeout") == seconds


@pytest.mark.parametrize("text", ["", "-1", "abc", "5x", "s", "1m 30s", "inf", "nan", "30s5"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(errors.UsageError, match=r"invalid --timeout .*: expected a duration"):
        backoff.parse_duration(text, option="--timeout")
