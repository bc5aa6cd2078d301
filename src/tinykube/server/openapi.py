"""OpenAPI v3 for the core/v1 API, generated from tinykube's own model (`/openapi/v3`).

The schemas are built by walking the type annotations of the `api` model classes (msgspec
structs with Kubernetes' wire names), so that every field the server decodes is described,
and nothing else. What annotations cannot say comes from the tables below, which record
Kubernetes' facts about the core/v1 Go types:

- `REQUIRED`: the fields without `omitempty`/`+optional` that the OpenAPI marks `required`;
- `LIST_FACTS`: the lists merged by key (`x-kubernetes-patch-merge-key`, `-patch-strategy`,
  `x-kubernetes-list-type: map` with its `-list-map-keys`) or as sets; every other list is
  `atomic`, as Kubernetes declares them;
- `INT64_FIELDS`: the integer fields that are `int64` (all others are `int32`);
- `SCHEMA_AS`: fields whose schema is another class of the same wire shape (a container
  status' `resources` is a `ResourceRequirements`; ephemeral containers are an
  `EphemeralContainer`, the only variant of `Container` that has `targetContainerName`).

Descriptions are tinykube's own one-liners (`openapi_text`). kubectl reads this document for
`kubectl explain`, for client-side `apply`'s strategic merge patch (merge keys), and to decide
that the server validates fields (`fieldValidation` on each kind's PATCH operation, see
docs `kubectl-compat.md` §1.4). `apply.py` reads the same list facts for server-side apply.

Pure: builds dictionaries; the HTTP handlers at the bottom serve them with an ETag.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import types
import typing
from collections.abc import Sequence
from typing import Any, Final, Protocol

import msgspec
from aiohttp import web

from tinykube.api import decoding, node, quantity
from tinykube.api.meta import ListMeta, ObjectMeta
from tinykube.api.pod import Container, ResourceRequirements
from tinykube.api.wire import Wire
from tinykube.server import errors, openapi_text

CORE: Final = "io.k8s.api.core.v1."
META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1."
QUANTITY: Final = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING: Final = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
REF_PREFIX: Final = "#/components/schemas/"


# --- meta/v1 pieces the model keeps as plain dicts, declared here for their schema ---------


class FieldsV1(Wire):
    """A set of field paths, as `managedFields[].fieldsV1` (an opaque JSON object)."""


class ManagedFieldsEntry(Wire):
    manager: str = ""
    operation: str = ""
    api_version: str = ""
    time: datetime.datetime | None = None
    fields_type: str = ""
    fields_v1: dict[str, Any] | None = None
    subresource: str = ""


class StatusCause(Wire):
    reason: str = ""
    message: str = ""
    field: str = ""


class StatusDetails(Wire):
    name: str = ""
    group: str = ""
    kind: str = ""
    uid: str = ""
    causes: tuple[StatusCause, ...] = ()
    retry_after_seconds: int = 0


class Status(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ListMeta = ListMeta()
    status: str = ""
    message: str = ""
    reason: str = ""
    details: StatusDetails | None = None
    code: int = 0


class NamespaceCondition(Wire):
    type: str = ""
    status: str = ""
    last_transition_time: datetime.datetime | None = None
    reason: str = ""
    message: str = ""


META_CLASSES: Final = frozenset(
    {
        "ObjectMeta",
        "ListMeta",
        "OwnerReference",
        "ManagedFieldsEntry",
        "FieldsV1",
        "Status",
        "StatusDetails",
        "StatusCause",
    }
)


# --- Kubernetes' facts ---------------------------------------------------------------------


class ListFacts(msgspec.Struct, frozen=True, kw_only=True):
    """How a list merges: `map` by `keys` (and in strategic merge by `merge_key`), `set`, or
    `atomic` (replaced whole)."""

    list_type: str = "atomic"
    keys: tuple[str, ...] = ()
    merge_key: str = ""
    strategy: str = ""


def _keyed(*keys: str, merge_key: str = "", strategy: str = "merge") -> ListFacts:
    return ListFacts(list_type="map", keys=keys, merge_key=merge_key or keys[0], strategy=strategy)


ATOMIC: Final = ListFacts()

# (class name, wire name) -> facts; every list not named here is atomic.
LIST_FACTS: Final[dict[tuple[str, str], ListFacts]] = {
    ("ObjectMeta", "ownerReferences"): _keyed("uid"),
    ("ObjectMeta", "finalizers"): ListFacts(list_type="set", strategy="merge"),
    ("PodSpec", "volumes"): _keyed("name", strategy="merge,retainKeys"),
    ("PodSpec", "initContainers"): _keyed("name"),
    ("PodSpec", "containers"): _keyed("name"),
    ("PodSpec", "ephemeralContainers"): _keyed("name"),
    ("PodSpec", "imagePullSecrets"): _keyed("name"),
    ("PodSpec", "hostAliases"): _keyed("ip"),
    ("PodSpec", "topologySpreadConstraints"): _keyed(
        "topologyKey", "whenUnsatisfiable", merge_key="topologyKey"
    ),
    ("PodSpec", "schedulingGates"): _keyed("name"),
    ("PodSpec", "resourceClaims"): _keyed("name", strategy="merge,retainKeys"),
    ("Container", "ports"): _keyed("containerPort", "protocol", merge_key="containerPort"),
    ("Container", "env"): _keyed("name"),
    ("Container", "volumeMounts"): _keyed("mountPath"),
    ("Container", "volumeDevices"): _keyed("devicePath"),
    ("ResourceRequirements", "claims"): ListFacts(list_type="map", keys=("name",)),
    ("PodStatus", "conditions"): _keyed("type"),
    ("PodStatus", "hostIPs"): _keyed("ip"),
    ("PodStatus", "podIPs"): _keyed("ip"),
    ("ContainerStatus", "volumeMounts"): _keyed("mountPath"),
    ("NamespaceStatus", "conditions"): _keyed("type"),
    ("NodeSpec", "podCIDRs"): ListFacts(list_type="set", strategy="merge"),
    ("NodeStatus", "conditions"): _keyed("type"),
    ("NodeStatus", "addresses"): _keyed("type"),
}

REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "OwnerReference": ("apiVersion", "kind", "name", "uid"),
    "PodSpec": ("containers",),
    "Volume": ("name",),
    "HostPathVolumeSource": ("path",),
    "KeyToPath": ("key", "path"),
    "PersistentVolumeClaimVolumeSource": ("claimName",),
    "DownwardAPIVolumeFile": ("path",),
    "ObjectFieldSelector": ("fieldPath",),
    "ResourceFieldSelector": ("resource",),
    "ServiceAccountTokenProjection": ("path",),
    "Container": ("name",),
    "EphemeralContainer": ("name",),
    "ContainerPort": ("containerPort",),
    "EnvVar": ("name",),
    "ConfigMapKeySelector": ("key",),
    "SecretKeySelector": ("key",),
    "FileKeySelector": ("volumeName", "path", "key"),
    "ResourceClaim": ("name",),
    "ContainerResizePolicy": ("resourceName", "restartPolicy"),
    "ContainerRestartRule": ("action",),
    "VolumeMount": ("name", "mountPath"),
    "VolumeDevice": ("name", "devicePath"),
    "HTTPGetAction": ("port",),
    "HTTPHeader": ("name", "value"),
    "TCPSocketAction": ("port",),
    "GRPCAction": ("port",),
    "SleepAction": ("seconds",),
    "SeccompProfile": ("type",),
    "Sysctl": ("name", "value"),
    "HostAlias": ("ip",),
    "PodReadinessGate": ("conditionType",),
    "PodOS": ("name",),
    "PodSchedulingGate": ("name",),
    "PodCondition": ("type", "status"),
    "HostIP": ("ip",),
    "PodIP": ("ip",),
    "ContainerStatus": ("name", "ready", "restartCount", "image", "imageID"),
    "ContainerStateTerminated": ("exitCode",),
    "VolumeMountStatus": ("name", "mountPath"),
    "Event": ("metadata", "involvedObject"),
    "NamespaceCondition": ("type", "status"),
    "Taint": ("key", "effect"),
    "NodeCondition": ("type", "status"),
    "NodeAddress": ("type", "address"),
    "DaemonEndpoint": ("Port",),
    "NodeSystemInfo": (
        "machineID",
        "systemUUID",
        "bootID",
        "kernelVersion",
        "osImage",
        "containerRuntimeVersion",
        "kubeletVersion",
        "kubeProxyVersion",
        "operatingSystem",
        "architecture",
    ),
}

INT64_FIELDS: Final = frozenset(
    {
        ("ObjectMeta", "generation"),
        ("ObjectMeta", "deletionGracePeriodSeconds"),
        ("ListMeta", "remainingItemCount"),
        ("PodSpec", "terminationGracePeriodSeconds"),
        ("PodSpec", "activeDeadlineSeconds"),
        ("Probe", "terminationGracePeriodSeconds"),
        ("SecurityContext", "runAsUser"),
        ("SecurityContext", "runAsGroup"),
        ("PodSecurityContext", "runAsUser"),
        ("PodSecurityContext", "runAsGroup"),
        ("PodSecurityContext", "fsGroup"),
        ("PodSecurityContext", "supplementalGroups"),
        ("PodCondition", "observedGeneration"),
        ("PodStatus", "observedGeneration"),
        ("SleepAction", "seconds"),
        ("ServiceAccountTokenProjection", "expirationSeconds"),
    }
)

# (class name, wire name) -> (schema class, schema name) for fields described by another schema.
SCHEMA_AS: Final[dict[tuple[str, str], tuple[type[Wire], str]]] = {
    ("PodSpec", "ephemeralContainers"): (Container, "EphemeralContainer"),
    ("ContainerStatus", "resources"): (ResourceRequirements, "ResourceRequirements"),
    ("ObjectMeta", "managedFields"): (ManagedFieldsEntry, "ManagedFieldsEntry"),
    ("NamespaceStatus", "conditions"): (NamespaceCondition, "NamespaceCondition"),
}
# Fields only a variant schema has: `targetContainerName` is EphemeralContainer's alone.
VARIANT_ONLY: Final[dict[str, frozenset[str]]] = {"Container": frozenset({"targetContainerName"})}

# Opaque fields (kept as JSON objects by the model): the Kubernetes type explain should show.
OPAQUE_NAMES: Final[dict[tuple[str, str], str]] = {
    ("ManagedFieldsEntry", "fieldsV1"): "FieldsV1",
}

GVK_EXTENSION: Final = "x-kubernetes-group-version-kind"

# The model class of each kind a schema can be built for: the kinds the API decodes, and the
# read-only Node. A served kind missing here has no schema (explain answers "not found").
MODEL_CLASSES: Final[dict[str, type[Wire]]] = {**decoding.KINDS, "Node": node.Node}


def full_name(schema_name: str) -> str:
    """`Pod` -> `io.k8s.api.core.v1.Pod`; `ObjectMeta` -> `io.k8s.apimachinery...v1.ObjectMeta`."""
    return (META if schema_name in META_CLASSES else CORE) + schema_name


def _ref(schema_name: str) -> dict[str, Any]:
    return {"$ref": REF_PREFIX + full_name(schema_name)}


def unwrap_optional(annotation: Any) -> Any:
    """`X | None` -> `X` (the model's Go pointers); other annotations unchanged."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) < len(typing.get_args(annotation)):
            if len(args) == 1:
                return args[0]
            return typing.Union[tuple(args)]  # noqa: UP007 - rebuilding a runtime union
    return annotation


def is_int_or_string(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return set(typing.get_args(annotation)) == {int, str}
    return False


@functools.cache
def hints_of(cls: type[Wire]) -> dict[str, tuple[str, Any]]:
    """Wire name -> (attribute, annotation without Optional) of a model class."""
    hints = typing.get_type_hints(cls)
    return {
        field.encode_name: (field.name, unwrap_optional(hints[field.name]))
        for field in msgspec.structs.fields(cls)
    }


def list_facts(class_name: str, wire: str) -> ListFacts:
    return LIST_FACTS.get((class_name, wire), ATOMIC)


def element_class(cls: type[Wire], wire: str) -> tuple[type[Wire] | None, str]:
    """The struct class (and its schema name) that a field, or its list items or map values,
    hold; `(None, "")` for scalars and opaque objects."""
    override = SCHEMA_AS.get((cls.__name__, wire))
    if override is not None:
        return override
    entry = hints_of(cls).get(wire)
    if entry is None:
        return None, ""
    annotation = entry[1]
    origin = typing.get_origin(annotation)
    if origin is tuple:
        annotation = unwrap_optional(typing.get_args(annotation)[0])
    elif origin is dict:
        annotation = unwrap_optional(typing.get_args(annotation)[1])
    if isinstance(annotation, type) and issubclass(annotation, Wire):
        return annotation, annotation.__name__
    return None, ""


class _Builder:
    """Collects the component schemas reachable from the kinds (one per schema name)."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}

    def struct(self, cls: type[Wire], schema_name: str) -> str:
        """Add `cls` (as `schema_name`) and everything it references; returns its full name."""
        name = full_name(schema_name)
        if name in self.schemas:
            return name
        schema: dict[str, Any] = {"description": openapi_text.type_description(schema_name)}
        self.schemas[name] = schema  # placed first: recursive types end here
        properties: dict[str, Any] = {}
        skipped = VARIANT_ONLY.get(cls.__name__, frozenset()) if schema_name == cls.__name__ else ()
        for wire, (_attribute, annotation) in hints_of(cls).items():
            if wire in skipped:
                continue
            properties[wire] = self.field(cls, schema_name, wire, annotation)
        schema["properties"] = properties
        required = REQUIRED.get(schema_name, ())
        if required:
            schema["required"] = list(required)
        schema["type"] = "object"
        if cls is FieldsV1:
            del schema["properties"]
        return name

    def field(
        self, cls: type[Wire], schema_name: str, wire: str, annotation: Any
    ) -> dict[str, Any]:
        description = openapi_text.field_description(schema_name, wire)
        override = SCHEMA_AS.get((cls.__name__, wire))
        origin = typing.get_origin(annotation)
        if origin is tuple:
            (item, _ellipsis) = typing.get_args(annotation)
            items: dict[str, Any]
            if override is not None:
                items = {"allOf": [{"$ref": REF_PREFIX + self.struct(*override)}], "default": {}}
            else:
                items = self.value(cls, wire, unwrap_optional(item))
                if "$ref" in items:
                    items = {"allOf": [items], "default": {}}
            prop: dict[str, Any] = {"description": description, "items": items, "type": "array"}
            facts = list_facts(cls.__name__, wire)
            if facts.merge_key:
                prop["x-kubernetes-patch-merge-key"] = facts.merge_key
            if facts.strategy:
                prop["x-kubernetes-patch-strategy"] = facts.strategy
            prop["x-kubernetes-list-type"] = facts.list_type
            if facts.keys:
                prop["x-kubernetes-list-map-keys"] = list(facts.keys)
            return prop
        if override is not None:
            return {
                "allOf": [{"$ref": REF_PREFIX + self.struct(*override)}],
                "description": description,
            }
        value = self.value(cls, wire, annotation)
        if "$ref" in value:
            return {"allOf": [value], "description": description}
        return {"description": description, **value}

    def value(self, cls: type[Wire], wire: str, annotation: Any) -> dict[str, Any]:
        """The schema of a value (a field's type, a list item or a map value)."""
        origin = typing.get_origin(annotation)
        if annotation is str:
            return {"type": "string"}
        if annotation is bool:
            return {"type": "boolean"}
        if annotation is int:
            width = "int64" if (cls.__name__, wire) in INT64_FIELDS else "int32"
            return {"format": width, "type": "integer"}
        if annotation is float:
            return {"format": "double", "type": "number"}
        if annotation is quantity.Quantity:
            self.schemas.setdefault(QUANTITY, _QUANTITY_SCHEMA)
            return {"$ref": REF_PREFIX + QUANTITY}
        if annotation is datetime.datetime:
            micro = hints_of(cls)[wire][0] in cls.__wire_micro__
            time_name = "MicroTime" if micro else "Time"
            self.schemas.setdefault(META + time_name, _time_schema(time_name))
            return {"$ref": REF_PREFIX + META + time_name}
        if is_int_or_string(annotation):
            self.schemas.setdefault(INT_OR_STRING, _INT_OR_STRING_SCHEMA)
            return {"$ref": REF_PREFIX + INT_OR_STRING}
        if isinstance(annotation, type) and issubclass(annotation, Wire):
            return {"$ref": REF_PREFIX + self.struct(annotation, annotation.__name__)}
        if origin is dict:
            _key, item = typing.get_args(annotation)
            opaque = OPAQUE_NAMES.get((cls.__name__, wire))
            if opaque is not None:
                return {"$ref": REF_PREFIX + self.struct(FieldsV1, opaque)}
            if item is Any:
                return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            value = self.value(cls, wire, unwrap_optional(item))
            if "$ref" in value:
                value = {"allOf": [value], "default": {}}
            return {"additionalProperties": value, "type": "object"}
        if annotation is Any:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        raise TypeError(f"no schema for {annotation!r} ({cls.__name__}.{wire})")


_QUANTITY_SCHEMA: Final = {
    "description": openapi_text.type_description("Quantity"),
    "oneOf": [{"type": "string"}, {"type": "number"}],
}
_INT_OR_STRING_SCHEMA: Final = {
    "description": openapi_text.type_description("IntOrString"),
    "format": "int-or-string",
    "x-kubernetes-int-or-string": True,
}


def _time_schema(name: str) -> dict[str, Any]:
    return {
        "description": openapi_text.type_description(name),
        "format": "date-time",
        "type": "string",
    }


def _gvk(kind: str) -> list[dict[str, str]]:
    return [{"group": "", "kind": kind, "version": "v1"}]


def build_schemas(kinds: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """`components.schemas`: each kind, its `<Kind>List`, and everything they reference."""
    builder = _Builder()
    for kind in kinds:
        cls = MODEL_CLASSES.get(kind)
        if cls is None:
            continue
        builder.struct(cls, kind)
        builder.schemas[full_name(kind)][GVK_EXTENSION] = _gvk(kind)
        list_name = f"{kind}List"
        builder.schemas[full_name(list_name)] = {
            "description": openapi_text.list_description(kind),
            "properties": {
                "apiVersion": {
                    "description": openapi_text.field_description("", "apiVersion"),
                    "type": "string",
                },
                "items": {
                    "description": openapi_text.list_items_description(kind),
                    "items": {"allOf": [{"$ref": REF_PREFIX + full_name(kind)}], "default": {}},
                    "type": "array",
                },
                "kind": {
                    "description": openapi_text.field_description("", "kind"),
                    "type": "string",
                },
                "metadata": {
                    "allOf": [{"$ref": REF_PREFIX + builder.struct(ListMeta, "ListMeta")}],
                    "default": {},
                    "description": openapi_text.field_description(list_name, "metadata"),
                },
            },
            "required": ["items"],
            "type": "object",
            GVK_EXTENSION: _gvk(list_name),
        }
    builder.struct(Status, "Status")
    builder.schemas[full_name("Status")][GVK_EXTENSION] = _gvk("Status")
    builder.struct(ObjectMeta, "ObjectMeta")
    return dict(sorted(builder.schemas.items()))


# --- paths -----------------------------------------------------------------------------------

PATCH_TYPES: Final = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)


def _query(name: str, description: str, type_: str = "string") -> dict[str, Any]:
    return {
        "description": description,
        "in": "query",
        "name": name,
        "schema": {"type": type_, "uniqueItems": True},
    }


_FIELD_VALIDATION: Final = _query("fieldValidation", openapi_text.FIELD_VALIDATION)
_FIELD_MANAGER: Final = _query("fieldManager", openapi_text.FIELD_MANAGER)
_DRY_RUN: Final = _query("dryRun", openapi_text.DRY_RUN)
_FORCE: Final = _query("force", openapi_text.FORCE, "boolean")


def _operation(kind: str, action: str, *, body: tuple[str, ...] = ()) -> dict[str, Any]:
    ref = {"schema": {"$ref": REF_PREFIX + full_name(kind)}}
    operation: dict[str, Any] = {
        "description": openapi_text.operation_description(action, kind),
        "operationId": f"{action}CoreV1{kind}",
        "responses": {
            "200": {"content": {"application/json": ref}, "description": "OK"},
            "401": {"description": "Unauthorized"},
        },
        "tags": ["core_v1"],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": "", "kind": kind, "version": "v1"},
    }
    if body:
        schema: dict[str, Any] = (
            {"type": "object"} if action == "patch" else {"$ref": REF_PREFIX + full_name(kind)}
        )
        operation["requestBody"] = {
            "content": {media: {"schema": schema} for media in body},
            "required": True,
        }
        parameters = [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION]
        if action == "patch":
            parameters.append(_FORCE)
        operation["parameters"] = parameters
    if action == "post":
        operation["responses"]["201"] = {
            "content": {"application/json": ref},
            "description": "Created",
        }
    return operation


class ServedResource(Protocol):
    """What the OpenAPI needs of a served resource (`discovery.Resource` is one)."""

    @property
    def name(self) -> str: ...  # plural

    @property
    def kind(self) -> str: ...

    @property
    def namespaced(self) -> bool: ...

    @property
    def verbs(self) -> tuple[str, ...]: ...


def build_paths(resources: Sequence[ServedResource]) -> dict[str, Any]:
    """Per served kind, the operations its verbs allow: create on the collection; get, replace
    and patch on the item (the PATCH carries `fieldValidation`, which kubectl looks for)."""
    paths: dict[str, Any] = {}
    for resource in resources:
        kind = resource.kind
        plural = resource.name
        if resource.namespaced:
            base = f"/api/v1/namespaces/{{namespace}}/{plural}"
        else:
            base = f"/api/v1/{plural}"
        collection: dict[str, Any] = {}
        item: dict[str, Any] = {}
        if "create" in resource.verbs:
            collection["post"] = _operation(kind, "post", body=("*/*",))
        if "get" in resource.verbs:
            item["get"] = _operation(kind, "get")
        if "update" in resource.verbs:
            item["put"] = _operation(kind, "put", body=("*/*",))
        if "patch" in resource.verbs:
            item["patch"] = _operation(kind, "patch", body=PATCH_TYPES)
        if collection:
            paths[base] = collection
        if item:
            paths[base + "/{name}"] = item
    return paths


def document(resources: Sequence[ServedResource]) -> dict[str, Any]:
    """The `api/v1` OpenAPI v3 document for the served resources."""
    return {
        "components": {"schemas": build_schemas(tuple(r.kind for r in resources))},
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "openapi": "3.0.0",
        "paths": build_paths(resources),
    }


class Served(msgspec.Struct, frozen=True):
    body: bytes
    hash: str


def encode_document(resources: Sequence[ServedResource]) -> Served:
    """The encoded document and its hash (kubectl caches the document by this hash)."""
    body = json.dumps(document(resources), separators=(",", ":")).encode()
    return Served(body=body, hash=hashlib.sha512(body).hexdigest()[:128].upper())


SERVED_KEY: Final = web.AppKey("openapi", Served)


# --- handlers --------------------------------------------------------------------------------


async def openapi_v3_root(request: web.Request) -> web.StreamResponse:
    url = f"/openapi/v3/api/v1?hash={request.app[SERVED_KEY].hash}"
    return errors.json_response({"paths": {"api/v1": {"serverRelativeURL": url}}})


async def openapi_v3_core(request: web.Request) -> web.StreamResponse:
    current = request.app[SERVED_KEY]
    etag = f'"{current.hash}"'
    headers = {"Etag": etag, "Cache-Control": "public, immutable", "Content-Type": errors.JSON}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=current.body, headers=headers)


async def openapi_v2(request: web.Request) -> web.StreamResponse:
    """kubectl parses `/openapi/v2` only as protobuf: a 404 sends it to v3."""
    raise errors.not_found_path()


def add_routes(app: web.Application, resources: Sequence[ServedResource]) -> None:
    """Serve the OpenAPI of `resources` (encoded once, here)."""
    app[SERVED_KEY] = encode_document(resources)
    app.router.add_get("/openapi/v2", openapi_v2)
    app.router.add_get("/openapi/v3", openapi_v3_root)
    app.router.add_get("/openapi/v3/api/v1", openapi_v3_core)
