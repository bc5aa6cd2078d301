"""Pod-level validation on create and update, with the apiserver's exact messages and order.

Each create case starts from a defaulted, valid pod and changes one thing (`mutate`); the
expected texts come from `ValidatePodCreate` / `ValidatePodSpec` / `ValidatePodUpdate` in
`pkg/apis/core/validation/validation.go` and apimachinery's `ValidateObjectMeta`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from tinykube.api import field
from tinykube.api.meta import ObjectMeta
from tinykube.api.pod import (
    Container,
    ContainerPort,
    EmptyDirVolumeSource,
    HostAlias,
    Pod,
    PodDNSConfig,
    PodDNSConfigOption,
    PodOS,
    PodReadinessGate,
    PodSchedulingGate,
    PodSecurityContext,
    PodSpec,
    ProjectedVolumeSource,
    SeccompProfile,
    SecurityContext,
    ServiceAccountTokenProjection,
    Sysctl,
    Volume,
    VolumeMount,
    VolumeProjection,
)
from tinykube.api.validation import pod as pod_validation
from tinykube.api.validation import validate_pod, validate_pod_update

replace = msgspec.structs.replace

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
QNAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', "
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
UPDATE_FORBIDDEN = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
    "to 1 if it was previously negative)\n"
)


def container(name: str = "app", image: str = "busybox:1.36", **changes: Any) -> Container:
    """A container as defaulting leaves it."""
    base = Container(
        name=name,
        image=image,
        termination_message_path="/dev/termination-log",
        termination_message_policy="File",
        image_pull_policy="IfNotPresent",
    )
    return replace(base, **changes)


def base_pod() -> Pod:
    """A valid pod after defaulting."""
    return Pod(
        metadata=ObjectMeta(name="web", namespace="default", resource_version="7"),
        spec=PodSpec(
            containers=(container(),),
            restart_policy="Always",
            termination_grace_period_seconds=30,
            dns_policy="ClusterFirst",
            security_context=PodSecurityContext(),
            scheduler_name="default-scheduler",
            enable_service_links=True,
        ),
    )


def spec(**changes: Any) -> Callable[[Pod], Pod]:
    return lambda pod: replace(pod, spec=replace(pod.spec, **changes))


def metadata(**changes: Any) -> Callable[[Pod], Pod]:
    return lambda pod: replace(pod, metadata=replace(pod.metadata, **changes))


CREATE_CASES = [
    pytest.param(lambda pod: pod, [], id="valid"),
    pytest.param(
        metadata(name=""),
        ["metadata.name: Required value: name or generateName is required"],
        id="name-required",
    ),
    pytest.param(
        metadata(name="Web_1"),
        [f'metadata.name: Invalid value: "Web_1": {SUBDOMAIN_MSG}'],
        id="name-not-subdomain",
    ),
    pytest.param(
        metadata(name="", generate_name="Web-"),
        [f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_MSG}'],
        id="generate-name-checked-as-prefix",
    ),
    pytest.param(
        metadata(namespace="My_NS"),
        [f'metadata.namespace: Invalid value: "My_NS": {LABEL_MSG}'],
        id="namespace-label",
    ),
    pytest.param(
        metadata(labels={"bad key": "ok", "app": "-x"}),
        [
            f'metadata.labels: Invalid value: "-x": {LABEL_VALUE_MSG}',
            f'metadata.labels: Invalid value: "bad key": {QNAME_MSG}',
        ],
        id="labels",
    ),
    pytest.param(
        metadata(labels={"app": "x" * 64}),
        [f'metadata.labels: Invalid value: "{"x" * 64}": must be no more than 63 characters'],
        id="label-value-too-long",
    ),
    pytest.param(
        metadata(annotations={"example.com/Big": "x" * 262144}),
        ["metadata.annotations: Too long: may not be more than 262144 bytes"],
        id="annotations-too-big",
    ),
    pytest.param(
        metadata(annotations={"/x": "1"}),
        ['metadata.annotations: Invalid value: "/x": prefix part must be non-empty'],
        id="annotation-key-empty-prefix",
    ),
    pytest.param(
        metadata(generation=-1),
        ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"],
        id="negative-generation",
    ),
    pytest.param(
        metadata(finalizers=("orphan", "foregroundDeletion")),
        [
            'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: '
            "finalizer orphan and foregroundDeletion cannot be both set"
        ],
        id="conflicting-finalizers",
    ),
    pytest.param(
        spec(containers=()),
        ["spec.containers: Required value"],
        id="containers-required",
    ),
    pytest.param(
        spec(restart_policy=""),
        ["spec.restartPolicy: Required value"],
        id="restart-policy-required",
    ),
    pytest.param(
        spec(restart_policy="Sometimes"),
        [
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
            '"OnFailure", "Never"'
        ],
        id="restart-policy-unsupported",
    ),
    pytest.param(
        spec(dns_policy="Cluster"),
        [
            'spec.dnsPolicy: Unsupported value: "Cluster": supported values: '
            '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'
        ],
        id="dns-policy-unsupported",
    ),
    pytest.param(
        spec(termination_grace_period_seconds=None),
        ["spec.terminationGracePeriodSeconds: Required value"],
        id="grace-period-required",
    ),
    pytest.param(
        spec(active_deadline_seconds=0),
        [
            "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, "
            "inclusive"
        ],
        id="active-deadline-zero",
    ),
    pytest.param(
        spec(hostname="Host", subdomain="a.b"),
        [
            f'spec.hostname: Invalid value: "Host": {LABEL_MSG}',
            'spec.subdomain: Invalid value: "a.b": must not contain dots',
        ],
        id="hostname-and-subdomain",
    ),
    pytest.param(
        spec(node_selector={"disk": "s s d"}),
        [f'spec.nodeSelector: Invalid value: "s s d": {LABEL_VALUE_MSG}'],
        id="node-selector",
    ),
    pytest.param(
        spec(service_account_name="My_SA", node_name="Node_1"),
        [
            f'spec.serviceAccountName: Invalid value: "My_SA": {SUBDOMAIN_MSG}',
            f'spec.nodeName: Invalid value: "Node_1": {SUBDOMAIN_MSG}',
        ],
        id="service-account-and-node-names",
    ),
    pytest.param(
        spec(ephemeral_containers=(container("debug"),)),
        ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
        id="ephemeral-on-create",
    ),
    pytest.param(
        spec(node_name="n1", scheduling_gates=(PodSchedulingGate(name="example.com/wait"),)),
        ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"],
        id="node-name-with-scheduling-gates",
    ),
    pytest.param(
        spec(scheduling_gates=(PodSchedulingGate(name="a"), PodSchedulingGate(name="a"))),
        ['spec.schedulingGates[1]: Duplicate value: "a"'],
        id="duplicate-scheduling-gate",
    ),
    pytest.param(
        spec(readiness_gates=(PodReadinessGate(condition_type="bad type"),)),
        [f'spec.readinessGates[0].conditionType: Invalid value: "bad type": {QNAME_MSG}'],
        id="readiness-gate",
    ),
    pytest.param(
        spec(dns_policy="None"),
        ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
        id="dns-none-needs-config",
    ),
    pytest.param(
        spec(
            dns_policy="None",
            dns_config=PodDNSConfig(
                nameservers=("1.1.1.1", "010.0.0.1", "2001:DB8::1", "8.8.8.8"),
                searches=("ns.svc.cluster.local.", "_sip._tcp.example.com", "Bad!"),
                options=(PodDNSConfigOption(),),
            ),
        ),
        [
            'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "010.0.0.1", '
            '"2001:DB8::1", "8.8.8.8"}: must not have more than 3 nameservers',
            'spec.dnsConfig.nameservers[1]: Invalid value: "010.0.0.1": must not have leading 0s',
            'spec.dnsConfig.nameservers[2]: Invalid value: "2001:DB8::1": must be in canonical '
            'form ("2001:db8::1")',
            'spec.dnsConfig.searches[2]: Invalid value: "Bad!": a lowercase RFC 1123 subdomain '
            "must consist of lower case alphanumeric characters, '_', '-' or '.', and must start "
            "and end with an alphanumeric character (e.g. 'example.com', regex used for "
            "validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
            "(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
            "spec.dnsConfig.options[0]: Required value: must not be empty",
        ],
        id="dns-config",
    ),
    pytest.param(
        spec(host_aliases=(HostAlias(ip="10.0.0.300", hostnames=("Foo",)),)),
        [
            'spec.hostAliases[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, '
            "(e.g. 10.9.8.7 or 2001:db8::ffff)",
            f'spec.hostAliases[0].hostnames[0]: Invalid value: "Foo": {SUBDOMAIN_MSG}',
        ],
        id="host-aliases",
    ),
    pytest.param(
        spec(
            tolerations=(
                {"operator": "Equal", "value": "x"},
                {"key": "k", "operator": "Exists", "value": "v", "effect": "NoExecute"},
                {"key": "k", "operator": "Gt", "effect": "Never", "tolerationSeconds": 5},
            )
        ),
        [
            'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when '
            '`key` is empty, which means "match all values and all keys"',
            'spec.tolerations[1].operator: Invalid value: "v": value must be empty when '
            "`operator` is 'Exists'",
            "spec.tolerations[2].effect: Invalid value: \"Never\": effect must be 'NoExecute' "
            "when `tolerationSeconds` is set",
            'spec.tolerations[2].operator: Unsupported value: "Gt": supported values: "Equal", '
            '"Exists"',
            'spec.tolerations[2].effect: Unsupported value: "Never": supported values: '
            '"NoSchedule", "PreferNoSchedule", "NoExecute"',
        ],
        id="tolerations",
    ),
    pytest.param(
        spec(priority_class_name="High", runtime_class_name="", preemption_policy="Sometimes"),
        [
            f'spec.priorityClassName: Invalid value: "High": {SUBDOMAIN_MSG}',
            f'spec.runtimeClassName: Invalid value: "": {SUBDOMAIN_MSG}',
            'spec.preemptionPolicy: Unsupported value: "Sometimes": supported values: '
            '"PreemptLowerPriority", "Never"',
        ],
        id="scheduling-names",
    ),
    pytest.param(
        spec(os=PodOS(name="plan9")),
        ['spec.os: Unsupported value: "plan9": supported values: "linux", "windows"'],
        id="os-unsupported",
    ),
    pytest.param(
        spec(os=PodOS(name="")),
        ["spec.os.name: Required value: cannot be empty"],
        id="os-name-required",
    ),
    pytest.param(
        spec(
            os=PodOS(name="windows"),
            host_pid=True,
            security_context=PodSecurityContext(run_as_user=1000),
        ),
        [
            "spec.hostPID: Forbidden: cannot be set for a windows pod",
            "spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod",
        ],
        id="windows-pod-forbids-linux-fields",
    ),
    pytest.param(
        spec(host_users=False, host_network=True, host_ipc=True),
        [
            "spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false",
            "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false",
        ],
        id="user-namespace-with-host-namespaces",
    ),
    pytest.param(
        spec(
            host_network=True,
            containers=(
                container(
                    ports=(ContainerPort(container_port=80, host_port=8080, protocol="TCP"),)
                ),
            ),
        ),
        [
            "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match "
            "`containerPort` when `hostNetwork` is true"
        ],
        id="host-network-host-port",
    ),
    pytest.param(
        spec(
            share_process_namespace=True,
            host_pid=True,
            security_context=PodSecurityContext(
                sysctls=(
                    Sysctl(name="net.core.somaxconn", value="1"),
                    Sysctl(name="Bad", value="1"),
                    Sysctl(name="net.core.somaxconn", value="2"),
                ),
                fs_group_change_policy="Sometimes",
                seccomp_profile=SeccompProfile(type="Localhost"),
            ),
        ),
        [
            "spec.securityContext.shareProcessNamespace: Invalid value: true: "
            "ShareProcessNamespace and HostPID cannot both be enabled",
            'spec.securityContext.sysctls[1].name: Invalid value: "Bad": must have at most 253 '
            "characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*"
            "[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
            'spec.securityContext.sysctls[2].name: Duplicate value: "net.core.somaxconn"',
            'spec.securityContext.fsGroupChangePolicy: Unsupported value: "Sometimes": supported '
            'values: "Always", "OnRootMismatch"',
            "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set "
            "when seccomp type is Localhost",
        ],
        id="pod-security-context",
    ),
    pytest.param(
        spec(
            host_network=True,
            security_context=PodSecurityContext(
                sysctls=(Sysctl(name="net/ipv4/ip_forward", value="1"),)
            ),
        ),
        [
            'spec.securityContext.sysctls[0].name: Invalid value: "net/ipv4/ip_forward": may not '
            "be specified when 'hostNetwork' is true"
        ],
        id="net-sysctl-with-host-network",
    ),
    pytest.param(
        spec(
            volumes=(
                Volume(
                    name="token",
                    projected=ProjectedVolumeSource(
                        sources=(
                            VolumeProjection(
                                service_account_token=ServiceAccountTokenProjection(
                                    path="token", expiration_seconds=3600
                                )
                            ),
                        )
                    ),
                ),
            )
        ),
        [
            "spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be "
            "specified when serviceAccountName is not set"
        ],
        id="token-projection-without-service-account",
    ),
    pytest.param(
        spec(
            volumes=(Volume(name="Data", empty_dir=EmptyDirVolumeSource()),),
            containers=(container(volume_mounts=(VolumeMount(name="Data", mount_path="/d"),)),),
        ),
        [
            f'spec.volumes[0].name: Invalid value: "Data": {LABEL_MSG}',
            'spec.containers[0].volumeMounts[0].name: Not found: "Data"',
        ],
        id="mount-of-invalid-volume-not-found",
    ),
    pytest.param(
        metadata(
            annotations={
                "kubernetes.io/config.mirror": "x",
                "controller.kubernetes.io/pod-deletion-cost": "+1",
                "seccomp.security.alpha.kubernetes.io/pod": "bogus",
                "container.apparmor.security.beta.kubernetes.io/ghost": "runtime/default",
            }
        ),
        [
            'metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must set '
            "spec.nodeName if mirror pod annotation is set",
            "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "
            '"+1": '
            "must be a 32bit integer",
            "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "
            '"bogus": '
            "must be a valid seccomp profile",
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/ghost]: Invalid "
            'value: "ghost": container not found',
        ],
        id="pod-annotations",
    ),
    pytest.param(
        lambda pod: replace(
            pod,
            metadata=replace(
                pod.metadata,
                annotations={"container.seccomp.security.alpha.kubernetes.io/app": "unconfined"},
            ),
            spec=replace(
                pod.spec,
                containers=(
                    container(
                        security_context=SecurityContext(
                            seccomp_profile=SeccompProfile(type="RuntimeDefault")
                        )
                    ),
                ),
            ),
        ),
        [
            "spec.containers[0].securityContext.seccompProfile.type: Forbidden: seccomp type in "
            "annotation and field must match"
        ],
        id="seccomp-annotation-and-field-differ",
    ),
    pytest.param(
        spec(containers=(container(image=" busybox"),)),
        [
            'spec.containers[0].image: Invalid value: " busybox": must not have leading or '
            "trailing whitespace"
        ],
        id="image-whitespace-after-spec",
    ),
    pytest.param(
        lambda pod: replace(
            pod,
            metadata=replace(pod.metadata, name="Bad_Name"),
            spec=replace(pod.spec, restart_policy="", active_deadline_seconds=-5),
        ),
        [
            f'metadata.name: Invalid value: "Bad_Name": {SUBDOMAIN_MSG}',
            "spec.restartPolicy: Required value",
            "spec.activeDeadlineSeconds: Invalid value: -5: must be between 1 and 2147483647, "
            "inclusive",
        ],
        id="order-metadata-then-spec",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), CREATE_CASES)
def test_validate_pod(mutate: Callable[[Pod], Pod], expected: list[str]) -> None:
    assert [str(error) for error in validate_pod(mutate(base_pod()))] == expected


def test_aggregate_message_is_the_apiserver_text() -> None:
    pod = spec(restart_policy="Sometimes", active_deadline_seconds=0)(base_pod())
    message = field.aggregate_message("Pod", "web", validate_pod(pod))
    assert message == (
        'Pod "web" is invalid: [spec.restartPolicy: Unsupported value: "Sometimes": supported '
        'values: "Always", "OnFailure", "Never", spec.activeDeadlineSeconds: Invalid value: 0: '
        "must be between 1 and 2147483647, inclusive]"
    )


# --- update -----------------------------------------------------------------------------------

UPDATE_CASES = [
    pytest.param(spec(containers=(container(image="busybox:1.37"),)), [], id="image-change"),
    pytest.param(spec(active_deadline_seconds=60), [], id="deadline-set"),
    pytest.param(
        spec(tolerations=({"key": "k", "operator": "Exists", "effect": "NoSchedule"},)),
        [],
        id="toleration-added",
    ),
    pytest.param(
        spec(termination_grace_period_seconds=1),
        [UPDATE_FORBIDDEN],
        id="grace-period-change",
    ),
    pytest.param(
        spec(containers=(container(), container("second"))),
        ["spec.containers: Forbidden: pod updates may not add or remove containers"],
        id="container-added",
    ),
    pytest.param(
        spec(containers=(container(image=""),)),
        ["spec.containers[0].image: Required value", "spec.containers[0].image: Required value"],
        id="image-emptied",
    ),
    pytest.param(
        metadata(resource_version=""),
        ['metadata.resourceVersion: Invalid value: "": must be specified for an update'],
        id="resource-version-required",
    ),
    pytest.param(
        metadata(name="other"),
        ['metadata.name: Invalid value: "other": field is immutable'],
        id="name-immutable",
    ),
    pytest.param(
        metadata(labels={"tier": "web"}, annotations={"note": "x"}),
        [],
        id="labels-and-annotations-mutable",
    ),
    pytest.param(
        metadata(annotations={"kubernetes.io/config.mirror": "x"}),
        [
            'metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must set '
            "spec.nodeName if mirror pod annotation is set",
            "metadata.annotations[kubernetes.io/config.mirror]: Forbidden: may not add mirror pod "
            "annotation",
            'metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must set '
            "spec.nodeName if mirror pod annotation is set",
        ],
        id="mirror-annotation-added",
    ),
]


@pytest.mark.parametrize(("mutate", "expected_starts"), UPDATE_CASES)
def test_validate_pod_update(mutate: Callable[[Pod], Pod], expected_starts: list[str]) -> None:
    old = base_pod()
    errors = [str(error) for error in validate_pod_update(mutate(old), old)]
    assert len(errors) == len(expected_starts)
    for error, start in zip(errors, expected_starts, strict=True):
        assert error.startswith(start)


def _with_deadline(value: int | None) -> Pod:
    return spec(active_deadline_seconds=value)(base_pod())


DEADLINE_CASES = [
    pytest.param(
        100,
        200,
        "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to "
        "previous value",
        id="increase",
    ),
    pytest.param(
        100,
        None,
        "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive "
        "integer to nil value",
        id="removal",
    ),
    pytest.param(
        None,
        -1,
        "spec.activeDeadlineSeconds: Invalid value: -1: must be between 0 and 2147483647, "
        "inclusive",
        id="negative",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), DEADLINE_CASES)
def test_active_deadline_update(old: int | None, new: int | None, expected: str) -> None:
    errors = [str(error) for error in validate_pod_update(_with_deadline(new), _with_deadline(old))]
    assert expected in errors


def test_negative_grace_period_may_become_one() -> None:
    old = spec(termination_grace_period_seconds=-1)(base_pod())
    new = spec(termination_grace_period_seconds=1)(base_pod())
    assert validate_pod_update(new, old) == []


def test_existing_toleration_may_not_change() -> None:
    old = spec(tolerations=({"key": "k", "operator": "Exists", "effect": "NoExecute"},))(base_pod())
    changed = spec(tolerations=({"key": "k", "operator": "Exists", "effect": "NoSchedule"},))
    seconds = spec(
        tolerations=(
            {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
        )
    )
    assert [str(error) for error in validate_pod_update(changed(old), old)] == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its "
        "tolerationSeconds"
    ]
    assert validate_pod_update(seconds(old), old) == []


def test_scheduling_gates_may_only_be_removed() -> None:
    old = spec(scheduling_gates=(PodSchedulingGate(name="a"), PodSchedulingGate(name="b")))(
        base_pod()
    )
    removed = spec(scheduling_gates=(PodSchedulingGate(name="b"),))(old)
    added = spec(scheduling_gates=(PodSchedulingGate(name="a"), PodSchedulingGate(name="c")))(old)
    assert validate_pod_update(removed, old) == []
    assert [str(error) for error in validate_pod_update(added, old)] == [
        "spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new "
        "scheduling gate 'c'"
    ]


def test_gated_pod_may_only_add_node_selector_entries() -> None:
    gated = spec(scheduling_gates=(PodSchedulingGate(name="a"),), node_selector={"disk": "ssd"})
    old = gated(base_pod())
    added = spec(node_selector={"disk": "ssd", "zone": "z1"})(old)
    changed = spec(node_selector={"disk": "hdd"})(old)
    assert validate_pod_update(added, old) == []
    assert [str(error) for error in validate_pod_update(changed, old)] == [
        'spec.nodeSelector: Invalid value: map[string]string{"disk":"hdd"}: only additions to '
        "spec.nodeSelector are allowed (no mutations or deletions)"
    ]


def test_forbidden_update_shows_a_spec_diff() -> None:
    old = base_pod()
    new = spec(containers=(container(image="busybox:1.37", args=("sleep", "1")),))(old)
    (error,) = validate_pod_update(new, old)
    assert str(error) == UPDATE_FORBIDDEN + (
        "  core.PodSpec{\n"
        "  \tVolumes: nil,\n"
        "  \tInitContainers: nil,\n"
        "  \tContainers: []core.Container{\n"
        "  \t\t{\n"
        "  \t\t\t... // 1 identical field\n"
        '  \t\t\tImage: "busybox:1.36",\n'
        "  \t\t\tCommand: nil,\n"
        "- \t\t\tArgs: nil,\n"
        '+ \t\t\tArgs: []string{"sleep", "1"},\n'
        '  \t\t\tWorkingDir: "",\n'
        "  \t\t\tPorts: nil,\n"
        "  \t\t\t... // 20 identical fields\n"
        "  \t\t},\n"
        "  \t},\n"
        "  \tEphemeralContainers: nil,\n"
        '  \tRestartPolicy: "Always",\n'
        "  \t... // 35 identical fields\n"
        "  }\n"
    )


def test_diff_marks_a_changed_scalar() -> None:
    old = base_pod().spec
    new = replace(old, restart_policy="Never")
    assert '- \tRestartPolicy: "Always",\n+ \tRestartPolicy: "Never",' in pod_validation.diff_specs(
        old, new
    )


def test_fs_group_range_is_int32() -> None:
    pod = spec(security_context=PodSecurityContext(fs_group=-1))(base_pod())
    assert [str(error) for error in validate_pod(pod)] == [
        "spec.securityContext.fsGroup: Invalid value: -1: must be between 0 and 2147483647, "
        "inclusive"
    ]
