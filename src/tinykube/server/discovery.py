"""Discovery and OpenAPI: `/version`, `/api`, `/api/v1`, `/apis`, `/openapi/v2`, `/openapi/v3`.

What is served and why is measured in docs `kubectl-compat.md`: kubectl's version dispatcher
picks its binary from `/version`'s major/minor; `/api` and `/apis` are asked for with the
aggregated-discovery Accept header and answered in that form (with its exact content type) when
asked, else in the legacy form; `/apis` must not 404. `/openapi/v2` is protobuf-only for
kubectl, so it is a 404; `/openapi/v3` carries, per kind, the PATCH operation with the
`fieldValidation` parameter that makes kubectl validate on the server (`fieldValidation=Strict`)
instead of downloading schemas. It carries no `components.schemas` yet, so `kubectl explain`
fails and client-side `apply` computes its patch from kubectl's compiled-in Pod metadata.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from tinykube.server import errors

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
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
    Resource(
        name="pods",
        singular="pod",
        kind="Pod",
        namespaced=True,
        verbs=_VERBS,
        short_names=("po",),
        categories=("all",),
        subresources=(("log", ("get",)), ("status", ("get", "update"))),
    ),
    Resource(name="secrets", singular="secret", kind="Secret", namespaced=True, verbs=_VERBS),
)

BY_NAME: Final = {resource.name: resource for resource in RESOURCES}


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
                "kind": resource.kind,
                "verbs": list(verbs),
            }
        )
    return entries


def api_resource_list() -> dict[str, Any]:
    """`/api/v1`: the legacy APIResourceList."""
    resources = [entry for r in RESOURCES for entry in _resource_list_entries(r)]
    return {"kind": "APIResourceList", "groupVersion": "v1", "resources": resources}


def _discovery_resource(resource: Resource) -> dict[str, Any]:
    gvk = {"group": "", "version": "v1", "kind": resource.kind}
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
            {"subresource": sub, "responseKind": gvk, "verbs": list(verbs)}
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
        body = {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": [],
        }
        return errors.json_response(body, content_type=AGGREGATED)
    return errors.json_response({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})


# --- OpenAPI v3 ------------------------------------------------------------------------------


def _path(resource: Resource) -> str:
    if resource.namespaced:
        return f"/api/v1/namespaces/{{namespace}}/{resource.name}/{{name}}"
    return f"/api/v1/{resource.name}/{{name}}"


def openapi_core_v1() -> dict[str, Any]:
    """The `api/v1` document: per kind, the PATCH operation kubectl inspects (see docstring)."""
    paths = {
        _path(resource): {
            "patch": {
                "x-kubernetes-group-version-kind": {
                    "group": "",
                    "version": "v1",
                    "kind": resource.kind,
                },
                "parameters": [
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}
                ],
                "requestBody": {"content": {"application/apply-patch+yaml": {}}},
                "responses": {},
            }
        }
        for resource in RESOURCES
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths,
    }


_OPENAPI_V1: Final = json.dumps(openapi_core_v1(), separators=(",", ":")).encode()
_OPENAPI_HASH: Final = hashlib.sha512(_OPENAPI_V1).hexdigest()[:128].upper()


async def openapi_v3_root(request: web.Request) -> web.StreamResponse:
    url = f"/openapi/v3/api/v1?hash={_OPENAPI_HASH}"
    return errors.json_response({"paths": {"api/v1": {"serverRelativeURL": url}}})


async def openapi_v3_core(request: web.Request) -> web.StreamResponse:
    etag = f'"{_OPENAPI_HASH}"'
    headers = {"Etag": etag, "Cache-Control": "public, immutable", "Content-Type": errors.JSON}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=_OPENAPI_V1, headers=headers)


async def not_found(request: web.Request) -> web.StreamResponse:
    raise errors.not_found_path()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/version", version)
    app.router.add_get("/api", core_api)
    app.router.add_get("/api/v1", core_v1)
    app.router.add_get("/apis", groups)
    app.router.add_get("/openapi/v2", not_found)
    app.router.add_get("/openapi/v3", openapi_v3_root)
    app.router.add_get("/openapi/v3/api/v1", openapi_v3_core)
