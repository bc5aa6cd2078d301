"""The other `v1` objects tinykube keeps: ConfigMap, Secret, Event, Namespace, and `List`."""

import datetime
from typing import Any, ClassVar

from tinykube.api.meta import ListMeta, ObjectMeta, ObjectReference
from tinykube.api.wire import Wire


class ConfigMap(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    immutable: bool | None = None
    data: dict[str, str] = {}
    binary_data: dict[str, str] = {}
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"metadata"})


class Secret(Wire):
    """A Secret; `data` holds base64 text as on the wire, `string_data` is write-only."""

    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    immutable: bool | None = None
    data: dict[str, str] = {}
    string_data: dict[str, str] = {}
    type: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"metadata"})


class EventSource(Wire):
    component: str = ""
    host: str = ""


class EventSeries(Wire):
    count: int = 0
    last_observed_time: datetime.datetime | None = None
    __wire_micro__: ClassVar[frozenset[str]] = frozenset({"last_observed_time"})


class Event(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    involved_object: ObjectReference = ObjectReference()
    reason: str = ""
    message: str = ""
    source: EventSource = EventSource()
    first_timestamp: datetime.datetime | None = None
    last_timestamp: datetime.datetime | None = None
    count: int = 0
    type: str = ""
    event_time: datetime.datetime | None = None
    series: EventSeries | None = None
    action: str = ""
    related: ObjectReference | None = None
    reporting_component: str = ""
    reporting_instance: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset(
        {
            "metadata",
            "involved_object",
            "source",
            "first_timestamp",
            "last_timestamp",
            "event_time",
            "reporting_component",
            "reporting_instance",
        }
    )
    __wire_micro__: ClassVar[frozenset[str]] = frozenset({"event_time"})


class NamespaceSpec(Wire):
    finalizers: tuple[str, ...] = ()


class NamespaceStatus(Wire):
    phase: str = ""
    conditions: tuple[dict[str, Any], ...] = ()


class Namespace(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    spec: NamespaceSpec = NamespaceSpec()
    status: NamespaceStatus = NamespaceStatus()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"metadata", "spec", "status"})


class List(Wire):
    """A `v1` List of any objects (kept as model objects or raw wire dicts)."""

    kind: str = "List"
    api_version: str = "v1"
    metadata: ListMeta = ListMeta()
    items: tuple[Any, ...] = ()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset(
        {"kind", "api_version", "metadata", "items"}
    )
