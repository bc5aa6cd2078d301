"""Draining the node through the controller (on the fake runtime): running pods are deleted
gracefully and removed once stopped, finished pods keep their objects, and a pod that arrives
while the node shuts down is rejected as the kubelet's shutdown manager rejects it."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.test_controller import _phase, _pod, _start_node, _wait_for
from tinykube.agent import draining
from tinykube.api.pod import Pod
from tinykube.core import admission
from tinykube.runtime.fake import FakeRuntime
from tinykube.store import contract
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sqlite = SqliteStore(tmp_path / "store")
    yield sqlite
    sqlite.close()


async def test_drain_deletes_running_pods_and_rejects_newcomers(
    store: contract.ObjectStore, tmp_path: Path
) -> None:
    runtime = FakeRuntime()
    runtime.term_exits.add("app-0")
    node = await _start_node(store, runtime, tmp_path)
    node.controller.allocatable = admission.Allocatable(milli_cpu=1000, memory=1 << 30)
    try:
        store.create(_pod("job", init=[], app=["true"], policy="Never"))
        store.create(_pod("web", init=["true"], app=["sleep 3600"]))
        await _wait_for(store, lambda: _phase(store, "job") == "Succeeded")
        await _wait_for(store, lambda: _phase(store, "web") == "Running")

        report = await draining.drain(node.controller, shutdown_grace=datetime.timedelta(seconds=5))
        assert report == draining.DrainReport(pods=1, killed=0)
        assert _phase(store, "web") == "<gone>"
        assert _phase(store, "job") == "Succeeded"
        assert ("stop_container", "app-0") in runtime.calls

        store.create(_pod("late", init=[], app=["true"]))
        await _wait_for(store, lambda: _phase(store, "late") == "Failed")
        late = store.get("Pod", "default", "late")
        assert isinstance(late, Pod)
        assert late.status.reason == "NodeShutdown"
        assert late.status.message == (
            "Pod was rejected: Pod was rejected as the node is shutting down."
        )
    finally:
        await node.stop()
