"""Running one probe or lifecycle-hook handler: exec, httpGet, tcpSocket, grpc, sleep.

Each returns a `HandlerResult` (success flag and the output the kubelet puts in events) and never
raises for a failing target; only cancellation propagates. Semantics follow the kubelet's
prober: exec succeeds on exit 0; httpGet on a status in [200, 400) (redirects are not followed
to other hosts); tcpSocket when a connection opens; grpc per the gRPC health protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
import urllib.parse

import msgspec

from tinykube.api import field, protowire
from tinykube.api.pod import Container, HTTPGetAction, IntOrString
from tinykube.core import restart
from tinykube.core.ids import ContainerID
from tinykube.runtime import contract

KUBE_VERSION = "1.32"
USER_AGENT = f"kube-probe/{KUBE_VERSION}"  # probes; hooks say kube-lifecycle (`userAgent`)
MAX_OUTPUT = 10 * 1024


class HandlerResult(msgspec.Struct, frozen=True):
    success: bool
    output: str  # what a probe event shows: the command's output, or the failure
    error: str = ""  # the Go error of a failed handler, for lifecycle hook messages
    errored: bool = False  # the handler could not run at all (the prober's "probe errored")


def resolve_port(port: IntOrString, container: Container) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container.ports:
        if declared.name == port:
            return declared.container_port
    try:
        return int(port)
    except ValueError:
        return None


async def run_exec(
    runtime: contract.RuntimeService,
    container_id: ContainerID,
    command: tuple[str, ...],
    *,
    timeout: float,
) -> HandlerResult:
    try:
        result = await runtime.exec_sync(container_id, command, timeout=timeout)
    except TimeoutError:
        # the exec prober's TimeoutError text
        message = f"command {field.go_quote(' '.join(command))} timed out"
        return HandlerResult(False, message, message)
    except contract.RuntimeFailure as exc:
        return HandlerResult(False, str(exc), str(exc), errored=True)
    output = (result.stdout + result.stderr)[:MAX_OUTPUT].decode("utf-8", "replace")
    if result.exit_code == 0:
        return HandlerResult(True, output)
    # the CRI client's `CodeExitError` text
    error = f"command '{' '.join(command)}' exited with {result.exit_code}: " + result.stderr[
        :MAX_OUTPUT
    ].decode("utf-8", "replace")
    return HandlerResult(False, output, error)


async def run_http(
    action: HTTPGetAction,
    container: Container,
    *,
    default_host: str,
    timeout: float,
    purpose: str = "probe",
) -> HandlerResult:
    """GET the action's URL; `purpose` ("probe" or "lifecycle") names the User-Agent."""
    result = await _run_http(
        action, container, default_host=default_host, timeout=timeout, purpose=purpose
    )
    return result if result.success else HandlerResult(False, result.output, result.output)


async def _run_http(
    action: HTTPGetAction,
    container: Container,
    *,
    default_host: str,
    timeout: float,
    purpose: str,
) -> HandlerResult:
    port = resolve_port(action.port, container)
    if port is None:
        return HandlerResult(False, f"unable to resolve port {action.port!r}")
    host = action.host or default_host
    scheme = (action.scheme or "HTTP").lower()
    path = action.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    url = f"{scheme}://{host}:{port}{path}"
    headers = {
        "Host": f"{host}:{port}",
        "User-Agent": f"kube-{purpose}/{KUBE_VERSION}",
        "Accept": "*/*",
    }
    for header in action.http_headers:
        headers[header.name] = header.value
    try:
        async with asyncio.timeout(timeout):
            status = await _http_get(host, port, path, headers, tls=scheme == "https")
    except TimeoutError:
        return HandlerResult(
            False,
            f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting '
            "headers)",
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, ConnectionRefusedError):
            reason = "connect: connection refused"
        return HandlerResult(False, f'Get "{url}": dial tcp {host}:{port}: {reason}')
    if 200 <= status < 400:
        return HandlerResult(True, "")
    return HandlerResult(False, f"HTTP probe failed with statuscode: {status}")


async def _http_get(host: str, port: int, path: str, headers: dict[str, str], *, tls: bool) -> int:
    context = None
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(host, port, ssl=context)
    try:
        request = f"GET {urllib.parse.quote(path, safe='/?=&%:+,;@')} HTTP/1.1\r\n"
        request += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request += "Connection: close\r\n\r\n"
        writer.write(request.encode("latin-1", "replace"))
        await writer.drain()
        line = await reader.readline()
        parts = line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise OSError(0, "malformed HTTP response")
        return int(parts[1])
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run_tcp(host: str, port: int | None, *, timeout: float) -> HandlerResult:
    if port is None:
        return HandlerResult(False, "unable to resolve port")
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return HandlerResult(False, f"dial tcp {host}:{port}: i/o timeout")
    except OSError as exc:
        reason = (
            "connect: connection refused"
            if isinstance(exc, ConnectionRefusedError)
            else (exc.strerror or str(exc))
        )
        return HandlerResult(False, f"dial tcp {host}:{port}: {reason}")
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return HandlerResult(True, "")


async def run_grpc(host: str, port: int, service: str | None, *, timeout: float) -> HandlerResult:
    """The gRPC health check (`grpc.health.v1.Health/Check`), as the kubelet's grpc prober.

    As there, connecting blocks until the channel is ready or the timeout (shared with the call)
    expires, so a refused connection reports the connect timeout; every failure is a plain
    probe failure, with the prober's messages (pkg/probe/grpc/grpc.go).
    """
    import grpc  # noqa: PLC0415 - grpcio is loaded only by pods that use grpc probes

    name = (service or "").encode()
    request = protowire.length_delimited(1, name) if name else b""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # net.JoinHostPort
    within = restart.format_go_duration(datetime.timedelta(seconds=timeout))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    options = [("grpc.primary_user_agent", USER_AGENT)]
    try:
        async with grpc.aio.insecure_channel(target, options=options) as channel:
            try:
                async with asyncio.timeout_at(deadline):
                    await channel.channel_ready()
            except TimeoutError:
                return HandlerResult(
                    False,
                    f"timeout: failed to connect service {field.go_quote(target)} within "
                    f"{within}: context deadline exceeded",
                )
            check = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=lambda body: body,
                response_deserializer=lambda body: body,
            )
            remaining = max(deadline - loop.time(), 0.001)
            response: bytes = await check(request, timeout=remaining)
    except grpc.aio.AioRpcError as exc:
        code = exc.code()
        if code == grpc.StatusCode.UNIMPLEMENTED:
            return HandlerResult(
                False,
                "error: this server does not implement the grpc health protocol "
                f"(grpc.health.v1.Health): {exc.details()}",
            )
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return HandlerResult(False, f"timeout: health rpc did not complete within {within}")
        return HandlerResult(
            False,
            f"error: health rpc probe failed: rpc error: code = {_go_code(code.name)} "
            f"desc = {exc.details()}",
        )
    status = _health_status(response)
    if status == 1:
        return HandlerResult(True, "")
    names = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
    responded = field.go_quote(names.get(status, str(status)))
    return HandlerResult(False, f"service unhealthy (responded with {responded})")


def _go_code(name: str) -> str:
    """grpc-go's `codes.Code.String()` of a status code named as grpcio names it."""
    special = {"OK": "OK", "CANCELLED": "Canceled"}
    return special.get(name, "".join(part.capitalize() for part in name.split("_")))


def _health_status(response: bytes) -> int:
    """Field 1 (the status enum) of a HealthCheckResponse; 0 when absent or malformed."""
    try:
        status = protowire.first_fields(response).get(1, 0)
    except protowire.WireFormatError:
        return 0
    return status if isinstance(status, int) else 0
