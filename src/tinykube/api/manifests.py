"""Reading manifests: YAML (multi-document) or JSON, from text that files, dirs or stdin gave.

This module is pure: callers read the bytes (`tinykube.cli` does, for `-f FILE|DIR|-`) and hand
them over with a source name. Every failure is a `ManifestError` with a message that names the
source, and never anything else: not a YAML bomb, not binary garbage, not deep nesting.

YAML is read as Kubernetes reads it. kubectl splits the stream at `---` lines
(apimachinery's `YAMLReader`: a separator may only be followed by a comment, and line numbers in
errors count from the start of each document), then `sigs.k8s.io/yaml` decodes each document
with go-yaml v2 and converts the result to JSON. We walk libyaml's event stream once and build
the JSON value directly, with go-yaml v2's rules:

- plain scalars resolve as go-yaml v2's `resolve()` does: YAML 1.1 booleans including
  `y`/`n`, nulls, Go's base-0 integers (`0x`, `0o`, `0b`, leading-zero octal, underscores
  dropped), floats matching go-yaml's float pattern (`1e3` included), no base-60 numbers;
  timestamps stay text; quoted and block scalars are strings;
- explicit `!!str !!int !!float !!bool !!null !!timestamp` tags convert or fail with go-yaml's
  `cannot decode !!str `x` as a !!int`; `!!binary` is base64-decoded (invalid UTF-8 becomes
  U+FFFD, as Go's JSON encoder writes it); other tags are ignored, as go-yaml v2 ignores them;
- anchors, aliases and `<<` merge keys work; alias expansion is budgeted while building (go-yaml's
  alias ratio rule, and at most `MAX_DOCUMENT_NODES` nodes), so a billion-laughs document stops
  with `yaml: document contains excessive aliasing` before anything is expanded;
- a key defined twice is go-yaml's strict-mode error `yaml: unmarshal errors:` /
  `line N: key "x" already set in map` (what the apiserver's strict field validation reports
  for YAML); `strict=False` gives kubectl's client-side last-one-wins instead;
- non-string keys become JSON keys as `sigs.k8s.io/yaml` converts them (`1`, `true`, floats in
  Go's float32 `%g`); a null key cannot be converted and fails as it does there;
- floats become what `encoding/json` writes: integral values below 1e21 are JSON integers,
  infinities and NaN fail with `json: unsupported value: +Inf`;
- nesting is capped: libyaml itself stops at 1000 levels (`exceeded maximum nesting depth`),
  and aliases may not carry a value deeper than `MAX_DEPTH`.

Errors keep kubectl's form `error parsing <source>: yaml: line N: <problem>`, with go-yaml's
line numbering (parser errors name the line before the problem, as go-yaml v2 does). Empty
documents are skipped and a `kind: List` contributes its items. Input that starts with `{` is
read as a stream of JSON values, as kubectl's YAMLOrJSONDecoder does.
"""

from __future__ import annotations

import base64
import binascii
import json
import marshal
import math
import re
import struct
from collections.abc import Callable
from typing import Any, Final

import msgspec
import yaml
from yaml._yaml import CParser

from tinykube.api import field

MAX_DOCUMENT_NODES: Final = 1_000_000
MAX_DEPTH: Final = 1_000


class ManifestError(Exception):
    """A manifest that cannot be read; the message names the source."""


class RawObject(msgspec.Struct, frozen=True):
    source: str
    index: int
    raw: Any


def parse_documents(text: str, *, source: str, strict: bool = True) -> list[RawObject]:
    """Every object in a YAML or JSON text, in order; Lists are expanded into their items.

    `strict` makes a key defined twice an error, as go-yaml's strict mode does; without it the
    last definition wins, as kubectl's own YAML-to-JSON conversion does.
    """
    stripped = text.lstrip()
    documents = _json_documents(stripped, source) if stripped.startswith("{") else None
    if documents is None:
        documents = []
        for chunk in _split_documents(text, source):
            document = _load_chunk(chunk, source=source, strict=strict)
            if document is not _EMPTY:
                documents.append(document)
    objects: list[RawObject] = []
    for document in documents:
        if document is None:
            continue
        if isinstance(document, dict) and document.get("kind") == "List":
            items = document.get("items")
            if not isinstance(items, list):
                raise ManifestError(f"error parsing {source}: a List needs an items array")
            for item in items:
                objects.append(RawObject(source=source, index=len(objects), raw=item))
            continue
        objects.append(RawObject(source=source, index=len(objects), raw=document))
    return objects


def decode_text(data: bytes, *, source: str) -> str:
    """Bytes of a manifest as text, or a ManifestError for binary input."""
    if b"\x00" in data:
        raise ManifestError(f"error parsing {source}: binary data is not a manifest")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"error parsing {source}: not UTF-8 text (byte {exc.start})") from exc


# --- JSON input ---------------------------------------------------------------------------------

_JSON_SPACE: Final = " \t\n\r"


def _json_documents(text: str, source: str) -> list[Any] | None:
    """The JSON values of a text starting with `{`, or None when it is not JSON (read as YAML)."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = 0
    try:
        while position < len(text):
            document, position = decoder.raw_decode(text, position)
            documents.append(document)
            while position < len(text) and text[position] in _JSON_SPACE:
                position += 1
    except ValueError:
        return None
    except RecursionError as exc:
        raise ManifestError(
            f"error parsing {source}: document nested more than {MAX_DEPTH} levels deep"
        ) from exc
    for document in documents:
        problem = _json_problem(document)
        if problem:
            raise ManifestError(f"error parsing {source}: {problem}")
    return documents


def _json_problem(document: Any) -> str:
    """What keeps a JSON value from being a manifest: too deep nesting or a non-finite number."""
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return f"document nested more than {MAX_DEPTH} levels deep"
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
        elif isinstance(value, float) and not math.isfinite(value):
            return _unsupported_float(value)
    return ""


# --- Splitting a stream as kubectl does ---------------------------------------------------------


def _split_documents(text: str, source: str) -> list[str]:
    """The documents of a YAML stream as apimachinery's YAMLReader cuts them at `---` lines."""
    if not text.startswith("---") and "\n---" not in text:
        return [text]
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    chunks: list[str] = []
    current: list[str] = []
    for number, raw_line in enumerate(lines):
        # bufio's ReadLine drops the "\r" of a "\r\n" line end.
        ended = number < len(lines) - 1 or text.endswith("\n")
        line = raw_line.removesuffix("\r") if ended else raw_line
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise ManifestError(
                    f"error parsing {source}: invalid Yaml document separator: {rest}"
                )
            if current:
                chunks.append("".join(current))
                current = []
            continue
        current.append(line + "\n")
    if current:
        chunks.append("".join(current))
    return chunks


# --- Scalars: go-yaml v2's resolve() ------------------------------------------------------------

_TAG_PREFIX: Final = "tag:yaml.org,2002:"
_STR: Final = _TAG_PREFIX + "str"
_INT: Final = _TAG_PREFIX + "int"
_FLOAT: Final = _TAG_PREFIX + "float"
_BOOL: Final = _TAG_PREFIX + "bool"
_NULL: Final = _TAG_PREFIX + "null"
_TIMESTAMP: Final = _TAG_PREFIX + "timestamp"
_BINARY: Final = _TAG_PREFIX + "binary"
_MERGE: Final = _TAG_PREFIX + "merge"

_MISSING: Final[Any] = object()

# go-yaml v2 resolve.go: the words it resolves by table lookup (y and n included, unlike PyYAML).
_PLAIN_WORDS: Final[dict[str, Any]] = {
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False
    ),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_NUMBER_START: Final = frozenset("+-0123456789")
_SPECIAL_START: Final = frozenset("+-0123456789.<")  # may resolve to a non-string, or merge
_GO_INT: Final = re.compile(
    r"([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]+)|(0|[1-9][0-9]*))"
)
_GO_FLOAT: Final = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_DOT_FLOAT: Final = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_GO_TIMESTAMP: Final = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:([Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
_BASE64: Final = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_MAX_DECIMAL_DIGITS: Final = 4000
_INT64: Final = 1 << 63
_UINT64: Final = 1 << 64


class _DecodeError(Exception):
    """A go-yaml decode failure (`failf`): the message after `yaml: `."""


class _DepthError(_DecodeError):
    """Nesting beyond MAX_DEPTH: our limit, not go-yaml's, so its message has no `yaml: `."""


def _resolve_plain(text: str) -> Any:
    """An untagged plain scalar's value: go-yaml v2's `resolve("", text)`."""
    value = _PLAIN_WORDS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    first = text[0]
    if first in _NUMBER_START:
        number = _resolve_number(text)
        return text if number is None else number
    if first == "." and _DOT_FLOAT.fullmatch(text):
        result = float(text)
        if not math.isinf(result):
            return result
    return text


def _resolve_number(text: str) -> int | float | None:
    """A scalar starting with a sign or digit as go-yaml reads it: int, float or None (a string)."""
    plain = text.replace("_", "")
    match = _GO_INT.fullmatch(plain)
    uint_out_of_range = False
    if match:
        sign, hexa, octal_o, binary, octal, decimal = match.groups()
        if hexa is not None:
            magnitude = int(hexa, 16)
        elif binary is not None:
            magnitude = int(binary, 2)
        elif decimal is not None and len(decimal) > _MAX_DECIMAL_DIGITS:
            return None  # far beyond uint64 and float64: text (Python cannot hold it as an int)
        else:
            magnitude = int(octal_o or octal or decimal, 8 if decimal is None else 10)
        value = -magnitude if sign == "-" else magnitude
        if -_INT64 <= value < _INT64:
            return value
        if not sign:
            if value < _UINT64:
                return value
            uint_out_of_range = True
    if _GO_FLOAT.fullmatch(plain):
        result = float(plain)
        if not math.isinf(result):
            return result
    binary_value = _resolve_binary_prefix(plain)
    if binary_value is not None:
        return binary_value
    if uint_out_of_range and match:
        return int(match.group(0), 0) if not match.group(5) else int(match.group(5), 8)
    return None


def _resolve_binary_prefix(plain: str) -> int | None:
    """go-yaml's extra `0b`/`-0b` forms (base 2 with a sign after the prefix)."""
    if plain.startswith("0b"):
        digits = plain[2:]
        negative = digits.startswith("-")
        body = digits[1:] if digits[:1] in ("-", "+") else digits
        if body and set(body) <= {"0", "1"}:
            value = -int(body, 2) if negative else int(body, 2)
            if -_INT64 <= value < _INT64 or (0 <= value < _UINT64 and digits[:1] != "+"):
                return value
    elif plain.startswith("-0b"):
        body = plain[3:]
        if body and set(body) <= {"0", "1"} and int(body, 2) <= _INT64:
            return -int(body, 2)
    return None


def _resolve_tagged(tag: str, text: str) -> Any:
    """A scalar with an explicit tag: go-yaml converts the resolvable tags, keeps others as text."""
    if tag == _STR:
        return text
    if tag == _BINARY:
        return _decode_binary(text)
    if tag not in (_INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP):
        return text
    if tag == _TIMESTAMP and text[:1] in _NUMBER_START and _is_go_timestamp(text):
        return text
    value = _resolve_plain(text) if text else None
    resolved = _go_tag_of(value)
    if tag == resolved:
        return value
    if tag == _FLOAT and isinstance(value, int) and -_INT64 <= value < _INT64:
        return float(value)  # go-yaml widens int and int64 only, not uint64 or big.Int
    raise _DecodeError(f"cannot decode {_short_tag(resolved)} `{text}` as a {_short_tag(tag)}")


def _go_tag_of(value: Any) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _FLOAT
    return _STR


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG_PREFIX) if tag.startswith(_TAG_PREFIX) else tag


def _is_go_timestamp(text: str) -> bool:
    """Whether go-yaml's parseTimestamp accepts the text (its four time.Parse layouts)."""
    match = _GO_TIMESTAMP.fullmatch(text)
    if not match:
        return False
    year, month, day, separator, hour, minute, second, zone = match.groups()
    if separator is not None and (separator == " ") == (zone is not None):
        return False
    if separator is not None and not (int(hour) < 24 and int(minute) < 60 and int(second) < 60):
        return False
    if not 1 <= int(month) <= 12:
        return False
    days = (31, 29 if _leap(int(year)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return 1 <= int(day) <= days[int(month) - 1]


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _decode_binary(text: str) -> str:
    """`!!binary`: Go's standard base64 decoding, then the bytes as Go's JSON encoder writes."""
    compact = text.replace("\r", "").replace("\n", "")
    if not _BASE64.fullmatch(compact):
        raise _DecodeError("!!binary value contains invalid base64 data")
    try:
        data = base64.b64decode(compact, validate=True)
    except binascii.Error as exc:
        raise _DecodeError("!!binary value contains invalid base64 data") from exc
    # Go's encoding/json writes each byte of an invalid UTF-8 sequence as U+FFFD.
    decoded = data.decode("utf-8", "surrogateescape")
    return re.sub("[\udc80-\udcff]", "\ufffd", decoded)


# --- Converting to JSON, as sigs.k8s.io/yaml does -----------------------------------------------


class _JSONError(Exception):
    """A value that sigs.k8s.io/yaml cannot turn into JSON: the message after the prefix."""


def _unsupported_float(value: float) -> str:
    text = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    return f"error converting YAML to JSON: json: unsupported value: {text}"


def _json_float(value: float) -> int | float:
    """A float64 as Go's encoding/json writes it: integral below 1e21 reads back as an int."""
    if not math.isfinite(value):
        raise _JSONError(_unsupported_float(value))
    if value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _key_text(key: Any, value: Any) -> str:
    """A decoded key as sigs.k8s.io/yaml turns it into a JSON object key."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int) and -_INT64 <= key < _INT64:
        return str(key)
    if isinstance(key, float):
        return _go_float32_text(key)
    go_type = "%!s(<nil>)" if key is None else ("uint64" if 0 <= key < _UINT64 else "*big.Int")
    raise _JSONError(
        f"error converting YAML to JSON: unsupported map key of type: {go_type}, "
        f"key: {_go_repr(key)}, value: {_go_repr(value)}"
    )


def _go_float32_text(value: float) -> str:
    """`strconv.FormatFloat(value, 'g', -1, 32)`, with infinities and NaN as YAML writes them."""
    if math.isnan(value):
        return ".nan"
    try:
        (single,) = struct.unpack("<f", struct.pack("<f", value))
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1.0, single) < 0 else "0"
    for precision in range(9):
        text = f"{single:.{precision}e}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == single:
            return _go_g(text)
    return _go_g(f"{single:.8e}")


def _go_float64_text(value: float) -> str:
    """`strconv.FormatFloat(value, 'g', -1, 64)`, which is also fmt's `%v` of a float64."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    return _go_g(_shortest_e(value))


def _shortest_e(value: float) -> str:
    """The shortest `d.ddde±x` text that reads back as the same float64."""
    for precision in range(17):
        text = f"{value:.{precision}e}"
        if float(text) == value:
            return text
    return f"{value:.16e}"


def _go_g(scientific: str) -> str:
    """Go's shortest `%g` layout of a number given as Python's `d.ddde±x` text."""
    mantissa, exponent_text = scientific.split("e")
    negative = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    sign = "-" if negative else ""
    if exponent < -4 or exponent >= 6:
        fraction = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{fraction}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _go_repr(value: Any, depth: int = 0) -> str:
    """Go's `%#v` of a decoded YAML value (maps print with sorted keys, as fmt sorts them)."""
    if depth > 20:
        return "..."
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if -_INT64 <= value < _INT64:
            return str(value)
        if 0 <= value < _UINT64:
            return hex(value)
        words = []
        magnitude = abs(value)
        while magnitude:
            words.append(hex(magnitude & (_UINT64 - 1)))
            magnitude >>= 64
        return (
            f"&big.Int{{neg:{'true' if value < 0 else 'false'}, abs:big.nat{{{', '.join(words)}}}}}"
        )
    if isinstance(value, float):
        return _go_float64_text(value)
    if isinstance(value, str):
        return field.go_quote(value)
    if isinstance(value, dict):
        items = ", ".join(f"{_go_repr(k)}:{_go_repr(value[k], depth + 1)}" for k in sorted(value))
        return f"map[interface {{}}]interface {{}}{{{items}}}"
    inner = ", ".join(_go_repr(item, depth + 1) for item in value)
    return f"[]interface {{}}{{{inner}}}"


# --- Building values from libyaml events --------------------------------------------------------

_EMPTY: Final[Any] = object()  # a document without content
_NO_KEY: Final[Any] = object()  # a mapping waiting for its next key
_MERGE_KEY: Final[Any] = object()  # a mapping whose next value is merged (`<<`)
_OPEN: Final[Any] = object()  # an anchor whose node is still being built
_MERGE_PROBLEM: Final = "map merge requires map or sequence of maps as the value"

# go-yaml v2's alias budget (decode.go allowedAliasRatio).
_ALIAS_RATIO_LOW: Final = 400_000
_ALIAS_RATIO_HIGH: Final = 4_000_000


def _allowed_alias_ratio(decodes: int) -> float:
    if decodes <= _ALIAS_RATIO_LOW:
        return 0.99
    if decodes >= _ALIAS_RATIO_HIGH:
        return 0.10
    share = (decodes - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)
    return 0.99 - 0.89 * share


class _Anchored(msgspec.Struct, frozen=True):
    """A finished anchored node: its value (scalars as decoded, before the JSON conversion)."""

    value: Any
    size: int  # go-yaml decode steps to rebuild it, aliases expanded
    height: int  # levels of containers
    lines: dict[str, int] | None  # a mapping's value lines, for merge errors


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = (
        "anchor",
        "decodes",
        "go_keys",
        "is_map",
        "key",
        "line",
        "lines",
        "merge",
        "plain",
        "value",
    )

    def __init__(
        self, value: Any, is_map: bool, anchor: str | None, decodes: int, line: int, merge: bool
    ) -> None:
        self.value = value
        self.is_map = is_map
        self.anchor = anchor
        self.decodes = decodes  # the decode count when it started: its size when it ends
        self.line = line
        self.merge = merge  # the value of a `<<` key, or a mapping listed in one
        self.key: Any = _NO_KEY  # a mapping's pending key, as decoded (not yet JSON text)
        self.go_keys: set[tuple[str, Any]] | None = None  # typed keys, once a non-string key came
        self.lines: dict[str, int] | None = {} if anchor is not None or merge else None
        self.plain = anchor is None and not merge  # entries need no bookkeeping besides the value


_MergeSource = tuple[dict[str, Any], dict[str, int] | None, bool]


class _Builder:
    """Builds one document's JSON value from libyaml events, with go-yaml v2's semantics.

    The common cases (plain scalars, string keys, containers without anchors) take the short
    paths at the top of `scalar` and `end`; everything else goes through `place`.
    """

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Any] = {}
        self.decodes = 0
        self.alias_decodes = 0
        self.result: Any = _EMPTY
        self.duplicates: list[str] = []
        self.json_error = ""

    # Events ------------------------------------------------------------------------------------

    def scalar(self, event: Any) -> None:
        if event.tag is not None or event.anchor is not None:
            self.special_scalar(event)
            return
        text: str = event.value
        value: Any = text
        if event.implicit[0]:
            value = _PLAIN_WORDS.get(text, _MISSING)
            if value is _MISSING:
                first = text[0]
                if first in _NUMBER_START or first == ".":
                    value = _resolve_plain(text)
                elif text == "<<" and self.merge_key():
                    return
                else:
                    value = text
        self.decodes += 1
        stack = self.stack
        if stack:
            frame = stack[-1]
            if frame.is_map:
                key = frame.key
                if key is _NO_KEY:
                    frame.key = value
                    return
                mapping = frame.value
                if (
                    key.__class__ is str
                    and value.__class__ is not float
                    and frame.plain
                    and key not in mapping
                ):
                    mapping[key] = value
                    frame.key = _NO_KEY
                    return
            elif not frame.merge and value.__class__ is not float:
                frame.value.append(value)
                return
        self.place(value, event.start_mark.line, is_container=False)

    def special_scalar(self, event: Any) -> None:
        """A scalar with a tag or an anchor."""
        tag = event.tag
        text = event.value
        if tag is None:
            if event.implicit[0] and text == "<<" and self.merge_key():
                return
            value = _resolve_plain(text) if event.implicit[0] else text
        elif tag == _MERGE and self.merge_key():
            return
        else:
            value = _resolve_tagged(tag, text)
        self.decodes += 1
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchored(value, 1, 0, None)
        self.place(value, event.start_mark.line, is_container=False)

    def merge_key(self) -> bool:
        """Take a `<<` as a merge key, when it stands where a mapping expects a key."""
        if self.stack and self.stack[-1].is_map and self.stack[-1].key is _NO_KEY:
            self.stack[-1].key = _MERGE_KEY
            return True
        return False

    def start(self, value: Any, is_map: bool, event: Any) -> None:
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            raise _DepthError(f"document nested more than {MAX_DEPTH} levels deep")
        self.decodes += 1
        if self.decodes > MAX_DOCUMENT_NODES:
            raise _DecodeError("document contains excessive aliasing")
        merge = False
        if stack:
            parent = stack[-1]
            if parent.key is _MERGE_KEY:
                merge = True
            elif parent.merge and not parent.is_map:
                if not is_map:
                    raise _DecodeError(_MERGE_PROBLEM)
                merge = True
        anchor = event.anchor
        if anchor is not None:
            self.anchors[anchor] = _OPEN
        stack.append(_Frame(value, is_map, anchor, self.decodes, event.start_mark.line, merge))

    def end(self) -> None:
        stack = self.stack
        frame = stack.pop()
        if frame.anchor is None and not frame.merge and stack:
            parent = stack[-1]
            if parent.is_map:
                key = parent.key
                mapping = parent.value
                if key.__class__ is str and parent.plain and key not in mapping:
                    mapping[key] = frame.value
                    parent.key = _NO_KEY
                    return
            elif not parent.merge:
                parent.value.append(frame.value)
                return
        self.special_end(frame)

    def special_end(self, frame: _Frame) -> None:
        """A container that was anchored, is merged, or ends somewhere unusual."""
        if frame.anchor is not None:
            size = self.decodes - frame.decodes + 1
            height = _height(frame.value)
            self.anchors[frame.anchor] = _Anchored(frame.value, size, height, frame.lines)
        parent = self.stack[-1] if self.stack else None
        if frame.merge and parent is not None:
            if not parent.is_map:
                parent.value.append((frame.value, frame.lines, False))
                return
            sources: list[_MergeSource] = (
                [(frame.value, frame.lines, False)] if frame.is_map else frame.value[::-1]
            )
            self.merge_pairs(parent, sources)
            return
        self.place(frame.value, frame.line, is_container=True)

    def alias(self, event: Any) -> None:
        name: str = event.anchor
        entry = self.anchors.get(name, _MISSING)
        if entry is _MISSING:
            raise yaml.YAMLError(f"unknown anchor '{name}' referenced")
        if entry is _OPEN:
            raise _DecodeError(f"anchor '{name}' value contains itself")
        anchored: _Anchored = entry
        self.count_alias(anchored)
        stack = self.stack
        if len(stack) + anchored.height > MAX_DEPTH:
            raise _DepthError(f"document nested more than {MAX_DEPTH} levels deep")
        frame = stack[-1] if stack else None
        if frame is not None and (frame.key is _MERGE_KEY or (frame.merge and not frame.is_map)):
            if not isinstance(anchored.value, dict):
                raise _DecodeError(_MERGE_PROBLEM)
            source: _MergeSource = (anchored.value, anchored.lines, True)
            if frame.is_map:
                self.merge_pairs(frame, [source])
            else:
                frame.value.append(source)
            return
        value = _copy(anchored.value) if anchored.height else anchored.value
        self.place(value, event.start_mark.line, is_container=anchored.height > 0)

    def count_alias(self, anchored: _Anchored) -> None:
        """go-yaml decodes an alias anew each time; it stops when aliases make most of the work."""
        self.decodes += 1 + anchored.size
        self.alias_decodes += anchored.size
        if self.decodes > MAX_DOCUMENT_NODES or (
            self.alias_decodes > 100
            and self.decodes > 1000
            and self.alias_decodes / self.decodes > _allowed_alias_ratio(self.decodes)
        ):
            raise _DecodeError("document contains excessive aliasing")

    # Placing values --------------------------------------------------------------------------

    def place(self, value: Any, line: int, *, is_container: bool) -> None:
        """Put a finished value where the open frame expects it (a key, a value or an item)."""
        if not is_container:
            json_value = self.json_value(value)
        if not self.stack:
            self.result = value if is_container else json_value
            return
        frame = self.stack[-1]
        if not frame.is_map:
            if frame.merge:
                raise _DecodeError(_MERGE_PROBLEM)
            frame.value.append(value if is_container else json_value)
            return
        key = frame.key
        if key is _NO_KEY:
            if is_container:
                raise _DecodeError(f"invalid map key: {_go_repr(value)}")
            frame.key = value
            return
        if key is _MERGE_KEY:
            raise _DecodeError(_MERGE_PROBLEM)
        frame.key = _NO_KEY
        self.set_item(frame, key, value if is_container else json_value, line)

    def json_value(self, value: Any) -> Any:
        """A decoded scalar as it reads back from Go's JSON (floats); failures wait for the end."""
        if value.__class__ is float:
            try:
                return _json_float(value)
            except _JSONError as exc:
                self.json_error = self.json_error or str(exc)
                return None
        return value

    def set_item(self, frame: _Frame, go_key: Any, value: Any, line: int) -> None:
        """Set one entry; a key set twice is go-yaml's strict-mode error (collected, not fatal)."""
        mapping: dict[str, Any] = frame.value
        text: str | None
        if go_key.__class__ is str and frame.go_keys is None:
            text = go_key
            duplicate = go_key in mapping
        else:
            # Go keys of different types never collide (1 and "1" are two keys to go-yaml).
            try:
                text = _key_text(go_key, value)
            except _JSONError as exc:
                self.json_error = self.json_error or str(exc)
                text = None
            if frame.go_keys is None:
                frame.go_keys = {(_STR, name) for name in mapping}
                frame.plain = False
            identity = (_go_tag_of(go_key), go_key)
            duplicate = identity in frame.go_keys
            frame.go_keys.add(identity)
        if duplicate and self.strict:
            self.duplicates.append(f"line {line + 1}: key {_go_repr(go_key)} already set in map")
            return
        if text is not None:
            mapping[text] = value
            if frame.lines is not None:
                frame.lines[text] = line

    def merge_pairs(self, frame: _Frame, sources: list[_MergeSource]) -> None:
        """go-yaml sets each merged entry as if it were written in place of the `<<` key."""
        frame.key = _NO_KEY
        for mapping, lines, shared in sources:
            for key, value in mapping.items():
                line = (lines or {}).get(key, frame.line)
                self.set_item(frame, key, _copy(value) if shared else value, line)

    def finish(self) -> Any:
        if self.duplicates:
            raise _DecodeError("unmarshal errors:\n  " + "\n  ".join(self.duplicates))
        if self.json_error:
            raise _JSONError(self.json_error)
        return self.result


def _height(value: Any) -> int:
    """Levels of containers in a value (0 for a scalar)."""
    height = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            height = max(height, level)
            children = item.values() if isinstance(item, dict) else item
            pending.extend(
                (child, level + 1) for child in children if isinstance(child, dict | list)
            )
    return height


def _copy(value: Any) -> Any:
    """A fresh copy of a built value: each alias gets its own objects, as go-yaml decodes anew.

    marshal copies plain data in C, without Python recursion (its own limit is deeper than
    MAX_DEPTH).
    """
    if isinstance(value, dict | list):
        return marshal.loads(marshal.dumps(value))
    return value


def _load_chunk(text: str, *, source: str, strict: bool) -> Any:
    """The first document of a chunk as a JSON value, `_EMPTY` when it has none."""
    builder = _Builder(strict=strict)
    failure: _DecodeError | _JSONError | None = None
    parser: CParser | None = None
    try:
        parser = CParser(text)
        _walk(parser, builder)
    except yaml.MarkedYAMLError as exc:
        raise ManifestError(f"error parsing {source}: {_parser_problem(exc)}") from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"error parsing {source}: yaml: {_plain_problem(exc)}") from exc
    except UnicodeEncodeError as exc:
        raise ManifestError(f"error parsing {source}: yaml: invalid Unicode character") from exc
    except _Deferred as deferred:
        failure = deferred.failure
    finally:
        if parser is not None:
            parser.dispose()
    if failure is None:
        try:
            return builder.finish()
        except (_DecodeError, _JSONError) as exc:
            failure = exc
    if isinstance(failure, _DecodeError) and not isinstance(failure, _DepthError):
        raise ManifestError(f"error parsing {source}: yaml: {failure}")
    raise ManifestError(f"error parsing {source}: {failure}")


class _Deferred(Exception):
    """A decode failure, raised once the document has parsed (go-yaml parses before decoding)."""

    def __init__(self, failure: _DecodeError | _JSONError) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _walk(parser: CParser, builder: _Builder) -> None:
    """Feed the first document's events to the builder; a decode failure waits for the parse.

    The common cases are inline here, for speed: an untagged, unanchored plain scalar that stays
    a string, as a key or as a value, and the end of a container without an anchor, in a
    container that needs no bookkeeping (`_Frame.plain`). Everything else goes to the builder.
    """
    get_event: Callable[[], Any] = parser.get_event
    stack = builder.stack
    special_start, words, no_key = _SPECIAL_START, _PLAIN_WORDS, _NO_KEY
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    document_end, stream_end = yaml.DocumentEndEvent, yaml.StreamEndEvent
    try:
        while True:
            event = get_event()
            kind = event.__class__
            if kind is scalar_event:
                if stack and event.tag is None and event.anchor is None and event.implicit[0]:
                    text = event.value
                    frame = stack[-1]
                    if frame.plain and text[:1] not in special_start and text not in words:
                        key = frame.key
                        if not frame.is_map:
                            frame.value.append(text)
                            builder.decodes += 1
                            continue
                        if key is no_key:
                            frame.key = text
                            builder.decodes += 1
                            continue
                        if key.__class__ is str and key not in frame.value:
                            frame.value[key] = text
                            frame.key = no_key
                            builder.decodes += 1
                            continue
                builder.scalar(event)
            elif kind is mapping_end or kind is sequence_end:
                done = stack[-1]
                if done.anchor is None and not done.merge and len(stack) > 1:
                    frame = stack[-2]
                    if frame.plain:
                        key = frame.key
                        if not frame.is_map:
                            frame.value.append(done.value)
                            stack.pop()
                            continue
                        if key.__class__ is str and key not in frame.value:
                            frame.value[key] = done.value
                            frame.key = no_key
                            stack.pop()
                            continue
                builder.end()
            elif kind is mapping_start:
                builder.start({}, True, event)
            elif kind is sequence_start:
                builder.start([], False, event)
            elif kind is alias_event:
                builder.alias(event)
            elif kind is document_end or kind is stream_end:
                return
    except _DecodeError as exc:
        _drain(get_event, builder.anchors)
        raise _Deferred(exc) from exc


def _drain(get_event: Callable[[], Any], anchors: dict[str, Any]) -> None:
    """Parse the rest of a document after a decode failure: syntax errors, unknown anchors win."""
    known = set(anchors)
    while True:
        event = get_event()
        kind = event.__class__
        if kind is yaml.DocumentEndEvent or kind is yaml.StreamEndEvent:
            return
        if kind is yaml.AliasEvent:
            if event.anchor not in known:
                raise yaml.YAMLError(f"unknown anchor '{event.anchor}' referenced")
        elif getattr(event, "anchor", None) is not None:
            known.add(event.anchor)


def _parser_problem(exc: yaml.MarkedYAMLError) -> str:
    """go-yaml v2's message for a libyaml error: scanner errors name their line, parser errors the
    line before (go-yaml prints libyaml's zero-based line), and line 0 is left out."""
    line = 0
    if exc.problem_mark is not None and exc.problem_mark.line != 0:
        line = exc.problem_mark.line + (1 if isinstance(exc, yaml.scanner.ScannerError) else 0)
    elif exc.context_mark is not None:
        line = exc.context_mark.line
    problem = exc.problem or "unknown problem parsing YAML content"
    return f"yaml: line {line}: {problem}" if line else f"yaml: {problem}"


def _plain_problem(exc: yaml.YAMLError) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason) if reason else str(exc)
