"""The composition root: settings in, a store, a runtime and an agent out.

`run_pods` is what `tinykube run` does: put admitted objects into a MemoryStore, schedule the
pods onto this node (uid, creation time, nodeName, the scheduler's `Scheduled` event), run the
agent until every pod has terminated or `stop` is set (then pods are deleted gracefully), and
return the final pods.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import logging
import os
import shutil
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Union

import msgspec

from tinykube.agent import containers, volumes
from tinykube.agent import recorder as recorder_module
from tinykube.agent.clock import Clock, SystemClock
from tinykube.agent.executor import NodeSettings
from tinykube.agent.recorder import Recorder
from tinykube.agent.retention import RetentionSettings
from tinykube.agent.running import Agent
from tinykube.api.meta import ObjectMeta, ObjectReference
from tinykube.api.objects import ConfigMap, Event, EventSource, Secret
from tinykube.api.pod import Pod
from tinykube.api.status import PodCondition, PodStatus
from tinykube.api.wire import Wire
from tinykube.core import admission, restart
from tinykube.core.ids import PodUID, SandboxID
from tinykube.runtime import contract as runtime_contract
from tinykube.runtime.cri import endpoint as cri_endpoint
from tinykube.store.contract import PodMethods
from tinykube.store.memory import MemoryStore

if TYPE_CHECKING:
    from tinykube.runtime.cri.runtime import CriRuntime
    from tinykube.runtime.process.runtime import ProcessRuntime

log = logging.getLogger("tinykube")


class RunSettings(msgspec.Struct, frozen=True, kw_only=True):
    state_dir: Path
    runtime: str = "process"  # or "cri"
    cri_endpoint: str = cri_endpoint.DEFAULT_ENDPOINT
    cri_owner: str = ""  # the owner label of the run's CRI objects; "" = a fresh one
    backoff: restart.BackoffSettings = msgspec.field(default_factory=restart.BackoffSettings)
    node_name: str = ""
    host_ip: str = "127.0.0.1"
    cleanup: bool = True  # remove containers, sandboxes and volumes when the run ends


def node_name() -> str:
    return socket.gethostname().lower() or "localhost"


def schedule(pod: Pod, *, node: str, now: datetime.datetime) -> Pod:
    """What the apiserver and scheduler add before the kubelet sees a pod."""
    meta = msgspec.structs.replace(
        pod.metadata,
        uid=pod.metadata.uid or str(uuid.uuid4()),
        creation_timestamp=pod.metadata.creation_timestamp or now,
        generation=pod.metadata.generation or 1,
    )
    spec = msgspec.structs.replace(pod.spec, node_name=pod.spec.node_name or node)
    status = PodStatus(
        phase="Pending",
        conditions=(PodCondition(type="PodScheduled", status="True", last_transition_time=now),),
        qos_class=pod.status.qos_class,
    )
    return msgspec.structs.replace(pod, metadata=meta, spec=spec, status=status)


class PodRun(msgspec.Struct):
    """One `tinykube run`: objects in, final pods out."""

    settings: RunSettings
    clock: Clock = msgspec.field(default_factory=SystemClock)
    store: MemoryStore = msgspec.field(default_factory=MemoryStore)
    runtime_warnings: list[str] = msgspec.field(default_factory=list)
    _done: asyncio.Event = msgspec.field(default_factory=asyncio.Event)
    _remaining: set[PodUID] = msgspec.field(default_factory=set)

    def load(self, objects: list[Wire]) -> list[Pod]:
        node = self.settings.node_name or node_name()
        now = self.clock.now()
        pods: list[Pod] = []
        for obj in objects:
            if isinstance(obj, ConfigMap):
                self.store.add_config_map(obj)
            elif isinstance(obj, Secret):
                self.store.add_secret(obj)
        for obj in objects:
            if isinstance(obj, Pod):
                pod = self.store.add_pod(schedule(obj, node=node, now=now))
                pods.append(pod)
        return pods

    def _terminated(self, uid: PodUID) -> None:
        self._remaining.discard(uid)
        if not self._remaining:
            self._done.set()

    async def run(
        self,
        *,
        stop: asyncio.Event,
        on_start: Callable[[], None] = lambda: None,
    ) -> list[Pod]:
        state = self.settings.state_dir
        runtime = await open_runtime(
            self.settings.runtime,
            state=runtime_dir(state),
            cri_endpoint=self.settings.cri_endpoint,
            owner=self.settings.cri_owner or f"run-{uuid.uuid4().hex[:12]}",
        )
        self.runtime_warnings.extend(runtime.warnings)
        uids = [PodUID(uid) for uid in self.store.pods]
        head_starts = {uid: self._begin_sandbox(runtime, uid) for uid in uids}
        node = self.settings.node_name or node_name()
        recorder = Recorder(sink=self.store.put_event, clock=self.clock, node_name=node)
        agent = build_agent(
            self.store,
            runtime,
            recorder,
            clock=self.clock,
            base_dir=state,
            host_ip=self.settings.host_ip,
            backoff=self.settings.backoff,
            on_pod_terminated=self._terminated,
        )
        self._remaining = set(uids)
        for uid in uids:
            pod = self.store.get_pod(uid)
            _scheduled_event(recorder, pod, node)
            agent.add_pod(uid, sandbox_head_start=head_starts[uid])
        if not uids:
            self._done.set()
        on_start()
        try:
            async with asyncio.TaskGroup() as tg:
                agent_task = tg.create_task(agent.run())
                done = tg.create_task(self._done.wait())
                stopped = tg.create_task(stop.wait())
                await asyncio.wait({done, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not done.done():
                    self._delete_all()
                    for uid in uids:
                        agent.wake(uid)
                    await done
                stopped.cancel()
                agent_task.cancel()
        finally:
            recorder.flush()
            if head_starts:  # a sandbox still being created would escape the clean-up
                await asyncio.wait(head_starts.values())
            if self.settings.cleanup:
                for uid in uids:
                    await cleanup_pod(runtime, state, uid)
            await runtime.close()
            if self.settings.cleanup:
                remove_runtime_dir(state)
        return [self.store.get_pod(uid) for uid in uids]

    def _begin_sandbox(self, runtime: Runtime, uid: PodUID) -> asyncio.Task[SandboxID | None]:
        """Create the pod's sandbox while the agent is being built, as its first sync would.

        The sandbox takes containerd about 100 ms, most of it in other processes (the shim,
        runc, the pause container): that time now overlaps building the agent and its
        workers instead of following it."""
        config = containers.sandbox_config(
            self.store.get_pod(uid), logs_dir=agent_logs_dir(self.settings.state_dir), attempt=0
        )
        return asyncio.ensure_future(_sandbox_or_none(runtime, config))

    def _delete_all(self) -> None:
        now = self.clock.now()
        for uid, pod in list(self.store.pods.items()):
            if pod.metadata.deletion_timestamp is not None or uid not in self._remaining:
                continue
            grace = pod.spec.termination_grace_period_seconds
            meta = msgspec.structs.replace(
                pod.metadata,
                deletion_timestamp=now + datetime.timedelta(seconds=grace or 0),
                deletion_grace_period_seconds=grace if grace is not None else 30,
            )
            self.store.update_pod(msgspec.structs.replace(pod, metadata=meta))


async def _sandbox_or_none(
    runtime: Runtime, config: runtime_contract.SandboxConfig
) -> SandboxID | None:
    """None when the runtime could not: the pod's first sync tries again and reports why."""
    with contextlib.suppress(runtime_contract.RuntimeFailure):
        return await runtime.run_pod_sandbox(config)
    return None


def _scheduled_event(recorder: Recorder, pod: Pod, node: str) -> None:
    """The scheduler's `Scheduled` event (an events.k8s.io-style event, as kubectl shows it)."""
    now = recorder.clock.now()
    meta = pod.metadata
    recorder.sink(
        Event(
            kind="Event",
            api_version="v1",
            metadata=ObjectMeta(
                name=f"{meta.name}.{recorder_module.unix_nanos(now):x}",
                namespace=meta.namespace,
                creation_timestamp=now,
            ),
            involved_object=ObjectReference(
                kind="Pod",
                namespace=meta.namespace,
                name=meta.name,
                uid=meta.uid,
                api_version="v1",
            ),
            reason="Scheduled",
            message=f"Successfully assigned {meta.namespace}/{meta.name} to {node}",
            source=EventSource(component="default-scheduler"),
            type="Normal",
            event_time=now,
            action="Binding",
            reporting_component="default-scheduler",
            reporting_instance=f"default-scheduler-{node}",
        )
    )


Runtime = Union["ProcessRuntime", "CriRuntime"]


async def open_runtime(kind: str, *, state: Path, cri_endpoint: str, owner: str) -> Runtime:
    """The process runtime (state under `state`), or the CRI runtime at `cri_endpoint` whose
    sandboxes and containers carry `owner` (termination message files under `state`).

    Each is imported only when chosen: the CRI runtime brings the gRPC stack (a fifth of a
    second), which the process runtime does not need, and the other way round."""
    if kind == "cri":
        from tinykube.runtime.cri.runtime import CriRuntime  # noqa: PLC0415

        cri = CriRuntime(cri_endpoint, state_dir=state / "cri", owner=owner)
        await cri.open()
        return cri
    from tinykube.runtime.process.runtime import ProcessRuntime  # noqa: PLC0415

    process = ProcessRuntime(state)
    await process.open()
    return process


def agent_logs_dir(base_dir: Path) -> Path:
    """Where the agent of `build_agent(..., base_dir=base_dir)` keeps container logs."""
    return base_dir / "logs"


def build_agent(
    store: PodMethods,
    runtime: Runtime,
    recorder: Recorder,
    *,
    clock: Clock,
    base_dir: Path,
    host_ip: str,
    backoff: restart.BackoffSettings,
    on_pod_terminated: Callable[[PodUID], None],
) -> Agent:
    """The agent of `tinykube run` and `tinykube serve`: volumes and logs under `base_dir`."""
    return Agent(
        store=store,
        runtime=runtime,
        recorder=recorder,
        clock=clock,
        node=NodeSettings(
            node_name=recorder.node_name,
            host_ip=host_ip,
            pods_dir=base_dir / "pods",
            logs_dir=agent_logs_dir(base_dir),
            can_mount=os.geteuid() == 0,
            image_backoff=backoff,
        ),
        backoff_settings=backoff,
        on_pod_terminated=on_pod_terminated,
    )


def runtime_dir(state: Path) -> Path:
    """`state/runtime`, the process runtime's state: on a tmpfs under /run when possible.

    Monitors write a few small files per container start and exit; on tmpfs that costs
    microseconds instead of a disk's fraction of a millisecond. Like containerd's task state in
    /run, it survives the agent but not a reboot, after which no container runs anyway.
    """
    link = state / "runtime"
    if link.exists() or link.is_symlink():
        return link
    fast_root = next((root for root in (Path("/run"), Path("/dev/shm")) if _is_tmpfs(root)), None)
    if fast_root is not None:
        try:
            base = fast_root / f"tinykube-{os.geteuid()}"
            base.mkdir(mode=0o700, exist_ok=True)
            target = base / f"run-{uuid.uuid4().hex[:12]}"
            target.mkdir(mode=0o700)
            link.symlink_to(target)
            return link
        except OSError:
            pass
    link.mkdir(parents=True, exist_ok=True)
    return link


def _is_tmpfs(path: Path) -> bool:
    """Whether `path` is a writable directory on a tmpfs (per /proc/self/mounts)."""
    if not path.is_dir() or not os.access(path, os.W_OK):
        return False
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return False
    best, kind = "", ""
    resolved = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1]
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind == "tmpfs"


def remove_runtime_dir(state: Path) -> None:
    link = state / "runtime"
    if link.is_symlink():
        target = link.resolve()
        link.unlink()
        shutil.rmtree(target, ignore_errors=True)


async def cleanup_pod(runtime: runtime_contract.RuntimeService, state: Path, uid: PodUID) -> None:
    """Remove the pod's containers, sandboxes and volumes; what the runtime refuses to remove
    is said (it would be left running), and the rest is still removed."""
    snapshot = await runtime.pod_snapshot(uid)
    for container in snapshot.containers:
        try:
            await runtime.remove_container(container.id)
        except (runtime_contract.RuntimeFailure, OSError) as exc:
            log.warning("could not remove container %s of pod %s: %s", container.id, uid, exc)
    for sandbox in snapshot.sandboxes:
        try:
            await runtime.remove_pod_sandbox(sandbox.id)
        except (runtime_contract.RuntimeFailure, OSError) as exc:
            log.warning("could not remove pod sandbox %s of pod %s: %s", sandbox.id, uid, exc)
    volumes.unmount_volumes(state / "pods", uid)


# --- the daemon ------------------------------------------------------------------------------


class ServeSettings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path
    listen: str | None = None  # HOST:PORT served over TLS with the token; the unix socket always
    backoff: restart.BackoffSettings = msgspec.field(default_factory=restart.BackoffSettings)
    node_name: str = ""
    host_ip: str = "127.0.0.1"
    runtime: str = "process"  # or "cri"
    cri_endpoint: str = cri_endpoint.DEFAULT_ENDPOINT
    max_pods: int = admission.DEFAULT_MAX_PODS
    allocatable_milli_cpu: int | None = None  # None: this machine's cpus
    allocatable_memory: int | None = None  # None: MemTotal
    retention: RetentionSettings = msgspec.field(default_factory=RetentionSettings)
    drain_on_exit: bool = False  # on stop, delete every running pod gracefully first
    shutdown_grace: datetime.timedelta = datetime.timedelta(seconds=30)


def node_allocatable(settings: ServeSettings) -> admission.Allocatable:
    """What pods are admitted against: the machine's cpus and MemTotal, unless overridden.

    The kubelet subtracts its kube-reserved, system-reserved and hard eviction threshold
    (memory.available<100Mi) from capacity; tinykube reserves nothing and enforces no
    node-pressure eviction, so allocatable is the capacity.
    """
    milli_cpu = settings.allocatable_milli_cpu
    if milli_cpu is None:
        milli_cpu = (os.cpu_count() or 1) * 1000
    memory = settings.allocatable_memory
    if memory is None:
        memory = _mem_total()
    return admission.Allocatable(milli_cpu=milli_cpu, memory=memory, pods=settings.max_pods)


def _mem_total() -> int:
    """MemTotal of /proc/meminfo in bytes (0 if unreadable: nothing requesting memory fits)."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "MemTotal:" and fields[1].isdigit():
            return int(fields[1]) * 1024
    return 0


def default_data_dir() -> Path:
    """`/var/lib/tinykube` as root, else `$XDG_STATE_HOME/tinykube` (~/.local/state)."""
    if os.geteuid() == 0:
        return Path("/var/lib/tinykube")
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "tinykube"


def socket_path(data_dir: Path) -> Path:
    return data_dir / "tinykube.sock"


def daemon_owner(data_dir: Path) -> str:
    """The owner label of a daemon's CRI sandboxes and containers: the same across restarts
    (its pods are adopted), different for every data dir."""
    return f"daemon-{hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]}"


def daemon_runtime_dir(data_dir: Path) -> Path:
    """`data_dir/runtime`, a link to a tmpfs directory that belongs to this data dir.

    After a reboot the tmpfs is empty: the link is re-made to a fresh directory and every pod
    finds its sandbox gone, as the kubelet does after a sandbox loss.
    """
    link = data_dir / "runtime"
    fast_root = next((root for root in (Path("/run"), Path("/dev/shm")) if _is_tmpfs(root)), None)
    if fast_root is None:
        if link.is_symlink():
            link.unlink()
        link.mkdir(parents=True, exist_ok=True)
        return link
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    target = fast_root / f"tinykube-{os.geteuid()}" / f"daemon-{digest}"
    target.mkdir(parents=True, mode=0o700, exist_ok=True)
    if link.is_symlink() and link.resolve() == target.resolve():
        return link
    if link.is_symlink():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(target)
    return link


async def serve(
    settings: ServeSettings,
    *,
    stop: asyncio.Event,
    on_ready: Callable[[list[str]], None] = lambda addresses: None,
) -> None:
    """Run the daemon until `stop` is set: store, runtime, agent, controller and API."""
    from tinykube import pki  # noqa: PLC0415  (cryptography: only the daemon needs it)
    from tinykube.agent import draining, retention  # noqa: PLC0415
    from tinykube.agent.controller import PodController  # noqa: PLC0415
    from tinykube.server import app as api  # noqa: PLC0415
    from tinykube.server import discovery, nodes  # noqa: PLC0415
    from tinykube.store.sqlite import SqliteStore  # noqa: PLC0415

    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _make_private(data_dir)
    store = SqliteStore(data_dir / "tinykube.db")
    runtime = await open_runtime(
        settings.runtime,
        state=daemon_runtime_dir(data_dir),
        cri_endpoint=settings.cri_endpoint,
        owner=daemon_owner(data_dir),
    )
    for warning in runtime.warnings:
        log.warning("%s", warning)
    clock = SystemClock()
    node = settings.node_name or node_name()
    recorder = Recorder(sink=store.put_event, clock=clock, node_name=node)
    controller: PodController | None = None

    def worker_ended(uid: PodUID) -> None:
        if controller is not None:
            controller.worker_ended(uid)

    agent = build_agent(
        store,
        runtime,
        recorder,
        clock=clock,
        base_dir=data_dir,
        host_ip=settings.host_ip,
        backoff=settings.backoff,
        on_pod_terminated=worker_ended,
    )
    housekeeper = retention.Housekeeper(
        store=store,
        runtime=runtime,
        workers=agent.workers,
        logs_dir=data_dir / "logs",
        pods_dir=data_dir / "pods",
        clock=clock,
        settings=settings.retention,
    )

    def removed(pod: Pod) -> None:
        volumes.unmount_volumes(data_dir / "pods", pod.metadata.uid)
        housekeeper.forget(pod.metadata.uid)  # containers and logs go at once

    controller = PodController(
        store=store,
        agent=agent,
        runtime=runtime,
        node_name=node,
        on_bound=lambda pod: _scheduled_event(recorder, pod, node),
        on_removed=removed,
        allocatable=node_allocatable(settings),
    )
    credentials = None
    if settings.listen:
        host = settings.listen.rpartition(":")[0].strip("[]")
        credentials = pki.ensure_credentials(
            data_dir, hosts=_certificate_hosts(host, node), now=clock.now()
        )
    else:
        pki.record_address(data_dir, None)
    facts = nodes.gather_facts(
        name=node,
        data_dir=data_dir,
        max_pods=settings.max_pods,
        allocatable_milli_cpu=settings.allocatable_milli_cpu,
        allocatable_memory=settings.allocatable_memory,
        internal_ip=settings.host_ip,
        container_runtime_version=(
            f"{'containerd' if runtime.name == 'containerd' else 'process'}://{runtime.version}"
        ),
        kubelet_version=str(discovery.VERSION["gitVersion"]),
        now=clock.now(),
    )
    app = api.build_app(
        store,
        logs_dir=data_dir / "logs",
        exec_runtime=runtime,
        token=credentials.token if credentials is not None else None,
        node=facts,
    )
    addresses: list[str] = []
    expected = 2 if settings.listen else 1
    listening = asyncio.Event()

    def ready(address: str) -> None:
        addresses.append(address)
        if len(addresses) == expected:
            listening.set()

    sock = socket_path(data_dir)
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    try:
        async with asyncio.TaskGroup() as tg:
            # The API first: clients get answers (from the store) while pods are adopted.
            listeners = [api.Listener(unix_path=str(sock))]
            if settings.listen:
                assert credentials is not None
                host, _, port = settings.listen.rpartition(":")
                tls = pki.server_ssl_context(credentials)
                listeners.append(
                    api.Listener(host=host.strip("[]"), port=int(port), ssl_context=tls)
                )
            tg.create_task(api.serve_api(app, listeners=listeners, on_ready=ready))
            await listening.wait()
            tg.create_task(agent.run())
            await agent.wait_ready()
            tg.create_task(controller.run())
            tg.create_task(housekeeper.run())
            if settings.listen:
                served = next(a for a in addresses if a.startswith("https://"))
                pki.record_address(data_dir, _client_url(served))
            on_ready(addresses)
            await stop.wait()
            if settings.drain_on_exit:
                await draining.drain(controller, shutdown_grace=settings.shutdown_grace)
                await housekeeper.remove_forgotten()
            raise _Shutdown
    except* _Shutdown:
        pass
    finally:
        recorder.flush()
        await runtime.close()
        store.close()


def _make_private(data_dir: Path) -> None:
    """The data dir holds keys, the token and the socket: only its owner may enter it."""
    mode = data_dir.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s was mode %o; making it 0700", data_dir, mode)
        data_dir.chmod(0o700)


def _certificate_hosts(host: str, node: str) -> list[str]:
    """The names the serving certificate must cover besides loopback: the listen host, and for
    a wildcard listen address the node's name and the addresses it resolves to."""
    if host not in ("0.0.0.0", "::", ""):
        return [host]
    hosts = [node]
    with contextlib.suppress(OSError):
        hosts += socket.gethostbyname_ex(socket.gethostname())[2]
    return hosts


def _client_url(served: str) -> str:
    """The URL a local client uses for `served` (a wildcard address means loopback)."""
    return served.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:")


class _Shutdown(Exception):
    """Ends the daemon's task group on SIGTERM/SIGINT; pods keep running (a kubelet restart)
    unless the daemon drained them first (`ServeSettings.drain_on_exit`)."""
