"""`pods/{name}/exec`: a command in a running container, streamed over a WebSocket (kubectl exec).

What the apiserver checks before the upgrade is answered as a Status, exactly as it answers:
404 for a missing pod, 400 for an invalid container (`container X is not valid for pod Y`) or a
request that is no upgrade (`Upgrade request required`). SPDY is not served: kubectl tries the
WebSocket first (`v5.channel.k8s.io`) and falls back to SPDY only when that is refused.

Channel protocols (the kubelet's and the apiserver's stream translator's):

    v5.channel.k8s.io         binary frames [channel, data...]; [255, channel] half-closes
    v4.channel.k8s.io         binary frames; the error channel carries a v1 Status
    v4.base64.channel.k8s.io  text frames: channel digit + base64 data
    channel.k8s.io, base64.channel.k8s.io, or none: as v4, but the error channel carries only
                              a failure's message

Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (the final Status), 4 resize
(`{"Width": W, "Height": H}`). With a tty there is no stderr.

A container that is not running is a failure after the upgrade under v5 (the apiserver's
stream translator reports the kubelet's refusal as an InternalError Status:
`unable to upgrade connection: container not found ("C")`) and a plain 500 before it under
older protocols (the kubelet's own answer, passed through). When the client goes away the
command is killed; when the command exits its output is drained (at most `DRAIN_SECONDS`),
the Status goes out on channel 3 and the WebSocket is closed normally.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, Protocol

import msgspec
from aiohttp import WSMessage, WSMsgType, web
from multidict import MultiMapping

from tinykube.api.pod import Pod
from tinykube.core.ids import ContainerID
from tinykube.runtime import contract as runtime_contract
from tinykube.server import errors, resources

_log = logging.getLogger(__name__)

STDIN: Final = 0
STDOUT: Final = 1
STDERR: Final = 2
ERROR: Final = 3
RESIZE: Final = 4
CLOSE_SIGNAL: Final = 255
CHANNELS: Final = 5
DRAIN_SECONDS: Final = 2.0  # how long output may outlive the command
FIRST_SIZE_SECONDS: Final = 0.5  # how long a tty exec waits for the terminal's size


class ContainerExec(Protocol):
    """What the endpoint needs from a runtime (`RuntimeService.exec_stream`)."""

    async def exec_stream(
        self, container_id: ContainerID, command: tuple[str, ...], *, tty: bool, stdin: bool
    ) -> runtime_contract.ExecSession: ...


EXEC_RUNTIME_KEY: Final[web.AppKey[ContainerExec | None]] = web.AppKey("exec_runtime")


# --- framing (pure) ----------------------------------------------------------------------------


class ChannelProtocol(msgspec.Struct, frozen=True):
    name: str
    binary: bool  # False: text frames, the channel as an ASCII digit and base64 data
    status_object: bool  # v4+: the error channel carries a v1 Status, not only a message
    close_signal: bool  # v5: a [255, channel] frame half-closes a channel


V5: Final = ChannelProtocol("v5.channel.k8s.io", True, True, True)
V4: Final = ChannelProtocol("v4.channel.k8s.io", True, True, False)
V4_BASE64: Final = ChannelProtocol("v4.base64.channel.k8s.io", False, True, False)
V1: Final = ChannelProtocol("channel.k8s.io", True, False, False)
V1_BASE64: Final = ChannelProtocol("base64.channel.k8s.io", False, False, False)
NO_PROTOCOL: Final = ChannelProtocol("", True, False, False)
PROTOCOLS: Final = {p.name: p for p in (V5, V4, V4_BASE64, V1, V1_BASE64, NO_PROTOCOL)}


def offered_protocols(headers: list[str]) -> list[str]:
    """The subprotocols of every Sec-WebSocket-Protocol header, in the client's order."""
    return [name.strip() for header in headers for name in header.split(",") if name.strip()]


def negotiate(offered: list[str]) -> ChannelProtocol | None:
    """The first offered protocol that is served; none offered means the bare channel protocol."""
    for name in offered or [""]:
        if name in PROTOCOLS:
            return PROTOCOLS[name]
    return None


def encode_frame(protocol: ChannelProtocol, channel: int, data: bytes) -> bytes | str:
    if protocol.binary:
        return bytes((channel,)) + data
    return chr(ord("0") + channel) + base64.b64encode(data).decode("ascii")


class Data(msgspec.Struct, frozen=True):
    channel: int
    data: bytes


class Close(msgspec.Struct, frozen=True):
    channel: int


class FrameError(ValueError):
    pass


def decode_frame(protocol: ChannelProtocol, message: bytes | str) -> Data | Close | None:
    """One client message: data for a channel, a v5 close signal, or None (empty message)."""
    raw = message.encode("latin-1") if isinstance(message, str) else message
    if not raw:
        return None
    channel = raw[0]
    if protocol.close_signal and channel == CLOSE_SIGNAL:
        if len(raw) != 2:
            raise FrameError(f"a close signal carries one channel byte, got {len(raw) - 1}")
        return Close(raw[1])
    if not protocol.binary:
        channel -= ord("0")
        try:
            return Data(channel, base64.b64decode(raw[1:], validate=True))
        except ValueError as exc:
            raise FrameError(f"invalid base64 data on channel {channel}") from exc
    return Data(channel, raw[1:])


class ResizeDecoder:
    """The stream of `{"Width": W, "Height": H}` objects on the resize channel.

    Frames need not align with objects; field names match case-insensitively (Go's json).
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        self._buffer += data.decode("utf-8", "replace")
        sizes: list[tuple[int, int]] = []
        while True:
            text = self._buffer.lstrip()
            if not text:
                self._buffer = ""
                return sizes
            try:
                value, end = self._decoder.raw_decode(text)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(text) - 1 or "Unterminated" in exc.msg:
                    self._buffer = text  # incomplete: wait for more
                    return sizes
                raise FrameError(f"invalid terminal size: {exc.msg}") from exc
            self._buffer = text[end:]
            if isinstance(value, dict):
                fields = {str(key).lower(): item for key, item in value.items()}
                width, height = fields.get("width", 0), fields.get("height", 0)
                if isinstance(width, int) and isinstance(height, int):
                    sizes.append((width, height))


def success_status() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_code_status(command: tuple[str, ...], code: int) -> dict[str, Any]:
    """The kubelet's Status for a command that exited non-zero (kubectl exits with `code`)."""
    detail = f"error executing command [{' '.join(command)}], exit code {code}"
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: {detail}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def internal_error_status(message: str) -> dict[str, Any]:
    """`apierrors.NewInternalError`, as the stream translator reports a failed exec."""
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {message}",
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    }


def error_channel_payload(protocol: ChannelProtocol, status: dict[str, Any]) -> bytes | None:
    """What the error channel carries for `status`: v4+ the Status, older only a failure."""
    if protocol.status_object:
        return json.dumps(status, separators=(",", ":")).encode()
    if status.get("status") == "Success":
        return None
    return str(status.get("message", "")).encode()


# --- request checks (the apiserver's, before any upgrade) ---------------------------------------


class ExecOptions(msgspec.Struct, frozen=True, kw_only=True):
    command: tuple[str, ...]
    container: str
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool


_TRUE: Final = frozenset(("1", "t", "T", "TRUE", "true", "True"))
_FALSE: Final = frozenset(("0", "f", "F", "FALSE", "false", "False"))


def parse_options(query: MultiMapping[str]) -> ExecOptions:
    """PodExecOptions from the query (`command` repeats), or a 400 in the apiserver's words."""

    def flag(name: str) -> bool:
        text = query.get(name)
        if text is None or text == "":
            return False
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise errors.bad_request(f'strconv.ParseBool: parsing "{text}": invalid syntax')

    tty = flag("tty")
    options = ExecOptions(
        command=tuple(query.getall("command", ())),
        container=query.get("container", ""),
        stdin=flag("stdin"),
        stdout=flag("stdout"),
        stderr=flag("stderr") and not tty,  # a terminal has no separate stderr
        tty=tty,
    )
    if not (options.stdin or options.stdout or options.stderr):
        raise errors.bad_request("you must specify at least 1 of stdin, stdout, stderr")
    if not options.command:
        raise errors.bad_request("you must specify at least one command for the container")
    return options


def _all_containers(pod: Pod) -> Iterator[str]:
    spec = pod.spec
    for container in (*spec.init_containers, *spec.containers, *spec.ephemeral_containers):
        yield container.name


def choose_container(pod: Pod, requested: str) -> str:
    """The apiserver's `validateContainer` for exec, attach and port-forward."""
    name = pod.metadata.name
    if requested:
        if requested not in set(_all_containers(pod)):
            raise errors.bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    if len(pod.spec.containers) == 1:
        return pod.spec.containers[0].name
    if not pod.spec.containers:
        raise errors.bad_request(f"a container name must be specified for pod {name}")
    choices = " ".join(_all_containers(pod))
    raise errors.bad_request(
        f"a container name must be specified for pod {name}, choose one of: [{choices}]"
    )


def running_container_id(pod: Pod, container: str) -> ContainerID | None:
    """The runtime id of `container` if the pod's status says it runs (kubelet findContainer)."""
    status = pod.status
    for entry in (
        *status.init_container_statuses,
        *status.container_statuses,
        *status.ephemeral_container_statuses,
    ):
        if entry.name == container and entry.state.running is not None and entry.container_id:
            return ContainerID(entry.container_id.partition("://")[2] or entry.container_id)
    return None


def container_not_found(container: str) -> str:
    return f'container not found ("{container}")'


# --- the endpoint ------------------------------------------------------------------------------


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/api/v1/namespaces/{namespace}/pods/{name}/exec", handle_exec)


def _is_websocket(request: web.Request) -> bool:
    upgrade = request.headers.get("Upgrade", "").lower()
    connection = request.headers.get("Connection", "").lower()
    return upgrade == "websocket" and "upgrade" in [p.strip() for p in connection.split(",")]


async def handle_exec(request: web.Request) -> web.StreamResponse:
    if request.method not in ("GET", "POST"):
        raise errors.method_not_allowed()
    namespace = request.match_info["namespace"]
    name = request.match_info["name"]
    pod = request.app[resources.STORE_KEY].get("Pod", namespace, name)
    assert isinstance(pod, Pod)
    options = parse_options(request.query)
    container = choose_container(pod, options.container)
    if not pod.spec.node_name:
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    if not _is_websocket(request):
        if request.headers.get("Upgrade", "").lower().startswith("spdy"):
            raise errors.bad_request(
                "not supported: SPDY streaming; exec is served over WebSockets "
                f"({V5.name}, {V4.name})"
            )
        raise errors.bad_request("Upgrade request required")
    runtime = request.app[EXEC_RUNTIME_KEY]
    if runtime is None:
        raise errors.bad_request("not supported: exec on an API server without a node runtime")
    protocol = negotiate(offered_protocols(request.headers.getall("Sec-WebSocket-Protocol", [])))
    if protocol is None:  # x/net/websocket's answer to a failed subprotocol handshake
        return web.Response(status=403)
    container_id = running_container_id(pod, container)
    if container_id is None and protocol is not V5:
        # Older protocols reach the kubelet directly, whose refusal is passed through.
        return web.Response(status=500, text=container_not_found(container))
    socket = web.WebSocketResponse(protocols=(protocol.name,) if protocol.name else ())
    await socket.prepare(request)
    stream = _Stream(socket, protocol)
    try:
        await stream.run(runtime, container_id, container, options)
    finally:
        with contextlib.suppress(ConnectionError):
            await socket.close()
    return socket


class _Stream:
    """One upgraded exec: pumps the command's streams and the client's frames."""

    def __init__(self, socket: web.WebSocketResponse, protocol: ChannelProtocol) -> None:
        self.socket = socket
        self.protocol = protocol
        self._send_lock = asyncio.Lock()
        self._early: list[WSMessage] = []  # received before the command started

    async def send(self, channel: int, data: bytes) -> None:
        frame = encode_frame(self.protocol, channel, data)
        async with self._send_lock:
            if isinstance(frame, bytes):
                await self.socket.send_bytes(frame)
            else:
                await self.socket.send_str(frame)

    async def send_status(self, status: dict[str, Any]) -> None:
        payload = error_channel_payload(self.protocol, status)
        if payload is not None:
            await self.send(ERROR, payload)

    async def run(
        self,
        runtime: ContainerExec,
        container_id: ContainerID | None,
        container: str,
        options: ExecOptions,
    ) -> None:
        # The apiserver's first frame, an empty message on the lowest writable channel, goes
        # out only once the command runs (or has failed to): kubectl 1.32 reads frames while
        # it still creates its streams, and drops (and logs) any frame that comes too early.
        # Under a tty its own first frame, the terminal's size, shows its streams exist.
        hello = STDOUT if options.stdout else STDERR if options.stderr else ERROR
        if options.tty:
            # kubectl sends the terminal's size first: start the command with it in place.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FIRST_SIZE_SECONDS):
                    self._early.append(await self.socket.receive())
        if container_id is None:
            await self._refuse(
                hello, f"unable to upgrade connection: {container_not_found(container)}"
            )
            return
        try:
            session = await runtime.exec_stream(
                container_id, options.command, tty=options.tty, stdin=options.stdin
            )
        except runtime_contract.NotFound:
            await self._refuse(
                hello, f"unable to upgrade connection: {container_not_found(container)}"
            )
            return
        except runtime_contract.RuntimeFailure as exc:
            await self._refuse(hello, f"error executing command in container: {exc}")
            return
        try:
            await self.send(hello, b"")
            code = await self._attach(session, options)
            if code is not None:
                status = success_status() if code == 0 else exit_code_status(options.command, code)
                with contextlib.suppress(ConnectionError):
                    await self.send_status(status)
        finally:
            await asyncio.shield(session.kill())

    async def _refuse(self, hello: int, message: str) -> None:
        await self.send(hello, b"")
        await self.send_status(internal_error_status(message))

    async def _attach(
        self, session: runtime_contract.ExecSession, options: ExecOptions
    ) -> int | None:
        """Pump until the command exits (its exit code) or the client leaves (None)."""
        stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        async with asyncio.TaskGroup() as group:
            outputs = [
                group.create_task(self._pump(session.read_stdout, STDOUT, options.stdout)),
                group.create_task(self._pump(session.read_stderr, STDERR, options.stderr)),
            ]
            feeder = group.create_task(self._feed_stdin(session, stdin))
            client = group.create_task(self._read_client(session, stdin, options))
            exited = group.create_task(session.wait())
            await asyncio.wait({client, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():  # the client went away: end the command
                pumps = (*outputs, feeder, exited)
                for task in pumps:
                    task.cancel()
                await asyncio.wait(pumps)  # none still waits on the session's streams
                await session.kill()
                return None
            await asyncio.wait(outputs, timeout=DRAIN_SECONDS)
            for task in (*outputs, feeder, client):
                task.cancel()
            return exited.result()

    async def _pump(
        self, read: Callable[[], Awaitable[bytes]], channel: int, forward: bool
    ) -> None:
        """Forward one output stream; after a failed send, drain it so the command never
        blocks on a full pipe."""
        while data := await read():
            if forward:
                try:
                    await self.send(channel, data)
                except ConnectionError:
                    forward = False

    async def _feed_stdin(
        self, session: runtime_contract.ExecSession, stdin: asyncio.Queue[bytes | None]
    ) -> None:
        while (data := await stdin.get()) is not None:
            await session.write_stdin(data)
        await session.close_stdin()

    async def _read_client(
        self,
        session: runtime_contract.ExecSession,
        stdin: asyncio.Queue[bytes | None],
        options: ExecOptions,
    ) -> None:
        """Client frames until the client closes the WebSocket or the connection drops."""
        resizes = ResizeDecoder()
        resizing = options.tty
        while True:
            message = self._early.pop(0) if self._early else await self.socket.receive()
            if message.type in (
                WSMsgType.CLOSE,
                WSMsgType.CLOSING,
                WSMsgType.CLOSED,
                WSMsgType.ERROR,
            ):
                return
            if message.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
                continue
            try:
                frame = decode_frame(self.protocol, message.data)
            except FrameError as exc:
                _log.debug("exec: ignoring a frame: %s", exc)
                continue
            match frame:
                case Close(channel=channel) if channel == STDIN and options.stdin:
                    stdin.put_nowait(None)
                case Data(channel=channel, data=data) if channel == STDIN and options.stdin:
                    if data:
                        stdin.put_nowait(data)
                case Data(channel=channel, data=data) if channel == RESIZE and resizing:
                    try:
                        sizes = resizes.feed(data)
                    except FrameError as exc:
                        _log.debug("exec: no more resizes: %s", exc)
                        resizing = False
                        continue
                    for width, height in sizes:
                        await session.resize(width=width, height=height)
                case _:
                    pass
