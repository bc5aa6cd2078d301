"""Label and field selectors, parsed and matched as the apiserver does.

`parse_label_selector` follows `k8s.io/apimachinery/pkg/labels` (the lexer and the recursive
descent parser: `=`, `==`, `!=`, `in`, `notin`, `>`, `<`, `key`, `!key`) and raises
`contract.BadRequest` with its messages (`unable to parse requirement: ...`, `found ',',
expected: ...`). `parse_field_selector` follows `k8s.io/apimachinery/pkg/fields` (terms split on
unescaped commas, values unescaped) and then checks each field against the kind's field label
conversion (`field label not supported: x`). `attributes_of` gives the labels and the
selectable fields of an object (`ToSelectableFields` of each registry strategy).

Pure: no I/O. Used by both stores for lists and watches.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from tinykube.api import field
from tinykube.api.objects import Event, Namespace, Secret
from tinykube.api.pod import Pod
from tinykube.api.validation import names
from tinykube.store import contract

# --- attributes ------------------------------------------------------------------------------


class Attributes(msgspec.Struct, frozen=True):
    """What selectors look at: the labels and the selectable fields of one object."""

    labels: Mapping[str, str]
    fields: Mapping[str, str]

    def to_json(self) -> dict[str, dict[str, str]]:
        return {"labels": dict(self.labels), "fields": dict(self.fields)}

    @classmethod
    def from_json(cls, raw: Any) -> Attributes:
        return cls(labels=raw["labels"], fields=raw["fields"])


def _meta_fields(obj: Any, *, namespaced: bool = True) -> dict[str, str]:
    meta = obj.metadata
    if namespaced:
        return {"metadata.name": meta.name, "metadata.namespace": meta.namespace}
    return {"metadata.name": meta.name}


def _pod_fields(pod: Pod) -> dict[str, str]:
    spec, status = pod.spec, pod.status
    fields = _meta_fields(pod)
    fields.update(
        {
            "spec.nodeName": spec.node_name,
            "spec.restartPolicy": spec.restart_policy,
            "spec.schedulerName": spec.scheduler_name,
            "spec.serviceAccountName": spec.service_account_name,
            "spec.hostNetwork": "true" if spec.host_network else "false",
            "status.phase": status.phase,
            "status.podIP": status.pod_ips[0].ip if status.pod_ips else "",
            "status.nominatedNodeName": status.nominated_node_name,
        }
    )
    return fields


def _event_fields(event: Event) -> dict[str, str]:
    involved = event.involved_object
    fields = _meta_fields(event)
    fields.update(
        {
            "involvedObject.kind": involved.kind,
            "involvedObject.namespace": involved.namespace,
            "involvedObject.name": involved.name,
            "involvedObject.uid": involved.uid,
            "involvedObject.apiVersion": involved.api_version,
            "involvedObject.resourceVersion": involved.resource_version,
            "involvedObject.fieldPath": involved.field_path,
            "reason": event.reason,
            "reportingComponent": event.reporting_component,
            "source": event.source.component or event.reporting_component,
            "type": event.type,
        }
    )
    return fields


def attributes_of(obj: Any) -> Attributes:
    """Labels and selectable fields of a Pod, Event, Secret, Namespace or ConfigMap."""
    if isinstance(obj, Pod):
        fields = _pod_fields(obj)
    elif isinstance(obj, Event):
        fields = _event_fields(obj)
    elif isinstance(obj, Secret):
        fields = _meta_fields(obj) | {"type": obj.type}
    elif isinstance(obj, Namespace):
        fields = _meta_fields(obj, namespaced=False) | {"status.phase": obj.status.phase}
    else:
        fields = _meta_fields(obj)
    return Attributes(labels=obj.metadata.labels, fields=fields)


# --- field label conversion (what each kind accepts in a field selector) ---------------------

_POD_FIELDS: Final = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    }
)
_EVENT_FIELDS: Final = frozenset(
    {
        "metadata.name",
        "metadata.namespace",
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    }
)
_SECRET_FIELDS: Final = frozenset({"metadata.name", "metadata.namespace", "type"})
_NAMESPACE_FIELDS: Final = frozenset({"metadata.name", "status.phase"})
_SUPPORTED: Final = {
    "Pod": _POD_FIELDS,
    "Event": _EVENT_FIELDS,
    "Secret": _SECRET_FIELDS,
    "Namespace": _NAMESPACE_FIELDS,
}


def _convert_field_label(kind: str, label: str) -> str:
    """The registered conversion: the (possibly renamed) label, or the apiserver's error."""
    if kind == "Pod" and label == "spec.host":  # old v1 clients
        return "spec.nodeName"
    supported = _SUPPORTED.get(kind)
    if supported is None:  # DefaultMetaV1FieldSelectorConversion
        if label in ("metadata.name", "metadata.namespace"):
            return label
        raise contract.BadRequest(
            f"{field.go_quote(label)} is not a known field selector: "
            f'only "metadata.name", "metadata.namespace"'
        )
    if label not in supported:
        raise contract.BadRequest(f"field label not supported: {label}")
    return label


# --- field selectors -------------------------------------------------------------------------


class FieldTerm(msgspec.Struct, frozen=True):
    field: str
    value: str
    negated: bool

    def matches(self, fields: Mapping[str, str]) -> bool:
        return (fields.get(self.field, "") == self.value) is not self.negated


def _split_terms(selector: str) -> list[str]:
    """Split on commas not escaped by a backslash (`fields.splitTerms`)."""
    if not selector:
        return []
    terms: list[str] = []
    start = 0
    escaped = False
    for position, char in enumerate(selector):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(selector[start:position])
            start = position + 1
    terms.append(selector[start:])
    return terms


_TERM_OPERATORS: Final = ("!=", "==", "=")


def _split_term(term: str) -> tuple[str, str, str] | None:
    """`fields.splitTerm`: the first operator wins, scanning left to right."""
    for position in range(len(term)):
        for operator in _TERM_OPERATORS:
            if term.startswith(operator, position):
                return term[:position], operator, term[position + len(operator) :]
    return None


def _unescape(value: str) -> str:
    """`fields.UnescapeValue`: `\\\\`, `\\,` and `\\=` only; bare `,` `=` are errors."""
    if not any(char in value for char in "\\,="):
        return value
    out: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise contract.BadRequest(
                    f"invalid field selector: invalid escape sequence: \\{char}"
                )
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            # Go prints the rune with %v: its code point
            raise contract.BadRequest(
                f"invalid field selector: unescaped character in value: {ord(char)}"
            )
        else:
            out.append(char)
    if escaped:
        raise contract.BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(selector: str, kind: str) -> tuple[FieldTerm, ...]:
    """The terms of a field selector for a kind, or BadRequest."""
    terms: list[FieldTerm] = []
    for part in sorted(_split_terms(selector)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise contract.BadRequest(f"invalid selector: '{selector}'; can't understand '{part}'")
        label, operator, raw = split
        value = _unescape(raw)
        terms.append(FieldTerm(_convert_field_label(kind, label), value, operator == "!="))
    return tuple(terms)


# --- label selectors: lexer ------------------------------------------------------------------


class Token(enum.Enum):
    ERROR = enum.auto()
    END = enum.auto()
    CLOSE_PAREN = enum.auto()
    COMMA = enum.auto()
    NOT = enum.auto()
    DOUBLE_EQUALS = enum.auto()
    EQUALS = enum.auto()
    GREATER = enum.auto()
    IDENTIFIER = enum.auto()
    IN = enum.auto()
    LESS = enum.auto()
    NOT_EQUALS = enum.auto()
    NOT_IN = enum.auto()
    OPEN_PAREN = enum.auto()


_LITERALS: Final = {
    ")": Token.CLOSE_PAREN,
    ",": Token.COMMA,
    "!": Token.NOT,
    "==": Token.DOUBLE_EQUALS,
    "=": Token.EQUALS,
    ">": Token.GREATER,
    "in": Token.IN,
    "<": Token.LESS,
    "!=": Token.NOT_EQUALS,
    "notin": Token.NOT_IN,
    "(": Token.OPEN_PAREN,
}
_SPECIAL: Final = frozenset("=!(),><")
_WHITESPACE: Final = frozenset(" \t\r\n")


def _lex(text: str) -> list[tuple[Token, str]]:
    """All tokens of a selector, ending with END (or stopping at the first ERROR's END)."""
    items: list[tuple[Token, str]] = []
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in _WHITESPACE:
            position += 1
        if position >= length:
            items.append((Token.END, ""))
            return items
        if text[position] in _SPECIAL:
            token, literal, position = _lex_special(text, position)
        else:
            start = position
            while (
                position < length
                and text[position] not in _SPECIAL
                and text[position] not in _WHITESPACE
            ):
                position += 1
            literal = text[start:position]
            token = _LITERALS.get(literal, Token.IDENTIFIER)
        items.append((token, literal))


def _lex_special(text: str, position: int) -> tuple[Token, str, int]:
    """The longest operator starting at `position` (`Lexer.scanSpecialSymbol`)."""
    buffer = ""
    last: tuple[Token, str] | None = None
    while position < len(text) and text[position] in _SPECIAL:
        buffer += text[position]
        token = _LITERALS.get(buffer)
        if token is not None:
            last = (token, buffer)
        elif last is not None:
            break
        position += 1
    if last is None:
        return Token.ERROR, f"error expected: keyword found '{buffer}'", position
    return last[0], last[1], position


# --- label selectors: parser -----------------------------------------------------------------


class Operator(enum.StrEnum):
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER = "gt"
    LESS = "lt"


_BINARY_OPERATORS: Final = "in, notin, =, ==, !=, gt, lt"
_OPERATOR_TOKENS: Final = {
    Token.IN: Operator.IN,
    Token.EQUALS: Operator.EQUALS,
    Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    Token.GREATER: Operator.GREATER,
    Token.LESS: Operator.LESS,
    Token.NOT_IN: Operator.NOT_IN,
    Token.NOT_EQUALS: Operator.NOT_EQUALS,
}


class Requirement(msgspec.Struct, frozen=True):
    key: str
    operator: Operator
    values: tuple[str, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        match self.operator:
            case Operator.IN | Operator.EQUALS | Operator.DOUBLE_EQUALS:
                return value is not None and value in self.values
            case Operator.NOT_IN | Operator.NOT_EQUALS:
                return value is None or value not in self.values
            case Operator.EXISTS:
                return value is not None
            case Operator.DOES_NOT_EXIST:
                return value is None
            case Operator.GREATER | Operator.LESS:
                return _compare(value, self.values[0], greater=self.operator is Operator.GREATER)


def _compare(value: str | None, bound: str, *, greater: bool) -> bool:
    if value is None:
        return False
    try:
        number, limit = _parse_int64(value), _parse_int64(bound)
    except ValueError:
        return False
    return number > limit if greater else number < limit


def _parse_int64(text: str) -> int:
    """Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits, in range."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(text)
    number = int(text)
    if not -(2**63) <= number < 2**63:
        raise ValueError(text)
    return number


class _ParseError(Exception):
    pass


def _requirement_errors(key: str, operator: Operator, values: list[str]) -> list[str]:
    """`labels.NewRequirement`'s validation, as an aggregate's messages."""
    errors: list[field.FieldError] = []
    problems = names.qualified_name(key)
    if problems:
        errors.append(field.invalid(field.Path("key"), key, "; ".join(problems)))
    values_path = field.Path("values")
    if operator in (Operator.IN, Operator.NOT_IN) and not values:
        errors.append(
            field.invalid(
                values_path, values, "for 'in', 'notin' operators, values set can't be empty"
            )
        )
    if operator in (Operator.GREATER, Operator.LESS):
        if len(values) != 1:
            errors.append(
                field.invalid(
                    values_path, values, "for 'Gt', 'Lt' operators, exactly one value is required"
                )
            )
        for position, value in enumerate(values):
            try:
                _parse_int64(value)
            except ValueError:
                errors.append(
                    field.invalid(
                        values_path.index(position),
                        value,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    for position, value in enumerate(values):
        problems = names.label_value(value)
        if problems:
            errors.append(
                field.invalid(values_path.index(position).key(key), value, "; ".join(problems))
            )
    return [str(error) for error in errors]


class _Parser:
    """`labels.Parser`: recursive descent over the scanned tokens."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.position = 0

    def lookahead(self, *, values: bool) -> tuple[Token, str]:
        return self._as_value(self.items[self.position], values=values)

    def consume(self, *, values: bool) -> tuple[Token, str]:
        item = self.items[self.position]
        self.position += 1
        return self._as_value(item, values=values)

    @staticmethod
    def _as_value(item: tuple[Token, str], *, values: bool) -> tuple[Token, str]:
        token, literal = item
        if values and token in (Token.IN, Token.NOT_IN):
            return Token.IDENTIFIER, literal
        return token, literal

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self.lookahead(values=True)
            if token is Token.END:
                return requirements
            if token not in (Token.IDENTIFIER, Token.NOT):
                raise _ParseError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self.requirement())
            except _ParseError as exc:
                raise _ParseError(f"unable to parse requirement: {exc}") from None
            token, literal = self.consume(values=True)
            if token is Token.END:
                return requirements
            if token is not Token.COMMA:
                raise _ParseError(f"found '{literal}', expected: ',' or 'end of string'")
            next_token, next_literal = self.lookahead(values=True)
            if next_token not in (Token.IDENTIFIER, Token.NOT):
                raise _ParseError(f"found '{next_literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        key, operator = self.key_and_operator()
        if operator is None:
            operator = self.operator()
            values = (
                self.value_set() if operator in (Operator.IN, Operator.NOT_IN) else self.exact()
            )
        else:
            values = set()
        ordered = sorted(values)
        errors = _requirement_errors(key, operator, ordered)
        if len(errors) == 1:
            raise _ParseError(errors[0])
        if errors:
            raise _ParseError("[" + ", ".join(errors) + "]")
        return Requirement(key, operator, tuple(ordered))

    def key_and_operator(self) -> tuple[str, Operator | None]:
        operator: Operator | None = None
        token, literal = self.consume(values=True)
        if token is Token.NOT:
            operator = Operator.DOES_NOT_EXIST
            token, literal = self.consume(values=True)
        if token is not Token.IDENTIFIER:
            raise _ParseError(f"found '{literal}', expected: identifier")
        problems = names.qualified_name(literal)
        if problems:
            raise _ParseError(str(field.invalid(field.Path("<nil>"), literal, "; ".join(problems))))
        next_token, _ = self.lookahead(values=True)
        if next_token in (Token.END, Token.COMMA) and operator is None:
            operator = Operator.EXISTS
        return literal, operator

    def operator(self) -> Operator:
        token, literal = self.consume(values=False)
        operator = _OPERATOR_TOKENS.get(token)
        if operator is None:
            raise _ParseError(f"found '{literal}', expected: {_BINARY_OPERATORS}")
        return operator

    def value_set(self) -> set[str]:
        token, literal = self.consume(values=True)
        if token is not Token.OPEN_PAREN:
            raise _ParseError(f"found '{literal}' expected: '('")
        token, literal = self.lookahead(values=True)
        if token in (Token.IDENTIFIER, Token.COMMA):
            values = self.identifiers()
            closing, _ = self.consume(values=True)
            if closing is not Token.CLOSE_PAREN:
                raise _ParseError(f"found '{literal}', expected: ')'")
            return values
        if token is Token.CLOSE_PAREN:
            self.consume(values=True)
            return {""}
        raise _ParseError(f"found '{literal}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            token, literal = self.consume(values=True)
            if token is Token.IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self.lookahead(values=True)
                if next_token is Token.COMMA:
                    continue
                if next_token is Token.CLOSE_PAREN:
                    return values
                raise _ParseError(f"found '{next_literal}', expected: ',' or ')'")
            if token is Token.COMMA:
                if not values:
                    values.add("")
                next_token, _ = self.lookahead(values=True)
                if next_token is Token.CLOSE_PAREN:
                    values.add("")
                    return values
                if next_token is Token.COMMA:
                    values.add("")
                continue
            raise _ParseError(f"found '{literal}', expected: ',', or identifier")

    def exact(self) -> set[str]:
        token, _ = self.lookahead(values=True)
        if token in (Token.END, Token.COMMA):
            return {""}
        token, literal = self.consume(values=True)
        if token is Token.IDENTIFIER:
            return {literal}
        raise _ParseError(f"found '{literal}', expected: identifier")


def parse_label_selector(selector: str) -> tuple[Requirement, ...]:
    """The requirements of a label selector, sorted by key, or BadRequest."""
    try:
        requirements = _Parser(selector).parse()
    except _ParseError as exc:
        raise contract.BadRequest(str(exc)) from None
    return tuple(sorted(requirements, key=lambda requirement: requirement.key))


# --- both ------------------------------------------------------------------------------------


class Selector(msgspec.Struct, frozen=True):
    """A parsed label selector and field selector together."""

    labels: tuple[Requirement, ...] = ()
    fields: tuple[FieldTerm, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.labels and not self.fields

    def matches(self, attributes: Attributes) -> bool:
        return all(term.matches(attributes.fields) for term in self.fields) and all(
            requirement.matches(attributes.labels) for requirement in self.labels
        )


EVERYTHING: Final = Selector()


def parse(kind: str, *, label_selector: str = "", field_selector: str = "") -> Selector:
    """Both selectors of a list or watch request for a kind (BadRequest when invalid)."""
    if not label_selector and not field_selector:
        return EVERYTHING
    return Selector(
        labels=parse_label_selector(label_selector),
        fields=parse_field_selector(field_selector, kind),
    )
