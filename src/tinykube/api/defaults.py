"""Defaulting: the values the apiserver fills in before it validates and stores an object.

Kubernetes defaults every `v1` object it decodes (`pkg/apis/core/v1/defaults.go` through the
generated `SetObjectDefaults_Pod`), then, on create only, runs the registry strategy's
`PrepareForCreate` (`pkg/registry/core/pod/strategy.go`). tinykube mirrors that split:

- `set_pod_defaults(pod)`: the scheme defaulting, applied to every pod the API receives (create
  and update); it also performs the one `v1` conversion effect a client can see, the
  `serviceAccount`/`serviceAccountName` alias.
- `prepare_pod_for_create(pod, now=...)`: what `PrepareForCreate` does: `metadata.generation` 1, a
  fresh status (`phase: Pending`, `qosClass`), the `SchedulingGated` condition, and the merge of
  `matchLabelKeys`/`mismatchLabelKeys` into affinity and topology-spread label selectors.
- `apply_pod_defaults(pod)`: both, as `admission` calls them on create.

ConfigMaps, Secrets (including the `stringData` → `data` merge of the `v1` conversion) and
Namespaces (including the namespace strategy's `PrepareForCreate`) have their own `apply_*`.

Default feature gates of current Kubernetes are assumed. Not reproduced: pod-level `resources`
defaulting (`PodLevelResources`; tinykube refuses pod-level resources, see `support`), image volume
pull policies (`ImageVolume`; refused too), and the AppArmor annotation-to-field sync (refused).
Admission plugins (ServiceAccount, Priority, DefaultTolerationSeconds) are not defaulting and
are not run: tinykube has none of them.

Every function is pure and idempotent, and returns its argument itself when nothing changes;
unchanged sub-objects are shared, never rebuilt.
"""

from __future__ import annotations

import base64
import datetime
import functools
import re
from collections.abc import Callable
from typing import Any, Final, TypeVar

from msgspec.structs import replace

from tinykube.api import quantity, resources
from tinykube.api.meta import ObjectMeta
from tinykube.api.objects import ConfigMap, Namespace, NamespaceSpec, NamespaceStatus, Secret
from tinykube.api.pod import (
    Container,
    ContainerPort,
    DownwardAPIVolumeFile,
    EmptyDirVolumeSource,
    EnvVar,
    HTTPGetAction,
    Lifecycle,
    LifecycleHandler,
    Pod,
    PodSecurityContext,
    PodSpec,
    Probe,
    ResourceList,
    ResourceRequirements,
    Volume,
    VolumeProjection,
)
from tinykube.api.status import ConditionType, PodCondition, PodPhase, PodStatus

DEFAULT_NAMESPACE: Final = "default"
DEFAULT_SCHEDULER_NAME: Final = "default-scheduler"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: Final = 30
TERMINATION_MESSAGE_PATH: Final = "/dev/termination-log"
VOLUME_DEFAULT_MODE: Final = 0o644  # 420: Secret, ConfigMap, DownwardAPI and Projected volumes
SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS: Final = 3600
FINALIZER_KUBERNETES: Final = "kubernetes"
LABEL_METADATA_NAME: Final = "kubernetes.io/metadata.name"
SCHEDULING_GATED_MESSAGE: Final = "Scheduling is blocked due to non-empty scheduling gates"

T = TypeVar("T")


def _map(items: tuple[T, ...], default: Callable[[T], T]) -> tuple[T, ...]:
    """`items` with `default` applied to each; the same tuple when no item changed."""
    out: list[T] | None = None
    for position, item in enumerate(items):
        new = default(item)
        if new is not item:
            if out is None:
                out = list(items)
            out[position] = new
    return items if out is None else tuple(out)


# --- image pull policy ---------------------------------------------------------------------
# `SetDefaults_Container` reads the tag that `parsers.ParseImageName` (docker's
# `reference.ParseNormalizedNamed`) finds: `Always` for "latest", which is also what a reference
# with neither tag nor digest gets; `IfNotPresent` for any other tag, for a digest without a tag,
# and for a reference that does not parse (the error is ignored, the tag read is empty).

_PATH_COMPONENT: Final = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT: Final = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST: Final = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])"
_NAME: Final = rf"(?:{_HOST}(?::[0-9]+)?/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG: Final = r"[\w][\w.-]{0,127}"
_DIGEST: Final = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE: Final = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_IDENTIFIER: Final = re.compile(r"[a-f0-9]{64}", re.ASCII)
_DIGEST_LENGTHS: Final = {"sha256": 64, "sha384": 96, "sha512": 128}
_ENCODED: Final = re.compile(r"[a-f0-9]+", re.ASCII)
_NAME_TOTAL_LENGTH_MAX: Final = 255


def _normalize(image: str) -> str | None:
    """The fully qualified form `ParseNormalizedNamed` parses, or None where it refuses early."""
    if _IDENTIFIER.fullmatch(image):
        return None
    first, slash, rest = image.partition("/")
    if not slash or (
        not any(char in first for char in ".:") and first != "localhost" and first.lower() == first
    ):
        domain, remainder = "docker.io", image
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in remainder:
        remainder = "library/" + remainder
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:
        return None
    return f"{domain}/{remainder}"


def _valid_digest(digest: str) -> bool:
    algorithm, _, encoded = digest.partition(":")
    length = _DIGEST_LENGTHS.get(algorithm)
    return length == len(encoded) and _ENCODED.fullmatch(encoded) is not None


@functools.lru_cache(maxsize=4096)
def image_pull_policy(image: str) -> str:
    """The `imagePullPolicy` Kubernetes gives a container of this image when none is set."""
    normalized = _normalize(image)
    match = _REFERENCE.fullmatch(normalized) if normalized is not None else None
    if match is None or len(match.group(1)) > _NAME_TOTAL_LENGTH_MAX:
        return "IfNotPresent"
    tag, digest = match.group(2), match.group(3)
    if digest is not None and not _valid_digest(digest):
        return "IfNotPresent"
    if tag == "latest" or (tag is None and digest is None):
        return "Always"
    return "IfNotPresent"


# --- resources -----------------------------------------------------------------------------


def _round_up_milli(value: quantity.Quantity) -> quantity.Quantity:
    """`SetDefaults_ResourceList`: round up, away from zero, to milli precision (`RoundUp(-3)`)."""
    coef, exp = value.as_decimal()
    if exp >= -3:
        return value
    whole, rest = divmod(abs(coef), 10 ** (-3 - exp))
    if rest:
        whole += 1
    return quantity.Quantity(whole if coef > 0 else -whole, -3, value.format)


def _round_resource_list(resource_list: ResourceList) -> ResourceList:
    out: ResourceList | None = None
    for name, value in resource_list.items():
        rounded = _round_up_milli(value)
        if rounded is not value:
            if out is None:
                out = dict(resource_list)
            out[name] = rounded
    return resource_list if out is None else out


def _default_resources(
    requirements: ResourceRequirements, *, requests_from_limits: bool
) -> ResourceRequirements:
    """Requests default to limits (`SetDefaults_Pod`, init and app containers), then rounding."""
    limits = requirements.limits
    requests = requirements.requests
    if requests_from_limits and limits and any(name not in requests for name in limits):
        requests = {**limits, **requests}
    limits = _round_resource_list(limits)
    requests = _round_resource_list(requests)
    if limits is requirements.limits and requests is requirements.requests:
        return requirements
    return replace(requirements, limits=limits, requests=requests)


# --- containers ----------------------------------------------------------------------------


def _default_http_get(action: HTTPGetAction) -> HTTPGetAction:
    if action.path and action.scheme:
        return action
    return replace(action, path=action.path or "/", scheme=action.scheme or "HTTP")


def _default_probe(probe: Probe) -> Probe:
    changes: dict[str, Any] = {}
    if probe.timeout_seconds == 0:
        changes["timeout_seconds"] = 1
    if probe.period_seconds == 0:
        changes["period_seconds"] = 10
    if probe.success_threshold == 0:
        changes["success_threshold"] = 1
    if probe.failure_threshold == 0:
        changes["failure_threshold"] = 3
    if probe.http_get is not None:
        http_get = _default_http_get(probe.http_get)
        if http_get is not probe.http_get:
            changes["http_get"] = http_get
    if probe.grpc is not None and probe.grpc.service is None:
        changes["grpc"] = replace(probe.grpc, service="")
    return replace(probe, **changes) if changes else probe


def _default_handler(handler: LifecycleHandler | None) -> LifecycleHandler | None:
    if handler is None or handler.http_get is None:
        return handler
    http_get = _default_http_get(handler.http_get)
    return handler if http_get is handler.http_get else replace(handler, http_get=http_get)


def _default_lifecycle(lifecycle: Lifecycle | None) -> Lifecycle | None:
    if lifecycle is None:
        return None
    post_start = _default_handler(lifecycle.post_start)
    pre_stop = _default_handler(lifecycle.pre_stop)
    if post_start is lifecycle.post_start and pre_stop is lifecycle.pre_stop:
        return lifecycle
    return replace(lifecycle, post_start=post_start, pre_stop=pre_stop)


def _default_env_var(var: EnvVar) -> EnvVar:
    source = var.value_from
    if source is None or source.field_ref is None or source.field_ref.api_version:
        return var
    field_ref = replace(source.field_ref, api_version="v1")
    return replace(var, value_from=replace(source, field_ref=field_ref))


def _default_port(port: ContainerPort) -> ContainerPort:
    return port if port.protocol else replace(port, protocol="TCP")


def _default_host_port(port: ContainerPort) -> ContainerPort:
    """With `hostNetwork`, a container port is also its host port (`defaultHostNetworkPorts`)."""
    return port if port.host_port else replace(port, host_port=port.container_port)


def _default_container(
    container: Container, *, requests_from_limits: bool, host_network: bool
) -> Container:
    """`SetDefaults_Container` and the defaulters of everything a container holds."""
    changes: dict[str, Any] = {}
    if not container.image_pull_policy:
        changes["image_pull_policy"] = image_pull_policy(container.image)
    if not container.termination_message_path:
        changes["termination_message_path"] = TERMINATION_MESSAGE_PATH
    if not container.termination_message_policy:
        changes["termination_message_policy"] = "File"
    if container.ports:
        ports = _map(container.ports, _default_port)
        if host_network:
            ports = _map(ports, _default_host_port)
        if ports is not container.ports:
            changes["ports"] = ports
    if container.env:
        env = _map(container.env, _default_env_var)
        if env is not container.env:
            changes["env"] = env
    requirements = container.resources
    if requirements.limits or requirements.requests:
        requirements = _default_resources(requirements, requests_from_limits=requests_from_limits)
        if requirements is not container.resources:
            changes["resources"] = requirements
    _default_probes(container, changes)
    if container.lifecycle is not None:
        lifecycle = _default_lifecycle(container.lifecycle)
        if lifecycle is not container.lifecycle:
            changes["lifecycle"] = lifecycle
    return replace(container, **changes) if changes else container


def _default_probes(container: Container, changes: dict[str, Any]) -> None:
    if container.liveness_probe is not None:
        probe = _default_probe(container.liveness_probe)
        if probe is not container.liveness_probe:
            changes["liveness_probe"] = probe
    if container.readiness_probe is not None:
        probe = _default_probe(container.readiness_probe)
        if probe is not container.readiness_probe:
            changes["readiness_probe"] = probe
    if container.startup_probe is not None:
        probe = _default_probe(container.startup_probe)
        if probe is not container.startup_probe:
            changes["startup_probe"] = probe


def _default_regular_container(container: Container) -> Container:
    return _default_container(container, requests_from_limits=True, host_network=False)


def _default_host_network_container(container: Container) -> Container:
    return _default_container(container, requests_from_limits=True, host_network=True)


def _default_ephemeral_container(container: Container) -> Container:
    return _default_container(container, requests_from_limits=False, host_network=False)


# --- volumes -------------------------------------------------------------------------------

# Defaults of volume sources tinykube keeps as opaque wire dicts: (wire key, value, whether an
# empty string counts as unset, as it does for Go string fields that are not pointers).
_OPAQUE_SOURCE_DEFAULTS: Final[dict[str, tuple[tuple[str, Any, bool], ...]]] = {
    "iscsi": (("iscsiInterface", "default", True),),
    "rbd": (
        ("pool", "rbd", True),
        ("user", "admin", True),
        ("keyring", "/etc/ceph/keyring", True),
    ),
    "azure_disk": (
        ("cachingMode", "ReadWrite", False),
        ("fsType", "ext4", False),
        ("readOnly", False, False),
        ("kind", "Shared", False),
    ),
    "scale_io": (("storageMode", "ThinProvisioned", True), ("fsType", "xfs", True)),
}


def _default_opaque(source: dict[str, Any], defaults: tuple[tuple[str, Any, bool], ...]) -> Any:
    missing = {
        key: value
        for key, value, empty_is_unset in defaults
        if key not in source or (empty_is_unset and source[key] == "")
    }
    return {**source, **missing} if missing else source


def _default_ephemeral_source(source: dict[str, Any]) -> dict[str, Any]:
    """`SetDefaults_PersistentVolumeClaimSpec` on an ephemeral volume's claim template."""
    template = source.get("volumeClaimTemplate")
    if not isinstance(template, dict):
        return source
    spec = template.get("spec")
    if not isinstance(spec, dict) or "volumeMode" in spec:
        return source
    spec = {**spec, "volumeMode": "Filesystem"}
    return {**source, "volumeClaimTemplate": {**template, "spec": spec}}


def _default_volume_file(item: DownwardAPIVolumeFile) -> DownwardAPIVolumeFile:
    if item.field_ref is None or item.field_ref.api_version:
        return item
    return replace(item, field_ref=replace(item.field_ref, api_version="v1"))


def _default_projection(projection: VolumeProjection) -> VolumeProjection:
    changes: dict[str, Any] = {}
    if projection.downward_api is not None:
        items = _map(projection.downward_api.items, _default_volume_file)
        if items is not projection.downward_api.items:
            changes["downward_api"] = replace(projection.downward_api, items=items)
    token = projection.service_account_token
    if token is not None and token.expiration_seconds is None:
        changes["service_account_token"] = replace(
            token, expiration_seconds=SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS
        )
    return replace(projection, **changes) if changes else projection


def _default_volume_sources(volume: Volume, changes: dict[str, Any]) -> None:
    if volume.host_path is not None and volume.host_path.type is None:
        changes["host_path"] = replace(volume.host_path, type="")
    if volume.secret is not None and volume.secret.default_mode is None:
        changes["secret"] = replace(volume.secret, default_mode=VOLUME_DEFAULT_MODE)
    if volume.config_map is not None and volume.config_map.default_mode is None:
        changes["config_map"] = replace(volume.config_map, default_mode=VOLUME_DEFAULT_MODE)
    downward = volume.downward_api
    if downward is not None:
        items = _map(downward.items, _default_volume_file)
        if items is not downward.items or downward.default_mode is None:
            mode = VOLUME_DEFAULT_MODE if downward.default_mode is None else downward.default_mode
            changes["downward_api"] = replace(downward, items=items, default_mode=mode)
    projected = volume.projected
    if projected is not None:
        sources = _map(projected.sources, _default_projection)
        if sources is not projected.sources or projected.default_mode is None:
            mode = VOLUME_DEFAULT_MODE if projected.default_mode is None else projected.default_mode
            changes["projected"] = replace(projected, sources=sources, default_mode=mode)


def _default_volume(volume: Volume) -> Volume:
    """`SetDefaults_Volume` (no source means an emptyDir) and the defaults of each source."""
    changes: dict[str, Any] = {}
    if (
        volume.empty_dir is None
        and volume.config_map is None
        and volume.secret is None
        and volume.host_path is None
        and volume.projected is None
        and volume.downward_api is None
    ):
        _default_other_sources(volume, changes)
    else:
        _default_volume_sources(volume, changes)
    return replace(volume, **changes) if changes else volume


def _default_other_sources(volume: Volume, changes: dict[str, Any]) -> None:
    if not volume.sources():
        changes["empty_dir"] = EmptyDirVolumeSource()
        return
    for attribute, defaults in _OPAQUE_SOURCE_DEFAULTS.items():
        source = getattr(volume, attribute)
        if source is not None:
            defaulted = _default_opaque(source, defaults)
            if defaulted is not source:
                changes[attribute] = defaulted
    if volume.ephemeral is not None:
        ephemeral = _default_ephemeral_source(volume.ephemeral)
        if ephemeral is not volume.ephemeral:
            changes["ephemeral"] = ephemeral


# --- pods ----------------------------------------------------------------------------------


def _default_spec_scalars(spec: PodSpec, changes: dict[str, Any]) -> None:
    """`SetDefaults_PodSpec`, `enableServiceLinks`, and the service account alias."""
    if not spec.dns_policy:
        changes["dns_policy"] = "ClusterFirst"
    if not spec.restart_policy:
        changes["restart_policy"] = "Always"
    if spec.security_context is None:
        changes["security_context"] = PodSecurityContext()
    if spec.termination_grace_period_seconds is None:
        changes["termination_grace_period_seconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if not spec.scheduler_name:
        changes["scheduler_name"] = DEFAULT_SCHEDULER_NAME
    if spec.enable_service_links is None:
        changes["enable_service_links"] = True
    # v1 conversion: `serviceAccount` is a deprecated alias; `serviceAccountName` wins, and the
    # apiserver writes both back.
    account = spec.service_account_name or spec.service_account
    if account != spec.service_account_name or account != spec.service_account:
        changes["service_account_name"] = account
        changes["service_account"] = account


def _default_spec(spec: PodSpec) -> PodSpec:
    changes: dict[str, Any] = {}
    regular = _default_host_network_container if spec.host_network else _default_regular_container
    for attribute, default in (
        ("volumes", _default_volume),
        ("init_containers", regular),
        ("containers", regular),
        ("ephemeral_containers", _default_ephemeral_container),
    ):
        items = getattr(spec, attribute)
        defaulted = _map(items, default)
        if defaulted is not items:
            changes[attribute] = defaulted
    _default_spec_scalars(spec, changes)
    overhead = _round_resource_list(spec.overhead)
    if overhead is not spec.overhead:
        changes["overhead"] = overhead
    return replace(spec, **changes) if changes else spec


def _default_namespace(meta: ObjectMeta) -> ObjectMeta:
    return meta if meta.namespace else replace(meta, namespace=DEFAULT_NAMESPACE)


def set_pod_defaults(pod: Pod) -> Pod:
    """The scheme defaulting of a `v1` Pod, as the apiserver applies it to every request body."""
    metadata = _default_namespace(pod.metadata)
    spec = _default_spec(pod.spec)
    if metadata is pod.metadata and spec is pod.spec:
        return pod
    return replace(pod, metadata=metadata, spec=spec)


def _merge_label_keys(
    selector: Any, keys: Any, operator: str, labels: dict[str, str]
) -> dict[str, Any]:
    """Add `key <operator> (value)` for each key the pod carries (`applyLabelKeysToLabelSelector`).

    A requirement already present is not added again, which keeps this idempotent.
    """
    expressions = list(selector.get("matchExpressions") or ())
    for key in keys or ():
        if isinstance(key, str) and key in labels:
            requirement = {"key": key, "operator": operator, "values": [labels[key]]}
            if requirement not in expressions:
                expressions.append(requirement)
    if len(expressions) == len(selector.get("matchExpressions") or ()):
        return dict(selector)
    return {**selector, "matchExpressions": expressions}


def _merge_affinity_term(term: Any, labels: dict[str, str]) -> Any:
    if not isinstance(term, dict) or not isinstance(term.get("labelSelector"), dict):
        return term
    match_keys, mismatch_keys = term.get("matchLabelKeys"), term.get("mismatchLabelKeys")
    if not match_keys and not mismatch_keys:
        return term
    selector = _merge_label_keys(term["labelSelector"], match_keys, "In", labels)
    selector = _merge_label_keys(selector, mismatch_keys, "NotIn", labels)
    return {**term, "labelSelector": selector}


def _merge_pod_affinity(affinity: Any, labels: dict[str, str]) -> Any:
    """`mutatePodAffinity`: matchLabelKeys/mismatchLabelKeys join the label selectors."""
    out = dict(affinity)
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = affinity.get(kind)
        if not isinstance(terms, dict):
            continue
        required = [
            _merge_affinity_term(term, labels)
            for term in terms.get("requiredDuringSchedulingIgnoredDuringExecution") or ()
        ]
        preferred = [
            {
                **weighted,
                "podAffinityTerm": _merge_affinity_term(weighted["podAffinityTerm"], labels),
            }
            if isinstance(weighted, dict) and "podAffinityTerm" in weighted
            else weighted
            for weighted in terms.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        ]
        merged = dict(terms)
        if required:
            merged["requiredDuringSchedulingIgnoredDuringExecution"] = required
        if preferred:
            merged["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
        out[kind] = merged
    return out if out != affinity else affinity


def _merge_spread_constraint(constraint: Any, labels: dict[str, str]) -> Any:
    """`mutateTopologySpreadConstraints`: matchLabelKeys join the constraint's label selector."""
    if (
        not isinstance(constraint, dict)
        or not constraint.get("matchLabelKeys")
        or not isinstance(constraint.get("labelSelector"), dict)
    ):
        return constraint
    selector = _merge_label_keys(
        constraint["labelSelector"], constraint["matchLabelKeys"], "In", labels
    )
    merged = {**constraint, "labelSelector": selector}
    return merged if merged != constraint else constraint


def _merge_label_keys_into_spec(spec: PodSpec, labels: dict[str, str]) -> PodSpec:
    changes: dict[str, Any] = {}
    if spec.affinity is not None:
        affinity = _merge_pod_affinity(spec.affinity, labels)
        if affinity is not spec.affinity:
            changes["affinity"] = affinity
    if spec.topology_spread_constraints:
        constraints = tuple(
            _merge_spread_constraint(constraint, labels)
            for constraint in spec.topology_spread_constraints
        )
        if constraints != spec.topology_spread_constraints:
            changes["topology_spread_constraints"] = constraints
    return replace(spec, **changes) if changes else spec


def _create_status(pod: Pod, now: datetime.datetime | None) -> PodStatus:
    conditions: tuple[PodCondition, ...] = ()
    if pod.spec.scheduling_gates:
        conditions = (
            PodCondition(
                type=ConditionType.POD_SCHEDULED.value,
                status="False",
                last_transition_time=now,
                reason="SchedulingGated",
                message=SCHEDULING_GATED_MESSAGE,
            ),
        )
    return PodStatus(
        phase=PodPhase.PENDING.value,
        conditions=conditions,
        qos_class=str(resources.qos_class(pod.spec)),
    )


def prepare_pod_for_create(pod: Pod, *, now: datetime.datetime | None = None) -> Pod:
    """`PrepareForCreate`: generation 1, a fresh Pending status with its QoS class, and so on.

    Expects a pod that `set_pod_defaults` has seen (the QoS class reads defaulted requests).
    `now` stamps the `SchedulingGated` condition, the only timestamp written here.
    """
    metadata = pod.metadata
    if metadata.generation != 1:
        metadata = replace(metadata, generation=1)
    spec = _merge_label_keys_into_spec(pod.spec, metadata.labels)
    status = _create_status(pod, now)
    if status == pod.status:
        status = pod.status
    if metadata is pod.metadata and spec is pod.spec and status is pod.status:
        return pod
    return replace(pod, metadata=metadata, spec=spec, status=status)


def apply_pod_defaults(pod: Pod, *, now: datetime.datetime | None = None) -> Pod:
    """A pod as the apiserver stores it on create: scheme defaults, then `PrepareForCreate`."""
    return prepare_pod_for_create(set_pod_defaults(pod), now=now)


# --- other objects -------------------------------------------------------------------------


def apply_configmap_defaults(config_map: ConfigMap) -> ConfigMap:
    """A ConfigMap on create (`SetDefaults_ConfigMap` only makes `data` non-nil: unseen)."""
    metadata = _default_namespace(config_map.metadata)
    return config_map if metadata is config_map.metadata else replace(config_map, metadata=metadata)


def apply_secret_defaults(secret: Secret) -> Secret:
    """A Secret on create: type `Opaque`; `stringData` is merged into `data` (base64) and dropped.

    The `v1` conversion lets a `stringData` key win over the same key in `data`.
    """
    changes: dict[str, Any] = {}
    metadata = _default_namespace(secret.metadata)
    if metadata is not secret.metadata:
        changes["metadata"] = metadata
    if not secret.type:
        changes["type"] = "Opaque"
    if secret.string_data:
        encoded = {
            key: base64.b64encode(value.encode()).decode("ascii")
            for key, value in secret.string_data.items()
        }
        changes["data"] = {**secret.data, **encoded}
        changes["string_data"] = {}
    return replace(secret, **changes) if changes else secret


def apply_namespace_defaults(namespace: Namespace) -> Namespace:
    """A Namespace on create: the name label, the `kubernetes` finalizer, phase `Active`."""
    metadata = namespace.metadata
    name = metadata.name
    if name and metadata.labels.get(LABEL_METADATA_NAME) != name:
        metadata = replace(metadata, labels={**metadata.labels, LABEL_METADATA_NAME: name})
    spec = namespace.spec
    if FINALIZER_KUBERNETES not in spec.finalizers:
        spec = NamespaceSpec(finalizers=(*spec.finalizers, FINALIZER_KUBERNETES))
    status = namespace.status
    if status != NamespaceStatus(phase="Active"):
        status = NamespaceStatus(phase="Active")
    if metadata is namespace.metadata and spec is namespace.spec and status is namespace.status:
        return namespace
    return replace(namespace, metadata=metadata, spec=spec, status=status)
