"""The container GC's choice for one existing pod (`retention.compute_collection`), as a
table: the kubelet's MaxPerPodContainer=1 keeps the newest exited instance of each container
and every running or created one; old sandboxes go once not ready and empty; log files go
except those of the two newest attempts (what `kubectl logs` and `--previous` read)."""

from __future__ import annotations

import datetime

import pytest

from tests.unit.core.builders import created, exited, running, sandbox, snap
from tinykube.agent import retention
from tinykube.core.observed import PodSnapshot


def ids(collection: retention.Collection) -> list[str]:
    return sorted(instance.id for instance in collection.containers)


CASES = [
    pytest.param(snap(running("app")), [], [], [], id="one-running-instance"),
    pytest.param(
        snap(exited("app", 1, attempt=0), running("app", attempt=1)),
        [],
        [],
        [],
        id="running-and-its-previous-stay",
    ),
    pytest.param(
        snap(
            exited("app", 1, attempt=0),
            exited("app", 1, attempt=1),
            exited("app", 1, attempt=2),
            running("app", attempt=3),
        ),
        ["app-0", "app-1"],
        [],
        [("app", 0), ("app", 1)],
        id="older-exited-instances-go-with-their-logs",
    ),
    pytest.param(
        snap(
            exited("app", 1, attempt=0),
            exited("app", 1, attempt=1),
            exited("app", 1, attempt=2),
        ),
        ["app-0", "app-1"],
        [],
        [("app", 0)],
        id="in-back-off-the-log-before-the-newest-stays-for-previous",
    ),
    pytest.param(
        snap(exited("app", 1, attempt=0), exited("app", 1, attempt=1), created("app", attempt=2)),
        ["app-0"],
        [],
        [("app", 0)],
        id="a-created-instance-is-never-collected",
    ),
    pytest.param(
        snap(
            exited("init", 0, attempt=0),
            exited("app", 1, attempt=0),
            exited("app", 0, attempt=1),
        ),
        ["app-0"],
        [],
        [],
        id="each-container-on-its-own",
    ),
    pytest.param(
        snap(
            exited("app", 1, attempt=0, sandbox="old"),
            running("app", attempt=1),
            sandboxes=[sandbox("old", ready=False), sandbox(attempt=1, created=10)],
        ),
        [],
        [],
        [],
        id="an-old-sandbox-holding-a-kept-instance-stays",
    ),
    pytest.param(
        snap(
            exited("app", 1, attempt=0, sandbox="old"),
            exited("app", 1, attempt=1),
            running("app", attempt=2),
            sandboxes=[sandbox("old", ready=False), sandbox(attempt=1, created=10)],
        ),
        ["app-0@old"],
        ["old"],
        [("app", 0)],
        id="an-old-sandbox-emptied-goes",
    ),
    pytest.param(
        snap(exited("app", 0), sandboxes=[sandbox(ready=False)]),
        [],
        [],
        [],
        id="the-newest-sandbox-stays-even-stopped",
    ),
]


@pytest.mark.parametrize(("observed", "containers", "sandboxes", "logs"), CASES)
def test_collection(
    observed: PodSnapshot,
    containers: list[str],
    sandboxes: list[str],
    logs: list[tuple[str, int]],
) -> None:
    collection = retention.compute_collection(observed)
    assert ids(collection) == containers
    assert sorted(collection.sandboxes) == sandboxes
    assert list(collection.logs) == logs
    assert collection.empty == (not containers and not sandboxes and not logs)


def test_log_directories_name_their_pod() -> None:
    assert retention.uid_of_log_dir("default_web_0b6c-11") == "0b6c-11"


def test_sweeps_run_at_least_as_often_as_events_expire() -> None:
    settings = retention.RetentionSettings(
        event_ttl=datetime.timedelta(seconds=2), gc_period=datetime.timedelta(minutes=1)
    )
    assert settings.period == 2.0
    assert retention.RetentionSettings().period == 60.0
