"""The pod controller of a long-lived agent: the store's pods, kept in step with pod workers.

It lists the pods bound to this node, starts a worker for each, then follows the store's watch:
a new pod gets a worker, a changed pod (a new image, a deletion timestamp) wakes its worker.
Deletion is graceful, as with the kubelet: the API only sets `deletionTimestamp`; the worker
terminates the pod's containers and, once it has ended, the controller removes the object
(the kubelet's final delete). Pods that reached Succeeded or Failed keep their object until a
user deletes them.

On start, runtime state no pod in the store asks for (a pod deleted while the agent was down)
is stopped and removed, so nothing runs that nobody wants.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from tinykube.agent.running import Agent
from tinykube.api.pod import Pod
from tinykube.api.status import PodCondition
from tinykube.core.ids import PodUID
from tinykube.runtime import contract as runtime_contract
from tinykube.store import contract

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PodController:
    store: contract.ObjectStore
    agent: Agent
    runtime: runtime_contract.RuntimeService
    node_name: str
    on_removed: Callable[[Pod], None] = lambda pod: None
    on_bound: Callable[[Pod], None] | None = None
    clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)
    _finished: set[PodUID] = field(default_factory=set)

    def _ours(self, pod: Pod) -> bool:
        return pod.spec.node_name in ("", self.node_name)

    async def run(self) -> None:
        """List, adopt, then follow the watch until cancelled."""
        listed = self.store.list("Pod")
        wanted: set[PodUID] = set()
        for item in listed.items:
            if isinstance(item, Pod) and self._ours(item):
                wanted.add(PodUID(item.metadata.uid))
                self._start(item)
        await self._remove_orphans(wanted)
        stream = self.store.watch("Pod", resource_version=listed.resource_version)
        try:
            async for event in stream:
                pod = event.object
                if not isinstance(pod, Pod) or not self._ours(pod):
                    continue
                if event.type in (contract.EventType.ADDED, contract.EventType.MODIFIED):
                    self._start(pod)
                elif event.type is contract.EventType.DELETED:
                    self.agent.wake(PodUID(pod.metadata.uid))
        finally:
            stream.close()

    def _bind(self, pod: Pod) -> Pod:
        """Schedule an unbound pod onto this node, as the scheduler's binding does: nodeName,
        the PodScheduled condition and the `Scheduled` event."""
        now = self.clock()
        spec = msgspec.structs.replace(pod.spec, node_name=self.node_name)
        conditions = (
            *(c for c in pod.status.conditions if c.type != "PodScheduled"),
            PodCondition(type="PodScheduled", status="True", last_transition_time=now),
        )
        status = msgspec.structs.replace(
            pod.status, phase=pod.status.phase or "Pending", conditions=conditions
        )
        try:
            bound = self.store.update(msgspec.structs.replace(pod, spec=spec, status=status))
        except (contract.Conflict, contract.NotFound):
            return pod  # changed meanwhile: the watch brings the newer version
        assert isinstance(bound, Pod)
        if self.on_bound is not None:
            self.on_bound(bound)
        return bound

    def _start(self, pod: Pod) -> None:
        if not pod.spec.node_name:
            pod = self._bind(pod)
            if not pod.spec.node_name:
                return
        uid = PodUID(pod.metadata.uid)
        if uid in self._finished:
            return
        if uid in self.agent.workers:
            self.agent.wake(uid)
            return
        self.agent.add_pod(uid)

    def worker_ended(self, uid: PodUID) -> None:
        """A worker finished: remove a deleted pod's object (the kubelet's final delete)."""
        self._finished.add(uid)
        self.agent.workers.pop(uid, None)
        try:
            pod = self.store.get_pod(uid)  # type: ignore[attr-defined]
        except contract.NotFound:
            return
        if pod.metadata.deletion_timestamp is None:
            return
        with contextlib.suppress(contract.NotFound):
            self.store.delete(
                "Pod", pod.metadata.namespace, pod.metadata.name, expected_uid=pod.metadata.uid
            )
        self.on_removed(pod)

    async def _remove_orphans(self, wanted: set[PodUID]) -> None:
        for uid in await self.runtime.list_pods():
            if uid in wanted:
                continue
            log.info("removing the containers of pod %s, which no longer exists", uid)
            snapshot = await self.runtime.pod_snapshot(uid)
            for sandbox in snapshot.sandboxes:
                with contextlib.suppress(runtime_contract.RuntimeFailure):
                    await self.runtime.stop_pod_sandbox(sandbox.id)
            for container in snapshot.containers:
                with contextlib.suppress(runtime_contract.RuntimeFailure):
                    await self.runtime.stop_container(container.id, timeout=0)
                    await self.runtime.remove_container(container.id)
            for sandbox in snapshot.sandboxes:
                with contextlib.suppress(runtime_contract.RuntimeFailure):
                    await self.runtime.remove_pod_sandbox(sandbox.id)
