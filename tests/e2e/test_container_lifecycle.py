"""Init and app containers under the kubelet's ordering rules, as `test/e2e_node/
container_lifecycle_test.go` checks them (shared/k8s-semantics.md §8.3: T18–T22, T24), with the
suite's delays shortened to fractions of a second. The pods that end by themselves share one
`tinykube run`; the RestartAlways ones share another, ended by `--timeout`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    FAST_BACKOFF,
    Object,
    Ran,
    app_status,
    container,
    exec_command,
    hook_command,
    init_status,
    pod,
    run_once,
    terminated,
    waiting,
)

pytestmark = pytest.mark.e2e

INIT1, INIT2, INIT3, REGULAR1, REGULAR2 = "init-1", "init-2", "init-3", "regular-1", "regular-2"
POST_START_1 = f"PostStart-{REGULAR1}"


def _init(name: str, **options: Any) -> Object:
    return container(name, exec_command(name, **options))


def _finishing(root: Path) -> list[Object]:
    startup = {"exec": {"command": ["test", "-f", "started"]}, "periodSeconds": 1}
    return [
        pod(
            root,
            "t18-serial",
            init_containers=[
                _init(INIT1, delay=0.2),
                _init(INIT2, delay=0.2),
                _init(INIT3, delay=0.2),
            ],
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, start_delay=0.5, delay=0.2),
                    startupProbe=startup,
                )
            ],
        ),
        pod(
            root,
            "t19-init-fails",
            init_containers=[_init(INIT1, delay=0.2, exit_code=1)],
            containers=[_init(REGULAR1, delay=0.2)],
        ),
        pod(
            root,
            "t20-init-before-poststart",
            init_containers=[_init(INIT1, delay=0.2)],
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=1.0),
                    lifecycle={
                        "postStart": {"exec": {"command": hook_command(POST_START_1, delay=0.3)}}
                    },
                )
            ],
        ),
        pod(
            root,
            "t22-poststart-blocks-next",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=1.0),
                    lifecycle={
                        "postStart": {"exec": {"command": hook_command(POST_START_1, delay=0.4)}}
                    },
                ),
                _init(REGULAR2, delay=0.2),
            ],
        ),
    ]


def _restarting(root: Path) -> list[Object]:
    return [
        pod(
            root,
            "t21-restart-always",
            restart_policy="Always",
            containers=[_init(REGULAR1, delay=0.1, exit_code=1)],
        ),
        pod(
            root,
            "t24-inits-not-rerun",
            restart_policy="Always",
            init_containers=[
                _init(INIT1, delay=0.1),
                _init(INIT2, delay=0.1),
                _init(INIT3, delay=0.1),
            ],
            containers=[_init(REGULAR1, delay=0.2, exit_code=255)],
        ),
    ]


@pytest.fixture(scope="module")
def finishing(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "finishing", _finishing)


@pytest.fixture(scope="module")
def restarting(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "restarting", _restarting, *FAST_BACKOFF, "--timeout", "2.5s")


def test_finishing_pods_end_by_themselves(finishing: Ran) -> None:
    phases = {p["metadata"]["name"]: p["status"]["phase"] for p in finishing.result.pods}
    assert phases == {
        "t18-serial": "Succeeded",
        "t19-init-fails": "Failed",
        "t20-init-before-poststart": "Succeeded",
        "t22-poststart-blocks-next": "Succeeded",
    }
    assert finishing.result.code == 1  # one pod failed


def test_t18_init_containers_run_serially_before_the_regular_container(finishing: Ran) -> None:
    log = finishing.log("t18-serial")
    for earlier, later in ((INIT1, INIT2), (INIT2, INIT3), (INIT3, REGULAR1)):
        log.starts_before(earlier, later)
        log.exits_before(earlier, later)
        # strictly one after the other: the next one starts after the previous one exited
        assert log.time_of(earlier, "Exiting") < log.time_of(later, "Starting"), log
    t18 = finishing.pod("t18-serial")
    for name in (INIT1, INIT2, INIT3):
        assert terminated(init_status(t18, name))["exitCode"] == 0
    assert terminated(app_status(t18, REGULAR1))["reason"] == "Completed"


def test_t19_regular_container_never_starts_after_an_init_failure(finishing: Ran) -> None:
    log = finishing.log("t19-init-fails")
    log.starts(INIT1)
    log.exits(INIT1)
    log.doesnt_start(REGULAR1)
    t19 = finishing.pod("t19-init-fails")
    assert terminated(init_status(t19, INIT1))["exitCode"] == 1
    assert waiting(app_status(t19, REGULAR1))["reason"] == "PodInitializing"


def test_t20_init_container_completes_before_the_post_start_hook(finishing: Ran) -> None:
    log = finishing.log("t20-init-before-poststart")
    log.exits_before(INIT1, POST_START_1)
    log.starts_before(INIT1, POST_START_1)
    log.run_together(REGULAR1, POST_START_1)


def test_t22_second_container_waits_for_the_first_ones_post_start(finishing: Ran) -> None:
    log = finishing.log("t22-poststart-blocks-next")
    log.starts_before(POST_START_1, REGULAR2)
    log.exits_before(POST_START_1, REGULAR2)
    assert log.time_of(POST_START_1, "Exiting") < log.time_of(REGULAR2, "Starting"), log


def test_t21_failing_container_restarts_under_restart_always(restarting: Ran) -> None:
    t21 = restarting.pod("t21-restart-always")
    assert app_status(t21, REGULAR1)["restartCount"] >= 3
    log = restarting.log("t21-restart-always")
    runs = log.count(REGULAR1, "Starting")
    assert runs >= 4, log
    for run in range(runs - 1):  # sequential runs: each one exits before the next starts
        assert log.time_of(REGULAR1, "Exiting", run) < log.time_of(REGULAR1, "Starting", run + 1)


def test_t24_init_containers_are_not_rerun_when_the_regular_container_restarts(
    restarting: Ran,
) -> None:
    t24 = restarting.pod("t24-inits-not-rerun")
    assert app_status(t24, REGULAR1)["restartCount"] >= 3
    assert app_status(t24, REGULAR1)["lastState"]["terminated"]["exitCode"] == 255
    log = restarting.log("t24-inits-not-rerun")
    for name in (INIT1, INIT2, INIT3):
        log.has_not_restarted(name)
        status = init_status(t24, name)
        assert (status["restartCount"], terminated(status)["exitCode"]) == (0, 0)
    log.starts_before(INIT1, INIT2)
    log.starts_before(INIT2, INIT3)
    log.starts_before(INIT3, REGULAR1)
    log.has_restarted(REGULAR1)


def test_always_pods_deleted_at_timeout_fail(restarting: Ran) -> None:
    assert restarting.result.code == 1
    for item in restarting.result.pods:
        assert item["status"]["phase"] == "Failed"
