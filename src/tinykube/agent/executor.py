"""Applying the core's decisions through the runtime, step by step, with the kubelet's events.

`Executor.apply` follows the kubelet's SyncPod order: kill the pod (when asked), kill listed
containers, create the sandbox (volumes first), start init containers (a regular init
container's failure ends the sync; a sidecar's does not), then app containers. Each start is
create → start → postStart, with Created/Started events; a failure is remembered as the
container's waiting reason (CreateContainerConfigError, RunContainerError, PostStartHookError...)
until a later start succeeds. `terminate` stops running containers in Kubernetes' order.

Once a regular init container runs, the containers that follow it are created ahead of their
turn (`prepare_ahead`, quietly, only with their image present); a start then skips the creation
and the image check but still reports Pulled and Created, as if they happened then. Prepared
containers the pod no longer needs, or that an earlier agent left behind, are removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

from tinykube.agent import containers, handlers, images, volumes
from tinykube.agent.clock import Clock
from tinykube.agent.probes import ProbeManager
from tinykube.agent.recorder import Recorder
from tinykube.api import field as api_field
from tinykube.api.pod import Container, LifecycleHandler, Pod
from tinykube.core import environment, restart, terminate
from tinykube.core.actions import KillReason, PodActions, StartInfo
from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import BackoffEntry, ContainerSnapshot, PodSnapshot, StartFailure
from tinykube.runtime import contract


class NodeSettings(msgspec.Struct, frozen=True, kw_only=True):
    node_name: str
    host_ip: str
    pods_dir: Path
    logs_dir: Path
    can_mount: bool = True
    # How often the usage of emptyDirs with a sizeLimit is measured (the eviction manager's
    # monitoring interval); pods without such volumes are never measured.
    eviction_period: float = 1.0
    # The image pull back-off (the kubelet's imageBackOff: the crash-loop back-off's delays).
    image_backoff: restart.BackoffSettings = msgspec.field(default_factory=restart.BackoffSettings)


class PreparedContainer(msgspec.Struct, frozen=True, kw_only=True):
    """A container being created, or created, ahead of its turn (`PodActions.prepare`)."""

    attempt: int
    spec_hash: str
    sandbox_id: SandboxID
    creation: asyncio.Task[ContainerID | None]  # None: not created (the start will tell why)

    def fits(self, info: StartInfo, spec_hash: str, sandbox_id: SandboxID) -> bool:
        return (
            self.attempt == info.attempt
            and self.spec_hash == spec_hash
            and self.sandbox_id == sandbox_id
        )


class PodAgentState(msgspec.Struct):
    """What the agent remembers about one pod between syncs."""

    backoff: dict[str, BackoffEntry] = msgspec.field(default_factory=dict)
    start_failures: dict[str, StartFailure] = msgspec.field(default_factory=dict)
    volumes: dict[str, volumes.PreparedVolume] | None = None
    announced_waits: set[tuple[str, datetime.datetime]] = msgspec.field(default_factory=set)
    log_messages: dict[str, str] = msgspec.field(default_factory=dict)  # fallback messages, by id
    eviction: str | None = None  # the eviction message, once an emptyDir outgrew its limit
    restart_floors: dict[str, int] | None = None  # read from the log dir on the first sync
    image_backoff: dict[str, BackoffEntry] = msgspec.field(default_factory=dict)  # by image
    # Containers created ahead of their turn, by container name.
    prepared: dict[str, PreparedContainer] = msgspec.field(default_factory=dict)


class Executor(msgspec.Struct):
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
            spec = _container_spec(pod, kill.name)
            await self.kill_container(
                pod,
                spec,
                kill.container_id,
                message=kill.message,
                grace=_kill_grace(pod, spec, kill.reason),
            )

        sandbox = observed.newest_sandbox()
        sandbox_id = sandbox.id if sandbox is not None else None
        if actions.create_sandbox:
            sandbox_id = await self._create_sandbox(pod, actions.sandbox_attempt, sources)
            if sandbox_id is None:
                return
        if sandbox_id is None:
            return
        if self.state.volumes is None and not self._prepare_volumes(pod, sources):
            return

        # In the background, while the init container before them starts and runs (measured:
        # the hand-over is shorter than when they are created once it runs).
        self.prepare_ahead(pod, actions.prepare, sandbox_id, lambda: sources, tg)
        for info in actions.start_init:
            container = pod.spec.init_containers[info.index]
            started = await self.start(pod, container, info, sandbox_id, sources, tg)
            if not started and not container.is_sidecar:
                return
        for info in actions.start:
            await self.start(pod, pod.spec.containers[info.index], info, sandbox_id, sources, tg)

    def _prepare_volumes(self, pod: Pod, sources: environment.EnvSources) -> bool:
        """Set up the pod's volumes; a failure is a FailedMount event and the sync waits."""
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
            return False
        return True

    async def _create_sandbox(
        self, pod: Pod, attempt: int, sources: environment.EnvSources
    ) -> SandboxID | None:
        if not self._prepare_volumes(pod, sources):
            return None
        if attempt > 0:
            self.recorder.pod_event(
                pod,
                type="Normal",
                reason="SandboxChanged",
                message="Pod sandbox changed, it will be killed and re-created.",
            )
        config = containers.sandbox_config(pod, logs_dir=self.node.logs_dir, attempt=attempt)
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
        """Pull the image, create, start and run postStart for one container instance; True on
        success."""
        name = container.name
        prepared = self.state.prepared.pop(name, None)
        container_id = await self._use_prepared(prepared, container, info, sandbox_id)
        service = self.runtime.image_service
        if service is not None and container_id is not None:
            # created ahead only with its image present and a policy that pulls no present
            # image: what an image check would find, without its round trip on the hand-over
            images.report_present(self.recorder, pod, container)
        elif service is not None:
            try:
                await images.ensure_image(
                    service,
                    pod,
                    container,
                    secrets=sources.secrets,
                    backoff=self.state.image_backoff,
                    settings=self.node.image_backoff,
                    recorder=self.recorder,
                    clock=self.clock,
                )
            except images.ImageError as exc:
                # the kubelet's FailedToCreateContainer event names the error, not its text
                return self._start_failed(
                    pod, name, exc.reason, exc.message, retry=True, event=f"Error: {exc.reason}"
                )
        if container_id is None:
            try:
                config = self._container_config(pod, container, info, sources)
                container_id = await self.runtime.create_container(sandbox_id, config)
            except (environment.ConfigError, contract.ConfigError) as exc:
                return self._start_failed(
                    pod, name, "CreateContainerConfigError", str(exc), retry=True
                )
            except contract.RuntimeFailure as exc:
                return self._start_failed(pod, name, "CreateContainerError", str(exc), retry=True)
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
                # the event leaves the hook's output out (it may hold secrets), as the kubelet's
                self.recorder.container_event(
                    pod,
                    name,
                    type="Warning",
                    reason="FailedPostStartHook",
                    message="PostStartHook failed",
                )
                await self.kill_container(
                    pod, container, container_id, message="FailedPostStartHook", grace=_grace(pod)
                )
                return self._start_failed(
                    pod,
                    name,
                    "PostStartHookError",
                    hook_failure_message(pod, container, post_start, result),
                    event=None,
                )
        self.probes.ensure(container, container_id, tg)
        return True

    def _container_config(
        self,
        pod: Pod,
        container: Container,
        info: StartInfo,
        sources: environment.EnvSources,
    ) -> contract.ContainerConfig:
        """The runtime config of this start's instance; raises `environment.ConfigError`."""
        return containers.build_container_config(
            pod,
            container,
            attempt=info.attempt,
            volumes=self.state.volumes or {},
            sources=sources,
            logs_dir=self.node.logs_dir,
        )

    # --- containers created ahead of their turn ------------------------------------------------

    def prepare_ahead(
        self,
        pod: Pod,
        infos: Iterable[StartInfo],
        sandbox_id: SandboxID,
        sources: Callable[[], environment.EnvSources],
        tg: asyncio.TaskGroup,
    ) -> None:
        """Create the containers of `PodActions.prepare` in the background, each once, so that
        the hand-over to them is only a start. Nothing of it shows (no event, no status) until
        `start` uses one; a preparation that fails is simply not used. One creation at a time,
        in the order they start: the next one is ready soonest, and each competes less with
        the start that runs meanwhile (measured on containerd: ~10 ms sooner to the app)."""
        previous: asyncio.Task[ContainerID | None] | None = None
        for info in infos:
            specs = pod.spec.init_containers if info.is_init else pod.spec.containers
            container = specs[info.index]
            spec_hash = restart.container_spec_hash(container)
            known = self.state.prepared.get(info.name)
            if known is not None:
                if known.fits(info, spec_hash, sandbox_id):
                    continue
                tg.create_task(self._discard(known))
            creation = tg.create_task(
                self._create_ahead(pod, container, info, sandbox_id, sources(), after=previous)
            )
            previous = creation
            self.state.prepared[info.name] = PreparedContainer(
                attempt=info.attempt,
                spec_hash=spec_hash,
                sandbox_id=sandbox_id,
                creation=creation,
            )

    async def _create_ahead(
        self,
        pod: Pod,
        container: Container,
        info: StartInfo,
        sandbox_id: SandboxID,
        sources: environment.EnvSources,
        after: asyncio.Task[ContainerID | None] | None = None,
    ) -> ContainerID | None:
        """Create one container ahead, quietly: only with its image present (nothing is pulled
        ahead), and any error is left for its start to meet and report."""
        service = self.runtime.image_service
        if after is not None:
            await asyncio.wait({after})  # its outcome is its own start's business
        try:
            if service is not None and await service.image_status(container.image) is None:
                return None
            config = self._container_config(pod, container, info, sources)
            return await self.runtime.create_container(
                sandbox_id, msgspec.structs.replace(config, prepared=True)
            )
        except Exception:  # never the worker's end: the start meets the error and reports it
            return None

    async def _use_prepared(
        self,
        prepared: PreparedContainer | None,
        container: Container,
        info: StartInfo,
        sandbox_id: SandboxID,
    ) -> ContainerID | None:
        """The container prepared for this start, if one fits it (waiting for its creation to
        finish); one that does not fit is removed."""
        if prepared is None:
            return None
        container_id = await prepared.creation
        if container_id is None:
            return None
        if prepared.fits(info, restart.container_spec_hash(container), sandbox_id):
            return container_id
        await self._remove_quietly(container_id)
        return None

    async def _discard(self, prepared: PreparedContainer | None) -> None:
        if prepared is None:
            return
        container_id = await prepared.creation
        if container_id is not None:
            await self._remove_quietly(container_id)

    async def discard_prepared(self) -> None:
        """Remove every container prepared for this pod and not started (the pod is stopping,
        or its sandbox is gone)."""
        prepared = list(self.state.prepared.values())
        self.state.prepared.clear()
        for item in prepared:
            await self._discard(item)

    async def discard_strays(self, snapshot: PodSnapshot) -> None:
        """Remove prepared containers this agent does not know, such as those an agent that
        stopped left behind, before a start of the same name and attempt collides with them."""
        strays: list[ContainerSnapshot] = []
        for found in snapshot.containers:
            if not found.waiting_its_turn:
                continue
            known = self.state.prepared.get(found.name)
            if known is None or (
                known.creation.done()
                and not known.creation.cancelled()
                and known.creation.result() != found.id
            ):
                strays.append(found)
        for stray in strays:
            await self._remove_quietly(stray.id)

    async def _remove_quietly(self, container_id: ContainerID) -> None:
        with contextlib.suppress(contract.RuntimeFailure):
            await self.runtime.remove_container(container_id)

    def _start_failed(
        self,
        pod: Pod,
        name: str,
        reason: str,
        message: str,
        *,
        retry: bool = False,
        event: str | None = "",
    ) -> bool:
        """Remember why a start failed (its waiting reason) with a `Failed` event (`event`,
        default `Error: <message>`; None: no event). `retry`: no instance exists, so the core
        retries after the back-off period rather than at once."""
        at = self.clock.now() if retry else None
        self.state.start_failures[name] = StartFailure(reason=reason, message=message, at=at)
        if event is not None:
            self.recorder.container_event(
                pod, name, type="Warning", reason="Failed", message=event or f"Error: {message}"
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
                purpose="lifecycle",
            )
        if handler.sleep is not None:
            await asyncio.sleep(min(float(handler.sleep.seconds), max(limit, 0.0)))
            return handlers.HandlerResult(True, "")
        if handler.tcp_socket is not None:
            return handlers.HandlerResult(True, "")  # deprecated: the kubelet does nothing
        return handlers.HandlerResult(False, "hook has no handler")

    async def kill_container(
        self,
        pod: Pod,
        container: Container | None,
        container_id: ContainerID,
        *,
        message: str,
        grace: int,
    ) -> None:
        """The kubelet's `killContainer`: a Killing event, the preStop hook within the grace
        period, then SIGTERM with what is left of it (at least 2 s) and SIGKILL."""
        name = container.name if container is not None else ""
        self.recorder.container_event(pod, name, type="Normal", reason="Killing", message=message)
        started = self.clock.monotonic()
        pre_stop = container.lifecycle.pre_stop if container and container.lifecycle else None
        if container is not None and pre_stop is not None and grace > 0:
            await self._run_pre_stop(pod, container, container_id, pre_stop, budget=float(grace))
        remaining = grace - int(self.clock.monotonic() - started)
        await self._stop(pod, container_id, name, grace=remaining)

    async def _run_pre_stop(
        self,
        pod: Pod,
        container: Container,
        container_id: ContainerID,
        handler: LifecycleHandler,
        *,
        budget: float,
    ) -> None:
        """Run a preStop hook for at most `budget` seconds (none without a budget, as the
        kubelet's `gracePeriod > 0`); a failure is only an event."""
        if budget <= 0:
            return
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            async with asyncio.timeout(budget):
                result = await self.run_hook(pod, container, container_id, handler, timeout=budget)
        except TimeoutError:
            result = handlers.HandlerResult(False, "timed out")
        if not result.success:
            # the event leaves the hook's output out (it may hold secrets), as the kubelet's
            self.recorder.container_event(
                pod,
                container.name,
                type="Warning",
                reason="FailedPreStopHook",
                message="PreStopHook failed",
            )

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
                    await self._run_pre_stop(
                        pod,
                        by_name[stop.name],
                        stop.container_id,
                        stop.pre_stop,
                        budget=max(deadline - self.clock.monotonic(), 0.0),
                    )
                waits = [exited[other].wait() for other in stop.wait_for if other in exited]
                if waits:
                    remaining = max(deadline - self.clock.monotonic(), 0.0)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(remaining):
                            await asyncio.gather(*waits)
                remaining = max(deadline - self.clock.monotonic(), 0.0)
                await self._stop(pod, stop.container_id, stop.name, grace=int(remaining + 0.999))
            finally:
                exited[stop.container_id].set()

        async with asyncio.TaskGroup() as group:
            for stop in plan:
                group.create_task(stop_one(stop))

    async def kill_sandboxes(self, observed: PodSnapshot) -> None:
        await self.discard_prepared()
        for sandbox in observed.sandboxes:
            with contextlib.suppress(contract.NotFound):
                await self.runtime.stop_pod_sandbox(sandbox.id)


def hook_failure_message(
    pod: Pod, container: Container, handler: LifecycleHandler, result: handlers.HandlerResult
) -> str:
    """The kubelet's handler-runner message for a failed hook (the waiting message of
    PostStartHookError)."""
    meta = pod.metadata
    where = (
        f"for Container {api_field.go_quote(container.name)} in Pod "
        f"{api_field.go_quote(f'{meta.name}_{meta.namespace}({meta.uid})')} failed - error: "
    )
    if handler.exec is not None:
        command = "[" + " ".join(handler.exec.command) + "]"
        return (
            f"Exec lifecycle hook ({command}) {where}{result.error or result.output}, "
            f"message: {api_field.go_quote(result.output)}"
        )
    if handler.http_get is not None:
        return f"HTTP lifecycle hook ({handler.http_get.path}) {where}{result.error}"
    return f"Cannot run handler: {result.output}"


def _container_spec(pod: Pod, name: str) -> Container | None:
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        if container.name == name:
            return container
    return None


def _kill_grace(pod: Pod, container: Container | None, reason: KillReason) -> int:
    """`setTerminationGracePeriod`: a deletion's grace first, then a failed probe's own
    terminationGracePeriodSeconds, then the pod's."""
    if pod.metadata.deletion_grace_period_seconds is None and container is not None:
        probe = None
        if reason is KillReason.LIVENESS_PROBE:
            probe = container.liveness_probe
        elif reason is KillReason.STARTUP_PROBE:
            probe = container.startup_probe
        if probe is not None and probe.termination_grace_period_seconds is not None:
            return probe.termination_grace_period_seconds
    return _grace(pod)


def _grace(pod: Pod) -> int:
    return terminate.termination_grace_seconds(pod)


def pod_uid(pod: Pod) -> PodUID:
    return PodUID(pod.metadata.uid)
