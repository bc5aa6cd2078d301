"""postgres://USER:PASS@HOST:PORT/DB — ready when the server opens a session for USER on DB.

Speaks the frontend/backend protocol 3.0 up to ReadyForQuery, then says Terminate:
optional SSLRequest (sslmode prefer/require), StartupMessage, then the authentication the
server asks for — none (trust), cleartext, MD5 or SASL SCRAM-SHA-256 (the default of
PostgreSQL ≥ 14) — and its ErrorResponse, whose SQLSTATE is reported: 57P03 "the database
system is starting up" is the classic not-ready answer, 28P01 a wrong password, 3D000 an
unknown database. Every error is "not ready": a role or database may be being created.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import struct
from collections.abc import Mapping

from tinykube.toolbox import errors, scram, targets
from tinykube.toolbox.probes import connecting

PROTOCOL_3_0 = 196608
SSL_REQUEST_CODE = 80877103
MAX_MESSAGE = 1 << 20
_AUTH_OK, _AUTH_CLEARTEXT, _AUTH_MD5 = 0, 3, 5
_AUTH_SASL, _AUTH_SASL_CONTINUE, _AUTH_SASL_FINAL = 10, 11, 12
_AUTH_NAMES = {2: "Kerberos V5", 6: "SCM credentials", 7: "GSSAPI", 9: "SSPI"}


# ------------------------------------------------------------------------- pure encoding


def startup_message(*, user: str, database: str) -> bytes:
    body = struct.pack("!I", PROTOCOL_3_0)
    for key, value in (
        ("user", user),
        ("database", database),
        ("application_name", "tinykube-wait-for"),
    ):
        body += key.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def md5_password(*, user: str, password: str, salt: bytes) -> str:
    inner = hashlib.md5((password + user).encode()).hexdigest()
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()


def parse_error_fields(body: bytes) -> dict[str, str]:
    """ErrorResponse/NoticeResponse fields by their one-letter code (S, C, M, D, H...)."""
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return fields


def describe_error(fields: Mapping[str, str]) -> str:
    """`the database system is starting up (SQLSTATE 57P03)`."""
    text = fields.get("M", "unknown error")
    if "C" in fields:
        text += f" (SQLSTATE {fields['C']})"
    return text


def sasl_mechanisms(body: bytes) -> list[str]:
    return [name.decode(errors="replace") for name in body.split(b"\0") if name]


# ------------------------------------------------------------------------- the exchange


class _Connection:
    def __init__(self, sock: socket.socket, *, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout

    def send(self, data: bytes) -> None:
        connecting.send_all(self.sock, data, timeout=self.timeout)

    def receive(self) -> tuple[bytes, bytes]:
        header = connecting.read_exactly(self.sock, 5, timeout=self.timeout)
        kind, length = header[:1], struct.unpack("!I", header[1:])[0]
        if not (kind.isalpha() and 4 <= length <= MAX_MESSAGE):
            raise errors.NotReady(f"not a PostgreSQL server (it answered {header!r})")
        return kind, connecting.read_exactly(self.sock, length - 4, timeout=self.timeout)


def check(target: targets.PostgresTarget, *, timeout: float) -> str:
    sock: socket.socket = connecting.open_connection(target.host, target.port, timeout=timeout)
    try:
        if target.sslmode != "disable":
            sock = _negotiate_tls(sock, target, timeout=timeout)
        connection = _Connection(sock, timeout=timeout)
        connection.send(startup_message(user=target.user, database=target.database))
        _authenticate(connection, target)
        while True:
            kind, body = connection.receive()
            if kind == b"Z":  # ReadyForQuery: the session is open
                break
            if kind == b"E":
                raise errors.NotReady(describe_error(parse_error_fields(body)))
            # ParameterStatus, BackendKeyData, NoticeResponse: nothing to check
        connection.send(message(b"X", b""))  # Terminate
    finally:
        sock.close()
    return f"accepts sessions (user {target.user}, database {target.database})"


def _negotiate_tls(
    sock: socket.socket, target: targets.PostgresTarget, *, timeout: float
) -> socket.socket:
    connecting.send_all(sock, struct.pack("!II", 8, SSL_REQUEST_CODE), timeout=timeout)
    answer = connecting.read_exactly(sock, 1, timeout=timeout)
    if answer == b"S":
        # libpq's sslmode=require does not verify the certificate either
        context = connecting.client_tls_context(verify=False)
        return connecting.wrap_tls(sock, host=target.host, timeout=timeout, context=context)
    if answer == b"N":
        if target.sslmode == "require":
            raise errors.NotReady("the server does not support SSL (sslmode=require)")
        return sock
    raise errors.NotReady(f"not a PostgreSQL server (it answered {answer!r} to SSLRequest)")


def _authenticate(connection: _Connection, target: targets.PostgresTarget) -> None:
    exchange: scram.Exchange | None = None
    while True:
        kind, body = connection.receive()
        if kind == b"E":
            raise errors.NotReady(describe_error(parse_error_fields(body)))
        if kind != b"R" or len(body) < 4:
            raise errors.NotReady(f"unexpected message {kind!r} during authentication")
        code = struct.unpack("!I", body[:4])[0]
        data = body[4:]
        if code == _AUTH_OK:
            return
        if code in (_AUTH_CLEARTEXT, _AUTH_MD5, _AUTH_SASL) and target.password is None:
            raise errors.NotReady(
                f"the server asks a password for user {target.user!r} and none was given "
                "(put it in the URL or in PGPASSWORD)"
            )
        password = target.password or ""
        if code == _AUTH_CLEARTEXT:
            connection.send(message(b"p", password.encode() + b"\0"))
        elif code == _AUTH_MD5:
            hashed = md5_password(user=target.user, password=password, salt=data[:4])
            connection.send(message(b"p", hashed.encode() + b"\0"))
        elif code == _AUTH_SASL:
            offered = sasl_mechanisms(data)
            if scram.MECHANISM not in offered:
                raise errors.NotReady(
                    f"not supported: SASL mechanisms {', '.join(offered)} (only "
                    f"{scram.MECHANISM} is)"
                )
            exchange = scram.start(nonce=secrets.token_urlsafe(18))
            first = exchange.client_first.encode()
            connection.send(
                message(
                    b"p", scram.MECHANISM.encode() + b"\0" + struct.pack("!i", len(first)) + first
                )
            )
        elif code == _AUTH_SASL_CONTINUE and exchange is not None:
            final, exchange = scram.answer(
                exchange, server_first=data.decode(errors="replace"), password=password
            )
            connection.send(message(b"p", final.encode()))
        elif code == _AUTH_SASL_FINAL and exchange is not None:
            scram.verify(exchange, server_final=data.decode(errors="replace"))
        else:
            method = _AUTH_NAMES.get(code, f"method {code}")
            raise errors.NotReady(f"not supported: {method} authentication asked by the server")
