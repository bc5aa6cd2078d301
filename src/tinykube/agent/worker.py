"""One pod worker: sync → terminating → terminated, driven by events, never by polling.

`PodWorker.run()` loops: take a runtime snapshot, let the core decide (`compute_pod_actions`) and
describe (`generate_pod_status`), write the status if it changed, carry out the actions; then
sleep until something happens — a runtime event for this pod (a container exit arrives within
milliseconds), a probe result change, a spec change or deletion, or the core's next wake-up
(crash backoff, active deadline). When the core asks to kill the pod for good (completion,
failure under Never, deadline, eviction, deletion), the worker terminates it in Kubernetes'
order, writes the terminal status and ends. A pod with emptyDirs that have a sizeLimit also has
a usage watcher (`disk_usage`), whose eviction verdict wakes the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
from collections.abc import Callable

import msgspec

from tinykube.agent import containers, disk_usage
from tinykube.agent.clock import Clock
from tinykube.agent.executor import Executor, NodeSettings, PodAgentState
from tinykube.agent.probes import ProbeManager
from tinykube.agent.recorder import Recorder
from tinykube.api.pod import Pod
from tinykube.api.status import PodStatus
from tinykube.core import decide, environment, eviction, restart, status, terminate
from tinykube.core.actions import PodActions, PodKillReason
from tinykube.core.ids import PodUID, SandboxID
from tinykube.core.observed import (
    AgentState,
    ContainerState,
    PodSnapshot,
    SandboxState,
    StartFailure,
)
from tinykube.runtime import contract
from tinykube.store.contract import PodMethods

FINAL_KILLS = frozenset(
    {
        PodKillReason.INIT_FAILED,
        PodKillReason.COMPLETED,
        PodKillReason.DELETED,
        PodKillReason.DEADLINE_EXCEEDED,
        PodKillReason.EVICTED,
        PodKillReason.TERMINAL,
    }
)


class PodWorker(msgspec.Struct):
    uid: PodUID
    store: PodMethods
    runtime: contract.RuntimeService
    recorder: Recorder
    clock: Clock
    node: NodeSettings
    backoff_settings: restart.BackoffSettings
    on_terminated: Callable[[PodUID], None] = lambda uid: None
    # The sandbox's creation begun before the agent was built (`tinykube run`): awaited before
    # the first snapshot, which then shows the sandbox, or no sandbox when that creation failed
    sandbox_head_start: asyncio.Future[SandboxID | None] | None = None
    _wake: asyncio.Event = msgspec.field(default_factory=asyncio.Event)
    _state: PodAgentState = msgspec.field(default_factory=PodAgentState)
    _terminated: bool = False
    syncs: int = 0  # sync passes that ended waiting for a change (for tests and diagnostics)
    settled: asyncio.Event = msgspec.field(default_factory=asyncio.Event)  # first sync pass done
    # (resourceVersion, status) after the last status write or check: the same status
    # generated again for the same stored object needs no store round trip
    _status_checked: tuple[str, PodStatus] | None = None

    def wake(self) -> None:
        """Make the worker sync at once (runtime event, probe change, spec change)."""
        self._wake.set()

    @property
    def terminated(self) -> bool:
        return self._terminated

    async def run(self) -> None:
        pod = self.store.get_pod(self.uid)
        probes = ProbeManager(
            pod=pod,
            runtime=self.runtime,
            recorder=self.recorder,
            on_change=self.wake,
            host=self.node.host_ip,
        )
        executor = Executor(
            runtime=self.runtime,
            recorder=self.recorder,
            clock=self.clock,
            node=self.node,
            probes=probes,
            state=self._state,
        )
        await self._settle_head_start()
        async with asyncio.TaskGroup() as tg:
            watcher = self._watch_usage(pod, tg)
            try:
                await self._sync_loop(executor, probes, tg)
            except KeyError:
                # The pod's object is gone (a forced delete): stop whatever still runs.
                await executor.kill_sandboxes(await self.runtime.pod_snapshot(self.uid))
            finally:
                probes.stop_all()
                if watcher is not None:
                    watcher.cancel()
        self._terminated = True
        self.settled.set()
        self.on_terminated(self.uid)

    async def _settle_head_start(self) -> None:
        """Wait for the sandbox begun ahead (None when that failed: the first sync then creates
        the sandbox itself and reports why that fails, FailedCreatePodSandBox)."""
        head_start, self.sandbox_head_start = self.sandbox_head_start, None
        if head_start is not None:
            await asyncio.shield(head_start)  # cancelled or not, the creation runs to its end

    def _watch_usage(self, pod: Pod, tg: asyncio.TaskGroup) -> asyncio.Task[None] | None:
        """Measure the pod's emptyDirs that have a sizeLimit (none: no task, no polling)."""
        if not eviction.limited_empty_dirs(pod, memory_is_tmpfs=self.node.can_mount):
            return None
        return tg.create_task(
            disk_usage.watch_empty_dirs(
                pod,
                pods_dir=self.node.pods_dir,
                memory_is_tmpfs=self.node.can_mount,
                period=self.node.eviction_period,
                on_eviction=self._evict,
            )
        )

    def _evict(self, message: str) -> None:
        """The eviction manager's verdict: the next sync kills the pod (`PodKillReason.EVICTED`)."""
        self._state.eviction = message
        self.wake()

    def _sources(self, pod: Pod) -> environment.EnvSources:
        namespace = pod.metadata.namespace
        return environment.EnvSources(
            config_maps=self.store.config_maps_in(namespace),
            secrets=self.store.secrets_in(namespace),
            host_ip=self.node.host_ip,
            pod_ip=self.node.host_ip,
            node_name=self.node.node_name,
        )

    async def _sync_loop(
        self, executor: Executor, probes: ProbeManager, tg: asyncio.TaskGroup
    ) -> None:
        while True:
            self._wake.clear()
            pod = self.store.get_pod(self.uid)
            snapshot = await self.runtime.pod_snapshot(self.uid)
            await executor.discard_strays(snapshot)
            observed = self._observed(pod, snapshot)
            probes.pod = pod
            probes.forget({c.id for c in observed.containers if c.state is ContainerState.RUNNING})
            now = self.clock.now()
            if self._state.restart_floors is None:  # once: what earlier agents left on disk
                self._state.restart_floors = containers.restart_floors(self.node.logs_dir, pod)
            agent = AgentState(
                probes=dict(probes.results),
                backoff=dict(self._state.backoff),
                start_failures=dict(self._state.start_failures),
                eviction=self._state.eviction,
                restart_floors=self._state.restart_floors,
            )
            actions = decide.compute_pod_actions(
                pod, observed, agent=agent, now=now, settings=self.backoff_settings
            )
            handing_over = (
                actions.kill_pod is None
                and bool(actions.create_sandbox or actions.start_init or actions.start)
                and not self._state.start_failures
                and all(
                    c.exit_code == 0
                    for c in observed.containers
                    if c.state is ContainerState.EXITED
                )
            )
            wakeup = actions.next_wakeup
            if not handing_over:
                # A clean hand-over to the next container comes first; the next pass, which
                # observes it, writes the status. Failures are always shown as they happen.
                written = self._write_status(pod, observed, agent, actions, now=now)
                wakeup = _earliest(wakeup, decide.deadline_at(written))
            self._announce_waits(pod, actions)
            self._remember_waits(actions)

            if actions.kill_pod in FINAL_KILLS:
                await self._terminate(pod, observed, executor, actions)
                return
            if actions.kill_pod is PodKillReason.SANDBOX_CHANGED:
                alive = any(c.state is ContainerState.RUNNING for c in observed.containers) or any(
                    s.state is SandboxState.READY for s in observed.sandboxes
                )
                if alive:
                    await executor.terminate(pod, observed, grace=0, announce=False)
                    await executor.kill_sandboxes(observed)
                    self._state.volumes = None
                if not actions.create_sandbox:
                    # A Never pod that already ran gets no new sandbox: once everything is
                    # stopped (and observed once), wait for a change instead of spinning.
                    if not alive:
                        await self._sleep(wakeup)
                    continue
            if not actions.idle:
                await executor.apply(pod, actions, observed, self._sources(pod), tg)
                continue  # observe what the actions did right away
            sandbox = observed.newest_sandbox()
            if actions.prepare and sandbox is not None and self._state.volumes is not None:
                executor.prepare_ahead(
                    pod, actions.prepare, sandbox.id, functools.partial(self._sources, pod), tg
                )
            await self._sleep(wakeup)

    def _observed(self, pod: Pod, snapshot: PodSnapshot) -> PodSnapshot:
        """The snapshot the core sees: without containers prepared ahead of their turn."""
        return containers.with_fallback_messages(
            pod,
            snapshot.without_prepared(),
            logs_dir=self.node.logs_dir,
            cache=self._state.log_messages,
        )

    async def _sleep(self, until: datetime.datetime | None) -> None:
        self.syncs += 1
        self.settled.set()
        timeout: float | None = None
        if until is not None:
            timeout = max((until - self.clock.now()).total_seconds(), 0.0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):  # not wait_for: it may swallow a cancel
                await self._wake.wait()

    def _write_status(
        self,
        pod: Pod,
        observed: PodSnapshot,
        agent: AgentState,
        actions: PodActions,
        *,
        now: datetime.datetime,
        terminal: bool = False,
    ) -> Pod:
        generated = status.generate_pod_status(
            pod,
            observed,
            agent=agent,
            waits=actions.waits,
            now=now,
            node=status.NodeInfo(host_ip=self.node.host_ip, runtime_name=self.runtime.name),
            pod_is_terminal=terminal,
        )
        checked = (pod.metadata.resource_version, generated)
        if checked == self._status_checked or generated == pod.status:
            return pod  # nothing changed: no encoding, no store round trip
        written = self.store.write_status(self.uid, generated)
        current = written if written is not None else pod
        self._status_checked = (current.metadata.resource_version, generated)
        return current

    def _remember_waits(self, actions: PodActions) -> None:
        """A back-off is a start error the kubelet caches (`reasonCache`) until the container
        starts again: statuses written until then keep showing `CrashLoopBackOff` (the core
        shows it only while the container is due to restart)."""
        for wait in actions.waits:
            self._state.start_failures[wait.name] = StartFailure(
                reason="CrashLoopBackOff", message=wait.message
            )

    def _announce_waits(self, pod: Pod, actions: PodActions) -> None:
        for wait in actions.waits:
            key = (wait.name, wait.until)
            if key in self._state.announced_waits:
                continue
            self._state.announced_waits.add(key)
            meta = pod.metadata
            self.recorder.container_event(
                pod,
                wait.name,
                type="Warning",
                reason="BackOff",
                message=f"Back-off restarting failed container {wait.name} in pod "
                f"{meta.name}_{meta.namespace}({meta.uid})",
            )

    async def _terminate(
        self,
        pod: Pod,
        observed: PodSnapshot,
        executor: Executor,
        actions: PodActions,
    ) -> None:
        reason = actions.kill_pod
        grace = terminate.termination_grace_seconds(pod)
        if reason is PodKillReason.DEADLINE_EXCEEDED:
            self.recorder.pod_event(
                pod, type="Normal", reason="DeadlineExceeded", message=status.DEADLINE_MESSAGE
            )
        elif reason is PodKillReason.EVICTED:
            self.recorder.pod_event(
                pod, type="Warning", reason=status.EVICTED_REASON, message=actions.kill_pod_message
            )
            grace = eviction.EVICTION_GRACE_SECONDS
        await executor.terminate(
            pod, observed, grace=grace, announce=reason is not PodKillReason.TERMINAL
        )
        await executor.kill_sandboxes(await self.runtime.pod_snapshot(self.uid))
        pod = self.store.get_pod(self.uid)
        final = self._observed(pod, await self.runtime.pod_snapshot(self.uid))
        agent = AgentState(
            start_failures=dict(self._state.start_failures), eviction=self._state.eviction
        )
        self._write_status(pod, final, agent, PodActions(), now=self.clock.now(), terminal=True)


def _earliest(
    first: datetime.datetime | None, second: datetime.datetime | None
) -> datetime.datetime | None:
    if first is None:
        return second
    if second is None:
        return first
    return min(first, second)
