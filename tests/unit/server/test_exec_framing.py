"""The pure parts of `pods/exec`: channel protocols, frames, resize stream, statuses, checks."""

from __future__ import annotations

import json

import pytest
from multidict import MultiDict

from tinykube.api import decoding
from tinykube.api.pod import Pod
from tinykube.server import errors
from tinykube.server import exec as pod_exec


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        pytest.param(["v5.channel.k8s.io"], "v5.channel.k8s.io", id="kubectl-1.32"),
        pytest.param(
            ["v4.channel.k8s.io", "v5.channel.k8s.io"], "v4.channel.k8s.io", id="client-order"
        ),
        pytest.param(["x.k8s.io", "v4.base64.channel.k8s.io"], "v4.base64.channel.k8s.io"),
        pytest.param([], "", id="none-offered-bare-channel-protocol"),
    ],
)
def test_negotiation_picks_the_first_offered_protocol_served(offered, expected):
    protocol = pod_exec.negotiate(offered)
    assert protocol is not None
    assert protocol.name == expected


def test_no_served_protocol_is_refused():
    assert pod_exec.negotiate(["v6.channel.k8s.io", "SPDY/3.1"]) is None


def test_offered_protocols_split_headers_and_commas():
    headers = ["v5.channel.k8s.io, v4.channel.k8s.io", " channel.k8s.io"]
    assert pod_exec.offered_protocols(headers) == [
        "v5.channel.k8s.io",
        "v4.channel.k8s.io",
        "channel.k8s.io",
    ]


def test_binary_frames_carry_the_channel_byte():
    assert pod_exec.encode_frame(pod_exec.V5, 1, b"hi\n") == b"\x01hi\n"
    assert pod_exec.decode_frame(pod_exec.V5, b"\x00data") == pod_exec.Data(0, b"data")
    assert pod_exec.decode_frame(pod_exec.V5, b"") is None


def test_base64_frames_carry_a_channel_digit():
    assert pod_exec.encode_frame(pod_exec.V4_BASE64, 2, b"err") == "2ZXJy"
    assert pod_exec.decode_frame(pod_exec.V4_BASE64, "0Zm9vCg==") == pod_exec.Data(0, b"foo\n")
    with pytest.raises(pod_exec.FrameError, match="invalid base64"):
        pod_exec.decode_frame(pod_exec.V4_BASE64, "0!!")


def test_v5_close_signal_half_closes_a_channel():
    assert pod_exec.decode_frame(pod_exec.V5, b"\xff\x00") == pod_exec.Close(0)
    with pytest.raises(pod_exec.FrameError, match="one channel byte"):
        pod_exec.decode_frame(pod_exec.V5, b"\xff\x00\x01")


def test_before_v5_channel_255_is_only_data():
    assert pod_exec.decode_frame(pod_exec.V4, b"\xff\x00") == pod_exec.Data(255, b"\x00")


def test_resize_objects_may_span_and_share_frames():
    decoder = pod_exec.ResizeDecoder()
    assert decoder.feed(b'{"Width":80,') == []
    assert decoder.feed(b'"Height":24}{"width":100,"height":40}') == [(80, 24), (100, 40)]
    assert decoder.feed(b"  ") == []


def test_a_garbled_resize_stream_is_an_error():
    with pytest.raises(pod_exec.FrameError, match="invalid terminal size"):
        pod_exec.ResizeDecoder().feed(b"{]}")


def test_exit_code_status_is_what_kubectl_turns_into_its_exit_code():
    status = pod_exec.exit_code_status(("sh", "-c", "exit 3"), 3)
    assert status == {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: "
        "error executing command [sh -c exit 3], exit code 3",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
    }


def test_error_channel_carries_a_status_from_v4_and_only_failures_before():
    success = pod_exec.success_status()
    failure = pod_exec.internal_error_status(
        'unable to upgrade connection: container not found ("a")'
    )
    assert json.loads(pod_exec.error_channel_payload(pod_exec.V5, success) or b"") == success
    assert json.loads(pod_exec.error_channel_payload(pod_exec.V4, failure) or b"") == failure
    assert pod_exec.error_channel_payload(pod_exec.V1, success) is None
    assert pod_exec.error_channel_payload(pod_exec.V1, failure) == (
        b'Internal error occurred: unable to upgrade connection: container not found ("a")'
    )


def _query(**values: str | list[str]) -> MultiDict[str]:
    query: MultiDict[str] = MultiDict()
    for key, value in values.items():
        for item in [value] if isinstance(value, str) else value:
            query.add(key, item)
    return query


def test_options_follow_the_query():
    options = pod_exec.parse_options(
        _query(
            command=["sh", "-c", "id"],
            container="app",
            stdin="true",
            stdout="1",
            tty="true",
            stderr="true",
        )
    )
    assert options == pod_exec.ExecOptions(
        command=("sh", "-c", "id"),
        container="app",
        stdin=True,
        stdout=True,
        stderr=False,  # a terminal has no separate stderr
        tty=True,
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_query(command="ls"), "you must specify at least 1 of stdin, stdout, stderr"),
        (_query(stdout="true"), "you must specify at least one command for the container"),
        (_query(command="ls", stdout="yes"), 'strconv.ParseBool: parsing "yes": invalid syntax'),
    ],
)
def test_bad_options_are_400s(query, message):
    with pytest.raises(errors.ApiError) as caught:
        pod_exec.parse_options(query)
    assert (caught.value.code, caught.value.message) == (400, message)


def _pod(status: dict | None = None, annotations: dict | None = None) -> Pod:
    raw = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "annotations": annotations or {}},
        "spec": {
            "nodeName": "node",
            "initContainers": [{"name": "setup", "image": "busybox"}],
            "containers": [{"name": "app", "image": "busybox"}, {"name": "log", "image": "b"}],
        },
        "status": status or {},
    }
    pod = decoding.decode(raw)
    assert isinstance(pod, Pod)
    return pod


def test_container_choice_follows_the_apiserver():
    pod = _pod()
    assert pod_exec.choose_container(pod, "setup") == "setup"  # init containers are valid
    with pytest.raises(errors.ApiError) as invalid:
        pod_exec.choose_container(pod, "nope")
    assert invalid.value.message == "container nope is not valid for pod web"
    with pytest.raises(errors.ApiError) as ambiguous:
        pod_exec.choose_container(pod, "")
    assert ambiguous.value.message == (
        "a container name must be specified for pod web, choose one of: [setup app log]"
    )


def test_only_a_running_container_has_an_id_to_exec_into():
    pod = _pod(
        status={
            "initContainerStatuses": [
                {
                    "name": "setup",
                    "image": "busybox",
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "containerID": "tinykube://abc123",
                    "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
                }
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "image": "busybox",
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "PodInitializing"}},
                }
            ],
        }
    )
    assert pod_exec.running_container_id(pod, "setup") == "abc123"
    assert pod_exec.running_container_id(pod, "app") is None
    assert pod_exec.running_container_id(pod, "log") is None
