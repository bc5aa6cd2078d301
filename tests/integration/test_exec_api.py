"""`pods/exec` over a real WebSocket on loopback, with the FakeRuntime behind it.

Covers what kubectl 1.32 never sends (the v4 and base64 protocols, a refused subprotocol, a
request without upgrade, SPDY) and what is hard to observe from kubectl: resizes reaching the
command, and the command being killed when the client goes away.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import test_utils

from tinykube.api import admission, decoding
from tinykube.api.pod import Pod
from tinykube.core.ids import PodUID
from tinykube.runtime import contract
from tinykube.runtime.fake import FakeExecSession, FakeRuntime
from tinykube.server import app as server_app
from tinykube.server import exec as server_exec
from tinykube.store.memory import MemoryStore

DEADLINE = 10.0
EXEC = "/api/v1/namespaces/default/pods/web/exec"


@dataclass
class Cluster:
    client: test_utils.TestClient
    runtime: FakeRuntime
    sessions: list[FakeExecSession]


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    runtime = FakeRuntime()
    raw = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "nodeName": "node",
            "initContainers": [{"name": "setup", "image": "busybox", "command": ["true"]}],
            "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "1d"]}],
        },
    }
    identity = contract.PodIdentity(uid=PodUID("web-uid"), name="web", namespace="default")
    sandbox = await runtime.run_pod_sandbox(
        contract.SandboxConfig(
            pod=identity,
            attempt=0,
            hostname="web",
            log_directory="/nonexistent",
        )
    )
    app_id = await runtime.create_container(
        sandbox,
        contract.ContainerConfig(
            pod=identity,
            name="app",
            attempt=0,
            spec_hash="h",
            image="busybox",
            command=("sleep", "86400"),
        ),
    )
    await runtime.start_container(app_id)
    store = MemoryStore()
    store.create(admission.admit(raw).obj)
    running = {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    status = {
        "phase": "Running",
        "initContainerStatuses": [_status("setup", {"terminated": {"exitCode": 0}})],
        "containerStatuses": [_status("app", running, f"fake://{app_id}")],
    }
    with_status = decoding.decode({**raw, "status": status})
    assert isinstance(with_status, Pod)
    store.update_status("Pod", "default", "web", with_status.status)
    sessions: list[FakeExecSession] = []
    original = runtime.exec_stream

    async def recording(*args, **kwargs):
        session = await original(*args, **kwargs)
        assert isinstance(session, FakeExecSession)
        sessions.append(session)
        return session

    runtime.exec_stream = recording  # type: ignore[method-assign]
    app = server_app.build_app(store, exec_runtime=runtime)
    async with test_utils.TestClient(test_utils.TestServer(app)) as client:
        yield Cluster(client=client, runtime=runtime, sessions=sessions)
    await runtime.close()


def _status(name: str, state: dict, container_id: str = "") -> dict:
    entry = {"name": name, "image": "busybox", "imageID": "", "ready": False, "restartCount": 0}
    entry["state"] = state
    if container_id:
        entry["containerID"] = container_id
    return entry


async def _frames(socket: aiohttp.ClientWebSocketResponse) -> list[tuple[int, bytes]]:
    """Every data frame until the server closes, as (channel, payload)."""
    frames = []
    async with asyncio.timeout(DEADLINE):
        async for message in socket:
            if message.type is aiohttp.WSMsgType.BINARY:
                frames.append((message.data[0], message.data[1:]))
            elif message.type is aiohttp.WSMsgType.TEXT:
                frames.append((ord(message.data[0]) - 48, base64.b64decode(message.data[1:])))
    return frames


def _query(*command: str, **flags: str) -> str:
    parts = [f"command={word}" for word in command]
    parts += [f"{key}={value}" for key, value in flags.items()]
    return EXEC + "?" + "&".join(parts)


async def test_v4_binary_exec_reports_a_status_object(cluster: Cluster):
    url = _query(
        "sh", "-c", "echo%20out;%20echo%20err%20%3E%262;%20exit%205", stdout="true", stderr="true"
    )
    async with cluster.client.ws_connect(url, protocols=("v4.channel.k8s.io",)) as socket:
        assert socket.protocol == "v4.channel.k8s.io"
        frames = await _frames(socket)
    assert frames[0] == (1, b"")  # the empty hello on the lowest writable channel
    assert (1, b"out\n") in frames
    assert (2, b"err\n") in frames
    channel, payload = frames[-1]
    assert channel == 3
    assert json.loads(payload)["details"]["causes"] == [{"reason": "ExitCode", "message": "5"}]


async def test_base64_protocol_and_stdin(cluster: Cluster):
    url = _query("cat", stdin="true", stdout="true")
    async with cluster.client.ws_connect(url, protocols=("v4.base64.channel.k8s.io",)) as socket:
        await socket.send_str("0" + base64.b64encode(b"typed\n").decode())
        await socket.send_bytes(b"\xff\x00")  # no close signal before v5: ignored as data
        async with asyncio.timeout(DEADLINE):
            message = await socket.receive()
            while message.data[1:] == "":  # the empty hello
                message = await socket.receive()
        assert message.data == "1" + base64.b64encode(b"typed\n").decode()


async def test_v5_close_signal_ends_stdin_and_success_is_reported(cluster: Cluster):
    url = _query("cat", stdin="true", stdout="true")
    async with cluster.client.ws_connect(url, protocols=("v5.channel.k8s.io",)) as socket:
        await socket.send_bytes(b"\x00abc")
        await socket.send_bytes(b"\xff\x00")
        frames = await _frames(socket)
    assert (1, b"abc") in frames
    assert frames[-1] == (3, b'{"metadata":{},"status":"Success"}')


async def test_resizes_reach_a_tty_command(cluster: Cluster):
    url = _query("cat", stdin="true", stdout="true", tty="true")
    async with cluster.client.ws_connect(url, protocols=("v5.channel.k8s.io",)) as socket:
        await socket.send_bytes(b'\x04{"Width":100,"Height":40}')
        await socket.send_bytes(b'\x04{"Width":120,')
        await socket.send_bytes(b'\x04"Height":50}')
        await socket.send_bytes(b"\xff\x00")
        await _frames(socket)
    assert cluster.sessions[0].sizes == [(100, 40), (120, 50)]


async def test_under_a_tty_nothing_is_sent_before_the_clients_first_frame(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
):
    # kubectl 1.32 drops (and logs) frames that arrive before it has made its streams; its
    # first frame, the terminal's size, comes after them.
    monkeypatch.setattr(server_exec, "FIRST_SIZE_SECONDS", DEADLINE)
    url = _query("cat", stdin="true", stdout="true", tty="true")
    async with cluster.client.ws_connect(url, protocols=("v5.channel.k8s.io",)) as socket:
        with pytest.raises(TimeoutError):
            await socket.receive(timeout=0.3)
        assert cluster.sessions == []
        await socket.send_bytes(b'\x04{"Width":100,"Height":40}')
        await socket.send_bytes(b"\x00typed")
        await socket.send_bytes(b"\xff\x00")
        frames = await _frames(socket)
    assert frames[:2] == [(1, b""), (1, b"typed")]  # the empty hello, once the command runs
    assert frames[-1] == (3, b'{"metadata":{},"status":"Success"}')
    assert cluster.sessions[0].sizes == [(100, 40)]


async def test_a_client_going_away_kills_the_command(cluster: Cluster):
    url = _query("sleep", "3600", stdout="true")
    async with cluster.client.ws_connect(url, protocols=("v5.channel.k8s.io",)) as socket:
        async with asyncio.timeout(DEADLINE):
            await socket.receive()  # the hello: the command runs
    async with asyncio.timeout(DEADLINE):
        assert await cluster.sessions[0].wait() == 137


async def test_a_stopped_container_is_not_found_under_v4_before_the_upgrade(cluster: Cluster):
    url = _query("true", stdout="true", container="setup")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await cluster.client.ws_connect(url, protocols=("v4.channel.k8s.io",))
    assert refused.value.status == 500
    response = await cluster.client.get(url, headers=_upgrade("v4.channel.k8s.io"))
    assert await response.text() == 'container not found ("setup")'


async def test_a_stopped_container_is_an_internal_error_under_v5(cluster: Cluster):
    url = _query("true", stdout="true", container="setup")
    async with cluster.client.ws_connect(url, protocols=("v5.channel.k8s.io",)) as socket:
        frames = await _frames(socket)
    status = json.loads(frames[-1][1])
    assert status["reason"] == "InternalError"
    assert status["message"] == (
        'Internal error occurred: unable to upgrade connection: container not found ("setup")'
    )


def _upgrade(protocol: str) -> dict[str, str]:
    return {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": protocol,
    }


async def test_requests_refused_before_any_upgrade(cluster: Cluster):
    client = cluster.client
    plain = await client.post(_query("true", stdout="true"))
    assert plain.status == 400
    assert (await plain.json())["message"] == "Upgrade request required"

    spdy = await client.post(
        _query("true", stdout="true"), headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}
    )
    assert spdy.status == 400
    assert (await spdy.json())["message"].startswith("not supported: SPDY streaming")

    unknown = await client.get(_query("true", stdout="true"), headers=_upgrade("v9.channel.k8s.io"))
    assert unknown.status == 403

    missing = await client.get(
        "/api/v1/namespaces/default/pods/nope/exec?command=true&stdout=true",
        headers=_upgrade("v5.channel.k8s.io"),
    )
    assert (missing.status, (await missing.json())["message"]) == (404, 'pods "nope" not found')
