"""Container validation: each rule of validation.go's container half, with the exact message.

Inputs are small wire dicts turned into model objects with `from_wire()`; every case asserts the
complete list of rendered errors (`str(FieldError)`), in order, as `kubectl` would print them.
Expected texts come from Kubernetes' validation.go and apimachinery's util/validation.
"""

from __future__ import annotations

from typing import Any

import pytest

from tinykube.api import field, pod, wire
from tinykube.api.validation import containers, names

DNS_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
ENV_NAME = (
    "a valid environment variable name must consist only of printable ASCII characters other "
    "than '='"
)
CONFIG_KEY = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)
ENV_FIELD_PATHS = (
    '"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", '
    '"spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", '
    '"status.podIPs"'
)
INIT_ONLY = "Forbidden: may not be set for init containers without restartPolicy=Always"
C0 = "spec.containers[0]"
I0 = "spec.initContainers[0]"

VOLUMES: dict[str, pod.Volume] = {
    "data": wire.from_wire({"name": "data", "emptyDir": {}}, pod.Volume),
    "claim": wire.from_wire(
        {"name": "claim", "persistentVolumeClaim": {"claimName": "c"}}, pod.Volume
    ),
    "img": wire.from_wire({"name": "img", "image": {"reference": "busybox"}}, pod.Volume),
}


def ctr(name: str = "app", **fields: Any) -> dict[str, Any]:
    """A defaulted, valid container as it reaches validation; `fields` are wire members."""
    raw: dict[str, Any] = {
        "name": name,
        "image": "busybox:1.36",
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePolicy": "File",
    }
    raw.update(fields)
    return raw


def probe(**fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "exec": {"command": ["true"]},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    raw.update(fields)
    return raw


def http_get(**fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"path": "/", "port": 8080, "scheme": "HTTP"}
    raw.update(fields)
    return raw


def tcp_port(container_port: int, host_port: int = 0, **fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"containerPort": container_port, "protocol": "TCP"}
    if host_port:
        raw["hostPort"] = host_port
    raw.update(fields)
    return raw


def as_containers(raws: list[dict[str, Any]]) -> tuple[pod.Container, ...]:
    return tuple(wire.from_wire(raw, pod.Container) for raw in raws)


def validate(
    apps: list[dict[str, Any]],
    inits: list[dict[str, Any]] | None = None,
    *,
    grace: int | None = 30,
    restart_policy: str = "Always",
) -> list[str]:
    """What `validation.pod` appends for a pod's containers, rendered."""
    app_containers = as_containers(apps)
    init_containers = as_containers(inits or [])
    errors = containers.validate_containers(
        app_containers,
        volumes=VOLUMES,
        grace=grace,
        path=field.Path("spec.containers"),
        restart_policy=restart_policy,
    )
    errors += containers.validate_init_containers(
        init_containers,
        containers=app_containers,
        volumes=VOLUMES,
        grace=grace,
        path=field.Path("spec.initContainers"),
        restart_policy=restart_policy,
    )
    return [str(error) for error in errors]


CASES = [
    # --- names and images ----------------------------------------------------------------
    pytest.param([ctr()], None, [], id="valid-app-container"),
    pytest.param([], None, ["spec.containers: Required value"], id="no-app-containers"),
    pytest.param([ctr("")], None, [f"{C0}.name: Required value"], id="name-required"),
    pytest.param(
        [ctr("Foo")], None, [f'{C0}.name: Invalid value: "Foo": {DNS_LABEL}'], id="name-not-label"
    ),
    pytest.param(
        [ctr("a.b")],
        None,
        [f'{C0}.name: Invalid value: "a.b": must not contain dots'],
        id="name-with-dots",
    ),
    pytest.param(
        [ctr("a" * 64)],
        None,
        [f'{C0}.name: Invalid value: "{"a" * 64}": must be no more than 63 characters'],
        id="name-too-long",
    ),
    pytest.param(
        [ctr(), ctr()],
        None,
        ['spec.containers[1].name: Duplicate value: "app"'],
        id="duplicate-app-names",
    ),
    pytest.param(
        [ctr()], [ctr()], [f'{I0}.name: Duplicate value: "app"'], id="init-clashes-with-app"
    ),
    pytest.param(
        [ctr()],
        [ctr("setup"), ctr("setup")],
        ['spec.initContainers[1].name: Duplicate value: "setup"'],
        id="duplicate-init-names",
    ),
    pytest.param(
        [ctr("")],
        [ctr("")],
        [
            f"{C0}.name: Required value",
            f"{I0}.name: Required value",
            f'{I0}.name: Duplicate value: ""',
        ],
        id="empty-names-also-collide",
    ),
    pytest.param([ctr(image="")], None, [f"{C0}.image: Required value"], id="image-required"),
    pytest.param(
        [ctr(terminationMessagePolicy="")],
        None,
        [f"{C0}.terminationMessagePolicy: Required value"],
        id="termination-message-policy-required",
    ),
    pytest.param(
        [ctr(terminationMessagePolicy="Sometimes")],
        None,
        [
            f'{C0}.terminationMessagePolicy: Unsupported value: "Sometimes": supported values: '
            '"File", "FallbackToLogsOnError"'
        ],
        id="termination-message-policy-unsupported",
    ),
    pytest.param(
        [ctr(imagePullPolicy="")],
        None,
        [f"{C0}.imagePullPolicy: Required value"],
        id="pull-policy-required",
    ),
    pytest.param(
        [ctr(imagePullPolicy="Sometimes")],
        None,
        [
            f'{C0}.imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", '
            '"IfNotPresent", "Never"'
        ],
        id="pull-policy-unsupported",
    ),
    # --- ports -----------------------------------------------------------------------------
    pytest.param(
        [ctr(ports=[{"protocol": "TCP"}])],
        None,
        [f"{C0}.ports[0].containerPort: Required value"],
        id="container-port-required",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(70000)])],
        None,
        [
            f"{C0}.ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, "
            "inclusive"
        ],
        id="container-port-out-of-range",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, host_port=-1)])],
        None,
        [f"{C0}.ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive"],
        id="host-port-out-of-range",
    ),
    pytest.param(
        [ctr(ports=[{"containerPort": 80}])],
        None,
        [f"{C0}.ports[0].protocol: Required value"],
        id="protocol-required",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, protocol="ICMP")])],
        None,
        [
            f'{C0}.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", '
            '"TCP", "UDP"'
        ],
        id="protocol-unsupported",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, name="HTTP")])],
        None,
        [
            f'{C0}.ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric '
            "characters (a-z, 0-9), and hyphens (-)",
            f'{C0}.ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
        ],
        id="port-name-not-iana",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, name="a-very-long-port-name")])],
        None,
        [
            f'{C0}.ports[0].name: Invalid value: "a-very-long-port-name": must be no more than '
            "15 characters"
        ],
        id="port-name-too-long",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, name="web"), tcp_port(81, name="web")])],
        None,
        [f'{C0}.ports[1].name: Duplicate value: "web"'],
        id="port-name-duplicate",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, 8080)]), ctr("b", ports=[tcp_port(81, 8080)])],
        None,
        ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
        id="host-port-conflict-across-apps",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, 8080)])],
        [ctr("a", ports=[tcp_port(80, 8080)]), ctr("b", ports=[tcp_port(80, 8080)])],
        [],
        id="init-containers-may-reuse-host-ports",
    ),
    pytest.param(
        [ctr()],
        [ctr("a"), ctr("b", ports=[tcp_port(80, 9090), tcp_port(81, 9090)])],
        [f'{I0}.ports[1].hostPort: Duplicate value: "TCP//9090"'],
        id="init-host-port-conflict-reported-at-index-0",
    ),
    # --- environment -----------------------------------------------------------------------
    pytest.param(
        [ctr(env=[{"value": "x"}])], None, [f"{C0}.env[0].name: Required value"], id="env-name"
    ),
    pytest.param(
        [ctr(env=[{"name": "A=B"}])],
        None,
        [f'{C0}.env[0].name: Invalid value: "A=B": {ENV_NAME}'],
        id="env-name-with-equals",
    ),
    pytest.param(
        [ctr(env=[{"name": "my.var-1", "value": "x"}])], None, [], id="env-name-relaxed-ok"
    ),
    pytest.param(
        [
            ctr(
                env=[
                    {
                        "name": "A",
                        "value": "x",
                        "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                    }
                ]
            )
        ],
        None,
        [
            f'{C0}.env[0].valueFrom: Invalid value: "": may not be specified when `value` is '
            "not empty"
        ],
        id="env-value-and-value-from",
    ),
    pytest.param(
        [
            ctr(
                env=[
                    {
                        "name": "A",
                        "valueFrom": {
                            "secretKeyRef": {"name": "s", "key": "k"},
                            "configMapKeyRef": {"name": "c", "key": "k"},
                        },
                    }
                ]
            )
        ],
        None,
        [
            f'{C0}.env[0].valueFrom: Invalid value: "": may not have more than one field '
            "specified at a time"
        ],
        id="env-two-sources",
    ),
    pytest.param(
        [ctr(env=[{"name": "A", "valueFrom": {}}])],
        None,
        [
            f'{C0}.env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, '
            "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
        ],
        id="env-no-source",
    ),
    pytest.param(
        [ctr(env=[{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])],
        None,
        [f"{C0}.env[0].valueFrom.fieldRef.apiVersion: Required value"],
        id="env-field-ref-api-version",
    ),
    pytest.param(
        [
            ctr(
                env=[
                    {
                        "name": "A",
                        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.foo"}},
                    }
                ]
            )
        ],
        None,
        [
            f'{C0}.env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error '
            "converting fieldPath: field label not supported: spec.foo"
        ],
        id="env-field-ref-unknown-label",
    ),
    pytest.param(
        [
            ctr(
                env=[
                    {
                        "name": "A",
                        "valueFrom": {
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.restartPolicy"}
                        },
                    }
                ]
            )
        ],
        None,
        [
            f'{C0}.env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.restartPolicy": '
            f"supported values: {ENV_FIELD_PATHS}"
        ],
        id="env-field-ref-not-for-env",
    ),
    pytest.param(
        [
            ctr(
                env=[
                    {
                        "name": "A",
                        "valueFrom": {
                            "fieldRef": {
                                "apiVersion": "v1",
                                "fieldPath": "metadata.labels['app']",
                            }
                        },
                    }
                ]
            )
        ],
        None,
        [],
        id="env-field-ref-label-subscript-ok",
    ),
    pytest.param(
        [ctr(env=[{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}}])],
        None,
        [f"{C0}.env[0].valueFrom.secretKeyRef.key: Required value"],
        id="env-secret-key-required",
    ),
    pytest.param(
        [ctr(env=[{"name": "A", "valueFrom": {"configMapKeyRef": {"key": "a b"}}}])],
        None,
        [
            f'{C0}.env[0].valueFrom.configMapKeyRef.name: Invalid value: "": {DNS_SUBDOMAIN}',
            f'{C0}.env[0].valueFrom.configMapKeyRef.key: Invalid value: "a b": {CONFIG_KEY}',
        ],
        id="env-config-map-key-invalid",
    ),
    pytest.param(
        [ctr(env=[{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}}])],
        None,
        [
            f'{C0}.env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu": '
            'supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", '
            '"requests.cpu", "requests.ephemeral-storage", "requests.memory"'
        ],
        id="env-resource-field-unsupported",
    ),
    pytest.param(
        [
            ctr(
                env=[
                    {
                        "name": "A",
                        "valueFrom": {
                            "resourceFieldRef": {"resource": "limits.cpu", "divisor": "1Ki"}
                        },
                    }
                ]
            )
        ],
        None,
        [
            f'{C0}.env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.cpu": '
            "only divisor's values 1m and 1 are supported with the cpu resource"
        ],
        id="env-resource-field-divisor",
    ),
    pytest.param(
        [ctr(envFrom=[{"prefix": "P_"}])],
        None,
        [f'{C0}.envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
        id="env-from-no-source",
    ),
    pytest.param(
        [ctr(envFrom=[{"configMapRef": {"name": "c"}, "secretRef": {"name": "s"}}])],
        None,
        [f'{C0}.envFrom: Invalid value: "": may not have more than one field specified at a time'],
        id="env-from-two-sources",
    ),
    pytest.param(
        [ctr(envFrom=[{"prefix": "A=", "secretRef": {"name": "s"}}])],
        None,
        [f'{C0}.envFrom[0].prefix: Invalid value: "A=": {ENV_NAME}'],
        id="env-from-prefix",
    ),
    # --- volume mounts and devices -----------------------------------------------------------
    pytest.param(
        [ctr(volumeMounts=[{"name": "cache", "mountPath": "/cache"}])],
        None,
        [f'{C0}.volumeMounts[0].name: Not found: "cache"'],
        id="mount-of-unknown-volume",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"mountPath": "/x"}])],
        None,
        [f"{C0}.volumeMounts[0].name: Required value", f'{C0}.volumeMounts[0].name: Not found: ""'],
        id="mount-name-required",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"name": "data"}])],
        None,
        [f"{C0}.volumeMounts[0].mountPath: Required value"],
        id="mount-path-required",
    ),
    pytest.param(
        [
            ctr(
                volumeMounts=[
                    {"name": "data", "mountPath": "/data"},
                    {"name": "claim", "mountPath": "/data"},
                ]
            )
        ],
        None,
        [f'{C0}.volumeMounts[1].mountPath: Invalid value: "/data": must be unique'],
        id="mount-path-unique",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"name": "data", "mountPath": "/d", "subPath": "/abs"}])],
        None,
        [f'{C0}.volumeMounts.subPath: Invalid value: "/abs": must be a relative path'],
        id="sub-path-absolute",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"name": "data", "mountPath": "/d", "subPath": "a/../../b"}])],
        None,
        [f"{C0}.volumeMounts.subPath: Invalid value: \"a/../../b\": must not contain '..'"],
        id="sub-path-backsteps",
    ),
    pytest.param(
        [
            ctr(
                volumeMounts=[
                    {"name": "data", "mountPath": "/d", "subPath": "a", "subPathExpr": "$(X)"}
                ]
            )
        ],
        None,
        [
            f'{C0}.volumeMounts[0].subPathExpr: Invalid value: "$(X)": subPathExpr and subPath '
            "are mutually exclusive"
        ],
        id="sub-path-and-expr",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"name": "img", "mountPath": "/i", "subPath": "etc"}])],
        None,
        [
            f'{C0}.volumeMounts[0].subPath: Invalid value: "etc": not allowed in image volume '
            "sources"
        ],
        id="sub-path-of-image-volume",
    ),
    pytest.param(
        [
            ctr(
                volumeMounts=[
                    {"name": "data", "mountPath": "/d", "mountPropagation": "Bidirectional"}
                ]
            )
        ],
        None,
        [
            f"{C0}.volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is "
            "available only to privileged containers"
        ],
        id="bidirectional-needs-privileged",
    ),
    pytest.param(
        [
            ctr(
                volumeMounts=[
                    {"name": "data", "mountPath": "/d", "mountPropagation": "Bidirectional"}
                ],
                securityContext={"privileged": True},
            )
        ],
        None,
        [],
        id="bidirectional-privileged-ok",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"name": "data", "mountPath": "/d", "mountPropagation": "Shared"}])],
        None,
        [
            f'{C0}.volumeMounts.mountPropagation: Unsupported value: "Shared": supported values: '
            '"Bidirectional", "HostToContainer", "None"'
        ],
        id="mount-propagation-unsupported",
    ),
    pytest.param(
        [ctr(volumeMounts=[{"name": "data", "mountPath": "/d", "recursiveReadOnly": "Enabled"}])],
        None,
        [
            f"{C0}.volumeMounts.recursiveReadOnly: Forbidden: may only be specified when "
            "readOnly is true"
        ],
        id="recursive-read-only-needs-read-only",
    ),
    pytest.param(
        [ctr(volumeDevices=[{"name": "data", "devicePath": "/dev/xvda"}])],
        None,
        [
            f'{C0}.volumeDevices[0].name: Invalid value: "data": can only use volume source type '
            "of PersistentVolumeClaim or Ephemeral for block mode"
        ],
        id="device-from-empty-dir",
    ),
    pytest.param(
        [
            ctr(
                volumeMounts=[{"name": "claim", "mountPath": "/c"}],
                volumeDevices=[{"name": "claim", "devicePath": "/dev/xvda"}],
            )
        ],
        None,
        [
            f'{C0}.volumeMounts[0].name: Invalid value: "claim": must not already exist in '
            "volumeDevices",
            f'{C0}.volumeDevices[0].name: Invalid value: "claim": must not already exist in '
            "volumeMounts",
        ],
        id="device-and-mount-of-one-volume",
    ),
    # --- resources ---------------------------------------------------------------------------
    pytest.param(
        [ctr(resources={"limits": {"cpu": "1"}, "requests": {"cpu": "2"}})],
        None,
        [
            f'{C0}.resources.requests: Invalid value: "2": must be less than or equal to cpu '
            "limit of 1"
        ],
        id="cpu-request-above-limit",
    ),
    pytest.param(
        [ctr(resources={"limits": {"memory": "1Gi"}, "requests": {"memory": "1536Mi"}})],
        None,
        [
            f'{C0}.resources.requests: Invalid value: "1536Mi": must be less than or equal to '
            "memory limit of 1Gi"
        ],
        id="memory-request-above-limit",
    ),
    pytest.param(
        [ctr(resources={"limits": {"cpu": "-1"}})],
        None,
        [f'{C0}.resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
        id="negative-quantity",
    ),
    pytest.param(
        [ctr(resources={"limits": {"foo": "1"}})],
        None,
        [
            f"{C0}.resources.limits[foo]: Invalid value: foo: must be a standard resource type "
            "or fully qualified",
            f"{C0}.resources.limits[foo]: Invalid value: foo: must be a standard resource for "
            "containers",
        ],
        id="unknown-resource-name",
    ),
    pytest.param(
        [ctr(resources={"requests": {"pods": "1"}})],
        None,
        [
            f"{C0}.resources.requests[pods]: Invalid value: pods: must be a standard resource "
            "for containers"
        ],
        id="quota-resource-in-container",
    ),
    pytest.param(
        [ctr(resources={"limits": {"example.com/gpu": "500m"}})],
        None,
        [f"{C0}.resources.limits[example.com/gpu]: Invalid value: 500m: must be an integer"],
        id="extended-resource-fraction",
    ),
    pytest.param(
        [ctr(resources={"requests": {"example.com/gpu": "1"}})],
        None,
        [
            f"{C0}.resources.limits: Required value: Limit must be set for non overcommitable "
            "resources"
        ],
        id="extended-resource-without-limit",
    ),
    pytest.param(
        [ctr(resources={"limits": {"example.com/gpu": "2"}, "requests": {"example.com/gpu": "1"}})],
        None,
        [
            f'{C0}.resources.requests: Invalid value: "1": must be equal to example.com/gpu '
            "limit of 2"
        ],
        id="extended-resource-not-overcommitable",
    ),
    pytest.param(
        [ctr(resources={"limits": {"hugepages-2Mi": "4Mi"}})],
        None,
        [f"{C0}.resources: Forbidden: HugePages require cpu or memory"],
        id="hugepages-alone",
    ),
    pytest.param(
        [ctr(resources={"limits": {"hugepages-2Mi": "3Mi", "memory": "1Gi"}})],
        None,
        [
            f'{C0}.resources.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive '
            "integer multiple of hugepages-2Mi"
        ],
        id="hugepages-partial-page",
    ),
    pytest.param(
        [ctr(resources={"claims": [{"name": "gpu"}]})],
        None,
        [
            f'{C0}.resources.claims[0]: Not found: "gpu": must be one of the names in '
            "pod.spec.resourceClaims which is empty"
        ],
        id="resource-claim-not-in-pod",
    ),
    # --- resize policy -----------------------------------------------------------------------
    pytest.param(
        [
            ctr(
                resizePolicy=[
                    {"resourceName": "cpu", "restartPolicy": "NotRequired"},
                    {"resourceName": "cpu", "restartPolicy": "NotRequired"},
                ]
            )
        ],
        None,
        [f"{C0}.resizePolicy[1]: Duplicate value: cpu"],
        id="resize-policy-duplicate",
    ),
    pytest.param(
        [ctr(resizePolicy=[{"resourceName": "gpu", "restartPolicy": "Sometimes"}])],
        None,
        [
            f'{C0}.resizePolicy: Unsupported value: gpu: supported values: "cpu", "memory"',
            f'{C0}.resizePolicy: Unsupported value: "Sometimes": supported values: '
            '"NotRequired", "RestartContainer"',
        ],
        id="resize-policy-unsupported",
    ),
    # --- probes ------------------------------------------------------------------------------
    pytest.param(
        [ctr(livenessProbe=probe(exec=None))],
        None,
        [f"{C0}.livenessProbe: Required value: must specify a handler type"],
        id="probe-without-handler",
    ),
    pytest.param(
        [ctr(readinessProbe=probe(tcpSocket={"port": 80}))],
        None,
        [f"{C0}.readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"],
        id="probe-with-two-handlers",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(successThreshold=2))],
        None,
        [f"{C0}.livenessProbe.successThreshold: Invalid value: 2: must be 1"],
        id="liveness-success-threshold",
    ),
    pytest.param(
        [ctr(startupProbe=probe(successThreshold=3))],
        None,
        [f"{C0}.startupProbe.successThreshold: Invalid value: 3: must be 1"],
        id="startup-success-threshold",
    ),
    pytest.param(
        [ctr(readinessProbe=probe(successThreshold=3))], None, [], id="readiness-threshold-ok"
    ),
    pytest.param(
        [ctr(readinessProbe=probe(terminationGracePeriodSeconds=10))],
        None,
        [
            f"{C0}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be "
            "set for readinessProbes"
        ],
        id="readiness-grace-period",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(terminationGracePeriodSeconds=0))],
        None,
        [
            f"{C0}.livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater "
            "than 0"
        ],
        id="liveness-grace-period-zero",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(periodSeconds=-1, failureThreshold=-2))],
        None,
        [
            f"{C0}.livenessProbe.periodSeconds: Invalid value: -1: must be greater than or "
            "equal to 0",
            f"{C0}.livenessProbe.failureThreshold: Invalid value: -2: must be greater than or "
            "equal to 0",
        ],
        id="probe-negative-fields",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(exec={}))],
        None,
        [f"{C0}.livenessProbe.exec.command: Required value"],
        id="exec-command-required",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(exec=None, httpGet=http_get(port="8080")))],
        None,
        [
            f'{C0}.livenessProbe.httpGet.port: Invalid value: "8080": must contain at least one '
            "letter (a-z)"
        ],
        id="http-port-string-of-digits",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(exec=None, httpGet=http_get(port=0)))],
        None,
        [
            f"{C0}.livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, "
            "inclusive"
        ],
        id="http-port-zero",
    ),
    pytest.param(
        [ctr(livenessProbe=probe(exec=None, httpGet=http_get(path="", scheme="FTP")))],
        None,
        [
            f"{C0}.livenessProbe.httpGet.path: Required value",
            f'{C0}.livenessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: '
            '"HTTP", "HTTPS"',
        ],
        id="http-path-and-scheme",
    ),
    pytest.param(
        [
            ctr(
                livenessProbe=probe(
                    exec=None, httpGet=http_get(httpHeaders=[{"name": "X Y", "value": "1"}])
                )
            )
        ],
        None,
        [
            f'{C0}.livenessProbe.httpGet.httpHeaders: Invalid value: "X Y": a valid HTTP header '
            "must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used "
            "for validation is '[-A-Za-z0-9]+')"
        ],
        id="http-header-name",
    ),
    # --- lifecycle hooks ---------------------------------------------------------------------
    pytest.param(
        [ctr(lifecycle={"preStop": {"sleep": {"seconds": 40}}})],
        None,
        [
            f"{C0}.lifecycle.preStop.sleep: Invalid value: 40: must be non-negative and less "
            "than terminationGracePeriodSeconds (30)"
        ],
        id="sleep-longer-than-grace",
    ),
    pytest.param(
        [ctr(lifecycle={"preStop": {"sleep": {"seconds": 0}}})], None, [], id="sleep-zero-ok"
    ),
    pytest.param(
        [ctr(lifecycle={"postStart": {}})],
        None,
        [f"{C0}.lifecycle.postStart: Required value: must specify a handler type"],
        id="hook-without-handler",
    ),
    # --- restart policies, init containers and sidecars --------------------------------------
    pytest.param(
        [ctr(restartPolicy="Always")],
        None,
        [f"{C0}.restartPolicy: Forbidden: may not be set for non-init containers"],
        id="app-restart-policy",
    ),
    pytest.param(
        [ctr()],
        [ctr("init", restartPolicy="OnFailure")],
        [f'{I0}.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
        id="init-restart-policy-not-always",
    ),
    pytest.param(
        [ctr()],
        [
            ctr(
                "init",
                lifecycle={"preStop": {"exec": {"command": ["x"]}}},
                livenessProbe=probe(),
                readinessProbe=probe(),
                startupProbe=probe(),
            )
        ],
        [
            f"{I0}.lifecycle: {INIT_ONLY}",
            f"{I0}.livenessProbe: {INIT_ONLY}",
            f"{I0}.readinessProbe: {INIT_ONLY}",
            f"{I0}.startupProbe: {INIT_ONLY}",
        ],
        id="init-hooks-and-probes-forbidden",
    ),
    pytest.param(
        [ctr()],
        [
            ctr(
                "sidecar",
                restartPolicy="Always",
                lifecycle={"preStop": {"sleep": {"seconds": 5}}},
                livenessProbe=probe(),
                readinessProbe=probe(),
                startupProbe=probe(),
            )
        ],
        [],
        id="sidecar-hooks-and-probes-ok",
    ),
    pytest.param(
        [ctr()],
        [ctr("sidecar", restartPolicy="Always", startupProbe=probe(successThreshold=2))],
        [f"{I0}.startupProbe.successThreshold: Invalid value: 2: must be 1"],
        id="sidecar-startup-threshold",
    ),
    pytest.param(
        [ctr()],
        [ctr("sidecar", restartPolicy="Always", readinessProbe=probe(exec=None))],
        [f"{I0}.readinessProbe: Required value: must specify a handler type"],
        id="sidecar-probe-rules-apply",
    ),
    # --- security context --------------------------------------------------------------------
    pytest.param(
        [ctr(securityContext={"runAsUser": -1})],
        None,
        [
            f"{C0}.securityContext.runAsUser: Invalid value: -1: must be between 0 and "
            "2147483647, inclusive"
        ],
        id="run-as-user-negative",
    ),
    pytest.param(
        [ctr(securityContext={"procMount": "Unmasked"})],
        None,
        [
            f'{C0}.securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be '
            "false to use `Unmasked`"
        ],
        id="unmasked-proc-mount-needs-user-namespace",
    ),
    pytest.param(
        [ctr(securityContext={"procMount": "Masked"})],
        None,
        [
            f'{C0}.securityContext.procMount: Unsupported value: "Masked": supported values: '
            '"Default", "Unmasked"'
        ],
        id="proc-mount-unsupported",
    ),
    pytest.param(
        [ctr(securityContext={"seccompProfile": {"type": "Localhost"}})],
        None,
        [
            f"{C0}.securityContext.seccompProfile.localhostProfile: Required value: must be set "
            "when seccomp type is Localhost"
        ],
        id="seccomp-localhost-needs-profile",
    ),
    pytest.param(
        [ctr(securityContext={"privileged": True, "allowPrivilegeEscalation": False})],
        None,
        [
            f"{C0}.securityContext: Invalid value: core.SecurityContext{{Capabilities:"
            "(*core.Capabilities)(nil), Privileged:(*bool)(0xc000000000), SELinuxOptions:"
            "(*core.SELinuxOptions)(nil), WindowsOptions:(*core.WindowsSecurityContextOptions)"
            "(nil), RunAsUser:(*int64)(nil), RunAsGroup:(*int64)(nil), RunAsNonRoot:(*bool)(nil), "
            "ReadOnlyRootFilesystem:(*bool)(nil), AllowPrivilegeEscalation:(*bool)(0xc000000000), "
            "ProcMount:(*core.ProcMountType)(nil), SeccompProfile:(*core.SeccompProfile)(nil), "
            "AppArmorProfile:(*core.AppArmorProfile)(nil)}: cannot set `allowPrivilegeEscalation` "
            "to false and `privileged` to true"
        ],
        id="privileged-without-escalation",
    ),
    pytest.param(
        [
            ctr(
                securityContext={
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"add": ["CAP_SYS_ADMIN"]},
                }
            )
        ],
        None,
        [
            f"{C0}.securityContext: Invalid value: core.SecurityContext{{Capabilities:"
            "(*core.Capabilities)(0xc000000000), Privileged:(*bool)(nil), SELinuxOptions:"
            "(*core.SELinuxOptions)(nil), WindowsOptions:(*core.WindowsSecurityContextOptions)"
            "(nil), RunAsUser:(*int64)(nil), RunAsGroup:(*int64)(nil), RunAsNonRoot:(*bool)(nil), "
            "ReadOnlyRootFilesystem:(*bool)(nil), AllowPrivilegeEscalation:(*bool)(0xc000000000), "
            "ProcMount:(*core.ProcMountType)(nil), SeccompProfile:(*core.SeccompProfile)(nil), "
            "AppArmorProfile:(*core.AppArmorProfile)(nil)}: cannot set `allowPrivilegeEscalation` "
            "to false and `capabilities.Add` CAP_SYS_ADMIN"
        ],
        id="sys-admin-without-escalation",
    ),
    # --- the order errors are appended in ----------------------------------------------------
    pytest.param(
        [
            ctr(
                "Web",
                image="",
                ports=[tcp_port(0)],
                env=[{"name": ""}],
                volumeMounts=[{"name": "nope", "mountPath": "/n"}],
                resources={"limits": {"cpu": "-1"}},
                restartPolicy="Never",
                livenessProbe=probe(exec=None),
            ),
            ctr("web"),
        ],
        None,
        [
            f'{C0}.name: Invalid value: "Web": {DNS_LABEL}',
            f"{C0}.image: Required value",
            f"{C0}.ports[0].containerPort: Required value",
            f"{C0}.env[0].name: Required value",
            f'{C0}.volumeMounts[0].name: Not found: "nope"',
            f'{C0}.resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
            f"{C0}.livenessProbe: Required value: must specify a handler type",
            f"{C0}.restartPolicy: Forbidden: may not be set for non-init containers",
        ],
        id="order-within-a-container",
    ),
    pytest.param(
        [ctr(ports=[tcp_port(80, 8080)]), ctr("b", image="", ports=[tcp_port(81, 8080)])],
        [ctr("i", image="")],
        [
            "spec.containers[1].image: Required value",
            'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
            f"{I0}.image: Required value",
        ],
        id="order-host-ports-after-containers-then-init",
    ),
]


@pytest.mark.parametrize(("apps", "inits", "expected"), CASES)
def test_container_rules(
    apps: list[dict[str, Any]], inits: list[dict[str, Any]] | None, expected: list[str]
) -> None:
    assert validate(apps, inits) == expected


@pytest.mark.parametrize(
    ("apps", "restart_policy", "grace", "expected"),
    [
        pytest.param(
            [ctr(resizePolicy=[{"resourceName": "memory", "restartPolicy": "RestartContainer"}])],
            "Never",
            30,
            [
                f"{C0}.resizePolicy: Invalid value: \"RestartContainer\": must be 'NotRequired' "
                "when `restartPolicy` is 'Never'"
            ],
            id="resize-restart-with-pod-never",
        ),
        pytest.param(
            [ctr(lifecycle={"preStop": {"sleep": {"seconds": 5}}})],
            "Always",
            2,
            [
                f"{C0}.lifecycle.preStop.sleep: Invalid value: 5: must be non-negative and less "
                "than terminationGracePeriodSeconds (2)"
            ],
            id="sleep-against-pod-grace",
        ),
        pytest.param(
            [ctr(lifecycle={"preStop": {"sleep": {"seconds": 500}}})],
            "Always",
            None,
            [],
            id="sleep-unchecked-without-grace",
        ),
    ],
)
def test_rules_that_depend_on_the_pod(
    apps: list[dict[str, Any]], restart_policy: str, grace: int | None, expected: list[str]
) -> None:
    assert validate(apps, grace=grace, restart_policy=restart_policy) == expected


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        pytest.param("busybox", [], id="clean"),
        pytest.param(
            " busybox",
            [
                f'{C0}.image: Invalid value: " busybox": must not have leading or trailing '
                "whitespace"
            ],
            id="leading-space",
        ),
        pytest.param(
            "busybox\n",
            [
                f'{C0}.image: Invalid value: "busybox\\n": must not have leading or trailing '
                "whitespace"
            ],
            id="trailing-newline",
        ),
    ],
)
def test_image_whitespace_is_a_pod_only_rule(image: str, expected: list[str]) -> None:
    apps = as_containers([ctr(image=image)])
    errors = containers.validate_containers_only_for_pod(apps, path=field.Path("spec.containers"))
    assert [str(error) for error in errors] == expected


def test_resource_claims_of_the_pod_are_found() -> None:
    apps = as_containers([ctr(resources={"claims": [{"name": "gpu"}, {"name": "fpga"}]})])
    errors = containers.validate_containers(
        apps,
        volumes=VOLUMES,
        grace=30,
        path=field.Path("spec.containers"),
        restart_policy="Always",
        pod_claim_names=frozenset({"gpu", "tpu"}),
    )
    assert [str(error) for error in errors] == [
        f'{C0}.resources.claims[1]: Not found: "fpga": must be one of the names in '
        "pod.spec.resourceClaims: gpu, tpu"
    ]


def test_unmasked_proc_mount_allowed_in_a_user_namespace() -> None:
    apps = as_containers([ctr(securityContext={"procMount": "Unmasked"})])
    errors = containers.validate_containers(
        apps,
        volumes=VOLUMES,
        grace=30,
        path=field.Path("spec.containers"),
        restart_policy="Always",
        host_users=False,
    )
    assert errors == []


@pytest.mark.parametrize(
    ("ephemeral", "expected"),
    [
        pytest.param([ctr("debug", targetContainerName="app")], [], id="valid"),
        pytest.param(
            [ctr("app")],
            ['spec.ephemeralContainers[0].name: Duplicate value: "app"'],
            id="name-taken",
        ),
        pytest.param(
            [ctr("debug", targetContainerName="nope")],
            ['spec.ephemeralContainers[0].targetContainerName: Not found: "nope"'],
            id="unknown-target",
        ),
        pytest.param(
            [
                ctr(
                    "debug",
                    ports=[tcp_port(80)],
                    readinessProbe=probe(),
                    volumeMounts=[{"name": "data", "mountPath": "/d", "subPath": "x"}],
                )
            ],
            [
                "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral "
                "Container",
                "spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an "
                "Ephemeral Container",
                "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set "
                "for an Ephemeral Container",
            ],
            id="fields-not-allowed",
        ),
    ],
)
def test_ephemeral_containers(ephemeral: list[dict[str, Any]], expected: list[str]) -> None:
    errors = containers.validate_ephemeral_containers(
        as_containers(ephemeral),
        containers=as_containers([ctr("app")]),
        init_containers=(),
        volumes=VOLUMES,
        path=field.Path("spec.ephemeralContainers"),
        restart_policy="Always",
    )
    assert [str(error) for error in errors] == expected


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        pytest.param(names.dns1123_label, "my-name", [], id="label-ok"),
        pytest.param(names.dns1123_label, "-x", [DNS_LABEL], id="label-leading-dash"),
        pytest.param(
            names.dns1123_label,
            "A" * 64,
            ["must be no more than 63 characters", DNS_LABEL],
            id="label-long-and-upper",
        ),
        pytest.param(names.dns1123_subdomain, "a.b-c", [], id="subdomain-ok"),
        pytest.param(names.dns1123_subdomain, "a..b", [DNS_SUBDOMAIN], id="subdomain-empty-part"),
        pytest.param(
            names.c_identifier,
            "1x",
            [
                "a valid C identifier must start with alphabetic character or '_', followed by a "
                "string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or "
                "'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"
            ],
            id="c-identifier",
        ),
        pytest.param(names.env_var_name, "1-A.b c", [], id="env-relaxed-ok"),
        pytest.param(names.env_var_name, "é", [ENV_NAME], id="env-non-ascii"),
        pytest.param(
            names.iana_svc_name,
            "-a--",
            ["must not contain consecutive hyphens", "must not begin or end with a hyphen"],
            id="port-name-hyphens",
        ),
        pytest.param(names.qualified_name, "example.com/MyKey", [], id="qualified-ok"),
        pytest.param(
            names.qualified_name,
            "/x",
            ["prefix part must be non-empty"],
            id="qualified-empty-prefix",
        ),
        pytest.param(
            names.qualified_name,
            "a/b/c",
            [
                "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and "
                "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',"
                "  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
                "prefix and '/' (e.g. 'example.com/MyName')"
            ],
            id="qualified-two-slashes",
        ),
        pytest.param(names.label_value, "", [], id="label-value-empty-ok"),
        pytest.param(
            names.label_value,
            "-x",
            [
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ],
            id="label-value-dash",
        ),
        pytest.param(
            names.config_map_key, "..x", ["must not start with '..'"], id="config-key-dots"
        ),
        pytest.param(
            names.valid_port_num,
            0,
            ["must be between 1 and 65535, inclusive"],
            id="port-zero",
        ),
    ],
)
def test_name_checks(check: Any, value: Any, expected: list[str]) -> None:
    assert check(value) == expected
