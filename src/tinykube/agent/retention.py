"""Retention: the daemon's housekeeping on one timer — events past their TTL, exited
containers, leftovers of deleted pods, and the store's free space.

Each sweep (every `RetentionSettings.period`, one timer for everything, no per-pod polling):

1. deletes the Events last written more than `event_ttl` ago (the apiserver's `--event-ttl`,
   1h by default; each is a DELETED change for watchers, as an etcd lease expiry is);
2. garbage-collects containers as the kubelet's container GC (`kuberuntime_gc.go`) does with
   its default policy (MaxPerPodContainer=1, MinAge=0): of each container of a pod that still
   exists, running and created instances stay, the newest exited instance stays (the one that
   `lastState`, `kubectl logs` and the restart count come from) and older exited ones are
   removed from the runtime; sandboxes other than the newest go once they are not ready and
   hold no container. A removed instance's log file goes too, except for the files of the two
   newest attempts: the API serves `<restartCount>.log` and, for `--previous`, the one before,
   and restart counts continue from the highest file after a reboot
   (`containers.restart_floors`), which is always kept;
3. removes what is left of pods that no longer exist (no object in the store, no worker):
   containers, sandboxes, the log directory (`evictPodLogsDirectories`) and volume directory;
4. gives the store's free pages back to the file system (`ObjectStore.reclaim_space`).

A pod removed by the controller (the final delete) is cleaned at once: `forget(uid)` queues
it and wakes the loop, without waiting for the timer.

The choice of what to collect is a pure function, `compute_collection`; the rest carries it
out. Directory listings are taken before the store is read, so a pod created meanwhile is never
mistaken for a deleted one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

import msgspec

from tinykube.agent import containers, volumes
from tinykube.agent.clock import Clock
from tinykube.api.pod import Pod
from tinykube.core.ids import PodUID, SandboxID
from tinykube.core.observed import ContainerSnapshot, ContainerState, PodSnapshot, SandboxState
from tinykube.runtime import contract as runtime_contract
from tinykube.store import contract

log = logging.getLogger(__name__)

DEFAULT_EVENT_TTL = datetime.timedelta(hours=1)  # kube-apiserver --event-ttl
DEFAULT_GC_PERIOD = datetime.timedelta(minutes=1)  # the kubelet's ContainerGCPeriod


class RetentionSettings(msgspec.Struct, frozen=True, kw_only=True):
    event_ttl: datetime.timedelta = DEFAULT_EVENT_TTL
    gc_period: datetime.timedelta = DEFAULT_GC_PERIOD

    @property
    def period(self) -> float:
        """Seconds between sweeps: the GC period, shorter if events expire sooner."""
        return max(min(self.gc_period, self.event_ttl).total_seconds(), 0.05)


class Collection(msgspec.Struct, frozen=True, kw_only=True):
    """What to remove of one existing pod."""

    containers: tuple[ContainerSnapshot, ...] = ()
    sandboxes: tuple[SandboxID, ...] = ()
    logs: tuple[tuple[str, int], ...] = ()  # (container name, attempt) of log files to delete

    @property
    def empty(self) -> bool:
        return not (self.containers or self.sandboxes or self.logs)


def compute_collection(snapshot: PodSnapshot) -> Collection:
    """The kubelet's container GC for one pod that still exists (see the module docstring)."""
    names = sorted({instance.name for instance in snapshot.containers})
    removed: list[ContainerSnapshot] = []
    logs: list[tuple[str, int]] = []
    for name in names:
        instances = snapshot.instances(name)  # newest first
        exited = [i for i in instances if i.state is ContainerState.EXITED]
        doomed = exited[1:]
        if not doomed:
            continue
        removed.extend(doomed)
        kept_attempts = {i.attempt for i in instances if i not in doomed}
        newest = instances[0].attempt
        for instance in doomed:
            if instance.attempt < newest - 1 and instance.attempt not in kept_attempts:
                logs.append((name, instance.attempt))
    holding = {i.sandbox_id for i in snapshot.containers if i not in removed}
    newest_sandbox = snapshot.newest_sandbox()
    sandboxes = tuple(
        sandbox.id
        for sandbox in snapshot.sandboxes
        if sandbox is not newest_sandbox
        and sandbox.state is not SandboxState.READY
        and sandbox.id not in holding
    )
    return Collection(containers=tuple(removed), sandboxes=sandboxes, logs=tuple(sorted(logs)))


def uid_of_log_dir(name: str) -> str:
    """The pod uid of a `<namespace>_<name>_<uid>` log directory (names hold no `_`)."""
    return name.rpartition("_")[2]


class SweepReport(msgspec.Struct, frozen=True, kw_only=True):
    events: int = 0
    containers: int = 0
    log_files: int = 0
    pods: int = 0  # deleted pods whose leftovers were removed
    pages: int = 0  # store pages given back


class Housekeeper(msgspec.Struct):
    """Runs the sweeps of the module docstring until cancelled."""

    store: contract.ObjectStore
    runtime: runtime_contract.RuntimeService
    workers: Mapping[PodUID, object]  # the agent's live workers: their pods are never leftovers
    logs_dir: Path
    pods_dir: Path
    clock: Clock
    settings: RetentionSettings = msgspec.field(default_factory=RetentionSettings)
    _forgotten: set[PodUID] = msgspec.field(default_factory=set)
    _wake: asyncio.Event = msgspec.field(default_factory=asyncio.Event)

    def forget(self, uid: str) -> None:
        """A pod's object is gone: remove its leftovers soon (coalesced, never blocks)."""
        self._forgotten.add(PodUID(uid))
        self._wake.set()

    async def run(self) -> None:
        period = self.settings.period
        next_sweep = self.clock.monotonic() + period
        while True:
            timeout = max(next_sweep - self.clock.monotonic(), 0.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._wake.clear()
            await self.remove_forgotten()
            if self.clock.monotonic() >= next_sweep:
                try:
                    report = await self.sweep()
                except (contract.StorageFailure, runtime_contract.RuntimeFailure, OSError) as exc:
                    log.warning("housekeeping failed, trying again later: %s", exc)
                else:
                    if report != SweepReport():
                        log.info(
                            "housekeeping: %d events expired, %d exited containers and %d log "
                            "files collected, %d deleted pods cleaned, %d store pages freed",
                            report.events,
                            report.containers,
                            report.log_files,
                            report.pods,
                            report.pages,
                        )
                next_sweep = self.clock.monotonic() + period

    async def remove_forgotten(self) -> int:
        """Remove the leftovers of the pods `forget` was told about (unless a worker runs)."""
        removed = 0
        while self._forgotten:
            uid = self._forgotten.pop()
            if uid in self.workers:
                continue  # a forced delete: the worker stops the containers; a sweep cleans
            await self._remove_pod_runtime(uid)
            for directory in self._log_dirs():
                if uid_of_log_dir(directory.name) == uid:
                    shutil.rmtree(directory, ignore_errors=True)
            volumes.unmount_volumes(self.pods_dir, uid)
            removed += 1
        return removed

    async def sweep(self) -> SweepReport:
        """One pass of every retention rule (see the module docstring)."""
        events = self.store.delete_events_older_than(self.clock.now() - self.settings.event_ttl)
        log_dirs = self._log_dirs()
        pod_dirs = list(self.pods_dir.iterdir()) if self.pods_dir.is_dir() else []
        runtime_uids = await self.runtime.list_pods()
        pods = {
            PodUID(pod.metadata.uid): pod
            for pod in self.store.list("Pod").items
            if isinstance(pod, Pod)
        }
        live = set(pods) | set(self.workers)
        collected = log_files = gone = 0
        for uid in runtime_uids:
            if uid not in live:
                await self._remove_pod_runtime(uid)
                gone += 1
            elif uid in pods:
                count, files = await self._collect(pods[uid])
                collected += count
                log_files += files
        for directory in log_dirs:
            if uid_of_log_dir(directory.name) not in live:
                shutil.rmtree(directory, ignore_errors=True)
        for directory in pod_dirs:
            if directory.name not in live:
                volumes.unmount_volumes(self.pods_dir, directory.name)
        pages = self.store.reclaim_space()
        return SweepReport(
            events=events, containers=collected, log_files=log_files, pods=gone, pages=pages
        )

    def _log_dirs(self) -> list[Path]:
        if not self.logs_dir.is_dir():
            return []
        return [entry for entry in self.logs_dir.iterdir() if entry.is_dir()]

    async def _collect(self, pod: Pod) -> tuple[int, int]:
        """The container GC of one existing pod: (instances removed, log files deleted)."""
        uid = PodUID(pod.metadata.uid)
        collection = compute_collection(await self.runtime.pod_snapshot(uid))
        if collection.empty:
            return 0, 0
        removed = 0
        for instance in collection.containers:
            try:
                await self.runtime.remove_container(instance.id)
            except runtime_contract.RuntimeFailure as exc:
                log.warning("could not remove container %s of pod %s: %s", instance.id, uid, exc)
                continue
            removed += 1
        for sandbox_id in collection.sandboxes:
            with contextlib.suppress(runtime_contract.RuntimeFailure):
                await self.runtime.remove_pod_sandbox(sandbox_id)
        deleted = 0
        for name, attempt in collection.logs:
            path = containers.container_log_path(self.logs_dir, pod, name, attempt)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                deleted += 1
        return removed, deleted

    async def _remove_pod_runtime(self, uid: PodUID) -> None:
        """Stop and remove every sandbox and container of a pod that no longer exists."""
        snapshot = await self.runtime.pod_snapshot(uid)
        for sandbox in snapshot.sandboxes:
            with contextlib.suppress(runtime_contract.RuntimeFailure):
                await self.runtime.stop_pod_sandbox(sandbox.id)
        for instance in snapshot.containers:
            with contextlib.suppress(runtime_contract.RuntimeFailure):
                await self.runtime.stop_container(instance.id, timeout=0)
                await self.runtime.remove_container(instance.id)
        for sandbox in snapshot.sandboxes:
            with contextlib.suppress(runtime_contract.RuntimeFailure):
                await self.runtime.remove_pod_sandbox(sandbox.id)
