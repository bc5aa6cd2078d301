"""Discovery and OpenAPI: `/version`, `/api`, `/api/v1`, `/apis`, `/openapi/v2`, `/openapi/v3`.

Besides core/v1 (`RESOURCES`), the named groups of `GROUPS` (coordination.k8s.io/v1 for the
node's lease) are listed in `/apis` and served at `/apis/{group}` and `/apis/{group}/{version}`.

What is served and why is measured in docs `kubectl-compat.md`: kubectl's version dispatcher
picks its binary from `/version`'s major/minor; `/api` and `/apis` are asked for with the
aggregated-discovery Accept header and answered in that form (with its exact content type) when
asked, else in the legacy form; `/apis` must not 404. `/openapi/v2` is protobuf-only for
kubectl, so it is a 404; `/openapi/v3` is served by `openapi` (schemas generated from the
model, and per kind the PATCH operation with the `fieldValidation` parameter that makes kubectl
validate on the server).
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from aiohttp import typedefs, web

from tinykube.server import errors, openapi

VERSION: Final = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4-tinykube",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}

AGGREGATED: Final = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


class Resource(msgspec.Struct, frozen=True, kw_only=True):
    """One served core/v1 resource, as discovery describes it."""

    name: str  # plural
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, verbs)


_VERBS: Final = ("create", "delete", "get", "list", "patch", "update", "watch")

RESOURCES: Final[tuple[Resource, ...]] = (
    Resource(
        name="configmaps",
        singular="configmap",
        kind="ConfigMap",
        namespaced=True,
        verbs=_VERBS,
        short_names=("cm",),
    ),
    Resource(
        name="events",
        singular="event",
        kind="Event",
        namespaced=True,
        verbs=_VERBS,
        short_names=("ev",),
    ),
    Resource(
        name="namespaces",
        singular="namespace",
        kind="Namespace",
        namespaced=False,
        verbs=_VERBS,
        short_names=("ns",),
    ),
    Resource(  # read-only: this machine, served by `server.nodes`
        name="nodes",
        singular="node",
        kind="Node",
        namespaced=False,
        verbs=("get", "list", "watch"),
        short_names=("no",),
        subresources=(("status", ("get",)),),
    ),
    Resource(
        name="pods",
        singular="pod",
        kind="Pod",
        namespaced=True,
        verbs=_VERBS,
        short_names=("po",),
        categories=("all",),
        subresources=(
            ("exec", ("create", "get")),
            ("log", ("get",)),
            ("status", ("get", "update")),
        ),
    ),
    Resource(name="secrets", singular="secret", kind="Secret", namespaced=True, verbs=_VERBS),
)

BY_NAME: Final = {resource.name: resource for resource in RESOURCES}


class GroupVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One served version of a named API group (under `/apis`) and its resources."""

    group: str
    version: str
    resources: tuple[Resource, ...]

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}"


GROUPS: Final[tuple[GroupVersion, ...]] = (
    GroupVersion(  # read-only: the node's heartbeat lease, served by `server.leases`
        group="coordination.k8s.io",
        version="v1",
        resources=(
            Resource(
                name="leases",
                singular="lease",
                kind="Lease",
                namespaced=True,
                verbs=("get", "list", "watch"),
            ),
        ),
    ),
)


def _resource_list_entries(resource: Resource) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": resource.name,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    entries = [entry]
    for sub, verbs in resource.subresources:
        entries.append(
            {
                "name": f"{resource.name}/{sub}",
                "singularName": "",
                "namespaced": resource.namespaced,
                "kind": SUBRESOURCE_KINDS.get(sub, resource.kind),
                "verbs": list(verbs),
            }
        )
    return entries


SUBRESOURCE_KINDS: Final = {"exec": "PodExecOptions"}  # the others answer with their kind


def api_resource_list() -> dict[str, Any]:
    """`/api/v1`: the legacy APIResourceList."""
    resources = [entry for r in RESOURCES for entry in _resource_list_entries(r)]
    return {"kind": "APIResourceList", "groupVersion": "v1", "resources": resources}


def _discovery_resource(resource: Resource, group: str = "", version: str = "v1") -> dict[str, Any]:
    gvk = {"group": group, "version": version, "kind": resource.kind}
    out: dict[str, Any] = {
        "resource": resource.name,
        "responseKind": gvk,
        "scope": "Namespaced" if resource.namespaced else "Cluster",
        "singularResource": resource.singular,
        "verbs": list(resource.verbs),
    }
    if resource.short_names:
        out["shortNames"] = list(resource.short_names)
    if resource.categories:
        out["categories"] = list(resource.categories)
    if resource.subresources:
        out["subresources"] = [
            {
                "subresource": sub,
                "responseKind": {**gvk, "kind": SUBRESOURCE_KINDS.get(sub, resource.kind)},
                "verbs": list(verbs),
            }
            for sub, verbs in resource.subresources
        ]
    return out


def aggregated_core() -> dict[str, Any]:
    """`/api` as an APIGroupDiscoveryList (v2)."""
    version = {
        "version": "v1",
        "freshness": "Current",
        "resources": [_discovery_resource(r) for r in RESOURCES],
    }
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [{"metadata": {"creationTimestamp": None}, "versions": [version]}],
    }


def aggregated_groups() -> dict[str, Any]:
    """`/apis` as an APIGroupDiscoveryList (v2): each group with its one version."""
    items = [
        {
            "metadata": {"name": served.group, "creationTimestamp": None},
            "versions": [
                {
                    "version": served.version,
                    "freshness": "Current",
                    "resources": [
                        _discovery_resource(r, served.group, served.version)
                        for r in served.resources
                    ],
                }
            ],
        }
        for served in GROUPS
    ]
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def _api_group(served: GroupVersion) -> dict[str, Any]:
    """The legacy APIGroup of `served` (its one version is the preferred one)."""
    version = {"groupVersion": served.group_version, "version": served.version}
    return {"name": served.group, "versions": [version], "preferredVersion": version}


def wants_aggregated(accept: str) -> bool:
    """Whether the Accept header asks for the v2 APIGroupDiscoveryList first-class."""
    for part in accept.split(","):
        params = {p.strip() for p in part.split(";")[1:]}
        if {"g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"} <= params:
            return True
    return False


async def version(request: web.Request) -> web.StreamResponse:
    return errors.json_response(VERSION)


async def core_api(request: web.Request) -> web.StreamResponse:
    if wants_aggregated(request.headers.get("Accept", "")):
        return errors.json_response(aggregated_core(), content_type=AGGREGATED)
    host = request.host
    return errors.json_response(
        {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
        }
    )


async def core_v1(request: web.Request) -> web.StreamResponse:
    return errors.json_response(api_resource_list())


async def groups(request: web.Request) -> web.StreamResponse:
    if wants_aggregated(request.headers.get("Accept", "")):
        return errors.json_response(aggregated_groups(), content_type=AGGREGATED)
    body = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_api_group(g) for g in GROUPS]}
    return errors.json_response(body)


def _group_handlers(served: GroupVersion) -> tuple[typedefs.Handler, typedefs.Handler]:
    """The handlers of `/apis/{group}` (APIGroup) and `/apis/{group}/{version}`."""

    async def group(request: web.Request) -> web.StreamResponse:
        return errors.json_response({"kind": "APIGroup", "apiVersion": "v1", **_api_group(served)})

    async def group_version(request: web.Request) -> web.StreamResponse:
        resources = [entry for r in served.resources for entry in _resource_list_entries(r)]
        body = {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": served.group_version,
            "resources": resources,
        }
        return errors.json_response(body)

    return group, group_version


def add_routes(app: web.Application) -> None:
    app.router.add_get("/version", version)
    app.router.add_get("/api", core_api)
    app.router.add_get("/api/v1", core_v1)
    app.router.add_get("/apis", groups)
    for served in GROUPS:
        group, group_version = _group_handlers(served)
        app.router.add_get(f"/apis/{served.group}", group)
        app.router.add_get(f"/apis/{served.group_version}", group_version)
    openapi.add_routes(app, RESOURCES)
