"""ProcessRuntime: containers as host processes in Linux namespaces, each under a monitor.

State lives in files under `root`, so that the agent can die and come back:

    root/events.sock                    the agent's DGRAM socket: monitors say started/exited
    root/sandboxes/<id>/sandbox.json    pod identity, attempt, creation time
    root/sandboxes/<id>/holder/         monitor state of the sandbox's namespace holder
    root/containers/<id>/config.json    labels (pod, name, attempt, spec hash), sandbox, times
    root/containers/<id>/state/         monitor state: started, exit, control socket, spec

A sandbox is one small holder process (`sleep infinity` in new UTS and IPC namespaces, with the
pod's hostname); containers join those namespaces and get their own mount and PID namespaces
with the host's root seen through an overlay (writes stay private), the pod's volumes bound at
their mount paths. A sandbox whose holder is gone (host reboot) is NOT_READY: the core then
recreates it and re-runs the init containers, as the kubelet does after a sandbox loss.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import shutil
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tinykube import __version__
from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import (
    ContainerSnapshot,
    ContainerState,
    PodSnapshot,
    SandboxSnapshot,
    SandboxState,
)
from tinykube.runtime import contract
from tinykube.runtime.process import cgroups, monitor
from tinykube.runtime.process import exec as process_exec

DEFAULT_PATH = process_exec.DEFAULT_PATH
HOLDER_COMMAND = ("sleep", "infinity")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _parse(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)


def _monitor_id(state_dir: Path) -> str:
    """The id a monitor reports itself with, from its state directory."""
    if state_dir.name == "holder":
        return f"sandbox-{state_dir.parent.name}"
    return state_dir.parent.name


class _EventProtocol(asyncio.DatagramProtocol):
    def __init__(self, runtime: ProcessRuntime) -> None:
        self.runtime = runtime

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.runtime._on_datagram(data)


class ProcessRuntime:
    """The embedded default runtime (see the module docstring)."""

    name = "tinykube"
    version = __version__
    image_service: contract.ImageService | None = None  # runs commands, not images

    def __init__(self, root: Path, *, new_pid_namespace: bool = True) -> None:
        self.root = root
        self.sandboxes_dir = root / "sandboxes"
        self.containers_dir = root / "containers"
        self.new_pid_namespace = new_pid_namespace
        self.cgroups = cgroups.CgroupManager()
        self.is_root = os.geteuid() == 0
        self.warnings: list[str] = []
        if not self.cgroups.available:
            self.warnings.append(f"cpu and memory limits are not enforced: {self.cgroups.problem}")
        if not self.is_root:
            self.warnings.append(
                "not root: containers run without mount, PID and UTS namespaces and volumes "
                "are not bound at their mount paths"
            )
        self._binary: Path | None = None
        self._events: asyncio.Queue[contract.RuntimeEvent] = asyncio.Queue()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._pod_of: dict[str, PodUID] = {}
        # pod -> its sandbox and container ids (insertion-ordered sets), so that a pod's
        # snapshot costs what the pod has, not what the whole node has
        self._pod_sandboxes: dict[PodUID, dict[str, None]] = {}
        self._pod_containers: dict[PodUID, dict[str, None]] = {}
        self._final: dict[str, ContainerSnapshot] = {}  # exited containers never change
        self._started: dict[str, monitor.StartRecord] = {}
        self._configs: dict[str, dict[str, Any]] = {}  # config.json never changes
        self._log_dirs: set[str] = set()
        self._transport: asyncio.DatagramTransport | None = None
        self._exit_watches: dict[str, int] = {}  # monitor id -> pidfd

    # --- lifecycle --------------------------------------------------------------------------

    async def open(self) -> None:
        self.sandboxes_dir.mkdir(parents=True, exist_ok=True)
        self.containers_dir.mkdir(parents=True, exist_ok=True)
        self._binary = await asyncio.to_thread(monitor.monitor_binary)
        sock_path = self.root / "events.sock"
        with contextlib.suppress(FileNotFoundError):
            sock_path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with monitor.unix_address(sock_path) as address:
            sock.bind(address)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _EventProtocol(self), sock=sock)
        self._transport = transport
        for directory in self.sandboxes_dir.iterdir():
            sandbox = self._sandbox_config(directory.name)
            if sandbox is not None:
                self._index(self._pod_sandboxes, PodUID(sandbox["pod_uid"]), directory.name)
        for directory in self.containers_dir.iterdir():
            config = self._container_config(directory.name)
            if config is not None:
                self._pod_of[directory.name] = PodUID(config["pod_uid"])
                self._index(self._pod_containers, PodUID(config["pod_uid"]), directory.name)

    @staticmethod
    def _index(index: dict[PodUID, dict[str, None]], uid: PodUID, item: str) -> None:
        index.setdefault(uid, {})[item] = None

    @staticmethod
    def _unindex(index: dict[PodUID, dict[str, None]], uid: PodUID, item: str) -> None:
        items = index.get(uid)
        if items is not None:
            items.pop(item, None)
            if not items:
                del index[uid]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        loop = asyncio.get_running_loop()
        for fd in self._exit_watches.values():
            loop.remove_reader(fd)
            os.close(fd)
        self._exit_watches.clear()

    def _watch_exit(self, monitor_id: str, state_dir: Path) -> None:
        """Notice a monitor's end through a pidfd, not only through its datagram.

        Monitors send with MSG_DONTWAIT and a unix datagram queue holds only
        net.unix.max_dgram_qlen datagrams (10 unless raised, as systemd does): a burst of
        exits while the loop is busy drops some. The pidfd turns readable when the monitor
        ends, which it does right after writing its exit record.
        """
        pid = monitor.monitor_pid(state_dir)
        if pid is None or monitor_id in self._exit_watches:
            return
        try:
            fd = os.pidfd_open(pid)
        except OSError:  # already gone (or no pidfd support): its state files tell
            return
        loop = asyncio.get_running_loop()

        def ended() -> None:
            loop.remove_reader(fd)
            os.close(fd)
            self._exit_watches.pop(monitor_id, None)
            self._on_datagram(f"exited {monitor_id}".encode())

        loop.add_reader(fd, ended)
        self._exit_watches[monitor_id] = fd

    def _on_datagram(self, data: bytes) -> None:
        parts = data.decode("utf-8", "replace").split()
        if len(parts) < 2:
            return
        kind, container_id = parts[0], parts[1]
        for waiter in self._waiters.pop(container_id, []):
            if not waiter.done():
                waiter.set_result(None)
        pod_uid = self._pod_of.get(container_id)
        if pod_uid is None:
            sandbox = self._sandbox_config_by_holder(container_id)
            if sandbox is None:
                return
            pod_uid = PodUID(sandbox["pod_uid"])
            event_kind = contract.EventKind.SANDBOX_CHANGED
        else:
            event_kind = (
                contract.EventKind.EXITED if kind == "exited" else contract.EventKind.STARTED
            )
        self._events.put_nowait(
            contract.RuntimeEvent(
                pod_uid=pod_uid,
                kind=event_kind,
                container_id=ContainerID(container_id),
                at=_now(),
            )
        )

    async def events(self) -> AsyncIterator[contract.RuntimeEvent]:
        while True:
            yield await self._events.get()

    def _waiter(self, container_id: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(container_id, []).append(future)
        return future

    # --- sandboxes --------------------------------------------------------------------------

    async def run_pod_sandbox(self, config: contract.SandboxConfig) -> SandboxID:
        sandbox_id = SandboxID(uuid.uuid4().hex)
        directory = self.sandboxes_dir / sandbox_id
        holder = directory / "holder"
        holder.mkdir(parents=True)
        _write_json(
            directory / "sandbox.json",
            {
                "pod_uid": config.pod.uid,
                "pod_name": config.pod.name,
                "pod_namespace": config.pod.namespace,
                "attempt": config.attempt,
                "created_at": _iso(_now()),
                "hostname": config.hostname,
                "holder_id": f"sandbox-{sandbox_id}",
            },
        )
        self._index(self._pod_sandboxes, config.pod.uid, sandbox_id)
        Path(config.log_directory).mkdir(parents=True, exist_ok=True)
        spec = monitor.MonitorSpec(
            container_id=f"sandbox-{sandbox_id}",
            state_dir=holder,
            log_path=holder / "holder.log",
            args=HOLDER_COMMAND,
            env=(("PATH", DEFAULT_PATH),),
            hostname=config.hostname if self.is_root else None,
            rootfs=monitor.RootFs.NONE,
            new_uts=self.is_root,
            new_ipc=self.is_root,
            notify_socket=self.root / "events.sock",
        )
        started = self._waiter(spec.container_id)
        await self._launch(spec, holder / "spec")
        self._watch_exit(spec.container_id, holder)
        await self._await_start(started, holder)
        return sandbox_id

    def _sandbox_config(self, sandbox_id: str) -> dict[str, Any] | None:
        cached = self._configs.get(sandbox_id)
        if cached is not None:
            return cached
        try:
            data: dict[str, Any] = json.loads(
                (self.sandboxes_dir / sandbox_id / "sandbox.json").read_text()
            )
        except (FileNotFoundError, ValueError, NotADirectoryError):
            return None
        self._configs[sandbox_id] = data
        return data

    def _sandbox_config_by_holder(self, holder_id: str) -> dict[str, Any] | None:
        if not holder_id.startswith("sandbox-"):
            return None
        return self._sandbox_config(holder_id.removeprefix("sandbox-"))

    def _sandbox_state(self, sandbox_id: str) -> tuple[SandboxState, int | None]:
        holder = self.sandboxes_dir / sandbox_id / "holder"
        key = f"sandbox-{sandbox_id}"
        started = self._started.get(key) or monitor.read_started(holder)
        if started is None or not monitor.monitor_alive(holder):
            return SandboxState.NOT_READY, None
        self._started[key] = started
        return SandboxState.READY, started.pid

    def _sandbox_containers(self, sandbox_id: SandboxID) -> list[ContainerID]:
        sandbox = self._sandbox_config(sandbox_id)
        if sandbox is None:
            return []
        return [
            ContainerID(container_id)
            for container_id in self._pod_containers.get(PodUID(sandbox["pod_uid"]), {})
            if (config := self._container_config(container_id)) is not None
            and config["sandbox_id"] == sandbox_id
        ]

    async def stop_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        for container_id in self._sandbox_containers(sandbox_id):
            await self.stop_container(container_id, timeout=0)
        holder = self.sandboxes_dir / sandbox_id / "holder"
        if not holder.exists():
            return
        state = monitor.read_state(holder)
        if state.exit is None and state.monitor_alive:
            exited = self._waiter(f"sandbox-{sandbox_id}")
            with contextlib.suppress(monitor.MonitorError):
                monitor.send_signal(holder, signal.SIGKILL)
            await self._await_exit(exited, holder, timeout=5.0)

    async def remove_pod_sandbox(self, sandbox_id: SandboxID) -> None:
        await self.stop_pod_sandbox(sandbox_id)
        for container_id in self._sandbox_containers(sandbox_id):  # as RemovePodSandbox does
            await self.remove_container(container_id)
        sandbox = self._sandbox_config(sandbox_id)
        if sandbox is not None:
            self._unindex(self._pod_sandboxes, PodUID(sandbox["pod_uid"]), sandbox_id)
        self._configs.pop(sandbox_id, None)
        self._started.pop(f"sandbox-{sandbox_id}", None)
        shutil.rmtree(self.sandboxes_dir / sandbox_id, ignore_errors=True)

    # --- containers -------------------------------------------------------------------------

    def _container_config(self, container_id: str) -> dict[str, Any] | None:
        cached = self._configs.get(container_id)
        if cached is not None:
            return cached
        try:
            data: dict[str, Any] = json.loads(
                (self.containers_dir / container_id / "config.json").read_text()
            )
        except (FileNotFoundError, ValueError, NotADirectoryError):
            return None
        self._configs[container_id] = data
        return data

    async def create_container(
        self, sandbox_id: SandboxID, config: contract.ContainerConfig
    ) -> ContainerID:
        if not config.command:
            raise contract.ConfigError(
                "the process runtime runs a container's command on the host and cannot run "
                f"the entrypoint of image {config.image!r}: set command"
            )
        sandbox = self._sandbox_config(sandbox_id)
        if sandbox is None:
            raise contract.NotFound(f"sandbox {sandbox_id} not found")
        container_id = ContainerID(uuid.uuid4().hex)
        directory = self.containers_dir / container_id
        os.mkdir(directory)
        os.mkdir(directory / "state")
        log_dir = os.path.dirname(config.log_path)
        if log_dir not in self._log_dirs:
            os.makedirs(log_dir, exist_ok=True)
            self._log_dirs.add(log_dir)
        env = dict(config.env)
        env.setdefault("PATH", DEFAULT_PATH)
        env.setdefault("HOSTNAME", sandbox["hostname"])
        data = {
            "pod_uid": config.pod.uid,
            "pod_name": config.pod.name,
            "pod_namespace": config.pod.namespace,
            "name": config.name,
            "attempt": config.attempt,
            "spec_hash": config.spec_hash,
            "image": config.image,
            "sandbox_id": sandbox_id,
            "created_at": _iso(_now()),
            "log_path": config.log_path,
            "argv": [*config.command, *config.args],
            "env": sorted(env.items()),
            "working_dir": config.working_dir,
            "mounts": [[m.host_path, m.container_path, m.read_only] for m in config.mounts],
            "uid": config.run_as_user,
            "gid": config.run_as_group,
            "groups": list(config.supplemental_groups),
            "resources": {
                "cpu_shares": config.resources.cpu_shares,
                "cpu_quota": config.resources.cpu_quota,
                "cpu_period": config.resources.cpu_period,
                "memory_limit_bytes": config.resources.memory_limit_bytes,
            },
            "termination_message_path": config.termination_message_path,
            "prepared": config.prepared,
        }
        # A fresh directory: no reader can see a half-written file under its final name
        # before the id is returned, and a crash leaves an unparseable file that is ignored.
        with open(directory / "config.json", "w") as file:
            json.dump(data, file)
        self._configs[container_id] = data
        self._pod_of[container_id] = config.pod.uid
        self._index(self._pod_containers, config.pod.uid, container_id)
        return container_id

    async def start_container(self, container_id: ContainerID) -> None:
        config = self._container_config(container_id)
        if config is None:
            raise contract.NotFound(f"container {container_id} not found")
        state_dir = self.containers_dir / container_id / "state"
        _, holder_pid = self._sandbox_state(config["sandbox_id"])
        if holder_pid is None:
            raise contract.StartFailed(f"sandbox {config['sandbox_id']} is not ready")
        resources = contract.LinuxResources(**config["resources"])
        group = cgroups.ContainerCgroup(procs_files=(), memory_dir=None)
        if resources != contract.LinuxResources():  # BestEffort containers need no cgroup
            try:
                group = self.cgroups.create(config["pod_uid"], container_id, resources)
            except OSError as exc:
                raise contract.StartFailed(
                    f"creating the container's cgroup failed: {exc}"
                ) from exc
        join: tuple[Path, ...] = ()
        if self.is_root:
            join = (Path(f"/proc/{holder_pid}/ns/uts"), Path(f"/proc/{holder_pid}/ns/ipc"))
        spec = monitor.MonitorSpec(
            container_id=container_id,
            state_dir=state_dir,
            log_path=Path(config["log_path"]),
            args=tuple(config["argv"]),
            env=tuple((key, value) for key, value in config["env"]),
            workdir=config["working_dir"] or None,
            uid=config["uid"] if self.is_root else None,
            gid=config["gid"] if self.is_root else None,
            groups=tuple(config["groups"]) if self.is_root else (),
            cgroup_procs=group.procs_files,
            oom_cgroup=group.memory_dir,
            join_ns=join,
            rootfs=monitor.RootFs.HOST_OVERLAY if self.is_root else monitor.RootFs.NONE,
            mounts=tuple(
                monitor.Mount(source=Path(host), destination=target, read_only=read_only)
                for host, target, read_only in config["mounts"]
            )
            if self.is_root
            else (),
            new_pid=self.is_root and self.new_pid_namespace,
            notify_socket=self.root / "events.sock",
            term_message_path=config["termination_message_path"] or None,
        )
        started = self._waiter(container_id)
        await self._launch(spec, state_dir / "spec")
        self._watch_exit(container_id, state_dir)
        await self._await_start(started, state_dir)
        state = monitor.read_state(state_dir)
        if state.started is None and state.exit is not None:
            raise contract.StartFailed(state.exit.message or "the container failed to start")

    async def _launch(self, spec: monitor.MonitorSpec, spec_path: Path) -> None:
        monitor.write_spec(spec, spec_path)
        assert self._binary is not None, "ProcessRuntime.open() was not called"
        # posix_spawn and a blocking wait: the launcher exits about a millisecond after its
        # monitor has detached, far cheaper than an asyncio subprocess and its watcher.
        launch_log = spec_path.with_name("launch.err")
        with (
            launch_log.open("wb") as errors,
            open(os.devnull, "rb") as devnull,
            open(os.devnull, "wb") as sink,
        ):
            pid = os.posix_spawn(
                str(self._binary),
                [str(self._binary), str(spec_path)],
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull.fileno(), 0),
                    (os.POSIX_SPAWN_DUP2, sink.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, errors.fileno(), 2),
                ],
            )
            _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            message = launch_log.read_text(errors="replace").strip()
            raise contract.StartFailed(message or f"monitor exit {code}")

    async def _await_start(
        self, notified: asyncio.Future[None], state_dir: Path, timeout: float = 10.0
    ) -> None:
        """Wait for the monitor's started/exited datagram, re-reading the state files at
        growing intervals in case the datagram was dropped (see `_watch_exit`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        interval = 0.005
        while True:
            if monitor.read_started(state_dir) is not None or monitor.read_exit(state_dir):
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if notified.done():
                notified = self._waiter(_monitor_id(state_dir))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, interval)):
                    await asyncio.shield(notified)
            interval = min(interval * 2, 0.1)

    async def _await_exit(
        self, notified: asyncio.Future[None], state_dir: Path, *, timeout: float
    ) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = monitor.read_state(state_dir)
            if state.exit is not None or not state.monitor_alive:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            # the exit datagram wakes us; the bounded wait re-reads the files as a safety net
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 1.0)):
                    await asyncio.shield(notified)
            if notified.done():
                notified = self._waiter(_monitor_id(state_dir))

    async def stop_container(self, container_id: ContainerID, *, timeout: float) -> None:
        state_dir = self.containers_dir / container_id / "state"
        if not state_dir.exists():
            raise contract.NotFound(f"container {container_id} not found")
        state = monitor.read_state(state_dir)
        if state.exit is not None or not state.monitor_alive:
            return
        exited = self._waiter(container_id)
        if timeout > 0:
            with contextlib.suppress(monitor.MonitorError):
                monitor.send_signal(state_dir, signal.SIGTERM)
            if await self._await_exit(exited, state_dir, timeout=timeout):
                return
            exited = self._waiter(container_id)
        with contextlib.suppress(monitor.MonitorError):
            monitor.send_signal(state_dir, signal.SIGKILL)
        await self._await_exit(exited, state_dir, timeout=10.0)

    async def remove_container(self, container_id: ContainerID) -> None:
        config = self._container_config(container_id)
        directory = self.containers_dir / container_id
        if config is not None:
            self.cgroups.remove(config["pod_uid"], container_id)
        owner = self._pod_of.pop(container_id, None)
        if owner is not None:
            self._unindex(self._pod_containers, owner, container_id)
        self._final.pop(container_id, None)
        self._started.pop(container_id, None)
        self._configs.pop(container_id, None)
        shutil.rmtree(directory, ignore_errors=True)

    # --- observation ------------------------------------------------------------------------

    def _snapshot_container(self, container_id: str, config: dict[str, Any]) -> ContainerSnapshot:
        final = self._final.get(container_id)
        if final is not None:
            return final
        state_dir = self.containers_dir / container_id / "state"
        common: dict[str, Any] = {
            "id": ContainerID(container_id),
            "name": config["name"],
            "attempt": config["attempt"],
            "spec_hash": config["spec_hash"],
            "image": config["image"],
            "created_at": _parse(config["created_at"]) or _now(),
            "sandbox_id": SandboxID(config["sandbox_id"]),
            "prepared": config.get("prepared", False),
        }
        record = monitor.read_exit(state_dir)
        if record is None:
            started = self._started.get(container_id) or monitor.read_started(state_dir)
            if started is not None:
                self._started[container_id] = started
                if monitor.monitor_alive(state_dir):
                    return ContainerSnapshot(
                        **common, state=ContainerState.RUNNING, started_at=started.started_at
                    )
                record = monitor.read_exit(state_dir)  # it may have exited just now
                if record is None:
                    return ContainerSnapshot(
                        **common, state=ContainerState.UNKNOWN, started_at=started.started_at
                    )
            elif monitor.monitor_pid(state_dir) is not None and not monitor.monitor_alive(
                state_dir
            ):
                record = monitor.read_exit(state_dir)
                if record is None:
                    return ContainerSnapshot(**common, state=ContainerState.UNKNOWN)
            else:
                return ContainerSnapshot(**common, state=ContainerState.CREATED)
        started = self._started.get(container_id)
        message = record.message
        if not message:
            message = monitor.read_termination_message(state_dir) or ""
        snapshot = ContainerSnapshot(
            **common,
            state=ContainerState.EXITED,
            started_at=record.started_at or (started.started_at if started else None),
            finished_at=record.finished_at,
            exit_code=record.exit_code,
            reason=str(record.reason),
            message=message,
        )
        self._final[container_id] = snapshot
        return snapshot

    async def pod_snapshot(self, pod_uid: PodUID) -> PodSnapshot:
        sandboxes: list[SandboxSnapshot] = []
        for sandbox_id in list(self._pod_sandboxes.get(pod_uid, ())):
            config = self._sandbox_config(sandbox_id)
            if config is None:
                continue
            state, _ = self._sandbox_state(sandbox_id)
            sandboxes.append(
                SandboxSnapshot(
                    id=SandboxID(sandbox_id),
                    attempt=config["attempt"],
                    state=state,
                    created_at=_parse(config["created_at"]) or _now(),
                )
            )
        containers = [
            self._snapshot_container(container_id, config)
            for container_id in list(self._pod_containers.get(pod_uid, ()))
            if (config := self._container_config(container_id)) is not None
        ]
        return PodSnapshot(sandboxes=tuple(sandboxes), containers=tuple(containers))

    async def list_pods(self) -> tuple[PodUID, ...]:
        return tuple(sorted({*self._pod_containers, *self._pod_sandboxes}))

    async def exec_stream(
        self, container_id: ContainerID, command: tuple[str, ...], *, tty: bool, stdin: bool
    ) -> contract.ExecSession:
        config = self._container_config(container_id)
        if config is None:
            raise contract.NotFound(f"container {container_id} not found")
        state_dir = self.containers_dir / container_id / "state"
        started = monitor.read_started(state_dir)
        if (
            started is None
            or monitor.read_exit(state_dir) is not None
            or not monitor.monitor_alive(state_dir)
        ):
            raise contract.NotFound(f"container {container_id} is not running")
        target = process_exec.ExecTarget(
            pid=started.pid,
            env=tuple((key, value) for key, value in config["env"]),
            working_dir=config["working_dir"],
            uid=config["uid"] if self.is_root else None,
            gid=config["gid"] if self.is_root else None,
            enter_namespaces=self.is_root,
            cgroup_procs=process_exec.container_cgroup_procs(
                self.cgroups, config["pod_uid"], container_id
            ),
        )
        return await process_exec.start_exec(target, command, tty=tty, stdin=stdin)

    async def exec_sync(
        self, container_id: ContainerID, command: tuple[str, ...], *, timeout: float
    ) -> contract.ExecResult:
        config = self._container_config(container_id)
        if config is None:
            raise contract.NotFound(f"container {container_id} not found")
        state = monitor.read_state(self.containers_dir / container_id / "state")
        if state.started is None or state.exit is not None:
            raise contract.RuntimeFailure(f"container {container_id} is not running")
        argv = ["env", "-i", *(f"{key}={value}" for key, value in config["env"]), *command]
        if self.is_root:
            nsenter = ["nsenter", "-t", str(state.started.pid), "-m", "-u", "-i", "-p", "-w"]
            if config["uid"] is not None:
                nsenter += ["-S", str(config["uid"])]
            if config["gid"] is not None:
                nsenter += ["-G", str(config["gid"])]
            argv = [*nsenter, "--", *argv]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            async with asyncio.timeout(timeout):
                stdout, stderr = await process.communicate()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            raise
        return contract.ExecResult(
            exit_code=process.returncode if process.returncode is not None else -1,
            stdout=stdout,
            stderr=stderr,
        )
