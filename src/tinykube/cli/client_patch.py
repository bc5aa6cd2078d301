"""The three-way strategic merge patch of client-side apply, as pure functions on JSON values.

A port of the part of apimachinery's `strategicpatch.CreateThreeWayMergePatch` that kubectl
apply uses for core/v1 objects:

- additions and changes: what `modified` (the manifest) sets differently from `current` (the
  live object), ignoring what only the live object has (server defaults, status);
- deletions: what `original` (the last applied configuration) had and `modified` dropped, as
  `null` for a map key or `{"$patch": "delete", <key>: ...}` for an element of a list merged by
  key;
- lists merged by key (`server.patching.MERGE_KEYS`: containers by name, ports by
  containerPort, ...) are diffed element by element, with a `$setElementOrder/<list>` when
  they change; other lists are replaced whole when they differ.

`{}` means nothing to change (`kubectl apply` then prints `unchanged` and sends nothing).
`go_json` is Go's `json.Marshal` of such values (sorted keys, HTML-safe escapes), which is how
kubectl writes the `last-applied-configuration` annotation.
"""

from __future__ import annotations

import json
from typing import Any

from tinykube.server import patching

_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json(value: Any) -> str:
    """Go's `json.Marshal`: compact, map keys sorted, `<`, `>`, `&` escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return "".join(_HTML_ESCAPES.get(ch, ch) for ch in text)


def _merge_key(field: str, items: list[Any]) -> str | None:
    key = patching.MERGE_KEYS.get(field)
    if key is None or not all(isinstance(item, dict) for item in items):
        return None
    return key


def _diff_maps(
    original: dict[str, Any],
    modified: dict[str, Any],
    *,
    additions: bool,
    deletions: bool,
) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    if deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    for key, new in modified.items():
        if key not in original:
            if additions:
                patch[key] = new
            continue
        old = original[key]
        if isinstance(old, dict) and isinstance(new, dict):
            nested = _diff_maps(old, new, additions=additions, deletions=deletions)
            if nested:
                patch[key] = nested
        elif isinstance(old, list) and isinstance(new, list):
            _diff_lists(patch, key, old, new, additions=additions, deletions=deletions)
        elif additions and (old != new or type(old) is not type(new)):
            patch[key] = new
    return patch


def _diff_lists(
    patch: dict[str, Any],
    field: str,
    old: list[Any],
    new: list[Any],
    *,
    additions: bool,
    deletions: bool,
) -> None:
    merge_key = _merge_key(field, [*old, *new])
    if merge_key is None:
        if additions and old != new:
            patch[field] = new
        return
    old_by_key = {item.get(merge_key): item for item in old}
    new_keys = {item.get(merge_key) for item in new}
    changes: list[Any] = []
    for item in new:
        key = item.get(merge_key)
        if key not in old_by_key:
            if additions:
                changes.append(item)
            continue
        nested = _diff_maps(old_by_key[key], item, additions=additions, deletions=deletions)
        if nested:
            changes.append({merge_key: key, **nested})
    removed: list[Any] = []
    if deletions:
        removed = [
            {merge_key: item.get(merge_key), "$patch": "delete"}
            for item in old
            if item.get(merge_key) not in new_keys
        ]
    same_order = [item.get(merge_key) for item in old if item.get(merge_key) in new_keys] == [
        item.get(merge_key) for item in new if item.get(merge_key) in old_by_key
    ]
    entries = changes + removed
    if entries:
        patch[field] = entries
    if (additions and (entries or not same_order)) or (deletions and entries):
        patch[f"$setElementOrder/{field}"] = [{merge_key: item.get(merge_key)} for item in new]


def _merge_patches(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Both patches at once (`mergeMap(deletions, delta)`): keys merge, keyed lists join."""
    merged = dict(first)
    for key, value in second.items():
        existing = merged.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            merged[key] = _merge_patches(existing, value)
        elif (
            isinstance(existing, list)
            and isinstance(value, list)
            and not key.startswith("$setElementOrder/")
            and _merge_key(key, [*existing, *value]) is not None
        ):
            merge_key = patching.MERGE_KEYS[key]
            by_key = {item.get(merge_key): item for item in existing}
            for item in value:
                previous = by_key.get(item.get(merge_key))
                by_key[item.get(merge_key)] = (
                    _merge_patches(previous, item) if previous is not None else item
                )
            merged[key] = list(by_key.values())
        else:
            merged[key] = value
    return merged


def three_way_patch(
    original: dict[str, Any] | None, modified: dict[str, Any], current: dict[str, Any]
) -> dict[str, Any]:
    """The patch that takes `current` to `modified`, deleting what `original` had and
    `modified` dropped."""
    delta = _diff_maps(current, modified, additions=True, deletions=False)
    if not original:
        return delta
    removals = _diff_maps(original, modified, additions=False, deletions=True)
    return _merge_patches(removals, delta)
