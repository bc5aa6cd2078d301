"""The agent: one TaskGroup owning the runtime event pump and one worker task per pod.

Runtime events (a container started or exited) are dispatched to their pod's worker at once;
a slow relist wakes every worker once per `relist_seconds` (60 s, the kubelet's sync frequency),
spread over the period, as a safety net only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

import msgspec

from tinykube.agent.clock import Clock
from tinykube.agent.executor import NodeSettings
from tinykube.agent.recorder import Recorder
from tinykube.agent.worker import PodWorker
from tinykube.core import restart
from tinykube.core.ids import PodUID, SandboxID
from tinykube.runtime import contract
from tinykube.store.contract import PodMethods


class Agent(msgspec.Struct):
    store: PodMethods
    runtime: contract.RuntimeService
    recorder: Recorder
    clock: Clock
    node: NodeSettings
    backoff_settings: restart.BackoffSettings = msgspec.field(
        default_factory=restart.BackoffSettings
    )
    relist_seconds: float = 60.0  # the kubelet's --sync-frequency
    on_pod_terminated: Callable[[PodUID], None] = lambda uid: None
    workers: dict[PodUID, PodWorker] = msgspec.field(default_factory=dict)
    _tg: asyncio.TaskGroup | None = None
    _tasks: dict[PodUID, asyncio.Task[None]] = msgspec.field(default_factory=dict)
    _ready: asyncio.Event = msgspec.field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Run until cancelled; pods are added with `add_pod` (before or after start)."""
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            self._ready.set()
            tg.create_task(self._pump_events())
            tg.create_task(self._relist())
            for uid, worker in self.workers.items():
                if uid not in self._tasks:
                    self._track(uid, tg.create_task(worker.run()))

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def add_pod(
        self, uid: PodUID, *, sandbox_head_start: asyncio.Future[SandboxID | None] | None = None
    ) -> PodWorker:
        """Start a worker for a pod already in the store (idempotent); its first sync waits for
        `sandbox_head_start`, the creation of its sandbox if already begun."""
        worker = self.workers.get(uid)
        if worker is None:
            worker = PodWorker(
                uid=uid,
                sandbox_head_start=sandbox_head_start,
                store=self.store,
                runtime=self.runtime,
                recorder=self.recorder,
                clock=self.clock,
                node=self.node,
                backoff_settings=self.backoff_settings,
                on_terminated=self.on_pod_terminated,
            )
            self.workers[uid] = worker
        if self._tg is not None and uid not in self._tasks:
            self._track(uid, self._tg.create_task(worker.run()))
        return worker

    def wake(self, uid: PodUID) -> None:
        worker = self.workers.get(uid)
        if worker is not None:
            worker.wake()

    async def _pump_events(self) -> None:
        async for event in self.runtime.events():
            self.wake(event.pod_uid)

    async def _relist(self) -> None:
        """Wake every worker once per `relist_seconds`, spread evenly over the period (no burst
        of hundreds of syncs at once)."""
        while True:
            workers = list(self.workers.values())
            if not workers:
                await asyncio.sleep(self.relist_seconds)
                continue
            pause = self.relist_seconds / len(workers)
            for worker in workers:
                await asyncio.sleep(pause)
                worker.wake()

    def _track(self, uid: PodUID, task: asyncio.Task[None]) -> None:
        """Hold a worker's task until it ends (then forget it: a long-lived agent sees many)."""
        self._tasks[uid] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(uid) is done:
                del self._tasks[uid]

        task.add_done_callback(forget)

    async def wait_ended(self, uids: Iterable[PodUID], *, timeout: float) -> set[PodUID]:
        """Wait until the workers of `uids` have ended, at most `timeout` seconds; returns the
        uids whose workers still run."""
        tasks = {uid: self._tasks[uid] for uid in uids if uid in self._tasks}
        if tasks:
            await asyncio.wait(tasks.values(), timeout=timeout)
        return {uid for uid, task in tasks.items() if not task.done()}

    async def stop(self) -> None:
        """Cancel every worker (containers keep running: they outlive the agent)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
