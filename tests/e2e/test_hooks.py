"""postStart hooks (exec, httpGet, sleep; failure) and sidecar preStop hooks at completion, run
by real `tinykube run` processes (shared/k8s-semantics.md §1.5, §8.3 T20/T22, §8.11 T78,
§8.14 T106–T111)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    LOG_DIR,
    Object,
    Ran,
    TargetServer,
    app_status,
    container,
    exec_command,
    hook_command,
    init_status,
    pod,
    run_once,
    sh,
    sidecar,
    terminated,
)

pytestmark = pytest.mark.e2e

REGULAR1, REGULAR2, RI1 = "regular-1", "regular-2", "restartable-init-1"
TRAPPED = "trap 'exit 7' TERM; sleep 30 & wait"  # exits 7 on SIGTERM, as a real server would


def _pods(root: Path, port: int) -> list[Object]:
    return [
        pod(
            root,
            "poststart-http",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=0.3),
                    lifecycle={"postStart": {"httpGet": {"path": "/poststart", "port": port}}},
                )
            ],
        ),
        pod(
            root,
            "poststart-sleep",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=0.2),
                    lifecycle={"postStart": {"sleep": {"seconds": 1}}},
                ),
                container(REGULAR2, exec_command(REGULAR2, delay=0.1)),
            ],
        ),
        pod(
            root,
            "poststart-fails",
            containers=[
                container(
                    REGULAR1,
                    sh(TRAPPED),
                    lifecycle={"postStart": {"exec": {"command": sh("echo oops; exit 3")}}},
                )
            ],
            terminationGracePeriodSeconds=2,
        ),
        pod(
            root,
            "poststart-fails-once",
            restart_policy="OnFailure",
            containers=[
                container(
                    REGULAR1,
                    sh("trap 'exit 7' TERM; sleep 0.5 & wait"),
                    lifecycle={
                        "postStart": {
                            "exec": {
                                "command": sh(
                                    f"test -f {LOG_DIR}/once || {{ touch {LOG_DIR}/once; exit 3; }}"
                                )
                            }
                        }
                    },
                )
            ],
            terminationGracePeriodSeconds=2,
        ),
        pod(
            root,
            "sidecar-prestop",
            init_containers=[
                sidecar(
                    RI1,
                    exec_command(RI1, delay=60),
                    lifecycle={
                        "preStop": {"exec": {"command": hook_command(f"PreStop-{RI1}", delay=0.2)}}
                    },
                )
            ],
            containers=[container(REGULAR1, exec_command(REGULAR1, delay=0.2))],
        ),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, target: TargetServer) -> Ran:
    return run_once(
        tmp_path_factory,
        "hooks",
        lambda root: _pods(root, target.port),
        "--initial-restart-backoff",
        "0.1s",
    )


def test_phases(ran: Ran) -> None:
    phases = {p["metadata"]["name"]: p["status"]["phase"] for p in ran.result.pods}
    assert phases == {
        "poststart-http": "Succeeded",
        "poststart-sleep": "Succeeded",
        "poststart-fails": "Failed",
        "poststart-fails-once": "Succeeded",
        "sidecar-prestop": "Succeeded",
    }


def test_poststart_http_get_hits_its_target_while_the_container_runs(
    ran: Ran, target: TargetServer
) -> None:
    hits = [request for request in target.requests if request.path == "/poststart"]
    assert len(hits) == 1, target.paths()
    assert hits[0].headers["User-Agent"].startswith("kube-lifecycle/")
    log = ran.log("poststart-http")
    assert log.time_of(REGULAR1, "Starting") < hits[0].at < log.time_of(REGULAR1, "Exiting"), log


def test_poststart_sleep_delays_the_next_container(ran: Ran) -> None:
    log = ran.log("poststart-sleep")
    gap = log.time_of(REGULAR2, "Starting") - log.time_of(REGULAR1, "Starting")
    assert 0.9 <= gap <= 3, log


def test_failing_poststart_kills_the_container(ran: Ran) -> None:
    item = ran.pod("poststart-fails")
    state = terminated(app_status(item, REGULAR1))
    assert (state["exitCode"], state["reason"]) == (7, "Error")
    events = [
        (e.type, e.reason, e.message) for e in ran.events_of("poststart-fails", container=REGULAR1)
    ]
    assert events == [
        ("Normal", "Created", f"Created container: {REGULAR1}"),
        ("Normal", "Started", f"Started container {REGULAR1}"),
        ("Warning", "FailedPostStartHook", "PostStartHook failed"),
        ("Normal", "Killing", "FailedPostStartHook"),
    ]


def test_container_restarts_after_a_failed_poststart_under_on_failure(ran: Ran) -> None:
    item = ran.pod("poststart-fails-once")
    status = app_status(item, REGULAR1)
    assert status["restartCount"] == 1
    assert status["lastState"]["terminated"]["exitCode"] == 7
    assert terminated(status)["exitCode"] == 0
    assert "pod/poststart-fails-once  PostStartHookError" in ran.result.stderr


def test_sidecar_prestop_runs_when_the_pod_completes(ran: Ran) -> None:
    log = ran.log("sidecar-prestop")
    pre_stop = f"PreStop-{RI1}"
    log.exits_before(REGULAR1, pre_stop)
    assert log.time_of(REGULAR1, "Exiting") < log.time_of(pre_stop, "Starting"), log
    log.run_together(RI1, pre_stop)
    log.exits_before(pre_stop, RI1)
    state = terminated(init_status(ran.pod("sidecar-prestop"), RI1))
    assert (state["exitCode"], state["reason"]) == (0, "Completed")
