"""Server-side printing: objects as `meta.k8s.io/v1` Tables, as the apiserver's TableConvertor.

Pods use `api.printers` (`POD_COLUMNS`, `pod_row_basis`); ConfigMaps, Secrets and Namespaces
have the apiserver's own small printers (NAME DATA AGE, NAME TYPE DATA AGE, NAME STATUS AGE);
Events have `printEvent`'s columns; the node and its Lease `printNode`'s and `printLease`'s
(`api.node`, `api.lease`). Each row carries
the object as kubectl asks (`includeObject`: `Metadata` by default, a PartialObjectMetadata;
`Object`; `None`), since kubectl reads the namespace and labels columns from it.

A pod's row is written as JSON straight from pieces kept with the stored pod (`wire.kept_with`,
so they go when the store drops that version): everything but AGE and the "(5m ago)" of
RESTARTS, which are formatted per request, once per distinct timestamp.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any, Final, NamedTuple

import msgspec

from tinykube.api import lease as api_lease
from tinykube.api import node as api_node
from tinykube.api import printers, wire
from tinykube.api.objects import ConfigMap, Event, Namespace, Secret
from tinykube.api.pod import Pod

TABLE_MEDIA: Final = "as=Table"

_NAME = printers.TableColumnDefinition(
    name="Name", type="string", format="name", description=printers.POD_COLUMNS[0].description
)
_AGE = printers.POD_COLUMNS[4]
_CREATED_AT = printers.TableColumnDefinition(
    name="Created At", type="date", description=_AGE.description
)

Row = Callable[[Any, datetime.datetime], list[Any]]


def _age(obj: Any, now: datetime.datetime) -> str:
    return (
        printers.human_duration(now - obj.metadata.creation_timestamp)
        if obj.metadata.creation_timestamp
        else "<unknown>"
    )


def _config_map_row(obj: ConfigMap, now: datetime.datetime) -> list[Any]:
    return [obj.metadata.name, len(obj.data) + len(obj.binary_data), _age(obj, now)]


def _secret_row(obj: Secret, now: datetime.datetime) -> list[Any]:
    return [obj.metadata.name, obj.type, len(obj.data) + len(obj.string_data), _age(obj, now)]


def _namespace_row(obj: Namespace, now: datetime.datetime) -> list[Any]:
    return [obj.metadata.name, obj.status.phase, _age(obj, now)]


def _default_row(obj: Any, now: datetime.datetime) -> list[Any]:
    created = obj.metadata.creation_timestamp
    return [obj.metadata.name, wire.format_time(created) if created else ""]


def _since(moment: datetime.datetime | None, now: datetime.datetime) -> str:
    """`translateTimestampSince`: a human age, `<unknown>` for a zero time."""
    if moment is None:
        return "<unknown>"
    return printers.human_duration(now - moment)


def _event_row(obj: Event, now: datetime.datetime) -> list[Any]:
    """`printEvent` with the server's wide options (kubectl hides the priority-1 cells)."""
    first = _since(obj.first_timestamp, now)
    if obj.first_timestamp is None:
        first = _since(obj.event_time, now)
    last = _since(obj.last_timestamp, now) if obj.last_timestamp is not None else first
    count = obj.count
    if obj.series is not None:
        last = _since(obj.series.last_observed_time, now)
        count = obj.series.count
    elif count > 1:
        last = f"{last} (x{count} over {first})"
    involved = obj.involved_object
    target = f"{involved.kind.lower()}/{involved.name}" if involved.name else involved.kind.lower()
    component = obj.source.component or obj.reporting_component
    instance = obj.source.host or obj.reporting_instance
    source = f"{component}, {instance}" if instance else component
    return [
        last,
        obj.type,
        obj.reason,
        target,
        involved.field_path,
        source,
        obj.message.strip(),
        first,
        count,
        obj.metadata.name,
    ]


def _event_column(
    name: str, description: str, *, priority: int = 0
) -> printers.TableColumnDefinition:
    return printers.TableColumnDefinition(
        name=name, type="string", description=description, priority=priority
    )


_EVENT_COLUMNS: Final = (
    _event_column(
        "Last Seen", "The time at which the most recent occurrence of this event was recorded."
    ),
    _event_column(
        "Type", "Type of this event (Normal, Warning), new types could be added in the future"
    ),
    _event_column(
        "Reason",
        "This should be a short, machine understandable string that gives "
        "the reason for the transition into the object's current status.",
    ),
    _event_column("Object", "The object that this event is about."),
    _event_column(
        "Subobject",
        "If referring to a piece of an object instead of an entire "
        "object, this string should contain a valid JSON/Go field access statement.",
        priority=1,
    ),
    _event_column(
        "Source",
        "The component reporting this event. Should be a short machine understandable string.",
        priority=1,
    ),
    _event_column("Message", "A human-readable description of the status of this operation."),
    _event_column(
        "First Seen",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
        priority=1,
    ),
    _event_column("Count", "The number of times this event has occurred.", priority=1),
    printers.TableColumnDefinition(
        name="Name",
        type="string",
        format="name",
        priority=1,
        description="Name must be unique within a namespace.",
    ),
)

_DATA = printers.TableColumnDefinition(
    name="Data", type="string", description="Data contains the configuration data."
)

COLUMNS: Final[dict[str, tuple[printers.TableColumnDefinition, ...]]] = {
    "Node": api_node.COLUMNS,
    "Lease": api_lease.COLUMNS,
    "Event": _EVENT_COLUMNS,
    "ConfigMap": (_NAME, _DATA, _AGE),
    "Secret": (
        _NAME,
        printers.TableColumnDefinition(
            name="Type",
            type="string",
            description="Used to facilitate programmatic handling of secret data.",
        ),
        _DATA,
        _AGE,
    ),
    "Namespace": (
        _NAME,
        printers.TableColumnDefinition(
            name="Status", type="string", description="The status of the namespace"
        ),
        _AGE,
    ),
}
_ROWS: Final[dict[str, Row]] = {
    "Node": lambda node, now: api_node.node_cells(node, now=now),
    "Lease": lambda lease, now: api_lease.lease_cells(lease, now=now),
    "Event": _event_row,
    "ConfigMap": _config_map_row,
    "Secret": _secret_row,
    "Namespace": _namespace_row,
}


def wants_table(accept: str) -> bool:
    """Whether the first acceptable media type the client prefers is a v1 Table."""
    for part in accept.split(","):
        params = {p.strip() for p in part.split(";")[1:]}
        if {"as=Table", "g=meta.k8s.io"} <= params:
            if "v=v1" in params:
                return True
            continue
        return False
    return False


def _row_object(obj: wire.Wire, include: str) -> dict[str, Any] | None:
    if include == "None":
        return None
    if include == "Object":
        return wire.to_wire(obj)  # type: ignore[no-any-return]
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": msgspec.Raw(wire.metadata_json(obj)),  # only the metadata: lists stay fast
    }


def _row(kind: str, obj: wire.Wire, *, now: datetime.datetime, include: str) -> dict[str, Any]:
    row: dict[str, Any] = {"cells": _ROWS.get(kind, _default_row)(obj, now)}
    row_object = _row_object(obj, include)
    if row_object is not None:
        row["object"] = row_object
    return row


class _PodRowJson(NamedTuple):
    """A pod's Table row as JSON around its time-dependent cells, kept per stored object.

    The row is `{"cells":[NAME,READY,STATUS,RESTARTS,AGE,IP,NODE,NOMINATED,GATES]`, then
    `"conditions"` and `"object"` when present, exactly as msgspec writes the row's dict.
    """

    basis: printers.PodRowBasis
    head: bytes  # up to the RESTARTS cell
    restarts: bytes | None  # the RESTARTS cell when it does not depend on the time
    tail: bytes  # after the AGE cell, through "conditions"
    end_with_metadata: bytes  # `tail`, then the PartialObjectMetadata object, to the row's end


_PARTIAL_METADATA: Final = (
    b',"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":'
)


def _pod_row_json(pod: Pod) -> _PodRowJson:
    basis = printers.pod_row_basis(pod)
    encode = msgspec.json.encode
    head = b'{"cells":[' + b",".join(encode(c) for c in (basis.name, basis.ready, basis.status))
    after = (basis.ip, basis.node, basis.nominated_node, basis.readiness_gates)
    tail = b"," + b",".join(encode(c) for c in after) + b"]"
    if basis.conditions:
        tail += b',"conditions":' + encode([c.to_wire() for c in basis.conditions])
    timeless = basis.timeless_restarts
    return _PodRowJson(
        basis=basis,
        head=head + b",",
        restarts=None if timeless is None else encode(timeless),
        tail=tail,
        end_with_metadata=b"".join((tail, _PARTIAL_METADATA, wire.metadata_json(pod), b"}}")),
    )


class _Clock:
    """AGE and RESTARTS texts at one `now`, as JSON strings, each computed once per request
    (the pods of a list mostly share their creation second)."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self._ages: dict[datetime.datetime | None, bytes] = {}
        self._restarts: dict[tuple[int, datetime.datetime | None], bytes] = {}

    def age(self, basis: printers.PodRowBasis) -> bytes:
        text = self._ages.get(basis.created)
        if text is None:
            text = self._ages[basis.created] = msgspec.json.encode(basis.age_at(self.now))
        return text

    def restarts(self, basis: printers.PodRowBasis) -> bytes:
        key = (basis.restart_count, basis.last_restart)
        text = self._restarts.get(key)
        if text is None:
            text = self._restarts[key] = msgspec.json.encode(basis.restarts_at(self.now))
        return text


def _pod_row(pod: Pod, *, clock: _Clock, include: str, out: list[bytes]) -> None:
    """Append the JSON of `pod`'s row to `out`."""
    kept = wire.kept_with(pod, _pod_row_json)
    restarts = kept.restarts if kept.restarts is not None else clock.restarts(kept.basis)
    out += (kept.head, restarts, b",", clock.age(kept.basis))
    if include == "None":
        out += (kept.tail, b"}")
    elif include == "Object":
        out += (kept.tail, b',"object":', msgspec.json.encode(wire.to_wire(pod)), b"}")
    else:
        out.append(kept.end_with_metadata)


def columns(kind: str) -> tuple[printers.TableColumnDefinition, ...]:
    if kind == "Pod":
        return printers.POD_COLUMNS
    return COLUMNS.get(kind, (_NAME, _CREATED_AT))


def table(
    kind: str,
    objects: Iterable[wire.Wire],
    *,
    now: datetime.datetime,
    include: str = "Metadata",
    list_meta: dict[str, Any] | None = None,
    with_columns: bool = True,
) -> dict[str, Any]:
    """A Table of `objects` (`with_columns=False` for watch events after the first); its rows
    are JSON already (one `msgspec.Raw`), pod rows built from what is kept per stored pod."""
    clock = _Clock(now)
    out: list[bytes] = []
    for obj in objects:
        out.append(b"," if out else b"[")
        if isinstance(obj, Pod):
            _pod_row(obj, clock=clock, include=include, out=out)
        else:
            out.append(msgspec.json.encode(_row(kind, obj, now=now, include=include)))
    out.append(b"]" if out else b"[]")
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta or {},
        "columnDefinitions": [c.to_wire() for c in columns(kind)] if with_columns else None,
        "rows": msgspec.Raw(b"".join(out)),
    }
