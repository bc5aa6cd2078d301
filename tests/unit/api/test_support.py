"""What tinykube refuses (`not supported: <path>`) or accepts with a warning, field by field."""

from __future__ import annotations

import types
import typing
from typing import Any

import msgspec
import pytest

from tinykube.api import field, support
from tinykube.api.pod import Pod
from tinykube.api.wire import Wire, from_wire

SINGLE_NODE = "ignored: tinykube runs every pod on its single node"


def _pod(spec: dict[str, Any] | None = None, **metadata: Any) -> Pod:
    raw_spec = {
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [
            {
                "name": "app",
                "image": "busybox:1.36",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            }
        ],
        **(spec or {}),
    }
    return from_wire({"metadata": {"name": "p", **metadata}, "spec": raw_spec}, Pod)


def _container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "busybox:1.36", **fields}


def _errors(pod: Pod) -> list[str]:
    return [str(error) for error in support.check_support(pod).errors]


# --- refused -------------------------------------------------------------------------------

_NFS = {"name": "share", "nfs": {"server": "nfs.example.com", "path": "/exports"}}
_LOCALHOST_SECCOMP = {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {"volumes": [{"name": "data", "emptyDir": {}}, _NFS]},
            ["not supported: spec.volumes[1].nfs"],
            id="nfs-volume",
        ),
        pytest.param(
            {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "c"}}]},
            ["not supported: spec.volumes[0].persistentVolumeClaim"],
            id="pvc-volume",
        ),
        pytest.param(
            {"volumes": [{"name": "data", "csi": {"driver": "d"}}]},
            ["not supported: spec.volumes[0].csi"],
            id="csi-volume",
        ),
        pytest.param(
            {"volumes": [{"name": "data", "image": {"reference": "busybox"}}]},
            ["not supported: spec.volumes[0].image"],
            id="image-volume",
        ),
        pytest.param(
            {
                "volumes": [
                    {
                        "name": "data",
                        "projected": {
                            "sources": [
                                {"configMap": {"name": "c"}},
                                {"serviceAccountToken": {"path": "token"}},
                                {"clusterTrustBundle": {"path": "b", "name": "n"}},
                            ]
                        },
                    }
                ]
            },
            [
                "not supported: spec.volumes[0].projected.sources[1].serviceAccountToken",
                "not supported: spec.volumes[0].projected.sources[2].clusterTrustBundle",
            ],
            id="projected-token-and-trust-bundle",
        ),
        pytest.param(
            {"containers": [_container(volumeDevices=[{"name": "d", "devicePath": "/dev/x"}])]},
            ["not supported: spec.containers[0].volumeDevices"],
            id="volumeDevices",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        resources={
                            "limits": {"cpu": "1", "nvidia.com/gpu": "1"},
                            "requests": {"hugepages-2Mi": "2Mi", "memory": "1Gi"},
                        }
                    )
                ]
            },
            [
                "not supported: spec.containers[0].resources.limits[nvidia.com/gpu]",
                "not supported: spec.containers[0].resources.requests[hugepages-2Mi]",
            ],
            id="extended-resources",
        ),
        pytest.param(
            {"containers": [_container(resources={"claims": [{"name": "gpu"}]})]},
            ["not supported: spec.containers[0].resources.claims"],
            id="resource-claims-of-container",
        ),
        pytest.param(
            {"ephemeralContainers": [{"name": "debug", "image": "busybox"}]},
            ["not supported: spec.ephemeralContainers"],
            id="ephemeralContainers",
        ),
        pytest.param({"hostPID": True}, ["not supported: spec.hostPID"], id="hostPID"),
        pytest.param({"hostIPC": True}, ["not supported: spec.hostIPC"], id="hostIPC"),
        pytest.param(
            {"shareProcessNamespace": True},
            ["not supported: spec.shareProcessNamespace"],
            id="shareProcessNamespace",
        ),
        pytest.param({"hostUsers": False}, ["not supported: spec.hostUsers"], id="hostUsers"),
        pytest.param(
            {"dnsConfig": {"nameservers": ["1.1.1.1"]}},
            ["not supported: spec.dnsConfig"],
            id="dnsConfig",
        ),
        pytest.param(
            {"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}]},
            ["not supported: spec.hostAliases"],
            id="hostAliases",
        ),
        pytest.param({"os": {"name": "windows"}}, ["not supported: spec.os.name"], id="windows"),
        pytest.param(
            {"runtimeClassName": "gvisor"},
            ["not supported: spec.runtimeClassName"],
            id="runtimeClassName",
        ),
        pytest.param({"overhead": {"cpu": "1"}}, ["not supported: spec.overhead"], id="overhead"),
        pytest.param(
            {"setHostnameAsFQDN": True},
            ["not supported: spec.setHostnameAsFQDN"],
            id="setHostnameAsFQDN",
        ),
        pytest.param(
            {"schedulingGates": [{"name": "example.com/gate"}]},
            ["not supported: spec.schedulingGates"],
            id="schedulingGates",
        ),
        pytest.param(
            {"resourceClaims": [{"name": "gpu", "resourceClaimName": "c"}]},
            ["not supported: spec.resourceClaims"],
            id="resourceClaims",
        ),
        pytest.param(
            {"resources": {"limits": {"cpu": "1"}}},
            ["not supported: spec.resources"],
            id="pod-level-resources",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        resizePolicy=[{"resourceName": "cpu", "restartPolicy": "NotRequired"}]
                    )
                ]
            },
            ["not supported: spec.containers[0].resizePolicy"],
            id="resizePolicy",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        restartPolicy="Never",
                        restartPolicyRules=[
                            {"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}
                        ],
                    )
                ]
            },
            ["not supported: spec.containers[0].restartPolicyRules"],
            id="restartPolicyRules",
        ),
        pytest.param(
            {"containers": [_container(lifecycle={"stopSignal": "SIGUSR1"})]},
            ["not supported: spec.containers[0].lifecycle.stopSignal"],
            id="stopSignal",
        ),
        pytest.param(
            {"securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]}},
            ["not supported: spec.securityContext.sysctls"],
            id="sysctls",
        ),
        pytest.param(
            {"securityContext": {"seLinuxOptions": {"level": "s0:c1"}}},
            ["not supported: spec.securityContext.seLinuxOptions"],
            id="pod-seLinuxOptions",
        ),
        pytest.param(
            {"containers": [_container(securityContext={"seLinuxOptions": {"type": "t"}})]},
            ["not supported: spec.containers[0].securityContext.seLinuxOptions"],
            id="container-seLinuxOptions",
        ),
        pytest.param(
            {
                "containers": [
                    _container(securityContext={"windowsOptions": {"hostProcess": False}})
                ]
            },
            ["not supported: spec.containers[0].securityContext.windowsOptions"],
            id="windowsOptions",
        ),
        pytest.param(
            {"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}},
            ["not supported: spec.securityContext.appArmorProfile"],
            id="appArmorProfile",
        ),
        pytest.param(
            {"containers": [_container(securityContext={"procMount": "Unmasked"})]},
            ["not supported: spec.containers[0].securityContext.procMount"],
            id="procMount",
        ),
        pytest.param(
            {"containers": [_container(securityContext=_LOCALHOST_SECCOMP)]},
            [
                "not supported: spec.containers[0].securityContext.seccompProfile.type",
                "not supported: spec.containers[0].securityContext.seccompProfile.localhostProfile",
            ],
            id="seccomp-localhost",
        ),
        pytest.param(
            {"securityContext": {"supplementalGroupsPolicy": "Strict"}},
            ["not supported: spec.securityContext.supplementalGroupsPolicy"],
            id="supplementalGroupsPolicy",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        env=[
                            {"name": "A", "value": "1"},
                            {
                                "name": "B",
                                "valueFrom": {
                                    "fileKeyRef": {"volumeName": "data", "path": "f", "key": "k"}
                                },
                            },
                        ]
                    )
                ]
            },
            ["not supported: spec.containers[0].env[1].valueFrom.fileKeyRef"],
            id="env-fileKeyRef",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        volumeMounts=[
                            {
                                "name": "data",
                                "mountPath": "/data",
                                "mountPropagation": "HostToContainer",
                            }
                        ]
                    )
                ]
            },
            ["not supported: spec.containers[0].volumeMounts[0].mountPropagation"],
            id="mountPropagation",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        volumeMounts=[
                            {
                                "name": "data",
                                "mountPath": "/data",
                                "readOnly": True,
                                "recursiveReadOnly": "Enabled",
                            }
                        ]
                    )
                ]
            },
            ["not supported: spec.containers[0].volumeMounts[0].recursiveReadOnly"],
            id="recursiveReadOnly",
        ),
        pytest.param(
            {
                "initContainers": [
                    _container(name="init", volumeDevices=[{"name": "d", "devicePath": "/dev/x"}])
                ]
            },
            ["not supported: spec.initContainers[0].volumeDevices"],
            id="init-container-path",
        ),
        pytest.param(
            {
                "volumes": [{"name": "data", "emptyDir": {}}, _NFS],
                "hostPID": True,
                "initContainers": [_container(name="init", lifecycle={"stopSignal": "SIGINT"})],
                "dnsConfig": {"searches": ["x"]},
            },
            [
                "not supported: spec.volumes[1].nfs",
                "not supported: spec.initContainers[0].lifecycle.stopSignal",
                "not supported: spec.hostPID",
                "not supported: spec.dnsConfig",
            ],
            id="several-in-field-order",
        ),
    ],
)
def test_unimplemented_fields_are_refused_with_their_path(
    spec: dict[str, Any], expected: list[str]
) -> None:
    assert _errors(_pod(spec)) == expected


def test_a_refusal_is_a_field_error_of_its_own_type() -> None:
    (error,) = support.check_support(_pod({"hostPID": True})).errors
    assert error == field.not_implemented(field.Path("spec").child("hostPID"))
    assert error.body() == "not supported: spec.hostPID"
    assert error.type.cause_reason == "FieldValueForbidden"


def test_the_deprecated_apparmor_annotation_is_refused() -> None:
    key = "container.apparmor.security.beta.kubernetes.io/app"
    pod = _pod(annotations={key: "runtime/default", "example.com/other": "x"})
    assert _errors(pod) == [f"not supported: metadata.annotations[{key}]"]


# --- accepted with a warning ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"nodeSelector": {"disk": "ssd"}}, ["spec.nodeSelector"], id="nodeSelector"),
        pytest.param({"affinity": {"nodeAffinity": {}}}, ["spec.affinity"], id="affinity"),
        pytest.param(
            {"tolerations": [{"operator": "Exists"}]}, ["spec.tolerations"], id="tolerations"
        ),
        pytest.param(
            {
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}
                ]
            },
            ["spec.topologySpreadConstraints"],
            id="topologySpreadConstraints",
        ),
        pytest.param(
            {"priorityClassName": "high"}, ["spec.priorityClassName"], id="priorityClassName"
        ),
        pytest.param({"priority": 0}, ["spec.priority"], id="priority-zero-is-set"),
        pytest.param(
            {"preemptionPolicy": "Never"}, ["spec.preemptionPolicy"], id="preemptionPolicy"
        ),
        pytest.param({"schedulerName": "custom"}, ["spec.schedulerName"], id="schedulerName"),
        pytest.param({"nodeName": "node-1"}, ["spec.nodeName"], id="nodeName"),
    ],
)
def test_scheduling_fields_are_ignored_with_a_warning(
    spec: dict[str, Any], expected: list[str]
) -> None:
    report = support.check_support(_pod(spec))
    assert report.errors == ()
    assert list(report.warnings) == [f"{path}: {SINGLE_NODE}" for path in expected]


def test_a_service_account_is_accepted_with_a_warning() -> None:
    report = support.check_support(_pod({"serviceAccountName": "robot"}))
    assert report.errors == ()
    assert report.warnings == (
        "spec.serviceAccountName: accepted, but tinykube mounts no service account token",
    )


# --- supported -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"schedulerName": "default-scheduler"}, id="default-scheduler"),
        pytest.param({"hostUsers": True}, id="hostUsers-true"),
        pytest.param({"shareProcessNamespace": False}, id="shareProcessNamespace-false"),
        pytest.param({"setHostnameAsFQDN": False}, id="setHostnameAsFQDN-false"),
        pytest.param({"os": {"name": "linux"}}, id="linux"),
        pytest.param(
            {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
            id="pod-seccomp-runtime-default",
        ),
        pytest.param(
            {"containers": [_container(securityContext={"procMount": "Default"})]},
            id="procMount-default",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        volumeMounts=[
                            {
                                "name": "data",
                                "mountPath": "/d",
                                "mountPropagation": "None",
                                "recursiveReadOnly": "Disabled",
                            }
                        ]
                    )
                ]
            },
            id="mount-values-equal-to-unset",
        ),
    ],
)
def test_values_equivalent_to_unset_are_accepted(spec: dict[str, Any]) -> None:
    assert support.check_support(_pod(spec)) == support.SupportReport()


def test_everything_tinykube_implements_is_accepted_silently() -> None:
    http = {"path": "/healthz", "port": 8080, "httpHeaders": [{"name": "X", "value": "y"}]}
    container = _container(
        command=["sh", "-c"],
        args=["exec server"],
        workingDir="/srv",
        ports=[{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        envFrom=[{"prefix": "CFG_", "configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "s"}}],
        env=[
            {"name": "A", "value": "1"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}},
            {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        ],
        resources={
            "limits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"},
            "requests": {"cpu": "500m", "memory": "512Mi"},
        },
        volumeMounts=[
            {"name": "data", "mountPath": "/data", "subPath": "x"},
            {"name": "cfg", "mountPath": "/cfg", "readOnly": True},
        ],
        livenessProbe={"httpGet": http, "terminationGracePeriodSeconds": 5},
        readinessProbe={"tcpSocket": {"port": 8080}},
        startupProbe={"grpc": {"port": 9000}},
        lifecycle={
            "postStart": {"exec": {"command": ["true"]}},
            "preStop": {"sleep": {"seconds": 3}},
        },
        terminationMessagePath="/tmp/msg",
        terminationMessagePolicy="FallbackToLogsOnError",
        imagePullPolicy="IfNotPresent",
        securityContext={
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "privileged": False,
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
            "seccompProfile": {"type": "Unconfined"},
        },
        stdin=True,
        tty=True,
    )
    spec = {
        "volumes": [
            {"name": "data", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
            {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "k", "path": "k"}]}},
            {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}},
            {
                "name": "down",
                "downwardAPI": {
                    "items": [{"path": "l", "fieldRef": {"fieldPath": "metadata.labels"}}]
                },
            },
            {
                "name": "proj",
                "projected": {
                    "sources": [
                        {"configMap": {"name": "cfg"}},
                        {"secret": {"name": "s"}},
                        {
                            "downwardAPI": {
                                "items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]
                            }
                        },
                    ]
                },
            },
        ],
        "initContainers": [
            _container(name="init", command=["true"]),
            _container(name="sidecar", restartPolicy="Always"),
        ],
        "containers": [container],
        "restartPolicy": "OnFailure",
        "terminationGracePeriodSeconds": 10,
        "activeDeadlineSeconds": 600,
        "dnsPolicy": "None",
        "automountServiceAccountToken": False,
        "hostNetwork": True,
        "securityContext": {
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "runAsNonRoot": True,
            "fsGroup": 2000,
            "supplementalGroups": [3000],
        },
        "imagePullSecrets": [{"name": "registry"}],
        "hostname": "web-0",
        "subdomain": "web",
        "readinessGates": [{"conditionType": "example.com/ready"}],
        "enableServiceLinks": False,
    }
    assert support.check_support(_pod(spec)) == support.SupportReport()


# --- the table itself ----------------------------------------------------------------------


def _wire_classes(annotation: Any) -> list[type[Wire]]:
    """The model classes a field annotation holds (directly, optionally, or in a tuple)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple):
        return [cls for arg in typing.get_args(annotation) for cls in _wire_classes(arg)]
    if isinstance(annotation, type) and issubclass(annotation, Wire):
        return [annotation]
    return []


@pytest.mark.parametrize("cls", list(support.RULES), ids=lambda cls: cls.__name__)
def test_every_field_of_a_walked_class_has_a_rule_and_walks_reach_tables(
    cls: type[Wire],
) -> None:
    rules = support.RULES[cls]
    assert set(rules) == {item.name for item in msgspec.structs.fields(cls)}
    hints = typing.get_type_hints(cls)
    for name, rule in rules.items():
        if rule.treatment is support.Treatment.WALK:
            walked = _wire_classes(hints[name])
            assert walked, name
            assert all(item in support.RULES for item in walked), name
