"""The wire base of every API object: frozen structs, Kubernetes' JSON names, Go's omission rules.

Every object of the model derives from `Wire`. In memory an object is a frozen `msgspec.Struct`
with snake_case attributes and tuples for lists; on the wire it uses Kubernetes' camelCase names
(with the apiserver's irregular spellings: `hostIP`, `imageID`, `downwardAPI`, ...) and the field
order of the Go structs, which is the order attributes are declared in.

`to_wire()` writes an object as the apiserver would marshal it:
- a field typed `X | None` is a Go pointer: omitted when None, written even when zero
  (`0`, `false`);
- any other field is a Go `omitempty` value: omitted when zero (`""`, `0`, `false`, empty tuple or
  map) unless the class lists it in `__wire_keep__` (Go fields without `omitempty`, such as
  `ready` or `restartCount`), in which case zero values are written and None becomes `null`;
- maps are written with sorted keys (Go sorts map keys); timestamps as RFC 3339 in UTC, to the
  second, or to the microsecond for fields listed in `__wire_micro__` (MicroTime).

This module and the model modules that `tinykube run` decodes (meta, pod, status, objects) keep
their annotations evaluated (no `from __future__ import annotations`): msgspec compiles and
evaluates every string annotation the first time a type is decoded or encoded, which cost ~15 ms
at each start of `tinykube run`.
"""

import datetime
import re
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Final

import msgspec

from tinykube.api import quantity

# Attribute names whose wire spelling is not plain lowerCamelCase.
_IRREGULAR_NAMES = {
    "host_ip": "hostIP",
    "host_ips": "hostIPs",
    "pod_ip": "podIP",
    "pod_ips": "podIPs",
    "host_ipc": "hostIPC",
    "host_pid": "hostPID",
    "image_id": "imageID",
    "container_id": "containerID",
    "downward_api": "downwardAPI",
    "set_hostname_as_fqdn": "setHostnameAsFQDN",
    "scale_io": "scaleIO",
    "target_wwns": "targetWWNs",
    "wwids": "wwids",
    "iscsi": "iscsi",
    "volume_id": "volumeID",
    "dataset_uuid": "datasetUUID",
    "pd_id": "pdID",
    "disk_uri": "diskURI",
    "tcp_socket": "tcpSocket",
    "http_get": "httpGet",
    "http_headers": "httpHeaders",
    "uid": "uid",
    "grpc": "grpc",
}


def wire_name(attribute: str) -> str:
    """The Kubernetes JSON name of a snake_case attribute."""
    irregular = _IRREGULAR_NAMES.get(attribute)
    if irregular is not None:
        return irregular
    head, *rest = attribute.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@typing.dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(msgspec.field,)
)
class Wire(
    msgspec.Struct,
    frozen=True,
    gc=False,  # model objects hold no reference cycles: keep them out of the cyclic GC
    kw_only=True,
    forbid_unknown_fields=True,
    rename=wire_name,
):
    """Base of every API object (see the module docstring for the wire rules)."""

    __wire_keep__: ClassVar[frozenset[str]] = frozenset()
    __wire_micro__: ClassVar[frozenset[str]] = frozenset()


class _FieldPlan(typing.NamedTuple):
    attribute: str
    name: str
    pointer: bool  # typed `X | None`: omit only when None
    keep: bool  # no `omitempty`: always written
    micro: bool


_PLANS: dict[type, tuple[_FieldPlan, ...]] = {}


def _is_optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return type(None) in typing.get_args(annotation)
    return False


def _plan(cls: type[Wire]) -> tuple[_FieldPlan, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = tuple(
            _FieldPlan(
                attribute=field.name,
                name=field.encode_name,
                pointer=_is_optional(field.type),  # resolved by msgspec: no second pass
                keep=field.name in cls.__wire_keep__,
                micro=field.name in cls.__wire_micro__,
            )
            for field in msgspec.structs.fields(cls)
        )
        _PLANS[cls] = plan
    return plan


def format_time(value: datetime.datetime, *, micro: bool = False) -> str:
    """RFC 3339 in UTC as Kubernetes writes `Time` (seconds) and `MicroTime` (microseconds)."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    if micro:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_zero(value: Any) -> bool:
    if value is False or value is None:
        return True
    if isinstance(value, str | tuple | list | dict):
        return len(value) == 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    return False


def to_wire(value: Any, *, micro: bool = False) -> Any:
    """A JSON-ready value (dicts in wire order) for a model object or any value inside one."""
    if isinstance(value, Wire):
        out: dict[str, Any] = {}
        for field in _plan(type(value)):
            item = getattr(value, field.attribute)
            if item is None:
                if field.keep:
                    out[field.name] = None
                continue
            if not field.keep and not field.pointer and _is_zero(item):
                continue
            out[field.name] = to_wire(item, micro=field.micro)
        return out
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if isinstance(value, tuple | list):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(value[key]) for key in sorted(value)}
    if isinstance(value, quantity.Quantity):
        return str(value)
    if isinstance(value, datetime.datetime):
        return format_time(value, micro=micro)
    raise TypeError(f"cannot write {type(value).__name__} to the wire")


# The JSON of the objects a store holds, kept while it holds them (objects are immutable): a
# store calls `remember_json` when it writes or reads an object and `forget_json` when it
# drops it from its cache, so listing the same pods again costs a lookup, not a walk of every
# field. What is derived from such an object (its list-item JSON, its metadata's JSON, its Table
# row: `kept_with`) is kept in the same entry, so it goes when the object goes. The limit only
# bounds what a store might fail to forget.
_JSON_CACHE_LIMIT: Final = 20_000
_TYPE_META: Final = re.compile(rb'^\{"kind":"[^"]*","apiVersion":"[^"]*",?')


class _Encoded(msgspec.Struct):
    value: Wire  # held, so that its id is not reused while the entry exists
    body: bytes
    metadata: bytes | None = None
    derived: dict[Callable[[Any], Any], Any] | None = None  # see `kept_with`


_json_cache: dict[int, _Encoded] = {}


def remember_json(value: Wire, encoded: bytes) -> None:
    """Keep `encoded` as the JSON of `value`, until `forget_json(value)`."""
    if len(_json_cache) >= _JSON_CACHE_LIMIT:
        del _json_cache[next(iter(_json_cache))]  # the oldest entry
    _json_cache[id(value)] = _Encoded(value, encoded)


def forget_json(value: Wire) -> None:
    if _remembered(value) is not None:
        del _json_cache[id(value)]


def _remembered(value: Wire) -> _Encoded | None:
    entry = _json_cache.get(id(value))
    return entry if entry is not None and entry.value is value else None


def to_json(value: Wire, *, type_meta: bool = True) -> bytes:
    """The JSON of a model object, as `to_wire` writes it (`type_meta=False`: without `kind`
    and `apiVersion`, as list items are written); the remembered bytes when there are some."""
    entry = _remembered(value)
    if entry is not None:
        return entry.body if type_meta else kept_with(value, _list_item_json)
    encoded = msgspec.json.encode(to_wire(value))
    return encoded if type_meta else _without_type_meta(encoded)


def _list_item_json(value: Wire) -> bytes:
    return _without_type_meta(to_json(value))


def _without_type_meta(encoded: bytes) -> bytes:
    match = _TYPE_META.match(encoded)
    if match is None:
        return encoded
    rest = encoded[match.end() :]
    return b"{" + rest if match.group().endswith(b",") or rest == b"}" else encoded


def metadata_json(value: Wire) -> bytes:
    """The JSON of `value.metadata` (Table rows carry only it), kept with a remembered object."""
    entry = _remembered(value)
    if entry is not None and entry.metadata is not None:
        return entry.metadata
    encoded = msgspec.json.encode(to_wire(getattr(value, "metadata", None) or {}))
    if entry is not None:
        entry.metadata = encoded
    return encoded


D = typing.TypeVar("D")


def kept_with(value: Wire, derive: Callable[[Any], D]) -> D:
    """`derive(value)`, computed once and kept with a remembered object (so it lives exactly
    as long as the object's JSON: until the store forgets it); computed afresh for others.
    `derive` must depend on nothing but the object, which is immutable."""
    entry = _remembered(value)
    if entry is None:
        return derive(value)
    if entry.derived is None:
        entry.derived = {}
    elif derive in entry.derived:
        kept: D = entry.derived[derive]
        return kept
    made = entry.derived[derive] = derive(value)
    return made


def _decode_hook(kind: type, value: Any) -> Any:
    if kind is quantity.Quantity:
        return quantity.parse_wire(value)
    raise NotImplementedError(kind)


T = typing.TypeVar("T", bound=Wire)


def strip_nulls(value: Any) -> Any:
    """Drop `null` members of objects, as Go's decoder leaves such fields at their zero value."""
    if isinstance(value, dict):
        return {key: strip_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [strip_nulls(item) for item in value]
    return value


def from_wire(raw: Any, cls: type[T]) -> T:
    """Build a model object from decoded JSON/YAML; raises msgspec.ValidationError on a mismatch.

    Callers wanting apiserver-style errors use `tinykube.api.decoding` instead.
    """
    return msgspec.convert(strip_nulls(raw), cls, strict=True, dec_hook=_decode_hook)


FromWire = Callable[[Any], Wire]
