"""Chaos: the daemon is killed with SIGKILL at random points of many init chains and restarted.

Each container appends `start NAME T` and `end NAME T CODE` lines to a hostPath file of its pod
(the sequence the containers themselves recorded). Some containers exit while the daemon is
down. After every restart, and at the end, the sequences must show no container run twice and
no container started before its predecessor ended; at the end, every pod submitted exists,
finished, and its status carries each container's true exit code and finish time.
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serving import Daemon, started_daemon, wait_until

pytestmark = pytest.mark.e2e

KILLS = int(os.environ.get("TINYKUBE_CHAOS_KILLS", "50"))
INIT_CONTAINERS = ("one", "two", "three")


def _step(name: str, seconds: float, code: int) -> dict[str, Any]:
    script = (
        f'echo "start {name} $(date +%s.%N)" >> /seq/log; '
        f"sleep {seconds:.2f}; "
        f'echo "end {name} $(date +%s.%N) {code}" >> /seq/log; '
        f"exit {code}"
    )
    return {
        "name": name,
        "image": "busybox",
        "command": ["sh", "-c", script],
        "volumeMounts": [{"name": "seq", "mountPath": "/seq"}],
    }


def chain_pod(name: str, directory: Path, rng: random.Random) -> tuple[dict[str, Any], int]:
    """A pod of three init containers and one app exiting with a pod-specific code."""
    app_code = rng.choice((0, 0, 3, 7))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 1,
            "volumes": [{"name": "seq", "hostPath": {"path": str(directory), "type": ""}}],
            "initContainers": [_step(init, rng.uniform(0.05, 0.4), 0) for init in INIT_CONTAINERS],
            "containers": [_step("app", rng.uniform(0.1, 0.8), app_code)],
        },
    }
    return pod, app_code


@dataclass(frozen=True)
class Record:
    kind: str  # "start" | "end"
    container: str
    at: float
    code: int | None


def read_sequence(path: Path) -> list[Record]:
    records: list[Record] = []
    if not path.exists():
        return records
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue  # a line being written right now
        code = int(parts[3]) if len(parts) == 4 else None
        records.append(Record(parts[0], parts[1], float(parts[2]), code))
    return records


ORDER = (*INIT_CONTAINERS, "app")


def assert_sequence_sound(pod: str, records: list[Record]) -> None:
    """Each container started at most once, in order, each after its predecessor ended."""
    starts = [r.container for r in records if r.kind == "start"]
    assert len(starts) == len(set(starts)), f"{pod}: a container ran twice: {starts}"
    assert starts == list(ORDER[: len(starts)]), f"{pod}: out of order: {starts}"
    ended = {r.container: r for r in records if r.kind == "end"}
    for previous, following in itertools.pairwise(ORDER):
        if following in starts:
            assert previous in ended, f"{pod}: {following} started before {previous} ended"
            assert ended[previous].code == 0, f"{pod}: {following} started after a failure"


def _seconds(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def assert_status_true(pod: dict[str, Any], records: list[Record], app_code: int) -> None:
    """Exit codes as the containers chose them; finish times no earlier than their last line."""
    name = pod["metadata"]["name"]
    ended = {r.container: r for r in records if r.kind == "end"}
    statuses = [
        *pod["status"].get("initContainerStatuses", []),
        *pod["status"].get("containerStatuses", []),
    ]
    for status in statuses:
        terminated = status["state"].get("terminated")
        assert terminated is not None, f"{name}/{status['name']}: {status['state']}"
        expected = app_code if status["name"] == "app" else 0
        assert terminated["exitCode"] == expected, f"{name}/{status['name']}: {terminated}"
        # restartCount is not asserted: a container created but not yet started when the daemon
        # died is replaced by a new instance, as the kubelet replaces a container stuck in
        # Created, and the count counts instances. The sequence proves each ran once.
        wrote_last = ended[status["name"]].at
        finished = _seconds(terminated["finishedAt"])
        # RFC 3339 times have whole seconds: the exit is in the second of the last line or after.
        assert finished >= int(wrote_last), f"{name}/{status['name']}: {terminated}"
    phase = "Succeeded" if app_code == 0 else "Failed"
    assert pod["status"]["phase"] == phase, f"{name}: {pod['status']['phase']}"


@pytest.fixture
def chaos_daemon(tmp_path: Path) -> Iterator[Daemon]:
    with started_daemon(tmp_path / "data") as instance:
        yield instance


def pods(daemon: Daemon) -> dict[str, dict[str, Any]]:
    status, body = daemon.request("GET", "/api/v1/namespaces/default/pods")
    assert status == 200, body
    return {item["metadata"]["name"]: item for item in body["items"]}


def test_kill_9_at_random_points_loses_nothing_and_runs_nothing_twice(
    chaos_daemon: Daemon, tmp_path: Path
) -> None:
    seed = int(os.environ.get("TINYKUBE_CHAOS_SEED", "20261127"))
    rng = random.Random(seed)
    expected: dict[str, int] = {}
    directories: dict[str, Path] = {}

    for kill in range(KILLS):
        # A new chain now and then, so the kills land at every point of the chains.
        if kill % 2 == 0:
            name = f"chain-{kill // 2}"
            directories[name] = tmp_path / "seq" / name
            directories[name].mkdir(parents=True)
            pod, expected[name] = chain_pod(name, directories[name], rng)
            chaos_daemon.create_pod(pod)
        time.sleep(rng.uniform(0.0, 0.5))  # let the chains advance while the daemon runs
        chaos_daemon.signal(signal.SIGKILL)
        time.sleep(rng.uniform(0.0, 0.4))  # containers keep running and exiting while it is down
        chaos_daemon.start()
        for name, directory in directories.items():
            assert_sequence_sound(name, read_sequence(directory / "log"))

    def all_finished() -> bool:
        found = pods(chaos_daemon)
        return all(
            found.get(name, {}).get("status", {}).get("phase") in ("Succeeded", "Failed")
            for name in expected
        )

    wait_until(all_finished, what="every chain to finish", timeout=120)
    final = pods(chaos_daemon)
    assert sorted(final) == sorted(expected), "a pod was lost"
    for name, app_code in expected.items():
        records = read_sequence(directories[name] / "log")
        assert_sequence_sound(name, records)
        assert [r.container for r in records if r.kind == "start"] == list(ORDER), name
        assert_status_true(final[name], records, app_code)
