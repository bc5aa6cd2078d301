"""Restart rules and crash-loop backoff: `ShouldContainerBeRestarted` (kubelet
container/helpers.go), `HashContainer` (name and image only) and client-go `flowcontrol.Backoff`
as `doBackOff` uses it.
"""

from __future__ import annotations

import datetime

import pytest

from tests.unit.core.builders import (
    SETTINGS,
    at,
    created,
    deleted,
    exited,
    make_pod,
    running,
    unknown,
)
from tinykube.api.pod import Container, Pod
from tinykube.core import restart
from tinykube.core.observed import BackoffEntry, ContainerSnapshot

SECONDS = datetime.timedelta(seconds=1)
ON_FAILURE = make_pod(restart_policy="OnFailure")


@pytest.mark.parametrize(
    ("pod", "latest", "expected"),
    [
        pytest.param(deleted(make_pod()), None, False, id="deleted-never-restarts"),
        pytest.param(make_pod(restart_policy="Never"), None, True, id="never-ran-starts"),
        pytest.param(make_pod(), running("c1"), False, id="running-is-kept"),
        pytest.param(make_pod(restart_policy="Never"), unknown("c1"), True, id="unknown-restarts"),
        pytest.param(make_pod(restart_policy="Never"), created("c1"), True, id="created-restarts"),
        pytest.param(make_pod(restart_policy="Never"), exited("c1", 1), False, id="never"),
        pytest.param(
            make_pod(restart_policy="OnFailure"), exited("c1", 0), False, id="onfailure-0"
        ),
        pytest.param(make_pod(restart_policy="OnFailure"), exited("c1", 2), True, id="onfailure-2"),
        pytest.param(make_pod(), exited("c1", 0), True, id="always-0"),
    ],
)
def test_should_restart(pod: Pod, latest: ContainerSnapshot | None, expected: bool) -> None:
    assert restart.should_restart_app_container(pod.spec.containers[0], pod, latest) is expected


def test_spec_hash_covers_name_and_image_only() -> None:
    base = Container(name="c1", image="busybox:1.36", command=("sleep", "1"))
    assert restart.container_spec_hash(base) == restart.container_spec_hash(
        Container(name="c1", image="busybox:1.36", command=("true",))
    )
    assert restart.container_spec_hash(base) != restart.container_spec_hash(
        Container(name="c1", image="busybox:1.37")
    )
    assert restart.container_spec_hash(base) != restart.container_spec_hash(
        Container(name="c2", image="busybox:1.36")
    )
    assert restart.backoff_key(base) != restart.backoff_key(Container(name="c1", image="nginx"))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(10, "10s", id="10s"),
        pytest.param(40, "40s", id="40s"),
        pytest.param(80, "1m20s", id="1m20s"),
        pytest.param(160, "2m40s", id="2m40s"),
        pytest.param(300, "5m0s", id="5m0s"),
        pytest.param(3600, "1h0m0s", id="1h0m0s"),
    ],
)
def test_go_duration(seconds: int, text: str) -> None:
    assert restart.format_go_duration(seconds * SECONDS) == text


def entry(delay: int, updated: float) -> BackoffEntry:
    return BackoffEntry(delay=delay * SECONDS, last_update=at(updated))


@pytest.mark.parametrize(
    ("current", "finished", "until"),
    [
        pytest.param(None, 100, None, id="no-entry-no-backoff"),
        pytest.param(entry(10, 95), 100, at(110), id="window-from-finish"),
        pytest.param(entry(300, 0), 600, at(900), id="600s-is-not-yet-expired"),
        pytest.param(entry(300, 0), 601, None, id="expired-after-2x-max"),
    ],
)
def test_backoff_until(current: BackoffEntry | None, finished: float, until: object) -> None:
    last = exited("c1", 1, finished=finished)
    assert restart.backoff_until(current, last, settings=SETTINGS) == until


@pytest.mark.parametrize(
    ("current", "event", "now", "delay"),
    [
        pytest.param(None, 100, 100, 10, id="first-is-initial"),
        pytest.param(entry(10, 90), 100, 110, 20, id="doubles"),
        pytest.param(entry(160, 0), 100, 400, 300, id="caps-at-max"),
        pytest.param(entry(300, 0), 300, 1000, 300, id="expiry-judged-at-event-time"),
        pytest.param(entry(300, 0), 601, 601, 10, id="resets-after-stable-600s"),
        pytest.param(entry(20, 0), None, 700, 10, id="no-event-time-uses-now"),
    ],
)
def test_next_backoff(
    current: BackoffEntry | None, event: float | None, now: float, delay: int
) -> None:
    event_time = None if event is None else at(event)
    got = restart.next_backoff(current, event_time=event_time, now=at(now), settings=SETTINGS)
    assert got == entry(delay, now)
