"""`pods/{name}/log`: a container's log, read from its CRI log file, as the kubelet serves it.

Files live at `<logs dir>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log` in the CRI
format (`<RFC3339Nano> <stream> <F|P> <text>`). The current instance is the container's
`restartCount`, `previous=true` the one before. Options as `kubectl logs` sends them:
`container`, `previous`, `timestamps`, `tailLines`, `limitBytes`, `sinceSeconds`, `sinceTime`,
`follow` (which streams new lines until the container stops, reading the file as it grows).
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from aiohttp import web

from tinykube.api.pod import Pod
from tinykube.api.status import ContainerStatus
from tinykube.server import errors

LOGS_DIR_KEY: Final[web.AppKey[Path]] = web.AppKey("logs_dir")
FOLLOW_POLL_SECONDS: Final = 0.1


def _choose_container(pod: Pod, requested: str) -> str:
    name = pod.metadata.name
    apps = [c.name for c in pod.spec.containers]
    inits = [c.name for c in pod.spec.init_containers]
    if not requested:
        default = pod.metadata.annotations.get("kubectl.kubernetes.io/default-container")
        if default:
            return default
        if len(apps) == 1:
            return apps[0]
        message = (
            f"a container name must be specified for pod {name}, choose one of: [{' '.join(apps)}]"
        )
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        raise errors.bad_request(message)
    if requested not in apps and requested not in inits:
        raise errors.bad_request(f"container {requested} is not valid for pod {name}")
    return requested


def _status_of(pod: Pod, container: str) -> ContainerStatus | None:
    for status in (*pod.status.init_container_statuses, *pod.status.container_statuses):
        if status.name == container:
            return status
    return None


def log_file(logs_dir: Path, pod: Pod, container: str, *, previous: bool) -> Path:
    """The CRI log file to read, or a 400 in the kubelet's words."""
    name = pod.metadata.name
    status = _status_of(pod, container)
    if status is None or (status.state.waiting is not None and not status.container_id):
        reason = status.state.waiting.reason if status and status.state.waiting else ""
        raise errors.bad_request(
            f'container "{container}" in pod "{name}" is waiting to start: '
            f"{reason or 'ContainerCreating'}"
        )
    attempt = status.restart_count
    if previous:
        if attempt == 0 or status.last_state.terminated is None:
            raise errors.bad_request(
                f'previous terminated container "{container}" in pod "{name}" not found'
            )
        attempt -= 1
    meta = pod.metadata
    return logs_dir / f"{meta.namespace}_{meta.name}_{meta.uid}" / container / f"{attempt}.log"


def _parse(line: bytes) -> tuple[str, bytes, bool] | None:
    """(timestamp, content, complete) of one CRI log line."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3:
        return None
    timestamp = parts[0].decode("ascii", "replace")
    content = parts[3] if len(parts) == 4 else b""
    return timestamp, content, parts[2] == b"F"


def _time(timestamp: str) -> datetime.datetime | None:
    seconds, _, fraction = timestamp.removesuffix("Z").partition(".")
    try:
        moment = datetime.datetime.fromisoformat(seconds).replace(tzinfo=datetime.UTC)
    except ValueError:
        return None
    micros = int(fraction[:6].ljust(6, "0")) if fraction.isdigit() else 0
    return moment.replace(microsecond=micros)


def render(
    data: bytes, *, timestamps: bool, since: datetime.datetime | None
) -> Iterator[tuple[bytes, bool]]:
    """(text, ends a line) pieces of a CRI log; partial records join the next one."""
    for raw in data.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            return  # a record still being written
        parsed = _parse(raw)
        if parsed is None:
            continue
        timestamp, content, complete = parsed
        if since is not None:
            moment = _time(timestamp)
            if moment is not None and moment < since:
                continue
        prefix = f"{timestamp} ".encode() if timestamps else b""
        yield prefix + content + (b"\n" if complete else b""), complete


def _options(request: web.Request) -> tuple[bool, bool, int | None, int | None, bool]:
    query = request.query

    def flag(name: str) -> bool:
        return query.get(name, "false").lower() in ("true", "1")

    def number(name: str) -> int | None:
        text = query.get(name)
        if text is None:
            return None
        try:
            value = int(text)
        except ValueError:
            raise errors.bad_request(f'invalid value for {name}: "{text}"') from None
        if value < 0:
            raise errors.bad_request(f"{name}: Invalid value: {value}: must be non-negative")
        return value

    return (
        flag("previous"),
        flag("timestamps"),
        number("tailLines"),
        number("limitBytes"),
        flag("follow"),
    )


def _since(request: web.Request, now: datetime.datetime) -> datetime.datetime | None:
    seconds = request.query.get("sinceSeconds")
    if seconds is not None:
        try:
            return now - datetime.timedelta(seconds=int(seconds))
        except ValueError:
            raise errors.bad_request(f'invalid value for sinceSeconds: "{seconds}"') from None
    since_time = request.query.get("sinceTime")
    if since_time:
        moment = _time(since_time)
        if moment is None:
            raise errors.bad_request(f'invalid value for sinceTime: "{since_time}"')
        return moment
    return None


async def serve_log(
    request: web.Request, pod: Pod, *, now: datetime.datetime, pod_getter: object
) -> web.StreamResponse:
    previous, timestamps, tail, limit, follow = _options(request)
    container = _choose_container(pod, request.query.get("container", ""))
    path = log_file(request.app[LOGS_DIR_KEY], pod, container, previous=previous)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    pieces = [text for text, _ in render(data, timestamps=timestamps, since=_since(request, now))]
    if tail is not None:
        pieces = _tail(pieces, tail)
    body = b"".join(pieces)
    if limit is not None:
        body = body[:limit]
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    await response.write(body)
    if follow and not previous and (limit is None or len(body) < limit):
        await _follow(
            response,
            path,
            offset=len(data),
            timestamps=timestamps,
            container=container,
            pod_getter=pod_getter,
        )
    await response.write_eof()
    return response


def _tail(pieces: list[bytes], lines: int) -> list[bytes]:
    """The last `lines` complete lines (a partial record belongs to the line it starts)."""
    if lines == 0:
        return []
    joined = b"".join(pieces).splitlines(keepends=True)
    return joined[-lines:]


async def _follow(
    response: web.StreamResponse,
    path: Path,
    *,
    offset: int,
    timestamps: bool,
    container: str,
    pod_getter: object,
) -> None:
    """Stream what is appended to the file until the container has stopped."""
    getter = pod_getter
    assert callable(getter)
    pending = b""
    while True:
        current = getter()
        status = _status_of(current, container) if current is not None else None
        stopped = status is None or status.state.running is None
        try:
            with path.open("rb") as file:
                file.seek(offset)
                chunk = file.read()
        except FileNotFoundError:
            chunk = b""
        offset += len(chunk)
        pending += chunk
        complete, _, pending = pending.rpartition(b"\n")
        if complete:
            for text, _ in render(complete + b"\n", timestamps=timestamps, since=None):
                await response.write(text)
        if stopped:
            return  # the container had stopped before this last read: nothing more comes
        await asyncio.sleep(FOLLOW_POLL_SECONDS)
