"""The event recorder: kubelet events about pods and their containers, aggregated.

An event repeated with the same involved object, reason, message and type increments `count`
and moves `lastTimestamp`, as client-go's event correlator does.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from typing import Final

import msgspec

from tinykube.agent.clock import Clock
from tinykube.api.meta import ObjectMeta, ObjectReference
from tinykube.api.objects import Event, EventSource
from tinykube.api.pod import Pod

EventSink = Callable[[Event], None]


def container_field_path(pod: Pod, name: str) -> str:
    if any(container.name == name for container in pod.spec.init_containers):
        return f"spec.initContainers{{{name}}}"
    return f"spec.containers{{{name}}}"


# The events remembered for counting repeats: the client-go event correlator's LRU size, so a
# long-lived daemon does not keep every event it ever recorded.
AGGREGATION_CACHE_SIZE: Final = 4096


class Recorder(msgspec.Struct):
    sink: EventSink
    clock: Clock
    node_name: str
    _seen: dict[tuple[str, str, str, str, str], Event] = msgspec.field(default_factory=dict)
    _pending: list[Event] = msgspec.field(default_factory=list)

    def pod_event(self, pod: Pod, *, type: str, reason: str, message: str) -> None:
        self._record(pod, "", type=type, reason=reason, message=message)

    def container_event(
        self, pod: Pod, container: str, *, type: str, reason: str, message: str
    ) -> None:
        self._record(
            pod, container_field_path(pod, container), type=type, reason=reason, message=message
        )

    def _record(self, pod: Pod, field_path: str, *, type: str, reason: str, message: str) -> None:
        now = self.clock.now()
        key = (pod.metadata.uid, field_path, reason, message, type)
        previous = self._seen.get(key)
        if previous is not None:
            event = Event(
                kind="Event",
                api_version="v1",
                metadata=previous.metadata,
                involved_object=previous.involved_object,
                reason=reason,
                message=message,
                source=previous.source,
                first_timestamp=previous.first_timestamp,
                last_timestamp=now,
                count=previous.count + 1,
                type=type,
                reporting_component="kubelet",
                reporting_instance=self.node_name,
            )
        else:
            meta = pod.metadata
            event = Event(
                kind="Event",
                api_version="v1",
                metadata=ObjectMeta(
                    name=f"{meta.name}.{unix_nanos(now):x}",
                    namespace=meta.namespace,
                    creation_timestamp=now,
                ),
                involved_object=ObjectReference(
                    kind="Pod",
                    namespace=meta.namespace,
                    name=meta.name,
                    uid=meta.uid,
                    api_version="v1",
                    field_path=field_path,
                ),
                reason=reason,
                message=message,
                source=EventSource(component="kubelet", host=self.node_name),
                first_timestamp=now,
                last_timestamp=now,
                count=1,
                type=type,
                reporting_component="kubelet",
                reporting_instance=self.node_name,
            )
        self._seen.pop(key, None)
        self._seen[key] = event  # most recent last
        if len(self._seen) > AGGREGATION_CACHE_SIZE:
            del self._seen[next(iter(self._seen))]  # least recently recorded
        self._deliver(event)

    def _deliver(self, event: Event) -> None:
        """Hand the event to the sink on the loop's next turn, off the caller's critical path
        (the kubelet's recorder is asynchronous too); at once when no loop runs."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.sink(event)
            return
        self._pending.append(event)
        if len(self._pending) == 1:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Deliver every event recorded so far (in order)."""
        pending, self._pending = self._pending, []
        for event in pending:
            self.sink(event)


def unix_nanos(moment: datetime.datetime) -> int:
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
