"""Retention in `tinykube serve`: events expire after `--event-ttl`, exited containers are
collected as the kubelet's container GC does (the last exited instance and the logs `kubectl
logs` and `--previous` read are kept), and what a deleted pod leaves is removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serving import Daemon, pod_manifest, sh, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    instance = Daemon(
        data_dir=tmp_path / "data", flags=("--event-ttl", "2s", "--gc-interval", "1s")
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.kill_leftovers()


def test_events_expire_after_the_event_ttl(daemon: Daemon) -> None:
    daemon.create_pod(pod_manifest("short", containers=[sh("app", "echo hi")]))
    wait_until(lambda: daemon.phase("short") == "Succeeded", what="pod short to succeed")
    reasons = {event["reason"] for event in daemon.events()}
    assert {"Scheduled", "Created", "Started"} <= reasons
    wait_until(lambda: daemon.events() == [], what="the events to expire", timeout=30)
    assert daemon.phase("short") == "Succeeded"  # the pod itself stays


# fails on its first three runs, then succeeds; each run prints its attempt
FLAKY = (
    "n=$(cat /work/count 2>/dev/null || echo 0); echo $((n+1)) > /work/count; "
    'echo "run $n"; [ "$n" -ge 3 ]'
)


def test_exited_containers_are_collected_but_the_last_is_kept(daemon: Daemon) -> None:
    pod = daemon.create_pod(
        pod_manifest(
            "flaky",
            restart_policy="OnFailure",
            containers=[sh("app", FLAKY, volumeMounts=[{"name": "work", "mountPath": "/work"}])],
            volumes=[{"name": "work", "emptyDir": {}}],
        )
    )
    uid = pod["metadata"]["uid"]
    wait_until(lambda: daemon.phase("flaky") == "Succeeded", what="pod flaky to succeed")
    logs = daemon.pod_log_dir(pod) / "app"

    def collected() -> bool:
        instances = daemon.runtime_instances(uid)
        files = sorted(path.name for path in logs.iterdir())
        return [i["attempt"] for i in instances] == [3] and files == ["2.log", "3.log"]

    wait_until(collected, what="the older instances and their logs to be collected")
    status = daemon.pod("flaky")
    assert status is not None
    (app,) = status["status"]["containerStatuses"]
    assert app["restartCount"] == 3
    assert app["state"]["terminated"]["exitCode"] == 0
    assert daemon.logs("flaky", "app") == (200, "run 3\n")
    assert daemon.logs("flaky", "app", previous=True) == (200, "run 2\n")


def test_what_a_deleted_pod_leaves_is_removed(daemon: Daemon) -> None:
    pod = daemon.create_pod(
        pod_manifest(
            "gone",
            containers=[sh("app", "echo bye; sleep 3600")],
            volumes=[{"name": "scratch", "emptyDir": {}}],
            grace=1,
        )
    )
    uid = pod["metadata"]["uid"]
    wait_until(lambda: daemon.phase("gone") == "Running", what="pod gone to run")
    log_dir = daemon.pod_log_dir(pod)
    assert (log_dir / "app" / "0.log").exists()
    assert daemon.runtime_instances(uid) != []

    daemon.delete_pod("gone")
    wait_until(lambda: daemon.pod("gone") is None, what="pod gone to be deleted")
    wait_until(
        lambda: (
            not log_dir.exists()
            and daemon.runtime_instances(uid) == []
            and not (daemon.data_dir / "pods" / uid).exists()
        ),
        what="its logs, containers and volumes to be removed",
    )
