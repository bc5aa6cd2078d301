"""The wire form of the model: Go field order, Go omission rules, RFC 3339 times, sorted maps.

Expected JSON is what `kubectl get -o json` shows for the same objects.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import msgspec
import pytest

from tinykube.api.meta import ObjectMeta
from tinykube.api.objects import Event, List
from tinykube.api.pod import (
    Container,
    ContainerPort,
    GRPCAction,
    Pod,
    PodSecurityContext,
    PodSpec,
    Probe,
    SecurityContext,
)
from tinykube.api.status import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStatus,
    PodCondition,
    PodStatus,
)
from tinykube.api.wire import (
    forget_json,
    format_time,
    from_wire,
    kept_with,
    metadata_json,
    remember_json,
    to_json,
    to_wire,
    wire_name,
)

T0 = datetime.datetime(2024, 5, 1, 10, 0, 0, tzinfo=datetime.UTC)
_APP = Container(name="app")


def _dumps(value: Any) -> str:
    """JSON with members in the order given, as the apiserver writes them."""
    return json.dumps(value, indent=1)


# --- names and order -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "name"),
    [
        pytest.param("restart_count", "restartCount", id="camel-case"),
        pytest.param("host_ip", "hostIP", id="hostIP"),
        pytest.param("pod_ips", "podIPs", id="podIPs"),
        pytest.param("image_id", "imageID", id="imageID"),
        pytest.param("container_id", "containerID", id="containerID"),
        pytest.param("downward_api", "downwardAPI", id="downwardAPI"),
        pytest.param("set_hostname_as_fqdn", "setHostnameAsFQDN", id="setHostnameAsFQDN"),
        pytest.param("host_pid", "hostPID", id="hostPID"),
        pytest.param("tcp_socket", "tcpSocket", id="tcpSocket"),
        pytest.param("http_get", "httpGet", id="httpGet"),
        pytest.param("uid", "uid", id="uid"),
    ],
)
def test_wire_names_are_kubernetes_json_names(attribute: str, name: str) -> None:
    assert wire_name(attribute) == name


def test_container_members_come_in_go_struct_order() -> None:
    container = Container(
        name="app",
        image="nginx",
        command=("nginx",),
        args=("-g", "daemon off;"),
        working_dir="/srv",
        ports=(ContainerPort(container_port=80, protocol="TCP"),),
        restart_policy="Always",
        readiness_probe=Probe(timeout_seconds=1),
        termination_message_path="/dev/termination-log",
        termination_message_policy="File",
        image_pull_policy="Always",
        security_context=SecurityContext(privileged=False),
        stdin=True,
        tty=True,
    )
    assert list(to_wire(container)) == [
        "name",
        "image",
        "command",
        "args",
        "workingDir",
        "ports",
        "resources",
        "restartPolicy",
        "readinessProbe",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "imagePullPolicy",
        "securityContext",
        "stdin",
        "tty",
    ]


def test_pod_spec_members_come_in_go_struct_order() -> None:
    spec = PodSpec(
        containers=(Container(name="app"),),
        restart_policy="Always",
        termination_grace_period_seconds=30,
        dns_policy="ClusterFirst",
        service_account_name="default",
        service_account="default",
        node_name="node-1",
        security_context=PodSecurityContext(),
        scheduler_name="default-scheduler",
        priority=0,
        enable_service_links=True,
        preemption_policy="PreemptLowerPriority",
    )
    assert list(to_wire(spec)) == [
        "containers",
        "restartPolicy",
        "terminationGracePeriodSeconds",
        "dnsPolicy",
        "serviceAccountName",
        "serviceAccount",
        "nodeName",
        "securityContext",
        "schedulerName",
        "priority",
        "enableServiceLinks",
        "preemptionPolicy",
    ]


# --- omission ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            PodSpec(
                containers=(_APP,), termination_grace_period_seconds=0, enable_service_links=False
            ),
            {
                "containers": [{"name": "app", "resources": {}}],
                "terminationGracePeriodSeconds": 0,
                "enableServiceLinks": False,
            },
            id="pointers-write-zero-values",
        ),
        pytest.param(
            PodSpec(
                containers=(_APP,),
                host_network=False,
                restart_policy="",
                node_selector={},
                volumes=(),
            ),
            {"containers": [{"name": "app", "resources": {}}]},
            id="omitempty-drops-zero-values",
        ),
        pytest.param(
            SecurityContext(privileged=False, run_as_user=0),
            {"privileged": False, "runAsUser": 0},
            id="pointer-false-and-zero",
        ),
        pytest.param(PodSecurityContext(), {}, id="empty-struct-is-an-empty-object"),
        pytest.param(Container(name="app"), {"name": "app", "resources": {}}, id="resources-{}"),
        pytest.param(
            ContainerPort(container_port=0), {"containerPort": 0}, id="containerPort-always"
        ),
        pytest.param(
            GRPCAction(port=9000, service=""), {"port": 9000, "service": ""}, id="grpc-service"
        ),
        pytest.param(
            GRPCAction(port=9000), {"port": 9000, "service": None}, id="grpc-service-null"
        ),
        pytest.param(
            ContainerStatus(name="app"),
            {
                "name": "app",
                "state": {},
                "lastState": {},
                "ready": False,
                "restartCount": 0,
                "image": "",
                "imageID": "",
            },
            id="container-status-always-written",
        ),
        pytest.param(
            PodCondition(type="Ready", status="True", last_transition_time=T0),
            {
                "type": "Ready",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": "2024-05-01T10:00:00Z",
            },
            id="condition-lastProbeTime-null",
        ),
        pytest.param(
            ContainerStateTerminated(exit_code=0, reason="Completed"),
            {"exitCode": 0, "reason": "Completed", "startedAt": None, "finishedAt": None},
            id="terminated-exitCode-and-times-always",
        ),
        pytest.param(
            Pod(metadata=ObjectMeta(name="p"), spec=PodSpec(containers=(_APP,))),
            {
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "app", "resources": {}}]},
                "status": {},
            },
            id="pod-status-always-written",
        ),
    ],
)
def test_omission_follows_go_tags(value: Any, expected: dict[str, Any]) -> None:
    assert to_wire(value) == expected


# --- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "micro", "expected"),
    [
        pytest.param(T0, False, "2024-05-01T10:00:00Z", id="utc"),
        pytest.param(
            datetime.datetime(
                2024, 5, 1, 12, 0, 0, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            False,
            "2024-05-01T10:00:00Z",
            id="offset-converted-to-utc-and-truncated",
        ),
        pytest.param(
            datetime.datetime(2024, 5, 1, 10, 0, 0, 7, tzinfo=datetime.UTC),
            True,
            "2024-05-01T10:00:00.000007Z",
            id="micro-time",
        ),
    ],
)
def test_times_are_rfc3339_in_utc(value: datetime.datetime, micro: bool, expected: str) -> None:
    assert format_time(value, micro=micro) == expected


def test_event_time_is_a_micro_time_and_the_timestamps_are_seconds() -> None:
    event = Event(
        first_timestamp=T0,
        last_timestamp=T0,
        event_time=datetime.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=datetime.UTC),
    )
    wire = to_wire(event)
    assert wire["firstTimestamp"] == "2024-05-01T10:00:00Z"
    assert wire["eventTime"] == "2024-05-01T10:00:00.123456Z"
    assert wire["reportingComponent"] == ""


def test_maps_are_written_with_sorted_keys() -> None:
    meta = ObjectMeta(name="p", labels={"tier": "web", "app": "x", "Zone": "a"})
    assert _dumps(to_wire(meta)) == _dumps(
        {"name": "p", "labels": {"Zone": "a", "app": "x", "tier": "web"}}
    )


def test_lists_hold_model_objects_or_raw_dicts() -> None:
    listed = List(items=(ObjectMeta(name="a"), {"kind": "Pod"}))
    assert to_wire(listed) == {
        "kind": "List",
        "apiVersion": "v1",
        "metadata": {},
        "items": [{"name": "a"}, {"kind": "Pod"}],
    }


def test_a_value_the_wire_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot write set to the wire"):
        to_wire({"a": {1, 2}})


# --- reading and round trips ---------------------------------------------------------------

# A running pod as `kubectl get pod -o json` prints it (managedFields left out).
_RUNNING_POD: dict[str, Any] = {
    "kind": "Pod",
    "apiVersion": "v1",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "0b7a2c62-5b0e-4c8e-9a0e-3f3f0f0c1a2b",
        "resourceVersion": "1234",
        "generation": 1,
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "labels": {"app": "web"},
    },
    "spec": {
        "volumes": [{"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}}],
        "containers": [
            {
                "name": "app",
                "image": "nginx:1.27",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "resources": {
                    "limits": {"cpu": "500m", "memory": "128Mi"},
                    "requests": {"cpu": "250m", "memory": "64Mi"},
                },
                "volumeMounts": [{"name": "cfg", "readOnly": True, "mountPath": "/etc/cfg"}],
                "readinessProbe": {
                    "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                    "timeoutSeconds": 1,
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }
        ],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "nodeName": "node-1",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "enableServiceLinks": True,
    },
    "status": {
        "observedGeneration": 1,
        "phase": "Running",
        "conditions": [
            {
                "type": "Ready",
                "observedGeneration": 1,
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": "2024-05-01T10:00:05Z",
            }
        ],
        "hostIP": "192.168.1.10",
        "hostIPs": [{"ip": "192.168.1.10"}],
        "podIP": "10.244.0.7",
        "podIPs": [{"ip": "10.244.0.7"}],
        "startTime": "2024-05-01T10:00:00Z",
        "containerStatuses": [
            {
                "name": "app",
                "state": {"running": {"startedAt": "2024-05-01T10:00:02Z"}},
                "lastState": {
                    "terminated": {
                        "exitCode": 137,
                        "reason": "OOMKilled",
                        "startedAt": "2024-05-01T10:00:01Z",
                        "finishedAt": "2024-05-01T10:00:02Z",
                        "containerID": "containerd://1111",
                    }
                },
                "ready": True,
                "restartCount": 1,
                "image": "docker.io/library/nginx:1.27",
                "imageID": "docker.io/library/nginx@sha256:" + "b" * 64,
                "containerID": "containerd://2222",
                "started": True,
            }
        ],
        "qosClass": "Burstable",
    },
}


def test_a_pod_from_the_apiserver_reads_and_writes_back_unchanged() -> None:
    pod = from_wire(_RUNNING_POD, Pod)
    assert pod.status.container_statuses[0].state.running == ContainerStateRunning(
        started_at=datetime.datetime(2024, 5, 1, 10, 0, 2, tzinfo=datetime.UTC)
    )
    assert _dumps(to_wire(pod)) == _dumps(_RUNNING_POD)


def test_model_objects_survive_a_round_trip() -> None:
    status = PodStatus(
        phase="Succeeded",
        conditions=(PodCondition(type="Initialized", status="True", last_transition_time=T0),),
        container_statuses=(
            ContainerStatus(
                name="job",
                state=ContainerState(
                    terminated=ContainerStateTerminated(
                        exit_code=0, reason="Completed", started_at=T0, finished_at=T0
                    )
                ),
                restart_count=0,
                started=False,
            ),
        ),
    )
    pod = Pod(
        metadata=ObjectMeta(name="job", labels={"b": "2", "a": "1"}, creation_timestamp=T0),
        spec=PodSpec(
            containers=(Container(name="job", ports=(ContainerPort(container_port=0),)),),
            termination_grace_period_seconds=0,
        ),
        status=status,
    )
    assert from_wire(to_wire(pod), Pod) == pod


def test_null_members_read_as_unset() -> None:
    condition = from_wire(
        {"type": "Ready", "status": "False", "lastProbeTime": None, "lastTransitionTime": None},
        PodCondition,
    )
    assert condition == PodCondition(type="Ready", status="False")


def test_unknown_members_are_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `colour`"):
        from_wire({"name": "app", "colour": "red"}, Container)


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(
            Pod(
                metadata=ObjectMeta(name="web", namespace="default", labels={"b": "2", "a": "1"}),
                spec=PodSpec(containers=(Container(name="app", image="busybox"),)),
            ),
            id="pod",
        ),
        pytest.param(List(), id="list-without-items"),
    ],
)
def test_json_is_the_wire_form_and_list_items_drop_type_meta(obj: Any) -> None:
    expected = to_wire(obj)
    assert json.loads(to_json(obj)) == expected
    remember_json(obj, to_json(obj))
    assert to_json(obj) is to_json(obj)  # kept: the second call encodes nothing
    forget_json(obj)
    item = dict(expected)
    item.pop("kind", None)
    item.pop("apiVersion", None)
    assert json.loads(to_json(obj, type_meta=False)) == item


def test_remembered_json_is_what_to_json_answers_for_that_very_object() -> None:
    pod = Pod(metadata=ObjectMeta(name="web"), spec=PodSpec(containers=()))
    same = Pod(metadata=ObjectMeta(name="web"), spec=PodSpec(containers=()))
    remember_json(pod, b'{"kind":"Pod","apiVersion":"v1","metadata":{"name":"stored"}}')
    assert to_json(pod, type_meta=False) == b'{"metadata":{"name":"stored"}}'
    assert json.loads(to_json(same))["metadata"] == {"name": "web"}  # an equal object: its own
    assert metadata_json(pod) is metadata_json(pod)  # kept with the remembered object
    forget_json(pod)
    assert json.loads(to_json(pod))["metadata"] == {"name": "web"}  # forgotten: encoded anew


def test_derived_values_are_kept_exactly_while_the_json_is() -> None:
    pod = Pod(metadata=ObjectMeta(name="web"), spec=PodSpec(containers=()))
    calls: list[str] = []

    def name_of(value: Pod) -> str:
        calls.append(value.metadata.name)
        return value.metadata.name

    assert kept_with(pod, name_of) == "web"  # not remembered: derived every time
    assert kept_with(pod, name_of) == "web"
    assert len(calls) == 2
    remember_json(pod, to_json(pod))
    assert (kept_with(pod, name_of), kept_with(pod, name_of)) == ("web", "web")
    assert len(calls) == 3  # once while remembered
    item = to_json(pod, type_meta=False)
    assert to_json(pod, type_meta=False) is item  # the list item form is kept too
    assert json.loads(item) == {
        "metadata": {"name": "web"},
        "spec": {"containers": []},
        "status": {},
    }
    forget_json(pod)
    assert kept_with(pod, name_of) == "web"
    assert len(calls) == 4  # forgotten with the JSON
