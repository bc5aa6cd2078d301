"""The examples of docs/examples.md, run by `tinykube run` against real services on loopback.

Each test loads an example from examples/, points its ConfigMap at this module's private
PostgreSQL, Redis, etcd and file server (services.py), and prepares its pod for observation:
the venv's `tinykube` on every container's PATH (as docs/examples.md tells users to arrange),
and each regular container wrapped to append `<time> <name> Starting` (and for init containers
`<time> <name> Exited <code>`) to a log in a hostPath volume, so the order in which containers
ran is checked on what really happened: no app container ever starts before every init
container has exited 0. Then the dependency-down cases: a database that comes up late (the pod
sits in Init:Error/Init:CrashLoopBackOff with restarts and the reason in status and logs, then
starts by itself) and one that never comes up (the pod fails, the reason in the init
container's termination message).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e import services
from tests.e2e.conftest import (
    DEFAULT_DEADLINE,
    FAST_BACKOFF,
    TINYKUBE,
    ContainerLog,
    Object,
    RunResult,
    init_status,
    run_tinykube,
    terminated,
    wait_for,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DATA = EXAMPLES / "data"
CONTAINER_PATH = f"{TINYKUBE.parent}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ORDER_DIR = "/order"

pytestmark = pytest.mark.e2e


# ------------------------------------------------------------------------------ services


@pytest.fixture(scope="module")
def postgres() -> Iterator[services.Postgres]:
    with services.closing(services.Postgres(), start=False) as instance:
        yield instance


@pytest.fixture(scope="module")
def redis() -> Iterator[services.Redis]:
    with services.closing(services.Redis(), start=True) as instance:
        yield instance


@pytest.fixture(scope="module")
def etcd() -> Iterator[services.Etcd]:
    with services.closing(services.Etcd(), start=True) as instance:
        yield instance


@pytest.fixture
def files() -> Iterator[services.FileServer]:
    server = services.FileServer(DATA)
    try:
        yield server
    finally:
        server.close()


# ------------------------------------------------------------------------------ examples


def load_example(name: str) -> list[Object]:
    return list(yaml.safe_load_all((EXAMPLES / name).read_text()))


def the(objects: list[Object], kind: str, name: str | None = None) -> Object:
    for obj in objects:
        if obj["kind"] == kind and (name is None or obj["metadata"]["name"] == name):
            return obj
    raise AssertionError(f"no {kind} {name or ''} in the example")


def configure(objects: list[Object], config_map: str, **values: str) -> None:
    """Change values of one of the example's ConfigMaps (the knobs the example exposes)."""
    data = the(objects, "ConfigMap", config_map)["data"]
    for key, value in values.items():
        assert key in data, f"{config_map} has no {key}"
        data[key] = value


def observe(objects: list[Object], tmp_path: Path) -> list[Object]:
    """The example's pods with `tinykube` on PATH and every regular container logging its start
    (and init containers their exit) into tmp_path/order/log."""
    result = copy.deepcopy(objects)
    order = tmp_path / "order"
    order.mkdir(exist_ok=True)
    for pod in (obj for obj in result if obj["kind"] == "Pod"):
        spec = pod["spec"]
        spec.setdefault("volumes", []).append(
            {"name": "order", "hostPath": {"path": str(order), "type": "Directory"}}
        )
        for kind in ("initContainers", "containers"):
            for container in spec.get(kind, []):
                container.setdefault("env", []).append({"name": "PATH", "value": CONTAINER_PATH})
                container.setdefault("volumeMounts", []).append(
                    {"name": "order", "mountPath": ORDER_DIR}
                )
                if container.get("restartPolicy") == "Always":
                    continue  # a sidecar: observed through its status and logs
                name = container["name"]
                starting = f'echo "$(date +%s.%N) {name} Starting" >> {ORDER_DIR}/log'
                exited = f'echo "$(date +%s.%N) {name} Exited $rc" >> {ORDER_DIR}/log'
                if kind == "initContainers":
                    script = f'{starting}; "$@"; rc=$?; {exited}; exit $rc'
                else:
                    script = f'{starting}; exec "$@"'
                original = container.get("command", [])
                container["command"] = ["sh", "-c", script, container["name"], *original]
    return result


def assert_apps_started_after_inits(log: ContainerLog, pod: Object) -> None:
    """Every app container started only after each regular init container had exited 0, in
    order, and no init container ran again after an app container started."""
    inits = [
        c["name"]
        for c in pod["spec"].get("initContainers", [])
        if c.get("restartPolicy") != "Always"
    ]
    apps = [c["name"] for c in pod["spec"]["containers"]]
    first_app = min(
        (i for i, line in enumerate(log.lines) if line.name in apps and line.verb == "Starting"),
        default=-1,
    )
    assert first_app != -1, f"no app container started:\n{log}"
    position = -1
    for name in inits:
        succeeded = [
            i
            for i, line in enumerate(log.lines[:first_app])
            if line.name == name and line.verb == "Exited" and line.rest == "0"
        ]
        assert succeeded, f"{name} had not succeeded when the app started:\n{log}"
        assert succeeded[-1] > position, f"{name} succeeded out of order:\n{log}"
        position = succeeded[-1]
    for line in log.lines[first_app:]:
        assert line.name not in inits, f"{line.name} ran after an app container started:\n{log}"


def container_log(state: Path, pod: str, container: str, restart: int = 0) -> str:
    paths = list(state.glob(f"logs/default_{pod}_*/{container}/{restart}.log"))
    assert paths, f"no log of {pod}/{container} #{restart} under {state}"
    # CRI format: <time> <stream> <tag> <content>
    return "\n".join(line.split(" ", 3)[3] for line in paths[0].read_text().splitlines())


def run_example(
    tmp_path: Path, objects: list[Object], *flags: str, deadline: float = DEFAULT_DEADLINE
) -> tuple[RunResult, ContainerLog, Path]:
    state = tmp_path / "state"
    result = run_tinykube(
        tmp_path, observe(objects, tmp_path), "--state-dir", str(state), *flags, deadline=deadline
    )
    return result, ContainerLog.read(tmp_path / "order" / "log"), state


class LiveRun:
    """`tinykube run --events -o json` in the background, its stderr lines collected live."""

    def __init__(self, tmp_path: Path, objects: list[Object], *flags: str) -> None:
        manifest = tmp_path / "pods.yaml"
        manifest.write_text(yaml.safe_dump_all(observe(objects, tmp_path), sort_keys=False))
        self.state = tmp_path / "state"
        argv = [str(TINYKUBE), "run", "-f", str(manifest), "--events", "-o", "json"]
        argv += ["--state-dir", str(self.state), *flags]
        self.order = tmp_path / "order" / "log"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.stdout = ""
        self._readers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        self.stdout = self.process.stdout.read()

    def wait_line(self, pattern: str, *, timeout: float = DEFAULT_DEADLINE) -> re.Match[str]:
        regex = re.compile(pattern)

        def seen() -> re.Match[str] | None:
            for line in list(self.lines):
                match = regex.search(line)
                if match is not None:
                    return match
            assert self.process.poll() is None or self.lines, "tinykube run ended"
            return None

        try:
            return wait_for(seen, timeout=timeout, what=f"a line matching {pattern!r}")
        except AssertionError:
            self.kill()
            raise AssertionError(
                f"no line matching {pattern!r}:\n" + "\n".join(self.lines)
            ) from None

    def finish(self, *, timeout: float = DEFAULT_DEADLINE) -> RunResult:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"tinykube run did not end within {timeout}s:\n" + "\n".join(self.lines)
            ) from None
        self._close()
        pods = json.loads(self.stdout)["items"] if self.stdout.strip() else []
        return RunResult(
            code=code,
            pods=pods,
            stderr="\n".join(self.lines),
            elapsed=time.monotonic() - self.started,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        for reader in self._readers:
            reader.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None and not stream.closed:
                stream.close()


# ------------------------------------------------------------------------------ job 1: fetch


def fetch_example(files: services.FileServer) -> list[Object]:
    objects = load_example("fetch-data.yaml")
    configure(
        objects,
        "fetch-data-source",
        DATASET_URL=f"{files.url}/readings.csv",
        CONFIG_URL=f"{files.url}/report.conf",
    )
    return objects


def test_the_examples_checksum_is_the_datas() -> None:
    digest = services.sha256_of(DATA / "readings.csv")
    for name, config_map in (
        ("fetch-data.yaml", "fetch-data-source"),
        ("combined.yaml", "combined-settings"),
    ):
        assert the(load_example(name), "ConfigMap", config_map)["data"]["DATASET_SHA256"] == digest


def test_fetch_data(tmp_path: Path, files: services.FileServer) -> None:
    result, log, state = run_example(tmp_path, fetch_example(files))
    assert result.code == 0, result.stderr
    pod = result.pod("fetch-data")
    assert pod["status"]["phase"] == "Succeeded"
    assert_apps_started_after_inits(log, pod)
    assert container_log(state, "fetch-data", "report").splitlines() == [
        "Weekly rainfall (mm)",
        "brest 22.9",
        "lyon 13.4",
        "nice 0.8",
    ]
    assert "sha256 verified" in container_log(state, "fetch-data", "fetch-dataset")


def test_fetch_resumes_a_dropped_download(tmp_path: Path, files: services.FileServer) -> None:
    files.cut_after["/readings.csv"] = 100
    result, log, state = run_example(tmp_path, fetch_example(files))
    assert result.code == 0, result.stderr
    assert ("/readings.csv", "bytes=100-") in files.requests
    fetch_log = container_log(state, "fetch-data", "fetch-dataset")
    assert "resuming at byte 100" in fetch_log
    assert "sha256 verified" in fetch_log
    assert_apps_started_after_inits(log, result.pod("fetch-data"))


def test_fetch_with_a_wrong_checksum_fails_before_the_app(
    tmp_path: Path, files: services.FileServer
) -> None:
    objects = fetch_example(files)
    configure(objects, "fetch-data-source", DATASET_SHA256="0" * 64)
    result, log, _ = run_example(tmp_path, objects)
    assert result.code == 1, result.stderr
    pod = result.pod("fetch-data")
    assert pod["status"]["phase"] == "Failed"
    state = terminated(init_status(pod, "fetch-dataset"))
    assert state["exitCode"] == 1
    assert f"sha256 mismatch: expected {'0' * 64}, got " in state["message"]
    assert log.find("report", "Starting") == -1, f"the app started:\n{log}"


# ------------------------------------------------------------------------------ job 2: wait


def wait_example(
    postgres: services.Postgres, redis: services.Redis, *, timeout: str = "30s"
) -> list[Object]:
    objects = load_example("wait-for-dependencies.yaml")
    configure(
        objects,
        "orders-dependencies",
        PGPORT=str(postgres.port),
        REDIS_URL=redis.url,
        WAIT_TIMEOUT=timeout,
    )
    return objects


def test_wait_for_dependencies(
    tmp_path: Path, postgres: services.Postgres, redis: services.Redis
) -> None:
    postgres.start()
    result, log, state = run_example(tmp_path, wait_example(postgres, redis))
    assert result.code == 0, result.stderr
    pod = result.pod("orders")
    assert pod["status"]["phase"] == "Succeeded"
    assert_apps_started_after_inits(log, pod)
    assert re.fullmatch(
        r"order \d+ recorded; \d+ orders counted", container_log(state, "orders", "app")
    )
    assert "accepts sessions (user app, database app)" in container_log(
        state, "orders", "wait-for-postgres"
    )
    assert postgres.psql("SELECT to_regclass('orders')", database="app").strip() == "orders"


def test_a_database_that_comes_up_late(
    tmp_path: Path, postgres: services.Postgres, redis: services.Redis
) -> None:
    postgres.stop()
    run = LiveRun(tmp_path, wait_example(postgres, redis, timeout="1s"), *FAST_BACKOFF)
    try:
        # The pod waits in Init:… with restarts; nothing after the failing init container runs.
        run.wait_line(r"pod/orders  Init:(Error|CrashLoopBackOff)  ready 0/1  restarts [1-9]")
        assert ContainerLog.read(run.order).find("wait-for-redis", "Starting") == -1
        postgres.start()
        result = run.finish()
    finally:
        run.kill()
    assert result.code == 0, result.stderr
    pod = result.pod("orders")
    assert pod["status"]["phase"] == "Succeeded"
    assert init_status(pod, "wait-for-postgres")["restartCount"] >= 1
    # Each failed attempt's log ends with the one line that says what was not ready and why.
    first_attempt = container_log(tmp_path / "state", "orders", "wait-for-postgres", 0)
    assert re.fullmatch(
        rf"wait-for: not ready after 1\.0s \(\d+ attempts?\): postgres://app@127\.0\.0\.1:"
        rf"{postgres.port}/app: connection refused",
        first_attempt.splitlines()[-1],
    ), first_attempt
    log = ContainerLog.read(run.order)
    failures = [line for line in log.lines if line.name == "wait-for-postgres" and line.rest == "1"]
    assert failures, f"wait-for-postgres never failed:\n{log}"
    assert log.count("app", "Starting") == 1
    assert_apps_started_after_inits(log, pod)


def test_a_database_that_never_comes_up(
    tmp_path: Path, postgres: services.Postgres, redis: services.Redis
) -> None:
    postgres.stop()
    objects = wait_example(postgres, redis, timeout="1s")
    the(objects, "Pod")["spec"]["restartPolicy"] = "Never"
    result, log, _ = run_example(tmp_path, objects)
    assert result.code == 1, result.stderr
    pod = result.pod("orders")
    assert pod["status"]["phase"] == "Failed"
    state = terminated(init_status(pod, "wait-for-postgres"))
    assert state["exitCode"] == 1
    assert (
        state["message"]
        .rstrip()
        .endswith(f"postgres://app@127.0.0.1:{postgres.port}/app: connection refused")
    ), state["message"]
    for name in ("wait-for-redis", "create-schema", "app"):
        assert log.find(name, "Starting") == -1, f"{name} started:\n{log}"


# ------------------------------------------------------------------------------ job 3: initialise


def test_initialise_keys_and_credentials(tmp_path: Path) -> None:
    objects = load_example("initialise-secrets.yaml")
    token = the(objects, "Secret")["stringData"]["API_TOKEN"]
    result, log, state = run_example(tmp_path, objects)
    assert result.code == 0, result.stderr
    pod = result.pod("initialise")
    assert pod["status"]["phase"] == "Succeeded"
    assert_apps_started_after_inits(log, pod)
    output = container_log(state, "initialise", "app")
    assert "keys on tmpfs" in output
    assert "subject=CN = initialise" in output
    assert "the certificate matches the key" in output
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    assert f"api token decrypted: sha256 {digest}" in output
    assert "/keys is read-only" in output


# ------------------------------------------------------------------------------ job 4: register


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        status: int = response.status
    return status


def test_register_then_deregister_on_stop(tmp_path: Path, etcd: services.Etcd) -> None:
    objects = load_example("register-service.yaml")
    port = services.free_port()
    configure(objects, "registry", ETCDCTL_ENDPOINTS=etcd.endpoint, SERVICE_PORT=str(port))
    key = "/services/catalog/catalog"
    run = LiveRun(tmp_path, objects)
    try:
        run.wait_line(r"pod/catalog  Running  ready 1/1")
        assert etcd.get(key) == f"127.0.0.1:{port}"
        assert wait_for(
            lambda: _answers(f"http://127.0.0.1:{port}/hostname"), timeout=30, what="the app"
        )
        run.process.send_signal(signal.SIGINT)  # Ctrl-C: the pod is deleted gracefully
        result = run.finish()
    finally:
        run.kill()
    assert result.events_of("catalog", container="app", reason="Killing"), result.stderr
    assert etcd.get(key) is None, "the preStop hook did not deregister"
    log = ContainerLog.read(run.order)
    assert_apps_started_after_inits(log, the(objects, "Pod"))


def _answers(url: str) -> bool:
    try:
        return http_status(url) == 200
    except OSError:
        return False


# ------------------------------------------------------------------------------ combined


def test_combined_with_a_sidecar_that_starts_first_and_stops_last(
    tmp_path: Path,
    postgres: services.Postgres,
    redis: services.Redis,
    files: services.FileServer,
) -> None:
    postgres.start()
    objects = load_example("combined.yaml")
    configure(
        objects,
        "combined-settings",
        PGPORT=str(postgres.port),
        REDIS_URL=redis.url,
        DATASET_URL=f"{files.url}/readings.csv",
    )
    result, log, state = run_example(tmp_path, objects)
    assert result.code == 0, result.stderr
    pod = result.pod("combined")
    assert pod["status"]["phase"] == "Succeeded"
    assert_apps_started_after_inits(log, pod)
    started = [event.field_path for event in result.events_of("combined", reason="Started")]
    assert started[0] == "spec.initContainers{log-shipper}", started
    shipper = init_status(pod, "log-shipper")
    report_end = terminated(pod["status"]["containerStatuses"][0])["finishedAt"]
    assert terminated(shipper)["finishedAt"] >= report_end
    shipped = container_log(state, "combined", "log-shipper")
    assert shipped.splitlines()[0] == "report: Rainfall by station"
    assert "brest 22.9" in shipped
    assert shipped.splitlines()[-1] == "report: done"
    assert container_log(state, "combined", "render-config") == (
        "render: /templates/report.conf.tmpl -> /config/report.conf"
    )
