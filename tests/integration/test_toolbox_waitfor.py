"""`tinykube toolbox wait-for` against real services on loopback (tests/e2e/services.py):
PostgreSQL with SCRAM-SHA-256 and MD5 passwords, Redis with AUTH, etcd's HTTP health, TCP,
DNS and files — ready, not ready, and ready once the service comes up during the wait."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import services
from tests.e2e.conftest import TINYKUBE, closed_port
from tinykube.toolbox import command


@pytest.fixture(scope="module")
def scram_postgres() -> Iterator[services.Postgres]:
    with services.closing(services.Postgres(), start=True) as instance:
        yield instance


@pytest.fixture(scope="module")
def md5_postgres() -> Iterator[services.Postgres]:
    with services.closing(services.Postgres(auth="md5"), start=True) as instance:
        yield instance


@pytest.fixture(scope="module")
def redis() -> Iterator[services.Redis]:
    with services.closing(services.Redis(password="s3cret"), start=True) as instance:
        yield instance


@pytest.fixture(scope="module")
def etcd() -> Iterator[services.Etcd]:
    with services.closing(services.Etcd(), start=True) as instance:
        yield instance


def wait_for(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = command.main(["wait-for", *argv])
    return code, capsys.readouterr().err.splitlines()


def test_postgres_scram_session(
    scram_postgres: services.Postgres, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = wait_for(capsys, scram_postgres.url, "--timeout", "10s")
    assert code == 0, lines
    assert "accepts sessions (user app, database app)" in lines[0]
    assert "SCRAM-SHA-256" in scram_postgres.psql(
        "SELECT rolpassword FROM pg_authid WHERE rolname = 'app'"
    )


def test_postgres_md5_session(
    md5_postgres: services.Postgres, capsys: pytest.CaptureFixture[str]
) -> None:
    assert md5_postgres.psql("SHOW password_encryption").strip() == "md5"
    code, lines = wait_for(capsys, md5_postgres.url, "--timeout", "10s")
    assert code == 0, lines


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            ("app:app@", "app:wrong@"),
            'password authentication failed for user "app" (SQLSTATE 28P01)',
        ),
        (
            (f"/{services.PG_DATABASE}", "/missing"),
            'database "missing" does not exist (SQLSTATE 3D000)',
        ),
        (
            ("app:app@", "app@"),
            "the server asks a password for user 'app' and none was given (put it in the URL or in "
            "PGPASSWORD)",
        ),
    ],
    ids=["bad-password", "unknown-database", "no-password"],
)
def test_postgres_errors_are_named(
    scram_postgres: services.Postgres,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    change: tuple[str, str],
    reason: str,
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    head, _, tail = scram_postgres.url.rpartition("@")
    url = (
        (head + "@" + tail.replace(*change))
        if change[0].startswith("/")
        else scram_postgres.url.replace(*change)
    )
    code, lines = wait_for(capsys, url, "--timeout", "0.3s")
    assert code == 1
    assert lines[-1].startswith("wait-for: not ready after 0.3s (")
    assert lines[-1].endswith(reason), lines[-1]


def test_postgres_password_from_pgpassword(
    scram_postgres: services.Postgres,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", services.PG_PASSWORD)
    code, lines = wait_for(
        capsys, f"postgres://app@127.0.0.1:{scram_postgres.port}/app?sslmode=disable"
    )
    assert code == 0, lines


def test_postgres_that_comes_up_during_the_wait(capsys: pytest.CaptureFixture[str]) -> None:
    late = services.Postgres()
    try:
        late.init()
        starter = threading.Timer(1.0, late.start)  # the service starts while wait-for waits
        starter.start()
        try:
            code, lines = wait_for(capsys, late.url, "--timeout", "60s", "--max-delay", "0.5s")
        finally:
            starter.join()
        assert code == 0, lines
        assert lines[0].endswith("connection refused")
        assert "is ready after" in lines[-2]
    finally:
        late.close()


def test_redis_auth_and_errors(redis: services.Redis, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = wait_for(capsys, redis.url, f"redis://:s3cret@127.0.0.1:{redis.port}/3")
    assert code == 0, lines
    code, lines = wait_for(capsys, f"redis://127.0.0.1:{redis.port}", "--timeout", "0.2s")
    assert code == 1
    assert lines[-1].endswith("PING: NOAUTH Authentication required.")
    code, lines = wait_for(capsys, f"redis://:nope@127.0.0.1:{redis.port}", "--timeout", "0.2s")
    assert code == 1
    assert "AUTH: WRONGPASS" in lines[-1]
    assert "nope" not in "\n".join(lines)  # the password is masked


def test_etcd_health_over_http_and_tcp(
    etcd: services.Etcd, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = wait_for(capsys, f"{etcd.endpoint}/health", f"tcp://127.0.0.1:{etcd.port}")
    assert code == 0, lines
    assert "HTTP 200" in lines[0]
    code, lines = wait_for(
        capsys, f"{etcd.endpoint}/health", "--http-status", "204", "--timeout", "0.2s"
    )
    assert code == 1
    assert lines[-1].endswith("HTTP 200 OK (expected 204)")
    code, lines = wait_for(capsys, f"{etcd.endpoint}/nowhere", "--timeout", "0.2s")
    assert code == 1
    assert lines[-1].endswith("HTTP 404 Not Found")


def test_closed_port_unresolvable_name_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    code, lines = wait_for(
        capsys,
        f"tcp://127.0.0.1:{port}",
        "dns:no-such-host.invalid",
        f"file:{tmp_path / 'ready'}",
        "dns:localhost",
        "--timeout",
        "0.5s",
    )
    assert code == 1
    assert lines[-1] == (
        f"wait-for: not ready after 0.5s ({lines[-1].split('(')[1].split(')')[0]}): "
        f"tcp://127.0.0.1:{port}: connection refused; "
        "dns:no-such-host.invalid: does not resolve: Name or service not known; "
        f"file:{tmp_path / 'ready'}: no such file or directory"
    )
    assert any(line.startswith("wait-for: dns:localhost is ready") for line in lines)


def test_the_installed_command(tmp_path: Path) -> None:
    """`tinykube toolbox wait-for` as an init container runs it: exit status and last line."""
    missing = tmp_path / "missing"
    completed = subprocess.run(
        [str(TINYKUBE), "toolbox", "wait-for", f"file:{missing}", "--timeout", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1] == (
        f"wait-for: not ready after 0.0s (1 attempt): file:{missing}: no such file or directory"
    )
    completed = subprocess.run(
        [str(TINYKUBE), "toolbox", "wait-for", "tcp://nohost"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == (
        "wait-for: invalid target 'tcp://nohost': tcp://HOST:PORT needs both\n"
    )
