"""Field errors in the apiserver's words (`k8s.io/apimachinery/pkg/util/validation/field`).

A `FieldError` renders exactly as `field.Error.Error()` does:
`<path>: <Type>[: <value>][: <detail>]`.
`Path` builds field paths the way Kubernetes prints them: `spec.initContainers[0].name`,
`resources.limits[cpu]`. Validation returns lists of these; nothing here raises.
"""

from __future__ import annotations

import enum
from typing import Any, Final

import msgspec


class ErrorType(enum.StrEnum):
    """The apiserver's error types; the value is the text `String()` gives."""

    NOT_FOUND = "Not found"
    REQUIRED = "Required value"
    DUPLICATE = "Duplicate value"
    INVALID = "Invalid value"
    NOT_SUPPORTED = "Unsupported value"
    FORBIDDEN = "Forbidden"
    TOO_LONG = "Too long"
    TOO_MANY = "Too many"
    INTERNAL = "Internal error"
    TYPE_INVALID = "Invalid value (type)"
    # tinykube's own: a valid Kubernetes field that tinykube does not implement.
    NOT_IMPLEMENTED = "not supported"

    @property
    def cause_reason(self) -> str:
        """The `metav1.CauseType` a Status cause carries for this error type."""
        return _CAUSE_REASONS[self]


_CAUSE_REASONS: Final = {
    ErrorType.NOT_FOUND: "FieldValueNotFound",
    ErrorType.REQUIRED: "FieldValueRequired",
    ErrorType.DUPLICATE: "FieldValueDuplicate",
    ErrorType.INVALID: "FieldValueInvalid",
    ErrorType.NOT_SUPPORTED: "FieldValueNotSupported",
    ErrorType.FORBIDDEN: "FieldValueForbidden",
    ErrorType.TOO_LONG: "FieldValueTooLong",
    ErrorType.TOO_MANY: "FieldValueTooMany",
    ErrorType.INTERNAL: "InternalError",
    ErrorType.TYPE_INVALID: "FieldValueTypeInvalid",
    ErrorType.NOT_IMPLEMENTED: "FieldValueForbidden",
}


class _Omit:
    """Marker: the error prints no value (Go's `field.OmitValueType`)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Final = _Omit()
_NO_VALUE_TYPES: Final = frozenset(
    {ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL}
)


def go_quote(text: str) -> str:
    """Go's `%q` of a string: double quotes, with Go's escapes for non-printable characters."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif char == "\a":
            out.append("\\a")
        elif char == "\b":
            out.append("\\b")
        elif char == "\f":
            out.append("\\f")
        elif char == "\v":
            out.append("\\v")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or code == 0xFFFD:
            out.append("\\ufffd")
        elif not char.isprintable() and code > 0x7F:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def format_value(value: Any) -> str:
    """A bad value as Go's `field.Error` prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[]string{" + ", ".join(format_value(item) for item in value) + "}"
    return str(value)


class FieldError(msgspec.Struct, frozen=True):
    type: ErrorType
    field: str
    value: Any = OMIT
    detail: str = ""

    def body(self) -> str:
        """`ErrorBody()`: everything after the field path (a Status cause's `message`)."""
        if self.type is ErrorType.NOT_IMPLEMENTED:
            text = f"not supported: {self.field}"
        elif self.type in _NO_VALUE_TYPES or self.value is OMIT:
            text = str(self.type)
        else:
            text = f"{self.type}: {format_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        if self.type is ErrorType.NOT_IMPLEMENTED:
            return self.body()
        return f"{self.field}: {self.body()}"


class Path:
    """An immutable field path; `str()` is Kubernetes' rendering."""

    __slots__ = ("_text",)

    def __init__(self, text: str = "") -> None:
        self._text = text

    def child(self, name: str, *more: str) -> Path:
        text = self._text
        for part in (name, *more):
            text = f"{text}.{part}" if text else part
        return Path(text)

    def index(self, position: int) -> Path:
        return Path(f"{self._text}[{position}]")

    def key(self, name: str) -> Path:
        return Path(f"{self._text}[{name}]")

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Path({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Path) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)


# Constructors named as in Go (`field.Required(path, detail)` ...).


def required(path: Path, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, str(path), OMIT, detail)


def invalid(path: Path, value: Any, detail: str = "") -> FieldError:
    return FieldError(ErrorType.INVALID, str(path), value, detail)


def duplicate(path: Path, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, str(path), value)


def not_found(path: Path, value: Any) -> FieldError:
    return FieldError(ErrorType.NOT_FOUND, str(path), value)


def forbidden(path: Path, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, str(path), OMIT, detail)


def too_long(path: Path, value: Any, max_length: int) -> FieldError:
    return FieldError(
        ErrorType.TOO_LONG, str(path), value, f"may not be more than {max_length} bytes"
    )


def too_many(path: Path, actual: int, max_items: int) -> FieldError:
    return FieldError(ErrorType.TOO_MANY, str(path), actual, f"must have at most {max_items} items")


def not_supported(path: Path, value: Any, valid_values: tuple[str, ...]) -> FieldError:
    detail = ""
    if valid_values:
        detail = "supported values: " + ", ".join(go_quote(item) for item in valid_values)
    return FieldError(ErrorType.NOT_SUPPORTED, str(path), value, detail)


def not_implemented(path: Path) -> FieldError:
    return FieldError(ErrorType.NOT_IMPLEMENTED, str(path))


def aggregate_message(kind: str, name: str, errors: list[FieldError]) -> str:
    """The API Status message: `Pod "x" is invalid: e` or `Pod "x" is invalid: [e1, e2]`."""
    if len(errors) == 1:
        return f'{kind} "{name}" is invalid: {errors[0]}'
    return f'{kind} "{name}" is invalid: [' + ", ".join(str(error) for error in errors) + "]"


def kubectl_message(kind: str, name: str, errors: list[FieldError]) -> str:
    """What kubectl prints for a 422: one line for one error, a `* ` list for several."""
    if len(errors) == 1:
        return f'The {kind} "{name}" is invalid: {errors[0]}'
    lines = [f'The {kind} "{name}" is invalid: ']
    lines.extend(f"* {error}" for error in errors)
    return "\n".join(lines)
