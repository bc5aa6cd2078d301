"""Decoding containerd's task events from the protobuf wire format, by hand."""

from __future__ import annotations

import datetime

from tinykube.runtime.cri import events


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _envelope(topic: str, type_url: str, event: bytes) -> bytes:
    any_message = _field(1, type_url.encode()) + _field(2, event)
    return _field(2, b"k8s.io") + _field(3, topic.encode()) + _field(4, any_message)


def test_a_task_exit_carries_its_status_and_time() -> None:
    exited_at = _field(1, 1_800_000_000) + _field(2, 250_000_000)
    task_exit = (
        _field(1, b"abc")
        + _field(2, b"abc")
        + _field(3, 4242)
        + _field(4, 3)
        + _field(5, exited_at)
    )
    event = events.decode_envelope(
        _envelope("/tasks/exit", "containerd.events.TaskExit", task_exit)
    )
    assert event == events.TaskEvent(
        topic=events.Topic.EXIT,
        container_id="abc",
        exec_id="abc",
        exit_status=3,
        exited_at=datetime.datetime(2027, 1, 15, 8, 0, 0, 250_000, tzinfo=datetime.UTC),
    )
    assert event.is_container_exit


def test_an_exec_exit_is_not_the_container_exit() -> None:
    task_exit = _field(1, b"abc") + _field(2, b"exec-1") + _field(4, 0)
    event = events.decode_envelope(
        _envelope("/tasks/exit", "containerd.events.TaskExit", task_exit)
    )
    assert event is not None and not event.is_container_exit


def test_start_and_oom_name_their_container() -> None:
    start = events.decode_envelope(
        _envelope("/tasks/start", "containerd.events.TaskStart", _field(1, b"c1") + _field(2, 7))
    )
    oom = events.decode_envelope(
        _envelope("/tasks/oom", "containerd.events.TaskOOM", _field(1, b"c2"))
    )
    assert start == events.TaskEvent(topic=events.Topic.START, container_id="c1")
    assert oom == events.TaskEvent(topic=events.Topic.OOM, container_id="c2")


def test_other_topics_are_ignored() -> None:
    assert events.decode_envelope(_envelope("/tasks/delete", "x", b"")) is None


def test_the_subscribe_request_has_one_filter_per_topic() -> None:
    request = events.subscribe_request("k8s.io", (events.Topic.EXIT, events.Topic.START))
    filters = []
    index = 0
    while index < len(request):
        assert request[index] == 0x0A  # field 1, length-delimited
        length = request[index + 1]
        filters.append(request[index + 2 : index + 2 + length].decode())
        index += 2 + length
    assert filters == [
        'topic=="/tasks/exit",namespace=="k8s.io"',
        'topic=="/tasks/start",namespace=="k8s.io"',
    ]
