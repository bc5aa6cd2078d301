"""Defaulting as the apiserver does it: `pkg/apis/core/v1/defaults_test.go` and PrepareForCreate.

Pods are written as wire dicts (as a manifest would be), defaulted, and read back on the wire.
"""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

import pytest

from tinykube.api import defaults
from tinykube.api.objects import ConfigMap, Namespace, Secret
from tinykube.api.pod import Pod
from tinykube.api.wire import from_wire, to_wire

SHA256 = "sha256:" + "a" * 64


def _pod(spec: dict[str, Any] | None = None, **metadata: Any) -> Pod:
    raw_spec = {"containers": [{"name": "app", "image": "busybox:1.36"}], **(spec or {})}
    raw = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", **metadata}}
    return from_wire({**raw, "spec": raw_spec}, Pod)


def _defaulted(spec: dict[str, Any] | None = None, **metadata: Any) -> dict[str, Any]:
    wire = to_wire(defaults.apply_pod_defaults(_pod(spec, **metadata)))
    assert isinstance(wire, dict)
    return wire


def _at(value: Any, path: str) -> Any:
    """`value` at a dotted path; `[n]` indexes a list."""
    for part in path.replace("[", ".").replace("]", "").split("."):
        value = value[int(part)] if part.isdigit() else value[part]
    return value


# --- imagePullPolicy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        pytest.param("busybox", "Always", id="no-tag"),
        pytest.param("busybox:latest", "Always", id="latest"),
        pytest.param("busybox:1.36", "IfNotPresent", id="tag"),
        pytest.param("busybox:LATEST", "IfNotPresent", id="tags-are-case-sensitive"),
        pytest.param("docker.io/library/busybox", "Always", id="qualified-no-tag"),
        pytest.param("index.docker.io/busybox", "Always", id="legacy-docker-hub"),
        pytest.param("registry.k8s.io/pause:3.10", "IfNotPresent", id="registry-tag"),
        pytest.param("localhost:5000/app", "Always", id="registry-with-port"),
        pytest.param("localhost/app:latest", "Always", id="localhost-latest"),
        pytest.param("Registry.Example.com/team/app", "Always", id="uppercase-domain"),
        pytest.param("[::1]:5000/app", "Always", id="ipv6-registry"),
        pytest.param(f"busybox@{SHA256}", "IfNotPresent", id="digest-only"),
        pytest.param(f"busybox:latest@{SHA256}", "Always", id="latest-and-digest"),
        pytest.param(f"busybox:1.36@{SHA256}", "IfNotPresent", id="tag-and-digest"),
        pytest.param("busybox:latest@sha256:" + "a" * 40, "IfNotPresent", id="bad-digest-length"),
        pytest.param("busybox:latest@md5:" + "a" * 32, "IfNotPresent", id="unknown-digest"),
        pytest.param("", "IfNotPresent", id="empty-does-not-parse"),
        pytest.param("Busybox", "IfNotPresent", id="uppercase-repository-does-not-parse"),
        pytest.param("busybox:", "IfNotPresent", id="empty-tag-does-not-parse"),
        pytest.param("a" * 64, "IfNotPresent", id="bare-image-id-does-not-parse"),
        pytest.param("my_registry/app", "Always", id="underscore-path"),
        pytest.param("app/" * 70 + "x", "IfNotPresent", id="name-longer-than-255"),
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, expected: str) -> None:
    assert defaults.image_pull_policy(image) == expected
    defaulted = _defaulted({"containers": [{"name": "app", "image": image}]})
    assert defaulted["spec"]["containers"][0]["imagePullPolicy"] == expected


# --- every default of TestPodDefaults ------------------------------------------------------

_HTTP = {"port": 8080}
_PROBE = {"httpGet": _HTTP}
_FIELD_REF_ENV = [{"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]
_DOWNWARD_ITEMS = [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]


def _container(**fields: Any) -> dict[str, Any]:
    return {"name": "c", "image": "busybox:1.36", **fields}


@pytest.mark.parametrize(
    ("spec", "path", "expected"),
    [
        pytest.param({}, "spec.restartPolicy", "Always", id="restartPolicy"),
        pytest.param({}, "spec.terminationGracePeriodSeconds", 30, id="grace-period"),
        pytest.param({}, "spec.dnsPolicy", "ClusterFirst", id="dnsPolicy"),
        pytest.param({}, "spec.securityContext", {}, id="securityContext"),
        pytest.param({}, "spec.schedulerName", "default-scheduler", id="schedulerName"),
        pytest.param({}, "spec.enableServiceLinks", True, id="enableServiceLinks"),
        pytest.param(
            {}, "spec.containers[0].terminationMessagePath", "/dev/termination-log", id="tm-path"
        ),
        pytest.param({}, "spec.containers[0].terminationMessagePolicy", "File", id="tm-policy"),
        pytest.param({}, "spec.containers[0].resources", {}, id="resources-always-written"),
        pytest.param(
            {"containers": [_container(ports=[{"containerPort": 80}])]},
            "spec.containers[0].ports[0]",
            {"containerPort": 80, "protocol": "TCP"},
            id="port-protocol",
        ),
        pytest.param(
            {"containers": [_container(env=_FIELD_REF_ENV)]},
            "spec.containers[0].env[0].valueFrom.fieldRef",
            {"apiVersion": "v1", "fieldPath": "status.podIP"},
            id="env-fieldRef-apiVersion",
        ),
        pytest.param(
            {"containers": [_container(livenessProbe={"exec": {"command": ["true"]}})]},
            "spec.containers[0].livenessProbe",
            {
                "exec": {"command": ["true"]},
                "timeoutSeconds": 1,
                "periodSeconds": 10,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            id="probe",
        ),
        pytest.param(
            {"containers": [_container(readinessProbe=_PROBE)]},
            "spec.containers[0].readinessProbe.httpGet",
            {"path": "/", "port": 8080, "scheme": "HTTP"},
            id="probe-httpGet",
        ),
        pytest.param(
            {"containers": [_container(startupProbe={"grpc": {"port": 9000}})]},
            "spec.containers[0].startupProbe.grpc",
            {"port": 9000, "service": ""},
            id="probe-grpc-service",
        ),
        pytest.param(
            {"containers": [_container(lifecycle={"postStart": {"httpGet": _HTTP}})]},
            "spec.containers[0].lifecycle.postStart.httpGet",
            {"path": "/", "port": 8080, "scheme": "HTTP"},
            id="postStart-httpGet",
        ),
        pytest.param(
            {"containers": [_container(lifecycle={"preStop": {"httpGet": _HTTP}})]},
            "spec.containers[0].lifecycle.preStop.httpGet",
            {"path": "/", "port": 8080, "scheme": "HTTP"},
            id="preStop-httpGet",
        ),
        pytest.param(
            {"containers": [_container(resources={"limits": {"cpu": "100m", "memory": "1Gi"}})]},
            "spec.containers[0].resources",
            {
                "limits": {"cpu": "100m", "memory": "1Gi"},
                "requests": {"cpu": "100m", "memory": "1Gi"},
            },
            id="requests-from-limits",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        resources={
                            "limits": {"cpu": "100m", "memory": "1Gi"},
                            "requests": {"memory": "0"},
                        }
                    )
                ]
            },
            "spec.containers[0].resources.requests",
            {"cpu": "100m", "memory": "0"},
            id="explicit-zero-request-kept",
        ),
        pytest.param(
            {"initContainers": [_container(resources={"limits": {"cpu": "1"}})]},
            "spec.initContainers[0].resources.requests",
            {"cpu": "1"},
            id="init-requests-from-limits",
        ),
        pytest.param(
            {
                "containers": [
                    _container(resources={"limits": {"cpu": "2n"}, "requests": {"memory": "1n"}})
                ]
            },
            "spec.containers[0].resources",
            {"limits": {"cpu": "1m"}, "requests": {"cpu": "1m", "memory": "1m"}},
            id="minimum-scale-is-milli",
        ),
        pytest.param(
            {"containers": [_container(resources={"limits": {"memory": "1.0001Ki"}})]},
            "spec.containers[0].resources.limits.memory",
            "1024103m",
            id="round-up-to-milli",
        ),
        pytest.param(
            {"volumes": [{"name": "v"}]},
            "spec.volumes[0]",
            {"name": "v", "emptyDir": {}},
            id="volume-without-source-is-emptyDir",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "hostPath": {"path": "/data"}}]},
            "spec.volumes[0].hostPath",
            {"path": "/data", "type": ""},
            id="hostPath-type",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "secret": {"secretName": "s"}}]},
            "spec.volumes[0].secret",
            {"secretName": "s", "defaultMode": 420},
            id="secret-defaultMode",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "configMap": {"name": "c"}}]},
            "spec.volumes[0].configMap",
            {"name": "c", "defaultMode": 420},
            id="configMap-defaultMode",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "downwardAPI": {"items": _DOWNWARD_ITEMS}}]},
            "spec.volumes[0].downwardAPI",
            {
                "items": [
                    {"path": "name", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}
                ],
                "defaultMode": 420,
            },
            id="downwardAPI",
        ),
        pytest.param(
            {
                "volumes": [
                    {
                        "name": "v",
                        "projected": {
                            "sources": [
                                {"downwardAPI": {"items": _DOWNWARD_ITEMS}},
                                {"serviceAccountToken": {"path": "token"}},
                            ]
                        },
                    }
                ]
            },
            "spec.volumes[0].projected",
            {
                "sources": [
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "path": "name",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"},
                                }
                            ]
                        }
                    },
                    {"serviceAccountToken": {"expirationSeconds": 3600, "path": "token"}},
                ],
                "defaultMode": 420,
            },
            id="projected",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "iscsi": {"targetPortal": "t", "iqn": "i", "lun": 0}}]},
            "spec.volumes[0].iscsi.iscsiInterface",
            "default",
            id="iscsi-interface",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "rbd": {"monitors": ["m"], "image": "i"}}]},
            "spec.volumes[0].rbd",
            {
                "monitors": ["m"],
                "image": "i",
                "pool": "rbd",
                "user": "admin",
                "keyring": "/etc/ceph/keyring",
            },
            id="rbd",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "azureDisk": {"diskName": "d", "diskURI": "u"}}]},
            "spec.volumes[0].azureDisk",
            {
                "diskName": "d",
                "diskURI": "u",
                "cachingMode": "ReadWrite",
                "fsType": "ext4",
                "readOnly": False,
                "kind": "Shared",
            },
            id="azureDisk",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "scaleIO": {"gateway": "g", "system": "s"}}]},
            "spec.volumes[0].scaleIO",
            {"gateway": "g", "system": "s", "storageMode": "ThinProvisioned", "fsType": "xfs"},
            id="scaleIO",
        ),
        pytest.param(
            {
                "volumes": [
                    {"name": "v", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
                ]
            },
            "spec.volumes[0].ephemeral.volumeClaimTemplate.spec.volumeMode",
            "Filesystem",
            id="ephemeral-volumeMode",
        ),
        pytest.param(
            {"serviceAccount": "robot"},
            "spec.serviceAccountName",
            "robot",
            id="serviceAccount-alias",
        ),
    ],
)
def test_defaults_of_kubernetes(spec: dict[str, Any], path: str, expected: Any) -> None:
    assert _at(_defaulted(spec), path) == expected


def test_host_network_makes_container_ports_host_ports() -> None:
    defaulted = _defaulted(
        {
            "hostNetwork": True,
            "initContainers": [_container(ports=[{"containerPort": 53, "protocol": "UDP"}])],
            "containers": [_container(ports=[{"containerPort": 8080, "hostPort": 8081}])],
        }
    )
    assert defaulted["spec"]["initContainers"][0]["ports"] == [
        {"hostPort": 53, "containerPort": 53, "protocol": "UDP"}
    ]
    assert defaulted["spec"]["containers"][0]["ports"] == [
        {"hostPort": 8081, "containerPort": 8080, "protocol": "TCP"}
    ]


def test_ephemeral_containers_get_container_defaults_but_no_requests_from_limits() -> None:
    ephemeral = _container(
        name="debug",
        image="busybox",
        resources={"limits": {"cpu": "1"}},
        ports=[{"containerPort": 1}],
    )
    defaulted = _defaulted({"hostNetwork": True, "ephemeralContainers": [ephemeral]})
    container = defaulted["spec"]["ephemeralContainers"][0]
    assert container["imagePullPolicy"] == "Always"
    assert container["terminationMessagePolicy"] == "File"
    assert container["resources"] == {"limits": {"cpu": "1"}}
    assert container["ports"] == [{"containerPort": 1, "protocol": "TCP"}]


@pytest.mark.parametrize(
    ("spec", "path", "expected"),
    [
        pytest.param({"restartPolicy": "Never"}, "spec.restartPolicy", "Never", id="restart"),
        pytest.param(
            {"terminationGracePeriodSeconds": 0},
            "spec.terminationGracePeriodSeconds",
            0,
            id="zero-grace-period",
        ),
        pytest.param(
            {"enableServiceLinks": False}, "spec.enableServiceLinks", False, id="service-links"
        ),
        pytest.param({"dnsPolicy": "Default"}, "spec.dnsPolicy", "Default", id="dnsPolicy"),
        pytest.param(
            {"containers": [_container(imagePullPolicy="Never")]},
            "spec.containers[0].imagePullPolicy",
            "Never",
            id="imagePullPolicy",
        ),
        pytest.param(
            {
                "containers": [
                    _container(
                        readinessProbe={
                            "httpGet": {"path": "/healthz", "port": 80, "scheme": "HTTPS"},
                            "timeoutSeconds": 5,
                            "periodSeconds": 2,
                            "successThreshold": 2,
                            "failureThreshold": 9,
                        }
                    )
                ]
            },
            "spec.containers[0].readinessProbe",
            {
                "httpGet": {"path": "/healthz", "port": 80, "scheme": "HTTPS"},
                "timeoutSeconds": 5,
                "periodSeconds": 2,
                "successThreshold": 2,
                "failureThreshold": 9,
            },
            id="probe",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "secret": {"secretName": "s", "defaultMode": 256}}]},
            "spec.volumes[0].secret.defaultMode",
            256,
            id="defaultMode",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "hostPath": {"path": "/d", "type": "Directory"}}]},
            "spec.volumes[0].hostPath.type",
            "Directory",
            id="hostPath-type",
        ),
        pytest.param(
            {"serviceAccountName": "new", "serviceAccount": "old"},
            "spec.serviceAccount",
            "new",
            id="serviceAccountName-wins",
        ),
    ],
)
def test_values_already_set_are_kept(spec: dict[str, Any], path: str, expected: Any) -> None:
    assert _at(_defaulted(spec), path) == expected


# --- PrepareForCreate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "qos_class"),
    [
        pytest.param({}, "BestEffort", id="best-effort"),
        pytest.param({"requests": {"cpu": "100m"}}, "Burstable", id="burstable"),
        pytest.param(
            {"limits": {"cpu": "100m", "memory": "64Mi"}},
            "Guaranteed",
            id="limits-only-is-guaranteed-as-requests-default-to-limits",
        ),
    ],
)
def test_create_status_is_pending_with_its_qos_class(
    resources: dict[str, Any], qos_class: str
) -> None:
    defaulted = _defaulted({"containers": [_container(resources=resources)]})
    assert defaulted["status"] == {"phase": "Pending", "qosClass": qos_class}


def test_create_discards_status_and_sets_generation_and_namespace() -> None:
    pod = from_wire(
        {
            "metadata": {"name": "p", "generation": 7},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "qosClass": "Guaranteed"},
        },
        Pod,
    )
    defaulted = to_wire(defaults.apply_pod_defaults(pod))
    assert defaulted["metadata"] == {"name": "p", "namespace": "default", "generation": 1}
    assert defaulted["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_scheme_defaulting_alone_keeps_status_and_generation_as_on_update() -> None:
    pod = from_wire(
        {
            "metadata": {"name": "p", "namespace": "ns", "generation": 3},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running", "qosClass": "BestEffort"},
        },
        Pod,
    )
    defaulted = to_wire(defaults.set_pod_defaults(pod))
    assert defaulted["metadata"] == {"name": "p", "namespace": "ns", "generation": 3}
    assert defaulted["status"] == {"phase": "Running", "qosClass": "BestEffort"}
    assert defaulted["spec"]["restartPolicy"] == "Always"


def test_a_given_namespace_is_kept() -> None:
    assert _defaulted(namespace="team-a")["metadata"]["namespace"] == "team-a"


def test_scheduling_gates_add_the_scheduling_gated_condition() -> None:
    now = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    pod = _pod({"schedulingGates": [{"name": "example.com/gate"}]})
    status = to_wire(defaults.apply_pod_defaults(pod, now=now))["status"]
    assert status["conditions"] == [
        {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": "2025-01-02T03:04:05Z",
            "reason": "SchedulingGated",
            "message": "Scheduling is blocked due to non-empty scheduling gates",
        }
    ]


def test_match_label_keys_join_the_affinity_label_selector() -> None:
    term = {
        "labelSelector": {"matchLabels": {"app": "web"}},
        "matchLabelKeys": ["rev", "absent"],
        "mismatchLabelKeys": ["tenant"],
        "topologyKey": "kubernetes.io/hostname",
    }
    spec = {
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [term],
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "podAffinityTerm": term}
                ],
            }
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": "web"}},
                "matchLabelKeys": ["rev"],
            }
        ],
    }
    defaulted = _defaulted(spec, labels={"app": "web", "rev": "abc", "tenant": "t1"})
    expected = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "rev", "operator": "In", "values": ["abc"]},
            {"key": "tenant", "operator": "NotIn", "values": ["t1"]},
        ],
    }
    anti = defaulted["spec"]["affinity"]["podAntiAffinity"]
    assert anti["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"] == expected
    preferred = anti["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert preferred["podAffinityTerm"]["labelSelector"] == expected
    assert defaulted["spec"]["topologySpreadConstraints"][0]["labelSelector"] == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "rev", "operator": "In", "values": ["abc"]}],
    }


# --- a whole pod, as `kubectl create` returns it -------------------------------------------


def test_a_small_pod_reads_back_as_the_apiserver_writes_it() -> None:
    """`kubectl create -f` then `kubectl get -o json`, less server-set metadata (uid,
    resourceVersion, creationTimestamp, managedFields) and what admission plugins add
    (serviceAccountName, the kube-api-access volume, tolerations, priority) - tinykube runs none.
    """
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "initContainers": [
                {"name": "init", "image": "busybox:1.36", "command": ["sh", "-c", "true"]}
            ],
            "containers": [
                {
                    "name": "app",
                    "image": "nginx",
                    "ports": [{"containerPort": 80}],
                    "readinessProbe": {"httpGet": {"port": 80}},
                }
            ],
        },
    }
    expected = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "generation": 1,
            "labels": {"app": "web"},
        },
        "spec": {
            "initContainers": [
                {
                    "name": "init",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "true"],
                    "resources": {},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "containers": [
                {
                    "name": "app",
                    "image": "nginx",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {},
                    "readinessProbe": {
                        "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                        "timeoutSeconds": 1,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "Always",
                }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "enableServiceLinks": True,
        },
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }
    actual = to_wire(defaults.apply_pod_defaults(from_wire(manifest, Pod)))
    # Same members in the same order, as `kubectl get -o json` prints them.
    assert json.dumps(actual, indent=1) == json.dumps(expected, indent=1)


# --- idempotence and cost ------------------------------------------------------------------

_RICH_SPEC: dict[str, Any] = {
    "volumes": [
        {"name": "scratch"},
        {"name": "config", "configMap": {"name": "cfg"}},
        {"name": "host", "hostPath": {"path": "/var/log"}},
    ],
    "initContainers": [
        _container(name=f"init-{n}", command=["sh", "-c", "true"], env=_FIELD_REF_ENV)
        for n in range(2)
    ]
    + [_container(name="sidecar", restartPolicy="Always", startupProbe=_PROBE)],
    "containers": [
        _container(
            name="app",
            image="nginx",
            ports=[{"containerPort": 80}],
            resources={"limits": {"cpu": "500m", "memory": "128Mi"}},
            readinessProbe=_PROBE,
            livenessProbe={"tcpSocket": {"port": 80}},
            lifecycle={"preStop": {"httpGet": _HTTP}},
            volumeMounts=[{"name": "scratch", "mountPath": "/tmp"}],
        )
    ],
}


def test_defaulting_is_idempotent_and_shares_what_it_did_not_change() -> None:
    once = defaults.apply_pod_defaults(_pod(_RICH_SPEC, labels={"app": "x"}))
    twice = defaults.apply_pod_defaults(once)
    assert twice == once
    assert twice is once


def test_a_pod_with_three_init_containers_defaults_in_well_under_100_microseconds() -> None:
    pod = _pod(_RICH_SPEC)
    rounds = 200
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            defaults.apply_pod_defaults(pod)
        best = min(best, (time.perf_counter() - start) / rounds)
    assert best < 100e-6


# --- other objects -------------------------------------------------------------------------


def test_secret_string_data_is_merged_into_data_and_dropped() -> None:
    secret = from_wire(
        {
            "metadata": {"name": "s"},
            "data": {"a": "b2xk", "keep": "eA=="},
            "stringData": {"a": "new", "b": "héllo"},
        },
        Secret,
    )
    assert to_wire(defaults.apply_secret_defaults(secret)) == {
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"a": "bmV3", "b": "aMOpbGxv", "keep": "eA=="},
        "type": "Opaque",
    }


def test_secret_type_is_kept_when_given() -> None:
    secret = from_wire({"metadata": {"name": "s"}, "type": "kubernetes.io/tls"}, Secret)
    assert defaults.apply_secret_defaults(secret).type == "kubernetes.io/tls"


def test_configmap_gets_only_its_namespace() -> None:
    config_map = from_wire({"metadata": {"name": "c"}, "data": {"k": "v"}}, ConfigMap)
    assert to_wire(defaults.apply_configmap_defaults(config_map)) == {
        "metadata": {"name": "c", "namespace": "default"},
        "data": {"k": "v"},
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {"metadata": {"name": "team"}},
            {
                "metadata": {"name": "team", "labels": {"kubernetes.io/metadata.name": "team"}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            },
            id="new",
        ),
        pytest.param(
            {
                "metadata": {"name": "team", "labels": {"kubernetes.io/metadata.name": "other"}},
                "spec": {"finalizers": ["example.com/f"]},
                "status": {"phase": "Terminating"},
            },
            {
                "metadata": {"name": "team", "labels": {"kubernetes.io/metadata.name": "team"}},
                "spec": {"finalizers": ["example.com/f", "kubernetes"]},
                "status": {"phase": "Active"},
            },
            id="label-overwritten-finalizer-appended-status-reset",
        ),
    ],
)
def test_namespace_defaults(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    namespace = defaults.apply_namespace_defaults(from_wire(raw, Namespace))
    assert to_wire(namespace) == expected
    assert defaults.apply_namespace_defaults(namespace) is namespace
