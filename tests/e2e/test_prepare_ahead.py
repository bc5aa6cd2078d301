"""Containers created ahead of their turn (process runtime, `tinykube serve`): while a regular
init container runs, the agent creates the containers that follow it, without starting them, so
that each hand-over is only a start. A user never sees it: no event, no status, no restart count,
no start before its turn — not even when the daemon is killed with SIGKILL meanwhile."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serving import Daemon, pod_manifest, sh, started_daemon, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    with started_daemon(tmp_path / "data") as instance:
        yield instance


def _gated_pod(shared: Path, *, restart_policy: str = "Never") -> dict[str, Any]:
    """init-1 waits for `shared/gate` (then exits with the code written in it); init-2 and the
    app append their names to `shared/marks` when they run."""
    wait = "while [ ! -s /shared/gate ]; do sleep 0.02; done; exit $(cat /shared/gate)"
    fields: dict[str, Any] = {
        "image": "busybox:1.36",  # a tag: pull policy IfNotPresent (Always is not prepared)
        "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
    }
    return pod_manifest(
        "gated",
        restart_policy=restart_policy,
        init=[sh("init-1", wait, **fields), sh("init-2", "echo init-2 >> /shared/marks", **fields)],
        containers=[sh("app", "echo app >> /shared/marks; sleep 600", **fields)],
        # a type: a hostPath the volume set-up checks (one of type "" is never prepared for)
        volumes=[{"name": "shared", "hostPath": {"path": str(shared), "type": "Directory"}}],
    )


def _prepared(daemon: Daemon, uid: str, name: str) -> list[dict[str, Any]]:
    return [
        item
        for item in daemon.runtime_instances(uid)
        if item["name"] == name and item.get("prepared")
    ]


def _start_gated_pod(daemon: Daemon, shared: Path) -> str:
    """Create the gated pod and wait until init-1 runs and the containers that follow it
    (init-2, then the app) are created ahead; returns the pod's uid."""
    uid: str = daemon.create_pod(_gated_pod(shared))["metadata"]["uid"]

    def ready() -> bool:
        pod = daemon.pod("gated")
        statuses = (pod or {}).get("status", {}).get("initContainerStatuses", [])
        running = bool(statuses) and "running" in statuses[0]["state"]
        return running and all(_prepared(daemon, uid, name) for name in ("init-2", "app"))

    wait_until(ready, what="init-1 running, init-2 and the app created ahead")
    return uid


def _instances(daemon: Daemon, uid: str, name: str) -> list[dict[str, Any]]:
    return [item for item in daemon.runtime_instances(uid) if item["name"] == name]


def _reasons(daemon: Daemon, container: str) -> list[str]:
    kind = "containers" if container == "app" else "initContainers"
    path = f"spec.{kind}{{{container}}}"
    return [
        event["reason"]
        for event in daemon.events(**{"involvedObject.name": "gated"})
        if event["involvedObject"].get("fieldPath") == path
    ]


def test_the_next_init_container_waits_unseen_and_runs_on_its_turn(
    daemon: Daemon, tmp_path: Path
) -> None:
    gate, marks = tmp_path / "gate", tmp_path / "marks"
    uid = _start_gated_pod(daemon, tmp_path)

    pod = daemon.pod("gated")
    assert pod is not None
    statuses = {s["name"]: s for s in pod["status"]["initContainerStatuses"]}
    assert statuses["init-2"]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert "containerID" not in statuses["init-2"]
    assert _reasons(daemon, "init-2") == []  # no Pulled/Created before its turn
    assert _reasons(daemon, "app") == []
    assert pod["status"]["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "PodInitializing"}
    }
    assert daemon.logs("gated", "init-2") == (
        400,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'container "init-2" in pod "gated" is waiting to start: PodInitializing',
            "reason": "BadRequest",
            "code": 400,
        },
    )
    assert not marks.exists()

    gate.write_text("0")
    wait_until(lambda: daemon.phase("gated") == "Running", what="the pod to run")
    assert marks.read_text().splitlines() == ["init-2", "app"]
    pod = daemon.pod("gated")
    assert pod is not None
    init2 = pod["status"]["initContainerStatuses"][1]
    assert (init2["restartCount"], init2["state"]["terminated"]["exitCode"]) == (0, 0)
    assert _reasons(daemon, "init-2") == ["Created", "Started"]
    # the prepared instances are the ones that ran: one instance each
    assert len(_instances(daemon, uid, "init-2")) == 1
    assert len(_instances(daemon, uid, "app")) == 1


def test_a_failed_init_container_under_never_leaves_the_next_one_unstarted_and_removed(
    daemon: Daemon, tmp_path: Path
) -> None:
    gate, marks = tmp_path / "gate", tmp_path / "marks"
    uid = _start_gated_pod(daemon, tmp_path)

    gate.write_text("3")
    wait_until(lambda: daemon.phase("gated") == "Failed", what="the pod to fail")
    pod = daemon.pod("gated")
    assert pod is not None
    init1, init2 = pod["status"]["initContainerStatuses"]
    assert init1["state"]["terminated"]["exitCode"] == 3
    assert init2["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert _reasons(daemon, "init-2") == []
    assert not marks.exists()
    assert _reasons(daemon, "app") == []
    wait_until(
        lambda: not _instances(daemon, uid, "init-2") and not _instances(daemon, uid, "app"),
        what="the unused init-2 and app to be removed",
    )


def test_a_daemon_killed_meanwhile_does_not_count_the_prepared_container(
    daemon: Daemon, tmp_path: Path
) -> None:
    gate, marks = tmp_path / "gate", tmp_path / "marks"
    uid = _start_gated_pod(daemon, tmp_path)
    (left_behind,) = _prepared(daemon, uid, "init-2")

    assert daemon.signal(signal.SIGKILL) == -signal.SIGKILL
    daemon.start()
    gate.write_text("0")
    wait_until(lambda: daemon.phase("gated") == "Running", what="the pod to run")
    assert marks.read_text().splitlines() == ["init-2", "app"]
    pod = daemon.pod("gated")
    assert pod is not None
    init1, init2 = pod["status"]["initContainerStatuses"]
    # init-1 was adopted, not restarted; init-2 ran once, counted as its first run
    assert (init1["restartCount"], init2["restartCount"]) == (0, 0)
    assert init2["state"]["terminated"]["exitCode"] == 0
    instances = _instances(daemon, uid, "init-2")
    assert len(instances) == 1
    assert instances[0]["created_at"] >= left_behind["created_at"]
    assert len(_instances(daemon, uid, "app")) == 1
