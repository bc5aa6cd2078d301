"""Pod validation on create and update: `ValidatePodCreate`, `ValidatePodSpec`, `ValidatePodUpdate`.

Validation runs on *defaulted* pods (restartPolicy, dnsPolicy, terminationGracePeriodSeconds ...
already filled in), with the default feature gates of a current apiserver, and returns the errors
in the order Kubernetes appends them. Containers are checked by `containers`, volumes by
`volumes`, metadata by `meta`; this module holds the pod-level rules and the order of the whole.

The v1 pod keeps `hostNetwork`, `hostPID`, `hostIPC`, `shareProcessNamespace` and `hostUsers` in
the spec; Kubernetes validates its internal type, which moves them into the security context, so
some paths below (`spec.securityContext.shareProcessNamespace`) name the internal place.

Not checked here (opaque in the model, or scheduling-only): affinity, topology spread
constraints, Windows host-process rules, pod-level `resources`, the tolerations annotation.
"""

from __future__ import annotations

import ipaddress
import re
import typing
from collections.abc import Iterable, Mapping
from typing import Any, Final

import msgspec

from tinykube.api import field, quantity
from tinykube.api.field import FieldError, Path
from tinykube.api.pod import (
    Container,
    Pod,
    PodDNSConfig,
    PodSecurityContext,
    PodSpec,
    ResourceRequirements,
    SeccompProfile,
)
from tinykube.api.validation import containers, meta, names, volumes
from tinykube.api.wire import Wire

MAX_INT32: Final = 2**31 - 1
RESTART_POLICIES: Final = ("Always", "OnFailure", "Never")
DNS_POLICIES: Final = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PREEMPTION_POLICIES: Final = ("PreemptLowerPriority", "Never")
MAX_DNS_NAMESERVERS: Final = 3
MAX_DNS_SEARCH_PATHS: Final = 32
MAX_DNS_SEARCH_LIST_CHARS: Final = 2048
UPDATABLE_POD_SPEC_FIELDS: Final = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)

_MIRROR_ANNOTATION: Final = "kubernetes.io/config.mirror"
_DELETION_COST_ANNOTATION: Final = "controller.kubernetes.io/pod-deletion-cost"
_SECCOMP_POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_PREFIX: Final = "container.seccomp.security.alpha.kubernetes.io/"
_APPARMOR_CONTAINER_PREFIX: Final = "container.apparmor.security.beta.kubernetes.io/"
_SYSCTL_SEGMENT: Final = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_SYSCTL_PATTERN: Final = "^(" + _SYSCTL_SEGMENT + "[\\./])*" + _SYSCTL_SEGMENT + "$"
_SYSCTL_RE: Final = re.compile(_SYSCTL_PATTERN)
_SYSCTL_MAX_LENGTH: Final = 253
_IPC_SYSCTL_PREFIXES: Final = ("kernel.shm", "kernel.msg", "fs.mqueue.")
_DNS1123_LABEL_WITH_UNDERSCORE: Final = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_WITH_UNDERSCORE: Final = (
    _DNS1123_LABEL_WITH_UNDERSCORE + "(\\." + _DNS1123_LABEL_WITH_UNDERSCORE + ")*"
)
_DNS1123_SUBDOMAIN_WITH_UNDERSCORE_MSG: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_HOST_USERS_FALSE: Final = "when `pod.Spec.HostUsers` is false"
_WINDOWS_FORBIDDEN: Final = "cannot be set for a windows pod"


# --- entry points -----------------------------------------------------------------------------


def validate_pod(pod: Pod) -> list[FieldError]:
    """`ValidatePodCreate`: metadata and spec, then the create-only rules."""
    spec_path = Path("spec")
    errors = _validate_metadata_and_spec(pod)
    if pod.spec.ephemeral_containers:
        errors.append(
            field.forbidden(spec_path.child("ephemeralContainers"), "cannot be set on create")
        )
    if pod.spec.node_name and pod.spec.scheduling_gates:
        errors.append(
            field.forbidden(
                spec_path.child("nodeName"),
                "cannot be set until all schedulingGates have been cleared",
            )
        )
    errors.extend(_seccomp_annotations_match(pod, spec_path))
    errors.extend(_app_armor_annotations_match(pod, spec_path))
    return errors


def validate_pod_update(new: Pod, old: Pod) -> list[FieldError]:
    """`ValidatePodUpdate`: `new` must be valid, and only the mutable spec fields may change."""
    meta_path, spec_path = Path("metadata"), Path("spec")
    errors = meta.validate_object_meta_update(new.metadata, old.metadata, meta_path)
    errors.extend(_validate_metadata_and_spec(new))
    errors.extend(_annotation_updates(new, old, meta_path.child("annotations")))
    for attribute, name in (("containers", "containers"), ("init_containers", "initContainers")):
        found, stop = _container_updates(
            getattr(new.spec, attribute), getattr(old.spec, attribute), spec_path.child(name)
        )
        errors.extend(found)
        if stop:
            return errors
    deadline_errors = _active_deadline_update(new.spec, old.spec, spec_path)
    errors.extend(deadline_errors)
    if deadline_errors and deadline_errors[-1].detail != _DEADLINE_TO_NIL:
        return errors
    errors.extend(
        _only_added_tolerations(
            new.spec.tolerations, old.spec.tolerations, spec_path.child("tolerations")
        )
    )
    errors.extend(
        _only_deleted_scheduling_gates(new.spec, old.spec, spec_path.child("schedulingGates"))
    )
    if new.spec == old.spec:
        return errors
    munged, munge_errors = _munge_spec(new.spec, old.spec, spec_path)
    errors.extend(munge_errors)
    if munged != old.spec:
        detail = "pod updates may not change fields other than " + ",".join(
            UPDATABLE_POD_SPEC_FIELDS
        )
        errors.append(field.forbidden(spec_path, detail + "\n" + diff_specs(old.spec, munged)))
    return errors


def _validate_metadata_and_spec(pod: Pod) -> list[FieldError]:
    """`validatePodMetadataAndSpec`, shared by create and update."""
    meta_path, spec_path = Path("metadata"), Path("spec")
    errors = meta.validate_object_meta(
        pod.metadata, namespaced=True, name_check=meta.name_is_dns_subdomain, path=meta_path
    )
    errors.extend(
        _pod_annotations(pod.metadata.annotations, pod.spec, meta_path.child("annotations"))
    )
    errors.extend(validate_pod_spec(pod.spec, spec_path))
    if not pod.spec.service_account_name:
        errors.extend(_token_projections_without_account(pod.spec, spec_path))
    errors.extend(
        containers.validate_containers_only_for_pod(
            pod.spec.containers, path=spec_path.child("containers")
        )
    )
    errors.extend(
        containers.validate_containers_only_for_pod(
            pod.spec.init_containers, path=spec_path.child("initContainers")
        )
    )
    return errors


def _token_projections_without_account(spec: PodSpec, spec_path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for position, volume in enumerate(spec.volumes):
        if volume.projected is None:
            continue
        sources_path = spec_path.child("volumes").index(position).child("projected", "sources")
        for index, source in enumerate(volume.projected.sources):
            if source.service_account_token is not None:
                errors.append(
                    field.forbidden(
                        sources_path.index(index).child("serviceAccountToken"),
                        "must not be specified when serviceAccountName is not set",
                    )
                )
    return errors


# --- the spec ---------------------------------------------------------------------------------


def _host_users(spec: PodSpec) -> bool:
    return spec.host_users is None or spec.host_users


def validate_pod_spec(spec: PodSpec, path: Path) -> list[FieldError]:
    """`ValidatePodSpec`, in Kubernetes' order."""
    errors: list[FieldError] = []
    if spec.termination_grace_period_seconds is None:
        errors.append(field.required(path.child("terminationGracePeriodSeconds")))
    valid_volumes, volume_errors = volumes.validate_volumes(spec.volumes, path.child("volumes"))
    errors.extend(volume_errors)
    claim_names = frozenset(
        str(claim.get("name")) for claim in spec.resource_claims if claim.get("name")
    )
    errors.extend(_validate_resource_claims(spec.resource_claims, path.child("resourceClaims")))
    errors.extend(_validate_all_containers(spec, valid_volumes, claim_names, path))
    errors.extend(_host_network_ports(spec, path))
    errors.extend(
        _validate_choice(spec.restart_policy, RESTART_POLICIES, path.child("restartPolicy"))
    )
    errors.extend(_validate_choice(spec.dns_policy, DNS_POLICIES, path.child("dnsPolicy")))
    errors.extend(meta.validate_labels(spec.node_selector, path.child("nodeSelector")))
    errors.extend(_validate_security_context(spec, path.child("securityContext")))
    errors.extend(_validate_dns_config(spec.dns_config, spec.dns_policy, path.child("dnsConfig")))
    errors.extend(_validate_readiness_gates(spec, path.child("readinessGates")))
    errors.extend(_validate_scheduling_gates(spec, path.child("schedulingGates")))
    errors.extend(_validate_host_users(spec, path))
    errors.extend(_validate_names(spec, path))
    if (
        spec.active_deadline_seconds is not None
        and not 1 <= spec.active_deadline_seconds <= MAX_INT32
    ):
        errors.append(
            field.invalid(
                path.child("activeDeadlineSeconds"),
                spec.active_deadline_seconds,
                names.inclusive_range_error(1, MAX_INT32),
            )
        )
    for attribute in ("hostname", "subdomain"):
        value = getattr(spec, attribute)
        if value:
            errors.extend(
                field.invalid(path.child(attribute), value, message)
                for message in names.dns1123_label(value)
            )
    errors.extend(validate_tolerations(spec.tolerations, path.child("tolerations")))
    errors.extend(_validate_host_aliases(spec, path.child("hostAliases")))
    errors.extend(_validate_scheduling_names(spec, path))
    if spec.overhead:
        errors.extend(_validate_overhead(spec.overhead, path.child("overhead")))
    errors.extend(_validate_os(spec, path))
    return errors


def _validate_all_containers(
    spec: PodSpec, valid_volumes: Mapping[str, Any], claim_names: frozenset[str], path: Path
) -> list[FieldError]:
    grace = spec.termination_grace_period_seconds
    host_users = _host_users(spec)
    errors = containers.validate_containers(
        spec.containers,
        volumes=valid_volumes,
        grace=grace,
        path=path.child("containers"),
        restart_policy=spec.restart_policy,
        pod_claim_names=claim_names,
        host_users=host_users,
    )
    errors.extend(
        containers.validate_init_containers(
            spec.init_containers,
            containers=spec.containers,
            volumes=valid_volumes,
            grace=grace,
            path=path.child("initContainers"),
            restart_policy=spec.restart_policy,
            pod_claim_names=claim_names,
            host_users=host_users,
        )
    )
    if spec.ephemeral_containers:
        errors.extend(
            containers.validate_ephemeral_containers(
                spec.ephemeral_containers,
                containers=spec.containers,
                init_containers=spec.init_containers,
                volumes=valid_volumes,
                path=path.child("ephemeralContainers"),
                restart_policy=spec.restart_policy,
                pod_claim_names=claim_names,
                host_users=host_users,
            )
        )
    return errors


def _validate_choice(value: str, choices: tuple[str, ...], path: Path) -> list[FieldError]:
    """`validateRestartPolicy` / `validateDNSPolicy`: empty is Required, unknown Unsupported."""
    if value in choices:
        return []
    if not value:
        return [field.required(path)]
    return [field.not_supported(path, value, choices)]


def _go_string_pointer(value: object) -> str:
    return "(*string)(nil)" if value is None else f"(*string)({containers.GO_POINTER})"


def _validate_resource_claims(claims: Iterable[Mapping[str, Any]], path: Path) -> list[FieldError]:
    """`validatePodResourceClaims` over the (opaque) claim entries."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, claim in enumerate(claims):
        here = path.index(position)
        name = str(claim.get("name", ""))
        by_name, by_template = (
            claim.get("resourceClaimName"),
            claim.get("resourceClaimTemplateName"),
        )
        if not name:
            errors.append(field.required(here.child("name")))
        elif name in seen:
            errors.append(field.duplicate(here.child("name"), name))
        else:
            errors.extend(
                field.invalid(here.child("name"), name, msg) for msg in names.dns1123_label(name)
            )
            seen.add(name)
        shown = containers.GoValue(
            f"core.PodResourceClaim{{Name:{field.go_quote(name)}, "
            f"ResourceClaimName:{_go_string_pointer(by_name)}, "
            f"ResourceClaimTemplateName:{_go_string_pointer(by_template)}}}"
        )
        if by_name is not None and by_template is not None:
            errors.append(
                field.invalid(
                    here,
                    shown,
                    "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be "
                    "specified",
                )
            )
        if by_name is None and by_template is None:
            errors.append(
                field.invalid(
                    here,
                    shown,
                    "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
                )
            )
        for key, value in (
            ("resourceClaimName", by_name),
            ("resourceClaimTemplateName", by_template),
        ):
            if value is not None:
                errors.extend(
                    field.invalid(here.child(key), value, msg)
                    for msg in meta.name_is_dns_subdomain(str(value), False)
                )
    return errors


def _host_network_ports(spec: PodSpec, path: Path) -> list[FieldError]:
    """`validatePodHostNetworkDeps`: with hostNetwork, hostPort must equal containerPort."""
    if not spec.host_network:
        return []
    errors: list[FieldError] = []
    for position, container in enumerate(spec.containers):
        ports_path = path.child("containers").index(position).child("ports")
        for index, port in enumerate(container.ports):
            if port.host_port != port.container_port:
                errors.append(
                    field.invalid(
                        ports_path.index(index).child("hostPort"),
                        port.host_port,
                        "must match `containerPort` when `hostNetwork` is true",
                    )
                )
    return errors


def _validate_readiness_gates(spec: PodSpec, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for position, gate in enumerate(spec.readiness_gates):
        here = path.index(position).child("conditionType")
        errors.extend(
            field.invalid(here, gate.condition_type, msg)
            for msg in names.qualified_name(gate.condition_type)
        )
    return errors


def _validate_scheduling_gates(spec: PodSpec, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, gate in enumerate(spec.scheduling_gates):
        here = path.index(position)
        errors.extend(
            field.invalid(here, gate.name, msg) for msg in names.qualified_name(gate.name)
        )
        if gate.name in seen:
            errors.append(field.duplicate(here, gate.name))
        seen.add(gate.name)
    return errors


def _validate_host_users(spec: PodSpec, path: Path) -> list[FieldError]:
    """`validateHostUsers` (its `HostPID`/`HostIPC` paths are capitalised in Kubernetes too)."""
    if _host_users(spec):
        return []
    errors: list[FieldError] = []
    if spec.host_network:
        errors.append(field.forbidden(path.child("hostNetwork"), _HOST_USERS_FALSE))
    if spec.host_pid:
        errors.append(field.forbidden(path.child("HostPID"), _HOST_USERS_FALSE))
    if spec.host_ipc:
        errors.append(field.forbidden(path.child("HostIPC"), _HOST_USERS_FALSE))
    return errors


def _validate_names(spec: PodSpec, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for attribute, name in (
        ("service_account_name", "serviceAccountName"),
        ("node_name", "nodeName"),
    ):
        value = getattr(spec, attribute)
        if value:
            errors.extend(
                field.invalid(path.child(name), value, msg)
                for msg in meta.name_is_dns_subdomain(value, False)
            )
    return errors


def _validate_scheduling_names(spec: PodSpec, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    if spec.priority_class_name:
        errors.extend(
            field.invalid(path.child("priorityClassName"), spec.priority_class_name, msg)
            for msg in meta.name_is_dns_subdomain(spec.priority_class_name, False)
        )
    if spec.runtime_class_name is not None:
        errors.extend(
            field.invalid(path.child("runtimeClassName"), spec.runtime_class_name, msg)
            for msg in meta.name_is_dns_subdomain(spec.runtime_class_name, False)
        )
    if spec.preemption_policy is not None:
        errors.extend(
            _validate_choice(
                spec.preemption_policy, PREEMPTION_POLICIES, path.child("preemptionPolicy")
            )
        )
    return errors


def _validate_overhead(overhead: Mapping[str, quantity.Quantity], path: Path) -> list[FieldError]:
    """`validateOverhead`: the overhead is checked as the limits of a container."""
    requirements = ResourceRequirements(limits=dict(overhead))
    return containers.validate_resources(requirements, frozenset(), path)


# --- tolerations ------------------------------------------------------------------------------

_TAINT_EFFECTS: Final = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def validate_tolerations(tolerations: Iterable[Mapping[str, Any]], path: Path) -> list[FieldError]:
    """`ValidateTolerations` over the (opaque) toleration entries."""
    errors: list[FieldError] = []
    for position, toleration in enumerate(tolerations):
        here = path.index(position)
        key = str(toleration.get("key", ""))
        operator = str(toleration.get("operator", ""))
        value = str(toleration.get("value", ""))
        effect = str(toleration.get("effect", ""))
        if key:
            errors.extend(meta.validate_label_name(key, here.child("key")))
        if not key and operator != "Exists":
            errors.append(
                field.invalid(
                    here.child("operator"),
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"',
                )
            )
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.append(
                field.invalid(
                    here.child("effect"),
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if operator in ("Equal", ""):
            problems = names.label_value(value)
            if problems:
                errors.append(field.invalid(here.child("operator"), value, ";".join(problems)))
        elif operator == "Exists":
            if value:
                errors.append(
                    field.invalid(
                        here.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    )
                )
        else:
            errors.append(
                field.not_supported(here.child("operator"), operator, ("Equal", "Exists"))
            )
        if effect and effect not in _TAINT_EFFECTS:
            errors.append(field.not_supported(here.child("effect"), effect, _TAINT_EFFECTS))
    return errors


# --- security context -------------------------------------------------------------------------


def _id_errors(value: int | None, path: Path, *, group: bool) -> list[FieldError]:
    if value is None:
        return []
    problems = names.valid_group_id(value) if group else names.valid_user_id(value)
    return [field.invalid(path, value, msg) for msg in problems]


def _validate_security_context(spec: PodSpec, path: Path) -> list[FieldError]:
    """`validatePodSpecSecurityContext` (the internal context always exists after conversion)."""
    context = spec.security_context or PodSecurityContext()
    errors = _id_errors(context.fs_group, path.child("fsGroup"), group=True)
    errors.extend(_id_errors(context.run_as_user, path.child("runAsUser"), group=False))
    errors.extend(_id_errors(context.run_as_group, path.child("runAsGroup"), group=True))
    for position, gid in enumerate(context.supplemental_groups):
        errors.extend(_id_errors(gid, path.child("supplementalGroups").index(position), group=True))
    if spec.share_process_namespace and spec.host_pid:
        errors.append(
            field.invalid(
                path.child("shareProcessNamespace"),
                True,
                "ShareProcessNamespace and HostPID cannot both be enabled",
            )
        )
    if context.sysctls:
        errors.extend(_validate_sysctls(spec, context, path.child("sysctls")))
    if context.fs_group_change_policy is not None:
        errors.extend(
            _not_in(
                context.fs_group_change_policy,
                ("Always", "OnRootMismatch"),
                path.child("fsGroupChangePolicy"),
            )
        )
    errors.extend(
        containers.validate_seccomp_profile(context.seccomp_profile, path.child("seccompProfile"))
    )
    errors.extend(
        containers.validate_app_armor_profile(
            context.app_armor_profile, path.child("appArmorProfile")
        )
    )
    if context.supplemental_groups_policy is not None:
        errors.extend(
            _not_in(
                context.supplemental_groups_policy,
                ("Merge", "Strict"),
                path.child("supplementalGroupsPolicy"),
            )
        )
    if context.se_linux_change_policy is not None:
        # Only "Recursive" while the SELinuxMount gate is off (its default).
        errors.extend(
            _not_in(
                context.se_linux_change_policy, ("Recursive",), path.child("seLinuxChangePolicy")
            )
        )
    return errors


def _not_in(value: str, supported: tuple[str, ...], path: Path) -> list[FieldError]:
    if value in supported:
        return []
    return [field.not_supported(path, value, supported)]


def _sysctl_namespace(name: str) -> str:
    """`sysctl.GetNamespace`: "net", "ipc" or "" for a (normalised) sysctl name."""
    dot, slash = name.find("."), name.find("/")
    if slash != -1 and (dot == -1 or slash < dot):
        name = name.translate(str.maketrans("./", "/."))
    if name.startswith("net."):
        return "net"
    if name == "kernel.sem" or name.startswith(_IPC_SYSCTL_PREFIXES):
        return "ipc"
    return ""


def _validate_sysctls(spec: PodSpec, context: PodSecurityContext, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, sysctl in enumerate(context.sysctls):
        name_path = path.index(position).child("name")
        if not sysctl.name:
            errors.append(field.required(name_path))
        elif len(sysctl.name) > _SYSCTL_MAX_LENGTH or not _SYSCTL_RE.fullmatch(sysctl.name):
            errors.append(
                field.invalid(
                    name_path,
                    sysctl.name,
                    f"must have at most {_SYSCTL_MAX_LENGTH} characters and match regex "
                    + _SYSCTL_PATTERN,
                )
            )
        elif sysctl.name in seen:
            errors.append(field.duplicate(name_path, sysctl.name))
        namespace = _sysctl_namespace(sysctl.name)
        if spec.host_network and namespace == "net":
            errors.append(
                field.invalid(
                    name_path, sysctl.name, "may not be specified when 'hostNetwork' is true"
                )
            )
        elif spec.host_ipc and namespace == "ipc":
            errors.append(
                field.invalid(name_path, sysctl.name, "may not be specified when 'hostIPC' is true")
            )
        seen.add(sysctl.name)
    return errors


# --- DNS and host aliases ---------------------------------------------------------------------


def _parse_sloppy_ipv4(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(
        part.isdigit() and part.isascii() and int(part) <= 255 for part in parts
    )


def validate_ip(value: str, path: Path) -> list[FieldError]:
    """`validation.IsValidIP` (strict): parseable, no leading zeros, not IPv4-mapped, canonical."""
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        address = None if "%" in value else ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is None:
        if _parse_sloppy_ipv4(value):
            return [field.invalid(path, value, "must not have leading 0s")]
        return [
            field.invalid(
                path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            )
        ]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return [field.invalid(path, value, "must not be an IPv4-mapped IPv6 address")]
    canonical = str(address)
    if value != canonical:
        return [
            field.invalid(path, value, f"must be in canonical form ({field.go_quote(canonical)})")
        ]
    return []


def _subdomain_with_underscore(value: str) -> list[str]:
    """`IsDNS1123SubdomainWithUnderscore` (dnsConfig searches, RelaxedDNSSearchValidation on)."""
    problems: list[str] = []
    if meta.byte_length(value) > names.DNS1123_SUBDOMAIN_MAX_LENGTH:
        problems.append(names.max_len_error(names.DNS1123_SUBDOMAIN_MAX_LENGTH))
    if re.fullmatch(_DNS1123_SUBDOMAIN_WITH_UNDERSCORE, value) is None:
        problems.append(
            names.regex_error(
                _DNS1123_SUBDOMAIN_WITH_UNDERSCORE_MSG,
                _DNS1123_SUBDOMAIN_WITH_UNDERSCORE,
                "example.com",
            )
        )
    return problems


def _validate_dns_config(config: PodDNSConfig | None, policy: str, path: Path) -> list[FieldError]:
    """`validatePodDNSConfig`."""
    if policy == "None":
        if config is None:
            return [field.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not config.nameservers:
            return [
                field.required(
                    path.child("nameservers"),
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            ]
    if config is None:
        return []
    errors: list[FieldError] = []
    if len(config.nameservers) > MAX_DNS_NAMESERVERS:
        errors.append(
            field.invalid(
                path.child("nameservers"),
                list(config.nameservers),
                f"must not have more than {MAX_DNS_NAMESERVERS} nameservers",
            )
        )
    for position, server in enumerate(config.nameservers):
        errors.extend(validate_ip(server, path.child("nameservers").index(position)))
    searches_path = path.child("searches")
    if len(config.searches) > MAX_DNS_SEARCH_PATHS:
        errors.append(
            field.invalid(
                searches_path,
                list(config.searches),
                f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths",
            )
        )
    if len(" ".join(config.searches)) > MAX_DNS_SEARCH_LIST_CHARS:
        errors.append(
            field.invalid(
                searches_path,
                list(config.searches),
                f"must not have more than {MAX_DNS_SEARCH_LIST_CHARS} characters "
                "(including spaces) in the search list",
            )
        )
    for position, search in enumerate(config.searches):
        if search != ".":
            trimmed = search.removesuffix(".")
            errors.extend(
                field.invalid(searches_path.index(position), trimmed, msg)
                for msg in _subdomain_with_underscore(trimmed)
            )
    for position, option in enumerate(config.options):
        if not option.name:
            errors.append(
                field.required(path.child("options").index(position), "must not be empty")
            )
    return errors


def _validate_host_aliases(spec: PodSpec, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for position, alias in enumerate(spec.host_aliases):
        here = path.index(position)
        errors.extend(validate_ip(alias.ip, here.child("ip")))
        for index, hostname in enumerate(alias.hostnames):
            errors.extend(
                field.invalid(here.child("hostnames").index(index), hostname, msg)
                for msg in names.dns1123_subdomain(hostname)
            )
    return errors


# --- OS ---------------------------------------------------------------------------------------


def _all_containers(spec: PodSpec, path: Path) -> list[tuple[Container, Path]]:
    """`VisitContainersWithPath`: init containers, then containers, then ephemeral ones."""
    visited: list[tuple[Container, Path]] = []
    for attribute, name in (
        ("init_containers", "initContainers"),
        ("containers", "containers"),
        ("ephemeral_containers", "ephemeralContainers"),
    ):
        for position, container in enumerate(getattr(spec, attribute)):
            visited.append((container, path.child(name).index(position)))
    return visited


def _validate_os(spec: PodSpec, path: Path) -> list[FieldError]:
    if spec.os is None:
        return []
    os_path = path.child("os")
    if not spec.os.name:
        return [field.required(os_path.child("name"), "cannot be empty")]
    if spec.os.name not in ("linux", "windows"):
        return [field.not_supported(os_path, spec.os.name, ("linux", "windows"))]
    if spec.os.name == "linux":
        return _validate_linux(spec, path)
    return _validate_windows(spec, path)


def _validate_linux(spec: PodSpec, path: Path) -> list[FieldError]:
    detail = "windows options cannot be set for a linux pod"
    errors: list[FieldError] = []
    if spec.security_context is not None and spec.security_context.windows_options is not None:
        errors.append(field.forbidden(path.child("securityContext", "windowsOptions"), detail))
    for container, here in _all_containers(spec, path):
        context = container.security_context
        if context is not None and context.windows_options is not None:
            errors.append(field.forbidden(here.child("securityContext", "windowsOptions"), detail))
    return errors


_WINDOWS_POD_FIELDS: Final = (
    ("app_armor_profile", "securityContext.appArmorProfile"),
    ("se_linux_options", "securityContext.seLinuxOptions"),
    ("host_users", "hostUsers"),
    ("host_pid", "hostPID"),
    ("host_ipc", "hostIPC"),
    ("seccomp_profile", "securityContext.seccompProfile"),
    ("fs_group", "securityContext.fsGroup"),
    ("fs_group_change_policy", "securityContext.fsGroupChangePolicy"),
    ("sysctls", "securityContext.sysctls"),
    ("share_process_namespace", "shareProcessNamespace"),
    ("run_as_user", "securityContext.runAsUser"),
    ("run_as_group", "securityContext.runAsGroup"),
    ("supplemental_groups", "securityContext.supplementalGroups"),
    ("supplemental_groups_policy", "securityContext.supplementalGroupsPolicy"),
    ("se_linux_change_policy", "securityContext.seLinuxChangePolicy"),
)
_WINDOWS_CONTAINER_FIELDS: Final = (
    ("app_armor_profile", "appArmorProfile"),
    ("se_linux_options", "seLinuxOptions"),
    ("seccomp_profile", "seccompProfile"),
    ("capabilities", "capabilities"),
    ("read_only_root_filesystem", "readOnlyRootFilesystem"),
    ("privileged", "privileged"),
    ("allow_privilege_escalation", "allowPrivilegeEscalation"),
    ("proc_mount", "procMount"),
    ("run_as_user", "runAsUser"),
    ("run_as_group", "runAsGroup"),
)


def _windows_pod_value(spec: PodSpec, attribute: str) -> Any:
    if attribute in ("host_users", "share_process_namespace"):
        return getattr(spec, attribute)
    if attribute in ("host_pid", "host_ipc"):
        return getattr(spec, attribute) or None
    context = spec.security_context or PodSecurityContext()
    value = getattr(context, attribute)
    return value if value != () else None


def _validate_windows(spec: PodSpec, path: Path) -> list[FieldError]:
    errors: list[FieldError] = []
    for attribute, name in _WINDOWS_POD_FIELDS:
        if _windows_pod_value(spec, attribute) is not None:
            errors.append(field.forbidden(path.child(*name.split(".")), _WINDOWS_FORBIDDEN))
    for container, here in _all_containers(spec, path):
        context = container.security_context
        if context is None:
            continue
        for attribute, name in _WINDOWS_CONTAINER_FIELDS:
            if getattr(context, attribute) is not None:
                errors.append(
                    field.forbidden(here.child("securityContext", name), _WINDOWS_FORBIDDEN)
                )
    return errors


# --- pod annotations --------------------------------------------------------------------------


def _valid_first_digit(value: str) -> bool:
    if not value:
        return False
    return value[0] == "-" or value == "0" or "1" <= value[0] <= "9"


def _deletion_cost_ok(value: str) -> bool:
    """`GetDeletionCostFromPodAnnotations`: a base-10 int32 without `+` or leading zeros."""
    if not _valid_first_digit(value) or re.fullmatch(r"-?[0-9]+", value) is None:
        return False
    return -(2**31) <= int(value) <= MAX_INT32


def _seccomp_annotation(profile: str, path: Path) -> list[FieldError]:
    """`ValidateSeccompProfile` of a (deprecated) seccomp annotation."""
    if profile in ("runtime/default", "docker/default", "unconfined"):
        return []
    if profile.startswith("localhost/"):
        return volumes.validate_local_descending_path(profile.removeprefix("localhost/"), path)
    return [field.invalid(path, profile, "must be a valid seccomp profile")]


def _container_names(spec: PodSpec) -> set[str]:
    return {container.name for container, _ in _all_containers(spec, Path("spec"))}


def _pod_annotations(annotations: Mapping[str, str], spec: PodSpec, path: Path) -> list[FieldError]:
    """`ValidatePodSpecificAnnotations` (mirror, deletion cost, seccomp, AppArmor)."""
    errors: list[FieldError] = []
    if _MIRROR_ANNOTATION in annotations and not spec.node_name:
        errors.append(
            field.invalid(
                path.key(_MIRROR_ANNOTATION),
                annotations[_MIRROR_ANNOTATION],
                "must set spec.nodeName if mirror pod annotation is set",
            )
        )
    cost = annotations.get(_DELETION_COST_ANNOTATION)
    if cost is not None and not _deletion_cost_ok(cost):
        errors.append(
            field.invalid(path.key(_DELETION_COST_ANNOTATION), cost, "must be a 32bit integer")
        )
    if _SECCOMP_POD_ANNOTATION in annotations:
        errors.extend(
            _seccomp_annotation(
                annotations[_SECCOMP_POD_ANNOTATION], path.child(_SECCOMP_POD_ANNOTATION)
            )
        )
    for key in sorted(annotations):
        if key.startswith(_SECCOMP_CONTAINER_PREFIX):
            errors.extend(_seccomp_annotation(annotations[key], path.child(key)))
    known = _container_names(spec)
    for key in sorted(annotations):
        if not key.startswith(_APPARMOR_CONTAINER_PREFIX):
            continue
        container_name = key.removeprefix(_APPARMOR_CONTAINER_PREFIX)
        if container_name not in known:
            errors.append(field.invalid(path.key(key), container_name, "container not found"))
        profile = annotations[key]
        if profile not in ("", "runtime/default", "unconfined") and not profile.startswith(
            "localhost/"
        ):
            errors.append(
                field.invalid(
                    path.key(key),
                    profile,
                    f"invalid AppArmor profile name: {field.go_quote(profile)}",
                )
            )
    return errors


def _seccomp_match(annotation: str, profile: SeccompProfile, path: Path) -> list[FieldError]:
    """`validateSeccompAnnotationsAndFieldsMatch`."""
    type_error = [
        field.forbidden(path.child("type"), "seccomp type in annotation and field must match")
    ]
    if profile.type == "Unconfined" and annotation != "unconfined":
        return type_error
    if profile.type == "RuntimeDefault" and annotation not in ("runtime/default", "docker/default"):
        return type_error
    if profile.type == "Localhost":
        if not annotation.startswith("localhost/"):
            return type_error
        if profile.localhost_profile != annotation.removeprefix("localhost/"):
            return [
                field.forbidden(
                    path.child("localhostProfile"),
                    "seccomp profile in annotation and field must match",
                )
            ]
    return []


def _seccomp_annotations_match(pod: Pod, spec_path: Path) -> list[FieldError]:
    annotations = pod.metadata.annotations
    context = pod.spec.security_context
    errors: list[FieldError] = []
    if (
        context is not None
        and context.seccomp_profile is not None
        and _SECCOMP_POD_ANNOTATION in annotations
    ):
        errors.extend(
            _seccomp_match(
                annotations[_SECCOMP_POD_ANNOTATION],
                context.seccomp_profile,
                spec_path.child("securityContext", "seccompProfile"),
            )
        )
    for container, here in _all_containers(pod.spec, spec_path):
        profile = container.security_context.seccomp_profile if container.security_context else None
        key = _SECCOMP_CONTAINER_PREFIX + container.name
        if profile is not None and key in annotations:
            errors.extend(
                _seccomp_match(
                    annotations[key], profile, here.child("securityContext", "seccompProfile")
                )
            )
    return errors


def _app_armor_match(annotation: str, profile: Mapping[str, Any], path: Path) -> list[FieldError]:
    kind = profile.get("type")
    type_error = [
        field.forbidden(path.child("type"), "apparmor type in annotation and field must match")
    ]
    if kind == "Unconfined" and annotation != "unconfined":
        return type_error
    if kind == "RuntimeDefault" and annotation != "runtime/default":
        return type_error
    if kind == "Localhost":
        if not annotation.startswith("localhost/"):
            return type_error
        if profile.get("localhostProfile") != annotation.removeprefix("localhost/"):
            return [
                field.forbidden(
                    path.child("localhostProfile"),
                    "apparmor profile in annotation and field must match",
                )
            ]
    return []


def _app_armor_annotations_match(pod: Pod, spec_path: Path) -> list[FieldError]:
    """`validateAppArmorAnnotationsAndFieldsMatchOnCreate` (skipped for Windows pods)."""
    if pod.spec.os is not None and pod.spec.os.name == "windows":
        return []
    context = pod.spec.security_context
    pod_profile = context.app_armor_profile if context is not None else None
    errors: list[FieldError] = []
    for container, here in _all_containers(pod.spec, spec_path):
        profile = pod_profile
        if container.security_context is not None and container.security_context.app_armor_profile:
            profile = container.security_context.app_armor_profile
        annotation = pod.metadata.annotations.get(_APPARMOR_CONTAINER_PREFIX + container.name)
        if profile is not None and annotation is not None:
            errors.extend(
                _app_armor_match(
                    annotation, profile, here.child("securityContext", "appArmorProfile")
                )
            )
    return errors


# --- update -----------------------------------------------------------------------------------

_DEADLINE_TO_NIL: Final = "must not update from a positive integer to nil value"


def _annotation_updates(new: Pod, old: Pod, path: Path) -> list[FieldError]:
    """`ValidatePodSpecificAnnotationUpdates`: mirror and AppArmor annotations are fixed."""
    errors: list[FieldError] = []
    new_annotations, old_annotations = new.metadata.annotations, old.metadata.annotations
    for key in sorted(old_annotations):
        if new_annotations.get(key) == old_annotations[key]:
            continue
        if key.startswith(_APPARMOR_CONTAINER_PREFIX):
            errors.append(
                field.forbidden(path.key(key), "may not remove or update AppArmor annotations")
            )
        if key == _MIRROR_ANNOTATION:
            errors.append(
                field.forbidden(path.key(key), "may not remove or update mirror pod annotation")
            )
    for key in sorted(new_annotations):
        if key in old_annotations:
            continue
        if key.startswith(_APPARMOR_CONTAINER_PREFIX):
            errors.append(field.forbidden(path.key(key), "may not add AppArmor annotations"))
        if key == _MIRROR_ANNOTATION:
            errors.append(field.forbidden(path.key(key), "may not add mirror pod annotation"))
    errors.extend(_pod_annotations(new_annotations, new.spec, path))
    return errors


def _container_updates(
    new: tuple[Container, ...], old: tuple[Container, ...], path: Path
) -> tuple[list[FieldError], bool]:
    """`ValidateContainerUpdates`: same count; images present and without outer whitespace."""
    if len(new) != len(old):
        return [field.forbidden(path, "pod updates may not add or remove containers")], True
    errors: list[FieldError] = []
    for position, container in enumerate(new):
        image_path = path.index(position).child("image")
        if not container.image:
            errors.append(field.required(image_path))
        if container.image.strip(containers.GO_SPACE) != container.image:
            errors.append(
                field.invalid(
                    image_path, container.image, "must not have leading or trailing whitespace"
                )
            )
    return errors, False


def _active_deadline_update(new: PodSpec, old: PodSpec, path: Path) -> list[FieldError]:
    """Only from unset to a value, or down; the returned error (if any) ends the checks."""
    deadline_path = path.child("activeDeadlineSeconds")
    value, previous = new.active_deadline_seconds, old.active_deadline_seconds
    if value is None:
        if previous is not None:
            return [field.invalid(deadline_path, None, _DEADLINE_TO_NIL)]
        return []
    if not 0 <= value <= MAX_INT32:
        return [field.invalid(deadline_path, value, names.inclusive_range_error(0, MAX_INT32))]
    if previous is not None and previous < value:
        return [field.invalid(deadline_path, value, "must be less than or equal to previous value")]
    return []


def _toleration_key(toleration: Mapping[str, Any]) -> tuple[Any, ...]:
    """A toleration without its tolerationSeconds, empty strings and absent keys alike."""
    return tuple(toleration.get(key) or "" for key in ("key", "operator", "value", "effect"))


def _only_added_tolerations(
    new: tuple[Mapping[str, Any], ...], old: tuple[Mapping[str, Any], ...], path: Path
) -> list[FieldError]:
    """`validateOnlyAddedTolerations`: existing ones may change only their tolerationSeconds."""
    new_keys = {_toleration_key(toleration) for toleration in new}
    for toleration in old:
        if _toleration_key(toleration) not in new_keys:
            return [
                field.forbidden(
                    path, "existing toleration can not be modified except its tolerationSeconds"
                )
            ]
    return validate_tolerations(new, path)


def _only_deleted_scheduling_gates(new: PodSpec, old: PodSpec, path: Path) -> list[FieldError]:
    if not new.scheduling_gates:
        return []
    added: dict[str, int] = {}
    for position, gate in enumerate(new.scheduling_gates):
        added[gate.name] = position
    for gate in old.scheduling_gates:
        added.pop(gate.name, None)
    return [
        field.forbidden(
            path.index(position).child("name"),
            f"only deletion is allowed, but found new scheduling gate '{name}'",
        )
        for name, position in sorted(added.items(), key=lambda item: item[1])
    ]


def _munge_spec(new: PodSpec, old: PodSpec, path: Path) -> tuple[PodSpec, list[FieldError]]:
    """The new spec with the fields an update may change set back to their old values."""
    grace = new.termination_grace_period_seconds
    old_grace = old.termination_grace_period_seconds
    if old_grace is not None and old_grace < 0 and grace == 1:
        grace = old_grace
    munged = msgspec.structs.replace(
        new,
        containers=tuple(
            msgspec.structs.replace(container, image=previous.image)
            for container, previous in zip(new.containers, old.containers, strict=True)
        ),
        init_containers=tuple(
            msgspec.structs.replace(container, image=previous.image)
            for container, previous in zip(new.init_containers, old.init_containers, strict=True)
        ),
        active_deadline_seconds=old.active_deadline_seconds,
        scheduling_gates=old.scheduling_gates,
        tolerations=old.tolerations,
        termination_grace_period_seconds=grace,
    )
    errors: list[FieldError] = []
    if old.scheduling_gates and munged.node_selector != old.node_selector:
        # A gated pod may gain node selector entries, but not lose or change any.
        for key, value in old.node_selector.items():
            if munged.node_selector.get(key) != value:
                errors.append(
                    field.invalid(
                        path.child("nodeSelector"),
                        containers.GoValue(_go_string_map(munged.node_selector)),
                        "only additions to spec.nodeSelector are allowed "
                        "(no mutations or deletions)",
                    )
                )
                break
        munged = msgspec.structs.replace(munged, node_selector=old.node_selector)
    return munged, errors


def _go_string_map(values: Mapping[str, str]) -> str:
    items = ", ".join(
        f"{field.go_quote(key)}:{field.go_quote(values[key])}" for key in sorted(values)
    )
    return f"map[string]string{{{items}}}"


# --- the spec diff kubectl shows ----------------------------------------------------------------

_ACRONYMS: Final = {
    "api": "API",
    "dns": "DNS",
    "fqdn": "FQDN",
    "grpc": "GRPC",
    "http": "HTTP",
    "id": "ID",
    "ip": "IP",
    "ipc": "IPC",
    "ips": "IPs",
    "os": "OS",
    "pid": "PID",
    "tcp": "TCP",
    "tty": "TTY",
    "uid": "UID",
}
_CONTEXT: Final = 2
_POINTERS: dict[type, frozenset[str]] = {}


def _go_field_name(attribute: str) -> str:
    return "".join(
        _ACRONYMS.get(part, part[:1].upper() + part[1:]) for part in attribute.split("_")
    )


def _pointer_fields(cls: type[Wire]) -> frozenset[str]:
    """Attributes typed `X | None` (Go pointers)."""
    found = _POINTERS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = frozenset(
            name for name in cls.__struct_fields__ if type(None) in typing.get_args(hints[name])
        )
        _POINTERS[cls] = found
    return found


def _is_zero(value: Any) -> bool:
    return value is None or value is False or value in ("", 0, (), {})


def _render(value: Any, *, pointer: bool = False, elide_type: bool = False) -> str:
    """One value as go-cmp prints it on one line (zero fields of structs left out)."""
    prefix = "&" if pointer and value is not None else ""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return prefix + ("true" if value else "false")
    if isinstance(value, int | float):
        return prefix + str(value)
    if isinstance(value, str):
        return prefix + field.go_quote(value)
    if isinstance(value, quantity.Quantity):
        return f"s{field.go_quote(str(value))}"
    if isinstance(value, Wire):
        pointers = _pointer_fields(type(value))
        members = ", ".join(
            f"{_go_field_name(name)}: {_render(getattr(value, name), pointer=name in pointers)}"
            for name in value.__struct_fields__
            if not _is_zero(getattr(value, name))
            or (name in pointers and getattr(value, name) is not None)
        )
        type_name = "" if elide_type else f"core.{type(value).__name__}"
        return f"{prefix}{type_name}{{{members}}}"
    if isinstance(value, tuple):
        if not value:
            return "nil"
        return (
            "[]"
            + _element_type(value[0])
            + "{"
            + ", ".join(_render(item, elide_type=True) for item in value)
            + "}"
        )
    if isinstance(value, dict):
        if not value:
            return "nil"
        items = ", ".join(
            f"{field.go_quote(str(key))}: {_render(value[key])}" for key in sorted(value)
        )
        return f"map[string]{_element_type(next(iter(value.values())))}{{{items}}}"
    return str(value)


def _element_type(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, Wire):
        return f"core.{type(value).__name__}"
    if isinstance(value, quantity.Quantity):
        return "resource.Quantity"
    return "any"


def _line(mark: str, depth: int, text: str) -> str:
    return f"{mark} " + "\t" * depth + text


def _elided(depth: int, count: int, noun: str) -> str:
    return _line(" ", depth, f"... // {count} identical {noun}{'' if count == 1 else 's'}")


def _diff_records(records: list[tuple[str, Any, Any, bool]], depth: int, noun: str) -> list[str]:
    """Lines for the members of a struct or slice: changes with two records of context."""
    changed = [index for index, (_, old, new, _) in enumerate(records) if old != new]
    shown = {
        index
        for change in changed
        for index in range(change - _CONTEXT, change + _CONTEXT + 1)
        if 0 <= index < len(records)
    }
    lines: list[str] = []
    hidden = 0
    for index, (label, old, new, pointer) in enumerate(records):
        if index not in shown:
            hidden += 1
            continue
        if hidden:
            lines.append(_elided(depth, hidden, noun))
            hidden = 0
        if old == new:
            lines.append(
                _line(" ", depth, f"{label}{_render(old, pointer=pointer, elide_type=not label)},")
            )
        else:
            lines.extend(_diff_value(label, old, new, depth, pointer=pointer))
    if hidden:
        lines.append(_elided(depth, hidden, noun))
    return lines


def _diff_value(label: str, old: Any, new: Any, depth: int, *, pointer: bool) -> list[str]:
    elide = not label
    if isinstance(old, Wire) and type(old) is type(new):
        opener = ("&" if pointer else "") + ("" if elide else f"core.{type(old).__name__}") + "{"
        pointers = _pointer_fields(type(old))
        records = [
            (f"{_go_field_name(name)}: ", getattr(old, name), getattr(new, name), name in pointers)
            for name in old.__struct_fields__
        ]
        return [
            _line(" ", depth, label + opener),
            *_diff_records(records, depth + 1, "field"),
            _line(" ", depth, "},"),
        ]
    if isinstance(old, tuple) and isinstance(new, tuple) and old and len(old) == len(new):
        records = [("", before, after, False) for before, after in zip(old, new, strict=True)]
        return [
            _line(" ", depth, f"{label}[]{_element_type(old[0])}{{"),
            *_diff_records(records, depth + 1, "element"),
            _line(" ", depth, "},"),
        ]
    return [
        _line("-", depth, f"{label}{_render(old, pointer=pointer, elide_type=elide)},"),
        _line("+", depth, f"{label}{_render(new, pointer=pointer, elide_type=elide)},"),
    ]


def diff_specs(old: PodSpec, new: PodSpec) -> str:
    """A go-cmp style diff (`cmp.Diff(old, new)`) of two pod specs, as in the update error."""
    lines = _diff_value("", old, new, 0, pointer=False)
    lines[0] = _line(" ", 0, "core.PodSpec{")
    lines[-1] = _line(" ", 0, "}")
    return "\n".join(lines) + "\n"
