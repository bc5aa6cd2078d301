"""Applying the core's decisions through the runtime, step by step, with the kubelet's events.

`Executor.apply` follows the kubelet's SyncPod order: kill the pod (when asked), kill listed
containers, create the sandbox (volumes first), start init containers (a regular init
container's failure ends the sync; a sidecar's does not), then app containers. Each start is
create → start → postStart, with Created/Started events; a failure is remembered as the
container's waiting reason (CreateContainerConfigError, RunContainerError, PostStartHookError...)
until a later start succeeds. `terminate` stops running containers in Kubernetes' order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from tinykube.agent import containers, handlers, volumes
from tinykube.agent.clock import Clock
from tinykube.agent.probes import ProbeManager
from tinykube.agent.recorder import Recorder
from tinykube.api.pod import Container, LifecycleHandler, Pod
from tinykube.core import environment, terminate
from tinykube.core.actions import PodActions, StartInfo
from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import BackoffEntry, PodSnapshot, StartFailure
from tinykube.runtime import contract


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSettings:
    node_name: str
    host_ip: str
    pods_dir: Path
    logs_dir: Path
    can_mount: bool = True


@dataclass(slots=True)
class PodAgentState:
    """What the agent remembers about one pod between syncs."""

    backoff: dict[str, BackoffEntry] = field(default_factory=dict)
    start_failures: dict[str, StartFailure] = field(default_factory=dict)
    volumes: dict[str, volumes.PreparedVolume] | None = None
    announced_waits: set[tuple[str, datetime.datetime]] = field(default_factory=set)


@dataclass(slots=True)
class Executor:
    runtime: contract.RuntimeService
    recorder: Recorder
    clock: Clock
    node: NodeSettings
    probes: ProbeManager
    state: PodAgentState

    # --- sync ---------------------------------------------------------------------------

    async def apply(
        self,
        pod: Pod,
        actions: PodActions,
        observed: PodSnapshot,
        sources: environment.EnvSources,
        tg: asyncio.TaskGroup,
    ) -> None:
        """Carry out one sync's actions (pod kills are the worker's: see `terminate`)."""
        self.state.backoff.update(actions.backoff)
        for kill in actions.kill:
            self.recorder.container_event(
                pod, kill.name, type="Normal", reason="Killing", message=kill.message
            )
            await self._stop(pod, kill.container_id, kill.name, grace=_grace(pod))

        sandbox = observed.newest_sandbox()
        sandbox_id = sandbox.id if sandbox is not None else None
        if actions.create_sandbox:
            sandbox_id = await self._create_sandbox(pod, actions.sandbox_attempt, sources)
            if sandbox_id is None:
                return
        if sandbox_id is None:
            return
        if self.state.volumes is None:
            try:
                self.state.volumes = volumes.prepare_volumes(
                    pod,
                    pods_dir=self.node.pods_dir,
                    sources=sources,
                    now=self.clock.now(),
                    can_mount=self.node.can_mount,
                )
            except volumes.VolumeError as exc:
                self.recorder.pod_event(pod, type="Warning", reason="FailedMount", message=str(exc))
                return

        for info in actions.start_init:
            container = pod.spec.init_containers[info.index]
            started = await self.start(pod, container, info, sandbox_id, sources, tg)
            if not started and not container.is_sidecar:
                return
        for info in actions.start:
            await self.start(pod, pod.spec.containers[info.index], info, sandbox_id, sources, tg)

    async def _create_sandbox(
        self, pod: Pod, attempt: int, sources: environment.EnvSources
    ) -> SandboxID | None:
        try:
            self.state.volumes = volumes.prepare_volumes(
                pod,
                pods_dir=self.node.pods_dir,
                sources=sources,
                now=self.clock.now(),
                can_mount=self.node.can_mount,
            )
        except volumes.VolumeError as exc:
            self.recorder.pod_event(pod, type="Warning", reason="FailedMount", message=str(exc))
            return None
        if attempt > 0:
            self.recorder.pod_event(
                pod,
                type="Normal",
                reason="SandboxChanged",
                message="Pod sandbox changed, it will be killed and re-created.",
            )
        config = contract.SandboxConfig(
            pod=containers.pod_identity(pod),
            attempt=attempt,
            hostname=pod.spec.hostname or pod.metadata.name,
            log_directory=str(containers.pod_log_dir(self.node.logs_dir, pod)),
            host_network=True,
        )
        try:
            return await self.runtime.run_pod_sandbox(config)
        except contract.RuntimeFailure as exc:
            self.recorder.pod_event(
                pod,
                type="Warning",
                reason="FailedCreatePodSandBox",
                message=f"Failed to create pod sandbox: {exc}",
            )
            return None

    async def start(
        self,
        pod: Pod,
        container: Container,
        info: StartInfo,
        sandbox_id: SandboxID,
        sources: environment.EnvSources,
        tg: asyncio.TaskGroup,
    ) -> bool:
        """Create, start and run postStart for one container instance; True on success."""
        name = container.name
        try:
            config = containers.build_container_config(
                pod,
                container,
                attempt=info.attempt,
                volumes=self.state.volumes or {},
                sources=sources,
                logs_dir=self.node.logs_dir,
            )
            container_id = await self.runtime.create_container(sandbox_id, config)
        except (environment.ConfigError, contract.ConfigError) as exc:
            return self._start_failed(pod, name, "CreateContainerConfigError", str(exc))
        except contract.RuntimeFailure as exc:
            return self._start_failed(pod, name, "CreateContainerError", str(exc))
        self.recorder.container_event(
            pod, name, type="Normal", reason="Created", message=f"Created container: {name}"
        )
        try:
            await self.runtime.start_container(container_id)
        except contract.RuntimeFailure as exc:
            return self._start_failed(pod, name, "RunContainerError", str(exc))
        self.recorder.container_event(
            pod, name, type="Normal", reason="Started", message=f"Started container {name}"
        )
        self.state.start_failures.pop(name, None)
        post_start = container.lifecycle.post_start if container.lifecycle is not None else None
        if post_start is not None:
            result = await self.run_hook(pod, container, container_id, post_start)
            if not result.success:
                self.recorder.container_event(
                    pod,
                    name,
                    type="Warning",
                    reason="FailedPostStartHook",
                    message=f"PostStartHook failed: {result.output}".rstrip(": "),
                )
                await self._stop(pod, container_id, name, grace=_grace(pod))
                return self._start_failed(
                    pod, name, "PostStartHookError", result.output, event=False
                )
        self.probes.ensure(container, container_id, tg)
        return True

    def _start_failed(
        self, pod: Pod, name: str, reason: str, message: str, *, event: bool = True
    ) -> bool:
        self.state.start_failures[name] = StartFailure(reason=reason, message=message)
        if event:
            self.recorder.container_event(
                pod, name, type="Warning", reason="Failed", message=f"Error: {message}"
            )
        return False

    async def run_hook(
        self,
        pod: Pod,
        container: Container,
        container_id: ContainerID,
        handler: LifecycleHandler,
        *,
        timeout: float | None = None,
    ) -> handlers.HandlerResult:
        limit = float(_grace(pod)) if timeout is None else timeout
        if handler.exec is not None:
            return await handlers.run_exec(
                self.runtime, container_id, handler.exec.command, timeout=max(limit, 1.0)
            )
        if handler.http_get is not None:
            return await handlers.run_http(
                handler.http_get,
                container,
                default_host=self.node.host_ip,
                timeout=max(limit, 1.0),
            )
        if handler.sleep is not None:
            await asyncio.sleep(min(float(handler.sleep.seconds), max(limit, 0.0)))
            return handlers.HandlerResult(True, "")
        if handler.tcp_socket is not None:
            return handlers.HandlerResult(True, "")  # deprecated: the kubelet does nothing
        return handlers.HandlerResult(False, "hook has no handler")

    async def _stop(self, pod: Pod, container_id: ContainerID, name: str, *, grace: int) -> None:
        with contextlib.suppress(contract.NotFound):
            await self.runtime.stop_container(
                container_id, timeout=float(max(grace, terminate.MINIMUM_GRACE_SECONDS))
            )

    # --- termination ----------------------------------------------------------------------

    async def terminate(
        self, pod: Pod, observed: PodSnapshot, *, grace: int, announce: bool = True
    ) -> None:
        """Stop every running container of the pod in Kubernetes' order, sharing `grace`."""
        self.probes.stop_liveness()
        plan = terminate.compute_termination_plan(pod, observed)
        deadline = self.clock.monotonic() + grace
        exited = {stop.container_id: asyncio.Event() for stop in plan}
        by_name = {c.name: c for c in (*pod.spec.init_containers, *pod.spec.containers)}

        async def stop_one(stop: terminate.ContainerStop) -> None:
            try:
                if announce:
                    self.recorder.container_event(
                        pod,
                        stop.name,
                        type="Normal",
                        reason="Killing",
                        message=f"Stopping container {stop.name}",
                    )
                if stop.pre_stop is not None:
                    remaining = max(deadline - self.clock.monotonic(), 0.0)
                    try:
                        result = await asyncio.wait_for(
                            self.run_hook(
                                pod,
                                by_name[stop.name],
                                stop.container_id,
                                stop.pre_stop,
                                timeout=remaining,
                            ),
                            timeout=remaining if remaining > 0 else None,
                        )
                    except TimeoutError:
                        result = handlers.HandlerResult(False, "timed out")
                    if not result.success:
                        self.recorder.container_event(
                            pod,
                            stop.name,
                            type="Warning",
                            reason="FailedPreStopHook",
                            message=f"PreStopHook failed: {result.output}".rstrip(": "),
                        )
                waits = [exited[other].wait() for other in stop.wait_for if other in exited]
                if waits:
                    remaining = max(deadline - self.clock.monotonic(), 0.0)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.gather(*waits), timeout=remaining)
                remaining = max(deadline - self.clock.monotonic(), 0.0)
                await self._stop(pod, stop.container_id, stop.name, grace=int(remaining + 0.999))
            finally:
                exited[stop.container_id].set()

        async with asyncio.TaskGroup() as group:
            for stop in plan:
                group.create_task(stop_one(stop))

    async def kill_sandboxes(self, observed: PodSnapshot) -> None:
        for sandbox in observed.sandboxes:
            with contextlib.suppress(contract.NotFound):
                await self.runtime.stop_pod_sandbox(sandbox.id)


def _grace(pod: Pod) -> int:
    return terminate.termination_grace_seconds(pod)


def pod_uid(pod: Pod) -> PodUID:
    return PodUID(pod.metadata.uid)
