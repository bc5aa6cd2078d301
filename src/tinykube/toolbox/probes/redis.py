"""redis://[[USER]:PASS@]HOST:PORT[/DB] — ready when PING answers PONG.

Sends AUTH first when a password is given and SELECT for a database other than 0; a `-LOADING`
answer (the dataset is still being read from disk) or any other error reply is "not ready",
reported with the server's own words (`NOAUTH Authentication required.`, `WRONGPASS …`).
"""

from __future__ import annotations

import socket

from tinykube.toolbox import errors, targets
from tinykube.toolbox.probes import connecting

MAX_LINE = 65536


def command(*words: str) -> bytes:
    """A RESP array of bulk strings."""
    out = f"*{len(words)}\r\n".encode()
    for word in words:
        data = word.encode()
        out += f"${len(data)}\r\n".encode() + data + b"\r\n"
    return out


def _read_line(sock: socket.socket, *, timeout: float) -> str:
    line = bytearray()
    while not line.endswith(b"\r\n"):
        line += connecting.read_exactly(sock, 1, timeout=timeout)
        if len(line) > MAX_LINE:
            raise errors.NotReady("not a Redis server (endless reply line)")
    return line[:-2].decode(errors="replace")


def _call(sock: socket.socket, words: tuple[str, ...], expected: str, *, timeout: float) -> None:
    connecting.send_all(sock, command(*words), timeout=timeout)
    reply = _read_line(sock, timeout=timeout)
    if reply.startswith("-"):
        raise errors.NotReady(f"{words[0]}: {reply[1:]}")
    if reply != expected:
        raise errors.NotReady(f"not a Redis server ({words[0]} answered {reply[:80]!r})")


def check(target: targets.RedisTarget, *, timeout: float) -> str:
    sock: socket.socket = connecting.open_connection(target.host, target.port, timeout=timeout)
    try:
        if target.tls:
            context = connecting.client_tls_context()
            sock = connecting.wrap_tls(sock, host=target.host, timeout=timeout, context=context)
        if target.password is not None:
            words: tuple[str, ...] = ("AUTH", target.password)
            if target.username is not None:
                words = ("AUTH", target.username, target.password)
            _call(sock, words, "+OK", timeout=timeout)
        if target.db:
            _call(sock, ("SELECT", str(target.db)), "+OK", timeout=timeout)
        _call(sock, ("PING",), "+PONG", timeout=timeout)
    finally:
        sock.close()
    return "PONG"
