"""Server-side apply and `managedFields`: who owns which field of an object.

Field sets are sets of paths into an object's wire form, in the structured-merge-diff encoding
the apiserver writes into `metadata.managedFields[].fieldsV1`: `f:<field>` for a struct field or
a map key, `k:{"name":"app"}` for the element of a list merged by key, `v:"x"` for a member of a
set, and `.` for "this element itself". Whether a list is keyed, a set or atomic comes from the
same facts the OpenAPI publishes (`openapi.LIST_FACTS`).

- `record_update` is the bookkeeping of every create, update and non-apply patch (operation
  `Update`): the manager gains the fields whose values it changed, other managers lose them, and
  removed fields leave every set.
- `apply` is `PATCH` with `application/apply-patch+yaml`: the applied configuration's fields
  become the manager's (operation `Apply`); a field another manager owns with a different
  value is a conflict (409, `Apply failed with 1 conflict: conflict with "kubectl-client-side-
  apply" using v1: .spec.containers[name="app"].image`) unless `force`, which moves ownership;
  the configuration is merged into the live object (keyed lists element by element, sets as
  unions, everything else replaced), and fields the manager applied before but no longer
  applies are removed unless another manager owns them.

The system fields (`apiVersion`, `kind`, `metadata.name`, `uid`, `resourceVersion`, ...) and a
Pod's or Namespace's `status` are nobody's, as in the apiserver. Pure functions on wire dicts.
"""

from __future__ import annotations

import copy
import datetime
import json
import typing
from collections.abc import Iterable
from typing import Any, Final

import msgspec

from tinykube.api.wire import Wire, format_time
from tinykube.server import openapi

# A path element: ("f", field) | ("k", ((key, value), ...)) | ("v", value).
Element = tuple[str, Any]
Path = tuple[Element, ...]
FieldSet = frozenset[Path]

APPLY: Final = "Apply"
UPDATE: Final = "Update"
FIELDS_TYPE: Final = "FieldsV1"

_SYSTEM_META: Final = frozenset(
    {
        "name",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
    }
)
_STATUS_RESET: Final = frozenset({"Pod", "Namespace", "Node"})
# Defaults of list-map keys a client may leave out (ports are keyed by containerPort+protocol).
_KEY_DEFAULTS: Final = {("Container", "ports", "protocol"): "TCP"}


class ApplyError(Exception):
    """An apply request that cannot be served (a 400/422 in the apiserver)."""


class Conflict(msgspec.Struct, frozen=True):
    manager: str  # already rendered: "kubectl-client-side-apply" using v1
    path: Path


class ConflictError(Exception):
    """Fields another manager owns would change; `str()` is the apiserver's message."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__(conflict_message(conflicts))


# --- paths -----------------------------------------------------------------------------------


def _go_value(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def path_string(path: Path) -> str:
    """`.spec.containers[name="app"].image`, as fieldpath.Path.String()."""
    out = ""
    for kind, value in path:
        if kind == "f":
            out += "." + value
        elif kind == "k":
            out += "[" + ",".join(f"{key}={_go_value(item)}" for key, item in value) + "]"
        else:
            out += f"[={_go_value(value)}]"
    return out


def _element_key(element: Element) -> str:
    kind, value = element
    if kind == "f":
        return "f:" + str(value)
    if kind == "k":
        return "k:" + json.dumps(dict(value), separators=(",", ":"), sort_keys=True)
    return "v:" + _go_value(value)


def _parse_element(text: str) -> Element:
    kind, _, rest = text.partition(":")
    if kind == "f":
        return ("f", rest)
    if kind == "k":
        keys = json.loads(rest)
        if not isinstance(keys, dict):
            raise ValueError(text)
        return ("k", tuple(sorted(keys.items())))
    if kind == "v":
        return ("v", json.loads(rest))
    raise ValueError(text)


def encode(fields: Iterable[Path]) -> dict[str, Any]:
    """A field set as `fieldsV1`."""
    root: dict[str, Any] = {}
    for path in sorted(fields, key=lambda p: [_element_key(e) for e in p]):
        node = root
        for element in path:
            node = node.setdefault(_element_key(element), {})
        node["."] = {}  # a member; written as "." only when it also has children
    return _finish(root)


def _finish(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    children = {key: value for key, value in node.items() if key != "."}
    member = "." in node
    if member and children:
        out["."] = {}
    for key in sorted(children):
        out[key] = _finish(children[key])
    return out


def decode(fields_v1: Any) -> FieldSet:
    """The paths of a `fieldsV1` object (unreadable entries are dropped)."""
    found: set[Path] = set()

    def walk(node: Any, prefix: Path) -> None:
        if not isinstance(node, dict):
            return
        if not node and prefix:
            found.add(prefix)
            return
        for key, child in node.items():
            if key == ".":
                if prefix:
                    found.add(prefix)
                continue
            try:
                element = _parse_element(key)
            except ValueError:
                continue
            walk(child, (*prefix, element))

    walk(fields_v1, ())
    return frozenset(found)


# --- walking objects against the model -------------------------------------------------------


def _is_struct(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Wire)


def _list_key(cls: type[Wire], wire: str, keys: tuple[str, ...], element: Any) -> Element | None:
    if not isinstance(element, dict):
        return None
    pairs = []
    for key in keys:
        value = element.get(key)
        if value is None:
            value = _KEY_DEFAULTS.get((cls.__name__, wire, key))
        if value is None:
            if len(keys) == 1:
                return None
            continue
        pairs.append((key, value))
    return ("k", tuple(sorted(pairs)))


def fieldset_of(obj: dict[str, Any], cls: type[Wire]) -> FieldSet:
    """The paths an object sets (its leaves and list elements), system fields excluded."""
    found: set[Path] = set()
    top = {
        key: value
        for key, value in obj.items()
        if key not in ("apiVersion", "kind")
        and not (key == "status" and cls.__name__ in _STATUS_RESET)
    }
    meta = top.get("metadata")
    if isinstance(meta, dict):
        top["metadata"] = {k: v for k, v in meta.items() if k not in _SYSTEM_META}
        if not top["metadata"]:
            del top["metadata"]
    _walk_struct(top, cls, (), found)
    return frozenset(found)


def _walk_struct(obj: dict[str, Any], cls: type[Wire], prefix: Path, found: set[Path]) -> None:
    hints = openapi.hints_of(cls)
    for key, value in obj.items():
        if value is None or key not in hints:
            continue
        path = (*prefix, ("f", key))
        _walk_value(value, cls, key, hints[key][1], path, found)


def _walk_value(
    value: Any, cls: type[Wire], wire: str, annotation: Any, path: Path, found: set[Path]
) -> None:
    origin = typing.get_origin(annotation)
    item_class, _name = openapi.element_class(cls, wire)
    if origin is tuple and isinstance(value, list) and value:
        facts = openapi.list_facts(cls.__name__, wire)
        if facts.list_type == "map" and item_class is not None:
            for element in value:
                key = _list_key(cls, wire, facts.keys, element)
                if key is None:
                    continue
                element_path = (*path, key)
                found.add(element_path)
                _walk_struct(element, item_class, element_path, found)
            return
        if facts.list_type == "set":
            for element in value:
                found.add((*path, ("v", element)))
            return
        found.add(path)
        return
    if _is_struct(annotation) or (item_class is not None and origin is not tuple):
        struct = item_class if item_class is not None else annotation
        if isinstance(value, dict) and value:
            _walk_struct(value, struct, path, found)
        else:
            found.add(path)
        return
    if origin is dict and isinstance(value, dict) and value:
        _key, item = typing.get_args(annotation)
        if item is Any:
            found.add(path)  # opaque: owned whole
            return
        found.add(path)  # a map is a member itself, besides its keys (as SMD records it)
        for key in value:
            found.add((*path, ("f", key)))
        return
    found.add(path)


_MISSING: Final = object()


def value_at(obj: Any, path: Path) -> Any:
    """The value at `path`, or `_MISSING`."""
    node = obj
    for kind, value in path:
        if kind == "f":
            if not isinstance(node, dict) or value not in node:
                return _MISSING
            node = node[value]
        elif kind == "k":
            if not isinstance(node, list):
                return _MISSING
            wanted = dict(value)
            node = next(
                (
                    item
                    for item in node
                    if isinstance(item, dict)
                    and all(item.get(k, wanted[k]) == wanted[k] for k in wanted)
                    and any(k in item for k in wanted)
                ),
                _MISSING,
            )
            if node is _MISSING:
                return _MISSING
        else:
            if not isinstance(node, list) or value not in node:
                return _MISSING
            node = value
    return node


def _parents(fields: Iterable[Path]) -> frozenset[Path]:
    return frozenset(path[:end] for path in fields for end in range(1, len(path)))


def _differs(old: Any, new: Any, path: Path, parents: frozenset[Path]) -> bool:
    """Whether the value at `path` changed. A list element, a set member, and a map whose keys
    are paths of their own (`parents`), present on both sides, are the same: their children
    decide. Leaves (scalars, atomic lists and maps, empty structs) compare by value."""
    before = value_at(old, path)
    after = value_at(new, path)
    if before is _MISSING or after is _MISSING:
        return before is not after
    if path[-1][0] in ("k", "v") or path in parents:
        return False
    return bool(before != after)


def _remove(obj: Any, path: Path) -> None:
    if not path:
        return
    parent = value_at(obj, path[:-1]) if len(path) > 1 else obj
    if parent is _MISSING:
        return
    kind, value = path[-1]
    if kind == "f" and isinstance(parent, dict):
        parent.pop(value, None)
    elif kind == "k" and isinstance(parent, list):
        target = value_at(obj, path)
        if target is not _MISSING:
            parent.remove(target)
    elif kind == "v" and isinstance(parent, list) and value in parent:
        parent.remove(value)


# --- managers --------------------------------------------------------------------------------


class Entry(msgspec.Struct):
    manager: str
    operation: str
    api_version: str
    time: str
    fields: FieldSet
    subresource: str = ""

    def same_manager(self, other: Entry) -> bool:
        return (self.manager, self.operation, self.subresource) == (
            other.manager,
            other.operation,
            other.subresource,
        )

    def rendered(self) -> str:
        """How conflict messages name the manager (printManager, without the time)."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
        return text

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": FIELDS_TYPE,
            "fieldsV1": encode(self.fields),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def entries_of(managed_fields: Any) -> list[Entry]:
    """The managers recorded in `metadata.managedFields` (malformed entries are dropped)."""
    entries: list[Entry] = []
    for raw in managed_fields or ():
        if not isinstance(raw, dict) or not isinstance(raw.get("manager"), str):
            continue
        entries.append(
            Entry(
                manager=raw["manager"],
                operation=str(raw.get("operation", UPDATE)),
                api_version=str(raw.get("apiVersion", "v1")),
                time=str(raw.get("time", "")),
                fields=decode(raw.get("fieldsV1", {})),
                subresource=str(raw.get("subresource", "")),
            )
        )
    return entries


def _store(entries: list[Entry]) -> list[dict[str, Any]]:
    return [entry.to_wire() for entry in entries if entry.fields]


def _stamp(now: datetime.datetime) -> str:
    return format_time(now)


def record_update(
    *,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    cls: type[Wire],
    managed_fields: Any,
    manager: str,
    now: datetime.datetime,
    subresource: str = "",
) -> list[dict[str, Any]]:
    """The `managedFields` after `manager` changed `old` (None: created) into `new`."""
    new_fields = fieldset_of(new, cls)
    old_fields = fieldset_of(old, cls) if old is not None else frozenset()
    parents = _parents(new_fields | old_fields)
    changed = frozenset(
        path for path in new_fields if old is None or _differs(old, new, path, parents)
    )
    removed = old_fields - new_fields
    entries = entries_of(managed_fields)
    me = Entry(
        manager=manager,
        operation=UPDATE,
        api_version="v1",
        time=_stamp(now),
        fields=frozenset(),
        subresource=subresource,
    )
    kept: list[Entry] = []
    for entry in entries:
        if entry.same_manager(me):
            me.fields = entry.fields
            me.time = entry.time
            continue
        entry.fields = entry.fields - changed - removed
        kept.append(entry)
    if changed or removed or me.fields:
        if changed:
            me.time = _stamp(now)
        me.fields = (me.fields | changed) - removed
        kept.append(me)
    return _store(kept)


class Applied(msgspec.Struct, frozen=True):
    obj: dict[str, Any]
    managed_fields: list[dict[str, Any]]


def apply(
    *,
    live: dict[str, Any] | None,
    config: dict[str, Any],
    cls: type[Wire],
    manager: str,
    force: bool,
    now: datetime.datetime,
) -> Applied:
    """Server-side apply of `config` by `manager` onto `live` (None: the object is created)."""
    meta = config.get("metadata")
    if isinstance(meta, dict) and meta.get("managedFields"):
        raise ApplyError("metadata.managedFields must be nil")
    applied = fieldset_of(config, cls)
    base = live if live is not None else {}
    base_meta = base.get("metadata")
    entries = entries_of(base_meta.get("managedFields") if isinstance(base_meta, dict) else ())
    me = Entry(
        manager=manager, operation=APPLY, api_version="v1", time=_stamp(now), fields=frozenset()
    )
    others: list[Entry] = []
    for entry in entries:
        if entry.same_manager(me):
            me.fields = entry.fields
        else:
            others.append(entry)
    parents = _parents(applied | fieldset_of(base, cls))
    conflicts: list[Conflict] = []
    conflicting: set[Path] = set()
    for entry in others:
        for path in sorted(entry.fields & applied, key=path_string):
            if _differs(base, config, path, parents):
                conflicts.append(Conflict(manager=entry.rendered(), path=path))
                conflicting.add(path)
    if conflicts and not force:
        raise ConflictError(conflicts)
    merged = _merge(copy.deepcopy(base), config, cls)
    owned_by_others = frozenset().union(*(entry.fields for entry in others))
    for path in sorted(me.fields - applied, key=len, reverse=True):
        if path not in owned_by_others:
            _remove(merged, path)
    for entry in others:
        entry.fields = entry.fields - conflicting
    me.fields = applied
    return Applied(obj=merged, managed_fields=_store([*others, me]))


def _merge(live: Any, config: Any, cls: type[Wire]) -> Any:
    """`config` merged into `live` (both wire dicts of `cls`)."""
    if not isinstance(live, dict) or not isinstance(config, dict):
        return copy.deepcopy(config)
    hints = openapi.hints_of(cls)
    result = live
    for key, value in config.items():
        if key not in hints:
            result[key] = copy.deepcopy(value)
            continue
        if value is None:
            continue
        result[key] = _merge_value(result.get(key), value, cls, key, hints[key][1])
    return result


def _merge_value(live: Any, config: Any, cls: type[Wire], wire: str, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    item_class, _name = openapi.element_class(cls, wire)
    if origin is tuple and isinstance(config, list):
        facts = openapi.list_facts(cls.__name__, wire)
        current = live if isinstance(live, list) else []
        if facts.list_type == "map" and item_class is not None:
            merged = [copy.deepcopy(item) for item in current]
            for element in config:
                key = _list_key(cls, wire, facts.keys, element)
                target = value_at(merged, (key,)) if key is not None else _MISSING
                if target is _MISSING:
                    merged.append(copy.deepcopy(element))
                else:
                    index = merged.index(target)
                    merged[index] = _merge(target, element, item_class)
            return merged
        if facts.list_type == "set":
            return [*current, *(item for item in config if item not in current)]
        return copy.deepcopy(config)
    if isinstance(config, dict):
        struct = item_class if item_class is not None and origin is not dict else None
        if struct is None and _is_struct(annotation):
            struct = annotation
        if struct is not None:
            return _merge(live if isinstance(live, dict) else {}, config, struct)
        if origin is dict and typing.get_args(annotation)[1] is not Any:
            return {**(live if isinstance(live, dict) else {}), **copy.deepcopy(config)}
    return copy.deepcopy(config)


def conflict_message(conflicts: list[Conflict]) -> str:
    """The apiserver's `Apply failed with N conflict(s): ...` text."""
    if len(conflicts) == 1:
        only = conflicts[0]
        where = path_string(only.path)
        return f"Apply failed with 1 conflict: conflict with {only.manager}: {where}"
    by_manager: dict[str, list[Path]] = {}
    for conflict in conflicts:
        by_manager.setdefault(conflict.manager, []).append(conflict.path)
    lines: list[str] = []
    for manager in sorted(by_manager):
        lines.append(f"conflicts with {manager}:")
        lines.extend(f"- {path_string(path)}" for path in by_manager[manager])
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


def conflict_causes(conflicts: list[Conflict]) -> list[dict[str, str]]:
    return [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {conflict.manager}",
            "field": path_string(conflict.path),
        }
        for conflict in conflicts
    ]


def manager_from_user_agent(user_agent: str) -> str:
    """The default field manager: the User-Agent up to its first `/` (128 characters at most)."""
    return user_agent.split("/", 1)[0][:128]
