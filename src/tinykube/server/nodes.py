"""The `nodes` resource: one read-only Node describing this machine, as its kubelet reports it.

`gather_facts` reads what the kubelet would report (cpu count, MemTotal, the size of the data
dir's filesystem, `--max-pods`, the kernel release, `/etc/os-release`, machine and boot ids) once
at start; `register` keeps the node's uid and creationTimestamp in `DATA_DIR/node.json`, so its
AGE counts from the first start, as a node's does from its registration. `build_node` is pure.

Served: `GET /api/v1/nodes` (list, label and field selectors, `watch`), `GET
/api/v1/nodes/{name}` and `GET /api/v1/nodes/{name}/status`, each as a Table when kubectl asks.
Allocatable equals capacity unless `--allocatable` narrows cpu or memory (what pods are admitted
against): tinykube reserves nothing for system daemons and has no node-pressure eviction, so
MemoryPressure, DiskPressure and PIDPressure stay False. The
conditions' `lastHeartbeatTime` is the time of the request (the daemon answering is its
heartbeat); `lastTransitionTime` is the daemon's start.

Writes (create, update, patch, delete, on the node or its status) are answered 405
MethodNotAllowed with the apiserver's generic message, as for a verb a resource does not
support, which kubectl prints as `Error from server (MethodNotAllowed): the server does not
allow this method on the requested resource`. Discovery lists only get, list and watch.

A watch sends the node as ADDED when it starts from no resourceVersion (or "0"); from any other
version nothing has changed, so it stays open without events until `timeoutSeconds` or until
the client leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import platform
import uuid
from pathlib import Path
from typing import Any, Final

import msgspec
from aiohttp import web

from tinykube.api import wire
from tinykube.api.meta import ObjectMeta
from tinykube.api.node import (
    DaemonEndpoint,
    Node,
    NodeAddress,
    NodeCondition,
    NodeDaemonEndpoints,
    NodeSpec,
    NodeStatus,
    NodeSystemInfo,
)
from tinykube.api.quantity import Format, Quantity
from tinykube.server import discovery, errors, resources, tables
from tinykube.store import contract, selectors

DEFAULT_MAX_PODS: Final = 110
RESOURCE: Final = "nodes"

_ARCHITECTURES: Final = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "i686": "386",
    "i386": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}

# The conditions a healthy kubelet posts, in its order, with its reasons and messages.
_CONDITIONS: Final = (
    (
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
    ),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


class NodeFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the node reports about this machine (gathered once, at the daemon's start)."""

    name: str
    uid: str
    created: datetime.datetime
    started: datetime.datetime
    cpus: int
    memory_bytes: int
    disk_bytes: int
    max_pods: int
    internal_ip: str
    kernel_version: str
    os_image: str
    architecture: str
    machine_id: str
    boot_id: str
    system_uuid: str
    container_runtime_version: str
    kubelet_version: str
    allocatable_milli_cpu: int | None = None  # None: all of `cpus`
    allocatable_memory: int | None = None  # None: all of `memory_bytes`


NODE_KEY: Final = web.AppKey("node", NodeFacts)


# --- facts (I/O) -----------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def memory_total_bytes(meminfo: str) -> int:
    """MemTotal from /proc/meminfo text, in bytes (0 when absent)."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            fields = line.split()
            if len(fields) >= 2 and fields[1].isdigit():
                unit = 1024 if fields[2:3] == ["kB"] else 1
                return int(fields[1]) * unit
    return 0


def os_image(os_release: str) -> str:
    """PRETTY_NAME from /etc/os-release text, as the kubelet reports it (else "Linux")."""
    for line in os_release.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "PRETTY_NAME":
            return value.strip().strip("\"'")
    return "Linux"


def register(path: Path, *, now: datetime.datetime) -> tuple[str, datetime.datetime]:
    """The node's uid and creation time, kept in `path` from the first start on."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        saved = json.loads(path.read_text())
        created = datetime.datetime.fromisoformat(saved["creationTimestamp"])
        return str(saved["uid"]), created
    uid = str(uuid.uuid4())
    created = now.replace(microsecond=0)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps({"uid": uid, "creationTimestamp": created.isoformat()}))
    temporary.replace(path)
    return uid, created


def gather_facts(
    *,
    now: datetime.datetime,
    name: str = "",
    data_dir: Path | None = None,
    max_pods: int = DEFAULT_MAX_PODS,
    internal_ip: str = "127.0.0.1",
    container_runtime_version: str = "",
    kubelet_version: str = "",
    allocatable_milli_cpu: int | None = None,
    allocatable_memory: int | None = None,
) -> NodeFacts:
    """Read this machine's facts (see the module docstring). Without `data_dir` the node is
    registered now (a fresh uid) and the root filesystem's size is reported."""
    if data_dir is not None:
        uid, created = register(data_dir / "node.json", now=now)
    else:
        uid, created = str(uuid.uuid4()), now.replace(microsecond=0)
    try:
        stats = os.statvfs(data_dir or "/")
        disk = stats.f_blocks * stats.f_frsize
    except OSError:
        disk = 0
    machine = platform.machine()
    return NodeFacts(
        name=name or platform.node().lower() or "localhost",
        uid=uid,
        created=created,
        started=now.replace(microsecond=0),
        cpus=os.cpu_count() or 1,
        memory_bytes=memory_total_bytes(_read("/proc/meminfo")),
        disk_bytes=disk,
        max_pods=max_pods,
        internal_ip=internal_ip,
        kernel_version=os.uname().release,
        os_image=os_image(_read("/etc/os-release") or _read("/usr/lib/os-release")),
        architecture=_ARCHITECTURES.get(machine, machine),
        machine_id=_read("/etc/machine-id"),
        boot_id=_read("/proc/sys/kernel/random/boot_id"),
        system_uuid=_read("/sys/class/dmi/id/product_uuid"),
        container_runtime_version=container_runtime_version or "process://tinykube",
        kubelet_version=kubelet_version or str(discovery.VERSION["gitVersion"]),
        allocatable_milli_cpu=allocatable_milli_cpu,
        allocatable_memory=allocatable_memory,
    )


# --- the object (pure) -----------------------------------------------------------------------


def build_node(facts: NodeFacts, *, resource_version: str, heartbeat: datetime.datetime) -> Node:
    """The Node as the kubelet would post it now."""
    capacity = {
        "cpu": Quantity.of(facts.cpus),
        "ephemeral-storage": Quantity.of(facts.disk_bytes, Format.BINARY_SI),
        "memory": Quantity.of(facts.memory_bytes, Format.BINARY_SI),
        "pods": Quantity.of(facts.max_pods),
    }
    allocatable = dict(capacity)
    if facts.allocatable_milli_cpu is not None:
        milli = facts.allocatable_milli_cpu
        allocatable["cpu"] = (
            Quantity.of(milli // 1000) if milli % 1000 == 0 else Quantity.milli(milli)
        )
    if facts.allocatable_memory is not None:
        allocatable["memory"] = Quantity.of(facts.allocatable_memory, Format.BINARY_SI)
    labels = {
        "beta.kubernetes.io/arch": facts.architecture,
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": facts.architecture,
        "kubernetes.io/hostname": facts.name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/control-plane": "",
    }
    heartbeat = heartbeat.replace(microsecond=0)
    return Node(
        kind="Node",
        api_version="v1",
        metadata=ObjectMeta(
            name=facts.name,
            uid=facts.uid,
            resource_version=resource_version,
            creation_timestamp=facts.created,
            labels=labels,
        ),
        spec=NodeSpec(),
        status=NodeStatus(
            capacity=capacity,
            allocatable=allocatable,
            conditions=tuple(
                NodeCondition(
                    type=kind,
                    status=status,
                    last_heartbeat_time=heartbeat,
                    last_transition_time=facts.started,
                    reason=reason,
                    message=message,
                )
                for kind, status, reason, message in _CONDITIONS
            ),
            addresses=(
                NodeAddress(type="InternalIP", address=facts.internal_ip),
                NodeAddress(type="Hostname", address=facts.name),
            ),
            daemon_endpoints=NodeDaemonEndpoints(kubelet_endpoint=DaemonEndpoint(port=0)),
            node_info=NodeSystemInfo(
                machine_id=facts.machine_id,
                system_uuid=facts.system_uuid,
                boot_id=facts.boot_id,
                kernel_version=facts.kernel_version,
                os_image=facts.os_image,
                container_runtime_version=facts.container_runtime_version,
                kubelet_version=facts.kubelet_version,
                operating_system="linux",
                architecture=facts.architecture,
            ),
        ),
    )


# --- handlers --------------------------------------------------------------------------------


def _now(request: web.Request) -> datetime.datetime:
    return request.app[resources.CLOCK_KEY]()


def _current(request: web.Request) -> tuple[Node, str]:
    """The node now, and the store's resourceVersion (what lists and watches are relative to)."""
    version = request.app[resources.STORE_KEY].current_resource_version()
    node = build_node(request.app[NODE_KEY], resource_version=version, heartbeat=_now(request))
    return node, version


def _not_found(name: str) -> errors.ApiError:
    return errors.ApiError(
        404, "NotFound", f'{RESOURCE} "{name}" not found', {"name": name, "kind": RESOURCE}
    )


def _wants_table(request: web.Request) -> bool:
    return tables.wants_table(request.headers.get("Accept", ""))


def _table(request: web.Request, nodes: list[Node], version: str) -> Any:
    return table_of(request, "Node", nodes, version)


def table_of(request: web.Request, kind: str, objects: list[Any], version: str) -> dict[str, Any]:
    """`objects` as the Table kubectl asks for (`includeObject`), at the request's time."""
    return tables.table(
        kind,
        objects,
        now=_now(request),
        include=request.query.get("includeObject", "Metadata"),
        list_meta={"resourceVersion": version},
    )


def matching(request: web.Request, kind: str, obj: Any) -> bool:
    """Whether `obj` matches the request's label and field selectors (400 for a bad one)."""
    try:
        selector = selectors.parse(
            kind,
            label_selector=request.query.get("labelSelector", ""),
            field_selector=request.query.get("fieldSelector", ""),
        )
    except contract.BadRequest as exc:
        raise errors.bad_request(str(exc)) from None
    return selector.matches(selectors.attributes_of(obj))


def list_response(kind: str, api_version: str, items: list[Any], version: str) -> web.Response:
    """A `<kind>List` of `items` (list items carry no TypeMeta on the wire)."""
    listed = [msgspec.Raw(wire.to_json(item, type_meta=False)) for item in items]
    return errors.json_response(
        {
            "kind": f"{kind}List",
            "apiVersion": api_version,
            "metadata": {"resourceVersion": version},
            "items": listed,
        }
    )


def _timeout(request: web.Request) -> int:
    text = request.query.get("timeoutSeconds", "")
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise errors.bad_request(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def is_watch(request: web.Request) -> bool:
    """The `watch` query parameter as Go's ParseBool reads it (BadRequest otherwise)."""
    text = request.query.get("watch", "")
    if text in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if text in ("", "0", "f", "F", "false", "FALSE", "False"):
        return False
    raise errors.bad_request(f'strconv.ParseBool: parsing "{text}": invalid syntax')


async def collection(request: web.Request) -> web.StreamResponse:
    """`/api/v1/nodes`: list or watch; every other method is 405."""
    if request.method != "GET":
        raise errors.method_not_allowed()
    node, version = _current(request)
    items = [node] if matching(request, "Node", node) else []
    if is_watch(request):
        return await watch_unchanging(request, [_watched(request, n, version) for n in items])
    if _wants_table(request):
        return errors.json_response(_table(request, items, version))
    return list_response("Node", "v1", items, version)


async def item(request: web.Request) -> web.StreamResponse:
    """`/api/v1/nodes/{name}` and its `status`: get; every other method is 405."""
    subresource = request.match_info.get("subresource")
    if subresource not in (None, "status"):
        raise errors.not_found_path()
    if request.method != "GET":
        raise errors.method_not_allowed()
    node, version = _current(request)
    name = request.match_info["name"]
    if name != node.metadata.name:
        raise _not_found(name)
    if _wants_table(request) and subresource is None:
        return errors.json_response(_table(request, [node], version))
    return errors.json_response(wire.to_wire(node))


def _watched(request: web.Request, node: Node, version: str) -> Any:
    if _wants_table(request):
        return _table(request, [node], version)
    return wire.to_wire(node)


async def watch_unchanging(request: web.Request, objects: list[Any]) -> web.StreamResponse:
    """A watch on objects that do not change: each one ADDED when the watch starts from no
    resourceVersion (or "0"), then no events until `timeoutSeconds` or the client leaves."""
    timeout = _timeout(request)
    since = request.query.get("resourceVersion", "")
    response = web.StreamResponse(headers={"Content-Type": errors.JSON})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        if since in ("", "0"):
            for obj in objects:
                event = {"type": "ADDED", "object": obj}
                await response.write(msgspec.json.encode(event) + b"\n")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout if timeout > 0 else None):
                await asyncio.Event().wait()  # nothing changes
    except ConnectionError:
        return response  # the client went away
    await response.write_eof()
    return response


def add_routes(app: web.Application, facts: NodeFacts) -> None:
    """Serve the node; call before the generic core/v1 routes so these take precedence."""
    app[NODE_KEY] = facts
    app.router.add_route("*", "/api/v1/nodes", collection)
    app.router.add_route("*", "/api/v1/nodes/{name}", item)
    app.router.add_route("*", "/api/v1/nodes/{name}/{subresource}", item)
