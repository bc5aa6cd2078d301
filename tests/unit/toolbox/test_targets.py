"""Target syntax of `wait-for`: each scheme parsed, passwords masked, mistakes named."""

from __future__ import annotations

import pytest

from tinykube.toolbox import errors, targets


def test_tcp() -> None:
    assert targets.parse("tcp://db.local:5432") == targets.TcpTarget(
        display="tcp://db.local:5432", host="db.local", port=5432
    )


def test_tcp_ipv6() -> None:
    target = targets.parse("tcp://[::1]:6379")
    assert isinstance(target, targets.TcpTarget)
    assert (target.host, target.port) == ("::1", 6379)


def test_http_defaults_port_and_path() -> None:
    target = targets.parse("https://example.org")
    assert isinstance(target, targets.HttpTarget)
    assert (target.tls, target.port, target.path) == (True, 443, "/")
    target = targets.parse("http://127.0.0.1:8080/healthz?full=1")
    assert isinstance(target, targets.HttpTarget)
    assert (target.tls, target.port, target.path) == (False, 8080, "/healthz?full=1")


def test_postgres_full_url_masks_the_password() -> None:
    target = targets.parse("postgresql://app:s%40cret@10.0.0.5:5433/orders?sslmode=require", env={})
    assert target == targets.PostgresTarget(
        display="postgresql://app:***@10.0.0.5:5433/orders?sslmode=require",
        host="10.0.0.5",
        port=5433,
        user="app",
        password="s@cret",
        database="orders",
        sslmode="require",
    )


def test_postgres_defaults_come_from_libpq_environment() -> None:
    target = targets.parse("postgres://db", env={"PGUSER": "svc", "PGPASSWORD": "pw"})
    assert isinstance(target, targets.PostgresTarget)
    assert (target.user, target.password, target.database, target.port) == (
        "svc",
        "pw",
        "svc",
        5432,
    )
    assert target.sslmode == "prefer"


def test_postgres_without_any_user_is_postgres() -> None:
    target = targets.parse("postgres://db/x", env={})
    assert isinstance(target, targets.PostgresTarget)
    assert (target.user, target.password) == ("postgres", None)


def test_redis_forms() -> None:
    target = targets.parse("redis://:pw@cache:6380/2")
    assert target == targets.RedisTarget(
        display="redis://:***@cache:6380/2",
        host="cache",
        port=6380,
        username=None,
        password="pw",
        db=2,
        tls=False,
    )
    target = targets.parse("rediss://default:pw@cache")
    assert isinstance(target, targets.RedisTarget)
    assert (target.username, target.port, target.db, target.tls) == ("default", 6379, 0, True)


def test_file_and_dns() -> None:
    assert targets.parse("file:/run/ready") == targets.FileTarget(
        display="file:/run/ready", path="/run/ready"
    )
    assert targets.parse("file:///run/ready") == targets.FileTarget(
        display="file:///run/ready", path="/run/ready"
    )
    assert targets.parse("dns:db.svc.cluster.local") == targets.DnsTarget(
        display="dns:db.svc.cluster.local", name="db.svc.cluster.local"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("localhost:5432", "expected tcp://HOST:PORT", id="no-scheme"),
        pytest.param("db", "expected tcp://HOST:PORT", id="bare-word"),
        pytest.param("tcp://db", "tcp://HOST:PORT needs both", id="tcp-no-port"),
        pytest.param("tcp://db:99999", "Port out of range", id="tcp-bad-port"),
        pytest.param("amqp://broker:5672", "unsupported target", id="unknown-scheme"),
        pytest.param("file:", "file:PATH needs a path", id="file-empty"),
        pytest.param("dns:", "dns:NAME needs a host name", id="dns-empty"),
        pytest.param(
            "postgres://h/db?connect_timeout=3", "not supported: URL parameter", id="pg-param"
        ),
        pytest.param(
            "postgres://h/db?sslmode=verify-full", "sslmode must be one of", id="pg-sslmode"
        ),
        pytest.param("redis://h/x", "must be a number", id="redis-db"),
        pytest.param("redis://user@h", "a user needs a password", id="redis-user-only"),
    ],
)
def test_malformed_targets_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(errors.UsageError, match=message) as caught:
        targets.parse(text, env={})
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)
