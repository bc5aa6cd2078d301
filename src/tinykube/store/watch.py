"""Watches: the change history both stores keep, and the stream each watcher reads from it.

Every write appends one `Change` (its resourceVersion is the store's new one, so the history is
contiguous). A `Stream` is one open watch: it keeps a cursor (the last resourceVersion it has
looked at), reads the changes after it from its store (`ChangeSource`), turns them into events
for its namespace and selector (`to_event`, pure), and sleeps on its own `asyncio.Event`, which
writers set (`notify_nowait`): no polling, no tasks. A slow watcher is not buffered: it reads the
history when it asks for its next event, and if the history no longer reaches back to its
cursor, it gets one ERROR event (410 Expired) and ends, as the apiserver's watch cache does.

`ChangeLog` is the in-memory history: all of MemoryStore's, and SqliteStore's hot tail in front
of its `changes` table. It is bounded by count and age; `floor` is the newest resourceVersion
it has dropped (every change after `floor` is kept).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Protocol

import msgspec

from tinykube.api import wire
from tinykube.store import contract, selectors

BATCH: Final = 500  # changes read from the history at a time


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One committed write. For DELETED, `object` is the last state stamped with the deletion's
    resourceVersion; `previous` is the selection attributes before a MODIFIED."""

    resource_version: int
    kind: str
    namespace: str
    name: str
    type: contract.EventType
    object: wire.Wire
    attributes: selectors.Attributes
    previous: selectors.Attributes | None
    at: float  # wall-clock seconds of the write (for history retention)


def to_event(
    change: Change, *, namespace: str | None, selector: selectors.Selector
) -> contract.WatchEvent | None:
    """The event a watcher of `namespace`/`selector` sees for a change, if any (pure).

    As the apiserver's cacheWatcher: a modification into the selection is ADDED, one out of it
    is DELETED (carrying the new state).
    """
    if namespace is not None and change.namespace != namespace:
        return None
    if selector.empty:
        event_type: contract.EventType | None = change.type
    else:
        now = selector.matches(change.attributes)
        if change.type is not contract.EventType.MODIFIED:
            event_type = change.type if now else None
        else:
            before = change.previous is not None and selector.matches(change.previous)
            if now:
                event_type = contract.EventType.MODIFIED if before else contract.EventType.ADDED
            else:
                event_type = contract.EventType.DELETED if before else None
    if event_type is None:
        return None
    return contract.WatchEvent(
        type=event_type, object=change.object, resource_version=str(change.resource_version)
    )


class ChangeLog:
    """The newest changes, in resourceVersion order, bounded by `limit` and `max_age`."""

    def __init__(self, *, limit: int, max_age: float, floor: int = 0) -> None:
        self._changes: deque[Change] = deque()
        self.limit = limit
        self.max_age = max_age
        self.floor = floor

    def __len__(self) -> int:
        return len(self._changes)

    def append(self, change: Change) -> None:
        self._changes.append(change)
        self.compact(change.at)

    def compact(self, now: float) -> None:
        changes = self._changes
        while changes and (len(changes) > self.limit or now - changes[0].at > self.max_age):
            self.floor = changes.popleft().resource_version

    def covers(self, after: int) -> bool:
        return after >= self.floor

    def since(self, kind: str, after: int, limit: int) -> list[Change]:
        """Up to `limit` changes of `kind` after `after` (which `covers` must accept)."""
        newer: list[Change] = []
        for change in reversed(self._changes):
            if change.resource_version <= after:
                break
            newer.append(change)
        newer.reverse()
        return [change for change in newer if change.kind == kind][:limit]


class ChangeSource(Protocol):
    """What a Stream reads: the store's history and its current resourceVersion."""

    def changes_since(self, kind: str, after: int, limit: int) -> Sequence[Change]:
        """Changes of `kind` after `after`, oldest first; Expired when history is too short."""
        ...

    def current_revision(self) -> int: ...


class Stream:
    """One open watch (`contract.Watch`). Created by a store, which notifies it on writes."""

    def __init__(
        self,
        *,
        source: ChangeSource,
        kind: str,
        namespace: str | None,
        selector: selectors.Selector,
        after: int,
        initial: Iterable[wire.Wire] = (),
        bookmarks: bool = False,
        registry: weakref.WeakSet[Stream] | None = None,
    ) -> None:
        self.kind = kind
        self._source = source
        self._namespace = namespace
        self._selector = selector
        self._cursor = after
        self._bookmarks = bookmarks
        self._registry = registry
        self._pending: deque[contract.WatchEvent] = deque(
            contract.WatchEvent(
                type=contract.EventType.ADDED,
                object=obj,
                resource_version=obj.metadata.resource_version,  # type: ignore[attr-defined]
            )
            for obj in initial
        )
        self._wakeup = asyncio.Event()
        self._bookmark_requested = False
        self._closed = False  # closed by the consumer or the store: end now
        self._ended = False  # an ERROR was queued: end after delivering it
        if registry is not None:
            registry.add(self)

    def __aiter__(self) -> Stream:
        return self

    async def __anext__(self) -> contract.WatchEvent:
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._pending:
                return self._pending.popleft()
            if self._ended:
                self.close()
                raise StopAsyncIteration
            self._wakeup.clear()  # before reading, so a write during the read is not missed
            caught_up = self._fill()
            if self._pending or not caught_up:
                continue
            if self._bookmark_requested and not self._ended:
                self._bookmark_requested = False
                return contract.WatchEvent(
                    type=contract.EventType.BOOKMARK,
                    object=contract.bookmark_object(self.kind, str(self._cursor)),
                    resource_version=str(self._cursor),
                )
            await self._wakeup.wait()

    def _fill(self) -> bool:
        """Queue the events of the next batch of changes; True when nothing is left to read."""
        try:
            changes = self._source.changes_since(self.kind, self._cursor, BATCH)
        except contract.Expired as exc:
            self._pending.append(
                contract.WatchEvent(
                    type=contract.EventType.ERROR, object=None, resource_version="", error=exc
                )
            )
            self._ended = True
            return True
        for change in changes:
            self._cursor = change.resource_version
            event = to_event(change, namespace=self._namespace, selector=self._selector)
            if event is not None:
                self._pending.append(event)
        if len(changes) < BATCH:
            # caught up: nothing of this kind lies between the cursor and the store's head
            self._cursor = max(self._cursor, self._source.current_revision())
            return True
        return False

    def notify_nowait(self, kind: str | None = None) -> None:
        """A write happened (of `kind`, or something that concerns every watch)."""
        if kind is None or kind == self.kind:
            self._wakeup.set()

    def request_bookmark_nowait(self) -> None:
        if self._bookmarks:
            self._bookmark_requested = True
            self._wakeup.set()

    def close(self) -> None:
        """End the watch: the next (or a waiting) `__anext__` stops. Idempotent."""
        self._closed = True
        self._pending.clear()
        self._wakeup.set()
        if self._registry is not None:
            self._registry.discard(self)

    async def aclose(self) -> None:
        self.close()


class Streams:
    """A store's open watches (weakly held: a dropped, unclosed watch just goes away)."""

    def __init__(self) -> None:
        self.open: weakref.WeakSet[Stream] = weakref.WeakSet()

    def notify_nowait(self, kind: str) -> None:
        for stream in list(self.open):
            stream.notify_nowait(kind)

    def bookmark_nowait(self) -> None:
        for stream in list(self.open):
            stream.request_bookmark_nowait()

    def close_all(self) -> None:
        for stream in list(self.open):
            stream.close()


class ListingSource(ChangeSource, Protocol):
    """A store a watch can start from: its history plus a list for the initial state."""

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
    ) -> contract.ListResult: ...


def open_stream(
    source: ListingSource,
    kind: str,
    namespace: str | None,
    *,
    resource_version: str,
    label_selector: str,
    field_selector: str,
    bookmarks: bool,
    covers: Callable[[int], bool],
    floor: int,
    registry: weakref.WeakSet[Stream],
) -> Stream:
    """The apiserver's watch start: "" or "0" replays the current state as ADDED events, a
    resourceVersion the store has not reached is a 504, one older than `covers` accepts a 410."""
    selector = selectors.parse(kind, label_selector=label_selector, field_selector=field_selector)
    requested = contract.parse_resource_version(resource_version)
    current = source.current_revision()
    initial: tuple[wire.Wire, ...] = ()
    if requested == 0:
        initial = source.list(
            kind, namespace, label_selector=label_selector, field_selector=field_selector
        ).items
        requested = current
    elif requested > current:
        raise contract.too_large(requested, current)
    elif not covers(requested):
        raise contract.expired(requested, floor)
    return Stream(
        source=source,
        kind=kind,
        namespace=namespace,
        selector=selector,
        after=requested,
        initial=initial,
        bookmarks=bookmarks,
        registry=registry,
    )
