"""Native sidecars (restartable init containers), as `test/e2e_node/container_lifecycle_test.go`
checks them (shared/k8s-semantics.md §8.6–§8.11: T39, T43, T46–T56, T59–T63, T73), with the
suite's delays shortened. Pods that end by themselves share one `tinykube run`; the ones that
never end (crash loops, RestartAlways) share another, ended by `--timeout`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    FAST_BACKOFF,
    Object,
    Ran,
    app_status,
    condition,
    container,
    exec_command,
    init_status,
    pod,
    run_once,
    sidecar,
    terminated,
    waiting,
)

pytestmark = pytest.mark.e2e

INIT1, INIT2, INIT3 = "init-1", "init-2", "init-3"
RI1, RI2, RI3 = "restartable-init-1", "restartable-init-2", "restartable-init-3"
REGULAR1 = "regular-1"
LONG = 60.0  # "runs continuously": sidecars are stopped when the pod completes


def _c(name: str, **options: Any) -> Object:
    return container(name, exec_command(name, **options))


def _s(name: str, **options: Any) -> Object:
    return sidecar(name, exec_command(name, **options))


def _startup() -> Object:
    return {"exec": {"command": ["test", "-f", "started"]}, "periodSeconds": 1}


def _finishing(root: Path) -> list[Object]:
    pods = [
        pod(
            root,
            "t39-ordering",
            init_containers=[
                _c(INIT1, delay=0.2),
                _s(RI1, delay=LONG),
                _c(INIT2, delay=0.2),
                _s(RI2, delay=LONG),
                _c(INIT3, delay=0.2),
            ],
            containers=[_c(REGULAR1, delay=0.2)],
        ),
        pod(
            root,
            "t48-init-before-sidecar-fails",
            init_containers=[_c(INIT1, delay=0.2, exit_code=1), _s(RI1, delay=LONG)],
            containers=[_c(REGULAR1, delay=0.2)],
        ),
        pod(
            root,
            "t49-init-after-sidecar-fails",
            init_containers=[
                _s(RI1, delay=0.5, first_delay=3, exit_code=1),
                _c(INIT1, delay=0.2, exit_code=1),
            ],
            containers=[_c(REGULAR1, delay=0.2)],
        ),
        pod(
            root,
            "t63-startup-probe-gates",
            init_containers=[
                sidecar(
                    RI1, exec_command(RI1, start_delay=0.5, delay=LONG), startupProbe=_startup()
                ),
                sidecar(
                    RI2, exec_command(RI2, start_delay=0.5, delay=LONG), startupProbe=_startup()
                ),
            ],
            containers=[_c(REGULAR1, delay=0.2)],
        ),
        pod(
            root,
            "t73-reverse-termination",
            init_containers=[
                _s(RI1, delay=LONG, termination_seconds=0.2),
                _s(RI2, delay=LONG, termination_seconds=0.2),
                _s(RI3, delay=LONG, termination_seconds=0.2),
            ],
            containers=[_c(REGULAR1, delay=0.3)],
        ),
    ]
    for policy in ("Never", "OnFailure"):
        short = policy.lower()
        pods += [
            pod(
                root,
                f"runs-continuously-{short}",  # T43 / T50
                restart_policy=policy,
                init_containers=[_s(RI1, delay=LONG)],
                containers=[_c(REGULAR1, delay=0.2)],
            ),
            *(
                pod(
                    root,
                    f"sidecar-exits-{code}-{short}",  # T46, T47 / T52, T53
                    restart_policy=policy,
                    init_containers=[_s(RI1, delay=0.2, exit_code=code), _c(INIT1, delay=1.0)],
                    containers=[_c(REGULAR1, delay=2.0)],
                )
                for code in (0, 1)
            ),
        ]
    return pods


@pytest.fixture(scope="module")
def finishing(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "sidecars", _finishing, *FAST_BACKOFF, deadline=90)


def _looping(root: Path) -> list[Object]:
    pods = []
    for policy in ("OnFailure", "Always"):
        short = policy.lower()
        pods += [
            pod(
                root,
                f"init-before-sidecar-fails-{short}",  # T54 / T61
                restart_policy=policy,
                init_containers=[_c(INIT1, delay=0.1, exit_code=1), _s(RI1, delay=LONG)],
                containers=[_c(REGULAR1, delay=0.2)],
            ),
            pod(
                root,
                f"init-after-sidecar-fails-{short}",  # T55 / T62
                restart_policy=policy,
                init_containers=[
                    _s(RI1, delay=0.2, first_delay=1.5, exit_code=1),
                    _c(INIT1, delay=0.1, exit_code=1),
                ],
                containers=[_c(REGULAR1, delay=0.2)],
            ),
        ]
    pods += [
        pod(
            root,
            "t56-runs-continuously-always",
            restart_policy="Always",
            init_containers=[_s(RI1, delay=LONG)],
            containers=[_c(REGULAR1, delay=0.1)],
        ),
        *(
            pod(
                root,
                f"sidecar-exits-{code}-always",  # T59 / T60
                restart_policy="Always",
                init_containers=[_s(RI1, delay=0.2, exit_code=code)],
                containers=[_c(REGULAR1, delay=0.5)],
            )
            for code in (0, 1)
        ),
    ]
    return pods


@pytest.fixture(scope="module")
def looping(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "looping", _looping, *FAST_BACKOFF, "--timeout", "4s")


# ------------------------------------------------------------------------------ finishing pods


def test_finishing_pods_reach_their_final_phase(finishing: Ran) -> None:
    phases = {p["metadata"]["name"]: p["status"]["phase"] for p in finishing.result.pods}
    expected = dict.fromkeys(phases, "Succeeded")
    expected["t48-init-before-sidecar-fails"] = "Failed"
    expected["t49-init-after-sidecar-fails"] = "Failed"
    assert phases == expected
    assert finishing.result.code == 1


def test_t39_sidecars_and_init_containers_start_in_order(finishing: Ran) -> None:
    log = finishing.log("t39-ordering")
    # the first init container runs to completion before the first sidecar
    log.starts_before(INIT1, RI1)
    log.exits_before(INIT1, RI1)
    # the first sidecar runs with the second init container
    log.run_together(RI1, INIT2)
    # the second init container runs to completion before the second sidecar
    log.starts_before(INIT2, RI2)
    log.exits_before(INIT2, RI2)
    # the second sidecar starts before the third init container, both sidecars run with it
    log.starts_first(RI2, INIT3)
    log.run_together(RI1, INIT3)
    log.run_together(RI2, INIT3)
    # the third init container completes before the regular container, the sidecars run with it
    log.starts_before(INIT3, REGULAR1)
    log.exits_before(INIT3, REGULAR1)
    log.run_together(RI1, REGULAR1)
    log.run_together(RI2, REGULAR1)
    for name in (RI1, RI2):
        log.has_not_restarted(name)
    t39 = finishing.pod("t39-ordering")
    assert [s["name"] for s in t39["status"]["initContainerStatuses"]] == [
        INIT1,
        RI1,
        INIT2,
        RI2,
        INIT3,
    ]
    for name in (RI1, RI2):  # stopped by the pod's completion: the harness exits 0 on SIGTERM
        status = init_status(t39, name)
        assert (terminated(status)["exitCode"], terminated(status)["reason"]) == (0, "Completed")
        assert status["restartCount"] == 0


@pytest.mark.parametrize("policy", ["never", "onfailure"])
def test_t43_t50_sidecar_running_continuously_does_not_block_completion(
    finishing: Ran, policy: str
) -> None:
    name = f"runs-continuously-{policy}"
    log = finishing.log(name)
    log.has_not_restarted(RI1)
    log.exits(REGULAR1)
    log.exits_before(REGULAR1, RI1)
    item = finishing.pod(name)
    assert item["status"]["phase"] == "Succeeded"
    assert terminated(app_status(item, REGULAR1))["exitCode"] == 0
    assert init_status(item, RI1)["restartCount"] == 0


@pytest.mark.parametrize("code", [0, 1])
@pytest.mark.parametrize("policy", ["never", "onfailure"])
def test_t46_t47_t52_t53_exiting_sidecar_restarts_before_and_after_the_app_starts(
    finishing: Ran, policy: str, code: int
) -> None:
    name = f"sidecar-exits-{code}-{policy}"
    log = finishing.log(name)
    regular_starting = log.find(REGULAR1, "Starting")
    assert regular_starting != -1, log
    runs_before = sum(
        1 for line in log.lines[:regular_starting] if (line.name, line.verb) == (RI1, "Starting")
    )
    assert runs_before >= 2, f"{RI1} did not restart before {REGULAR1} started:\n{log}"
    log.starts_before(REGULAR1, RI1)  # and it restarts after the regular container started
    log.exits(REGULAR1)
    item = finishing.pod(name)
    assert item["status"]["phase"] == "Succeeded"  # sidecar exit codes never fail the pod
    assert init_status(item, RI1)["restartCount"] >= 2
    assert init_status(item, INIT1)["restartCount"] == 0
    log.has_not_restarted(INIT1)


def test_t48_init_container_failing_before_a_sidecar_fails_the_pod(finishing: Ran) -> None:
    log = finishing.log("t48-init-before-sidecar-fails")
    log.exits(INIT1)
    log.doesnt_start(RI1)
    log.doesnt_start(REGULAR1)
    item = finishing.pod("t48-init-before-sidecar-fails")
    assert terminated(init_status(item, INIT1))["exitCode"] == 1
    assert waiting(init_status(item, RI1))["reason"] == "PodInitializing"


def test_t49_init_container_failing_after_a_sidecar_fails_the_pod(finishing: Ran) -> None:
    log = finishing.log("t49-init-after-sidecar-fails")
    log.exits(INIT1)
    log.run_together(RI1, INIT1)
    log.doesnt_start(REGULAR1)
    item = finishing.pod("t49-init-after-sidecar-fails")
    assert terminated(init_status(item, INIT1))["exitCode"] == 1
    assert waiting(app_status(item, REGULAR1))["reason"] == "PodInitializing"
    initialized = condition(item, "Initialized")
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")


def test_t63_next_container_waits_for_the_sidecars_startup_probe(finishing: Ran) -> None:
    log = finishing.log("t63-startup-probe-gates")
    log.starts_before(RI1, RI2)
    log.starts_before(RI2, REGULAR1)
    assert log.time_of(RI1, "Started") < log.time_of(RI2, "Starting"), log
    assert log.time_of(RI2, "Started") < log.time_of(REGULAR1, "Starting"), log
    item = finishing.pod("t63-startup-probe-gates")
    assert item["status"]["phase"] == "Succeeded"


def test_t73_sidecars_stop_in_reverse_order_after_the_app(finishing: Ran) -> None:
    log = finishing.log("t73-reverse-termination")
    log.starts_first(RI1, RI2)
    log.starts_first(RI2, RI3)
    log.starts_first(RI3, REGULAR1)
    for name in (RI1, RI2, RI3):
        log.exits_before(REGULAR1, name)
    log.exits_before(RI3, RI2)
    log.exits_before(RI2, RI1)
    assert log.time_of(RI3, "Exiting") < log.time_of(RI2, "Exiting") < log.time_of(RI1, "Exiting")
    item = finishing.pod("t73-reverse-termination")
    for name in (RI1, RI2, RI3):
        state = terminated(init_status(item, name))
        assert (state["exitCode"], state["reason"]) == (0, "Completed")
    # the kubelet kills the completed pod's sidecars (killContainer's default message)
    killing = finishing.events_of("t73-reverse-termination", reason="Killing")
    assert sorted((e.field_path, e.message) for e in killing) == [
        (f"spec.initContainers{{{name}}}", f"Stopping container {name}") for name in (RI1, RI2, RI3)
    ]


# ------------------------------------------------------------------------------ looping pods


def test_looping_pods_are_stopped_at_the_timeout(looping: Ran) -> None:
    assert looping.result.code == 1
    assert 4 <= looping.result.elapsed < 15, looping.result.stderr


@pytest.mark.parametrize("policy", ["onfailure", "always"])
def test_t54_t61_init_container_failing_before_a_sidecar_keeps_the_pod_pending(
    looping: Ran, policy: str
) -> None:
    name = f"init-before-sidecar-fails-{policy}"
    assert f"pod/{name}  Running" not in looping.result.stderr
    item = looping.pod(name)
    assert init_status(item, INIT1)["restartCount"] >= 3
    log = looping.log(name)
    log.has_restarted(INIT1)
    log.doesnt_start(RI1)
    log.doesnt_start(REGULAR1)
    assert waiting(init_status(item, RI1))["reason"] == "PodInitializing"


@pytest.mark.parametrize("policy", ["onfailure", "always"])
def test_t55_t62_init_container_failing_after_a_sidecar_keeps_the_pod_pending(
    looping: Ran, policy: str
) -> None:
    name = f"init-after-sidecar-fails-{policy}"
    assert f"pod/{name}  Running" not in looping.result.stderr
    item = looping.pod(name)
    assert init_status(item, RI1)["restartCount"] >= 3
    assert init_status(item, INIT1)["restartCount"] >= 1
    log = looping.log(name)
    log.has_restarted(INIT1)
    log.run_together(RI1, INIT1)
    log.doesnt_start(REGULAR1)


def test_t56_sidecar_keeps_running_while_the_app_restarts(looping: Ran) -> None:
    name = "t56-runs-continuously-always"
    item = looping.pod(name)
    assert app_status(item, REGULAR1)["restartCount"] >= 2
    assert init_status(item, RI1)["restartCount"] == 0
    log = looping.log(name)
    log.has_not_restarted(RI1)
    log.has_restarted(REGULAR1)


@pytest.mark.parametrize("code", [0, 1])
def test_t59_t60_exiting_sidecar_restarts_under_restart_always(looping: Ran, code: int) -> None:
    name = f"sidecar-exits-{code}-always"
    item = looping.pod(name)
    assert app_status(item, REGULAR1)["restartCount"] >= 1
    log = looping.log(name)
    log.has_restarted(RI1)
    log.starts_first(RI1, REGULAR1)
    log.starts_before(REGULAR1, RI1)
    log.starts(REGULAR1)
