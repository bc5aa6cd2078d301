"""The `fieldValidation` query parameter: what the server does with unknown and duplicate fields.

The apiserver's three directives, for create, update and patch:

- `Strict`: the request fails with 400 BadRequest,
  `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field
  "spec.foo", duplicate field "metadata.name"` (kubectl sends this by default);
- `Warn` (the default when the parameter is absent): the fields are dropped and each one comes
  back as a `Warning: 299 - "unknown field \\"spec.foo\\""` header, which kubectl prints as
  `Warning: unknown field "spec.foo"`;
- `Ignore`: the fields are dropped silently.

Unknown fields are found by walking the raw object against the model class (the same
annotations the decoder and the OpenAPI use); duplicate keys are found while parsing JSON
(`loads`). Anything else is left to admission (`api.admission`), which stays strict.
"""

from __future__ import annotations

import enum
import json
import typing
from typing import Any, Final

import msgspec

from tinykube.api.wire import Wire
from tinykube.server import errors, openapi


class Directive(enum.StrEnum):
    IGNORE = "Ignore"
    WARN = "Warn"
    STRICT = "Strict"


DEFAULT: Final = Directive.WARN


def parse_directive(text: str, *, options_kind: str) -> Directive:
    """The query parameter's value; 422 for anything else (`CreateOptions ... is invalid`)."""
    if text == "":
        return DEFAULT
    try:
        return Directive(text)
    except ValueError:
        ordered = (Directive.IGNORE, Directive.STRICT, Directive.WARN)
        supported = ", ".join(f'"{d.value}"' for d in ordered)
        message = (
            f'{options_kind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
            f'"{text}": supported values: {supported}'
        )
        cause = {
            "reason": "FieldValueNotSupported",
            "message": f'Unsupported value: "{text}": supported values: {supported}',
            "field": "fieldValidation",
        }
        raise errors.ApiError(
            422,
            "Invalid",
            message,
            {"group": "meta.k8s.io", "kind": options_kind, "causes": [cause]},
        ) from None


# --- duplicate keys --------------------------------------------------------------------------


class _Object(dict[str, Any]):
    """A parsed JSON object that remembers the keys it saw twice."""

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    seen: list[str] = []
    for key, value in pairs:
        if key in obj and key not in seen:
            seen.append(key)
        obj[key] = value
    if seen:
        obj.duplicates = tuple(seen)
    return obj


def _duplicate_paths(value: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(value, _Object):
        found.extend(f"{path}.{key}" if path else key for key in value.duplicates)
        for key, item in value.items():
            found.extend(_duplicate_paths(item, f"{path}.{key}" if path else key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_duplicate_paths(item, f"{path}[{index}]"))
    return found


class Parsed(msgspec.Struct, frozen=True):
    value: Any
    duplicates: tuple[str, ...]


def loads(raw: bytes) -> Parsed:
    """JSON with the paths of duplicated keys (the last value wins, as Go's decoder)."""
    value = json.loads(raw, object_pairs_hook=_pairs)
    return Parsed(value=value, duplicates=tuple(_duplicate_paths(value, "")))


# --- unknown fields --------------------------------------------------------------------------


def prune_unknown(raw: Any, cls: type[Wire], path: str = "") -> tuple[Any, list[str]]:
    """`raw` without the fields `cls` does not declare, and their paths."""
    if not isinstance(raw, dict):
        return raw, []
    hints = openapi.hints_of(cls)
    kept: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        field_path = f"{path}.{key}" if path else key
        entry = hints.get(key)
        if entry is None:
            unknown.append(field_path)
            continue
        kept[key], nested = _prune_value(value, entry[1], field_path)
        unknown.extend(nested)
    return kept, unknown


def _prune_value(value: Any, annotation: Any, path: str) -> tuple[Any, list[str]]:
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Wire):
        return prune_unknown(value, annotation, path)
    if origin is tuple and isinstance(value, list):
        (item, _ellipsis) = typing.get_args(annotation)
        item = openapi.unwrap_optional(item)
        items: list[Any] = []
        unknown: list[str] = []
        for index, element in enumerate(value):
            pruned, nested = _prune_value(element, item, f"{path}[{index}]")
            items.append(pruned)
            unknown.extend(nested)
        return items, unknown
    if origin is dict and isinstance(value, dict):
        _key, item = typing.get_args(annotation)
        item = openapi.unwrap_optional(item)
        if isinstance(item, type) and issubclass(item, Wire):
            entries: dict[str, Any] = {}
            unknown = []
            for key, element in value.items():
                entries[key], nested = prune_unknown(element, item, f"{path}[{key}]")
                unknown.extend(nested)
            return entries, unknown
    return value, []


class Checked(msgspec.Struct, frozen=True):
    """The object to admit and the warnings to send back."""

    raw: dict[str, Any]
    warnings: tuple[str, ...] = ()


def check(
    raw: dict[str, Any],
    cls: type[Wire],
    *,
    directive: Directive,
    duplicates: tuple[str, ...] = (),
) -> Checked:
    """Apply `directive` to `raw` (see the module docstring); raises the Strict 400."""
    pruned, unknown = prune_unknown(raw, cls)
    problems = [f'unknown field "{path}"' for path in unknown]
    problems += [f'duplicate field "{path}"' for path in duplicates]
    if not problems or directive is Directive.IGNORE:
        return Checked(raw=pruned)
    if directive is Directive.WARN:
        return Checked(raw=pruned, warnings=tuple(problems))
    kind = cls.__name__
    raise errors.bad_request(
        f'{kind} in version "v1" cannot be handled as a {kind}: strict decoding error: '
        + ", ".join(problems)
    )


def warning_header(warnings: tuple[str, ...]) -> dict[str, str]:
    """The `Warning` header of a response (one `299 -` value per warning)."""
    if not warnings:
        return {}
    return {"Warning": ", ".join(f"299 - {json.dumps(text)}" for text in warnings)}
