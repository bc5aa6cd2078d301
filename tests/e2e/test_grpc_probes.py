"""gRPC probes on real processes: each container runs a tiny gRPC health server (grpcio's generic
handlers, no generated stubs) on its own local port, and readiness or liveness probes call
`grpc.health.v1.Health/Check` on it. Passing probes make the container ready; failures show the
kubelet's prober messages (pkg/probe/grpc/grpc.go) in `Unhealthy` events: a NOT_SERVING answer,
an unknown service (NotFound), a server without the health service (Unimplemented), a health
call slower than the timeout, and a port nothing listens on (the prober's blocking dial times
out). A startup probe waits for the server to listen, so that no probe runs before it does.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    LOG_DIR,
    Object,
    Ran,
    app_status,
    container,
    exec_command,
    pod,
    run_once,
    terminated,
)

pytestmark = pytest.mark.e2e

SERVER, OTHER = "server", "other"
LISTENING = f"{LOG_DIR}/listening"

# The health server: `server.py PORT MODE MARKER`. MODE is what Check does: `serving`,
# `not-serving`, `hang` (answers after 3 s), or `none` (no health service at all). Only the
# default service "" is known; any other name is NotFound, as grpc-go's health server says.
# MARKER is touched once the server listens; SIGTERM stops it with exit 0.
SERVER_SCRIPT = """
import os, signal, sys, time
from concurrent import futures

import grpc

port, mode, marker = int(sys.argv[1]), sys.argv[2], sys.argv[3]
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # threads inherit the mask


def service_of(request):
    if len(request) >= 2 and request[0] == 0x0A:
        return request[2 : 2 + request[1]].decode()
    return ""


def check(request, context):
    if mode == "hang":
        time.sleep(3)
    if service_of(request):
        context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
    return bytes([0x08, 2 if mode == "not-serving" else 1])


server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
if mode != "none":
    handler = grpc.unary_unary_rpc_method_handler(
        check, request_deserializer=None, response_serializer=None
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": handler}),)
    )
server.add_insecure_port(f"127.0.0.1:{port}")
server.start()
open(marker, "w").close()
signal.sigwait({signal.SIGTERM})
os._exit(0)  # at once: a pool thread may still sleep in a slow Check
"""


def _free_ports(count: int) -> list[int]:
    """Distinct local ports nothing listens on (all bound at once, then released)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


SERVING, NOT_SERVING, UNKNOWN_SERVICE, NO_HEALTH, HANG, LIVENESS, CLOSED = _free_ports(7)


def _grpc(port: int, service: str | None = None, **timing: int) -> Object:
    action: Object = {"port": port}
    if service is not None:
        action["service"] = service
    return {"grpc": action, "periodSeconds": 1, **timing}


def _started() -> Object:
    return {"exec": {"command": ["test", "-f", LISTENING]}, "periodSeconds": 1}


def _pods(root: Path) -> list[Object]:
    script = root / "server.py"
    script.write_text(SERVER_SCRIPT)

    def served(name: str, port: int, mode: str, *others: Object, **probes: Object) -> Object:
        command = [sys.executable, str(script), str(port), mode, LISTENING]
        return pod(
            root,
            name,
            containers=[container(SERVER, command, startupProbe=_started(), **probes), *others],
            terminationGracePeriodSeconds=2,
        )

    return [
        served(
            "serving",
            SERVING,
            "serving",
            readinessProbe=_grpc(SERVING),
            livenessProbe=_grpc(SERVING, failureThreshold=1),
        ),
        served("not-serving", NOT_SERVING, "not-serving", readinessProbe=_grpc(NOT_SERVING)),
        served(
            "unknown-service",
            UNKNOWN_SERVICE,
            "serving",
            readinessProbe=_grpc(UNKNOWN_SERVICE, service="other"),
        ),
        served("no-health-service", NO_HEALTH, "none", readinessProbe=_grpc(NO_HEALTH)),
        served("slow-health-check", HANG, "hang", readinessProbe=_grpc(HANG)),
        # with a second container that keeps the pod running: were the probed one alone, the
        # kubelet would kill the whole pod, announcing "Stopping container"
        served(
            "liveness-not-serving",
            LIVENESS,
            "not-serving",
            container(OTHER, exec_command(OTHER, delay=60)),
            livenessProbe=_grpc(LIVENESS, failureThreshold=1),
        ),
        pod(
            root,
            "connection-refused",
            containers=[
                container(SERVER, exec_command(SERVER, delay=60), readinessProbe=_grpc(CLOSED))
            ],
            terminationGracePeriodSeconds=2,
        ),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "grpc", _pods, "--timeout", "8s")


def _probe_events(ran: Ran, name: str, kind: str) -> set[tuple[str, str]]:
    """The (type, message) of the Unhealthy events of one kind of probe (startup ones aside)."""
    return {
        (event.type, event.message)
        for event in ran.events_of(name, container=SERVER, reason="Unhealthy")
        if event.message.startswith(f"{kind} probe")
    }


def test_serving_health_check_makes_the_container_ready(ran: Ran) -> None:
    assert "pod/serving  Running  ready 1/1" in ran.result.stderr, ran.result.stderr
    assert _probe_events(ran, "serving", "Readiness") == set()
    assert _probe_events(ran, "serving", "Liveness") == set()
    assert app_status(ran.pod("serving"), SERVER)["restartCount"] == 0


@pytest.mark.parametrize(
    ("name", "output"),
    [
        pytest.param(
            "not-serving", 'service unhealthy (responded with "NOT_SERVING")', id="not-serving"
        ),
        pytest.param(
            "unknown-service",
            "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service",
            id="unknown-service",
        ),
        pytest.param(
            "no-health-service",
            # the details are grpcio's own for an unknown method (grpc-go says "unknown service")
            "error: this server does not implement the grpc health protocol "
            "(grpc.health.v1.Health): Method not found!",
            id="unimplemented",
        ),
        pytest.param(
            "slow-health-check",
            "timeout: health rpc did not complete within 1s",
            id="rpc-timeout",
        ),
        pytest.param(
            "connection-refused",
            f'timeout: failed to connect service "127.0.0.1:{CLOSED}" within 1s: '
            "context deadline exceeded",
            id="connection-refused",
        ),
    ],
)
def test_failing_health_check_keeps_the_container_unready(ran: Ran, name: str, output: str) -> None:
    assert f"pod/{name}  Running  ready 0/1" in ran.result.stderr, ran.result.stderr
    assert f"pod/{name}  Running  ready 1/1" not in ran.result.stderr
    assert _probe_events(ran, name, "Readiness") == {
        ("Warning", f"Readiness probe failed: {output}")
    }


def test_not_serving_liveness_check_kills_the_container(ran: Ran) -> None:
    name = "liveness-not-serving"
    assert _probe_events(ran, name, "Liveness") == {
        ("Warning", 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")')
    }
    killing = ran.events_of(name, container=SERVER, reason="Killing")
    assert [event.message for event in killing] == [f"Container {SERVER} failed liveness probe"]
    item = ran.pod(name)
    assert item["status"]["phase"] == "Succeeded"  # both exit 0 on SIGTERM
    status = app_status(item, SERVER)
    assert (status["restartCount"], terminated(status)["exitCode"]) == (0, 0)  # Never: no restart
