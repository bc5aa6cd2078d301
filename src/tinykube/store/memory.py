"""MemoryStore: the reference `ObjectStore`, in memory (for `tinykube run` and for tests).

It implements the whole contract (`store.contract`): objects keyed by (kind, namespace, name),
a store-wide resourceVersion, selectors, pages, watches from a bounded in-memory history. It
also keeps the agent's pod methods (`get_pod(uid)`, `write_status(uid, status)`, ...) and the
`pods` dict by uid that `tinykube run`'s terminal view reads. Every committed change is handed
to the `listeners` (`(kind, obj)`, see `contract.Listener`), so a view sees status changes as
they are written.

Objects are kept in their stored form (`contract.normalize`: as they would read back from
SQLite), so both stores return equal objects for the same writes.
"""

from __future__ import annotations

import builtins
import datetime
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from tinykube.api import wire
from tinykube.api.pod import Pod
from tinykube.store import contract, selectors
from tinykube.store import watch as watching
from tinykube.store.contract import NotFoundError

__all__ = ["MemoryStore", "NotFoundError"]

W = TypeVar("W", bound=wire.Wire)
Key = tuple[str, str]


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_uid() -> str:
    return str(uuid.uuid4())


class _Entry(msgspec.Struct):
    object: wire.Wire
    attributes: selectors.Attributes
    written_at: float


class MemoryStore(contract.PodMethods):
    """The in-memory ObjectStore (not thread-safe: use it from one event loop)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime.datetime] = utc_now,
        new_uid: Callable[[], str] = new_uid,
        history_limit: int = 10_000,
        history_seconds: float = 300.0,
    ) -> None:
        self.listeners: builtins.list[contract.Listener] = []
        self.pods: dict[str, Pod] = {}  # by uid
        self._clock = clock
        self._new_uid = new_uid
        self._objects: dict[str, dict[Key, _Entry]] = {kind: {} for kind in contract.KIND_INFO}
        self._revision = 0
        self._history = watching.ChangeLog(limit=history_limit, max_age=history_seconds)
        self._streams = watching.Streams()

    # --- reads -------------------------------------------------------------------------------

    def current_resource_version(self) -> str:
        return str(self._revision)

    def current_revision(self) -> int:
        return self._revision

    def get(self, kind: str, namespace: str, name: str) -> wire.Wire:
        entry = self._entries(kind).get(_key(kind, namespace, name))
        if entry is None:
            raise contract.not_found(kind, name)
        return entry.object

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
    ) -> contract.ListResult:
        entries = self._entries(kind)
        selector = selectors.parse(
            kind, label_selector=label_selector, field_selector=field_selector
        )
        revision = self._revision
        last: Key | None = None
        if continue_token:
            revision, last = contract.decode_continue(continue_token, scoped_namespace=namespace)
        keys = sorted(
            key
            for key in entries
            if (namespace is None or key[0] == namespace) and (last is None or key > last)
        )
        matched = [
            entries[key].object
            for key in keys
            if selector.empty or selector.matches(entries[key].attributes)
        ]
        page, rest = (matched[:limit], matched[limit:]) if limit > 0 else (matched, [])
        return contract.list_page(
            tuple(page),
            revision=revision,
            last=contract.key_of(page[-1]) if page else ("", ""),
            more=len(rest),
            scoped=namespace is not None,
            counted=selector.empty,
        )

    # --- writes ------------------------------------------------------------------------------

    def create(self, obj: W) -> W:
        return self._create(obj, keep_system_fields=False)

    def _create(self, obj: W, *, keep_system_fields: bool) -> W:
        stamped = contract.normalize(
            contract.stamp_create(
                obj,
                resource_version=self._revision + 1,
                now=self._clock(),
                new_uid=self._new_uid,
                keep_system_fields=keep_system_fields,
            )
        )
        kind = contract.kind_of(stamped)
        if contract.key_of(stamped) in self._entries(kind):
            raise contract.already_exists(kind, stamped.metadata.name)  # type: ignore[attr-defined]
        self._commit(contract.EventType.ADDED, stamped, previous=None)
        return stamped

    def update(self, obj: W, *, expected_resource_version: str | None = None) -> W:
        kind = contract.kind_of(obj)
        namespace, name = contract.key_of(obj)
        entry = self._entries(kind).get(_key(kind, namespace, name))
        if entry is None:
            raise contract.not_found(kind, name)
        if expected_resource_version is None:
            expected_resource_version = obj.metadata.resource_version  # type: ignore[attr-defined]
        contract.check_preconditions(
            entry.object,
            kind=kind,
            expected_uid=None,
            expected_resource_version=expected_resource_version,
        )
        stored: W = entry.object  # type: ignore[assignment]
        stamped = contract.normalize(
            contract.stamp_update(stored, obj, resource_version=self._revision + 1)
        )
        if contract.same_content(stamped, stored):
            return stored
        self._commit(contract.EventType.MODIFIED, stamped, previous=entry.attributes)
        return stamped

    def update_status(self, kind: str, namespace: str, name: str, status: Any) -> wire.Wire | None:
        if not contract.info_for(kind).has_status:
            raise TypeError(f"{kind} has no status")
        entry = self._entries(kind).get(_key(kind, namespace, name))
        if entry is None:
            raise contract.not_found(kind, name)
        stamped = contract.status_update(entry.object, status, resource_version=self._revision + 1)
        if stamped is None:
            return None
        self._commit(contract.EventType.MODIFIED, stamped, previous=entry.attributes)
        return stamped

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        *,
        expected_uid: str | None = None,
        expected_resource_version: str | None = None,
    ) -> wire.Wire:
        entry = self._entries(kind).get(_key(kind, namespace, name))
        if entry is None:
            raise contract.not_found(kind, name)
        contract.check_preconditions(
            entry.object,
            kind=kind,
            expected_uid=expected_uid,
            expected_resource_version=expected_resource_version,
        )
        last = contract.with_resource_version(entry.object, self._revision + 1)
        self._commit(contract.EventType.DELETED, last, previous=entry.attributes)
        return last

    def delete_events_older_than(self, cutoff: datetime.datetime) -> int:
        limit = cutoff.timestamp()
        old = [key for key, entry in self._entries("Event").items() if entry.written_at < limit]
        for namespace, name in old:
            self.delete("Event", namespace, name)
        return len(old)

    def _commit(
        self,
        change_type: contract.EventType,
        obj: wire.Wire,
        *,
        previous: selectors.Attributes | None,
    ) -> None:
        """Apply one change, record it in the history and tell watches and listeners."""
        kind = contract.kind_of(obj)
        key = contract.key_of(obj)
        attributes = selectors.attributes_of(obj)
        now = self._clock().timestamp()
        entries = self._entries(kind)
        self._revision += 1
        if change_type is contract.EventType.DELETED:
            del entries[key]
        else:
            entries[key] = _Entry(obj, attributes, now)
        if isinstance(obj, Pod):
            if change_type is contract.EventType.DELETED:
                self.pods.pop(obj.metadata.uid, None)
            else:
                self.pods[obj.metadata.uid] = obj
        self._history.append(
            watching.Change(
                resource_version=self._revision,
                kind=kind,
                namespace=key[0],
                name=key[1],
                type=change_type,
                object=obj,
                attributes=attributes,
                previous=previous,
                at=now,
            )
        )
        self._streams.notify_nowait(kind)
        deleted = change_type is contract.EventType.DELETED
        for listener in builtins.list(self.listeners):
            listener(contract.listener_kind(kind, deleted=deleted), obj)

    # --- watches -----------------------------------------------------------------------------

    def watch(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        bookmarks: bool = False,
    ) -> watching.Stream:
        return watching.open_stream(
            self,
            kind,
            namespace,
            resource_version=resource_version,
            label_selector=label_selector,
            field_selector=field_selector,
            bookmarks=bookmarks,
            covers=self._history.covers,
            floor=self._history.floor,
            registry=self._streams.open,
        )

    def changes_since(self, kind: str, after: int, limit: int) -> builtins.list[watching.Change]:
        if not self._history.covers(after):
            raise contract.expired(after, self._history.floor)
        return self._history.since(kind, after, limit)

    def bookmark_nowait(self) -> None:
        self._streams.bookmark_nowait()

    def reclaim_space(self) -> int:
        return 0  # deleted objects are freed by the interpreter

    def close(self) -> None:
        self._streams.close_all()

    # --- the agent's pod methods (contract.PodMethods) ---------------------------------------

    def _pod_key(self, uid: str) -> Key | None:
        pod = self.pods.get(uid)
        return None if pod is None else contract.key_of(pod)

    def _upsert(self, obj: W, *, keep_system_fields: bool = False) -> W:
        kind = contract.kind_of(obj)
        namespace, name = contract.key_of(obj)
        entry = self._entries(kind).get(_key(kind, namespace, name))
        if entry is None:
            return self._create(obj, keep_system_fields=keep_system_fields)
        uid = obj.metadata.uid  # type: ignore[attr-defined]
        if uid and uid != entry.object.metadata.uid:  # type: ignore[attr-defined]
            self.delete(kind, *contract.key_of(entry.object))
            return self._create(obj, keep_system_fields=keep_system_fields)
        return self.update(obj, expected_resource_version="")

    def _entries(self, kind: str) -> dict[Key, _Entry]:
        try:
            return self._objects[kind]
        except KeyError:
            raise TypeError(f"the store keeps no kind {kind!r}") from None


def _key(kind: str, namespace: str, name: str) -> Key:
    """The storage key; cluster-scoped kinds have no namespace."""
    return (namespace if contract.KIND_INFO[kind].namespaced else "", name)
