"""The `v1` Node, as the kubelet reports its node, and its kubectl printer (`kubectl get nodes`).

tinykube serves one read-only Node describing its machine (`server/nodes.py` gathers the facts
and builds it). The structs follow the Go types' field order and JSON names; struct-valued Go
fields (`spec`, `daemonEndpoints`, `nodeInfo`) are always written, as encoding/json does, and
`NodeSystemInfo`'s strings carry no `omitempty`. `DaemonEndpoint.Port` is spelled `Port` on the
wire, as in Kubernetes.

`node_cells` is `printNode` (pkg/printers/internalversion): STATUS from the Ready condition
(`Ready`, `NotReady`, `Unknown`, then `SchedulingDisabled`), ROLES from the
`node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, and the `-o wide` columns.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Final

import msgspec

from tinykube.api import printers
from tinykube.api.meta import ObjectMeta
from tinykube.api.pod import ResourceList
from tinykube.api.wire import Wire

ROLE_LABEL_PREFIX: Final = "node-role.kubernetes.io/"
ROLE_LABEL: Final = "kubernetes.io/role"


class Taint(Wire):
    key: str = ""
    value: str = ""
    effect: str = ""
    time_added: datetime.datetime | None = None
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"key", "effect"})


class NodeSpec(Wire):
    pod_cidr: str = msgspec.field(default="", name="podCIDR")
    pod_cidrs: tuple[str, ...] = msgspec.field(default=(), name="podCIDRs")
    provider_id: str = msgspec.field(default="", name="providerID")
    unschedulable: bool = False
    taints: tuple[Taint, ...] = ()


class NodeCondition(Wire):
    type: str = ""
    status: str = ""
    last_heartbeat_time: datetime.datetime | None = None
    last_transition_time: datetime.datetime | None = None
    reason: str = ""
    message: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset(
        {"type", "status", "last_heartbeat_time", "last_transition_time"}
    )


class NodeAddress(Wire):
    type: str = ""
    address: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"type", "address"})


class DaemonEndpoint(Wire):
    port: int = msgspec.field(default=0, name="Port")
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"port"})


class NodeDaemonEndpoints(Wire):
    kubelet_endpoint: DaemonEndpoint = DaemonEndpoint()


class NodeSystemInfo(Wire):
    machine_id: str = msgspec.field(default="", name="machineID")
    system_uuid: str = msgspec.field(default="", name="systemUUID")
    boot_id: str = msgspec.field(default="", name="bootID")
    kernel_version: str = ""
    os_image: str = ""
    container_runtime_version: str = ""
    kubelet_version: str = ""
    kube_proxy_version: str = ""
    operating_system: str = ""
    architecture: str = ""
    __wire_keep__: ClassVar[frozenset[str]] = frozenset(
        {
            "machine_id",
            "system_uuid",
            "boot_id",
            "kernel_version",
            "os_image",
            "container_runtime_version",
            "kubelet_version",
            "kube_proxy_version",
            "operating_system",
            "architecture",
        }
    )


class NodeStatus(Wire):
    capacity: ResourceList = {}  # noqa: RUF012 - msgspec copies `{}` defaults per instance
    allocatable: ResourceList = {}  # noqa: RUF012
    phase: str = ""
    conditions: tuple[NodeCondition, ...] = ()
    addresses: tuple[NodeAddress, ...] = ()
    daemon_endpoints: NodeDaemonEndpoints = NodeDaemonEndpoints()
    node_info: NodeSystemInfo = NodeSystemInfo()


class Node(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    spec: NodeSpec = NodeSpec()
    status: NodeStatus = NodeStatus()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"metadata", "spec", "status"})


# --- printing --------------------------------------------------------------------------------

_ADDRESSES_DOC: Final = (
    "List of addresses reachable to the node. Queried from cloud provider, if available. "
    "More info: https://kubernetes.io/docs/reference/node/node-status/#addresses"
)

COLUMNS: Final = (
    printers.POD_COLUMNS[0],  # Name
    printers.TableColumnDefinition(
        name="Status", type="string", description="The status of the node"
    ),
    printers.TableColumnDefinition(
        name="Roles", type="string", description="The roles of the node"
    ),
    printers.POD_COLUMNS[4],  # Age
    printers.TableColumnDefinition(
        name="Version", type="string", description="Kubelet Version reported by the node."
    ),
    printers.TableColumnDefinition(
        name="Internal-IP", type="string", priority=1, description=_ADDRESSES_DOC
    ),
    printers.TableColumnDefinition(
        name="External-IP", type="string", priority=1, description=_ADDRESSES_DOC
    ),
    printers.TableColumnDefinition(
        name="OS-Image",
        type="string",
        priority=1,
        description="OS Image reported by the node from /etc/os-release "
        "(e.g. Debian GNU/Linux 7 (wheezy)).",
    ),
    printers.TableColumnDefinition(
        name="Kernel-Version",
        type="string",
        priority=1,
        description="Kernel Version reported by the node from 'uname -r' "
        "(e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    printers.TableColumnDefinition(
        name="Container-Runtime",
        type="string",
        priority=1,
        description="ContainerRuntime Version reported by the node through runtime remote API "
        "(e.g. containerd://1.4.2).",
    ),
)


def node_roles(node: Node) -> list[str]:
    """`findNodeRoles`: the sorted, distinct roles named by the node's labels."""
    roles: set[str] = set()
    for key, value in node.metadata.labels.items():
        if key.startswith(ROLE_LABEL_PREFIX):
            role = key.removeprefix(ROLE_LABEL_PREFIX)
            if role:
                roles.add(role)
        elif key == ROLE_LABEL and value:
            roles.add(value)
    return sorted(roles)


def node_status_text(node: Node) -> str:
    """The STATUS column: `Ready`/`NotReady` from the Ready condition (`Unknown` without one)."""
    status = [
        "Ready" if condition.status == "True" else "NotReady"
        for condition in node.status.conditions
        if condition.type == "Ready"
    ][-1:] or ["Unknown"]
    if node.spec.unschedulable:
        status.append("SchedulingDisabled")
    return ",".join(status)


def _address(node: Node, kind: str) -> str:
    return next((a.address for a in node.status.addresses if a.type == kind), "<none>")


def node_cells(node: Node, *, now: datetime.datetime) -> list[Any]:
    """One `kubectl get nodes` row with the wide cells (kubectl hides them without `-o wide`)."""
    created = node.metadata.creation_timestamp
    age = printers.human_duration(now - created) if created is not None else "<unknown>"
    info = node.status.node_info
    return [
        node.metadata.name,
        node_status_text(node),
        ",".join(node_roles(node)) or "<none>",
        age,
        info.kubelet_version,
        _address(node, "InternalIP"),
        _address(node, "ExternalIP"),
        info.os_image or "<unknown>",
        info.kernel_version or "<unknown>",
        info.container_runtime_version or "<unknown>",
    ]
