"""Probes on real processes: readiness (exec, httpGet, tcpSocket), liveness, and startup probes,
including T27/T28 (a failing startup or liveness probe runs preStop and stops the container,
shared/k8s-semantics.md §8.3) and the startup probe gating readiness (§3.2). Readiness is seen
in the READY column of the progress lines on stderr; failures in `Unhealthy` events."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    FAST_BACKOFF,
    Object,
    Ran,
    TargetServer,
    app_status,
    closed_port,
    container,
    exec_command,
    hook_command,
    pod,
    run_once,
    terminated,
)

pytestmark = pytest.mark.e2e

REGULAR1, OTHER = "regular-1", "other"
PRE_STOP = f"PreStop-{REGULAR1}"
CLOSED = closed_port()


def _probe(handler: Object, **timing: int) -> Object:
    return {**handler, "periodSeconds": 1, **timing}


def _pods(root: Path, port: int) -> list[Object]:
    def probed(name: str, policy: str = "Never", **fields: Object) -> Object:
        return pod(
            root,
            name,
            restart_policy=policy,
            containers=[container(REGULAR1, exec_command(REGULAR1, delay=60), **fields)],
            terminationGracePeriodSeconds=2,
        )

    failing_with_prestop = {
        "exec": {"command": ["sh", "-c", "exit 1"]},
        "periodSeconds": 1,
        "failureThreshold": 1,
    }
    pre_stop = {"preStop": {"exec": {"command": hook_command(PRE_STOP, delay=0.2)}}}
    return [
        probed("readiness-exec-ok", readinessProbe=_probe({"exec": {"command": ["true"]}})),
        probed(
            "readiness-exec-fails",
            readinessProbe=_probe({"exec": {"command": ["sh", "-c", "echo not yet; exit 1"]}}),
        ),
        probed(
            "readiness-http-ok",
            readinessProbe=_probe({"httpGet": {"path": "/ready", "port": port}}),
        ),
        probed(
            "readiness-http-fails",
            readinessProbe=_probe({"httpGet": {"path": "/fail-ready", "port": port}}),
        ),
        probed("readiness-tcp-ok", readinessProbe=_probe({"tcpSocket": {"port": port}})),
        probed("readiness-tcp-fails", readinessProbe=_probe({"tcpSocket": {"port": CLOSED}})),
        probed(
            "liveness-http-fails-always",
            policy="Always",
            livenessProbe=_probe(
                {"httpGet": {"path": "/fail-live", "port": port}}, failureThreshold=1
            ),
        ),
        probed(
            "liveness-tcp-fails-always",
            policy="Always",
            livenessProbe=_probe({"tcpSocket": {"port": CLOSED}}, failureThreshold=1),
        ),
        probed(
            "liveness-exec-ok",
            livenessProbe=_probe({"exec": {"command": ["true"]}}, failureThreshold=1),
        ),
        # T27, T28 (with a second container that keeps the pod running: were the probed one
        # alone, the kubelet would kill the whole pod, announcing "Stopping container")
        pod(
            root,
            "t27-startup-fails",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=60, termination_seconds=0.2),
                    startupProbe=failing_with_prestop,
                    lifecycle=pre_stop,
                ),
                container(OTHER, exec_command(OTHER, delay=1.5)),
            ],
        ),
        pod(
            root,
            "t28-liveness-fails",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, delay=60, termination_seconds=0.2),
                    livenessProbe=failing_with_prestop,
                    lifecycle=pre_stop,
                ),
                container(OTHER, exec_command(OTHER, delay=1.5)),
            ],
        ),
        pod(
            root,
            "startup-gates-readiness",
            containers=[
                container(
                    REGULAR1,
                    exec_command(REGULAR1, start_delay=1.5, delay=60),
                    startupProbe=_probe({"exec": {"command": ["test", "-f", "started"]}}),
                )
            ],
            terminationGracePeriodSeconds=2,
        ),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, target: TargetServer) -> Ran:
    return run_once(
        tmp_path_factory,
        "probes",
        lambda root: _pods(root, target.port),
        *FAST_BACKOFF,
        "--timeout",
        "4s",
    )


def _became_ready(ran: Ran, name: str) -> bool:
    return f"pod/{name}  Running  ready 1/1" in ran.result.stderr


@pytest.mark.parametrize(
    "name", ["readiness-exec-ok", "readiness-http-ok", "readiness-tcp-ok", "liveness-exec-ok"]
)
def test_passing_probe_makes_the_container_ready(ran: Ran, name: str) -> None:
    assert _became_ready(ran, name), ran.result.stderr
    assert ran.events_of(name, reason="Unhealthy") == []
    assert app_status(ran.pod(name), REGULAR1)["restartCount"] == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("readiness-exec-fails", "Readiness probe failed: not yet", id="exec"),
        pytest.param(
            "readiness-http-fails",
            "Readiness probe failed: HTTP probe failed with statuscode: 500",
            id="http",
        ),
        pytest.param(
            "readiness-tcp-fails",
            f"Readiness probe failed: dial tcp 127.0.0.1:{CLOSED}: connect: connection refused",
            id="tcp",
        ),
    ],
)
def test_failing_readiness_probe_keeps_the_container_unready(
    ran: Ran, name: str, message: str
) -> None:
    assert f"pod/{name}  Running  ready 0/1" in ran.result.stderr
    assert not _became_ready(ran, name)
    unhealthy = ran.events_of(name, container=REGULAR1, reason="Unhealthy")
    assert unhealthy, ran.result.stderr
    assert {(e.type, e.message) for e in unhealthy} == {("Warning", message)}
    assert unhealthy[-1].count >= 2  # repeated failures are aggregated into one event
    assert app_status(ran.pod(name), REGULAR1)["restartCount"] == 0  # readiness never restarts


@pytest.mark.parametrize(
    ("name", "output"),
    [
        pytest.param(
            "liveness-http-fails-always", "HTTP probe failed with statuscode: 500", id="http"
        ),
        pytest.param(
            "liveness-tcp-fails-always",
            f"dial tcp 127.0.0.1:{CLOSED}: connect: connection refused",
            id="tcp",
        ),
    ],
)
def test_failing_liveness_probe_restarts_the_container(ran: Ran, name: str, output: str) -> None:
    status = app_status(ran.pod(name), REGULAR1)
    assert status["restartCount"] >= 1
    killing = ran.events_of(name, container=REGULAR1, reason="Killing")
    assert killing[0].message == f"Container {REGULAR1} failed liveness probe, will be restarted"
    unhealthy = ran.events_of(name, container=REGULAR1, reason="Unhealthy")
    assert unhealthy[0].message == f"Liveness probe failed: {output}"
    ran.log(name).has_restarted(REGULAR1)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        pytest.param("t27-startup-fails", "startup", id="t27-startup"),
        pytest.param("t28-liveness-fails", "liveness", id="t28-liveness"),
    ],
)
def test_failing_probe_runs_prestop_and_stops_a_restart_never_container(
    ran: Ran, name: str, kind: str
) -> None:
    log = ran.log(name)
    log.starts(PRE_STOP)
    log.run_together(REGULAR1, PRE_STOP)
    log.exits(REGULAR1)
    log.has_not_restarted(REGULAR1)
    log.exits_before(REGULAR1, OTHER)  # stopped by the probe, not by the pod's end
    item = ran.pod(name)
    assert item["status"]["phase"] == "Succeeded"  # the TERM trap exits 0; never restarted
    status = app_status(item, REGULAR1)
    assert (status["restartCount"], terminated(status)["exitCode"]) == (0, 0)
    killing = ran.events_of(name, container=REGULAR1, reason="Killing")
    # restartPolicy Never: no ", will be restarted"
    assert [e.message for e in killing] == [f"Container {REGULAR1} failed {kind} probe"]
    assert ran.events_of(name, container=REGULAR1, reason="Unhealthy")[0].message.startswith(
        f"{kind.capitalize()} probe failed"
    )


def test_startup_probe_gates_readiness(ran: Ran) -> None:
    name = "startup-gates-readiness"
    started_event = ran.events_of(name, container=REGULAR1, reason="Started")[0]
    ready_at = None
    for line in ran.result.stderr.splitlines():
        if f"pod/{name}  Running  ready 1/1" in line:
            ready_at = float(line[1:].split("s]", 1)[0])
            break
    assert ready_at is not None, ran.result.stderr
    assert ready_at - started_event.at >= 1.5
    assert f"pod/{name}  Running  ready 0/1" in ran.result.stderr


def test_probed_pods_end_at_the_timeout(ran: Ran) -> None:
    # every container exited 0 from its TERM trap: even the deleted pods Succeeded
    assert ran.result.code == 0
    assert ran.result.elapsed < 4 + 2 + 5, ran.result.stderr
