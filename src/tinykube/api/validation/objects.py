"""Validation of ConfigMaps, Secrets and Namespaces (core `ValidateConfigMap`, `ValidateSecret`,
`ValidateNamespace`), on create.

Keys are walked in sorted order (Go's map order is random). A Secret's `stringData` is merged into
`data` before validation, as the apiserver's conversion does, so its keys are reported under
`data[...]`. Sizes count decoded bytes.

A Secret value that is not base64 is not a validation error in Kubernetes: the apiserver fails
to *decode* the object (400 BadRequest, `Secret in version "v1" cannot be handled as a Secret:
illegal base64 data at input byte 4`). `base64_problem` gives that text for the decoder;
`validate_secret` counts such a value by its raw length and checks nothing else about it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Final

from tinykube.api import field
from tinykube.api.field import FieldError, Path
from tinykube.api.objects import ConfigMap, Namespace, Secret
from tinykube.api.validation import meta, names

MAX_SECRET_SIZE: Final = 1024 * 1024
"""`core.MaxSecretSize`, the data limit of Secrets and ConfigMaps (1 MiB)."""

_REDACTED: Final = "<secret contents redacted>"
_B64_ALPHABET: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)
_NEWLINES: Final = frozenset(b"\r\n")


def _key_errors(key: str, path: Path) -> list[FieldError]:
    return [field.invalid(path, key, message) for message in names.config_map_key(key)]


def validate_configmap(config_map: ConfigMap) -> list[FieldError]:
    """`ValidateConfigMap`: metadata, keys, no key in both maps, at most 1 MiB in total."""
    errors = meta.validate_object_meta(
        config_map.metadata,
        namespaced=True,
        name_check=meta.name_is_dns_subdomain,
        path=Path("metadata"),
    )
    data_path, binary_path = Path("data"), Path("binaryData")
    total = 0
    for key in sorted(config_map.data):
        errors.extend(_key_errors(key, data_path.key(key)))
        if key in config_map.binary_data:
            errors.append(
                field.invalid(data_path.key(key), key, "duplicate of key present in binaryData")
            )
        total += meta.byte_length(config_map.data[key])
    for key in sorted(config_map.binary_data):
        errors.extend(_key_errors(key, binary_path.key(key)))
        total += len(_decoded(config_map.binary_data[key]))
    if total > MAX_SECRET_SIZE:
        errors.append(field.too_long(Path(""), "", MAX_SECRET_SIZE))
    return errors


# --- base64 -----------------------------------------------------------------------------------


def _quantum_error(data: bytes, start: int) -> tuple[int, int | None]:
    """Go's `decodeQuantum` from `start`: (next index, offset of the first error or None)."""
    index = start
    filled = 0
    while filled < 4:
        if index == len(data):
            if filled in (1, 2, 3):
                return index, index - filled
            return index, None
        char = data[index]
        index += 1
        if char in _B64_ALPHABET:
            filled += 1
            continue
        if char in _NEWLINES:
            continue
        if char != ord("=") or filled < 2:
            return index, index - 1
        if filled == 2:
            while index < len(data) and data[index] in _NEWLINES:
                index += 1
            if index == len(data):
                return index, len(data)
            if data[index] != ord("="):
                return index, index - 1
            index += 1
        while index < len(data) and data[index] in _NEWLINES:
            index += 1
        return index, (index if index < len(data) else None)
    return index, None


def base64_problem(text: str) -> str | None:
    """Go's `base64.StdEncoding` error for `text`, e.g. `illegal base64 data at input byte 4`."""
    data = text.encode("utf-8", "surrogatepass")
    index = 0
    while index < len(data):
        index, offset = _quantum_error(data, index)
        if offset is not None:
            return f"illegal base64 data at input byte {offset}"
    return None


def _decoded(text: str) -> bytes:
    """The bytes a base64 value stands for; an undecodable value counts as its raw text."""
    if base64_problem(text) is not None:
        return text.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except binascii.Error:
        return text.encode("utf-8", "surrogatepass")


# --- secrets ----------------------------------------------------------------------------------


def secret_data(secret: Secret) -> dict[str, bytes]:
    """The Secret's data as the apiserver validates it: decoded, `stringData` merged in."""
    merged = {key: _decoded(value) for key, value in secret.data.items()}
    for key, value in secret.string_data.items():
        merged[key] = value.encode("utf-8", "surrogatepass")
    return merged


def _go_quote_char(char: str) -> str:
    """Go's `quoteChar` in JSON syntax errors: `'x'`, with `'\\''` and `'"'` special."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + field.go_quote(char)[1:-1] + "'"


def _container_at(text: str, position: int) -> str:
    """'{' or '[': the innermost open container at `position` (strings skipped)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:position]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


_LITERALS: Final = {"t": "true", "f": "false", "n": "null"}


def _literal_problem(text: str, start: int) -> str:
    """Go's error inside a misspelt `true`, `false` or `null`."""
    literal = _LITERALS[text[start]]
    offset = 0
    while offset < len(literal) and start + offset < len(text):
        if text[start + offset] != literal[offset]:
            found, wanted = _go_quote_char(text[start + offset]), _go_quote_char(literal[offset])
            return f"invalid character {found} in literal {literal} (expecting {wanted})"
        offset += 1
    return "unexpected end of JSON input"


def json_object_problem(data: bytes) -> str | None:
    """Go's `json.Unmarshal(data, &map[string]interface{}{})` error text, close enough."""
    text = data.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text) or exc.msg.startswith("Unterminated string"):
            return "unexpected end of JSON input"
        if exc.msg == "Expecting value" and text[exc.pos] in _LITERALS:
            return _literal_problem(text, exc.pos)
        char = _go_quote_char(text[exc.pos])
        context = {
            "Expecting value": "looking for beginning of value",
            "Expecting ':' delimiter": "after object key",
            "Expecting property name enclosed in double quotes": (
                "looking for beginning of object key string"
            ),
            "Extra data": "after top-level value",
            "Invalid control character at": "in string literal",
        }.get(exc.msg)
        if exc.msg == "Expecting ',' delimiter":
            inside = _container_at(text, exc.pos)
            context = "after object key:value pair" if inside == "{" else "after array element"
        return f"invalid character {char} {context or 'looking for beginning of value'}"
    kinds = {list: "array", str: "string", bool: "bool", int: "number", float: "number"}
    if value is not None and not isinstance(value, dict):
        kind = kinds.get(type(value), "value")
        return f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    return None


def _docker_config(data: Mapping[str, bytes], key: str, path: Path) -> list[FieldError]:
    if key not in data:
        return [field.required(path.key(key))]
    problem = json_object_problem(data[key])
    if problem is not None:
        return [field.invalid(path.key(key), _REDACTED, problem)]
    return []


def _type_errors(secret: Secret, data: Mapping[str, bytes], path: Path) -> list[FieldError]:
    """The per-type rules of `ValidateSecret`; unknown types have none."""
    match secret.type:
        case "kubernetes.io/service-account-token":
            name_key = "kubernetes.io/service-account.name"
            if not secret.metadata.annotations.get(name_key):
                return [field.required(Path("metadata").child("annotations").key(name_key))]
        case "kubernetes.io/dockercfg":
            return _docker_config(data, ".dockercfg", path)
        case "kubernetes.io/dockerconfigjson":
            return _docker_config(data, ".dockerconfigjson", path)
        case "kubernetes.io/basic-auth":
            if "username" not in data and "password" not in data:
                return [field.required(path.key("username")), field.required(path.key("password"))]
        case "kubernetes.io/ssh-auth":
            if not data.get("ssh-privatekey"):
                return [field.required(path.key("ssh-privatekey"))]
        case "kubernetes.io/tls":
            return [
                field.required(path.key(key)) for key in ("tls.crt", "tls.key") if key not in data
            ]
    return []


def validate_secret(secret: Secret) -> list[FieldError]:
    """`ValidateSecret`: metadata, keys, at most 1 MiB of data, and the rules of its type."""
    errors = meta.validate_object_meta(
        secret.metadata,
        namespaced=True,
        name_check=meta.name_is_dns_subdomain,
        path=Path("metadata"),
    )
    data_path = Path("data")
    data = secret_data(secret)
    for key in sorted(data):
        errors.extend(_key_errors(key, data_path.key(key)))
    if sum(len(value) for value in data.values()) > MAX_SECRET_SIZE:
        errors.append(field.too_long(data_path, "", MAX_SECRET_SIZE))
    errors.extend(_type_errors(secret, data, data_path))
    return errors


# --- namespaces -------------------------------------------------------------------------------


def validate_namespace(namespace: Namespace) -> list[FieldError]:
    """`ValidateNamespace`: cluster-scoped metadata with a DNS-label name, spec finalizers."""
    errors = meta.validate_object_meta(
        namespace.metadata,
        namespaced=False,
        name_check=meta.name_is_dns_label,
        path=Path("metadata"),
    )
    finalizers_path = Path("spec").child("finalizers")
    for name in namespace.spec.finalizers:
        errors.extend(meta.validate_finalizer_name(name, finalizers_path))
        errors.extend(meta.validate_kube_finalizer_name(name, finalizers_path))
    return errors
