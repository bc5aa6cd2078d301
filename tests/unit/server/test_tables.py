"""Server-side Tables: pod rows built from what is kept per stored pod read exactly as the row's
dict written by msgspec, and their time-dependent cells (AGE, RESTARTS' "(5m ago)") follow
`now` while the rest follows the pod's current version."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tinykube.api import printers, wire
from tinykube.api.meta import ObjectMeta
from tinykube.api.objects import ConfigMap
from tinykube.api.pod import Container, Pod, PodSpec
from tinykube.api.status import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    PodCondition,
    PodStatus,
)
from tinykube.server import tables
from tinykube.store.sqlite import SqliteStore

NOW = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)


def ago(seconds: float) -> datetime.datetime:
    return NOW - datetime.timedelta(seconds=seconds)


def restarted_pod(name: str = "web", *, created: datetime.datetime | None = None) -> Pod:
    """Running, one restart that finished 4 minutes before NOW."""
    last = ContainerState(terminated=ContainerStateTerminated(exit_code=1, finished_at=ago(240)))
    return Pod(
        metadata=ObjectMeta(
            name=name,
            namespace="default",
            labels={"app": "web"},
            annotations={"note": 'quotes " and <html> & ünïcode'},
            creation_timestamp=created or ago(300),
        ),
        spec=PodSpec(containers=(Container(name="app", image="busybox"),), node_name="node1"),
        status=PodStatus(
            phase="Running",
            pod_ip="10.0.0.7",
            conditions=(PodCondition(type="Ready", status="True"),),
            container_statuses=(
                ContainerStatus(
                    name="app",
                    ready=True,
                    restart_count=1,
                    state=ContainerState(running=ContainerStateRunning()),
                    last_state=last,
                ),
            ),
        ),
    )


def pending_pod(name: str, *, reason: str = "") -> Pod:
    waiting = ContainerState(waiting=ContainerStateWaiting(reason=reason))
    return Pod(
        metadata=ObjectMeta(name=name, namespace="default", creation_timestamp=ago(30)),
        spec=PodSpec(containers=(Container(name="app", image="busybox"),)),
        status=PodStatus(
            phase="Pending",
            container_statuses=(ContainerStatus(name="app", state=waiting),),
        ),
    )


def finished_pod(name: str, phase: str) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace="default"),  # no creationTimestamp
        spec=PodSpec(containers=(Container(name="app", image="busybox"),)),
        status=PodStatus(phase=phase),
    )


PODS = (
    restarted_pod(),
    pending_pod("crashing", reason='Crash"Loop<BackOff>é'),
    pending_pod("waiting"),
    finished_pod("done", "Succeeded"),
    finished_pod("failed", "Failed"),
)


def reference_row(obj: Any, *, now: datetime.datetime, include: str) -> dict[str, Any]:
    """The row as a plain dict, every cell computed from the pod at `now`."""
    pod_row = printers.pod_row(obj, now=now)
    row: dict[str, Any] = {"cells": list(pod_row.table_cells())}
    if pod_row.conditions:
        row["conditions"] = [c.to_wire() for c in pod_row.conditions]
    if include == "Object":
        row["object"] = wire.to_wire(obj)
    elif include != "None":
        row["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": wire.to_wire(obj.metadata),
        }
    return row


def reference_table(objects: tuple[Any, ...], *, now: datetime.datetime, include: str) -> bytes:
    return msgspec.json.encode(
        {
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": "7"},
            "columnDefinitions": [c.to_wire() for c in printers.POD_COLUMNS],
            "rows": [reference_row(obj, now=now, include=include) for obj in objects],
        }
    )


def encoded_table(objects: tuple[Any, ...], *, now: datetime.datetime, include: str) -> bytes:
    table = tables.table(
        "Pod", objects, now=now, include=include, list_meta={"resourceVersion": "7"}
    )
    return msgspec.json.encode(table)


@pytest.fixture
def remembered() -> Iterator[tuple[Pod, ...]]:
    """PODS with their JSON remembered, as a store holds them (rows are then kept)."""
    for pod in PODS:
        wire.remember_json(pod, wire.to_json(pod))
    yield PODS
    for pod in PODS:
        wire.forget_json(pod)


@pytest.mark.parametrize("include", ["Metadata", "Object", "None"])
@pytest.mark.parametrize("kept", [True, False], ids=["remembered", "not-remembered"])
def test_pod_rows_are_the_bytes_of_the_row_dicts(
    include: str, kept: bool, remembered: tuple[Pod, ...]
) -> None:
    pods = remembered if kept else tuple(msgspec.structs.replace(p) for p in PODS)
    for now in (NOW, NOW + datetime.timedelta(hours=3)):
        for _ in range(2):  # the second time from what was kept
            assert encoded_table(pods, now=now, include=include) == reference_table(
                pods, now=now, include=include
            )


def test_an_empty_pod_table_has_an_empty_row_list() -> None:
    assert encoded_table((), now=NOW, include="Metadata") == reference_table(
        (), now=NOW, include="Metadata"
    )


def test_other_kinds_keep_their_row_dicts() -> None:
    config = ConfigMap(
        metadata=ObjectMeta(name="settings", namespace="default", creation_timestamp=ago(90)),
        data={"a": "1", "b": "2"},
    )
    table = json.loads(msgspec.json.encode(tables.table("ConfigMap", [config], now=NOW)))
    assert table["rows"] == [
        {
            "cells": ["settings", 2, "90s"],
            "object": {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": wire.to_wire(config.metadata),
            },
        }
    ]


def cells(objects: tuple[Any, ...], now: datetime.datetime) -> list[list[str]]:
    table = json.loads(encoded_table(objects, now=now, include="None"))
    return [row["cells"][:5] for row in table["rows"]]


def test_age_and_the_last_restart_advance_with_now(remembered: tuple[Pod, ...]) -> None:
    pod = remembered[0]
    assert cells((pod,), NOW) == [["web", "1/1", "Running", "1 (4m ago)", "5m"]]
    later = NOW + datetime.timedelta(minutes=5)
    assert cells((pod,), later) == [["web", "1/1", "Running", "1 (9m ago)", "10m"]]


def test_pods_created_in_other_seconds_get_their_own_age() -> None:
    pods = (restarted_pod("a", created=ago(61)), restarted_pod("b", created=ago(62)))
    assert [row[4] for row in cells(pods, NOW)] == ["61s", "62s"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path, clock=lambda: ago(30))
    yield opened
    opened.close()


def listed_cells(store: SqliteStore) -> list[list[str]]:
    return cells(store.list("Pod", "default").items, NOW)


def test_a_status_change_shows_in_the_next_table(store: SqliteStore) -> None:
    store.create(pending_pod("web"))
    assert listed_cells(store) == [["web", "0/1", "Pending", "0", "30s"]]
    assert listed_cells(store) == [["web", "0/1", "Pending", "0", "30s"]]  # kept
    running = restarted_pod().status
    store.update_status("Pod", "default", "web", running)
    assert listed_cells(store) == [["web", "1/1", "Running", "1 (4m ago)", "30s"]]


def test_a_reopened_store_tables_what_it_reads(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path, clock=lambda: ago(30))
    first.create(pending_pod("web", reason="ContainerCreating"))
    first.close()
    reopened = SqliteStore(tmp_path)
    try:
        assert listed_cells(reopened) == [["web", "0/1", "ContainerCreating", "0", "30s"]]
    finally:
        reopened.close()
