"""The `coordination.k8s.io/v1` `leases` resource: the node's heartbeat Lease, read-only.

A kubelet keeps one Lease per node in `kube-node-lease`, named after the node, owned by the
Node, held by the node and renewed every few seconds; `kubectl describe node` prints it under
`Lease:`. tinykube's daemon answering is its heartbeat, so `build_lease` (pure) renews it at
the time of the request, as it does the node's conditions (`nodes`). Its uid is derived from
the node's, so it stays the same across restarts, and it was created with the node.

Served: `GET /apis/coordination.k8s.io/v1/leases` (every namespace),
`GET .../namespaces/{namespace}/leases` (list, label and field selectors, `watch`) and
`GET .../namespaces/{namespace}/leases/{name}`, each as a Table when kubectl asks. Any other
name is 404 NotFound; writes are 405 MethodNotAllowed, as for the node.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Final

from aiohttp import web

from tinykube.api import wire
from tinykube.api.lease import (
    API_VERSION,
    GROUP,
    NODE_LEASE_NAMESPACE,
    Lease,
    LeaseSpec,
)
from tinykube.api.meta import ObjectMeta, OwnerReference
from tinykube.server import errors, nodes, resources, tables

RESOURCE: Final = "leases"
LEASE_DURATION_SECONDS: Final = 40  # the kubelet's --node-lease-duration-seconds default
_PREFIX: Final = f"/apis/{API_VERSION}"


def build_lease(
    facts: nodes.NodeFacts, *, resource_version: str, renewed: datetime.datetime
) -> Lease:
    """The node's Lease as the kubelet would have last renewed it at `renewed`."""
    return Lease(
        kind="Lease",
        api_version=API_VERSION,
        metadata=ObjectMeta(
            name=facts.name,
            namespace=NODE_LEASE_NAMESPACE,
            uid=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{facts.uid}/lease")),
            resource_version=resource_version,
            creation_timestamp=facts.created,
            owner_references=(
                OwnerReference(api_version="v1", kind="Node", name=facts.name, uid=facts.uid),
            ),
        ),
        spec=LeaseSpec(
            holder_identity=facts.name,
            lease_duration_seconds=LEASE_DURATION_SECONDS,
            renew_time=renewed,
        ),
    )


# --- handlers --------------------------------------------------------------------------------


def _current(request: web.Request) -> tuple[Lease, str]:
    """The lease now, and the store's resourceVersion."""
    version = request.app[resources.STORE_KEY].current_resource_version()
    now = request.app[resources.CLOCK_KEY]()
    lease = build_lease(request.app[nodes.NODE_KEY], resource_version=version, renewed=now)
    return lease, version


def _answer(request: web.Request, leases: list[Lease], version: str) -> dict[str, Any] | None:
    """The Table kubectl asks for, or None for plain JSON."""
    if not tables.wants_table(request.headers.get("Accept", "")):
        return None
    return nodes.table_of(request, "Lease", leases, version)


async def collection(request: web.Request) -> web.StreamResponse:
    """`.../leases` (in a namespace or in all): list or watch; every other method is 405."""
    if request.method != "GET":
        raise errors.method_not_allowed()
    lease, version = _current(request)
    namespace = request.match_info.get("namespace")
    in_namespace = namespace in (None, lease.metadata.namespace)
    items = [lease] if in_namespace and nodes.matching(request, "Lease", lease) else []
    if nodes.is_watch(request):
        watched = [_answer(request, [i], version) or wire.to_wire(i) for i in items]
        return await nodes.watch_unchanging(request, watched)
    answer = _answer(request, items, version)
    if answer is not None:
        return errors.json_response(answer)
    return nodes.list_response("Lease", API_VERSION, items, version)


async def item(request: web.Request) -> web.StreamResponse:
    """`.../namespaces/{namespace}/leases/{name}`: get; every other method is 405."""
    if request.method != "GET":
        raise errors.method_not_allowed()
    lease, version = _current(request)
    name = request.match_info["name"]
    namespace = request.match_info["namespace"]
    if (namespace, name) != (lease.metadata.namespace, lease.metadata.name):
        raise errors.ApiError(
            404,
            "NotFound",
            f'{RESOURCE}.{GROUP} "{name}" not found',
            {"name": name, "group": GROUP, "kind": RESOURCE},
        )
    answer = _answer(request, [lease], version)
    return errors.json_response(answer if answer is not None else wire.to_wire(lease))


def add_routes(app: web.Application) -> None:
    """Serve the node's lease (after `nodes.add_routes`, which stores the node's facts)."""
    app.router.add_route("*", f"{_PREFIX}/{RESOURCE}", collection)
    app.router.add_route("*", f"{_PREFIX}/namespaces/{{namespace}}/{RESOURCE}", collection)
    app.router.add_route("*", f"{_PREFIX}/namespaces/{{namespace}}/{RESOURCE}/{{name}}", item)
