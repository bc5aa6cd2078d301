"""PATCH bodies applied to an object's wire form: JSON merge patch, JSON patch, strategic merge.

- `application/merge-patch+json` (RFC 7386): objects merge recursively, `null` removes a key,
  anything else (lists included) replaces.
- `application/json-patch+json` (RFC 6902): add, remove, replace, move, copy, test.
- `application/strategic-merge-patch+json`: a merge patch in which the lists Kubernetes tags
  with a merge key (containers and initContainers by `name`, volumes, env, ports by
  `containerPort`, volumeMounts by `mountPath`, ...) merge element by element; the directives
  `$patch: delete|replace|merge`, `$setElementOrder/<list>` and `$retainKeys` are honoured.

Pure functions on JSON values; errors are `PatchError` with the apiserver's wording.
"""

from __future__ import annotations

import copy
from typing import Any, Final


class PatchError(Exception):
    """A patch that cannot be applied (a 422 or 400 in the apiserver)."""


# Lists merged by key in strategic merge patches (patchMergeKey of the core/v1 types).
MERGE_KEYS: Final[dict[str, str]] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "ports": "containerPort",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "readinessGates": "conditionType",
    "resourceClaims": "name",
    "schedulingGates": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "topologySpreadConstraints": "topologyKey",
}
# Lists whose elements are primitives merged as sets (patchStrategy merge, no key).
MERGED_PRIMITIVE_LISTS: Final = frozenset({"finalizers"})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f'invalid JSON pointer "{path}"')
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _resolve(document: Any, parts: list[str], path: str) -> tuple[Any, str]:
    parent = document
    for part in parts[:-1]:
        if isinstance(parent, dict) and part in parent:
            parent = parent[part]
        elif isinstance(parent, list) and part.isdigit() and int(part) < len(parent):
            parent = parent[int(part)]
        else:
            raise PatchError(f"doc is missing path: {path}")
    return parent, parts[-1]


def _get(document: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return document
    parent, last = _resolve(document, parts, path)
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"doc is missing path: {path}")


def _remove(document: Any, path: str) -> Any:
    parent, last = _resolve(document, _pointer(path), path)
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise PatchError(f"unable to remove nonexistent key: {last}: missing value")


def _add(document: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _resolve(document, parts, path)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise PatchError(f"add operation does not apply: doc is missing path: {path}")
    else:
        raise PatchError(f"add operation does not apply: doc is missing path: {path}")
    return document


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902."""
    if not isinstance(operations, list):
        raise PatchError("json patch must be a list of operations")
    document = copy.deepcopy(target)
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise PatchError('each json patch operation needs an "op"')
        op = operation["op"]
        path = operation.get("path")
        if not isinstance(path, str):
            raise PatchError(f'operation "{op}" needs a "path"')
        if op == "add":
            document = _add(document, path, copy.deepcopy(operation.get("value")))
        elif op == "remove":
            _remove(document, path)
        elif op == "replace":
            _get(document, path)
            if _pointer(path):
                _remove(document, path)
            document = _add(document, path, copy.deepcopy(operation.get("value")))
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise PatchError(f'operation "{op}" needs a "from"')
            value = (
                _remove(document, source) if op == "move" else copy.deepcopy(_get(document, source))
            )
            document = _add(document, path, value)
        elif op == "test":
            if _get(document, path) != operation.get("value"):
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"Unexpected kind: {op}")
    return document


def strategic_merge_patch(target: Any, patch: Any, *, field: str = "") -> Any:
    """A strategic merge patch over the core/v1 merge keys (see the module docstring)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list):
            existing = result.get(key)
            current: list[Any] = existing if isinstance(existing, list) else []
            order = patch.get(f"$setElementOrder/{key}")
            result[key] = _merge_keyed_list(current, value, MERGE_KEYS[key], order)
        elif key in MERGED_PRIMITIVE_LISTS and isinstance(value, list):
            existing = result.get(key)
            current = existing if isinstance(existing, list) else []
            result[key] = [*current, *(item for item in value if item not in current)]
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value, field=key)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        result = {key: value for key, value in result.items() if key in retain}
    return result


def _merge_keyed_list(current: list[Any], patch: list[Any], key: str, order: Any) -> list[Any]:
    merged = [copy.deepcopy(item) for item in current]
    for element in patch:
        if not isinstance(element, dict) or key not in element:
            if isinstance(element, dict) and element.get("$patch") == "replace":
                continue
            raise PatchError(f"map: {element} does not contain declared merge key: {key}")
        directive = element.get("$patch")
        position = next(
            (
                i
                for i, item in enumerate(merged)
                if isinstance(item, dict) and item.get(key) == element[key]
            ),
            None,
        )
        if directive == "delete":
            if position is not None:
                merged.pop(position)
            continue
        body = {k: v for k, v in element.items() if k != "$patch"}
        if position is None:
            merged.append(strategic_merge_patch({}, body))
        else:
            merged[position] = strategic_merge_patch(merged[position], body)
    if isinstance(order, list):
        rank = {
            entry.get(key): index for index, entry in enumerate(order) if isinstance(entry, dict)
        }
        merged.sort(key=lambda item: rank.get(item.get(key), len(rank)))
    return merged
