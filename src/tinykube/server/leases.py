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
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from tinykube.api import wire
from tinykube.api.lease import (
    API_VERSION,
    COLUMNS,
    GROUP,
    NODE_LEASE_NAMESPACE,
    Lease,
    LeaseSpec,
    lease_cells,
)
from tinykube.api.meta import ObjectMeta, OwnerReference
from tinykube.server import errors, nodes, resources, tables
from tinykube.store import contract, selectors

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


def selected(
    lease: Lease, *, namespace: str | None, label_selector: str, field_selector: str
) -> bool:
    """Whether `lease` is in `namespace` (None: any) and matches the selectors (BadRequest for
    a malformed one)."""
    requirements = selectors.parse_label_selector(label_selector)
    terms = selectors.parse_field_selector(field_selector, "Lease")
    meta = lease.metadata
    fields: Mapping[str, str] = {"metadata.name": meta.name, "metadata.namespace": meta.namespace}
    return (
        namespace in (None, meta.namespace)
        and all(r.matches(meta.labels) for r in requirements)
        and all(t.matches(fields) for t in terms)
    )


def table(
    leases: list[Lease], *, now: datetime.datetime, include: str, resource_version: str
) -> dict[str, Any]:
    """The leases as a `meta.k8s.io/v1` Table (`printLease`)."""
    rows = []
    for lease in leases:
        row: dict[str, Any] = {"cells": lease_cells(lease, now=now)}
        if include == "Object":
            row["object"] = wire.to_wire(lease)
        elif include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": wire.to_wire(lease.metadata),
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [c.to_wire() for c in COLUMNS],
        "rows": rows,
    }


# --- handlers --------------------------------------------------------------------------------


def _current(request: web.Request) -> tuple[Lease, datetime.datetime, str]:
    """The lease now, the time, and the store's resourceVersion."""
    version = request.app[resources.STORE_KEY].current_resource_version()
    now = request.app[resources.CLOCK_KEY]()
    lease = build_lease(request.app[nodes.NODE_KEY], resource_version=version, renewed=now)
    return lease, now, version


def _answer(
    request: web.Request, leases: list[Lease], now: datetime.datetime, version: str
) -> dict[str, Any] | None:
    """The Table kubectl asks for, or None for plain JSON."""
    if not tables.wants_table(request.headers.get("Accept", "")):
        return None
    include = request.query.get("includeObject", "Metadata")
    return table(leases, now=now, include=include, resource_version=version)


async def collection(request: web.Request) -> web.StreamResponse:
    """`.../leases` (in a namespace or in all): list or watch; every other method is 405."""
    if request.method != "GET":
        raise errors.method_not_allowed()
    lease, now, version = _current(request)
    try:
        matching = selected(
            lease,
            namespace=request.match_info.get("namespace"),
            label_selector=request.query.get("labelSelector", ""),
            field_selector=request.query.get("fieldSelector", ""),
        )
    except contract.BadRequest as exc:
        raise errors.bad_request(str(exc)) from None
    items = [lease] if matching else []
    if nodes.is_watch(request):
        watched = [_answer(request, [i], now, version) or wire.to_wire(i) for i in items]
        return await nodes.watch_unchanging(request, watched)
    answer = _answer(request, items, now, version)
    if answer is not None:
        return errors.json_response(answer)
    listed = []
    for item in items:
        raw = wire.to_wire(item)
        raw.pop("kind", None)  # list items carry no TypeMeta on the wire
        raw.pop("apiVersion", None)
        listed.append(raw)
    return errors.json_response(
        {
            "kind": "LeaseList",
            "apiVersion": API_VERSION,
            "metadata": {"resourceVersion": version},
            "items": listed,
        }
    )


async def item(request: web.Request) -> web.StreamResponse:
    """`.../namespaces/{namespace}/leases/{name}`: get; every other method is 405."""
    if request.method != "GET":
        raise errors.method_not_allowed()
    lease, now, version = _current(request)
    name = request.match_info["name"]
    namespace = request.match_info["namespace"]
    if (namespace, name) != (lease.metadata.namespace, lease.metadata.name):
        raise errors.ApiError(
            404,
            "NotFound",
            f'{RESOURCE}.{GROUP} "{name}" not found',
            {"name": name, "group": GROUP, "kind": RESOURCE},
        )
    answer = _answer(request, [lease], now, version)
    return errors.json_response(answer if answer is not None else wire.to_wire(lease))


def add_routes(app: web.Application) -> None:
    """Serve the node's lease (after `nodes.add_routes`, which stores the node's facts)."""
    app.router.add_route("*", f"{_PREFIX}/{RESOURCE}", collection)
    app.router.add_route("*", f"{_PREFIX}/namespaces/{{namespace}}/{RESOURCE}", collection)
    app.router.add_route("*", f"{_PREFIX}/namespaces/{{namespace}}/{RESOURCE}/{{name}}", item)
