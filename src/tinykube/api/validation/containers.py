"""Validation of init, sidecar, app and ephemeral containers with the apiserver's messages.

A port of the container half of `pkg/apis/core/validation/validation.go` (`validateContainers`,
`validateInitContainers`, `validateEphemeralContainers`, `validateContainerCommon` and what they
call), with the default feature gates of a current apiserver: relaxed env var names, sleep
actions of zero seconds, resize policies on sidecars, no container-level restart rules. Errors
come in the order Kubernetes appends them; maps (resource lists) are walked in sorted key order,
where Go's order is random.

`validation.pod` calls, in this order: `validate_containers`, `validate_init_containers`,
`validate_ephemeral_containers`, then, after the rest of the spec,
`validate_containers_only_for_pod` for `containers` and `initContainers` (the image whitespace
rule, checked on pods only).

`volumes` maps the names of the pod's *valid* volumes to their `Volume` (Kubernetes leaves invalid
volumes out of that map, so a mount of one is reported `Not found`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import msgspec

from tinykube.api import field, pod, quantity
from tinykube.api.validation import names

Errors = list[field.FieldError]

# A stand-in for the heap address Go's `%#v` prints for a set pointer inside a struct value.
GO_POINTER: Final = "0xc000000000"

_SUPPORTED_PORT_PROTOCOLS: Final = ("SCTP", "TCP", "UDP")
_SUPPORTED_PULL_POLICIES: Final = ("Always", "IfNotPresent", "Never")
_SUPPORTED_TERMINATION_MESSAGE_POLICIES: Final = ("File", "FallbackToLogsOnError")
_SUPPORTED_HTTP_SCHEMES: Final = ("HTTP", "HTTPS")
_SUPPORTED_RESIZE_RESOURCES: Final = ("cpu", "memory")
_SUPPORTED_RESIZE_POLICIES: Final = ("NotRequired", "RestartContainer")
_SUPPORTED_MOUNT_PROPAGATIONS: Final = ("Bidirectional", "HostToContainer", "None")
_SUPPORTED_RECURSIVE_READ_ONLY: Final = ("Disabled", "Enabled", "IfPossible")
_SUPPORTED_PROC_MOUNTS: Final = ("Default", "Unmasked")
_SUPPORTED_SECCOMP_TYPES: Final = ("Localhost", "RuntimeDefault", "Unconfined")
_SUPPORTED_APPARMOR_TYPES: Final = ("Localhost", "RuntimeDefault", "Unconfined")
_INIT_CONTAINER_RESTART_POLICIES: Final = ("Always",)

_ENV_FIELD_PATHS: Final = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
# Field labels `ConvertDownwardAPIFieldLabel` accepts for v1 (`spec.host` becomes `spec.nodeName`).
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
_ENV_RESOURCE_FIELDS: Final = (
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
)
_ENV_RESOURCE_PREFIXES: Final = ("limits.hugepages-", "requests.hugepages-")
_MEMORY_DIVISORS: Final = frozenset(
    {"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)
_MEMORY_DIVISOR_LIST: Final = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei"

_STANDARD_CONTAINER_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})
_STANDARD_RESOURCES: Final = frozenset(
    {
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_INTEGER_RESOURCES: Final = frozenset(
    {
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_HUGEPAGES_PREFIX: Final = "hugepages-"

# `strings.TrimSpace` trims Unicode white space; Python's `str.strip()` would also trim the
# separators \x1c-\x1f, which Go keeps.
GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_INIT_FORBIDDEN_DETAIL: Final = "may not be set for init containers without restartPolicy=Always"
_EPHEMERAL_FORBIDDEN_DETAIL: Final = "cannot be set for an Ephemeral Container"


class GoValue:
    """A bad value printed verbatim: Go prints Stringers bare and structs with `%#v`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoValue({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class _Pod(msgspec.Struct, frozen=True, kw_only=True):
    """What container validation needs to know of the pod around the containers."""

    volumes: Mapping[str, pod.Volume]
    grace: int | None
    restart_policy: str
    claim_names: frozenset[str]
    host_users: bool
    allow_privileged: bool


# --- entry points ----------------------------------------------------------------------------


def validate_containers(
    containers: tuple[pod.Container, ...],
    *,
    volumes: Mapping[str, pod.Volume],
    grace: int | None,
    path: field.Path,
    restart_policy: str,
    pod_claim_names: frozenset[str] = frozenset(),
    host_users: bool = True,
    allow_privileged: bool = True,
) -> Errors:
    """`validateContainers`: `spec.containers` (names unique among them, host ports pod-wide)."""
    if not containers:
        return [field.required(path)]
    context = _Pod(
        volumes=volumes,
        grace=grace,
        restart_policy=restart_policy,
        claim_names=pod_claim_names,
        host_users=host_users,
        allow_privileged=allow_privileged,
    )
    errors: Errors = []
    seen: set[str] = set()
    for position, container in enumerate(containers):
        here = path.index(position)
        errors += _validate_common(container, context, here)
        if container.name in seen:
            errors.append(field.duplicate(here.child("name"), container.name))
        else:
            seen.add(container.name)
        errors += _validate_hooks_and_probes(container, context.grace, here)
        if container.restart_policy is not None:
            errors.append(
                field.forbidden(
                    here.child("restartPolicy"), "may not be set for non-init containers"
                )
            )
    errors += _host_port_conflicts(containers, path)
    return errors


def validate_init_containers(
    init_containers: tuple[pod.Container, ...],
    *,
    containers: tuple[pod.Container, ...],
    volumes: Mapping[str, pod.Volume],
    grace: int | None,
    path: field.Path,
    restart_policy: str,
    pod_claim_names: frozenset[str] = frozenset(),
    host_users: bool = True,
    allow_privileged: bool = True,
) -> Errors:
    """`validateInitContainers`: regular init containers and sidecars (`restartPolicy: Always`)."""
    context = _Pod(
        volumes=volumes,
        grace=grace,
        restart_policy=restart_policy,
        claim_names=pod_claim_names,
        host_users=host_users,
        allow_privileged=allow_privileged,
    )
    errors: Errors = []
    seen = {container.name for container in containers}
    for position, container in enumerate(init_containers):
        here = path.index(position)
        errors += _validate_common(container, context, here)
        if container.restart_policy is not None:
            errors += _init_restart_policy(container.restart_policy, here.child("restartPolicy"))
        if container.name in seen:
            errors.append(field.duplicate(here.child("name"), container.name))
        elif container.name:
            seen.add(container.name)
        # Init containers run one by one, so each is checked on its own; Kubernetes passes a
        # one-element list, hence the index 0 in the path whatever the container's position.
        errors += _host_port_conflicts((container,), path)
        if container.is_sidecar:
            errors += _validate_hooks_and_probes(container, context.grace, here)
        else:
            errors += _forbid_hooks_and_probes(container, here)
    return errors


def validate_ephemeral_containers(
    ephemeral_containers: tuple[pod.Container, ...],
    *,
    containers: tuple[pod.Container, ...],
    init_containers: tuple[pod.Container, ...],
    volumes: Mapping[str, pod.Volume],
    path: field.Path,
    restart_policy: str,
    pod_claim_names: frozenset[str] = frozenset(),
    host_users: bool = True,
    allow_privileged: bool = True,
) -> Errors:
    """`validateEphemeralContainers` (the pods/ephemeralcontainers subresource)."""
    context = _Pod(
        volumes=volumes,
        grace=None,
        restart_policy=restart_policy,
        claim_names=pod_claim_names,
        host_users=host_users,
        allow_privileged=allow_privileged,
    )
    errors: Errors = []
    others = {container.name for container in (*containers, *init_containers)}
    seen = set(others)
    for position, container in enumerate(ephemeral_containers):
        here = path.index(position)
        errors += _validate_common(container, context, here)
        errors += _image_whitespace(container, here)
        if container.name in seen:
            errors.append(field.duplicate(here.child("name"), container.name))
        else:
            seen.add(container.name)
        target = container.target_container_name
        if target and target not in others:
            errors.append(field.not_found(here.child("targetContainerName"), target))
        errors += _ephemeral_disallowed_fields(container, here)
        for index, mount in enumerate(container.volume_mounts):
            mount_path = here.child("volumeMounts").index(index)
            if mount.sub_path:
                errors.append(
                    field.forbidden(mount_path.child("subPath"), _EPHEMERAL_FORBIDDEN_DETAIL)
                )
            if mount.sub_path_expr:
                errors.append(
                    field.forbidden(mount_path.child("subPathExpr"), _EPHEMERAL_FORBIDDEN_DETAIL)
                )
    return errors


def validate_containers_only_for_pod(
    containers: tuple[pod.Container, ...], *, path: field.Path
) -> Errors:
    """`validateContainersOnlyForPod`: the image must not have leading or trailing whitespace."""
    errors: Errors = []
    for position, container in enumerate(containers):
        errors += _image_whitespace(container, path.index(position))
    return errors


# --- common to every container ---------------------------------------------------------------


def _validate_common(container: pod.Container, context: _Pod, path: field.Path) -> Errors:
    """`validateContainerCommon`, in its order."""
    errors: Errors = []
    name_path = path.child("name")
    if not container.name:
        errors.append(field.required(name_path))
    else:
        errors += _each_invalid(name_path, container.name, names.dns1123_label(container.name))
    if not container.image:
        errors.append(field.required(path.child("image")))
    errors += _termination_message_policy(
        container.termination_message_policy, path.child("terminationMessagePolicy")
    )
    errors += _validate_ports(container.ports, path.child("ports"))
    errors += _validate_env(container.env, path.child("env"))
    errors += _validate_env_from(container.env_from, path.child("envFrom"))
    errors += _validate_volume_mounts(container, context.volumes, path.child("volumeMounts"))
    errors += _validate_volume_devices(container, context.volumes, path.child("volumeDevices"))
    errors += _pull_policy(container.image_pull_policy, path.child("imagePullPolicy"))
    errors += validate_resources(container.resources, context.claim_names, path.child("resources"))
    errors += _validate_resize_policy(
        container.resize_policy, context.restart_policy, path.child("resizePolicy")
    )
    errors += _validate_security_context(
        container.security_context,
        path.child("securityContext"),
        host_users=context.host_users,
        allow_privileged=context.allow_privileged,
    )
    return errors


def _each_invalid(path: field.Path, value: Any, problems: Iterable[str]) -> Errors:
    return [field.invalid(path, value, problem) for problem in problems]


def _termination_message_policy(policy: str, path: field.Path) -> Errors:
    if policy in _SUPPORTED_TERMINATION_MESSAGE_POLICIES:
        return []
    if not policy:
        return [field.required(path)]
    return [field.not_supported(path, policy, _SUPPORTED_TERMINATION_MESSAGE_POLICIES)]


def _pull_policy(policy: str, path: field.Path) -> Errors:
    if policy in _SUPPORTED_PULL_POLICIES:
        return []
    if not policy:
        return [field.required(path)]
    return [field.not_supported(path, policy, _SUPPORTED_PULL_POLICIES)]


def _image_whitespace(container: pod.Container, path: field.Path) -> Errors:
    if container.image != container.image.strip(GO_SPACE):
        return [
            field.invalid(
                path.child("image"), container.image, "must not have leading or trailing whitespace"
            )
        ]
    return []


# --- ports -----------------------------------------------------------------------------------


def _validate_ports(ports: tuple[pod.ContainerPort, ...], path: field.Path) -> Errors:
    """`validateContainerPorts`."""
    errors: Errors = []
    seen: set[str] = set()
    for position, port in enumerate(ports):
        here = path.index(position)
        if port.name:
            problems = names.iana_svc_name(port.name)
            if problems:
                errors += _each_invalid(here.child("name"), port.name, problems)
            elif port.name in seen:
                errors.append(field.duplicate(here.child("name"), port.name))
            else:
                seen.add(port.name)
        if port.container_port == 0:
            errors.append(field.required(here.child("containerPort")))
        else:
            errors += _each_invalid(
                here.child("containerPort"),
                port.container_port,
                names.valid_port_num(port.container_port),
            )
        if port.host_port != 0:
            errors += _each_invalid(
                here.child("hostPort"), port.host_port, names.valid_port_num(port.host_port)
            )
        if not port.protocol:
            errors.append(field.required(here.child("protocol")))
        elif port.protocol not in _SUPPORTED_PORT_PROTOCOLS:
            errors.append(
                field.not_supported(
                    here.child("protocol"), port.protocol, _SUPPORTED_PORT_PROTOCOLS
                )
            )
    return errors


def _host_port_conflicts(containers: tuple[pod.Container, ...], path: field.Path) -> Errors:
    """`checkHostPortConflicts`: `protocol/hostIP/hostPort` must be unique across `containers`."""
    errors: Errors = []
    seen: set[str] = set()
    for position, container in enumerate(containers):
        ports_path = path.index(position).child("ports")
        for index, port in enumerate(container.ports):
            if port.host_port == 0:
                continue
            key = f"{port.protocol}/{port.host_ip}/{port.host_port}"
            if key in seen:
                errors.append(field.duplicate(ports_path.index(index).child("hostPort"), key))
            else:
                seen.add(key)
    return errors


# --- environment -----------------------------------------------------------------------------


def _validate_env(env: tuple[pod.EnvVar, ...], path: field.Path) -> Errors:
    """`ValidateEnv` with relaxed names (RelaxedEnvironmentVariableValidation, GA)."""
    errors: Errors = []
    for position, var in enumerate(env):
        here = path.index(position)
        if not var.name:
            errors.append(field.required(here.child("name")))
        else:
            errors += _each_invalid(here.child("name"), var.name, names.env_var_name(var.name))
        errors += _validate_value_from(var, here.child("valueFrom"))
    return errors


def _validate_value_from(var: pod.EnvVar, path: field.Path) -> Errors:
    """`validateEnvVarValueFrom`: exactly one source, and no `value` beside it."""
    source = var.value_from
    if source is None:
        return []
    errors: Errors = []
    count = 0
    if source.field_ref is not None:
        count += 1
        errors += _object_field_selector(source.field_ref, path.child("fieldRef"))
    if source.resource_field_ref is not None:
        count += 1
        errors += _resource_field_selector(
            source.resource_field_ref, path.child("resourceFieldRef")
        )
    if source.config_map_key_ref is not None:
        count += 1
        config_map = source.config_map_key_ref
        errors += _key_selector(config_map.name, config_map.key, path.child("configMapKeyRef"))
    if source.secret_key_ref is not None:
        count += 1
        secret = source.secret_key_ref
        errors += _key_selector(secret.name, secret.key, path.child("secretKeyRef"))
    if count == 0:
        errors.append(
            field.invalid(
                path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                "`secretKeyRef`",
            )
        )
    elif var.value:
        errors.append(field.invalid(path, "", "may not be specified when `value` is not empty"))
    elif count > 1:
        errors.append(
            field.invalid(path, "", "may not have more than one field specified at a time")
        )
    return errors


def _split_subscript(field_path: str) -> tuple[str, str] | None:
    """`fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['key']` -> (path, key)."""
    if not field_path.endswith("']"):
        return None
    head, separator, subscript = field_path[:-2].partition("['")
    if not separator or not head:
        return None
    return head, subscript


def _object_field_selector(selector: pod.ObjectFieldSelector, path: field.Path) -> Errors:
    """`validateObjectFieldSelector` with the env var field paths."""
    if not selector.api_version:
        return [field.required(path.child("apiVersion"))]
    if not selector.field_path:
        return [field.required(path.child("fieldPath"))]
    converted, failure = _convert_field_label(selector.api_version, selector.field_path)
    if failure:
        return [
            field.invalid(
                path.child("fieldPath"),
                selector.field_path,
                f"error converting fieldPath: {failure}",
            )
        ]
    split = _split_subscript(converted)
    if split is not None:
        head, subscript = split
        if head == "metadata.annotations":
            return _each_invalid(path, subscript.lower(), names.qualified_name(subscript.lower()))
        if head == "metadata.labels":
            return _each_invalid(path, subscript, names.qualified_name(subscript))
        return [field.invalid(path, head, "does not support subscript")]
    if converted not in _ENV_FIELD_PATHS:
        return [field.not_supported(path.child("fieldPath"), converted, _ENV_FIELD_PATHS)]
    return []


def _convert_field_label(version: str, label: str) -> tuple[str, str]:
    """`ConvertDownwardAPIFieldLabel`: (internal label, "") or ("", the reason it failed)."""
    if version != "v1":
        return "", f"unsupported pod version: {version}"
    split = _split_subscript(label)
    if split is not None:
        if split[0] in ("metadata.annotations", "metadata.labels"):
            return label, ""
        return "", f"field label does not support subscript: {label}"
    if label == "spec.host":
        return "spec.nodeName", ""
    if label in _DOWNWARD_API_LABELS:
        return label, ""
    return "", f"field label not supported: {label}"


def _resource_field_selector(selector: pod.ResourceFieldSelector, path: field.Path) -> Errors:
    """`validateContainerResourceFieldSelector` for env vars (no container name needed)."""
    errors: Errors = []
    resource = selector.resource
    if not resource:
        errors.append(field.required(path.child("resource")))
    elif resource not in _ENV_RESOURCE_FIELDS and not resource.startswith(_ENV_RESOURCE_PREFIXES):
        errors.append(field.not_supported(path.child("resource"), resource, _ENV_RESOURCE_FIELDS))
    errors += _resource_divisor(resource, selector.divisor, path)
    return errors


def _resource_divisor(resource: str, divisor: quantity.Quantity | None, path: field.Path) -> Errors:
    """`validateContainerResourceDivisor`: only unit divisors."""
    if divisor is None or divisor.is_zero():
        return []
    text = str(divisor)
    errors: Errors = []
    kind = ""
    if resource in ("limits.cpu", "requests.cpu") and text not in ("1m", "1"):
        errors.append(
            field.invalid(
                path.child("divisor"),
                resource,
                "only divisor's values 1m and 1 are supported with the cpu resource",
            )
        )
    elif resource in ("limits.memory", "requests.memory"):
        kind = "memory"
    elif resource in ("limits.ephemeral-storage", "requests.ephemeral-storage"):
        kind = "local ephemeral storage"
    if kind and text not in _MEMORY_DIVISORS:
        errors.append(_divisor_error(path, resource, kind))
    if resource.startswith(_ENV_RESOURCE_PREFIXES) and text not in _MEMORY_DIVISORS:
        errors.append(_divisor_error(path, resource, "hugepages"))
    return errors


def _divisor_error(path: field.Path, resource: str, kind: str) -> field.FieldError:
    return field.invalid(
        path.child("divisor"),
        resource,
        f"only divisor's values {_MEMORY_DIVISOR_LIST} are supported with the {kind} resource",
    )


def _key_selector(name: str, key: str, path: field.Path) -> Errors:
    """`validateConfigMapKeySelector` / `validateSecretKeySelector`."""
    errors = _each_invalid(path.child("name"), name, names.name_is_dns_subdomain(name))
    if not key:
        errors.append(field.required(path.child("key")))
    else:
        errors += _each_invalid(path.child("key"), key, names.config_map_key(key))
    return errors


def _validate_env_from(sources: tuple[pod.EnvFromSource, ...], path: field.Path) -> Errors:
    """`ValidateEnvFrom`: a valid prefix and exactly one of configMapRef / secretRef."""
    errors: Errors = []
    for position, source in enumerate(sources):
        here = path.index(position)
        if source.prefix:
            errors += _each_invalid(
                here.child("prefix"), source.prefix, names.env_var_name(source.prefix)
            )
        count = 0
        if source.config_map_ref is not None:
            count += 1
            errors += _env_source_name(source.config_map_ref.name, here.child("configMapRef"))
        if source.secret_ref is not None:
            count += 1
            errors += _env_source_name(source.secret_ref.name, here.child("secretRef"))
        if count == 0:
            errors.append(
                field.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`")
            )
        elif count > 1:
            errors.append(
                field.invalid(path, "", "may not have more than one field specified at a time")
            )
    return errors


def _env_source_name(name: str, path: field.Path) -> Errors:
    if not name:
        return [field.required(path.child("name"))]
    return _each_invalid(path.child("name"), name, names.name_is_dns_subdomain(name, prefix=True))


# --- volume mounts and devices ---------------------------------------------------------------


def _validate_volume_mounts(
    container: pod.Container, volumes: Mapping[str, pod.Volume], path: field.Path
) -> Errors:
    """`ValidateVolumeMounts` (note the unindexed paths of the subPath and propagation errors)."""
    devices = {device.name: device.device_path for device in container.volume_devices}
    errors: Errors = []
    mount_points: set[str] = set()
    for position, mount in enumerate(container.volume_mounts):
        here = path.index(position)
        if not mount.name:
            errors.append(field.required(here.child("name")))
        if mount.name not in volumes:
            errors.append(field.not_found(here.child("name"), mount.name))
        if not mount.mount_path:
            errors.append(field.required(here.child("mountPath")))
        if mount.mount_path in mount_points:
            errors.append(
                field.invalid(here.child("mountPath"), mount.mount_path, "must be unique")
            )
        mount_points.add(mount.mount_path)
        if mount.name in devices:
            errors.append(
                field.invalid(
                    here.child("name"), mount.name, "must not already exist in volumeDevices"
                )
            )
        if mount.mount_path in devices.values():
            errors.append(
                field.invalid(
                    here.child("mountPath"),
                    mount.mount_path,
                    "must not already exist as a path in volumeDevices",
                )
            )
        errors += _mount_sub_paths(mount, volumes.get(mount.name), here, path)
        if mount.mount_propagation is not None:
            errors += _mount_propagation(
                mount.mount_propagation, container, path.child("mountPropagation")
            )
        errors += _recursive_read_only(mount, path.child("recursiveReadOnly"))
    return errors


def _mount_sub_paths(
    mount: pod.VolumeMount, volume: pod.Volume | None, here: field.Path, path: field.Path
) -> Errors:
    errors: Errors = []
    if volume is not None and volume.image is not None:
        if mount.sub_path:
            errors.append(
                field.invalid(
                    here.child("subPath"), mount.sub_path, "not allowed in image volume sources"
                )
            )
        if mount.sub_path_expr:
            errors.append(
                field.invalid(
                    here.child("subPathExpr"),
                    mount.sub_path_expr,
                    "not allowed in image volume sources",
                )
            )
    if mount.sub_path:
        errors += local_descending_path(mount.sub_path, path.child("subPath"))
    if mount.sub_path_expr:
        if mount.sub_path:
            errors.append(
                field.invalid(
                    here.child("subPathExpr"),
                    mount.sub_path_expr,
                    "subPathExpr and subPath are mutually exclusive",
                )
            )
        errors += local_descending_path(mount.sub_path_expr, path.child("subPathExpr"))
    return errors


def local_descending_path(target: str, path: field.Path) -> Errors:
    """`validateLocalDescendingPath`: relative, and no `..` element."""
    errors: Errors = []
    if target.startswith("/"):  # Go's path.IsAbs
        errors.append(field.invalid(path, target, "must be a relative path"))
    errors += path_no_backsteps(target, path)
    return errors


def path_no_backsteps(target: str, path: field.Path) -> Errors:
    """`validatePathNoBacksteps`: one error however many `..` elements."""
    if ".." in target.split("/"):
        return [field.invalid(path, target, "must not contain '..'")]
    return []


def _mount_propagation(mode: str, container: pod.Container, path: field.Path) -> Errors:
    errors: Errors = []
    if mode not in _SUPPORTED_MOUNT_PROPAGATIONS:
        errors.append(field.not_supported(path, mode, _SUPPORTED_MOUNT_PROPAGATIONS))
    context = container.security_context
    privileged = context is not None and context.privileged is True
    if mode == "Bidirectional" and not privileged:
        errors.append(
            field.forbidden(
                path, "Bidirectional mount propagation is available only to privileged containers"
            )
        )
    return errors


def _recursive_read_only(mount: pod.VolumeMount, path: field.Path) -> Errors:
    value = mount.recursive_read_only
    if value is None or value == "Disabled":
        return []
    if value not in ("Enabled", "IfPossible"):
        return [field.not_supported(path, value, _SUPPORTED_RECURSIVE_READ_ONLY)]
    errors: Errors = []
    if not mount.read_only:
        errors.append(field.forbidden(path, "may only be specified when readOnly is true"))
    if mount.mount_propagation is not None and mount.mount_propagation != "None":
        errors.append(
            field.forbidden(
                path, "may only be specified when mountPropagation is None or not specified"
            )
        )
    return errors


def _validate_volume_devices(
    container: pod.Container, volumes: Mapping[str, pod.Volume], path: field.Path
) -> Errors:
    """`ValidateVolumeDevices`: block devices come from PVC or ephemeral volumes only."""
    mounts = {mount.name: mount.mount_path for mount in container.volume_mounts}
    errors: Errors = []
    device_paths: set[str] = set()
    device_names: set[str] = set()
    for position, device in enumerate(container.volume_devices):
        here = path.index(position)
        name, device_path = device.name, device.device_path
        volume = volumes.get(name)
        if not name:
            errors.append(field.required(here.child("name")))
        if name in device_names:
            errors.append(field.invalid(here.child("name"), name, "must be unique"))
        if (
            volume is not None
            and volume.persistent_volume_claim is None
            and volume.ephemeral is None
        ):
            errors.append(
                field.invalid(
                    here.child("name"),
                    name,
                    "can only use volume source type of PersistentVolumeClaim or Ephemeral for "
                    "block mode",
                )
            )
        if volume is None:
            errors.append(field.not_found(here.child("name"), name))
        if not device_path:
            errors.append(field.required(here.child("devicePath")))
        if device_path in device_paths:
            errors.append(field.invalid(here.child("devicePath"), device_path, "must be unique"))
        if device_path and ".." in device_path.split("/"):
            errors.append(
                field.invalid(
                    here.child("devicePath"), device_path, "can not contain backsteps ('..')"
                )
            )
        else:
            device_paths.add(device_path)
        if name in mounts:
            errors.append(
                field.invalid(here.child("name"), name, "must not already exist in volumeMounts")
            )
        if device_path in mounts.values():
            errors.append(
                field.invalid(
                    here.child("devicePath"),
                    device_path,
                    "must not already exist as a path in volumeMounts",
                )
            )
        if name:
            device_names.add(name)
    return errors


# --- resources -------------------------------------------------------------------------------


def validate_resources(
    resources: pod.ResourceRequirements, claim_names: frozenset[str], path: field.Path
) -> Errors:
    """`ValidateContainerResourceRequirements`: names, quantities, requests against limits."""
    errors: Errors = []
    limits_path, requests_path = path.child("limits"), path.child("requests")
    compute = hugepages = False
    for name in sorted(resources.limits):
        amount = resources.limits[name]
        errors += _resource_name_and_value(name, amount, limits_path.key(name))
        hugepages = hugepages or name.startswith(_HUGEPAGES_PREFIX)
        compute = compute or name in ("cpu", "memory")
    for name in sorted(resources.requests):
        amount = resources.requests[name]
        here = requests_path.key(name)
        errors += _resource_name(name, here)
        errors += _quantity_value(name, amount, here)
        errors += _request_against_limit(
            name, amount, resources.limits.get(name), requests_path, limits_path
        )
        if name.startswith(_HUGEPAGES_PREFIX):
            hugepages = True
            errors += _hugepage_value(name, amount, here)
        compute = compute or name in ("cpu", "memory")
    if hugepages and not compute:
        errors.append(field.forbidden(path, "HugePages require cpu or memory"))
    errors += _resource_claims(resources.claims, claim_names, path.child("claims"))
    return errors


def _resource_name_and_value(name: str, amount: quantity.Quantity, path: field.Path) -> Errors:
    errors = _resource_name(name, path)
    errors += _quantity_value(name, amount, path)
    if name.startswith(_HUGEPAGES_PREFIX):
        errors += _hugepage_value(name, amount, path)
    return errors


def _request_against_limit(
    name: str,
    request: quantity.Quantity,
    limit: quantity.Quantity | None,
    requests_path: field.Path,
    limits_path: field.Path,
) -> Errors:
    if limit is None:
        if not _overcommit_allowed(name):
            return [
                field.required(limits_path, "Limit must be set for non overcommitable resources")
            ]
        return []
    if request.cmp(limit) != 0 and not _overcommit_allowed(name):
        return [
            field.invalid(requests_path, str(request), f"must be equal to {name} limit of {limit}")
        ]
    if request.cmp(limit) > 0:
        return [
            field.invalid(
                requests_path,
                str(request),
                f"must be less than or equal to {name} limit of {limit}",
            )
        ]
    return []


def _resource_name(name: str, path: field.Path) -> Errors:
    """`validateContainerResourceName` (the value prints bare: ResourceName is a Stringer)."""
    bare = GoValue(name)
    errors = _each_invalid(path, bare, names.qualified_name(name))
    if not errors and "/" not in name and not _is_standard_resource(name):
        errors.append(
            field.invalid(path, bare, "must be a standard resource type or fully qualified")
        )
    if "/" not in name:
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith(_HUGEPAGES_PREFIX):
            errors.append(field.invalid(path, bare, "must be a standard resource for containers"))
    elif not _is_native(name) and not _is_extended(name):
        errors.append(field.invalid(path, bare, "doesn't follow extended resource name standard"))
    return errors


def _is_standard_resource(name: str) -> bool:
    return name in _STANDARD_RESOURCES or name.startswith(
        (_HUGEPAGES_PREFIX, "requests." + _HUGEPAGES_PREFIX)
    )


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name: str) -> bool:
    if _is_native(name) or name.startswith("requests."):
        return False
    return not names.qualified_name("requests." + name)


def _overcommit_allowed(name: str) -> bool:
    return _is_native(name) and not name.startswith(_HUGEPAGES_PREFIX)


def _quantity_value(name: str, amount: quantity.Quantity, path: field.Path) -> Errors:
    """`ValidateResourceQuantityValue`: not negative; whole numbers for integer resources."""
    errors: Errors = []
    if amount.sign() < 0:
        errors.append(field.invalid(path, str(amount), "must be greater than or equal to 0"))
    integer = name in _INTEGER_RESOURCES or _is_extended(name)
    if integer and amount.milli_value() % 1000 != 0:
        errors.append(field.invalid(path, GoValue(str(amount)), "must be an integer"))
    return errors


def _hugepage_value(name: str, amount: quantity.Quantity, path: field.Path) -> Errors:
    """`validateResourceQuantityHugePageValue`: a whole number of pages of the named size."""
    if _whole_pages(name, amount):
        return []
    return [
        field.invalid(path, str(amount), f"{amount} is not positive integer multiple of {name}")
    ]


def _whole_pages(name: str, amount: quantity.Quantity) -> bool:
    """`IsHugePageResourceValueDivisible`."""
    try:
        page = quantity.parse_quantity(name[len(_HUGEPAGES_PREFIX) :])
    except ValueError:
        return False
    if page.sign() <= 0 or page.milli_value() % 1000 != 0:
        return False
    return amount.value() % page.value() == 0


def _resource_claims(
    claims: tuple[pod.ResourceClaim, ...], claim_names: frozenset[str], path: field.Path
) -> Errors:
    """`validateResourceClaimNames`: each claim names an entry of `spec.resourceClaims`."""
    errors: Errors = []
    seen: set[str] = set()
    for position, claim in enumerate(claims):
        here = path.index(position)
        name = claim.name
        if not name:
            errors.append(field.required(here))
            continue
        if name in seen:
            errors.append(field.duplicate(here, name))
        else:
            key = name
            if claim.request:
                errors += _each_invalid(
                    here.child("request"), claim.request, names.dns1123_label(claim.request)
                )
                key += "/" + claim.request
            if key in seen:
                errors.append(field.duplicate(here, key))
            elif not claim.request:
                errors += [
                    field.duplicate(here, name)
                    for other in sorted(seen)
                    if "/" in other and other.split("/", 1)[0] == name
                ]
            seen.add(key)
        if name not in claim_names:
            detail = "must be one of the names in pod.spec.resourceClaims"
            if claim_names:
                detail += ": " + ", ".join(sorted(claim_names))
            else:
                detail += " which is empty"
            errors.append(field.FieldError(field.ErrorType.NOT_FOUND, str(here), name, detail))
    return errors


def _validate_resize_policy(
    policies: tuple[pod.ContainerResizePolicy, ...], restart_policy: str, path: field.Path
) -> Errors:
    """`validateResizePolicy` (errors on the list's path, as Kubernetes reports them)."""
    errors: Errors = []
    seen: set[str] = set()
    for position, policy in enumerate(policies):
        if policy.resource_name in seen:
            errors.append(field.duplicate(path.index(position), GoValue(policy.resource_name)))
        seen.add(policy.resource_name)
        if not policy.resource_name:
            errors.append(field.required(path))
        elif policy.resource_name not in _SUPPORTED_RESIZE_RESOURCES:
            errors.append(
                field.not_supported(
                    path, GoValue(policy.resource_name), _SUPPORTED_RESIZE_RESOURCES
                )
            )
        if not policy.restart_policy:
            errors.append(field.required(path))
        elif policy.restart_policy not in _SUPPORTED_RESIZE_POLICIES:
            errors.append(
                field.not_supported(path, policy.restart_policy, _SUPPORTED_RESIZE_POLICIES)
            )
        if restart_policy == "Never" and policy.restart_policy != "NotRequired":
            errors.append(
                field.invalid(
                    path,
                    policy.restart_policy,
                    "must be 'NotRequired' when `restartPolicy` is 'Never'",
                )
            )
    return errors


# --- security context ------------------------------------------------------------------------


def _validate_security_context(
    context: pod.SecurityContext | None,
    path: field.Path,
    *,
    host_users: bool,
    allow_privileged: bool,
) -> Errors:
    """`ValidateSecurityContext` (Linux fields; windowsOptions are not checked)."""
    if context is None:
        return []
    errors: Errors = []
    if context.privileged is True and not allow_privileged:
        errors.append(field.forbidden(path.child("privileged"), "disallowed by cluster policy"))
    if context.run_as_user is not None:
        errors += _each_invalid(
            path.child("runAsUser"), context.run_as_user, names.valid_user_id(context.run_as_user)
        )
    if context.run_as_group is not None:
        errors += _each_invalid(
            path.child("runAsGroup"),
            context.run_as_group,
            names.valid_group_id(context.run_as_group),
        )
    if context.proc_mount is not None:
        errors += _proc_mount(context.proc_mount, path.child("procMount"), host_users=host_users)
    errors += validate_seccomp_profile(context.seccomp_profile, path.child("seccompProfile"))
    if context.allow_privilege_escalation is False:
        errors += _escalation_conflicts(context, path)
    errors += validate_app_armor_profile(context.app_armor_profile, path.child("appArmorProfile"))
    return errors


def _proc_mount(value: str, path: field.Path, *, host_users: bool) -> Errors:
    errors: Errors = []
    if value not in _SUPPORTED_PROC_MOUNTS:
        errors.append(field.not_supported(path, value, _SUPPORTED_PROC_MOUNTS))
    if host_users and value == "Unmasked":
        errors.append(field.invalid(path, value, "`hostUsers` must be false to use `Unmasked`"))
    return errors


def _escalation_conflicts(context: pod.SecurityContext, path: field.Path) -> Errors:
    errors: Errors = []
    shown = GoValue(go_security_context(context))
    if context.privileged is True:
        errors.append(
            field.invalid(
                path,
                shown,
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            )
        )
    if context.capabilities is not None:
        errors += [
            field.invalid(
                path,
                shown,
                "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` "
                "CAP_SYS_ADMIN",
            )
            for capability in context.capabilities.add
            if capability == "CAP_SYS_ADMIN"
        ]
    return errors


def validate_seccomp_profile(profile: pod.SeccompProfile | None, path: field.Path) -> Errors:
    """`validateSeccompProfileField`."""
    if profile is None:
        return []
    errors: Errors = []
    if not profile.type:
        errors.append(
            field.required(path.child("type"), "type is required when seccompProfile is set")
        )
    elif profile.type not in _SUPPORTED_SECCOMP_TYPES:
        errors.append(
            field.not_supported(path.child("type"), profile.type, _SUPPORTED_SECCOMP_TYPES)
        )
    if profile.type == "Localhost":
        if profile.localhost_profile is None:
            errors.append(
                field.required(
                    path.child("localhostProfile"), "must be set when seccomp type is Localhost"
                )
            )
        else:
            errors += local_descending_path(
                profile.localhost_profile, path.child("localhostProfile")
            )
    elif profile.localhost_profile is not None:
        errors.append(
            field.invalid(
                path.child("localhostProfile"),
                GoValue(_go_seccomp_profile(profile)),
                "can only be set when seccomp type is Localhost",
            )
        )
    return errors


def validate_app_armor_profile(profile: Mapping[str, Any] | None, path: field.Path) -> Errors:
    """`ValidateAppArmorProfileField` on the (opaque) appArmorProfile object."""
    if profile is None:
        return []
    kind = profile.get("type", "")
    localhost = profile.get("localhostProfile")
    local_path = path.child("localhostProfile")
    if kind == "Localhost":
        return _app_armor_localhost(localhost, local_path)
    if kind in ("RuntimeDefault", "Unconfined"):
        if localhost is not None:
            return [
                field.invalid(
                    local_path, localhost, "can only be set when AppArmor type is Localhost"
                )
            ]
        return []
    if not kind:
        return [field.required(path.child("type"), "type is required when appArmorProfile is set")]
    return [field.not_supported(path.child("type"), kind, _SUPPORTED_APPARMOR_TYPES)]


def _app_armor_localhost(localhost: Any, path: field.Path) -> Errors:
    if localhost is None:
        return [field.required(path, "must be set when AppArmor type is Localhost")]
    text = str(localhost)
    errors: Errors = []
    if text.strip(GO_SPACE) != text:
        errors.append(field.invalid(path, text, "must not be padded with whitespace"))
    elif not text:
        errors.append(field.required(path, "must be set when AppArmor type is Localhost"))
    if len(text.encode()) > 4095:
        errors.append(
            field.FieldError(
                field.ErrorType.TOO_LONG, str(path), "", "must have at most 4095 bytes"
            )
        )
    return errors


def _go_pointer(type_name: str, value: object) -> str:
    return f"({type_name})({'nil' if value is None else GO_POINTER})"


def go_security_context(context: pod.SecurityContext) -> str:
    """`%#v` of a `core.SecurityContext` (pointer addresses replaced by `GO_POINTER`)."""
    members = (
        ("Capabilities", "*core.Capabilities", context.capabilities),
        ("Privileged", "*bool", context.privileged),
        ("SELinuxOptions", "*core.SELinuxOptions", context.se_linux_options),
        ("WindowsOptions", "*core.WindowsSecurityContextOptions", context.windows_options),
        ("RunAsUser", "*int64", context.run_as_user),
        ("RunAsGroup", "*int64", context.run_as_group),
        ("RunAsNonRoot", "*bool", context.run_as_non_root),
        ("ReadOnlyRootFilesystem", "*bool", context.read_only_root_filesystem),
        ("AllowPrivilegeEscalation", "*bool", context.allow_privilege_escalation),
        ("ProcMount", "*core.ProcMountType", context.proc_mount),
        ("SeccompProfile", "*core.SeccompProfile", context.seccomp_profile),
        ("AppArmorProfile", "*core.AppArmorProfile", context.app_armor_profile),
    )
    inner = ", ".join(f"{name}:{_go_pointer(kind, value)}" for name, kind, value in members)
    return "core.SecurityContext{" + inner + "}"


def _go_seccomp_profile(profile: pod.SeccompProfile) -> str:
    pointer = _go_pointer("*string", profile.localhost_profile)
    return f"core.SeccompProfile{{Type:{field.go_quote(profile.type)}, LocalhostProfile:{pointer}}}"


# --- probes and lifecycle hooks --------------------------------------------------------------


def _validate_hooks_and_probes(
    container: pod.Container, grace: int | None, path: field.Path
) -> Errors:
    """What app containers and sidecars may set: lifecycle hooks and the three probes."""
    errors: Errors = []
    if container.lifecycle is not None:
        errors += _validate_lifecycle(container.lifecycle, grace, path.child("lifecycle"))
    if container.liveness_probe is not None:
        errors += _validate_probe(container.liveness_probe, grace, path.child("livenessProbe"))
        errors += _success_threshold_one(container.liveness_probe, path.child("livenessProbe"))
    if container.readiness_probe is not None:
        probe = container.readiness_probe
        errors += _validate_probe(probe, grace, path.child("readinessProbe"))
        if probe.termination_grace_period_seconds is not None:
            errors.append(
                field.invalid(
                    path.child("readinessProbe", "terminationGracePeriodSeconds"),
                    probe.termination_grace_period_seconds,
                    "must not be set for readinessProbes",
                )
            )
    if container.startup_probe is not None:
        errors += _validate_probe(container.startup_probe, grace, path.child("startupProbe"))
        errors += _success_threshold_one(container.startup_probe, path.child("startupProbe"))
    return errors


def _forbid_hooks_and_probes(container: pod.Container, path: field.Path) -> Errors:
    present = (
        ("lifecycle", container.lifecycle),
        ("livenessProbe", container.liveness_probe),
        ("readinessProbe", container.readiness_probe),
        ("startupProbe", container.startup_probe),
    )
    return [
        field.forbidden(path.child(name), _INIT_FORBIDDEN_DETAIL)
        for name, value in present
        if value is not None
    ]


def _init_restart_policy(policy: str, path: field.Path) -> Errors:
    if policy in _INIT_CONTAINER_RESTART_POLICIES:
        return []
    return [field.not_supported(path, policy, _INIT_CONTAINER_RESTART_POLICIES)]


def _success_threshold_one(probe: pod.Probe, path: field.Path) -> Errors:
    if probe.success_threshold != 1:
        return [field.invalid(path.child("successThreshold"), probe.success_threshold, "must be 1")]
    return []


def _validate_probe(probe: pod.Probe, grace: int | None, path: field.Path) -> Errors:
    """`validateProbe`: one handler, non-negative timings, a positive grace override."""
    handlers = (
        ("exec", probe.exec),
        ("httpGet", probe.http_get),
        ("tcpSocket", probe.tcp_socket),
        ("grpc", probe.grpc),
    )
    errors = _validate_handler(handlers, grace, path)
    for name, value in (
        ("initialDelaySeconds", probe.initial_delay_seconds),
        ("timeoutSeconds", probe.timeout_seconds),
        ("periodSeconds", probe.period_seconds),
        ("successThreshold", probe.success_threshold),
        ("failureThreshold", probe.failure_threshold),
    ):
        if value < 0:
            errors.append(
                field.invalid(path.child(name), value, "must be greater than or equal to 0")
            )
    grace_override = probe.termination_grace_period_seconds
    if grace_override is not None and grace_override <= 0:
        errors.append(
            field.invalid(
                path.child("terminationGracePeriodSeconds"),
                grace_override,
                "must be greater than 0",
            )
        )
    return errors


def _validate_lifecycle(lifecycle: pod.Lifecycle, grace: int | None, path: field.Path) -> Errors:
    errors: Errors = []
    for name, hook in (("postStart", lifecycle.post_start), ("preStop", lifecycle.pre_stop)):
        if hook is not None:
            handlers = (
                ("exec", hook.exec),
                ("httpGet", hook.http_get),
                ("tcpSocket", hook.tcp_socket),
                ("sleep", hook.sleep),
            )
            errors += _validate_handler(handlers, grace, path.child(name))
    return errors


_HandlerCheck = Callable[[Any, int | None, field.Path], Errors]


def _validate_handler(
    handlers: tuple[tuple[str, Any], ...], grace: int | None, path: field.Path
) -> Errors:
    """`validateHandler`: the first set handler is checked, any later one is Forbidden."""
    errors: Errors = []
    chosen = False
    for name, handler in handlers:
        if handler is None:
            continue
        if chosen:
            errors.append(
                field.forbidden(path.child(name), "may not specify more than 1 handler type")
            )
            continue
        chosen = True
        errors += _HANDLER_CHECKS[name](handler, grace, path.child(name))
    if not chosen:
        errors.append(field.required(path, "must specify a handler type"))
    return errors


def _exec_action(action: pod.ExecAction, _grace: int | None, path: field.Path) -> Errors:
    if not action.command:
        return [field.required(path.child("command"))]
    return []


def _http_get_action(action: pod.HTTPGetAction, _grace: int | None, path: field.Path) -> Errors:
    errors: Errors = []
    if not action.path:
        errors.append(field.required(path.child("path")))
    errors += port_num_or_name(action.port, path.child("port"))
    if action.scheme not in _SUPPORTED_HTTP_SCHEMES:
        errors.append(
            field.not_supported(path.child("scheme"), action.scheme, _SUPPORTED_HTTP_SCHEMES)
        )
    for header in action.http_headers:
        errors += _each_invalid(
            path.child("httpHeaders"), header.name, names.http_header_name(header.name)
        )
    return errors


def _tcp_socket_action(action: pod.TCPSocketAction, _grace: int | None, path: field.Path) -> Errors:
    return port_num_or_name(action.port, path.child("port"))


def _grpc_action(action: pod.GRPCAction, _grace: int | None, path: field.Path) -> Errors:
    return port_num_or_name(action.port, path.child("port"))


def _sleep_action(action: pod.SleepAction, grace: int | None, path: field.Path) -> Errors:
    """`validateSleepAction` with PodLifecycleSleepActionAllowZero (on by default)."""
    if grace is not None and (action.seconds < 0 or action.seconds > grace):
        return [
            field.invalid(
                path,
                action.seconds,
                f"must be non-negative and less than terminationGracePeriodSeconds ({grace})",
            )
        ]
    return []


_HANDLER_CHECKS: Final[dict[str, _HandlerCheck]] = {
    "exec": _exec_action,
    "httpGet": _http_get_action,
    "tcpSocket": _tcp_socket_action,
    "grpc": _grpc_action,
    "sleep": _sleep_action,
}


def port_num_or_name(port: int | str, path: field.Path) -> Errors:
    """`ValidatePortNumOrName`: a number in 1..65535 or an IANA service name."""
    if isinstance(port, int):
        return _each_invalid(path, port, names.valid_port_num(port))
    return _each_invalid(path, port, names.iana_svc_name(port))


# --- ephemeral containers --------------------------------------------------------------------


def _ephemeral_disallowed_fields(container: pod.Container, path: field.Path) -> Errors:
    """`validateFieldAllowList` over EphemeralContainerCommon, in the Go struct's field order."""
    disallowed = (
        ("ports", container.ports),
        ("resources", container.resources != pod.ResourceRequirements()),
        ("resizePolicy", container.resize_policy),
        ("restartPolicy", container.restart_policy is not None),
        ("restartPolicyRules", container.restart_policy_rules),
        ("livenessProbe", container.liveness_probe is not None),
        ("readinessProbe", container.readiness_probe is not None),
        ("startupProbe", container.startup_probe is not None),
        ("lifecycle", container.lifecycle is not None),
    )
    return [
        field.forbidden(path.child(name), _EPHEMERAL_FORBIDDEN_DETAIL)
        for name, is_set in disallowed
        if is_set
    ]
