"""Decoding wire objects into the model, with the apiserver's decode errors.

`decode(raw)` picks the model class from `apiVersion`/`kind` and converts. Conversion is strict as
`kubectl apply` with `fieldValidation=Strict` makes the apiserver: a field of the wrong type fails
with Go's `json: cannot unmarshal ...` text, and unknown fields fail together:

    Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.x"

The fast path is one `msgspec.convert`; only a failing object is walked again to collect every
unknown field and to phrase the first type error as Go's decoder would.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Final

import msgspec

from tinykube.api import quantity
from tinykube.api.objects import ConfigMap, Event, Namespace, Secret
from tinykube.api.pod import Pod
from tinykube.api.validation import objects as validation_objects
from tinykube.api.wire import Wire, from_wire

KINDS: Final[dict[str, type[Wire]]] = {
    "Pod": Pod,
    "ConfigMap": ConfigMap,
    "Secret": Secret,
    "Event": Event,
    "Namespace": Namespace,
}


class DecodeError(Exception):
    """An object that cannot be decoded; `str()` is the apiserver's message (a 400 BadRequest)."""


class _TypeMismatch(msgspec.Struct, frozen=True):
    json_kind: str
    go_struct: str
    go_path: str
    go_type: str
    number: str


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


_INT64_FIELDS: Final = frozenset(
    {
        "termination_grace_period_seconds",
        "active_deadline_seconds",
        "run_as_user",
        "run_as_group",
        "fs_group",
        "generation",
        "deletion_grace_period_seconds",
        "seconds",
        "expiration_seconds",
        "supplemental_groups",
    }
)


def _go_type(annotation: Any, attribute: str) -> str:
    annotation = _unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if annotation is str:
        return "string"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int64" if attribute in _INT64_FIELDS else "int32"
    if annotation is float:
        return "float64"
    if annotation is quantity.Quantity:
        return "resource.Quantity"
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(annotation)
        return "[]" + _go_type(item, attribute)
    if origin is dict:
        _key, item = typing.get_args(annotation)
        if item is Any:
            return "map[string]interface {}"
        return "map[string]" + _go_type(item, attribute)
    if isinstance(annotation, type) and issubclass(annotation, Wire):
        return "v1." + annotation.__name__
    if _is_int_or_string(annotation):
        return "intstr.IntOrString"
    return "interface {}"


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]  # noqa: UP007 - rebuilding a runtime union
    return annotation


def _is_int_or_string(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return set(typing.get_args(annotation)) == {int, str}
    return False


_HINTS: dict[type, dict[str, Any]] = {}
_FIELDS: dict[type, dict[str, str]] = {}


def _struct_fields(cls: type[Wire]) -> tuple[dict[str, str], dict[str, Any]]:
    names = _FIELDS.get(cls)
    if names is None:
        names = {field.encode_name: field.name for field in msgspec.structs.fields(cls)}
        _FIELDS[cls] = names
        _HINTS[cls] = typing.get_type_hints(cls)
    return names, _HINTS[cls]


class _Walk:
    """Collects unknown fields and the first type mismatch of a raw object against a class."""

    def __init__(self) -> None:
        self.unknown: list[str] = []
        self.mismatch: _TypeMismatch | None = None
        self.quantity_error = ""

    def struct(self, raw: Any, cls: type[Wire], path: str, go_path: str) -> None:
        names, hints = _struct_fields(cls)
        for key, value in raw.items():
            attribute = names.get(key)
            field_path = f"{path}.{key}" if path else key
            field_go_path = f"{go_path}.{key}" if go_path else key
            if attribute is None:
                self.unknown.append(field_path)
                continue
            if value is None:
                continue
            self.value(
                value,
                hints[attribute],
                path=field_path,
                go_path=field_go_path,
                go_struct=cls.__name__,
                attribute=attribute,
            )

    def value(
        self,
        raw: Any,
        annotation: Any,
        *,
        path: str,
        go_path: str,
        go_struct: str,
        attribute: str,
    ) -> None:
        annotation = _unwrap_optional(annotation)
        origin = typing.get_origin(annotation)

        def mismatch() -> None:
            if self.mismatch is None:
                number = ""
                if isinstance(raw, int | float) and not isinstance(raw, bool):
                    number = " " + json.dumps(raw)
                self.mismatch = _TypeMismatch(
                    json_kind=_json_kind(raw),
                    go_struct=go_struct,
                    go_path=go_path,
                    go_type=_go_type(annotation, attribute),
                    number=number,
                )

        if annotation is Any:
            return
        if isinstance(annotation, type) and issubclass(annotation, Wire):
            if isinstance(raw, dict):
                self.struct(raw, annotation, path, go_path)
            else:
                mismatch()
        elif origin is tuple:
            (item, _ellipsis) = typing.get_args(annotation)
            if not isinstance(raw, list):
                mismatch()
                return
            for position, element in enumerate(raw):
                if element is None:
                    continue
                self.value(
                    element,
                    item,
                    path=f"{path}[{position}]",
                    go_path=go_path,
                    go_struct=go_struct,
                    attribute=attribute,
                )
        elif origin is dict:
            _key, item = typing.get_args(annotation)
            if not isinstance(raw, dict):
                mismatch()
                return
            for key, element in raw.items():
                if element is None:
                    continue
                self.value(
                    element,
                    item,
                    path=f"{path}[{key}]",
                    go_path=go_path,
                    go_struct=go_struct,
                    attribute=attribute,
                )
        elif annotation is quantity.Quantity:
            try:
                quantity.parse_wire(raw)
            except ValueError as exc:
                self.quantity_error = self.quantity_error or str(exc)
        elif _is_int_or_string(annotation):
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                mismatch()
        elif annotation is bool:
            if not isinstance(raw, bool):
                mismatch()
        elif annotation is int:
            if isinstance(raw, bool) or not isinstance(raw, int) or not _fits(raw, attribute):
                mismatch()
        elif annotation is str and not isinstance(raw, str):
            mismatch()


def _fits(value: int, attribute: str) -> bool:
    limit = 2**63 if attribute in _INT64_FIELDS else 2**31
    return -limit <= value < limit


def _convert(raw: dict[str, Any], cls: type[Wire], kind: str) -> Wire:
    try:
        obj = from_wire(raw, cls)
    except msgspec.ValidationError as exc:
        _raise_decode_error(raw, cls, kind, exc)
    if isinstance(obj, Secret):
        for value in obj.data.values():
            problem = validation_objects.base64_problem(value)
            if problem is not None:
                raise DecodeError(
                    f'{kind} in version "v1" cannot be handled as a {kind}: {problem}'
                )
    return obj


def _raise_decode_error(
    raw: dict[str, Any], cls: type[Wire], kind: str, exc: msgspec.ValidationError
) -> typing.NoReturn:
    walk = _Walk()
    walk.struct(raw, cls, "", "")
    prefix = f'{kind} in version "v1" cannot be handled as a {kind}: '
    if walk.mismatch is not None:
        found = walk.mismatch
        raise DecodeError(
            prefix + f"json: cannot unmarshal {found.json_kind}{found.number} into Go struct "
            f"field {found.go_struct}.{found.go_path} of type {found.go_type}"
        ) from exc
    if walk.quantity_error:
        raise DecodeError(prefix + walk.quantity_error) from exc
    if walk.unknown:
        raise DecodeError(
            prefix
            + "strict decoding error: "
            + ", ".join(f'unknown field "{path}"' for path in walk.unknown)
        ) from exc
    raise DecodeError(prefix + str(exc)) from exc


def type_of(raw: Any) -> tuple[str, str]:
    """`(apiVersion, kind)` of a raw object, or DecodeError in kubectl's words."""
    if not isinstance(raw, dict):
        raise DecodeError(
            f"error decoding manifest: expected an object, got {_json_kind(raw)}"
            if raw is not None
            else "error decoding manifest: empty document"
        )
    api_version = raw.get("apiVersion")
    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind:
        raise DecodeError(f"Object 'Kind' is missing in '{_compact(raw)}'")
    if not isinstance(api_version, str) or not api_version:
        raise DecodeError(f"Object 'apiVersion' is missing in '{_compact(raw)}'")
    return api_version, kind


def _compact(raw: Any) -> str:
    text = json.dumps(raw, separators=(",", ":"), default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def decode(raw: Any) -> Wire:
    """The model object for one raw `v1` object (Pod, ConfigMap, Secret, Event, Namespace)."""
    api_version, kind = type_of(raw)
    cls = KINDS.get(kind)
    if api_version != "v1" or cls is None:
        raise DecodeError(f'no matches for kind "{kind}" in version "{api_version}"')
    return _convert(raw, cls, kind)


def decode_as(raw: Any, cls: type[Wire]) -> Wire:
    """Decode a raw object as the given class (for bodies whose kind the URL already fixes)."""
    if not isinstance(raw, dict):
        raise DecodeError(f"error decoding object: expected an object, got {_json_kind(raw)}")
    return _convert(raw, cls, cls.__name__)
