"""Opening a TCP (optionally TLS) connection with a deadline, and socket errors in plain words."""

from __future__ import annotations

import socket
import ssl

from tinykube.toolbox import errors


def describe_os_error(exc: OSError, *, timeout: float) -> str:
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host: {exc.strerror}"
    if isinstance(exc, TimeoutError):
        return f"no answer within {round(timeout, 1):g}s"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    return exc.strerror or str(exc) or type(exc).__name__


def open_connection(host: str, port: int, *, timeout: float) -> socket.socket:
    """A connected socket whose every operation times out after `timeout` seconds."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise errors.NotReady(describe_os_error(exc, timeout=timeout)) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def client_tls_context(*, ca_file: str | None = None, verify: bool = True) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def wrap_tls(
    sock: socket.socket, *, host: str, timeout: float, context: ssl.SSLContext
) -> ssl.SSLSocket:
    try:
        wrapped = context.wrap_socket(sock, server_hostname=host)
    except OSError as exc:
        sock.close()
        raise errors.NotReady(describe_os_error(exc, timeout=timeout)) from None
    wrapped.settimeout(timeout)
    return wrapped


def read_exactly(sock: socket.socket, size: int, *, timeout: float) -> bytes:
    """`size` bytes, or NotReady if the peer closes or stalls first."""
    chunks = bytearray()
    while len(chunks) < size:
        try:
            chunk = sock.recv(size - len(chunks))
        except OSError as exc:
            raise errors.NotReady(describe_os_error(exc, timeout=timeout)) from None
        if not chunk:
            raise errors.NotReady("the server closed the connection")
        chunks += chunk
    return bytes(chunks)


def send_all(sock: socket.socket, data: bytes, *, timeout: float) -> None:
    try:
        sock.sendall(data)
    except OSError as exc:
        raise errors.NotReady(describe_os_error(exc, timeout=timeout)) from None
