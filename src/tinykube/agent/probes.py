"""Probe workers: one task per (container instance, probe), results fed back to the core.

As the kubelet's prober workers: a probe first runs after `initialDelaySeconds`, then every
`periodSeconds`, each run bounded by `timeoutSeconds`; a result only changes after
`failureThreshold` consecutive failures or `successThreshold` consecutive successes. Liveness and
readiness wait for the startup probe to succeed; the startup worker stops after its success; a
failed liveness or startup result holds until the container is restarted (a new instance gets
new workers). Readiness starts as not ready. Every failed run records an `Unhealthy` event.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable

import msgspec

from tinykube.agent import handlers
from tinykube.agent.recorder import Recorder
from tinykube.api.pod import Container, Pod, Probe
from tinykube.core.ids import ContainerID, PodUID
from tinykube.core.observed import ContainerState, ProbeOutcome, ProbeState
from tinykube.runtime import contract


class ProbeKind(enum.StrEnum):
    STARTUP = "Startup"
    LIVENESS = "Liveness"
    READINESS = "Readiness"


async def run_handler(
    probe: Probe,
    container: Container,
    container_id: ContainerID,
    *,
    runtime: contract.RuntimeService,
    host: str,
) -> handlers.HandlerResult:
    timeout = float(probe.timeout_seconds or 1)
    if probe.exec is not None:
        return await handlers.run_exec(runtime, container_id, probe.exec.command, timeout=timeout)
    if probe.http_get is not None:
        return await handlers.run_http(
            probe.http_get, container, default_host=host, timeout=timeout
        )
    if probe.tcp_socket is not None:
        port = handlers.resolve_port(probe.tcp_socket.port, container)
        return await handlers.run_tcp(probe.tcp_socket.host or host, port, timeout=timeout)
    if probe.grpc is not None:
        return await handlers.run_grpc(host, probe.grpc.port, probe.grpc.service, timeout=timeout)
    return handlers.HandlerResult(False, "probe has no handler")


class ProbeManager(msgspec.Struct):
    """The probe workers of one pod, and their latest results by container instance."""

    pod: Pod
    runtime: contract.RuntimeService
    recorder: Recorder
    on_change: Callable[[], None]
    host: str = "127.0.0.1"
    results: dict[ContainerID, ProbeState] = msgspec.field(default_factory=dict)
    _tasks: dict[ContainerID, list[asyncio.Task[None]]] = msgspec.field(default_factory=dict)
    _stopped_liveness: bool = False

    def ensure(
        self, container: Container, container_id: ContainerID, tg: asyncio.TaskGroup
    ) -> None:
        """Start the workers of a running container instance (once)."""
        if container_id in self._tasks:
            return
        tasks: list[asyncio.Task[None]] = []
        self.results.setdefault(container_id, ProbeState())
        for kind, probe in (
            (ProbeKind.STARTUP, container.startup_probe),
            (ProbeKind.LIVENESS, container.liveness_probe),
            (ProbeKind.READINESS, container.readiness_probe),
        ):
            if probe is not None:
                tasks.append(tg.create_task(self._work(kind, probe, container, container_id)))
        self._tasks[container_id] = tasks

    def forget(self, live: set[ContainerID]) -> None:
        """Stop the workers of instances that are no longer running."""
        for container_id in list(self._tasks):
            if container_id not in live:
                for task in self._tasks.pop(container_id):
                    task.cancel()
                self.results.pop(container_id, None)

    def stop_liveness(self) -> None:
        """Termination started: liveness and startup probes stop, readiness keeps running."""
        self._stopped_liveness = True

    def stop_all(self) -> None:
        self.forget(set())

    def _set(self, container_id: ContainerID, kind: ProbeKind, outcome: ProbeOutcome) -> None:
        state = self.results.get(container_id, ProbeState())
        if kind is ProbeKind.STARTUP:
            new = msgspec.structs.replace(state, startup=outcome)
        elif kind is ProbeKind.LIVENESS:
            new = msgspec.structs.replace(state, liveness=outcome)
        else:
            new = msgspec.structs.replace(state, readiness=outcome)
        if new != state:
            self.results[container_id] = new
            self.on_change()

    def _started(self, container: Container, container_id: ContainerID) -> bool:
        if container.startup_probe is None:
            return True
        state = self.results.get(container_id)
        return state is not None and state.startup is ProbeOutcome.SUCCESS

    async def _running(self, container_id: ContainerID) -> bool:
        snapshot = await self.runtime.pod_snapshot(PodUID(self.pod.metadata.uid))
        return any(
            instance.id == container_id and instance.state is ContainerState.RUNNING
            for instance in snapshot.containers
        )

    async def _work(
        self, kind: ProbeKind, probe: Probe, container: Container, container_id: ContainerID
    ) -> None:
        period = float(probe.period_seconds or 10)
        success_threshold = probe.success_threshold or 1
        failure_threshold = probe.failure_threshold or 3
        await asyncio.sleep(float(probe.initial_delay_seconds))
        last: ProbeOutcome | None = None
        run = 0
        while container_id in self._tasks:
            if kind is not ProbeKind.STARTUP and not self._started(container, container_id):
                await asyncio.sleep(min(period, 1.0))
                continue
            if kind is not ProbeKind.READINESS and self._stopped_liveness:
                return
            result = await run_handler(
                probe, container, container_id, runtime=self.runtime, host=self.host
            )
            if container_id not in self._tasks:
                return  # forgotten while probing (should its cancellation have been lost)
            if not result.success and not await self._running(container_id):
                return  # the kubelet never probes a container that is not running
            outcome = ProbeOutcome.SUCCESS if result.success else ProbeOutcome.FAILURE
            if not result.success:
                what = "errored" if result.errored else "failed"
                self.recorder.container_event(
                    self.pod,
                    container.name,
                    type="Warning",
                    reason="Unhealthy",
                    message=f"{kind} probe {what}: {result.output}",
                )
            run = run + 1 if outcome == last else 1
            last = outcome
            threshold = success_threshold if result.success else failure_threshold
            if run >= threshold:
                self._set(container_id, kind, outcome)
                if kind is ProbeKind.STARTUP and result.success:
                    return  # a startup probe stops once it has succeeded
                if kind is not ProbeKind.READINESS and not result.success:
                    return  # hold the failure until the container restarts
            await asyncio.sleep(period)
