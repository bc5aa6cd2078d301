"""The client commands' pure parts: apply's patch and annotation, kubectl's error lines, Go
durations, wait conditions, the logs container choice, and finding the server."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tinykube import bootstrap
from tinykube.cli import (
    client_apply,
    client_common,
    client_http,
    client_logs,
    client_patch,
    client_wait,
    main,
)

MANIFEST: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {
                "name": "main",
                "image": "busybox",
                "command": ["sh", "-c", "echo a > /x && sleep 1"],
                "ports": [{"containerPort": 80}],
            }
        ]
    },
}
# what kubectl 1.32 wrote as last-applied-configuration for MANIFEST (sorted keys, `\u003e`)
KUBECTL_ANNOTATION = (
    '{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels":{"app":"web"},'
    '"name":"web","namespace":"default"},"spec":{"containers":[{"command":["sh","-c",'
    '"echo a \\u003e /x \\u0026\\u0026 sleep 1"],"image":"busybox","name":"main","ports":'
    '[{"containerPort":80}]}]}}\n'
)


def _live(manifest: dict[str, Any]) -> dict[str, Any]:
    """The object as the server keeps it: the annotation, server fields and defaults."""
    live: dict[str, Any] = json.loads(json.dumps(client_apply.with_last_applied(manifest)))
    live["metadata"].update(uid="u1", resourceVersion="7", creationTimestamp="2026-01-01T00:00:00Z")
    container = live["spec"]["containers"][0]
    container.update(imagePullPolicy="Always", terminationMessagePath="/dev/termination-log")
    container["ports"][0]["protocol"] = "TCP"
    live["spec"]["restartPolicy"] = "Always"
    live["status"] = {"phase": "Running"}
    return live


def _original(live: dict[str, Any]) -> dict[str, Any]:
    original: dict[str, Any] = json.loads(
        live["metadata"]["annotations"][client_apply.LAST_APPLIED]
    )
    return original


def test_last_applied_annotation_is_the_one_kubectl_writes() -> None:
    applied = client_apply.with_last_applied(MANIFEST)
    assert applied["metadata"]["annotations"] == {client_apply.LAST_APPLIED: KUBECTL_ANNOTATION}
    assert "annotations" not in MANIFEST["metadata"]  # the input is left alone


def test_reapplying_the_same_manifest_changes_nothing() -> None:
    live = _live(MANIFEST)
    modified = client_apply.with_last_applied(MANIFEST)
    assert client_patch.three_way_patch(_original(live), modified, live) == {}


def test_a_changed_label_and_image_are_patched_with_the_container_order() -> None:
    live = _live(MANIFEST)
    changed = json.loads(json.dumps(MANIFEST))
    changed["metadata"]["labels"]["tier"] = "front"
    changed["spec"]["containers"][0]["image"] = "busybox:2"
    modified = client_apply.with_last_applied(changed)
    patch = client_patch.three_way_patch(_original(live), modified, live)
    assert patch["metadata"]["labels"] == {"tier": "front"}
    assert patch["spec"] == {
        "$setElementOrder/containers": [{"name": "main"}],
        "containers": [{"name": "main", "image": "busybox:2"}],
    }


def test_what_the_last_manifest_had_and_this_one_drops_is_deleted() -> None:
    with_sidecar = json.loads(json.dumps(MANIFEST))
    with_sidecar["spec"]["containers"].append({"name": "side", "image": "busybox"})
    live = _live(with_sidecar)
    without = json.loads(json.dumps(MANIFEST))
    del without["metadata"]["labels"]
    patch = client_patch.three_way_patch(
        _original(live), client_apply.with_last_applied(without), live
    )
    assert patch["metadata"]["labels"] is None
    assert {"name": "side", "$patch": "delete"} in patch["spec"]["containers"]
    assert patch["spec"]["$setElementOrder/containers"] == [{"name": "main"}]


def test_fields_only_the_server_set_are_left_alone_without_an_annotation() -> None:
    live = _live(MANIFEST)
    del live["metadata"]["annotations"]
    patch = client_patch.three_way_patch(None, client_apply.with_last_applied(MANIFEST), live)
    assert list(patch) == ["metadata"]  # only the annotation is added


def test_go_json_escapes_like_go() -> None:
    assert client_patch.go_json({"b": "<&>", "a": 1}) == '{"a":1,"b":"\\u003c\\u0026\\u003e"}'


def _status(reason: str, message: str, **details: Any) -> client_http.ApiStatusError:
    body = {"kind": "Status", "reason": reason, "message": message, "code": 422}
    if details:
        body["details"] = details
    return client_http.ApiStatusError(body, 422)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        pytest.param(
            _status("NotFound", 'pods "x" not found'),
            'Error from server (NotFound): pods "x" not found',
            id="status",
        ),
        pytest.param(
            _status(
                "Invalid",
                "ignored",
                kind="Pod",
                name="bad",
                causes=[{"field": "spec.containers[0].image", "message": "Required value"}],
            ),
            'The Pod "bad" is invalid: spec.containers[0].image: Required value',
            id="invalid-one-cause",
        ),
        pytest.param(
            _status(
                "Invalid",
                "ignored",
                kind="Pod",
                name="bad",
                causes=[
                    {"field": "spec.a", "message": "Required value"},
                    {"field": "spec.b", "message": "Invalid value"},
                ],
            ),
            'The Pod "bad" is invalid: \n* spec.a: Required value\n* spec.b: Invalid value',
            id="invalid-causes",
        ),
        pytest.param(client_http.ClientError("boom"), "error: boom", id="plain"),
    ],
)
def test_error_text_is_kubectls(error: Exception, text: str) -> None:
    assert client_common.error_text(error) == text


def test_an_invalid_error_among_several_is_printed_plainly() -> None:
    error = _status("Invalid", 'Pod "a" is invalid: x', kind="Pod", name="a", causes=[{}])
    text = client_common.error_text(error, aggregated=True)
    assert text == 'Error from server (Invalid): Pod "a" is invalid: x'


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("1m30s", 90.0), ("1h", 3600.0), ("500ms", 0.5), ("0", 0.0), ("-1", -1.0)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert client_common.parse_duration(text, flag="--timeout") == seconds


def test_a_bad_duration_names_the_flag() -> None:
    with pytest.raises(client_http.ClientError, match='"--timeout" flag: time: invalid duration'):
        client_common.parse_duration("soon", flag="--timeout")


POD = {
    "metadata": {"name": "web", "namespace": "default", "annotations": {}},
    "spec": {
        "initContainers": [{"name": "setup"}],
        "containers": [{"name": "main"}, {"name": "side"}],
    },
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "main", "ready": True}, {"name": "side", "ready": False}],
    },
}


@pytest.mark.parametrize(
    ("condition", "met"),
    [
        ("condition=Ready", True),
        ("condition=ready=TRUE", True),
        ("condition=Ready=false", False),
        ("condition=Initialized", False),
        ("jsonpath={.status.phase}=Running", True),
        ("jsonpath={.status.phase}=Pending", False),
        ("jsonpath={.status.phase}", True),
        ("jsonpath={.status.podIP}", False),
        ('jsonpath={.status.containerStatuses[?(@.name=="side")].ready}=false', True),
        ("jsonpath={.spec.containers[1].name}=side", True),
    ],
)
def test_wait_conditions(condition: str, met: bool) -> None:
    assert client_wait.parse_condition(condition).check(POD) is met


def test_an_unknown_condition_is_refused_as_kubectl_does() -> None:
    with pytest.raises(client_http.ClientError, match='unrecognized condition: "foo"'):
        client_wait.parse_condition("foo")


def test_logs_default_to_the_first_container_and_say_so() -> None:
    assert client_logs.choose_container(POD, "") == (
        "main",
        'Defaulted container "main" out of: main, side, setup (init)\n',
    )


def test_logs_follow_the_default_container_annotation() -> None:
    pod = json.loads(json.dumps(POD))
    pod["metadata"]["annotations"][client_logs.DEFAULT_CONTAINER_ANNOTATION] = "side"
    assert client_logs.choose_container(pod, "") == ("side", "")


def test_logs_refuse_an_unknown_container() -> None:
    with pytest.raises(client_http.ClientError, match="container nope is not valid for pod web"):
        client_logs.choose_container(POD, "nope")


def test_the_socket_is_where_the_daemon_listens(tmp_path: Path) -> None:
    assert tmp_path / client_http.SOCKET_NAME == bootstrap.socket_path(tmp_path)


def _kubeconfig(tmp_path: Path, cluster: dict[str, Any], user: dict[str, Any]) -> Path:
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "ns1"}}],
        "current-context": "x",
    }
    path.write_text(json.dumps(config))
    return path


def test_kubeconfig_gives_server_token_ca_and_namespace(tmp_path: Path) -> None:
    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n").decode()
    path = _kubeconfig(
        tmp_path,
        {"server": "https://127.0.0.1:6443/", "certificate-authority-data": ca},
        {"token": "secret"},
    )
    endpoint = client_http.endpoint_from_kubeconfig(path)
    assert (endpoint.scheme, endpoint.host, endpoint.port) == ("https", "127.0.0.1", 6443)
    assert endpoint.token == "secret"
    assert endpoint.ca_data == b"-----BEGIN CERTIFICATE-----\n"
    assert endpoint.namespace == "ns1"
    assert not endpoint.insecure


def test_kubeconfig_client_certificates_are_not_supported(tmp_path: Path) -> None:
    path = _kubeconfig(
        tmp_path,
        {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True},
        {"client-certificate-data": "eA=="},
    )
    with pytest.raises(client_http.ClientError, match="not supported: kubeconfig user"):
        client_http.endpoint_from_kubeconfig(path)


def test_no_daemon_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["get", "pods", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: cannot reach the tinykube daemon at unix://{tmp_path}/tinykube.sock: "
        'no such file — start it with "tinykube serve"\n'
    )


def test_no_server_behind_the_kubeconfig_is_kubectls_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _kubeconfig(tmp_path, {"server": "http://127.0.0.1:9"}, {})
    assert main.main(["describe", "pod", "x", "--kubeconfig", str(path)]) == 1
    assert capsys.readouterr().err == (
        "The connection to the server 127.0.0.1:9 was refused - did you specify the right "
        "host or port?\n"
    )
