"""The API server through the official `kubernetes` Python client (CoreV1Api) over real HTTP.

Expectations are the apiserver's: status codes and reasons of `ApiException`, the Status
message and causes, list metadata, Table output and watch events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.integration.conftest import RunningServer
from tinykube.server import app as server_app
from tinykube.store.memory import MemoryStore

Core = Any  # CoreV1Api; its stubs refuse the dict bodies the client accepts
WATCH_DEADLINE = 30  # seconds; the tests end each watch long before


@pytest.fixture
def core(api_server: RunningServer) -> Iterator[Core]:
    config = client.Configuration(host=api_server.url)
    config.ssl_ca_cert = str(api_server.ca_file)
    config.api_key = {"authorization": api_server.token}
    config.api_key_prefix = {"authorization": "Bearer"}
    with client.ApiClient(config) as api:
        yield client.CoreV1Api(api)


def _pod(
    name: str, *, image: str = "busybox", labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }


def _read_events(response: Any, count: int) -> list[dict[str, Any]]:
    """The first `count` events of a watch stream, then hang up (the server ends the watch)."""
    events = []
    try:
        for line in response:
            events.append(json.loads(line))
            if len(events) == count:
                break
    finally:
        response.close()
    return events


def _error(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body or "")
    return body


def test_create_read_list_delete_pod(core: Core) -> None:
    created = core.create_namespaced_pod("default", _pod("web"))
    assert created.metadata.namespace == "default"
    assert created.metadata.uid
    assert created.spec.containers[0].image_pull_policy == "Always"  # defaulted by admission
    read = core.read_namespaced_pod("web", "default")
    assert read.metadata.resource_version == created.metadata.resource_version
    listed = core.list_namespaced_pod("default")
    assert [p.metadata.name for p in listed.items] == ["web"]
    assert listed.metadata.resource_version
    deleted = core.delete_namespaced_pod("web", "default")
    assert deleted.metadata.name == "web"
    assert core.list_namespaced_pod("default").items == []


@pytest.mark.parametrize(
    ("call", "status", "reason", "message"),
    [
        pytest.param(
            lambda api: api.read_namespaced_pod("nope", "default"),
            404,
            "NotFound",
            'pods "nope" not found',
            id="read-missing",
        ),
        pytest.param(
            lambda api: api.delete_namespaced_pod("nope", "default"),
            404,
            "NotFound",
            'pods "nope" not found',
            id="delete-missing",
        ),
        pytest.param(
            lambda api: api.create_namespaced_pod("nowhere", _pod("x")),
            404,
            "NotFound",
            'namespaces "nowhere" not found',
            id="create-in-missing-namespace",
        ),
        pytest.param(
            lambda api: api.read_namespaced_config_map("cm", "default"),
            404,
            "NotFound",
            'configmaps "cm" not found',
            id="read-missing-configmap",
        ),
    ],
)
def test_errors_are_statuses(core: Core, call: Any, status: int, reason: str, message: str) -> None:
    with pytest.raises(ApiException) as info:
        call(core)
    assert (info.value.status, info.value.reason) == (
        status,
        reason.replace("NotFound", "Not Found"),
    )
    body = _error(info.value)
    assert body["kind"] == "Status"
    assert (body["code"], body["reason"], body["message"]) == (status, reason, message)


def test_create_existing_pod_is_409_already_exists(core: Core) -> None:
    core.create_namespaced_pod("default", _pod("web"))
    with pytest.raises(ApiException) as info:
        core.create_namespaced_pod("default", _pod("web"))
    assert info.value.status == 409
    body = _error(info.value)
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'pods "web" already exists'
    assert body["details"] == {"name": "web", "kind": "pods"}


def test_invalid_pod_is_422_with_causes(core: Core) -> None:
    with pytest.raises(ApiException) as info:
        core.create_namespaced_pod("default", _pod("bad", image=""))
    assert info.value.status == 422
    body = _error(info.value)
    assert body["reason"] == "Invalid"
    assert body["message"] == 'Pod "bad" is invalid: spec.containers[0].image: Required value'
    assert body["details"] == {
        "name": "bad",
        "kind": "Pod",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value",
                "field": "spec.containers[0].image",
            }
        ],
    }


def test_update_with_stale_resource_version_is_409_conflict(core: Core) -> None:
    created = core.create_namespaced_config_map(
        "default", {"metadata": {"name": "cm"}, "data": {"a": "1"}}
    )
    stale = created.metadata.resource_version
    updated = core.replace_namespaced_config_map(
        "cm", "default", {"metadata": {"name": "cm", "resourceVersion": stale}, "data": {"a": "2"}}
    )
    assert updated.data == {"a": "2"}
    with pytest.raises(ApiException) as info:
        core.replace_namespaced_config_map(
            "cm",
            "default",
            {"metadata": {"name": "cm", "resourceVersion": stale}, "data": {"a": "3"}},
        )
    assert info.value.status == 409
    assert _error(info.value)["message"] == (
        'Operation cannot be fulfilled on configmaps "cm": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_generate_name(core: Core) -> None:
    pod = _pod("")
    pod["metadata"] = {"generateName": "web-"}
    created = core.create_namespaced_pod("default", pod)
    assert created.metadata.name.startswith("web-")
    assert len(created.metadata.name) == len("web-") + 5


def test_list_selectors_and_pages(core: Core) -> None:
    for name, app in [("a", "web"), ("b", "db"), ("c", "web")]:
        core.create_namespaced_pod("default", _pod(name, labels={"app": app}))
    selected = core.list_namespaced_pod("default", label_selector="app=web")
    assert [p.metadata.name for p in selected.items] == ["a", "c"]
    by_name = core.list_namespaced_pod("default", field_selector="metadata.name=b")
    assert [p.metadata.name for p in by_name.items] == ["b"]
    first = core.list_namespaced_pod("default", limit=2)
    assert [p.metadata.name for p in first.items] == ["a", "b"]
    assert first.metadata.remaining_item_count == 1
    rest = core.list_namespaced_pod("default", limit=2, _continue=first.metadata._continue)
    assert [p.metadata.name for p in rest.items] == ["c"]
    assert rest.metadata._continue is None


def test_status_subresource(core: Core) -> None:
    created = core.create_namespaced_pod("default", _pod("web"))
    created.status.phase = "Running"
    written = core.replace_namespaced_pod_status("web", "default", created)
    assert written.status.phase == "Running"
    assert core.read_namespaced_pod_status("web", "default").status.phase == "Running"
    # the main resource ignores status changes
    written.status.phase = "Failed"
    replaced = core.replace_namespaced_pod("web", "default", written)
    assert replaced.status.phase == "Running"


def test_namespaces_and_system_namespaces(core: Core) -> None:
    names = [ns.metadata.name for ns in core.list_namespace().items]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    core.create_namespace({"metadata": {"name": "team"}})
    core.create_namespaced_secret("team", {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    assert [s.metadata.name for s in core.list_namespaced_secret("team").items] == ["s"]


def test_watch_replays_and_streams(core: Core, api_server: RunningServer) -> None:
    first = core.create_namespaced_pod("default", _pod("a"))
    core.create_namespaced_pod("default", _pod("b"))
    core.delete_namespaced_pod("b", "default")
    response = core.list_namespaced_pod(
        "default",
        watch=True,
        resource_version=first.metadata.resource_version,
        timeout_seconds=WATCH_DEADLINE,
        _preload_content=False,
    )
    events = _read_events(response, 2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"),
        ("DELETED", "b"),
    ]


def test_watch_from_zero_starts_with_synthetic_added(core: Core) -> None:
    core.create_namespaced_pod("default", _pod("a"))
    response = core.list_namespaced_pod(
        "default",
        watch=True,
        resource_version="0",
        timeout_seconds=WATCH_DEADLINE,
        _preload_content=False,
    )
    events = _read_events(response, 1)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a")]


def test_watch_from_future_version_is_an_error_event(core: Core) -> None:
    response = core.list_namespaced_pod(
        "default",
        watch=True,
        resource_version="999",
        timeout_seconds=WATCH_DEADLINE,
        _preload_content=False,
    )
    assert response.status == 200
    (event,) = [json.loads(line) for line in response.read().splitlines()]
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 504
    # four system namespaces were created: versions 1 to 4
    assert event["object"]["message"] == "Too large resource version: 999, current: 4"


async def test_serves_on_a_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "api.sock")
    ready = asyncio.Event()
    app = server_app.build_app(MemoryStore())
    server = asyncio.create_task(
        server_app.serve_api(app, unix_path=path, on_ready=lambda _: ready.set())
    )
    try:
        async with asyncio.timeout(10):
            await ready.wait()
            connector = aiohttp.UnixConnector(path=path)
            async with aiohttp.ClientSession(connector=connector) as session:
                async with session.get("http://localhost/version") as response:
                    version = await response.json()
                async with session.get(
                    "http://localhost/api/v1/namespaces/default/pods/x"
                ) as missing:
                    status = (missing.status, (await missing.json())["message"])
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
    assert (version["major"], version["minor"]) == ("1", "32")
    assert status == (404, 'pods "x" not found')
