"""CriRuntime: pods as CRI pod sandboxes and containers, over gRPC to containerd.

One sandbox per pod (host network), containers created with the kubelet's labels and
annotations (`convert`), so that after an agent restart `list_pods` and `pod_snapshot` find
everything again from the runtime alone. State kept here is only a cache: containers whose
exit is known never change (`_final`), the started time of running ones, and each pod's last
listing, reused while the pod's only changes since are exits whose event is held (an init
container's hand-over then starts the next one without a round trip to containerd).

Exits reach the agent within milliseconds through containerd's own event service (`events`):
the task exit event carries the exit status ~1 ms after the exit, while the CRI's
ContainerStatus still says RUNNING for ~40 ms, so a snapshot trusts the event for the exit code
and times. A SIGKILL (137) may be an OOM kill, whose reason only containerd's status knows:
those wait for the status (a confirming poll publishes a second event). A relist every
`relist_period` seconds, only while containers run, is the safety net for lost events
(containerd restarted, the stream broken).

Termination messages: as the kubelet does, a host file under `state_dir/termination/<sandbox>`
is bind-mounted at the container's terminationMessagePath and read after the exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
import msgspec
from cri_api.v1 import api_pb2 as pb
from cri_api.v1 import api_pb2_grpc as pb_grpc

from tinykube.api import protowire
from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import (
    ContainerSnapshot,
    ContainerState,
    PodSnapshot,
    SandboxSnapshot,
)
from tinykube.runtime import contract
from tinykube.runtime.cri import convert, endpoint
from tinykube.runtime.cri import events as task_events
from tinykube.runtime.cri.exec import CriExecSession

DEFAULT_ENDPOINT = endpoint.DEFAULT_ENDPOINT
NAMESPACE = "k8s.io"
MAX_TERMINATION_MESSAGE = 4096  # kubelet MaxContainerTerminationMessageLength
SIGKILL_EXIT = 137
_UNAVAILABLE_RETRY_SECONDS = 10.0
_CONFIRM_SECONDS = 10.0
_STOP_ATTEMPTS = 5
# how containerd's streaming exec fails for a container that is no longer running
_NOT_RUNNING_SIGNS = ("cannot exec in a stopped state", "container not created")

log = logging.getLogger("tinykube.cri")
T = TypeVar("T")


def _identity(data: bytes) -> bytes:
    return data


class CriRuntime:
    """The runtime contract over a CRI endpoint (see the module docstring)."""

    name = "containerd"

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        state_dir: Path,
        owner: str,
        relist_period: float = 1.0,
    ) -> None:
        self.endpoint = endpoint
        self.state_dir = state_dir
        self.owner = owner
        self.relist_period = relist_period
        self.image_service: contract.ImageService | None = self
        self.warnings: list[str] = []
        self.version = ""
        self._channel: grpc.aio.Channel | None = None
        self._runtime: Any = None
        self._images: Any = None
        self._events: asyncio.Queue[contract.RuntimeEvent] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._pump_group: asyncio.TaskGroup | None = None
        self._pod_of: dict[str, PodUID] = {}  # container id -> pod
        self._sandbox_pod: dict[str, PodUID] = {}  # sandbox id -> pod
        self._sandbox_configs: dict[str, pb.PodSandboxConfig] = {}
        self._final: dict[str, ContainerSnapshot] = {}  # exited containers never change
        self._running: dict[str, tuple[datetime.datetime | None, str]] = {}  # started_at, ref
        # trusted exit events, by container, until the exit is settled into `_final`
        self._exits: dict[str, task_events.TaskEvent] = {}
        self._oom: set[str] = set()
        self._watch: set[str] = set()  # containers believed running: the relist checks them
        self._termination_files: dict[str, Path] = {}
        # per pod: the last listed snapshot, dropped at any change but an exit whose event we
        # hold (`_listed_snapshot`), and the number of its last such change
        self._listed: dict[PodUID, PodSnapshot] = {}
        self._changes: dict[PodUID, int] = {}  # pod -> number of its last change (node-wide)
        self._change_numbers = itertools.count(1)
        # per container: callbacks told of each exec's host pid; True when one claims it
        self._exec_watchers: dict[str, list[Callable[[int], bool]]] = {}

    # --- lifecycle --------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, check that the runtime answers, adopt what this owner left, subscribe."""
        self._channel = grpc.aio.insecure_channel(self.endpoint)
        self._runtime = pb_grpc.RuntimeServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._images = pb_grpc.ImageServiceStub(self._channel)  # type: ignore[no-untyped-call]
        try:
            async with asyncio.timeout(10):
                version = await self._runtime.Version(pb.VersionRequest())
        except (grpc.aio.AioRpcError, TimeoutError) as exc:
            await self.close()
            detail = exc.details() if isinstance(exc, grpc.aio.AioRpcError) else "timed out"
            raise contract.RuntimeFailure(
                f"cannot reach the CRI runtime at {self.endpoint}: {detail} "
                "(is containerd running? scripts/cri-env.sh up starts it)"
            ) from exc
        self.version = version.runtime_version  # e.g. 1.6.20~ds1
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for uid in await self.list_pods():
            await self.pod_snapshot(uid)  # fills the maps, so events of adopted pods count
        self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    async def close(self) -> None:
        """Stop listening; containers keep running."""
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    # --- calls ------------------------------------------------------------------------------

    async def _call(self, call: Callable[[], Awaitable[T]], *, retry: bool = False) -> T:
        """One RPC; reads (`retry`) wait out a containerd restart for a few seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _UNAVAILABLE_RETRY_SECONDS
        delay = 0.05
        while True:
            try:
                return await call()
            except grpc.aio.AioRpcError as exc:
                if exc.code() is grpc.StatusCode.NOT_FOUND:
                    raise contract.NotFound(exc.details() or "not found") from exc
                if retry and exc.code() is grpc.StatusCode.UNAVAILABLE and loop.time() < deadline:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                raise contract.RuntimeFailure(convert.go_error_text(exc)) from exc

    async def _list_sandboxes(self, selector: dict[str, str]) -> list[pb.PodSandbox]:
        request = pb.ListPodSandboxRequest(filter=pb.PodSandboxFilter(label_selector=selector))
        response = await self._call(lambda: self._runtime.ListPodSandbox(request), retry=True)
        return list(response.items)

    async def _list_containers(self, selector: dict[str, str]) -> list[pb.Container]:
        request = pb.ListContainersRequest(filter=pb.ContainerFilter(label_selector=selector))
        response = await self._call(lambda: self._runtime.ListContainers(request), retry=True)
        return list(response.containers)

    async def _container_status(self, container_id: str) -> pb.ContainerStatus:
        request = pb.ContainerStatusRequest(container_id=container_id)
        response = await self._call(lambda: self._runtime.ContainerStatus(request), retry=True)
        status: pb.ContainerStatus = response.status
        return status

    # --- events -----------------------------------------------------------------------------

    def _publish(self, pod_uid: PodUID, kind: contract.EventKind, container_id: str | None) -> None:
        if not (kind is contract.EventKind.EXITED and container_id in self._exits):
            self._changed(pod_uid)
        self._events.put_nowait(
            contract.RuntimeEvent(
                pod_uid=pod_uid,
                kind=kind,
                container_id=ContainerID(container_id) if container_id else None,
                at=datetime.datetime.now(datetime.UTC),
            )
        )

    async def events(self) -> AsyncIterator[contract.RuntimeEvent]:
        while True:
            yield await self._events.get()

    async def _run_pump(self) -> None:
        async with asyncio.TaskGroup() as group:
            self._pump_group = group
            group.create_task(self._subscribe_forever())
            group.create_task(self._relist_forever())

    async def _subscribe_forever(self) -> None:
        assert self._channel is not None
        subscribe = self._channel.unary_stream(
            task_events.SUBSCRIBE_METHOD,
            request_serializer=_identity,
            response_deserializer=_identity,
        )
        request = task_events.subscribe_request(NAMESPACE, tuple(task_events.Topic))
        delay = 0.1
        while True:
            try:
                async for envelope in subscribe(request):
                    delay = 0.1
                    try:
                        event = task_events.decode_envelope(envelope)
                    except protowire.WireFormatError as exc:
                        log.warning("undecodable containerd event: %s", exc)
                        continue
                    if event is not None:
                        self._on_task_event(event)
            except grpc.aio.AioRpcError as exc:
                log.warning("containerd event stream: %s; resubscribing", exc.details())
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
            await self._relist_once()  # what happened while the stream was down

    def _on_task_event(self, event: task_events.TaskEvent) -> None:
        cid = event.container_id
        if event.topic is task_events.Topic.EXEC_STARTED:
            for claims in list(self._exec_watchers.get(cid, ())):
                if claims(event.pid):
                    break
            return
        if event.topic is task_events.Topic.OOM:
            self._oom.add(cid)
            return
        sandbox_pod = self._sandbox_pod.get(cid)
        if sandbox_pod is not None:
            if event.topic is task_events.Topic.EXIT and event.is_container_exit:
                self._publish(sandbox_pod, contract.EventKind.SANDBOX_CHANGED, None)
            return
        pod_uid = self._pod_of.get(cid)
        if pod_uid is None:
            return
        if event.topic is task_events.Topic.START:
            self._watch.add(cid)
            self._publish(pod_uid, contract.EventKind.STARTED, cid)
            return
        if not event.is_container_exit or cid in self._final:
            return
        self._watch.discard(cid)
        if event.exit_status == SIGKILL_EXIT or cid in self._oom:
            # the reason (OOMKilled or not) is containerd's to tell: wait for its status
            assert self._pump_group is not None
            self._pump_group.create_task(self._confirm_exit(cid, pod_uid))
        else:
            self._exits[cid] = event
        self._publish(pod_uid, contract.EventKind.EXITED, cid)

    async def _confirm_exit(self, container_id: str, pod_uid: PodUID) -> None:
        """Poll the status until containerd shows the exit, then announce it again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _CONFIRM_SECONDS
        delay = 0.005
        while loop.time() < deadline:
            try:
                status = await self._container_status(container_id)
            except contract.RuntimeFailure:
                return
            if status.state == pb.CONTAINER_EXITED:
                self._publish(pod_uid, contract.EventKind.EXITED, container_id)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def _relist_forever(self) -> None:
        while True:
            await asyncio.sleep(self.relist_period)
            if self._watch:
                try:
                    await self._relist_once()
                except contract.RuntimeFailure as exc:
                    log.warning("relist failed: %s", exc)

    async def _relist_once(self) -> None:
        """Announce containers that stopped running without an event reaching us."""
        if not self._watch:
            return
        states = {
            container.id: container.state
            for container in await self._list_containers({convert.OWNER: self.owner})
        }
        for cid in list(self._watch):
            state = states.get(cid)
            if state == pb.CONTAINER_RUNNING:
                continue
            self._watch.discard(cid)
            pod_uid = self._pod_of.get(cid)
            if pod_uid is not None:
                self._publish(pod_uid, contract.EventKind.EXITED, cid)

    # --- sandboxes --------------------------------------------------------------------------

    async def run_pod_sandbox(self, config: contract.SandboxConfig) -> SandboxID:
        sandbox_config = convert.sandbox_config(config, owner=self.owner)
        request = pb.RunPodSandboxRequest(config=sandbox_config)
        try:
            with self._changing(config.pod.uid):
                response = await self._call(lambda: self._runtime.RunPodSandbox(request))
        except contract.NotFound as exc:
            raise contract.RuntimeFailure(str(exc)) from exc
        sandbox_id: str = response.pod_sandbox_id
        self._sandbox_configs[sandbox_id] = sandbox_config
        self._sandbox_pod[sandbox_id] = config.pod.uid
        return SandboxID(sandbox_id)

    async def stop_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        request = pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id)
        with self._changing(self._sandbox_pod.get(sandbox_id)):
            await self._stopping(lambda: self._runtime.StopPodSandbox(request))

    async def _stopping(self, call: Callable[[], Awaitable[Any]]) -> None:
        """A stop or removal, tried again a few times: containerd may fail one that races with
        an exit (`ttrpc: closed` when the shim goes away under it); the next try succeeds."""
        for attempt in range(_STOP_ATTEMPTS):
            try:
                await self._call(call)
                return
            except contract.NotFound:
                raise
            except contract.RuntimeFailure as exc:
                if attempt == _STOP_ATTEMPTS - 1:
                    raise
                log.info("stop failed, trying again: %s", exc)
                await asyncio.sleep(0.05 * (attempt + 1))

    async def remove_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        request = pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id)
        with (
            self._changing(self._sandbox_pod.get(sandbox_id)),
            contextlib.suppress(contract.NotFound),
        ):
            await self._stopping(lambda: self._runtime.RemovePodSandbox(request))
        self._sandbox_pod.pop(sandbox_id, None)
        self._sandbox_configs.pop(sandbox_id, None)
        for cid, snapshot in list(self._final.items()):
            if snapshot.sandbox_id == sandbox_id:
                self._forget(cid)
        shutil.rmtree(self._termination_dir(sandbox_id), ignore_errors=True)

    async def _sandbox_config(self, sandbox_id: SandboxID) -> pb.PodSandboxConfig:
        """The config the sandbox was created with (rebuilt from its status after a restart)."""
        cached = self._sandbox_configs.get(sandbox_id)
        if cached is not None:
            return cached
        request = pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id)
        status = (await self._call(lambda: self._runtime.PodSandboxStatus(request))).status
        labels = dict(status.labels)
        pod = contract.PodIdentity(
            uid=PodUID(labels.get(convert.POD_UID, status.metadata.uid)),
            name=status.metadata.name,
            namespace=status.metadata.namespace,
        )
        config = convert.sandbox_config(
            contract.SandboxConfig(
                pod=pod,
                attempt=status.metadata.attempt,
                hostname="",
                log_directory=status.annotations.get(convert.LOG_DIRECTORY, ""),
            ),
            owner=labels.get(convert.OWNER, self.owner),
        )
        self._sandbox_configs[sandbox_id] = config
        return config

    def _termination_dir(self, sandbox_id: str) -> Path:
        return self.state_dir / "termination" / sandbox_id

    # --- containers -------------------------------------------------------------------------

    async def create_container(
        self, sandbox_id: SandboxID, config: contract.ContainerConfig
    ) -> ContainerID:
        sandbox_config = await self._sandbox_config(sandbox_id)
        termination_file = ""
        if config.termination_message_path:
            directory = self._termination_dir(sandbox_id)
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{config.name}-{config.attempt}-{uuid.uuid4().hex[:8]}"
            path.touch()
            os.chmod(path, 0o666)  # any user the container runs as may write it (kubelet)
            termination_file = str(path)
        cri_config = convert.container_config(
            config,
            owner=self.owner,
            log_directory=sandbox_config.log_directory,
            termination_host_path=termination_file,
        )
        request = pb.CreateContainerRequest(
            pod_sandbox_id=sandbox_id, config=cri_config, sandbox_config=sandbox_config
        )
        try:
            with self._changing(config.pod.uid):
                response = await self._call(lambda: self._runtime.CreateContainer(request))
        except contract.NotFound:
            if termination_file:
                Path(termination_file).unlink(missing_ok=True)
            raise
        except contract.RuntimeFailure as exc:
            if termination_file:
                Path(termination_file).unlink(missing_ok=True)
            raise contract.CreateFailed(_details(exc)) from exc
        container_id: str = response.container_id
        self._pod_of[container_id] = config.pod.uid
        if termination_file:
            self._termination_files[container_id] = Path(termination_file)
        return ContainerID(container_id)

    async def start_container(self, container_id: ContainerID) -> None:
        request = pb.StartContainerRequest(container_id=container_id)
        self._watch.add(container_id)
        try:
            with self._changing(self._pod_of.get(container_id)):
                await self._call(lambda: self._runtime.StartContainer(request))
        except contract.NotFound:
            self._watch.discard(container_id)
            raise
        except contract.RuntimeFailure as exc:
            self._watch.discard(container_id)
            raise contract.StartFailed(_details(exc)) from exc

    async def stop_container(self, container_id: ContainerID, *, timeout: float) -> None:
        if container_id in self._final or container_id in self._exits:
            return
        request = pb.StopContainerRequest(
            container_id=container_id, timeout=convert.timeout_seconds(timeout)
        )
        with self._changing(self._pod_of.get(container_id)):
            await self._stopping(lambda: self._runtime.StopContainer(request))
        self._running.pop(container_id, None)

    async def remove_container(self, container_id: ContainerID) -> None:
        request = pb.RemoveContainerRequest(container_id=container_id)
        with self._changing(self._pod_of.get(container_id)), contextlib.suppress(contract.NotFound):
            await self._stopping(lambda: self._runtime.RemoveContainer(request))
        termination = self._termination_files.get(container_id)
        if termination is not None:
            termination.unlink(missing_ok=True)
        self._forget(container_id)
        self._pod_of.pop(container_id, None)

    def _settle(self, container: ContainerSnapshot) -> None:
        """An exited container never changes: kept as it is, its exit event no longer needed."""
        self._final[container.id] = container
        self._exits.pop(container.id, None)
        self._watch.discard(container.id)

    def _forget(self, container_id: str) -> None:
        self._final.pop(container_id, None)
        self._running.pop(container_id, None)
        self._exits.pop(container_id, None)
        self._oom.discard(container_id)
        self._watch.discard(container_id)
        self._termination_files.pop(container_id, None)

    # --- observation ------------------------------------------------------------------------

    def _changed(self, pod_uid: PodUID | None) -> None:
        """Something other than an exit we hold the event of happened to the pod: its next
        snapshot is listed."""
        if pod_uid is not None:
            self._changes[pod_uid] = next(self._change_numbers)
            self._listed.pop(pod_uid, None)

    @contextlib.contextmanager
    def _changing(self, pod_uid: PodUID | None) -> Iterator[None]:
        """A call that changes the pod: a listing made meanwhile may show it half done."""
        self._changed(pod_uid)
        try:
            yield
        finally:
            self._changed(pod_uid)

    def _listed_snapshot(self, pod_uid: PodUID) -> PodSnapshot | None:
        """The last listing with the exits since applied from their events, when nothing else
        changed: an init container's exit is then handed over without a round trip to
        containerd (each millisecond before StartContainer is one more of the gap, measured).
        None when a listing is needed."""
        snapshot = self._listed.get(pod_uid)
        if snapshot is None:
            return None
        running = {c.id for c in snapshot.containers if c.state is ContainerState.RUNNING}
        if any(self._pod_of.get(cid) == pod_uid and cid not in running for cid in self._exits):
            return None
        containers: list[ContainerSnapshot] = []
        settled: list[ContainerSnapshot] = []
        for listed_container in snapshot.containers:
            if listed_container.state is not ContainerState.RUNNING:
                containers.append(listed_container)
                continue
            final = self._final.get(listed_container.id)
            event = self._exits.get(listed_container.id)
            if final is None and event is not None:
                termination = self._termination_files.get(listed_container.id)
                if termination is None:  # adopted: the path is in the status only
                    return None
                final = _exited_by_event(
                    listed_container,  # listed running: its start time and image are known
                    event,
                    started_at=listed_container.started_at,
                    image_id=listed_container.image_id,
                    message=_read_termination_file(termination),
                )
                settled.append(final)
            containers.append(listed_container if final is None else final)
        for container in settled:
            self._settle(container)
        return PodSnapshot(sandboxes=snapshot.sandboxes, containers=tuple(containers))

    async def pod_snapshot(self, pod_uid: PodUID) -> PodSnapshot:
        served = self._listed_snapshot(pod_uid)
        if served is not None:
            return served
        changes = self._changes.get(pod_uid, 0)
        snapshot = await self._list_snapshot(pod_uid)
        if not snapshot.sandboxes and not snapshot.containers:
            # gone (or not there yet): nothing kept for it; numbers only grow, so a listing
            # still on its way cannot match a change forgotten here
            self._changes.pop(pod_uid, None)
            self._listed.pop(pod_uid, None)
        elif self._changes.get(pod_uid, 0) == changes:
            self._listed[pod_uid] = snapshot  # nothing changed while it was being listed
        return snapshot

    async def _list_snapshot(self, pod_uid: PodUID) -> PodSnapshot:
        selector = {convert.POD_UID: pod_uid, convert.OWNER: self.owner}
        # independent calls, made at once: a snapshot is on every init hand-over's path, and
        # the statuses it will read are known before the listing (see `_statuses_wanted`)
        listed_sandboxes, listed_containers, prefetched = await asyncio.gather(
            self._list_sandboxes(selector),
            self._list_containers(selector),
            self._prefetch_statuses(self._statuses_wanted(pod_uid)),
        )
        sandboxes: list[SandboxSnapshot] = []
        for sandbox in listed_sandboxes:
            self._sandbox_pod[sandbox.id] = pod_uid
            sandboxes.append(convert.sandbox_snapshot(sandbox))
        for item in listed_containers:
            self._pod_of[item.id] = pod_uid
        found = await asyncio.gather(
            *(
                self._snapshot_container(item, prefetched.get(item.id))
                for item in listed_containers
            ),
            return_exceptions=True,
        )
        containers: list[ContainerSnapshot] = []
        for result in found:
            if isinstance(result, contract.NotFound):
                continue  # removed meanwhile
            if isinstance(result, BaseException):
                raise result
            containers.append(result)
        return PodSnapshot(sandboxes=tuple(sandboxes), containers=tuple(containers))

    async def _prefetch_statuses(self, wanted: list[str]) -> dict[str, pb.ContainerStatus]:
        """The statuses that could be read (a failure is met again when read on its own)."""
        statuses = await asyncio.gather(
            *(self._container_status(cid) for cid in wanted), return_exceptions=True
        )
        return {
            cid: status
            for cid, status in zip(wanted, statuses, strict=True)
            if isinstance(status, pb.ContainerStatus)
        }

    def _statuses_wanted(self, pod_uid: PodUID) -> list[str]:
        """The pod's containers whose status a snapshot reads: those with an exit event and no
        final snapshot yet, and those started whose start time is not known yet."""
        started = [cid for cid in self._watch if cid not in self._running]
        wanted = dict.fromkeys([*self._exits, *started])
        return [cid for cid in wanted if self._pod_of.get(cid) == pod_uid]

    async def _snapshot_container(
        self, item: pb.Container, prefetched: pb.ContainerStatus | None
    ) -> ContainerSnapshot:
        cid = item.id
        final = self._final.get(cid)
        if final is not None:
            return final
        base = convert.container_base(item)
        exit_event = self._exits.get(cid)
        if base.state is ContainerState.EXITED or exit_event is not None:
            status = prefetched if prefetched is not None else await self._container_status(cid)
            if status.state == pb.CONTAINER_EXITED:
                snapshot = self._exited(base, status)
            elif exit_event is not None:
                snapshot = _exited_by_event(
                    base,
                    exit_event,
                    started_at=convert.from_nanos(status.started_at),
                    image_id=status.image_ref or base.image_id,
                    message=self._termination_message(status),
                )
            else:
                return base
            self._settle(snapshot)
            return snapshot
        if base.state is ContainerState.RUNNING:
            self._watch.add(cid)
            known = self._running.get(cid)
            if known is None:
                status = (
                    prefetched
                    if prefetched is not None and prefetched.state == pb.CONTAINER_RUNNING
                    else await self._container_status(cid)  # read before the start was done
                )
                known = (convert.from_nanos(status.started_at), status.image_ref)
                self._running[cid] = known
            started_at, image_ref = known
            return msgspec.structs.replace(base, started_at=started_at, image_id=image_ref)
        return base

    def _exited(self, base: ContainerSnapshot, status: pb.ContainerStatus) -> ContainerSnapshot:
        """`toKubeContainerStatus` + the termination message appended to the status message."""
        message = status.message
        written = self._termination_message(status)
        if written:
            message = f"{message}: {written}" if message else written
        return msgspec.structs.replace(
            base,
            state=ContainerState.EXITED,
            image_id=status.image_ref or base.image_id,
            started_at=_not_after(
                convert.from_nanos(status.started_at), convert.from_nanos(status.finished_at)
            ),
            finished_at=convert.from_nanos(status.finished_at),
            exit_code=status.exit_code,
            reason=status.reason or ("Completed" if status.exit_code == 0 else "Error"),
            message=message,
        )

    def _termination_message(self, status: pb.ContainerStatus) -> str:
        """`getTerminationMessage`: the host file mounted at terminationMessagePath."""
        path = status.annotations.get(convert.TERMINATION_MESSAGE_PATH, "")
        if not path:
            return ""
        for mount in status.mounts:
            if mount.container_path == path:
                return _read_termination_file(Path(mount.host_path))
        return ""

    async def list_pods(self) -> tuple[PodUID, ...]:
        selector = {convert.OWNER: self.owner}
        uids: set[PodUID] = set()
        for sandbox in await self._list_sandboxes(selector):
            uid = PodUID(sandbox.labels.get(convert.POD_UID, ""))
            self._sandbox_pod[sandbox.id] = uid
            uids.add(uid)
        for container in await self._list_containers(selector):
            uid = PodUID(container.labels.get(convert.POD_UID, ""))
            self._pod_of[container.id] = uid
            uids.add(uid)
        uids.discard(PodUID(""))
        return tuple(sorted(uids))

    async def exec_sync(
        self, container_id: ContainerID, command: tuple[str, ...], *, timeout: float
    ) -> contract.ExecResult:
        request = pb.ExecSyncRequest(
            container_id=container_id,
            cmd=list(command),
            timeout=max(convert.timeout_seconds(timeout), 1),
        )
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            async with asyncio.timeout(timeout):
                response = await self._call(lambda: self._runtime.ExecSync(request))
        except contract.RuntimeFailure as exc:
            if isinstance(exc.__cause__, grpc.aio.AioRpcError) and (
                exc.__cause__.code() is grpc.StatusCode.DEADLINE_EXCEEDED
            ):
                raise TimeoutError(str(exc)) from exc
            raise
        return contract.ExecResult(
            exit_code=response.exit_code, stdout=response.stdout, stderr=response.stderr
        )

    async def exec_stream(
        self, container_id: ContainerID, command: tuple[str, ...], *, tty: bool, stdin: bool
    ) -> contract.ExecSession:
        """CRI `Exec`, then its streams over SPDY (`exec` module); returns once the command
        runs, raising StartFailed when it could not start."""
        if not command:
            raise contract.StartFailed("no command given")
        # containerd hands out a URL for an exited container too, failing only on the stream;
        # its status lags the exit event (module docstring), hence both checks here and the
        # stopped-state failures below
        not_running = contract.NotFound(f"container {container_id} is not running")
        if container_id in self._exits or container_id in self._final:
            raise not_running
        if (await self._container_status(container_id)).state != pb.CONTAINER_RUNNING:
            raise not_running
        sessions: list[CriExecSession] = []
        early: list[int] = []  # exec pids seen before the session existed

        def claims(pid: int) -> bool:
            if sessions:
                return sessions[0].on_exec_started(pid)
            early.append(pid)
            return False

        watchers = self._exec_watchers.setdefault(container_id, [])
        watchers.append(claims)

        def release() -> None:
            with contextlib.suppress(ValueError):
                watchers.remove(claims)
            if not watchers:
                self._exec_watchers.pop(container_id, None)

        request = pb.ExecRequest(
            container_id=container_id,
            cmd=list(command),
            tty=tty,
            stdin=stdin,
            stdout=True,
            stderr=not tty,
        )
        try:
            response = await self._call(lambda: self._runtime.Exec(request))
            session = await CriExecSession.open(
                response.url, command, tty=tty, stdin=stdin, release=release
            )
        except BaseException:
            release()
            raise
        sessions.append(session)
        for pid in early:
            if session.on_exec_started(pid):
                break
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CONFIRM_SECONDS):
                failure = await session.start_failure()
                if failure is not None:
                    await session.kill()
                    if any(sign in str(failure) for sign in _NOT_RUNNING_SIGNS):
                        raise not_running from failure
                    raise failure
        return session

    # --- images -----------------------------------------------------------------------------

    async def image_status(self, image: str) -> contract.ImageInfo | None:
        request = pb.ImageStatusRequest(image=pb.ImageSpec(image=image))
        try:
            response = await self._call(lambda: self._images.ImageStatus(request), retry=True)
        except contract.NotFound:
            return None
        if not response.HasField("image") or not response.image.id:
            return None
        return convert.image_info(response.image)

    async def pull_image(
        self, image: str, *, auth: contract.RegistryAuth | None
    ) -> contract.ImageInfo:
        request = pb.PullImageRequest(
            image=pb.ImageSpec(image=image),
            auth=convert.auth_config(auth) if auth is not None else None,
        )
        try:
            response = await self._images.PullImage(request)
        except grpc.aio.AioRpcError as exc:
            raise contract.RuntimeFailure(convert.go_error_text(exc)) from exc
        pulled = await self.image_status(response.image_ref)
        return pulled or contract.ImageInfo(id=response.image_ref)


def _details(exc: contract.RuntimeFailure) -> str:
    """The runtime's own words (the kubelet shows `status.Message()`, not the code)."""
    cause = exc.__cause__
    if isinstance(cause, grpc.aio.AioRpcError):
        return cause.details() or str(exc)
    return str(exc)


def _exited_by_event(
    container: ContainerSnapshot,
    event: task_events.TaskEvent,
    *,
    started_at: datetime.datetime | None,
    image_id: str,
    message: str,
) -> ContainerSnapshot:
    """What containerd's status will say in ~40 ms, from the exit event (see the module
    docstring); only exits other than SIGKILL get here, so the reason is plain."""
    return msgspec.structs.replace(
        container,
        state=ContainerState.EXITED,
        image_id=image_id,
        started_at=_not_after(started_at, event.exited_at),
        finished_at=event.exited_at,
        exit_code=event.exit_status,
        reason="Completed" if event.exit_status == 0 else "Error",
        message=message,
    )


def _read_termination_file(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TERMINATION_MESSAGE)
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


def _not_after(
    started: datetime.datetime | None, finished: datetime.datetime | None
) -> datetime.datetime | None:
    """containerd stamps the start after runc returns: a process that exits at once may
    seem to end before it started. It started no later than it ended."""
    if started is None or finished is None:
        return started
    return min(started, finished)
