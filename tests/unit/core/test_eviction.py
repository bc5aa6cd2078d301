"""The eviction manager's emptyDir sizeLimit check (pkg/kubelet/eviction: `emptyDirLimitEviction`,
`evictPod`, `emptyDirMessageFmt`) and what the core makes of an eviction: the pod is killed for
good, and its status is Failed with reason `Evicted` and the eviction message.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.core.builders import (
    SETTINGS,
    Expect,
    agent,
    at,
    deleted,
    make_pod,
    observe,
    running,
    snap,
    with_status,
)
from tinykube.api.pod import Pod
from tinykube.api.status import PodStatus
from tinykube.core import decide, eviction, status
from tinykube.core.actions import PodKillReason

MIB = 1024 * 1024
MESSAGE = 'Usage of EmptyDir volume "data" exceeds the limit "1Mi". '


def empty_dir(name: str, size_limit: str | None = None, medium: str = "") -> dict[str, Any]:
    source: dict[str, Any] = {}
    if size_limit is not None:
        source["sizeLimit"] = size_limit
    if medium:
        source["medium"] = medium
    return {"name": name, "emptyDir": source}


def with_volumes(*volumes: dict[str, Any]) -> Pod:
    return make_pod(volumes=list(volumes))


# --- which volumes are measured ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("volumes", "memory_is_tmpfs", "expected"),
    [
        pytest.param((), True, [], id="no-volumes"),
        pytest.param((empty_dir("data"),), True, [], id="no-size-limit"),
        pytest.param((empty_dir("data", "0"),), True, [], id="zero-size-limit-means-none"),
        pytest.param((empty_dir("data", "1Mi"),), True, [("data", "1Mi")], id="disk-with-limit"),
        pytest.param(
            (empty_dir("mem", "1Mi", "Memory"),), True, [], id="memory-tmpfs-enforces-its-size"
        ),
        pytest.param(
            (empty_dir("mem", "1Mi", "Memory"),),
            False,
            [("mem", "1Mi")],
            id="memory-without-tmpfs-is-a-directory",
        ),
        pytest.param(
            (
                {"name": "host", "hostPath": {"path": "/tmp"}},
                empty_dir("b", "2Gi"),
                empty_dir("a", "500M"),
            ),
            True,
            [("b", "2Gi"), ("a", "500M")],
            id="emptydirs-only-in-spec-order",
        ),
    ],
)
def test_limited_empty_dirs(
    volumes: tuple[dict[str, Any], ...], memory_is_tmpfs: bool, expected: list[tuple[str, str]]
) -> None:
    limited = eviction.limited_empty_dirs(with_volumes(*volumes), memory_is_tmpfs=memory_is_tmpfs)
    assert [(volume.name, str(volume.limit)) for volume in limited] == expected


# --- the eviction decision ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volumes", "usage", "expected"),
    [
        pytest.param((empty_dir("data", "1Mi"),), {}, None, id="not-measured-yet"),
        pytest.param((empty_dir("data", "1Mi"),), {"data": MIB - 4096}, None, id="under"),
        pytest.param((empty_dir("data", "1Mi"),), {"data": MIB}, None, id="at-the-limit"),
        pytest.param((empty_dir("data", "1Mi"),), {"data": MIB + 1}, MESSAGE, id="over"),
        pytest.param((empty_dir("data"),), {"data": 10 * MIB}, None, id="no-limit"),
        pytest.param(
            (empty_dir("data", "1.5Gi"),),
            {"data": 2 * 1024 * MIB},
            'Usage of EmptyDir volume "data" exceeds the limit "1536Mi". ',
            id="limit-printed-canonically",
        ),
        pytest.param(
            (empty_dir("data", "1M"),),
            {"data": 1_000_001},
            'Usage of EmptyDir volume "data" exceeds the limit "1M". ',
            id="decimal-limit",
        ),
        pytest.param(
            (empty_dir("first", "1Mi"), empty_dir("second", "1Ki")),
            {"first": 2 * MIB, "second": 8192},
            'Usage of EmptyDir volume "first" exceeds the limit "1Mi". ',
            id="first-volume-over-in-spec-order",
        ),
        pytest.param(
            (empty_dir("first", "1Mi"), empty_dir("second", "1Ki")),
            {"first": 4096, "second": 8192},
            'Usage of EmptyDir volume "second" exceeds the limit "1Ki". ',
            id="second-volume-over",
        ),
    ],
)
def test_compute_eviction(
    volumes: tuple[dict[str, Any], ...], usage: dict[str, int], expected: str | None
) -> None:
    assert eviction.compute_eviction(with_volumes(*volumes), usage) == expected


# --- what the core does with it ----------------------------------------------------------------

POD = with_status(
    make_pod(volumes=[empty_dir("data", "1Mi")], activeDeadlineSeconds=60),
    PodStatus(phase="Running", start_time=at(0)),
)


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        pytest.param(POD, Expect(kill_pod=PodKillReason.EVICTED), id="evicted-pod-is-killed"),
        pytest.param(deleted(POD), Expect(kill_pod=PodKillReason.DELETED), id="deletion-first"),
        pytest.param(
            with_status(POD, PodStatus(phase="Succeeded")),
            Expect(kill_pod=PodKillReason.TERMINAL),
            id="a-finished-pod-is-not-evicted",
        ),
    ],
)
def test_decide_kills_an_evicted_pod(pod: Pod, expected: Expect) -> None:
    actions = decide.compute_pod_actions(
        pod, snap(running("c1")), agent=agent(eviction=MESSAGE), now=at(10), settings=SETTINGS
    )
    assert observe(actions) == expected
    if expected.kill_pod is PodKillReason.EVICTED:
        assert actions.kill_pod_message == MESSAGE


def test_eviction_wins_over_a_deadline_passed_in_the_same_sync() -> None:
    actions = decide.compute_pod_actions(
        POD, snap(running("c1")), agent=agent(eviction=MESSAGE), now=at(100), settings=SETTINGS
    )
    assert actions.kill_pod is PodKillReason.EVICTED


def test_no_eviction_leaves_the_pod_running() -> None:
    actions = decide.compute_pod_actions(
        POD, snap(running("c1")), agent=agent(), now=at(10), settings=SETTINGS
    )
    assert actions.idle


def _generate(pod: Pod, *, eviction_message: str | None, terminal: bool = False) -> PodStatus:
    return status.generate_pod_status(
        pod,
        snap(running("c1")) if not terminal else snap(),
        agent=agent(eviction=eviction_message),
        now=at(100),
        pod_is_terminal=terminal,
    )


def test_evicted_pod_status_is_failed_with_the_eviction_message() -> None:
    got = _generate(POD, eviction_message=MESSAGE)
    assert (got.phase, got.reason, got.message) == ("Failed", "Evicted", MESSAGE)
    ready = next(item for item in got.conditions if item.type == "Ready")
    assert (ready.status, ready.reason) == ("False", "PodFailed")
    assert "DisruptionTarget" not in {item.type for item in got.conditions}


def test_eviction_status_is_sticky_through_the_final_status() -> None:
    first = _generate(POD, eviction_message=MESSAGE)
    final = _generate(with_status(POD, first), eviction_message=None, terminal=True)
    assert (final.phase, final.reason, final.message) == ("Failed", "Evicted", MESSAGE)


def test_a_finished_pod_keeps_its_status() -> None:
    done = with_status(POD, PodStatus(phase="Succeeded", start_time=at(0)))
    got = _generate(done, eviction_message=MESSAGE)
    assert (got.phase, got.reason, got.message) == ("Succeeded", "", "")
