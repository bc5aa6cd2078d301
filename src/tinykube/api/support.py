"""What tinykube implements of a valid Pod: the support table, and `check_support(pod)`.

Validation (`tinykube.api.validation`) answers "would Kubernetes accept this pod?". This module
answers the next question, "can tinykube run it as Kubernetes would?", for a pod that is valid:

- a field tinykube does not implement yields `field.not_implemented(path)`, rendered
  `not supported: spec.volumes[1].nfs`; admission refuses the pod with these errors;
- a scheduling-only field, meaningless on tinykube's single node, is accepted with an
  apiserver-style warning: `spec.affinity: ignored: tinykube runs every pod on its single node`.

The table `RULES` says, for every field of every model class the check walks, how it is treated.
Revise the table, not the walker, when support changes. A field is "set" by the wire's omission
rules: a pointer field (`X | None`) when it is not None, any other field when it is not zero.

Decisions beyond the obvious, stated once:
- `nodeName` is ignored with a warning like the scheduling fields: every pod runs on the one node.
- `schedulingGates` is refused: Kubernetes holds a gated pod Pending until the gates are removed,
  and tinykube does not implement that hold.
- Values equivalent to the unset field are accepted: `hostUsers: true`, `shareProcessNamespace:
  false`, `setHostnameAsFQDN: false`, `procMount: Default`, `mountPropagation: None`,
  `recursiveReadOnly: Disabled`, `supplementalGroupsPolicy: Merge`, `fsGroupChangePolicy: Always`,
  `os.name: linux`.
- A pod-level `seccompProfile` is treated like a container-level one (RuntimeDefault and
  Unconfined only): it is the common way to ask for RuntimeDefault for every container.
- `serviceAccountName` is accepted with a warning: no token is mounted.
- The deprecated AppArmor annotations (`container.apparmor.security.beta.kubernetes.io/<name>`)
  are refused like the `appArmorProfile` field they stand for.
"""

from __future__ import annotations

import enum
import operator
import typing
from collections.abc import Callable
from typing import Any, Final, NamedTuple

import msgspec

from tinykube.api import field
from tinykube.api.pod import (
    Container,
    EnvVar,
    EnvVarSource,
    Lifecycle,
    Pod,
    PodOS,
    PodSecurityContext,
    PodSpec,
    ProjectedVolumeSource,
    ResourceRequirements,
    SeccompProfile,
    SecurityContext,
    Volume,
    VolumeMount,
    VolumeProjection,
)
from tinykube.api.wire import Wire

SINGLE_NODE: Final = "ignored: tinykube runs every pod on its single node"
NO_TOKEN: Final = "accepted, but tinykube mounts no service account token"
SUPPORTED_RESOURCES: Final = ("cpu", "memory", "ephemeral-storage")
APPARMOR_ANNOTATION_PREFIX: Final = "container.apparmor.security.beta.kubernetes.io/"


class Treatment(enum.Enum):
    ACCEPT = "accept"  # implemented, nothing inside needs checking
    WALK = "walk"  # implemented; check the object(s) inside with their own table
    REFUSE = "refuse"  # not implemented: an error when set to a value outside `allowed`
    WARN = "warn"  # accepted with a warning when set to a value outside `allowed`
    RESOURCES = "resources"  # a resource list: names outside SUPPORTED_RESOURCES are refused


class Rule(msgspec.Struct, frozen=True):
    treatment: Treatment
    allowed: tuple[Any, ...] = ()
    warning: str = ""


ACCEPT: Final = Rule(Treatment.ACCEPT)
WALK: Final = Rule(Treatment.WALK)
REFUSE: Final = Rule(Treatment.REFUSE)
RESOURCES: Final = Rule(Treatment.RESOURCES)
IGNORED: Final = Rule(Treatment.WARN, warning=SINGLE_NODE)


def refuse_unless(*allowed: Any) -> Rule:
    """Refused when set to anything but `allowed` (values equivalent to leaving it unset)."""
    return Rule(Treatment.REFUSE, allowed=allowed)


def _table(cls: type[Wire], default: Rule, **rules: Rule) -> dict[str, Rule]:
    """Rules for every field of `cls`: the named ones, `default` for the rest."""
    names = set(cls.__struct_fields__)  # not `structs.fields`: it resolves every annotation
    unknown = set(rules) - names
    if unknown:
        raise ValueError(f"{cls.__name__} has no fields {sorted(unknown)}")
    return {name: rules.get(name, default) for name in names}


RULES: Final[dict[type[Wire], dict[str, Rule]]] = {
    PodSpec: _table(
        PodSpec,
        ACCEPT,
        volumes=WALK,
        init_containers=WALK,
        containers=WALK,
        ephemeral_containers=REFUSE,
        node_selector=IGNORED,
        service_account_name=Rule(Treatment.WARN, warning=NO_TOKEN),
        node_name=IGNORED,
        host_pid=REFUSE,
        host_ipc=REFUSE,
        share_process_namespace=refuse_unless(False),
        security_context=WALK,
        affinity=IGNORED,
        scheduler_name=Rule(Treatment.WARN, allowed=("default-scheduler",), warning=SINGLE_NODE),
        tolerations=IGNORED,
        host_aliases=REFUSE,
        priority_class_name=IGNORED,
        priority=IGNORED,
        dns_config=REFUSE,
        runtime_class_name=REFUSE,
        preemption_policy=IGNORED,
        overhead=REFUSE,
        topology_spread_constraints=IGNORED,
        set_hostname_as_fqdn=refuse_unless(False),
        os=WALK,
        host_users=refuse_unless(True),
        scheduling_gates=REFUSE,
        resource_claims=REFUSE,
        resources=REFUSE,
    ),
    PodOS: _table(PodOS, ACCEPT, name=refuse_unless("linux")),
    PodSecurityContext: _table(
        PodSecurityContext,
        ACCEPT,
        se_linux_options=REFUSE,
        windows_options=REFUSE,
        supplemental_groups_policy=refuse_unless("Merge"),
        sysctls=REFUSE,
        fs_group_change_policy=refuse_unless("Always"),
        seccomp_profile=WALK,
        app_armor_profile=REFUSE,
        se_linux_change_policy=REFUSE,
    ),
    SeccompProfile: _table(
        SeccompProfile,
        REFUSE,
        type=refuse_unless("RuntimeDefault", "Unconfined"),
    ),
    Container: _table(
        Container,
        ACCEPT,
        env=WALK,
        resources=WALK,
        resize_policy=REFUSE,
        restart_policy_rules=REFUSE,
        volume_mounts=WALK,
        volume_devices=REFUSE,
        lifecycle=WALK,
        security_context=WALK,
        target_container_name=REFUSE,
    ),
    EnvVar: _table(EnvVar, ACCEPT, value_from=WALK),
    EnvVarSource: _table(EnvVarSource, ACCEPT, file_key_ref=REFUSE),
    ResourceRequirements: _table(
        ResourceRequirements, ACCEPT, limits=RESOURCES, requests=RESOURCES, claims=REFUSE
    ),
    VolumeMount: _table(
        VolumeMount,
        ACCEPT,
        recursive_read_only=refuse_unless("Disabled"),
        mount_propagation=refuse_unless("None"),
    ),
    Lifecycle: _table(Lifecycle, ACCEPT, stop_signal=REFUSE),
    SecurityContext: _table(
        SecurityContext,
        ACCEPT,
        se_linux_options=REFUSE,
        windows_options=REFUSE,
        proc_mount=refuse_unless("Default"),
        seccomp_profile=WALK,
        app_armor_profile=REFUSE,
    ),
    Volume: _table(
        Volume,
        REFUSE,
        name=ACCEPT,
        host_path=ACCEPT,
        empty_dir=ACCEPT,
        secret=ACCEPT,
        downward_api=ACCEPT,
        config_map=ACCEPT,
        projected=WALK,
    ),
    ProjectedVolumeSource: _table(ProjectedVolumeSource, ACCEPT, sources=WALK),
    VolumeProjection: _table(
        VolumeProjection,
        ACCEPT,
        service_account_token=REFUSE,
        cluster_trust_bundle=REFUSE,
        pod_certificate=REFUSE,
    ),
}
"""How each field of each walked class is treated (see `Treatment`)."""


class SupportReport(msgspec.Struct, frozen=True):
    """Fields tinykube refuses (`errors`) and accepts but ignores (`warnings`)."""

    errors: tuple[field.FieldError, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        return not self.errors


class _Step(NamedTuple):
    path_name: str
    pointer: bool  # typed `X | None`: a Go pointer, set whenever not None
    rule: Rule


class _Plan(NamedTuple):
    """The fields of a class that need a look, in wire order (accepted fields are skipped)."""

    values: Callable[[Wire], tuple[Any, ...]]  # their values, read in one call
    steps: tuple[_Step, ...]


_PLANS: dict[type[Wire], _Plan] = {}


def _no_values(_: Wire) -> tuple[Any, ...]:
    return ()


def _plan(cls: type[Wire]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        rules = RULES[cls]
        items = [item for item in msgspec.structs.fields(cls) if rules[item.name] is not ACCEPT]
        steps = tuple(
            _Step(
                path_name=item.encode_name,
                pointer=type(None) in typing.get_args(item.type),
                rule=rules[item.name],
            )
            for item in items
        )
        names = [item.name for item in items]
        values: Callable[[Wire], tuple[Any, ...]] = _no_values
        if len(names) == 1:
            getter = operator.attrgetter(names[0])
            values = lambda obj: (getter(obj),)  # noqa: E731
        elif names:
            values = operator.attrgetter(*names)
        plan = _Plan(values=values, steps=steps)
        _PLANS[cls] = plan
    return plan


class _Checker:
    def __init__(self) -> None:
        self.errors: list[field.FieldError] = []
        self.warnings: list[str] = []

    # Paths are plain text here (`field.Path` renders the same); one is made per finding only.

    def walk(self, obj: Wire, path: str) -> None:
        plan = _plan(type(obj))
        for value, (path_name, pointer, rule) in zip(plan.values(obj), plan.steps, strict=True):
            # Set as the wire sees it: a non-nil pointer, or a non-zero value ("", 0, false,
            # empty list or map are zero; model objects never are).
            if value is None or (not pointer and not value):
                continue
            self.apply(rule, value, f"{path}.{path_name}")

    def apply(self, rule: Rule, value: Any, path: str) -> None:
        treatment = rule.treatment
        if treatment is Treatment.ACCEPT:
            return
        if treatment is Treatment.WALK:
            if isinstance(value, tuple):
                for position, element in enumerate(value):
                    self.walk(element, f"{path}[{position}]")
            else:
                self.walk(value, path)
        elif treatment is Treatment.RESOURCES:
            for name in sorted(value):
                if name not in SUPPORTED_RESOURCES:
                    self.errors.append(field.not_implemented(field.Path(f"{path}[{name}]")))
        elif value not in rule.allowed:
            if treatment is Treatment.REFUSE:
                self.errors.append(field.not_implemented(field.Path(path)))
            else:
                self.warnings.append(f"{path}: {rule.warning}")

    def annotations(self, annotations: dict[str, str], path: field.Path) -> None:
        for key in sorted(annotations):
            if key.startswith(APPARMOR_ANNOTATION_PREFIX):
                self.errors.append(field.not_implemented(path.key(key)))


def check_support(pod: Pod) -> SupportReport:
    """The fields of a valid pod that tinykube refuses or ignores, in field order."""
    checker = _Checker()
    checker.annotations(pod.metadata.annotations, field.Path("metadata").child("annotations"))
    checker.walk(pod.spec, "spec")
    return SupportReport(errors=tuple(checker.errors), warnings=tuple(checker.warnings))
