"""The agent's pod controller on a store: pods created through the store run, deletions are
graceful and end with the object's removal, and a restarted agent adopts what runs."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest

from tinykube.agent.clock import SystemClock
from tinykube.agent.controller import PodController
from tinykube.agent.executor import NodeSettings
from tinykube.agent.recorder import Recorder
from tinykube.agent.running import Agent
from tinykube.api import admission
from tinykube.api.pod import Pod
from tinykube.runtime.fake import FakeRuntime
from tinykube.store import contract
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore

NODE = "node-1"


def _pod(name: str, *, init: list[str], app: list[str], policy: str = "Always") -> Pod:
    raw = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "restartPolicy": policy,
            "terminationGracePeriodSeconds": 1,
            "nodeName": NODE,
            "initContainers": [
                {"name": f"init-{i}", "image": "busybox", "command": command.split()}
                for i, command in enumerate(init)
            ],
            "containers": [
                {"name": f"app-{i}", "image": "busybox", "command": command.split()}
                for i, command in enumerate(app)
            ],
        },
    }
    pod = admission.admit(raw).obj
    assert isinstance(pod, Pod)
    return pod


@dataclass
class Node:
    store: contract.ObjectStore
    runtime: FakeRuntime
    agent: Agent
    controller: PodController
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def _start_node(store: contract.ObjectStore, runtime: FakeRuntime, tmp_path: Path) -> Node:
    clock = SystemClock()
    recorder = Recorder(sink=store.put_event, clock=clock, node_name=NODE)  # type: ignore[attr-defined]
    controller: PodController | None = None

    def ended(uid: str) -> None:
        assert controller is not None
        controller.worker_ended(uid)  # type: ignore[arg-type]

    agent = Agent(
        store=store,  # type: ignore[arg-type]
        runtime=runtime,
        recorder=recorder,
        clock=clock,
        node=NodeSettings(
            node_name=NODE,
            host_ip="127.0.0.1",
            pods_dir=tmp_path / "pods",
            logs_dir=tmp_path / "logs",
            can_mount=False,
        ),
        on_pod_terminated=ended,
    )
    controller = PodController(store=store, agent=agent, runtime=runtime, node_name=NODE)

    async def run() -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(agent.run())
            await agent.wait_ready()
            tg.create_task(controller.run())

    task = asyncio.create_task(run())
    return Node(store=store, runtime=runtime, agent=agent, controller=controller, task=task)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sqlite = SqliteStore(tmp_path / "store.db")
    yield sqlite
    sqlite.close()


async def _wait_for(store: contract.ObjectStore, predicate: Callable[[], bool]) -> None:
    async def poll() -> None:
        stream = store.watch("Pod", resource_version=store.current_resource_version())
        try:
            while not predicate():
                await anext(stream.__aiter__())
        finally:
            stream.close()

    await asyncio.wait_for(poll(), 10)


def _phase(store: contract.ObjectStore, name: str) -> str:
    try:
        pod = store.get("Pod", "default", name)
    except contract.NotFound:
        return "<gone>"
    assert isinstance(pod, Pod)
    return pod.status.phase


async def test_created_pods_run_and_finish(store: contract.ObjectStore, tmp_path: Path) -> None:
    runtime = FakeRuntime()
    node = await _start_node(store, runtime, tmp_path)
    try:
        store.create(_pod("job", init=["true", "true"], app=["true"], policy="Never"))
        await _wait_for(store, lambda: _phase(store, "job") == "Succeeded")
        started = [name for call, name in runtime.calls if call == "start_container"]
        assert started == ["init-0", "init-1", "app-0"]
    finally:
        await node.stop()


async def test_graceful_delete_stops_containers_then_removes_the_object(
    store: contract.ObjectStore, tmp_path: Path
) -> None:
    runtime = FakeRuntime()
    runtime.term_exits.add("app-0")
    node = await _start_node(store, runtime, tmp_path)
    try:
        store.create(_pod("web", init=["true"], app=["sleep 3600"]))
        await _wait_for(store, lambda: _phase(store, "web") == "Running")
        pod = store.get("Pod", "default", "web")
        assert isinstance(pod, Pod)
        meta = msgspec.structs.replace(
            pod.metadata,
            deletion_timestamp=datetime.datetime.now(datetime.UTC),
            deletion_grace_period_seconds=1,
        )
        store.update(msgspec.structs.replace(pod, metadata=meta))
        await _wait_for(store, lambda: _phase(store, "web") == "<gone>")
        assert ("stop_container", "app-0") in runtime.calls
    finally:
        await node.stop()


async def test_a_restarted_agent_adopts_running_containers(
    store: contract.ObjectStore, tmp_path: Path
) -> None:
    runtime = FakeRuntime()
    node = await _start_node(store, runtime, tmp_path)
    store.create(_pod("web", init=["true"], app=["sleep 3600"]))
    await _wait_for(store, lambda: _phase(store, "web") == "Running")
    await node.stop()
    calls_before = list(runtime.calls)

    node = await _start_node(store, runtime, tmp_path)
    try:
        # The restarted agent observes the running containers and starts nothing again.
        async def synced() -> None:
            while not any(worker.syncs >= 1 for worker in node.agent.workers.values()):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(synced(), 10)
        assert _phase(store, "web") == "Running"
        new_calls = runtime.calls[len(calls_before) :]
        assert [
            call for call in new_calls if call[0] in ("start_container", "run_pod_sandbox")
        ] == []
    finally:
        await node.stop()


async def test_runtime_state_of_deleted_pods_is_removed_on_start(
    store: contract.ObjectStore, tmp_path: Path
) -> None:
    runtime = FakeRuntime()
    node = await _start_node(store, runtime, tmp_path)
    store.create(_pod("gone", init=[], app=["sleep 3600"]))
    await _wait_for(store, lambda: _phase(store, "gone") == "Running")
    await node.stop()
    store.delete("Pod", "default", "gone")  # deleted while the agent was down

    node = await _start_node(store, runtime, tmp_path)
    try:

        async def cleaned() -> None:
            while await runtime.list_pods():
                await asyncio.sleep(0.01)

        await asyncio.wait_for(cleaned(), 10)
    finally:
        await node.stop()
