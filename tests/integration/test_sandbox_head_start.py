"""A sandbox begun before the agent (`tinykube run` starts creating each pod's sandbox while it
builds the agent): the pod's first sync waits for it and runs the pod in it, or creates the
sandbox itself when the head start failed; never a second sandbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tinykube.agent import containers
from tinykube.agent.clock import SystemClock
from tinykube.agent.executor import NodeSettings
from tinykube.agent.recorder import Recorder
from tinykube.agent.running import Agent
from tinykube.api import admission
from tinykube.api.pod import Pod
from tinykube.core.ids import PodUID, SandboxID
from tinykube.runtime.fake import FakeRuntime
from tinykube.store.memory import MemoryStore

NODE = "node-1"


def _job() -> Pod:
    raw = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "job", "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "nodeName": NODE,
            "initContainers": [{"name": "init", "image": "busybox", "command": ["true"]}],
            "containers": [{"name": "app", "image": "busybox", "command": ["true"]}],
        },
    }
    pod = admission.admit(raw).obj
    assert isinstance(pod, Pod)
    return pod


class Node:
    def __init__(self, tmp_path: Path) -> None:
        self.store = MemoryStore()
        self.runtime = FakeRuntime()
        self.logs_dir = tmp_path / "logs"
        clock = SystemClock()
        self.ended = asyncio.Event()
        self.agent = Agent(
            store=self.store,
            runtime=self.runtime,
            recorder=Recorder(sink=self.store.put_event, clock=clock, node_name=NODE),
            clock=clock,
            node=NodeSettings(
                node_name=NODE,
                host_ip="127.0.0.1",
                pods_dir=tmp_path / "pods",
                logs_dir=self.logs_dir,
                can_mount=False,
            ),
            on_pod_terminated=lambda uid: self.ended.set(),
        )

    def add(self, pod: Pod, head_start: Callable[[Pod], Awaitable[SandboxID | None]]) -> PodUID:
        stored = self.store.add_pod(pod)
        uid = PodUID(stored.metadata.uid)
        self.agent.add_pod(uid, sandbox_head_start=asyncio.ensure_future(head_start(stored)))
        return uid

    async def create_sandbox(self, pod: Pod) -> SandboxID:
        """What `tinykube run` begins: the sandbox of the pod's first sync."""
        config = containers.sandbox_config(pod, logs_dir=self.logs_dir, attempt=0)
        return await self.runtime.run_pod_sandbox(config)

    def phase(self, uid: PodUID) -> str:
        return self.store.get_pod(uid).status.phase

    def calls(self, method: str) -> list[str]:
        return [name for call, name in self.runtime.calls if call == method]


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    started = Node(tmp_path)
    task = asyncio.create_task(started.agent.run())
    yield started
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _let_run(steps: int = 50) -> None:
    """Let every ready task take its steps: the fake runtime answers without waiting."""
    for _ in range(steps):
        await asyncio.sleep(0)


async def test_the_first_sync_waits_for_the_sandbox_begun_ahead_and_uses_it(node: Node) -> None:
    gate = asyncio.Event()
    created: list[SandboxID] = []

    async def head_start(pod: Pod) -> SandboxID:
        await gate.wait()
        created.append(await node.create_sandbox(pod))
        return created[0]

    uid = node.add(_job(), head_start)
    await _let_run()
    assert node.runtime.calls == []  # no snapshot-based decision while the sandbox is on its way
    assert node.phase(uid) == "Pending"

    gate.set()
    await asyncio.wait_for(node.ended.wait(), 10)
    assert node.phase(uid) == "Succeeded"
    assert node.calls("run_pod_sandbox") == ["job"]  # the head start's only
    assert node.calls("start_container") == ["init", "app"]
    snapshot = await node.runtime.pod_snapshot(uid)
    assert {container.sandbox_id for container in snapshot.containers} == set(created)


async def test_a_failed_head_start_leaves_the_sandbox_to_the_first_sync(node: Node) -> None:
    async def failed(pod: Pod) -> None:
        return None

    uid = node.add(_job(), failed)
    await asyncio.wait_for(node.ended.wait(), 10)
    assert node.phase(uid) == "Succeeded"
    assert node.calls("run_pod_sandbox") == ["job"]  # the worker's own
    assert node.calls("start_container") == ["init", "app"]
