"""Reading manifests: YAML (multi-document) or JSON, from text that files, dirs or stdin gave.

This module is pure: callers read the bytes (`tinykube.cli` does, for `-f FILE|DIR|-`) and hand
them over with a source name. Every failure is a `ManifestError` with a message that names the
source, and never anything else: not a YAML bomb, not binary garbage, not deep nesting.

YAML is read as Kubernetes reads it (YAML 1.1 scalars via libyaml, then converted to JSON): keys
become strings, timestamps stay strings, documents that are empty or only comments are skipped,
and a `kind: List` contributes its items.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Final

import yaml

MAX_DOCUMENT_NODES: Final = 1_000_000
MAX_DEPTH: Final = 1_000


class ManifestError(Exception):
    """A manifest that cannot be read; the message names the source."""


@dataclass(frozen=True, slots=True)
class RawObject:
    source: str
    index: int
    raw: Any


class _Loader(yaml.CSafeLoader):
    """libyaml's safe loader without the timestamp resolver (Kubernetes keeps them as text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def _construct_binary(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # Go's YAML->JSON conversion keeps !!binary as its base64 text.
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:binary", _construct_binary)


def _to_json_value(value: Any, *, depth: int, budget: list[int]) -> Any:
    """Normalise a YAML value to what its JSON conversion holds; enforces size and depth."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ManifestError("yaml: document contains excessive aliasing")
    if depth > MAX_DEPTH:
        raise ManifestError(f"document nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[_key_text(key)] = _to_json_value(item, depth=depth + 1, budget=budget)
        return out
    if isinstance(value, list):
        return [_to_json_value(item, depth=depth + 1, budget=budget) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ManifestError(f"error converting YAML to JSON: json: unsupported value: {value}")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return json.dumps(key)
    raise ManifestError(f"error converting YAML to JSON: unsupported map key of type {type(key)}")


def parse_documents(text: str, *, source: str) -> list[RawObject]:
    """Every object in a YAML or JSON text, in order; Lists are expanded into their items."""
    documents: list[Any]
    try:
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            try:
                documents = [json.loads(stripped)]
            except ValueError:
                documents = list(yaml.load_all(text, Loader=_Loader))
        else:
            documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise ManifestError(f"error parsing {source}: {_yaml_problem(exc)}") from exc
    except RecursionError as exc:
        raise ManifestError(f"error parsing {source}: document nested too deeply") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        raise ManifestError(f"error parsing {source}: {exc}") from exc

    objects: list[RawObject] = []
    for parsed in documents:
        if parsed is None:
            continue
        try:
            document = _to_json_value(parsed, depth=0, budget=[MAX_DOCUMENT_NODES])
        except RecursionError as exc:
            raise ManifestError(f"error parsing {source}: document nested too deeply") from exc
        except ManifestError as exc:
            raise ManifestError(f"error parsing {source}: {exc}") from exc
        if isinstance(document, dict) and document.get("kind") == "List":
            items = document.get("items")
            if not isinstance(items, list):
                raise ManifestError(f"error parsing {source}: a List needs an items array")
            for item in items:
                objects.append(RawObject(source=source, index=len(objects), raw=item))
            continue
        objects.append(RawObject(source=source, index=len(objects), raw=document))
    return objects


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"yaml: line {mark.line + 1}: {problem}"
    return f"yaml: {problem}"


def decode_text(data: bytes, *, source: str) -> str:
    """Bytes of a manifest as text, or a ManifestError for binary input."""
    if b"\x00" in data:
        raise ManifestError(f"error parsing {source}: binary data is not a manifest")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"error parsing {source}: not UTF-8 text (byte {exc.start})") from exc
