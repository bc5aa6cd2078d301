"""`wait-for TARGET…`: block until every target is ready, or fail at one total deadline.

Each round probes the targets not ready yet, one after the other, then sleeps a capped
exponential back-off with full jitter (backoff.py) — never past the deadline. A line is written
when a target first fails, when its reason changes and when it becomes ready, so an init
container's log tells the story without repeating itself; on failure the last line names every
target still not ready and its last error. Time, sleep and randomness are injected (`Pacing`)
so the loop is tested on a fake clock.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tinykube.toolbox import backoff, errors, targets

Check = Callable[[targets.Target, float], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """`timeout`: total seconds (inf: no deadline); `attempt_timeout`: cap of one probe;
    delays between rounds grow from `base_delay` to `max_delay`."""

    timeout: float = 60.0
    attempt_timeout: float = 5.0
    base_delay: float = 0.1
    max_delay: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Pacing:
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    uniform: Callable[[float, float], float] = field(default_factory=lambda: random.uniform)


def wait_for_all(
    wanted: Sequence[targets.Target],
    *,
    policy: Policy,
    check: Check,
    report: Callable[[str], None],
    pacing: Pacing | None = None,
) -> None:
    """Return once every target has been ready once; NotReady (one line) at the deadline."""
    pace = pacing or Pacing()
    started = pace.monotonic()
    deadline = started + policy.timeout
    pending = list(wanted)
    last_error: dict[str, str] = {}
    attempt = 0
    while True:
        for target in list(pending):
            remaining = deadline - pace.monotonic()
            probe_timeout = max(min(policy.attempt_timeout, remaining), 0.05)
            try:
                detail = check(target, probe_timeout)
            except errors.NotReady as exc:
                reason = str(exc)
                if last_error.get(target.display) != reason:
                    report(f"waiting for {target.display}: {reason}")
                last_error[target.display] = reason
                continue
            pending.remove(target)
            last_error.pop(target.display, None)
            waited = pace.monotonic() - started
            report(f"{target.display} is ready after {_seconds(waited)}: {detail}")
        if not pending:
            return
        now = pace.monotonic()
        if now >= deadline:
            summary = "; ".join(f"{t.display}: {last_error[t.display]}" for t in pending)
            rounds = f"{attempt + 1} attempt" + ("s" if attempt else "")
            raise errors.NotReady(
                f"not ready after {_seconds(policy.timeout)} ({rounds}): {summary}"
            )
        delay = backoff.compute_delay(
            attempt, base=policy.base_delay, cap=policy.max_delay, uniform=pace.uniform
        )
        attempt += 1
        pace.sleep(min(delay, deadline - now))


def _seconds(value: float) -> str:
    if math.isinf(value):
        return "forever"
    return f"{value:.1f}s" if value < 10 else f"{value:.0f}s"
