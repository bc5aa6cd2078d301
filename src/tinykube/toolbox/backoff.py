"""Capped exponential back-off with full jitter, and the duration syntax of the options.

Pure: randomness comes in as a function, so tests can pin it. Full jitter (a uniform delay
between 0 and the capped exponential) spreads the retries of many pods that start together
instead of letting them hammer a dependency in lock-step.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tinykube.toolbox import errors

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def compute_delay(
    attempt: int, *, base: float, cap: float, uniform: Callable[[float, float], float]
) -> float:
    """The delay before retry number `attempt` (0 for the first retry)."""
    ceiling = min(cap, base * 2 ** min(attempt, 62))
    return uniform(0.0, ceiling)


def parse_duration(text: str, *, option: str) -> float:
    """Seconds from `90`, `1.5`, `500ms`, `30s`, `2m`, `1h`, `1m30s`; UsageError otherwise."""
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
        position = 0
        total = 0.0
        for match in _DURATION_PART.finditer(value):
            if match.start() != position:
                break
            total += float(match[1]) * _UNITS[match[2]]
            position = match.end()
        if value and position == len(value):
            seconds = total
    if not seconds >= 0 or seconds == float("inf"):
        raise errors.UsageError(
            f"invalid {option} {text!r}: expected a duration such as 30s, 2m, 500ms or 1m30s"
        )
    return seconds
