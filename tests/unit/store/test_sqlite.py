"""What only SqliteStore promises: it survives restarts and `kill -9`, and it owns its schema.

The shared behaviour is in tests/contract/test_store_contract.py.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tinykube.api import wire
from tinykube.api.meta import ObjectMeta
from tinykube.api.pod import Container, Pod, PodSpec
from tinykube.api.status import PodStatus
from tinykube.store import contract, sqlite


def pod(name: str) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace="default"),
        spec=PodSpec(containers=(Container(name="main", image="busybox"),)),
    )


def test_a_new_store_has_the_latest_schema(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path)
    store.close()
    latest = sqlite.migrations()[-1][0]
    with sqlite3.connect(tmp_path / sqlite.FILE_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (latest,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"objects", "changes", "counters"} <= tables


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    numbers = [number for number, _ in sqlite.migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    sqlite.SqliteStore(tmp_path).close()
    with sqlite3.connect(tmp_path / sqlite.FILE_NAME) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(contract.StorageFailure) as raised:
        sqlite.SqliteStore(tmp_path)
    assert "has schema version 99; this tinykube knows up to 1" in str(raised.value)


def test_objects_and_resource_version_survive_a_restart(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path)
    created = store.create(pod("web"))
    written = store.update_status("Pod", "default", "web", PodStatus(phase="Running"))
    store.create(pod("gone"))
    store.delete("Pod", "default", "gone")
    store.close()
    reopened = sqlite.SqliteStore(tmp_path)
    assert reopened.get("Pod", "default", "web") == written
    assert reopened.get_pod(created.metadata.uid) == written
    assert reopened.current_resource_version() == "4"
    assert reopened.create(pod("next")).metadata.resource_version == "5"
    reopened.close()


async def test_watches_resume_across_a_restart(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path)
    store.create(pod("a"))
    store.create(pod("b"))
    store.delete("Pod", "default", "a")
    store.close()
    reopened = sqlite.SqliteStore(tmp_path)
    watch = reopened.watch("Pod", resource_version="1")
    async with asyncio.timeout(5):
        seen = [(str(e.type), e.resource_version) for e in [await anext(watch), await anext(watch)]]
    assert seen == [("ADDED", "2"), ("DELETED", "3")]
    reopened.close()


def test_history_floor_survives_a_restart(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path, history_limit=2)
    for index in range(5):
        store.create(pod(f"p{index}"))
    store.close()
    reopened = sqlite.SqliteStore(tmp_path, history_limit=2)
    with pytest.raises(contract.Expired) as raised:
        reopened.watch("Pod", resource_version="1")
    assert str(raised.value) == "too old resource version: 1 (3)"
    reopened.close()


def test_sqlite_errors_become_storage_failures(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path)
    store._db.close()  # the database goes away under the store
    with pytest.raises(contract.StorageFailure) as raised:
        store.get("Pod", "default", "web")
    assert isinstance(raised.value.__cause__, sqlite3.Error)
    with pytest.raises(contract.StorageFailure):
        store.create(pod("web"))


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    store = sqlite.SqliteStore(tmp_path)
    store.create(pod("web"))
    with pytest.raises(contract.AlreadyExists):
        store.create(pod("web"))
    assert store.current_resource_version() == "1"
    assert store.create(pod("db")).metadata.resource_version == "2"
    store.close()


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tinykube.api.meta import ObjectMeta
    from tinykube.api.pod import Container, Pod, PodSpec
    from tinykube.api.status import PodStatus
    from tinykube.store.sqlite import SqliteStore

    store = SqliteStore(Path(sys.argv[1]))
    index = 0
    while True:
        name = f"p{index:05}"
        store.create(Pod(
            metadata=ObjectMeta(name=name, namespace="default"),
            spec=PodSpec(containers=(Container(name="main", image="busybox"),)),
        ))
        store.update_status("Pod", "default", name, PodStatus(phase="Running"))
        print(index, flush=True)  # both writes of this pod are committed
        index += 1
    """
)


def test_kill_9_mid_writes_loses_nothing_committed(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as writer:
        assert writer.stdout is not None
        last = -1
        for line in writer.stdout:
            last = int(line)
            if last >= 300:
                writer.send_signal(signal.SIGKILL)
                break
        last = max([last, *(int(line) for line in writer.stdout)])
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL

    with sqlite3.connect(tmp_path / sqlite.FILE_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = sqlite.SqliteStore(tmp_path)
    for index in range(last + 1):
        assert store.get("Pod", "default", f"p{index:05}").status.phase == "Running"  # type: ignore[attr-defined]
    assert int(store.current_resource_version()) >= 2 * (last + 1)
    assert store.create(pod("after")).metadata.resource_version == str(
        int(store.current_resource_version())
    )
    store.close()


def test_the_json_kept_for_reads_follows_the_object_cache(tmp_path: Path) -> None:
    """Lists answer with the bytes the store wrote; superseded versions are not kept."""
    store = sqlite.SqliteStore(tmp_path, object_cache_limit=3)
    before = len(wire._json_cache)
    for index in range(5):
        store.create(pod(f"p{index}"))
    for phase in ("Pending", "Running", "Succeeded") * 20:
        store.update_status("Pod", "default", "p0", PodStatus(phase=phase))
    assert len(wire._json_cache) - before <= 3  # what the cache holds, not every version
    current = store.get("Pod", "default", "p0")
    assert wire.to_json(current) == contract.encode(current)
    store.close()
