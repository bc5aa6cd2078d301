"""The OpenAPI v3 document generated from the model: every field, Kubernetes' facts, GVKs."""

from __future__ import annotations

import typing
from typing import Any

import kubernetes.client.models as client_models
import msgspec
import pytest

from tinykube.api.wire import Wire
from tinykube.server import discovery, openapi

DOCUMENT = openapi.document(discovery.RESOURCES)
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]


def schema(name: str) -> dict[str, Any]:
    result: dict[str, Any] = SCHEMAS[openapi.full_name(name)]
    return result


def prop(type_name: str, field: str) -> dict[str, Any]:
    result: dict[str, Any] = schema(type_name)["properties"][field]
    return result


def _reachable() -> dict[str, type[Wire]]:
    """Schema name -> model class of every struct reachable from the served kinds."""
    found: dict[str, type[Wire]] = {}

    def walk(cls: type[Wire], name: str) -> None:
        if name in found:
            return
        found[name] = cls
        for wire in openapi.hints_of(cls):
            element, element_name = openapi.element_class(cls, wire)
            if element is not None:
                walk(element, element_name)

    for resource in discovery.RESOURCES:
        walk(openapi.MODEL_CLASSES[resource.kind], resource.kind)
    return found


REACHABLE = _reachable()


@pytest.mark.parametrize("name", sorted(REACHABLE))
def test_every_model_field_is_described(name: str) -> None:
    cls = REACHABLE[name]
    properties = schema(name)["properties"]
    skipped = openapi.VARIANT_ONLY.get(cls.__name__, frozenset()) if name == cls.__name__ else ()
    expected = {f.encode_name for f in msgspec.structs.fields(cls)} - set(skipped)
    assert set(properties) == expected
    assert schema(name)["description"]
    for field, value in properties.items():
        assert value["description"], f"{name}.{field} has no description"


@pytest.mark.parametrize("resource", discovery.RESOURCES, ids=lambda r: r.kind)
def test_kinds_and_lists_carry_their_group_version_kind(resource: discovery.Resource) -> None:
    assert schema(resource.kind)[openapi.GVK_EXTENSION] == [
        {"group": "", "kind": resource.kind, "version": "v1"}
    ]
    listing = schema(f"{resource.kind}List")
    assert listing[openapi.GVK_EXTENSION][0]["kind"] == f"{resource.kind}List"
    assert listing["required"] == ["items"]
    assert listing["properties"]["items"]["items"]["allOf"][0]["$ref"].endswith(
        f".v1.{resource.kind}"
    )
    assert schema("Status")[openapi.GVK_EXTENSION][0]["kind"] == "Status"


@pytest.mark.parametrize(
    ("type_name", "field", "merge_key", "strategy", "list_type", "keys"),
    [
        ("PodSpec", "containers", "name", "merge", "map", ["name"]),
        ("PodSpec", "initContainers", "name", "merge", "map", ["name"]),
        ("PodSpec", "volumes", "name", "merge,retainKeys", "map", ["name"]),
        ("Container", "env", "name", "merge", "map", ["name"]),
        ("Container", "ports", "containerPort", "merge", "map", ["containerPort", "protocol"]),
        ("Container", "volumeMounts", "mountPath", "merge", "map", ["mountPath"]),
        ("PodStatus", "conditions", "type", "merge", "map", ["type"]),
        ("ObjectMeta", "ownerReferences", "uid", "merge", "map", ["uid"]),
        ("ObjectMeta", "finalizers", None, "merge", "set", None),
        ("Container", "command", None, None, "atomic", None),
        ("PodSpec", "tolerations", None, None, "atomic", None),
    ],
)
def test_lists_carry_kubernetes_merge_facts(
    type_name: str,
    field: str,
    merge_key: str | None,
    strategy: str | None,
    list_type: str,
    keys: list[str] | None,
) -> None:
    value = prop(type_name, field)
    assert value["type"] == "array"
    assert value.get("x-kubernetes-patch-merge-key") == merge_key
    assert value.get("x-kubernetes-patch-strategy") == strategy
    assert value["x-kubernetes-list-type"] == list_type
    assert value.get("x-kubernetes-list-map-keys") == keys


def _client_required(name: str) -> set[str] | None:
    model = getattr(client_models, f"CoreV1{name}", None) or getattr(
        client_models, f"V1{name}", None
    )
    if model is None or not hasattr(model, "model_fields"):
        return None
    return {
        (field.serialization_alias or attribute)
        for attribute, field in model.model_fields.items()
        if field.is_required()
    }


@pytest.mark.parametrize("name", sorted(REACHABLE))
def test_required_fields_match_the_official_client(name: str) -> None:
    """The official Python client is generated from Kubernetes' OpenAPI: same `required`."""
    expected = _client_required(name)
    if expected is None:
        pytest.skip(f"the client has no V1{name}")
    assert set(schema(name).get("required", [])) == expected


def test_special_types() -> None:
    port = prop("HTTPGetAction", "port")
    assert port["allOf"][0]["$ref"] == openapi.REF_PREFIX + openapi.INT_OR_STRING
    assert SCHEMAS[openapi.INT_OR_STRING]["format"] == "int-or-string"
    limits = prop("ResourceRequirements", "limits")
    assert limits["additionalProperties"]["allOf"][0]["$ref"].endswith("resource.Quantity")
    created = prop("ObjectMeta", "creationTimestamp")
    assert created["allOf"][0]["$ref"].endswith("meta.v1.Time")
    assert prop("Event", "eventTime")["allOf"][0]["$ref"].endswith("meta.v1.MicroTime")
    assert prop("PodSpec", "terminationGracePeriodSeconds")["format"] == "int64"
    assert prop("Container", "stdin") == {
        "description": prop("Container", "stdin")["description"],
        "type": "boolean",
    }
    assert "targetContainerName" not in schema("Container")["properties"]
    assert "targetContainerName" in schema("EphemeralContainer")["properties"]
    assert prop("ContainerStatus", "resources")["allOf"][0]["$ref"].endswith(
        ".v1.ResourceRequirements"
    )


def test_patch_operations_let_kubectl_validate_on_the_server() -> None:
    pod = DOCUMENT["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert pod["x-kubernetes-group-version-kind"] == {"group": "", "kind": "Pod", "version": "v1"}
    names = [parameter["name"] for parameter in pod["parameters"]]
    assert "fieldValidation" in names
    assert set(pod["requestBody"]["content"]) == set(openapi.PATCH_TYPES)
    nodes = DOCUMENT["paths"].get("/api/v1/nodes/{name}", {})
    assert "patch" not in nodes  # nodes are read-only


def test_every_reference_resolves() -> None:
    def refs(value: Any) -> typing.Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "$ref":
                    yield item
                else:
                    yield from refs(item)
        elif isinstance(value, list):
            for item in value:
                yield from refs(item)

    for ref in refs(DOCUMENT):
        assert ref.removeprefix(openapi.REF_PREFIX) in SCHEMAS, ref
