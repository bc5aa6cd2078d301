"""Request bodies in Kubernetes' protobuf encoding, for the kinds kubectl's typed clients send.

kubectl 1.32 creates ConfigMaps, Secrets and Namespaces (`kubectl create configmap|secret|
namespace`) through client-go's typed clients, which send `application/vnd.kubernetes.protobuf`
bodies and offer no JSON fallback on a 415. So the server reads those three kinds: the body is
the magic `k8s\\0` followed by a `runtime.Unknown` envelope (`typeMeta`, `raw`), and `raw` is the
object's message in the field numbers of `k8s.io/api/core/v1/generated.proto`. `decode`
returns the object as a wire dict (what the JSON body would have been), so that everything
after it — field validation, admission — is shared with JSON. Other kinds, and bodies that are
not well-formed, are refused: 415 for a kind this module does not read (the apiserver's
UnsupportedMediaType with the media types that do work), 400 for broken data.

Answers stay JSON: every client that sends protobuf also accepts JSON.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any, Final

import msgspec

from tinykube.api import protowire

MEDIA_TYPE: Final = "application/vnd.kubernetes.protobuf"
MAGIC: Final = b"k8s\x00"


class ProtobufError(Exception):
    """A body that is not a well-formed Kubernetes protobuf message (a 400)."""


class UnsupportedKind(Exception):
    """A well-formed body of a kind this module does not decode (a 415)."""


class Field(msgspec.Struct, frozen=True):
    name: str
    kind: str  # string, bytes, int, bool, time, message, map, strings, messages
    message: str = ""  # for message/messages
    map_bytes: bool = False  # map values are bytes (written base64, as JSON does)


Message = dict[int, Field]

_TIME: Final[Message] = {1: Field("seconds", "int"), 2: Field("nanos", "int")}

MESSAGES: Final[dict[str, Message]] = {
    "ObjectMeta": {
        1: Field("name", "string"),
        2: Field("generateName", "string"),
        3: Field("namespace", "string"),
        4: Field("selfLink", "string"),
        5: Field("uid", "string"),
        6: Field("resourceVersion", "string"),
        7: Field("generation", "int"),
        8: Field("creationTimestamp", "time"),
        9: Field("deletionTimestamp", "time"),
        10: Field("deletionGracePeriodSeconds", "int"),
        11: Field("labels", "map"),
        12: Field("annotations", "map"),
        13: Field("ownerReferences", "messages", "OwnerReference"),
        14: Field("finalizers", "strings"),
        17: Field("managedFields", "messages", "ManagedFieldsEntry"),
    },
    "OwnerReference": {
        1: Field("kind", "string"),
        3: Field("name", "string"),
        4: Field("uid", "string"),
        5: Field("apiVersion", "string"),
        6: Field("controller", "bool"),
        7: Field("blockOwnerDeletion", "bool"),
    },
    "ManagedFieldsEntry": {
        1: Field("manager", "string"),
        2: Field("operation", "string"),
        3: Field("apiVersion", "string"),
        4: Field("time", "time"),
        6: Field("fieldsType", "string"),
        7: Field("fieldsV1", "message", "FieldsV1"),
        8: Field("subresource", "string"),
    },
    "FieldsV1": {1: Field("Raw", "bytes")},
    "ConfigMap": {
        1: Field("metadata", "message", "ObjectMeta"),
        2: Field("data", "map"),
        3: Field("binaryData", "map", map_bytes=True),
        4: Field("immutable", "bool"),
    },
    "Secret": {
        1: Field("metadata", "message", "ObjectMeta"),
        2: Field("data", "map", map_bytes=True),
        3: Field("type", "string"),
        4: Field("stringData", "map"),
        5: Field("immutable", "bool"),
    },
    "Namespace": {
        1: Field("metadata", "message", "ObjectMeta"),
        2: Field("spec", "message", "NamespaceSpec"),
        3: Field("status", "message", "NamespaceStatus"),
    },
    "NamespaceSpec": {1: Field("finalizers", "strings")},
    "NamespaceStatus": {
        1: Field("phase", "string"),
        2: Field("conditions", "messages", "NamespaceCondition"),
    },
    "NamespaceCondition": {
        1: Field("type", "string"),
        2: Field("status", "string"),
        4: Field("lastTransitionTime", "time"),
        5: Field("reason", "string"),
        6: Field("message", "string"),
    },
}

KINDS: Final = frozenset({"ConfigMap", "Secret", "Namespace"})

_ENVELOPE: Final[Message] = {
    1: Field("typeMeta", "message", "TypeMeta"),
    2: Field("raw", "bytes"),
    3: Field("contentEncoding", "string"),
    4: Field("contentType", "string"),
}
_TYPE_META: Final[Message] = {1: Field("apiVersion", "string"), 2: Field("kind", "string")}


def _read_fields(data: bytes) -> list[tuple[int, protowire.FieldValue]]:
    try:
        return protowire.read_fields(data)
    except protowire.WireFormatError as exc:
        raise ProtobufError(str(exc)) from None


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise ProtobufError("expected a string")
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise ProtobufError("invalid UTF-8 in a string field") from None


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ProtobufError("expected bytes")
    return value


def _int(value: int | bytes) -> int:
    if isinstance(value, bytes):
        raise ProtobufError("expected an integer")
    return _signed(value)


def _time(value: int | bytes) -> str | None:
    parts = _message(_bytes(value), _TIME)
    seconds = int(parts.get("seconds", 0))
    if seconds == 0 and not parts.get("nanos"):
        return None  # the zero time: JSON writes null
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _map_entry(value: int | bytes, *, as_bytes: bool) -> tuple[str, str]:
    key = ""
    item = ""
    for number, part in _read_fields(_bytes(value)):
        if number == 1:
            key = _text(part)
        elif number == 2:
            item = base64.b64encode(_bytes(part)).decode() if as_bytes else _text(part)
    return key, item


def _message(data: bytes, message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, value in _read_fields(data):
        field = message.get(number)
        if field is None:
            continue  # an unknown field: newer clients' additions are dropped, as proto does
        if field.kind == "string":
            out[field.name] = _text(value)
        elif field.kind == "bytes":
            out[field.name] = _bytes(value)
        elif field.kind == "int":
            out[field.name] = _int(value)
        elif field.kind == "bool":
            out[field.name] = _int(value) != 0
        elif field.kind == "time":
            out[field.name] = _time(value)
        elif field.kind == "message":
            out[field.name] = _message(_bytes(value), _lookup(field.message))
        elif field.kind == "messages":
            out.setdefault(field.name, []).append(_message(_bytes(value), _lookup(field.message)))
        elif field.kind == "strings":
            out.setdefault(field.name, []).append(_text(value))
        elif field.kind == "map":
            key, item = _map_entry(value, as_bytes=field.map_bytes)
            out.setdefault(field.name, {})[key] = item
    return out


def _lookup(name: str) -> Message:
    if name == "TypeMeta":
        return _TYPE_META
    return MESSAGES[name]


def _fields_v1(obj: Any) -> None:
    """`fieldsV1` travels as raw JSON bytes in protobuf; JSON has it as an object."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    for entry in (meta or {}).get("managedFields", ()):
        raw = entry.get("fieldsV1", {}).get("Raw")
        if isinstance(raw, bytes):
            try:
                entry["fieldsV1"] = json.loads(raw)
            except ValueError:
                raise ProtobufError("fieldsV1 is not JSON") from None


def decode(body: bytes) -> dict[str, Any]:
    """The wire dict of a protobuf-encoded object (see the module docstring)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf prefix")
    envelope = _message(body[len(MAGIC) :], _ENVELOPE)
    type_meta = envelope.get("typeMeta", {})
    kind = type_meta.get("kind", "")
    api_version = type_meta.get("apiVersion", "")
    if api_version != "v1" or kind not in KINDS:
        raise UnsupportedKind(f"{api_version}/{kind}")
    obj = _message(envelope.get("raw", b""), MESSAGES[kind])
    _fields_v1(obj)
    return {"kind": kind, "apiVersion": api_version, **obj}
