"""SqliteStore: the daemon's `ObjectStore`, one SQLite file under the data directory.

Layout (store/migrations/*.sql, applied at open; the schema version is `PRAGMA user_version`):
`objects` holds each object's wire JSON (msgspec) with its selection attributes, `changes` one
row per committed write (the history watches replay and `resourceVersion` resumes from), and
`counters` the store-wide resourceVersion and the history floor.

Durability: journal_mode=WAL, synchronous=NORMAL, one transaction per write. In WAL mode a
commit has reached the WAL file (the OS) when it returns, so a crash of this process - even
`kill -9` mid-write - loses nothing committed and corrupts nothing; NORMAL only skips the
fsync per commit, so an OS crash or power loss may lose the last commits (never corrupt the
file). FULL would cost an fsync (milliseconds) on every status write for a guarantee the agent
does not need: after such a crash it rebuilds status from the runtime anyway.

Space: the file uses `auto_vacuum=INCREMENTAL` (set before the first table is created; a file
made without it is converted once, by a VACUUM at open), so pages freed by deletes - expired
events, the history's compaction - go back to the file system when the daemon's housekeeping
calls `reclaim_space` (at most `RECLAIM_PAGES` per call, so no call blocks long). The history
itself stays within `history_limit` changes and `history_seconds` of age (`_compact_nowait`),
and `journal_size_limit` truncates the WAL file after checkpoints.

Reads: a list page reads the keys and resourceVersions of its rows, the bodies only of those
the object cache (decoded objects by key, exact while this process is the only writer) does not
hold at their current version, and counts the rest on the key index. Each object row fills a
4 KiB page of its own, so the page cache may grow to `PAGE_CACHE_KIB` (SQLite's default of
2 MiB holds some 500 rows): listing 1,000 pods again then reads no page from the file.

Watches are fanned out in-process: a write wakes the open watches of its kind directly (see
store.watch); the newest changes are also kept decoded in memory, so watchers near the head do
not re-read SQLite. Another process writing the same file is not supported.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime
import gc
import importlib.resources
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

import msgspec

from tinykube.api import wire
from tinykube.api.pod import Pod
from tinykube.store import contract, selectors
from tinykube.store import watch as watching
from tinykube.store.memory import new_uid, utc_now

W = TypeVar("W", bound=wire.Wire)
Key = tuple[str, str]
_KeyRevision = tuple[str, str, int]  # (namespace, name, resourceVersion) of a row

FILE_NAME: Final = "tinykube.db"
RECLAIM_PAGES: Final = 4096  # pages given back per `reclaim_space` call (16 MiB of 4 KiB pages)
WAL_SIZE_LIMIT: Final = 64 * 1024 * 1024
PAGE_CACHE_KIB: Final = 32 * 1024  # the page cache grows up to this (SQLite's default: 2 MiB)
_INCREMENTAL: Final = 2  # PRAGMA auto_vacuum value
_READ_ONE_BY_ONE: Final = 32  # a list reads up to this many uncached bodies by key, more by range


def migrations() -> builtins.list[tuple[int, str]]:
    """The shipped migrations, `(version, sql)` in order (files `NNNN_name.sql`)."""
    folder = importlib.resources.files("tinykube.store").joinpath("migrations")
    found = [
        (int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while decoding many objects at once.

    Decoding 1,000 pods allocates some 10^5 container objects, none of them garbage, and the
    collections they trigger cost more than the decoding itself (a cold list of 1,000 pods:
    ~125 ms with, ~50 ms without). Reference counting still frees everything meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _guard(action: str) -> Iterator[None]:
    """Turn sqlite3 errors into StorageFailure (the cause kept)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise contract.StorageFailure(f"store: {action} failed: {exc}") from exc


def _attributes_json(attributes: selectors.Attributes) -> bytes:
    return msgspec.json.encode(attributes.to_json())


def _attributes(raw: bytes) -> selectors.Attributes:
    return selectors.Attributes.from_json(msgspec.json.decode(raw))


class _Cached(NamedTuple):
    revision: int
    object: wire.Wire
    attributes: selectors.Attributes


class SqliteStore(contract.PodMethods):
    """The SQLite ObjectStore (not thread-safe: use it from one event loop)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        clock: Callable[[], datetime.datetime] = utc_now,
        new_uid: Callable[[], str] = new_uid,
        history_limit: int = 10_000,
        history_seconds: float = 300.0,
        history_cache_limit: int = 1_000,
        object_cache_limit: int = 5_000,
    ) -> None:
        self.listeners: builtins.list[contract.Listener] = []
        self._clock = clock
        self._new_uid = new_uid
        self._history_limit = history_limit
        self._history_seconds = history_seconds
        self._streams = watching.Streams()
        self._closed = False
        # decoded objects by key, valid while their resourceVersion matches the row's (this
        # process is the only writer, so the cache is exact); bounded, oldest entry out first
        self._objects: dict[tuple[str, str, str], _Cached] = {}
        self._object_limit = object_cache_limit
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILE_NAME
        with _guard("open"):
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._use_incremental_vacuum()  # first: a new file takes it before anything else
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            self._db.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            self._migrate()
            counters = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
        self._revision: int = counters["resource_version"]
        self._floor: int = counters["history_floor"]
        # the decoded tail of the history; it starts empty, so it covers only what follows
        self._recent = watching.ChangeLog(
            limit=min(history_cache_limit, history_limit),
            max_age=history_seconds,
            floor=self._revision,
        )

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        shipped = migrations()
        latest = shipped[-1][0] if shipped else 0
        if version > latest:
            raise contract.StorageFailure(
                f"store: {self.path} has schema version {version}; "
                f"this tinykube knows up to {latest}"
            )
        for number, sql in shipped:
            if number <= version:
                continue
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except sqlite3.Error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _use_incremental_vacuum(self) -> None:
        """`auto_vacuum=INCREMENTAL`: free to set on a new file, one VACUUM on an old one."""
        (mode,) = self._db.execute("PRAGMA auto_vacuum").fetchone()
        if mode == _INCREMENTAL:
            return
        self._db.execute(f"PRAGMA auto_vacuum={_INCREMENTAL}")
        (tables,) = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if tables:
            self._db.execute("VACUUM")

    def reclaim_space(self) -> int:
        with _guard("reclaim space"):
            (free,) = self._db.execute("PRAGMA freelist_count").fetchone()
            pages = min(int(free), RECLAIM_PAGES)
            if pages == 0:
                return 0
            self._db.executescript(f"PRAGMA incremental_vacuum({pages});")
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return pages

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._streams.close_all()
        with _guard("close"):
            self._db.close()

    # --- reads -------------------------------------------------------------------------------

    def current_resource_version(self) -> str:
        return str(self._revision)

    def current_revision(self) -> int:
        return self._revision

    def _row(self, kind: str, namespace: str, name: str) -> tuple[int, bytes, bytes] | None:
        """`(resourceVersion, attributes, body)` of a stored object."""
        with _guard("read"):
            row: tuple[int, bytes, bytes] | None = self._db.execute(
                "SELECT resource_version, attributes, body FROM objects"
                " WHERE kind = ? AND namespace = ? AND name = ?",
                (kind, *_key(kind, namespace, name)),
            ).fetchone()
        return row

    def _load(self, kind: str, key: Key, revision: int, attributes: bytes, body: bytes) -> _Cached:
        """The decoded object and attributes of a row, from the cache when current."""
        cached = self._objects.get((kind, *key))
        if cached is not None and cached.revision == revision:
            return cached
        loaded = _Cached(
            revision, contract.decode(contract.info_for(kind).cls, body), _attributes(attributes)
        )
        wire.remember_json(loaded.object, body)
        self._remember(kind, key, loaded)
        return loaded

    def _remember(self, kind: str, key: Key, cached: _Cached) -> None:
        objects = self._objects
        self._forget((kind, *key))
        objects[(kind, *key)] = cached
        if len(objects) > self._object_limit:
            self._forget(next(iter(objects)))

    def _forget(self, cache_key: tuple[str, str, str]) -> None:
        """Drop an object from the cache, and its JSON with it."""
        dropped = self._objects.pop(cache_key, None)
        if dropped is not None:
            wire.forget_json(dropped.object)

    def get(self, kind: str, namespace: str, name: str) -> wire.Wire:
        contract.info_for(kind)
        row = self._row(kind, namespace, name)
        if row is None:
            raise contract.not_found(kind, name)
        return self._load(kind, _key(kind, namespace, name), *row).object

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
        """One page in key order, reading only what the page needs: the keys and
        resourceVersions of its rows (plus one, to know whether more follow), the bodies of
        rows the object cache does not hold at their current version, and an index-only count
        of the rest for `remainingItemCount`. No write can come between these reads (one
        event loop, one writer), so the page and its count agree."""
        contract.info_for(kind)
        selector = selectors.parse(
            kind, label_selector=label_selector, field_selector=field_selector
        )
        revision = self._revision
        where = "kind = ?"
        params: builtins.list[Any] = [kind]
        if namespace is not None:
            where += " AND namespace = ?"
            params.append(namespace)
        if continue_token:
            revision, last = contract.decode_continue(continue_token, scoped_namespace=namespace)
            where, params = _after(where, params, last, scoped=namespace is not None)
        with _guard("list"):
            if selector.empty:
                rows, more = self._page_keys(where, params, limit, scoped=namespace is not None)
            else:
                rows, more = self._matching_keys(kind, where, params, selector, limit)
            with _gc_paused():
                page = self._load_many(kind, rows)
        last = (rows[-1][0], rows[-1][1]) if rows else ("", "")
        return contract.list_page(
            tuple(page),
            revision=revision,
            last=last,
            more=more,
            scoped=namespace is not None,
            counted=selector.empty,
        )

    def _page_keys(
        self, where: str, params: builtins.list[Any], limit: int, *, scoped: bool
    ) -> tuple[builtins.list[_KeyRevision], int]:
        """The page's `(namespace, name, resourceVersion)` rows and how many rows follow it."""
        sql = f"SELECT namespace, name, resource_version FROM objects WHERE {where}"
        sql += " ORDER BY namespace, name"
        if limit <= 0:
            return self._db.execute(sql, params).fetchall(), 0
        rows: builtins.list[_KeyRevision] = self._db.execute(
            f"{sql} LIMIT ?", [*params, limit + 1]
        ).fetchall()
        if len(rows) <= limit:
            return rows, 0
        del rows[limit:]
        last_namespace, last_name, _ = rows[-1]
        rest, rest_params = _after(where, params, (last_namespace, last_name), scoped=scoped)
        (more,) = self._db.execute(
            f"SELECT COUNT(*) FROM objects WHERE {rest}", rest_params
        ).fetchone()  # by the key index alone
        return rows, int(more)

    def _matching_keys(
        self,
        kind: str,
        where: str,
        params: builtins.list[Any],
        selector: selectors.Selector,
        limit: int,
    ) -> tuple[builtins.list[_KeyRevision], int]:
        """The page's rows matching `selector`, and 1 if another match follows (with a
        selector the rest is not counted: remainingItemCount is not reported)."""
        cursor = self._db.execute(
            "SELECT namespace, name, resource_version, attributes FROM objects"
            f" WHERE {where} ORDER BY namespace, name",
            params,
        )
        rows: builtins.list[_KeyRevision] = []
        try:
            for row_namespace, row_name, row_revision, attributes in cursor:
                cached = self._objects.get((kind, row_namespace, row_name))
                if cached is not None and cached.revision == row_revision:
                    found = cached.attributes
                else:
                    found = _attributes(attributes)
                if not selector.matches(found):
                    continue
                if 0 < limit <= len(rows):
                    return rows, 1
                rows.append((row_namespace, row_name, row_revision))
        finally:
            cursor.close()  # ends the read: an unfinished statement would hold the snapshot
        return rows, 0

    def _load_many(self, kind: str, rows: builtins.list[_KeyRevision]) -> builtins.list[wire.Wire]:
        """The objects of `rows` (keys at their listed resourceVersion): from the cache, the
        bodies of the others read one by one when few, by one range scan when many."""
        objects = self._objects
        found: builtins.list[wire.Wire | None] = []
        missing: dict[Key, int] = {}  # key -> its index in `found`
        for row_namespace, row_name, row_revision in rows:
            cached = objects.get((kind, row_namespace, row_name))
            if cached is None or cached.revision != row_revision:
                missing[(row_namespace, row_name)] = len(found)
                found.append(None)
            else:
                found.append(cached.object)
        if len(missing) > _READ_ONE_BY_ONE:
            keys = builtins.list(missing)
            first, last = keys[0], keys[-1]
            bodies = self._db.execute(
                "SELECT namespace, name, resource_version, attributes, body FROM objects"
                " WHERE kind = ? AND (namespace, name) BETWEEN (?, ?) AND (?, ?)"
                " ORDER BY namespace, name",
                (kind, *first, *last),
            )
            for row_namespace, row_name, row_revision, attributes, body in bodies:
                index = missing.get((row_namespace, row_name))
                if index is not None:
                    loaded = self._load(
                        kind, (row_namespace, row_name), row_revision, attributes, body
                    )
                    found[index] = loaded.object
        else:
            for key, index in missing.items():
                row_revision, attributes, body = self._db.execute(
                    "SELECT resource_version, attributes, body FROM objects"
                    " WHERE kind = ? AND namespace = ? AND name = ?",
                    (kind, *key),
                ).fetchone()
                found[index] = self._load(kind, key, row_revision, attributes, body).object
        return [obj for obj in found if obj is not None]

    # --- writes ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[builtins.list[watching.Change]]:
        """One write transaction; the changes appended inside are published after COMMIT."""
        changes: builtins.list[watching.Change] = []
        revision = self._revision
        with _guard("write"):
            self._db.execute("BEGIN IMMEDIATE")
        try:
            yield changes
            if changes:
                self._compact_nowait(changes[-1])
                with _guard("write"):
                    self._db.execute(
                        "UPDATE counters SET value = ? WHERE name = 'resource_version'",
                        (changes[-1].resource_version,),
                    )
            with _guard("commit"):
                self._db.execute("COMMIT")
        except BaseException:
            self._revision = revision
            for change in changes:
                wire.forget_json(change.object)  # never cached: nothing will forget it later
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        for change in changes:
            self._publish(change)

    def _apply(
        self,
        changes: builtins.list[watching.Change],
        change_type: contract.EventType,
        obj: wire.Wire,
        body: bytes,
        *,
        previous: selectors.Attributes | None,
    ) -> None:
        """Write one change inside the open transaction (rows of `objects` and `changes`);
        `body` is `obj`'s wire JSON, kept for reads until the cache drops `obj`."""
        wire.remember_json(obj, body)
        kind = contract.kind_of(obj)
        namespace, name = contract.key_of(obj)
        meta = obj.metadata  # type: ignore[attr-defined]
        attributes = selectors.attributes_of(obj)
        attributes_json = _attributes_json(attributes)
        now = self._clock().timestamp()
        revision = self._revision + 1
        with _guard("write"):
            if change_type is contract.EventType.DELETED:
                self._db.execute(
                    "DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                    (kind, namespace, name),
                )
            else:
                self._db.execute(
                    "INSERT INTO objects (kind, namespace, name, uid, resource_version,"
                    " written_at, attributes, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (kind, namespace, name) DO UPDATE SET uid = excluded.uid,"
                    " resource_version = excluded.resource_version,"
                    " written_at = excluded.written_at, attributes = excluded.attributes,"
                    " body = excluded.body",
                    (kind, namespace, name, meta.uid, revision, now, attributes_json, body),
                )
            self._db.execute(
                "INSERT INTO changes (resource_version, kind, namespace, name, type, written_at,"
                " attributes, previous, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    revision,
                    kind,
                    namespace,
                    name,
                    str(change_type),
                    now,
                    attributes_json,
                    None if previous is None else _attributes_json(previous),
                    body,
                ),
            )
        self._revision = revision
        changes.append(
            watching.Change(
                resource_version=revision,
                kind=kind,
                namespace=namespace,
                name=name,
                type=change_type,
                object=obj,
                attributes=attributes,
                previous=previous,
                at=now,
            )
        )

    def _compact_nowait(self, newest: watching.Change) -> None:
        """Drop history beyond `history_limit` changes or `history_seconds` of age (inside the
        write transaction; resourceVersions are contiguous, so the count bound is arithmetic
        and the age bound one indexed lookup)."""
        with _guard("compact"):
            (aged,) = self._db.execute(
                # by the age index: only the aged rows (about to go) are visited
                "SELECT MAX(resource_version) FROM changes INDEXED BY changes_by_age"
                " WHERE written_at < ?",
                (newest.at - self._history_seconds,),
            ).fetchone()
        floor = max(self._floor, newest.resource_version - self._history_limit, aged or 0)
        if floor == self._floor:
            return
        with _guard("compact"):
            self._db.execute("DELETE FROM changes WHERE resource_version <= ?", (floor,))
            self._db.execute("UPDATE counters SET value = ? WHERE name = 'history_floor'", (floor,))
        self._floor = floor

    def _publish(self, change: watching.Change) -> None:
        """After COMMIT: cache, history tail, watches, listeners."""
        key = (change.namespace, change.name)
        deleted = change.type is contract.EventType.DELETED
        if deleted:
            self._forget((change.kind, *key))
        else:
            self._remember(
                change.kind, key, _Cached(change.resource_version, change.object, change.attributes)
            )
        self._recent.append(change)
        self._streams.notify_nowait(change.kind)
        for listener in builtins.list(self.listeners):
            listener(contract.listener_kind(change.kind, deleted=deleted), change.object)

    def create(self, obj: W) -> W:
        return self._create(obj, keep_system_fields=False)

    def _create(self, obj: W, *, keep_system_fields: bool) -> W:
        stamped, body = contract.normalize_encoded(
            contract.stamp_create(
                obj,
                resource_version=self._revision + 1,
                now=self._clock(),
                new_uid=self._new_uid,
                keep_system_fields=keep_system_fields,
            )
        )
        kind = contract.kind_of(stamped)
        namespace, name = contract.key_of(stamped)
        if self._row(kind, namespace, name) is not None:
            raise contract.already_exists(kind, name)
        with self._transaction() as changes:
            self._apply(changes, contract.EventType.ADDED, stamped, body, previous=None)
        return stamped

    def _stored(self, kind: str, namespace: str, name: str) -> _Cached:
        """The stored object (reads need no transaction: this process is the only writer)."""
        row = self._row(kind, namespace, name)
        if row is None:
            raise contract.not_found(kind, name)
        return self._load(kind, _key(kind, namespace, name), *row)

    def update(self, obj: W, *, expected_resource_version: str | None = None) -> W:
        kind = contract.kind_of(obj)
        namespace, name = contract.key_of(obj)
        if expected_resource_version is None:
            expected_resource_version = obj.metadata.resource_version  # type: ignore[attr-defined]
        found = self._stored(kind, namespace, name)
        stored: W = found.object  # type: ignore[assignment]
        contract.check_preconditions(
            stored,
            kind=kind,
            expected_uid=None,
            expected_resource_version=expected_resource_version,
        )
        stamped, body = contract.normalize_encoded(
            contract.stamp_update(stored, obj, resource_version=self._revision + 1)
        )
        if contract.same_content(stamped, stored):
            return stored
        with self._transaction() as changes:
            self._apply(
                changes, contract.EventType.MODIFIED, stamped, body, previous=found.attributes
            )
        return stamped

    def update_status(self, kind: str, namespace: str, name: str, status: Any) -> wire.Wire | None:
        if not contract.info_for(kind).has_status:
            raise TypeError(f"{kind} has no status")
        found = self._stored(kind, namespace, name)
        stamped = contract.status_update(found.object, status, resource_version=self._revision + 1)
        if stamped is None:
            return None
        body = contract.encode(stamped)
        with self._transaction() as changes:
            self._apply(
                changes, contract.EventType.MODIFIED, stamped, body, previous=found.attributes
            )
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
        found = self._stored(kind, namespace, name)
        contract.check_preconditions(
            found.object,
            kind=kind,
            expected_uid=expected_uid,
            expected_resource_version=expected_resource_version,
        )
        with self._transaction() as changes:
            self._delete(changes, found)
        return changes[-1].object

    def _delete(self, changes: builtins.list[watching.Change], found: _Cached) -> None:
        last = contract.with_resource_version(found.object, self._revision + 1)
        body = contract.encode(last)
        self._apply(changes, contract.EventType.DELETED, last, body, previous=found.attributes)

    def delete_events_older_than(self, cutoff: datetime.datetime) -> int:
        with _guard("read"):
            rows = self._db.execute(
                "SELECT namespace, name, resource_version, attributes, body FROM objects"
                " WHERE kind = 'Event' AND written_at < ?",
                (cutoff.timestamp(),),
            ).fetchall()
        if not rows:
            return 0
        with self._transaction() as changes:
            for namespace, name, revision, attributes, body in rows:
                self._delete(
                    changes, self._load("Event", (namespace, name), revision, attributes, body)
                )
        return len(rows)

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
            covers=lambda rv: rv >= self._floor or self._recent.covers(rv),
            floor=self._floor,
            registry=self._streams.open,
        )

    def changes_since(self, kind: str, after: int, limit: int) -> builtins.list[watching.Change]:
        if self._recent.covers(after):
            return self._recent.since(kind, after, limit)
        if after < self._floor:
            raise contract.expired(after, self._floor)
        cls = contract.info_for(kind).cls
        with _guard("read history"):
            rows = self._db.execute(
                "SELECT resource_version, namespace, name, type, written_at, attributes,"
                " previous, body FROM changes WHERE kind = ? AND resource_version > ?"
                " ORDER BY resource_version LIMIT ?",
                (kind, after, limit),
            ).fetchall()
        with _gc_paused():
            return [self._change(kind, cls, row) for row in rows]

    def _change(self, kind: str, cls: type[wire.Wire], row: tuple[Any, ...]) -> watching.Change:
        revision, namespace, name, change_type, written_at, attributes, previous, body = row
        return watching.Change(
            resource_version=revision,
            kind=kind,
            namespace=namespace,
            name=name,
            type=contract.EventType(change_type),
            object=contract.decode(cls, body),
            attributes=_attributes(attributes),
            previous=None if previous is None else _attributes(previous),
            at=written_at,
        )

    def bookmark_nowait(self) -> None:
        self._streams.bookmark_nowait()

    # --- the agent's pod methods (contract.PodMethods) ---------------------------------------

    @property
    def pods(self) -> dict[str, Pod]:
        """Every pod by uid (a fresh dict: reads the table)."""
        return {pod.metadata.uid: pod for pod in self.list("Pod").items if isinstance(pod, Pod)}

    def _pod_key(self, uid: str) -> Key | None:
        with _guard("read"):
            row: Key | None = self._db.execute(
                "SELECT namespace, name FROM objects WHERE kind = 'Pod' AND uid = ?", (uid,)
            ).fetchone()
        return row

    def _upsert(self, obj: W, *, keep_system_fields: bool = False) -> W:
        kind = contract.kind_of(obj)
        namespace, name = contract.key_of(obj)
        row = self._row(kind, namespace, name)
        if row is None:
            return self._create(obj, keep_system_fields=keep_system_fields)
        stored = self._load(kind, _key(kind, namespace, name), *row).object
        uid = obj.metadata.uid  # type: ignore[attr-defined]
        if uid and uid != stored.metadata.uid:  # type: ignore[attr-defined]
            self.delete(kind, *contract.key_of(stored))
            return self._create(obj, keep_system_fields=keep_system_fields)
        return self.update(obj, expected_resource_version="")


def _after(
    where: str, params: builtins.list[Any], last: Key, *, scoped: bool
) -> tuple[str, builtins.list[Any]]:
    """`where` narrowed to the keys after `last`; within one namespace as `name > ?`, which
    SQLite walks in index order (a row-value bound there makes it sort the whole namespace)."""
    if scoped:
        return f"{where} AND name > ?", [*params, last[1]]
    return f"{where} AND (namespace, name) > (?, ?)", [*params, *last]


def _key(kind: str, namespace: str, name: str) -> Key:
    return (namespace if contract.info_for(kind).namespaced else "", name)
