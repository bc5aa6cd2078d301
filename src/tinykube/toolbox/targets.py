"""What `wait-for` waits for: the target syntax, parsed into one frozen value per scheme.

    tcp://HOST:PORT                          a TCP connection is accepted
    http://HOST[:PORT]/PATH, https://…       a GET answers an expected status (2xx/3xx)
    postgres://[USER[:PASS]@]HOST[:PORT][/DB][?sslmode=disable|prefer|require]
                                             the server opens a session (postgresql:// too)
    redis://[[USER]:PASS@]HOST[:PORT][/DB]   AUTH (when given), SELECT, then PING answers PONG
                                             (rediss:// over TLS)
    file:PATH                                the path exists
    dns:NAME                                 the name resolves

Pure parsing; `display` is the target as given with its password masked, for messages.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from tinykube.toolbox import errors

_SYNTAX = (
    "expected tcp://HOST:PORT, http(s)://URL, postgres://USER:PASS@HOST:PORT/DB, "
    "redis://[:PASS@]HOST:PORT[/DB], file:PATH or dns:NAME"
)
_SSL_MODES = ("disable", "prefer", "require")


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpTarget:
    display: str
    host: str
    port: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpOptions:
    """How an HTTP(S) answer is judged: the statuses that count as ready (None: 200-399) and
    the TLS trust (a CA bundle, or no verification at all)."""

    statuses: frozenset[int] | None = None
    ca_file: str | None = None
    insecure: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpTarget:
    display: str
    url: str
    tls: bool
    host: str
    port: int
    path: str
    options: HttpOptions


@dataclass(frozen=True, slots=True, kw_only=True)
class PostgresTarget:
    display: str
    host: str
    port: int
    user: str
    password: str | None
    database: str
    sslmode: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RedisTarget:
    display: str
    host: str
    port: int
    username: str | None
    password: str | None
    db: int
    tls: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FileTarget:
    display: str
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsTarget:
    display: str
    name: str


Target = TcpTarget | HttpTarget | PostgresTarget | RedisTarget | FileTarget | DnsTarget


def parse(
    text: str, *, http: HttpOptions | None = None, env: Mapping[str, str] | None = None
) -> Target:
    """Parse one target; UsageError with the accepted syntax when it is malformed.

    `env` supplies libpq's PGUSER/PGPASSWORD defaults for postgres:// (os.environ if None).
    """
    environ = os.environ if env is None else env
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep:
        raise errors.UsageError(f"invalid target {text!r}: {_SYNTAX}")
    if scheme == "file":
        path = rest[2:] if rest.startswith("//") else rest
        if not path:
            raise errors.UsageError(f"invalid target {text!r}: file:PATH needs a path")
        return FileTarget(display=text, path=path)
    if scheme == "dns":
        name = rest.lstrip("/")
        if not name or any(c.isspace() for c in name):
            raise errors.UsageError(f"invalid target {text!r}: dns:NAME needs a host name")
        return DnsTarget(display=text, name=name)
    if not rest.startswith("//"):
        raise errors.UsageError(f"invalid target {text!r}: {_SYNTAX}")
    try:
        url = urllib.parse.urlsplit(text)
        port = url.port
    except ValueError as exc:
        raise errors.UsageError(f"invalid target {text!r}: {exc}") from None
    host = url.hostname or ""
    display = _masked(text, url)
    if scheme == "tcp":
        if not host or port is None:
            raise errors.UsageError(f"invalid target {text!r}: tcp://HOST:PORT needs both")
        return TcpTarget(display=display, host=host, port=port)
    if scheme in ("http", "https"):
        if not host:
            raise errors.UsageError(f"invalid target {text!r}: the URL has no host")
        tls = scheme == "https"
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        return HttpTarget(
            display=display,
            url=text,
            tls=tls,
            host=host,
            port=port or (443 if tls else 80),
            path=path,
            options=http or HttpOptions(),
        )
    if scheme in ("postgres", "postgresql"):
        return _parse_postgres(url, display, environ)
    if scheme in ("redis", "rediss"):
        return _parse_redis(url, display)
    raise errors.UsageError(f"unsupported target {text!r}: {_SYNTAX}")


def _masked(text: str, url: urllib.parse.SplitResult) -> str:
    if url.password is None:
        return text
    userinfo, _, hostinfo = url.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urllib.parse.urlunsplit(url._replace(netloc=f"{user}:***@{hostinfo}"))


def _parse_postgres(
    url: urllib.parse.SplitResult, display: str, env: Mapping[str, str]
) -> PostgresTarget:
    user = urllib.parse.unquote(url.username or "") or env.get("PGUSER", "") or "postgres"
    password = (
        urllib.parse.unquote(url.password) if url.password is not None else env.get("PGPASSWORD")
    )
    database = urllib.parse.unquote(url.path.lstrip("/")) or user
    sslmode = "prefer"
    for key, value in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
        if key != "sslmode":
            raise errors.UsageError(
                f"invalid target {display!r}: not supported: URL parameter {key!r} "
                "(only sslmode is)"
            )
        if value not in _SSL_MODES:
            raise errors.UsageError(
                f"invalid target {display!r}: sslmode must be one of {', '.join(_SSL_MODES)}"
            )
        sslmode = value
    return PostgresTarget(
        display=display,
        host=url.hostname or "localhost",
        port=url.port or 5432,
        user=user,
        password=password,
        database=database,
        sslmode=sslmode,
    )


def _parse_redis(url: urllib.parse.SplitResult, display: str) -> RedisTarget:
    db_text = url.path.strip("/") or "0"
    if not db_text.isdigit():
        raise errors.UsageError(
            f"invalid target {display!r}: the database after '/' must be a number"
        )
    if url.query:
        raise errors.UsageError(f"invalid target {display!r}: not supported: URL parameters")
    username = urllib.parse.unquote(url.username) if url.username else None
    password = urllib.parse.unquote(url.password) if url.password is not None else None
    if password is None and username is not None:
        raise errors.UsageError(
            f"invalid target {display!r}: a user needs a password: redis://USER:PASS@HOST:PORT "
            "(or redis://:PASS@HOST:PORT)"
        )
    return RedisTarget(
        display=display,
        host=url.hostname or "localhost",
        port=url.port or 6379,
        username=username,
        password=password,
        db=int(db_text),
        tls=url.scheme.lower() == "rediss",
    )
