"""The pod controller of a long-lived agent: the store's pods, kept in step with pod workers.

It lists the pods bound to this node, starts a worker for each, then follows the store's watch:
a new pod gets a worker, a changed pod (a new image, a deletion timestamp) wakes its worker.
Deletion is graceful, as with the kubelet: the API only sets `deletionTimestamp`; the worker
terminates the pod's containers and, once it has ended, the controller removes the object
(the kubelet's final delete). Pods that reached Succeeded or Failed keep their object until a
user deletes them.

On start, runtime state no pod in the store asks for (a pod deleted while the agent was down)
is stopped and removed, so nothing runs that nobody wants.

Admission: a pod new to the agent is admitted as the kubelet does (`core.admission`) against
the pods admitted before it whose workers have not ended, in order of creation; a rejected pod
fails at once (`OutOfcpu`, `OutOfmemory`, `OutOfpods`, `NodeShutdown`) with a Warning event
and gets no worker. Pods that already started (adopted after a restart) are not checked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import Callable

import msgspec

from tinykube.agent.running import Agent
from tinykube.api.pod import Pod
from tinykube.api.status import PodCondition, PodStatus
from tinykube.core import admission
from tinykube.core.ids import PodUID
from tinykube.runtime import contract as runtime_contract
from tinykube.store import contract

log = logging.getLogger(__name__)

_TERMINAL = frozenset({"Succeeded", "Failed"})
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class PodController(msgspec.Struct):
    store: contract.ObjectStore
    agent: Agent
    runtime: runtime_contract.RuntimeService
    node_name: str
    on_removed: Callable[[Pod], None] = lambda pod: None
    on_bound: Callable[[Pod], None] | None = None
    clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)
    allocatable: admission.Allocatable | None = None  # None: every pod is admitted
    shutting_down: bool = False  # set while the daemon drains: new pods are rejected
    _finished: set[PodUID] = msgspec.field(default_factory=set)
    _admitted: dict[PodUID, admission.Requests] = msgspec.field(default_factory=dict)
    _usage: admission.NodeUsage = msgspec.field(default_factory=admission.NodeUsage)

    def _ours(self, pod: Pod) -> bool:
        return pod.spec.node_name in ("", self.node_name)

    async def run(self) -> None:
        """List, adopt, then follow the watch until cancelled."""
        started = time.monotonic()
        listed = self.store.list("Pod")
        wanted: set[PodUID] = set()
        pods = [item for item in listed.items if isinstance(item, Pod)]
        pods.sort(key=lambda pod: pod.metadata.creation_timestamp or _EPOCH)  # admission order
        for item in pods:
            if self._ours(item):
                wanted.add(PodUID(item.metadata.uid))
                self._start(item)
        await self._remove_orphans(wanted)
        adoption = asyncio.create_task(self._log_adoption(wanted, started))
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
                    if PodUID(pod.metadata.uid) not in self.agent.workers:
                        self._finished.discard(PodUID(pod.metadata.uid))
        finally:
            adoption.cancel()
            stream.close()

    async def _log_adoption(self, uids: set[PodUID], started: float) -> None:
        """Log once every pod found at start has been synced against the runtime."""
        for uid in uids:
            worker = self.agent.workers.get(uid)
            if worker is not None:
                await worker.settled.wait()
        elapsed = (time.monotonic() - started) * 1000
        log.info("adopted %d pods in %.1f ms", len(uids), elapsed)

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
        if not self._admit(pod):
            return
        self.agent.add_pod(uid)

    def _admit(self, pod: Pod) -> bool:
        """The kubelet's admission of a pod new to this agent; False if it was rejected."""
        uid = PodUID(pod.metadata.uid)
        if pod.status.phase in _TERMINAL:
            return True  # it only needs its leftovers stopped: not counted, not checked
        requests = admission.compute_requests(pod)
        fresh = pod.status.start_time is None and pod.metadata.deletion_timestamp is None
        if fresh and self.allocatable is not None:
            rejection = admission.compute_admission(
                requests,
                usage=self._usage,
                allocatable=self.allocatable,
                node_shutting_down=self.shutting_down,
            )
            if rejection is not None:
                self._reject(pod, rejection)
                return False
        self._admitted[uid] = requests
        self._usage = self._usage.plus(requests)
        return True

    def _reject(self, pod: Pod, rejection: admission.Rejection) -> None:
        """`Kubelet.rejectPod`: a Warning event, and the pod Failed without running."""
        meta = pod.metadata
        self._finished.add(PodUID(meta.uid))
        log.info("rejected pod %s/%s: %s", meta.namespace, meta.name, rejection.message)
        self.agent.recorder.pod_event(
            pod, type="Warning", reason=str(rejection.reason), message=rejection.message
        )
        status = PodStatus(
            phase="Failed",
            reason=str(rejection.reason),
            message=rejection.status_message,
            conditions=tuple(c for c in pod.status.conditions if c.type == "PodScheduled"),
            qos_class=pod.status.qos_class,
            start_time=self.clock(),
        )
        with contextlib.suppress(contract.NotFound):
            self.store.update_status("Pod", meta.namespace, meta.name, status)

    def worker_ended(self, uid: PodUID) -> None:
        """A worker finished: remove a deleted pod's object (the kubelet's final delete)."""
        self._finished.add(uid)
        self.agent.workers.pop(uid, None)
        requests = self._admitted.pop(uid, None)
        if requests is not None:
            self._usage = self._usage.minus(requests)
        try:
            pod = self.store.get_pod(uid)  # type: ignore[attr-defined]
        except contract.NotFound:
            self._finished.discard(uid)
            return
        if pod.metadata.deletion_timestamp is None:
            return
        self._final_delete(pod)
        self.on_removed(pod)

    def _final_delete(self, pod: Pod) -> None:
        """The kubelet's final delete (grace period 0). A pod with finalizers stays, its grace
        period at 0, until its last finalizer is removed (the API then removes it)."""
        for _attempt in range(3):
            meta = pod.metadata
            if not meta.finalizers:
                with contextlib.suppress(contract.NotFound):
                    self.store.delete("Pod", meta.namespace, meta.name, expected_uid=meta.uid)
                return
            if meta.deletion_grace_period_seconds == 0:
                return
            finalizing = msgspec.structs.replace(
                pod, metadata=msgspec.structs.replace(meta, deletion_grace_period_seconds=0)
            )
            try:
                self.store.update(finalizing, expected_resource_version=meta.resource_version)
                return
            except contract.NotFound:
                return
            except contract.Conflict:  # changed meanwhile (a finalizer removed?): look again
                try:
                    pod = self.store.get_pod(meta.uid)  # type: ignore[attr-defined]
                except contract.NotFound:
                    return

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
