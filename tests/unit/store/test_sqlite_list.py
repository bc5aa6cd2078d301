"""SqliteStore's list pages read only what a page needs (keys, uncached bodies, a count of the
rest): whatever its object cache holds, each page is the MemoryStore's (the reference) to the
item, the continue token and the remainingItemCount."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract.test_store_contract import Uids
from tinykube.api.meta import ObjectMeta
from tinykube.api.pod import Container, Pod, PodSpec
from tinykube.api.status import PodStatus
from tinykube.store import contract
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import FILE_NAME, SqliteStore

T0 = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)
NAMESPACES = ("alpha", "beta", "gamma")
PODS = 90  # 30 a namespace: more than a store reads one by one


def pod(index: int) -> Pod:
    return Pod(
        metadata=ObjectMeta(
            name=f"p{index:03d}",
            namespace=NAMESPACES[index % len(NAMESPACES)],
            labels={"even": str(index % 2 == 0).lower()},
        ),
        spec=PodSpec(containers=(Container(name="main", image="busybox"),)),
    )


def fill(store: Any) -> None:
    for index in range(PODS):
        store.create(pod(index))
    for index in range(0, PODS, 7):  # some pods at a later resourceVersion
        namespace = NAMESPACES[index % len(NAMESPACES)]
        store.update_status("Pod", namespace, f"p{index:03d}", PodStatus(phase="Running"))


@pytest.fixture(scope="module")
def reference() -> MemoryStore:
    store = MemoryStore(clock=lambda: T0, new_uid=Uids())
    fill(store)
    return store


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the same objects as `reference`."""
    folder = tmp_path_factory.mktemp("written")
    store = SqliteStore(folder, clock=lambda: T0, new_uid=Uids())
    fill(store)
    store.close()
    return folder / FILE_NAME


@pytest.fixture(params=["warm", "small-cache", "cold"])
def sqlite_store(
    request: pytest.FixtureRequest, written: Path, tmp_path: Path
) -> Iterator[SqliteStore]:
    """Every object cached; a cache smaller than a page; nothing cached (read from the file)."""
    shutil.copy(written, tmp_path / FILE_NAME)
    limit = 10 if request.param == "small-cache" else 5_000
    store = SqliteStore(tmp_path, clock=lambda: T0, new_uid=Uids(), object_cache_limit=limit)
    if request.param != "cold":
        store.list("Pod")
    yield store
    store.close()


Page = tuple[list[Any], str, str, int | None]


def pages(store: Any, **query: Any) -> list[Page]:
    """Every page of a list, following the continue tokens."""
    found: list[Page] = []
    token = ""
    while len(found) <= PODS:  # a token that does not advance fails, not loops
        result: contract.ListResult = store.list("Pod", continue_token=token, **query)
        found.append(
            (list(result.items), result.resource_version, result.continue_token, result.remaining)
        )
        token = result.continue_token
        if not token:
            return found
    raise AssertionError(f"more pages than objects: {found[-1][2]!r} repeats")


QUERIES = [
    pytest.param({"limit": limit, **scope}, id=f"{name}-limit-{limit}")
    for name, scope in (("all", {}), ("namespace", {"namespace": "beta"}))
    for limit in (0, 1, 7, 29, 30, 31, 33, 40, 89, 90, 91, 500)
] + [
    pytest.param({"limit": 4, "label_selector": "even=true"}, id="label-selector"),
    pytest.param({"limit": 40, "label_selector": "even=false"}, id="label-selector-many"),
    pytest.param(
        {"limit": 5, "namespace": "gamma", "field_selector": "metadata.name!=p002"},
        id="field-selector",
    ),
    pytest.param({"limit": 3, "label_selector": "even=maybe"}, id="selector-matching-nothing"),
    pytest.param({"limit": 3, "namespace": "nowhere"}, id="empty-namespace"),
]


@pytest.mark.parametrize("query", QUERIES)
def test_pages_are_the_reference_stores(
    sqlite_store: SqliteStore, reference: MemoryStore, query: dict[str, Any]
) -> None:
    expected = pages(reference, **query)
    assert pages(sqlite_store, **query) == expected
    assert pages(sqlite_store, **query) == expected  # again, from what the first walk cached


def test_a_page_counts_the_rest_as_it_is_when_read(sqlite_store: SqliteStore) -> None:
    first = sqlite_store.list("Pod", "alpha", limit=10)
    assert first.remaining == 20
    sqlite_store.create(pod(300))  # alpha/p300: after the first page
    sqlite_store.delete("Pod", "alpha", "p000")  # in the first page: no longer counted
    second = sqlite_store.list("Pod", "alpha", limit=10, continue_token=first.continue_token)
    assert second.resource_version == first.resource_version  # the list's, from the token
    assert second.remaining == 11
    names = [item.metadata.name for item in second.items if isinstance(item, Pod)]
    assert names[:2] == ["p030", "p033"]
    updated = sqlite_store.update_status("Pod", "alpha", "p033", PodStatus(phase="Failed"))
    again = sqlite_store.list("Pod", "alpha", limit=10, continue_token=first.continue_token)
    assert again.items[1] == updated  # the current version, not the one cached before
