"""The recorder counts repeats of an event as the kubelet's does (one Event, `count` growing),
and remembers a bounded number of them, as client-go's event correlator (an LRU of 4096)."""

from __future__ import annotations

import datetime

from tinykube.agent.recorder import AGGREGATION_CACHE_SIZE, Recorder
from tinykube.api.meta import ObjectMeta
from tinykube.api.objects import Event
from tinykube.api.pod import Container, Pod, PodSpec

START = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


class SteppingClock:
    def __init__(self) -> None:
        self.moment = START

    def now(self) -> datetime.datetime:
        self.moment += datetime.timedelta(seconds=1)
        return self.moment

    def monotonic(self) -> float:
        return (self.moment - START).total_seconds()


def _pod(index: int) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=f"p{index}", namespace="default", uid=f"uid-{index}"),
        spec=PodSpec(containers=(Container(name="app", image="busybox"),)),
    )


def test_a_repeated_event_is_one_event_with_a_growing_count() -> None:
    sunk: list[Event] = []
    recorder = Recorder(sink=sunk.append, clock=SteppingClock(), node_name="node")
    pod = _pod(0)
    for _ in range(3):
        recorder.container_event(pod, "app", type="Warning", reason="BackOff", message="m")
    assert [event.count for event in sunk] == [1, 2, 3]
    assert len({event.metadata.name for event in sunk}) == 1
    assert sunk[-1].first_timestamp == START + datetime.timedelta(seconds=1)
    assert sunk[-1].last_timestamp == START + datetime.timedelta(seconds=3)


def test_the_oldest_remembered_event_is_forgotten_beyond_the_cache_size() -> None:
    sunk: list[Event] = []
    recorder = Recorder(sink=sunk.append, clock=SteppingClock(), node_name="node")
    first = _pod(0)
    recorder.pod_event(first, type="Normal", reason="Scheduled", message="m")
    for index in range(1, AGGREGATION_CACHE_SIZE + 1):
        recorder.pod_event(_pod(index), type="Normal", reason="Scheduled", message="m")
    recorder.pod_event(first, type="Normal", reason="Scheduled", message="m")
    assert sunk[-1].count == 1  # a new Event: the first one was forgotten
    assert sunk[-1].metadata.name != sunk[0].metadata.name
    recorder.pod_event(_pod(AGGREGATION_CACHE_SIZE), type="Normal", reason="Scheduled", message="m")
    assert sunk[-1].count == 2  # a recent one is still counted
