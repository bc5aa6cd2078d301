"""containerd's own task events (`containerd.services.events.v1.Events/Subscribe`), decoded.

containerd 1.6 does not implement the CRI's GetContainerEvents, but its event service answers
on the same socket and reports a task's exit about a millisecond after it happens (the CRI's
ContainerStatus lags ~40 ms behind: containerd deletes the task before it updates the status).
No generated stubs are needed: the few messages used are decoded here from the protobuf wire
format.

    Envelope  {1 timestamp, 2 namespace, 3 topic, 4 event: Any{1 type_url, 2 value}}
    TaskStart {1 container_id, 2 pid}
    TaskExecStarted {1 container_id, 2 exec_id, 3 pid}
    TaskExit  {1 container_id, 2 id (exec id), 3 pid, 4 exit_status, 5 exited_at: Timestamp}
    TaskOOM   {1 container_id}

A container's own exit is the TaskExit whose exec id equals its container id; ExecSync
processes end with TaskExits of other exec ids. A sandbox's pause process is a task too.
"""

from __future__ import annotations

import datetime
import enum

import msgspec

from tinykube.api import protowire

SUBSCRIBE_METHOD = "/containerd.services.events.v1.Events/Subscribe"


class Topic(enum.StrEnum):
    START = "/tasks/start"
    EXIT = "/tasks/exit"
    OOM = "/tasks/oom"
    EXEC_STARTED = "/tasks/exec-started"


class TaskEvent(msgspec.Struct, frozen=True, kw_only=True):
    topic: Topic
    container_id: str
    exec_id: str = ""
    exit_status: int = 0
    pid: int = 0
    exited_at: datetime.datetime | None = None

    @property
    def is_container_exit(self) -> bool:
        """The exit of the container's own process, not of an exec inside it."""
        return self.topic is Topic.EXIT and self.exec_id in ("", self.container_id)


def _bytes(message: dict[int, int | bytes], number: int) -> bytes:
    value = message.get(number, b"")
    return value if isinstance(value, bytes) else b""


def _int(message: dict[int, int | bytes], number: int) -> int:
    value = message.get(number, 0)
    return value if isinstance(value, int) else 0


def subscribe_request(namespace: str, topics: tuple[Topic, ...]) -> bytes:
    """SubscribeRequest{filters: [...]}, one filter per topic (filters are OR-ed)."""
    out = bytearray()
    for topic in topics:
        text = f'topic=="{topic}",namespace=="{namespace}"'.encode()
        out += protowire.length_delimited(1, text)
    return bytes(out)


def decode_envelope(data: bytes) -> TaskEvent | None:
    """The task event in one Envelope, or None for a topic not asked for."""
    envelope = protowire.first_fields(data)
    try:
        topic = Topic(_bytes(envelope, 3).decode())
    except ValueError:
        return None
    event = protowire.first_fields(_bytes(protowire.first_fields(_bytes(envelope, 4)), 2))
    container_id = _bytes(event, 1).decode()
    if topic is Topic.EXEC_STARTED:
        return TaskEvent(
            topic=topic,
            container_id=container_id,
            exec_id=_bytes(event, 2).decode(),
            pid=_int(event, 3),
        )
    if topic is not Topic.EXIT:
        return TaskEvent(topic=topic, container_id=container_id)
    stamp = protowire.first_fields(_bytes(event, 5))
    exited_at = datetime.datetime.fromtimestamp(_int(stamp, 1) + _int(stamp, 2) / 1e9, datetime.UTC)
    return TaskEvent(
        topic=topic,
        container_id=container_id,
        exec_id=_bytes(event, 2).decode(),
        exit_status=_int(event, 4),
        exited_at=exited_at,
    )
