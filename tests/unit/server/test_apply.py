"""Server-side apply and managedFields, field validation directives, protobuf request bodies."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest

from tinykube.api.objects import ConfigMap
from tinykube.api.pod import Pod
from tinykube.server import apply, errors, field_validation, protobuf

NOW = datetime.datetime(2026, 11, 27, 5, 38, 34, tzinfo=datetime.UTC)


def pod(image: str = "busybox:1.35", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", **labels}},
        "spec": {
            "containers": [
                {"name": "app", "image": image, "ports": [{"containerPort": 80}]},
            ]
        },
    }


def test_field_sets_use_the_structured_merge_diff_encoding() -> None:
    fields = apply.fieldset_of(pod(), Pod)
    assert apply.encode(fields) == {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:containers": {
                'k:{"name":"app"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": {
                        'k:{"containerPort":80,"protocol":"TCP"}': {
                            ".": {},
                            "f:containerPort": {},
                        }
                    },
                }
            }
        },
    }
    assert apply.decode(apply.encode(fields)) == fields


def test_create_then_conflicting_apply_names_the_manager_and_path() -> None:
    created = pod()
    managed = apply.record_update(
        old=None,
        new=created,
        cls=Pod,
        managed_fields=(),
        manager="kubectl-client-side-apply",
        now=NOW,
    )
    created["metadata"]["managedFields"] = managed
    with pytest.raises(apply.ConflictError) as caught:
        apply.apply(
            live=created,
            config=pod("busybox:1.36"),
            cls=Pod,
            manager="kubectl",
            force=False,
            now=NOW,
        )
    assert str(caught.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: '
        '.spec.containers[name="app"].image'
    )
    forced = apply.apply(
        live=created, config=pod("busybox:1.36"), cls=Pod, manager="kubectl", force=True, now=NOW
    )
    assert forced.obj["spec"]["containers"][0]["image"] == "busybox:1.36"
    owners = {entry["manager"]: entry["fieldsV1"] for entry in forced.managed_fields}
    image = owners["kubectl"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert "f:image" in image
    csa = owners["kubectl-client-side-apply"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert "f:image" not in csa and "f:name" in csa  # shared fields stay shared


def test_an_equal_value_is_shared_not_a_conflict() -> None:
    created = pod()
    created["metadata"]["managedFields"] = apply.record_update(
        old=None, new=created, cls=Pod, managed_fields=(), manager="other", now=NOW
    )
    result = apply.apply(live=created, config=pod(), cls=Pod, manager="me", force=False, now=NOW)
    assert {entry["manager"] for entry in result.managed_fields} == {"other", "me"}


def test_fields_no_longer_applied_are_removed_unless_someone_else_owns_them() -> None:
    first = apply.apply(
        live=None, config=pod(tier="x"), cls=Pod, manager="me", force=False, now=NOW
    )
    live = first.obj
    live["metadata"]["managedFields"] = first.managed_fields
    second = apply.apply(live=live, config=pod(), cls=Pod, manager="me", force=False, now=NOW)
    assert second.obj["metadata"]["labels"] == {"app": "web"}


def test_update_moves_changed_fields_to_the_updating_manager() -> None:
    old = pod()
    old["metadata"]["managedFields"] = apply.record_update(
        old=None, new=old, cls=Pod, managed_fields=(), manager="creator", now=NOW
    )
    new = pod(tier="x")
    managed = apply.record_update(
        old=old,
        new=new,
        cls=Pod,
        managed_fields=old["metadata"]["managedFields"],
        manager="kubectl-label",
        now=NOW,
    )
    owners = {entry["manager"]: entry["fieldsV1"] for entry in managed}
    assert owners["kubectl-label"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    assert "f:app" in owners["creator"]["f:metadata"]["f:labels"]


def test_managed_fields_in_an_apply_configuration_are_refused() -> None:
    config = pod()
    config["metadata"]["managedFields"] = [{"manager": "x"}]
    with pytest.raises(apply.ApplyError, match="managedFields must be nil"):
        apply.apply(live=None, config=config, cls=Pod, manager="me", force=False, now=NOW)


# --- field validation ------------------------------------------------------------------------


BODY = b'{"kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"k":"v"},"foo":1}'


def test_strict_rejects_unknown_and_duplicate_fields_in_one_message() -> None:
    parsed = field_validation.loads(BODY)
    assert parsed.duplicates == ("metadata.name",)
    with pytest.raises(errors.ApiError) as caught:
        field_validation.check(
            parsed.value,
            ConfigMap,
            directive=field_validation.Directive.STRICT,
            duplicates=parsed.duplicates,
        )
    assert caught.value.code == 400
    assert caught.value.message == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "foo", duplicate field "metadata.name"'
    )


def test_warn_drops_the_fields_and_warns_ignore_drops_them_silently() -> None:
    parsed = field_validation.loads(BODY)
    warned = field_validation.check(
        parsed.value, ConfigMap, directive=field_validation.Directive.WARN
    )
    assert "foo" not in warned.raw and warned.raw["metadata"]["name"] == "b"
    assert warned.warnings == ('unknown field "foo"',)
    assert field_validation.warning_header(warned.warnings) == {
        "Warning": '299 - "unknown field \\"foo\\""'
    }
    ignored = field_validation.check(
        parsed.value, ConfigMap, directive=field_validation.Directive.IGNORE
    )
    assert ignored.warnings == () and "foo" not in ignored.raw


def test_nested_unknown_fields_have_their_paths() -> None:
    raw = {"spec": {"containers": [{"name": "a", "imagee": "x"}], "foo": {}}}
    _pruned, unknown = field_validation.prune_unknown(raw, Pod)
    assert unknown == ["spec.containers[0].imagee", "spec.foo"]


def test_directive_default_and_invalid_values() -> None:
    assert field_validation.parse_directive("", options_kind="CreateOptions") == "Warn"
    with pytest.raises(errors.ApiError) as caught:
        field_validation.parse_directive("Loud", options_kind="CreateOptions")
    assert caught.value.code == 422
    assert 'Unsupported value: "Loud"' in caught.value.message


# --- protobuf --------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _entry(key: str, value: bytes) -> bytes:
    return _field(1, key.encode()) + _field(2, value)


def _envelope(kind: str, raw: bytes) -> bytes:
    type_meta = _field(1, b"v1") + _field(2, kind.encode())
    return protobuf.MAGIC + _field(1, type_meta) + _field(2, raw)


def test_a_secret_sent_by_kubectl_create_secret_decodes_to_its_json_form() -> None:
    meta = _field(1, b"s") + _field(3, b"default") + _field(8, b"")
    raw = _field(1, meta) + _field(2, _entry("a", b"\x00b")) + _field(3, b"Opaque")
    decoded = protobuf.decode(_envelope("Secret", raw))
    assert decoded == {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "s", "namespace": "default", "creationTimestamp": None},
        "data": {"a": base64.b64encode(b"\x00b").decode()},
        "type": "Opaque",
    }


def test_other_kinds_and_broken_bodies_are_refused() -> None:
    with pytest.raises(protobuf.UnsupportedKind):
        protobuf.decode(_envelope("Pod", b""))
    with pytest.raises(protobuf.ProtobufError):
        protobuf.decode(b"not protobuf")
    with pytest.raises(protobuf.ProtobufError):
        protobuf.decode(_envelope("ConfigMap", b"\x0a\x05ab"))  # truncated metadata
