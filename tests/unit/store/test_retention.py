"""The store stays bounded: expired events go, their pages go back to the file system, and
the watch history keeps a bounded window (the housekeeping's store side)."""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path
from typing import Any

from tinykube.api.meta import ObjectMeta, ObjectReference
from tinykube.api.objects import Event, EventSource
from tinykube.store import sqlite
from tinykube.store.memory import MemoryStore

T0 = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime.datetime:
        return self.now


def event(name: str, message: str = "Started container main") -> Event:
    return Event(
        metadata=ObjectMeta(name=name, namespace="default"),
        involved_object=ObjectReference(
            kind="Pod", namespace="default", name="web", uid="u1", api_version="v1"
        ),
        reason="Started",
        message=message,
        source=EventSource(component="kubelet", host="node1"),
        type="Normal",
        count=1,
    )


def names(items: Any) -> list[str]:
    return [item.metadata.name for item in items]


def pragma(path: Path, name: str) -> int:
    with sqlite3.connect(path / sqlite.FILE_NAME) as db:
        (value,) = db.execute(f"PRAGMA {name}").fetchone()
    return int(value)


def test_a_new_file_vacuums_incrementally(tmp_path: Path) -> None:
    sqlite.SqliteStore(tmp_path).close()
    assert pragma(tmp_path, "auto_vacuum") == 2


def test_an_older_file_is_converted_once_and_keeps_its_objects(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / sqlite.FILE_NAME) as db:
        db.execute("PRAGMA journal_mode=WAL")
        for number, sql in sqlite.migrations():
            db.executescript(sql)
            db.execute(f"PRAGMA user_version = {number}")
    assert pragma(tmp_path, "auto_vacuum") == 0
    store = sqlite.SqliteStore(tmp_path)
    store.create(event("kept"))
    store.close()
    assert pragma(tmp_path, "auto_vacuum") == 2
    reopened = sqlite.SqliteStore(tmp_path)
    assert names(reopened.list("Event").items) == ["kept"]
    reopened.close()


def test_expired_events_give_their_pages_back(tmp_path: Path) -> None:
    clock = Clock()
    store = sqlite.SqliteStore(tmp_path, clock=clock, history_limit=10)
    for index in range(400):
        store.create(event(f"e{index}", message="x" * 2000))
    clock.now = T0 + datetime.timedelta(hours=2)
    store.create(event("fresh"))
    before = store._db.execute("PRAGMA page_count").fetchone()[0]
    assert store.delete_events_older_than(T0 + datetime.timedelta(hours=1)) == 400
    assert names(store.list("Event").items) == ["fresh"]
    freed = 0
    while (pages := store.reclaim_space()) > 0:
        freed += pages
    after = store._db.execute("PRAGMA page_count").fetchone()[0]
    assert freed > 200  # 400 events of 2 kB and their history rows
    assert after <= before - freed
    assert store._db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert store.reclaim_space() == 0
    store.close()


def test_the_history_keeps_a_bounded_window(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path, history_limit=25)
    for index in range(200):
        store.create(event(f"e{index}"))
    (rows,) = store._db.execute("SELECT count(*) FROM changes").fetchone()
    assert rows <= 25
    store.close()


def test_the_history_keeps_only_recent_changes(tmp_path: Path) -> None:
    clock = Clock()
    store = sqlite.SqliteStore(tmp_path, clock=clock, history_seconds=60)
    for index in range(50):
        store.create(event(f"e{index}"))
    clock.now = T0 + datetime.timedelta(seconds=120)
    store.create(event("late"))
    (rows,) = store._db.execute("SELECT count(*) FROM changes").fetchone()
    assert rows == 1
    store.close()


def test_the_memory_store_has_nothing_to_give_back() -> None:
    store = MemoryStore()
    store.create(event("e"))
    store.delete("Event", "default", "e")
    assert store.reclaim_space() == 0
