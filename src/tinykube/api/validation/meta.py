"""ObjectMeta validation on create and update (apimachinery's `ValidateObjectMeta`, core's extras).

`validate_object_meta` is apimachinery's `ValidateObjectMetaAccessor` followed by core's check of
legacy finalizer names; `validate_object_meta_update` is `ValidateObjectMetaAccessorUpdate` plus
the same finalizer check. Labels (`ValidateLabels`) and annotations (`ValidateAnnotations`) are
exported for the pod spec (`nodeSelector`) and for `objects`. Go iterates maps in random order;
here keys are visited sorted, so error lists are deterministic.

One deliberate difference: the apiserver generates `name` from `generateName` *before*
validation. tinykube may validate first, so an empty `name` with a `generateName` is accepted
(the prefix itself is still checked, masked as Kubernetes masks it).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from tinykube.api import field
from tinykube.api.field import FieldError, Path
from tinykube.api.meta import ObjectMeta, OwnerReference
from tinykube.api.validation import containers, names

NameCheck = Callable[[str, bool], list[str]]
"""A `ValidateNameFunc`: (name, prefix) -> problems; `prefix` is True for `generateName`."""

TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * 1024
FIELD_IMMUTABLE: Final = "field is immutable"
IS_NEGATIVE: Final = "must be greater than or equal to 0"
_STANDARD_FINALIZERS: Final = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
_ORPHAN: Final = "orphan"
_FOREGROUND: Final = "foregroundDeletion"
_BANNED_OWNERS: Final = frozenset({("", "v1", "Event")})
_FIELD_MANAGER_MAX_LENGTH: Final = 128
_MAX_SUBRESOURCE_NAME_LENGTH: Final = 256


def byte_length(value: str) -> int:
    """Go's `len()` of a string (UTF-8 bytes)."""
    return len(value.encode("utf-8", "surrogatepass"))


def _mask_trailing_dash(name: str) -> str:
    if name.endswith("-"):
        return name[:-2] + "a" if len(name) > 1 else "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """`NameIsDNSSubdomain` (pods, config maps, secrets)."""
    return names.dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """`NameIsDNSLabel` (namespaces: `ValidateNamespaceName`)."""
    return names.dns1123_label(_mask_trailing_dash(name) if prefix else name)


# --- labels, annotations, finalizers, owners ----------------------------------------------


def validate_label_name(name: str, path: Path) -> list[FieldError]:
    """`ValidateLabelName`: a qualified name."""
    return [field.invalid(path, name, message) for message in names.qualified_name(name)]


def validate_labels(labels: Mapping[str, str], path: Path) -> list[FieldError]:
    """`ValidateLabels`: every error is reported on `path` itself, not on the key."""
    errors: list[FieldError] = []
    for key in sorted(labels):
        errors.extend(validate_label_name(key, path))
        errors.extend(
            field.invalid(path, labels[key], msg) for msg in names.label_value(labels[key])
        )
    return errors


def annotations_size(annotations: Mapping[str, str]) -> int:
    return sum(byte_length(key) + byte_length(value) for key, value in annotations.items())


def validate_annotations(annotations: Mapping[str, str], path: Path) -> list[FieldError]:
    """`ValidateAnnotations`: keys are qualified names (case-insensitive); total ≤ 256 KiB."""
    errors: list[FieldError] = []
    for key in sorted(annotations):
        errors.extend(
            field.invalid(path, key, message) for message in names.qualified_name(key.lower())
        )
    if annotations_size(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(field.too_long(path, "", TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_finalizer_name(name: str, path: Path) -> list[FieldError]:
    """apimachinery `ValidateFinalizerName`: a qualified name."""
    return [field.invalid(path, name, message) for message in names.qualified_name(name)]


def validate_kube_finalizer_name(name: str, path: Path) -> list[FieldError]:
    """core `validateKubeFinalizerName`: an unqualified name must be a standard one."""
    if "/" not in name and name not in _STANDARD_FINALIZERS:
        return [
            field.invalid(
                path, name, "name is neither a standard finalizer name nor is it fully qualified"
            )
        ]
    return []


def validate_finalizers(finalizers: Iterable[str], path: Path) -> list[FieldError]:
    """apimachinery `ValidateFinalizers` (errors on the list path, without an index)."""
    finalizers = tuple(finalizers)
    errors: list[FieldError] = []
    for name in finalizers:
        errors.extend(validate_finalizer_name(name, path))
    if _ORPHAN in finalizers and _FOREGROUND in finalizers:
        errors.append(
            field.invalid(
                path,
                list(finalizers),
                f"finalizer {_ORPHAN} and {_FOREGROUND} cannot be both set",
            )
        )
    return errors


def _group_version(api_version: str) -> tuple[str, str]:
    """`schema.ParseGroupVersion`, falling back to an empty group/version on an error."""
    if not api_version:
        return "", ""
    if api_version.count("/") == 0:
        return "", api_version
    if api_version.count("/") == 1:
        group, version = api_version.split("/")
        return group, version
    return "", ""


def _go_bool_pointer(value: bool | None) -> str:
    return "(*bool)(nil)" if value is None else f"&{'true' if value else 'false'}"


def render_owner_reference(ref: OwnerReference) -> str:
    """`%#v` of a `v1.OwnerReference` (pointer fields shown by value rather than address)."""
    return (
        f"v1.OwnerReference{{APIVersion:{field.go_quote(ref.api_version)}, "
        f"Kind:{field.go_quote(ref.kind)}, Name:{field.go_quote(ref.name)}, "
        f'UID:"{ref.uid}", Controller:{_go_bool_pointer(ref.controller)}, '
        f"BlockOwnerDeletion:{_go_bool_pointer(ref.block_owner_deletion)}}}"
    )


def _validate_owner_reference(ref: OwnerReference, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    group, version = _group_version(ref.api_version)
    if not version:
        errors.append(
            field.invalid(path.child("apiVersion"), ref.api_version, "version must not be empty")
        )
    if not ref.kind:
        errors.append(field.invalid(path.child("kind"), ref.kind, "must not be empty"))
    if not ref.name:
        errors.append(field.invalid(path.child("name"), ref.name, "must not be empty"))
    if not ref.uid:
        errors.append(field.invalid(path.child("uid"), ref.uid, "must not be empty"))
    if (group, version, ref.kind) in _BANNED_OWNERS:
        gvk = f"{group}/{version}, Kind={ref.kind}"
        errors.append(
            field.invalid(
                path,
                containers.GoValue(render_owner_reference(ref)),
                f"{gvk} is disallowed from being an owner",
            )
        )
    return errors


def validate_owner_references(refs: Iterable[OwnerReference], path: Path) -> list[FieldError]:
    """`ValidateOwnerReferences`: errors on the list path; at most one controller."""
    refs = tuple(refs)
    errors: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        errors.extend(_validate_owner_reference(ref, path))
        if ref.controller:
            current = f"{ref.kind}/{ref.name}"
            if first_controller:
                rendered = ", ".join(render_owner_reference(item) for item in refs)
                errors.append(
                    field.invalid(
                        path,
                        containers.GoValue(f"[]v1.OwnerReference{{{rendered}}}"),
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errors


def _validate_field_manager(manager: str, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(manager) > _FIELD_MANAGER_MAX_LENGTH:
        errors.append(field.too_long(path, manager, _FIELD_MANAGER_MAX_LENGTH))
    for position, char in enumerate(manager):
        if not char.isprintable():
            errors.append(
                field.invalid(
                    path,
                    manager,
                    f"invalid character U+{ord(char):04X} (at position {position})",
                )
            )
    return errors


def validate_managed_fields(entries: Iterable[Mapping[str, Any]], path: Path) -> list[FieldError]:
    """`ValidateManagedFields` over the raw entries."""
    errors: list[FieldError] = []
    for position, entry in enumerate(entries):
        entry_path = path.index(position)
        operation = entry.get("operation", "")
        if operation not in ("Apply", "Update"):
            errors.append(
                field.invalid(
                    entry_path.child("operation"), operation, "must be `Apply` or `Update`"
                )
            )
        fields_type = entry.get("fieldsType", "")
        if fields_type and fields_type != "FieldsV1":
            errors.append(
                field.invalid(entry_path.child("fieldsType"), fields_type, "must be `FieldsV1`")
            )
        errors.extend(
            _validate_field_manager(str(entry.get("manager", "")), entry_path.child("manager"))
        )
        subresource = str(entry.get("subresource", ""))
        if len(subresource) > _MAX_SUBRESOURCE_NAME_LENGTH:
            errors.append(
                field.too_long(
                    entry_path.child("subresource"), subresource, _MAX_SUBRESOURCE_NAME_LENGTH
                )
            )
    return errors


# --- create -----------------------------------------------------------------------------------


def _validate_names(meta: ObjectMeta, name_check: NameCheck, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if meta.generate_name:
        errors.extend(
            field.invalid(path.child("generateName"), meta.generate_name, message)
            for message in name_check(meta.generate_name, True)
        )
    if not meta.name:
        if not meta.generate_name:
            errors.append(field.required(path.child("name"), "name or generateName is required"))
    else:
        errors.extend(
            field.invalid(path.child("name"), meta.name, message)
            for message in name_check(meta.name, False)
        )
    return errors


def _validate_namespace(meta: ObjectMeta, namespaced: bool, path: Path) -> list[FieldError]:
    namespace_path = path.child("namespace")
    if not namespaced:
        if meta.namespace:
            return [field.forbidden(namespace_path, "not allowed on this type")]
        return []
    if not meta.namespace:
        return [field.required(namespace_path)]
    return [
        field.invalid(namespace_path, meta.namespace, message)
        for message in name_is_dns_label(meta.namespace, False)
    ]


def _validate_common(meta: ObjectMeta, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if meta.generation < 0:
        errors.append(field.invalid(path.child("generation"), meta.generation, IS_NEGATIVE))
    errors.extend(validate_labels(meta.labels, path.child("labels")))
    errors.extend(validate_annotations(meta.annotations, path.child("annotations")))
    errors.extend(validate_owner_references(meta.owner_references, path.child("ownerReferences")))
    errors.extend(validate_finalizers(meta.finalizers, path.child("finalizers")))
    errors.extend(validate_managed_fields(meta.managed_fields, path.child("managedFields")))
    return errors


def _validate_kube_finalizers(meta: ObjectMeta, path: Path) -> list[FieldError]:
    finalizers_path = path.child("finalizers")
    errors: list[FieldError] = []
    for position, name in enumerate(meta.finalizers):
        errors.extend(validate_kube_finalizer_name(name, finalizers_path.index(position)))
    return errors


def validate_object_meta(
    meta: ObjectMeta, *, namespaced: bool, name_check: NameCheck, path: Path
) -> list[FieldError]:
    """core `ValidateObjectMeta`: names, namespace, labels, annotations, owners, finalizers."""
    errors = _validate_names(meta, name_check, path)
    errors.extend(_validate_namespace(meta, namespaced, path))
    errors.extend(_validate_common(meta, path))
    errors.extend(_validate_kube_finalizers(meta, path))
    return errors


# --- update -----------------------------------------------------------------------------------


def _go_time(value: datetime.datetime | None) -> Any:
    """A `metav1.Time` as a field error prints it (its `String()`), or null."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return containers.GoValue(value.strftime("%Y-%m-%d %H:%M:%S +0000 UTC"))


def _immutable(new: Any, old: Any, path: Path, shown: Any = None) -> list[FieldError]:
    if new == old:
        return []
    return [field.invalid(path, new if shown is None else shown, FIELD_IMMUTABLE)]


def _no_new_finalizers(new: ObjectMeta, old: ObjectMeta, path: Path) -> list[FieldError]:
    if old.deletion_timestamp is None:
        return []
    extra = sorted(set(new.finalizers) - set(old.finalizers))
    if not extra:
        return []
    listed = ", ".join(field.go_quote(item) for item in extra)
    return [
        field.forbidden(
            path.child("finalizers"),
            "no new finalizers can be added if the object is being deleted, "
            f"found new finalizers []string{{{listed}}}",
        )
    ]


def validate_object_meta_update(new: ObjectMeta, old: ObjectMeta, path: Path) -> list[FieldError]:
    """core `ValidateObjectMetaUpdate`: identity and timestamps are immutable."""
    errors = _no_new_finalizers(new, old, path)
    if not new.resource_version:
        errors.append(
            field.invalid(
                path.child("resourceVersion"),
                new.resource_version,
                "must be specified for an update",
            )
        )
    if new.generation < old.generation:
        errors.append(
            field.invalid(path.child("generation"), new.generation, "must not be decremented")
        )
    errors.extend(_immutable(new.name, old.name, path.child("name")))
    errors.extend(_immutable(new.namespace, old.namespace, path.child("namespace")))
    errors.extend(_immutable(new.uid, old.uid, path.child("uid")))
    errors.extend(
        _immutable(
            new.creation_timestamp,
            old.creation_timestamp,
            path.child("creationTimestamp"),
            _go_time(new.creation_timestamp) or containers.GoValue("0001-01-01 00:00:00 +0000 UTC"),
        )
    )
    errors.extend(
        _immutable(
            new.deletion_timestamp,
            old.deletion_timestamp,
            path.child("deletionTimestamp"),
            _go_time(new.deletion_timestamp) or containers.GoValue("null"),
        )
    )
    errors.extend(
        _immutable(
            new.deletion_grace_period_seconds,
            old.deletion_grace_period_seconds,
            path.child("deletionGracePeriodSeconds"),
            containers.GoValue("null")
            if new.deletion_grace_period_seconds is None
            else new.deletion_grace_period_seconds,
        )
    )
    errors.extend(validate_labels(new.labels, path.child("labels")))
    errors.extend(validate_annotations(new.annotations, path.child("annotations")))
    errors.extend(validate_owner_references(new.owner_references, path.child("ownerReferences")))
    errors.extend(validate_managed_fields(new.managed_fields, path.child("managedFields")))
    errors.extend(_validate_kube_finalizers(new, path))
    return errors
