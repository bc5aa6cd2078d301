"""Pod volume validation (core `ValidateVolumes` and `validateVolumeSource`).

`validate_volumes` returns the volumes that passed (by name, for the container checks of
`containers`) and the errors, in Kubernetes' order: for each volume, its source errors first,
then its name errors. A volume with any error is left out of the returned map, so mounts of it
later fail with `Not found`, as in Kubernetes.

Sources tinykube models as opaque dicts (cloud disks, nfs, csi, ...) are counted for the
"exactly one source" rule only; their inner fields are not checked here.
Note Kubernetes does not validate `emptyDir.medium`; neither does this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from tinykube.api import field
from tinykube.api.field import FieldError, Path
from tinykube.api.pod import (
    ConfigMapVolumeSource,
    DownwardAPIVolumeFile,
    DownwardAPIVolumeSource,
    EmptyDirVolumeSource,
    HostPathVolumeSource,
    KeyToPath,
    ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource,
    ProjectedVolumeSource,
    ResourceFieldSelector,
    SecretVolumeSource,
    Volume,
    VolumeProjection,
)
from tinykube.api.validation import names

FILE_MODE_ERROR: Final = "must be a number between 0 and 0777 (octal), both inclusive"
MORE_THAN_ONE: Final = "may not specify more than 1 volume type"

HOST_PATH_TYPES: Final = (
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
)
"""`sets.List(supportedHostPathTypes)`: sorted, the empty (unset) type first."""

VOLUME_FIELD_PATHS: Final = (
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
)
"""Downward API field paths a volume file may project (sorted as Kubernetes lists them)."""

CONTAINER_RESOURCE_FIELD_PATHS: Final = (
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
)
_HUGEPAGES_PREFIXES: Final = ("limits.hugepages-", "requests.hugepages-")
_DOWNWARD_API_LABELS: Final = frozenset(
    {
        "metadata.annotations",
        "metadata.labels",
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.serviceAccountName",
        "spec.schedulerName",
        "status.phase",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    }
)
_CPU_DIVISORS: Final = frozenset({"1m", "1"})
_BYTE_DIVISORS: Final = frozenset(
    {"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)
_BYTE_DIVISOR_TEXT: Final = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei"

# The Forbidden path Kubernetes uses for a second source (note its "downwarAPI" typo and
# "cephFS"), and the path its source checks use when they differ.
_EXTRA_SOURCE_PATH: Final = {"downwardAPI": "downwarAPI", "cephfs": "cephFS"}


# --- paths and modes --------------------------------------------------------------------------


def validate_path_no_backsteps(target: str, path: Path) -> list[FieldError]:
    """`validatePathNoBacksteps`: no `..` element (one error however many there are)."""
    if ".." in target.split("/"):
        return [field.invalid(path, target, "must not contain '..'")]
    return []


def validate_local_descending_path(target: str, path: Path) -> list[FieldError]:
    """`validateLocalDescendingPath`: relative, without `..` elements."""
    errors: list[FieldError] = []
    if target.startswith("/"):
        errors.append(field.invalid(path, target, "must be a relative path"))
    errors.extend(validate_path_no_backsteps(target, path))
    return errors


def validate_local_non_reserved_path(target: str, path: Path) -> list[FieldError]:
    """`ValidateLocalNonReservedPath`: also must not start with `..` (e.g. `..data`)."""
    errors = validate_local_descending_path(target, path)
    if target.startswith("..") and not target.startswith("../"):
        errors.append(field.invalid(path, target, "must not start with '..'"))
    return errors


def _validate_mode(mode: int | None, path: Path) -> list[FieldError]:
    if mode is not None and not 0 <= mode <= 0o777:
        return [field.invalid(path, mode, FILE_MODE_ERROR)]
    return []


def validate_key_to_path(item: KeyToPath, path: Path) -> list[FieldError]:
    """`validateKeyToPath`: key and path required, path local, mode 0..0777."""
    errors: list[FieldError] = []
    if not item.key:
        errors.append(field.required(path.child("key")))
    if not item.path:
        errors.append(field.required(path.child("path")))
    errors.extend(validate_local_non_reserved_path(item.path, path.child("path")))
    errors.extend(_validate_mode(item.mode, path.child("mode")))
    return errors


def _validate_items(items: Iterable[KeyToPath], path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for position, item in enumerate(items):
        errors.extend(validate_key_to_path(item, path.index(position)))
    return errors


# --- downward API selectors -------------------------------------------------------------------

_SUBSCRIPTED: Final = re.compile(r"^(.+?)\['(.*)'\]$", re.DOTALL)


def split_subscripted_path(field_path: str) -> tuple[str, str, bool]:
    """`fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` -> (path, key, True)."""
    if not field_path.endswith("']"):
        return field_path, "", False
    head, separator, subscript = field_path[:-2].partition("['")
    if not separator or not head:
        return field_path, "", False
    return head, subscript, True


def _convert_field_label(api_version: str, label: str) -> tuple[str, str | None]:
    """`ConvertDownwardAPIFieldLabel`: the internal path, or the conversion error."""
    if api_version != "v1":
        return "", f"unsupported pod version: {api_version}"
    head, _, subscripted = split_subscripted_path(label)
    if subscripted:
        if head in ("metadata.annotations", "metadata.labels"):
            return label, None
        return "", f"field label does not support subscript: {label}"
    if label == "spec.host":
        return "spec.nodeName", None
    if label in _DOWNWARD_API_LABELS:
        return label, None
    return "", f"field label not supported: {label}"


def validate_object_field_selector(
    selector: ObjectFieldSelector, supported: tuple[str, ...], path: Path
) -> list[FieldError]:
    """`validateObjectFieldSelector` against the field paths `supported` (sorted)."""
    if not selector.api_version:
        return [field.required(path.child("apiVersion"))]
    if not selector.field_path:
        return [field.required(path.child("fieldPath"))]
    internal, problem = _convert_field_label(selector.api_version, selector.field_path)
    if problem is not None:
        return [
            field.invalid(
                path.child("fieldPath"),
                selector.field_path,
                f"error converting fieldPath: {problem}",
            )
        ]
    head, subscript, subscripted = split_subscripted_path(internal)
    if subscripted:
        if head == "metadata.annotations":
            key = subscript.lower()
            return [field.invalid(path, key, msg) for msg in names.qualified_name(key)]
        if head == "metadata.labels":
            return [field.invalid(path, subscript, msg) for msg in names.qualified_name(subscript)]
        return [field.invalid(path, head, "does not support subscript")]
    if head not in supported:
        return [field.not_supported(path.child("fieldPath"), head, supported)]
    return []


def _validate_divisor(
    resource: str, selector: ResourceFieldSelector, path: Path
) -> list[FieldError]:
    divisor = selector.divisor
    if divisor is None or divisor.is_zero():
        return []
    text = str(divisor)
    divisor_path = path.child("divisor")
    errors: list[FieldError] = []
    if resource in ("limits.cpu", "requests.cpu") and text not in _CPU_DIVISORS:
        errors.append(
            field.invalid(
                divisor_path,
                resource,
                "only divisor's values 1m and 1 are supported with the cpu resource",
            )
        )
    kinds = {
        "limits.memory": "memory",
        "requests.memory": "memory",
        "limits.ephemeral-storage": "local ephemeral storage",
        "requests.ephemeral-storage": "local ephemeral storage",
    }
    kind = kinds.get(resource)
    if resource.startswith(_HUGEPAGES_PREFIXES):
        kind = "hugepages"
    if kind is not None and text not in _BYTE_DIVISORS:
        errors.append(
            field.invalid(
                divisor_path,
                resource,
                f"only divisor's values {_BYTE_DIVISOR_TEXT} are supported with the {kind} "
                "resource",
            )
        )
    return errors


def validate_resource_field_selector(
    selector: ResourceFieldSelector, path: Path, *, volume: bool
) -> list[FieldError]:
    """`validateContainerResourceFieldSelector` (hugepages prefixes allowed)."""
    errors: list[FieldError] = []
    if volume and not selector.container_name:
        errors.append(field.required(path.child("containerName")))
    elif not selector.resource:
        errors.append(field.required(path.child("resource")))
    elif (
        selector.resource not in CONTAINER_RESOURCE_FIELD_PATHS
        and not selector.resource.startswith(_HUGEPAGES_PREFIXES)
    ):
        errors.append(
            field.not_supported(
                path.child("resource"), selector.resource, CONTAINER_RESOURCE_FIELD_PATHS
            )
        )
    errors.extend(_validate_divisor(selector.resource, selector, path))
    return errors


def _validate_downward_api_file(item: DownwardAPIVolumeFile, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if not item.path:
        errors.append(field.required(path.child("path")))
    errors.extend(validate_local_non_reserved_path(item.path, path.child("path")))
    if item.field_ref is not None:
        errors.extend(
            validate_object_field_selector(
                item.field_ref, VOLUME_FIELD_PATHS, path.child("fieldRef")
            )
        )
        if item.resource_field_ref is not None:
            errors.append(
                field.invalid(
                    path,
                    "resource",
                    "fieldRef and resourceFieldRef can not be specified simultaneously",
                )
            )
    elif item.resource_field_ref is not None:
        errors.extend(
            validate_resource_field_selector(
                item.resource_field_ref, path.child("resourceFieldRef"), volume=True
            )
        )
    else:
        errors.append(field.required(path, "one of fieldRef and resourceFieldRef is required"))
    errors.extend(_validate_mode(item.mode, path.child("mode")))
    return errors


# --- the sources ------------------------------------------------------------------------------


def _validate_empty_dir(source: EmptyDirVolumeSource, path: Path) -> list[FieldError]:
    if source.size_limit is not None and source.size_limit.sign() < 0:
        return [
            field.forbidden(
                path.child("sizeLimit"), "SizeLimit field must be a valid resource quantity"
            )
        ]
    return []


def _validate_host_path(source: HostPathVolumeSource, path: Path) -> list[FieldError]:
    if not source.path:
        return [field.required(path.child("path"))]
    errors = validate_path_no_backsteps(source.path, path.child("path"))
    if source.type is not None and source.type not in HOST_PATH_TYPES:
        errors.append(field.not_supported(path.child("type"), source.type, HOST_PATH_TYPES))
    return errors


def _validate_secret(source: SecretVolumeSource, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if not source.secret_name:
        errors.append(field.required(path.child("secretName")))
    errors.extend(_validate_mode(source.default_mode, path.child("defaultMode")))
    errors.extend(_validate_items(source.items, path.child("items")))
    return errors


def _validate_config_map(source: ConfigMapVolumeSource, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if not source.name:
        errors.append(field.required(path.child("name")))
    errors.extend(_validate_mode(source.default_mode, path.child("defaultMode")))
    errors.extend(_validate_items(source.items, path.child("items")))
    return errors


def _validate_claim(source: PersistentVolumeClaimVolumeSource, path: Path) -> list[FieldError]:
    if not source.claim_name:
        return [field.required(path.child("claimName"))]
    return []


def _validate_downward_api(source: DownwardAPIVolumeSource, path: Path) -> list[FieldError]:
    errors = _validate_mode(source.default_mode, path.child("defaultMode"))
    for item in source.items:
        # Kubernetes reports item errors on the source path, without an index.
        errors.extend(_validate_downward_api_file(item, path))
    return errors


class _Paths:
    """The projected volume's seen file paths (`conflicting duplicate paths`)."""

    def __init__(self, path: Path) -> None:
        self.seen: set[str] = set()
        self.path = path

    def add(self, target: str, shown: str) -> list[FieldError]:
        if not target:
            return []
        if target in self.seen:
            return [field.invalid(self.path, shown, "conflicting duplicate paths")]
        self.seen.add(target)
        return []


def _validate_projected_key_items(
    name: str, items: Iterable[KeyToPath], path: Path, paths: _Paths
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not name:
        errors.append(field.required(path.child("name")))
    items_path = path.child("items")
    for position, item in enumerate(items):
        errors.extend(validate_key_to_path(item, items_path.index(position)))
        errors.extend(paths.add(item.path, name))
    return errors


def _validate_projection(
    source: VolumeProjection, source_path: Path, volume_path: Path, paths: _Paths
) -> list[FieldError]:
    errors: list[FieldError] = []
    count = 0
    if source.secret is not None:
        count += 1
        errors.extend(
            _validate_projected_key_items(
                source.secret.name, source.secret.items, source_path.child("secret"), paths
            )
        )
    if source.config_map is not None:
        count += 1
        errors.extend(
            _validate_projected_key_items(
                source.config_map.name,
                source.config_map.items,
                source_path.child("configMap"),
                paths,
            )
        )
    if source.downward_api is not None:
        count += 1
        for item in source.downward_api.items:
            errors.extend(_validate_downward_api_file(item, source_path.child("downwardAPI")))
            errors.extend(paths.add(item.path, item.path))
    if source.service_account_token is not None:
        count += 1
        token = source.service_account_token
        token_path = source_path.child("serviceAccountToken")
        seconds = token.expiration_seconds if token.expiration_seconds is not None else 0
        if seconds < 600:
            errors.append(
                field.invalid(
                    token_path.child("expirationSeconds"),
                    seconds,
                    "may not specify a duration less than 10 minutes",
                )
            )
        if seconds > 1 << 32:
            errors.append(
                field.invalid(
                    token_path.child("expirationSeconds"),
                    seconds,
                    "may not specify a duration larger than 2^32 seconds",
                )
            )
        if not token.path:
            errors.append(field.required(volume_path.child("path")))
        else:
            errors.extend(validate_local_non_reserved_path(token.path, volume_path.child("path")))
    if source.cluster_trust_bundle is not None:
        count += 1
    if source.pod_certificate is not None:
        count += 1
    if count > 1:
        errors.append(
            field.forbidden(source_path, "may not specify more than 1 volume type per source")
        )
    return errors


def _validate_projected(source: ProjectedVolumeSource, path: Path) -> list[FieldError]:
    errors = _validate_mode(source.default_mode, path.child("defaultMode"))
    paths = _Paths(path)
    sources_path = path.child("sources")
    for position, projection in enumerate(source.sources):
        errors.extend(_validate_projection(projection, sources_path.index(position), path, paths))
    return errors


def _validate_source_of(volume: Volume, name: str, path: Path) -> list[FieldError]:
    """The checks of one (typed) source; opaque sources have none here."""
    match name:
        case "emptyDir" if volume.empty_dir is not None:
            return _validate_empty_dir(volume.empty_dir, path)
        case "hostPath" if volume.host_path is not None:
            return _validate_host_path(volume.host_path, path)
        case "secret" if volume.secret is not None:
            return _validate_secret(volume.secret, path)
        case "persistentVolumeClaim" if volume.persistent_volume_claim is not None:
            return _validate_claim(volume.persistent_volume_claim, path)
        case "downwardAPI" if volume.downward_api is not None:
            return _validate_downward_api(volume.downward_api, path)
        case "configMap" if volume.config_map is not None:
            return _validate_config_map(volume.config_map, path)
        case "projected" if volume.projected is not None:
            return _validate_projected(volume.projected, path)
    return []


# Kubernetes' check order, which differs from the field order (emptyDir comes first).
_CHECK_ORDER: Final = (
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
)


def validate_volume_source(volume: Volume, path: Path) -> list[FieldError]:
    """`validateVolumeSource`: exactly one source, and that source's own rules."""
    present = set(volume.sources())
    errors: list[FieldError] = []
    count = 0
    for name in _CHECK_ORDER:
        if name not in present:
            continue
        if count > 0:
            errors.append(
                field.forbidden(path.child(_EXTRA_SOURCE_PATH.get(name, name)), MORE_THAN_ONE)
            )
            continue
        count += 1
        errors.extend(_validate_source_of(volume, name, path.child(name)))
    if count == 0:
        errors.append(field.required(path, "must specify a volume type"))
    return errors


def validate_volumes(
    volumes: Iterable[Volume], path: Path
) -> tuple[dict[str, Volume], list[FieldError]]:
    """`ValidateVolumes`: the valid volumes by name, and every error in Kubernetes' order."""
    valid: dict[str, Volume] = {}
    seen: set[str] = set()
    errors: list[FieldError] = []
    for position, volume in enumerate(volumes):
        volume_path = path.index(position)
        name_path = volume_path.child("name")
        found = validate_volume_source(volume, volume_path)
        if not volume.name:
            found.append(field.required(name_path))
        else:
            found.extend(
                field.invalid(name_path, volume.name, message)
                for message in names.dns1123_label(volume.name)
            )
        if volume.name in seen:
            found.append(field.duplicate(name_path, volume.name))
        if found:
            errors.extend(found)
        else:
            seen.add(volume.name)
            valid[volume.name] = volume
    return valid, errors
