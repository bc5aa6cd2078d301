"""The store contract suite: the same behaviours, checked against every ObjectStore.

Runs unchanged against MemoryStore (the reference) and SqliteStore(tmp_path), as kopf runs its
storage tests over ALL_STORAGES. Expectations are the apiserver's: its error messages, its
resourceVersion and watch semantics (initial ADDED events for resourceVersion "0", resume after
a resourceVersion, 410 Expired, selection transitions), its list pages.

Watches are never awaited for an event that should not come: a test that expects nothing more
makes a marker write (or asks for a bookmark) and expects that next.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tinykube.api.meta import ObjectMeta, ObjectReference
from tinykube.api.objects import ConfigMap, Event, EventSource, Namespace, NamespaceStatus, Secret
from tinykube.api.pod import Container, Pod, PodSpec
from tinykube.api.status import PodIP, PodStatus
from tinykube.store import contract
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore
from tinykube.store.watch import Stream

T0 = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)
EventType = contract.EventType


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


class Uids:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"uid-{self.count}"


STORES = ["memory", "sqlite"]


def _both_are_object_stores(memory: MemoryStore, sqlite: SqliteStore) -> list[contract.ObjectStore]:
    """Never called: mypy checks here that both classes satisfy the Protocol."""
    return [memory, sqlite]


def make_store(kind: str, path: Path, clock: FakeClock, **options: Any) -> Any:
    if kind == "memory":
        return MemoryStore(clock=clock, new_uid=Uids(), **options)
    return SqliteStore(path, clock=clock, new_uid=Uids(), **options)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(store_kind: str, tmp_path: Path, clock: FakeClock) -> Iterator[Any]:
    opened = make_store(store_kind, tmp_path / "data", clock)
    yield opened
    opened.close()


def pod(
    name: str,
    namespace: str = "default",
    *,
    labels: dict[str, str] | None = None,
    node: str = "",
    phase: str = "",
    image: str = "busybox",
) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or {}),
        spec=PodSpec(containers=(Container(name="main", image=image),), node_name=node),
        status=PodStatus(phase=phase),
    )


def event(name: str, *, involved: str = "web", uid: str = "u1", reason: str = "Started") -> Event:
    return Event(
        metadata=ObjectMeta(name=name, namespace="default"),
        involved_object=ObjectReference(
            kind="Pod", namespace="default", name=involved, uid=uid, api_version="v1"
        ),
        reason=reason,
        message="Started container main",
        source=EventSource(component="kubelet", host="node1"),
        type="Warning" if reason == "BackOff" else "Normal",
        count=1,
    )


def names(items: tuple[Any, ...] | list[Any]) -> list[str]:
    return [item.metadata.name for item in items]


async def next_event(watch: Stream) -> contract.WatchEvent:
    async with asyncio.timeout(5):
        return await anext(watch)


async def events_until_marker(watch: Stream, marker: str) -> list[tuple[str, str]]:
    """(type, name) of the events before the one about `marker`."""
    seen: list[tuple[str, str]] = []
    while True:
        item = await next_event(watch)
        assert item.object is not None
        name = item.object.metadata.name  # type: ignore[attr-defined]
        if name == marker:
            return seen
        seen.append((str(item.type), name))


# --- create / get ----------------------------------------------------------------------------


def test_create_stamps_system_fields(store: Any, clock: FakeClock) -> None:
    clock.now = T0.replace(microsecond=654321)
    created = store.create(pod("web"))
    meta = created.metadata
    assert (created.kind, created.api_version) == ("Pod", "v1")
    assert meta.uid == "uid-1"
    assert meta.creation_timestamp == T0  # stored at the wire's precision: seconds
    assert meta.resource_version == "1"
    assert meta.generation == 1
    assert store.get("Pod", "default", "web") == created


def test_create_keeps_a_given_uid_and_clears_deletion_fields(store: Any) -> None:
    given = pod("web")
    given = msgspec.structs.replace(
        given,
        metadata=msgspec.structs.replace(
            given.metadata, uid="mine", deletion_timestamp=T0, deletion_grace_period_seconds=30
        ),
    )
    created = store.create(given)
    assert created.metadata.uid == "mine"
    assert created.metadata.deletion_timestamp is None
    assert created.metadata.deletion_grace_period_seconds is None


def test_create_gives_only_pods_a_generation(store: Any) -> None:
    config_map = store.create(ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default")))
    assert config_map.metadata.generation == 0


def test_create_drops_the_namespace_of_cluster_scoped_objects(store: Any) -> None:
    created = store.create(Namespace(metadata=ObjectMeta(name="team", namespace="default")))
    assert created.metadata.namespace == ""
    assert store.get("Namespace", "", "team") == created


def test_create_twice_is_already_exists(store: Any) -> None:
    store.create(pod("web"))
    with pytest.raises(contract.AlreadyExists) as raised:
        store.create(pod("web"))
    assert str(raised.value) == 'pods "web" already exists'
    assert (raised.value.code, raised.value.reason, raised.value.resource) == (
        409,
        "AlreadyExists",
        "pods",
    )
    assert store.current_resource_version() == "1"


def test_same_name_in_another_namespace_or_kind_is_another_object(store: Any) -> None:
    store.create(pod("web"))
    store.create(pod("web", "other"))
    store.create(ConfigMap(metadata=ObjectMeta(name="web", namespace="default")))
    assert store.current_resource_version() == "3"


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "message"),
    [
        pytest.param("Pod", "default", "nope", 'pods "nope" not found', id="pod"),
        pytest.param("ConfigMap", "default", "cfg", 'configmaps "cfg" not found', id="configmap"),
        pytest.param("Secret", "default", "s", 'secrets "s" not found', id="secret"),
        pytest.param("Event", "default", "e", 'events "e" not found', id="event"),
        pytest.param("Namespace", "", "team", 'namespaces "team" not found', id="namespace"),
        pytest.param("Pod", "other", "web", 'pods "web" not found', id="other-namespace"),
    ],
)
def test_get_missing_is_not_found(
    store: Any, kind: str, namespace: str, name: str, message: str
) -> None:
    store.create(pod("web"))
    with pytest.raises(contract.NotFound) as raised:
        store.get(kind, namespace, name)
    assert str(raised.value) == message
    assert (raised.value.code, raised.value.reason) == (404, "NotFound")


def test_resource_version_grows_by_one_per_write_across_kinds(store: Any) -> None:
    versions = [
        store.create(pod("a")).metadata.resource_version,
        store.create(
            Secret(metadata=ObjectMeta(name="s", namespace="default"))
        ).metadata.resource_version,
        store.update_status(
            "Pod", "default", "a", PodStatus(phase="Running")
        ).metadata.resource_version,
        store.delete("Secret", "default", "s").metadata.resource_version,
        store.create(event("e1")).metadata.resource_version,
    ]
    assert versions == ["1", "2", "3", "4", "5"]
    assert store.current_resource_version() == "5"


# --- update ----------------------------------------------------------------------------------


def _relabel(obj: Pod, **labels: str) -> Pod:
    return msgspec.structs.replace(
        obj, metadata=msgspec.structs.replace(obj.metadata, labels=labels)
    )


def test_update_with_the_current_resource_version(store: Any) -> None:
    created = store.create(pod("web"))
    updated = store.update(_relabel(created, app="web"))
    assert updated.metadata.labels == {"app": "web"}
    assert updated.metadata.resource_version == "2"
    assert store.get("Pod", "default", "web") == updated


def test_update_with_a_stale_resource_version_is_a_conflict(store: Any) -> None:
    created = store.create(pod("web"))
    store.update(_relabel(created, app="one"))
    with pytest.raises(contract.Conflict) as raised:
        store.update(_relabel(created, app="two"))
    assert str(raised.value) == (
        'Operation cannot be fulfilled on pods "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert (raised.value.code, raised.value.reason) == (409, "Conflict")
    assert store.get("Pod", "default", "web").metadata.labels == {"app": "one"}


@pytest.mark.parametrize(
    ("expected", "conflicts"),
    [
        pytest.param("1", True, id="explicit-stale"),
        pytest.param("2", False, id="explicit-current"),
        pytest.param("", False, id="empty-means-unconditional"),
    ],
)
def test_update_expected_resource_version_overrides_the_object(
    store: Any, expected: str, conflicts: bool
) -> None:
    created = store.create(pod("web"))
    store.update(_relabel(created, app="one"))
    stale = _relabel(created, app="two")
    if conflicts:
        with pytest.raises(contract.Conflict):
            store.update(stale, expected_resource_version=expected)
    else:
        assert store.update(stale, expected_resource_version=expected).metadata.labels == {
            "app": "two"
        }


def test_update_without_resource_version_is_unconditional(store: Any) -> None:
    store.create(pod("web"))
    updated = store.update(pod("web", labels={"app": "web"}))
    assert updated.metadata.labels == {"app": "web"}


def test_update_keeps_uid_creation_time_and_bumps_generation_on_spec_change(
    store: Any, clock: FakeClock
) -> None:
    created = store.create(pod("web"))
    clock.advance(60)
    relabeled = store.update(_relabel(created, app="web"))
    assert relabeled.metadata.generation == 1  # metadata only: no new generation
    respecced = store.update(
        msgspec.structs.replace(
            relabeled, spec=pod("web", image="busybox:2").spec, metadata=relabeled.metadata
        )
    )
    assert respecced.metadata.generation == 2
    assert respecced.metadata.uid == created.metadata.uid
    assert respecced.metadata.creation_timestamp == T0


def test_update_with_another_uid_is_a_conflict(store: Any) -> None:
    created = store.create(pod("web"))
    other = msgspec.structs.replace(
        created, metadata=msgspec.structs.replace(created.metadata, uid="other")
    )
    with pytest.raises(contract.Conflict) as raised:
        store.update(other)
    assert str(raised.value) == (
        'Operation cannot be fulfilled on pods "web": Precondition failed: '
        "UID in precondition: other, UID in object meta: uid-1"
    )


def test_update_that_changes_nothing_writes_nothing(store: Any) -> None:
    created = store.create(pod("web"))
    assert store.update(created) == created
    assert store.current_resource_version() == "1"


def test_update_of_a_missing_object_is_not_found(store: Any) -> None:
    with pytest.raises(contract.NotFound) as raised:
        store.update(pod("web"))
    assert str(raised.value) == 'pods "web" not found'


# --- update_status ---------------------------------------------------------------------------


def test_update_status_writes_only_status(store: Any) -> None:
    created = store.create(pod("web", labels={"app": "web"}))
    written = store.update_status("Pod", "default", "web", PodStatus(phase="Running"))
    assert written.status.phase == "Running"
    assert written.metadata.resource_version == "2"
    assert (written.spec, written.metadata.labels) == (created.spec, created.metadata.labels)
    assert store.get("Pod", "default", "web") == written


def test_update_status_is_change_only(store: Any, clock: FakeClock) -> None:
    store.create(pod("web"))
    started = T0.replace(microsecond=500_000)
    status = PodStatus(phase="Running", start_time=started)
    assert store.update_status("Pod", "default", "web", status) is not None
    # equal once stored (the wire keeps seconds), so nothing is written
    assert store.update_status("Pod", "default", "web", status) is None
    assert (
        store.update_status("Pod", "default", "web", PodStatus(phase="Running", start_time=T0))
        is None
    )
    assert store.current_resource_version() == "2"


def test_update_status_of_a_missing_pod_is_not_found(store: Any) -> None:
    with pytest.raises(contract.NotFound):
        store.update_status("Pod", "default", "web", PodStatus(phase="Running"))


def test_namespaces_have_a_status_too(store: Any) -> None:
    store.create(Namespace(metadata=ObjectMeta(name="team")))
    written = store.update_status("Namespace", "", "team", NamespaceStatus(phase="Active"))
    assert written.status.phase == "Active"


# --- delete ----------------------------------------------------------------------------------


def test_delete_returns_the_last_state_at_the_deletion_version(store: Any) -> None:
    created = store.create(pod("web"))
    deleted = store.delete("Pod", "default", "web")
    assert deleted.metadata.resource_version == "2"
    assert deleted.metadata.uid == created.metadata.uid
    with pytest.raises(contract.NotFound):
        store.get("Pod", "default", "web")
    with pytest.raises(contract.NotFound) as raised:
        store.delete("Pod", "default", "web")
    assert str(raised.value) == 'pods "web" not found'


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"expected_uid": "other"},
            'Operation cannot be fulfilled on pods "web": Precondition failed: '
            "UID in precondition: other, UID in object meta: uid-1",
            id="uid",
        ),
        pytest.param(
            {"expected_resource_version": "7"},
            'Operation cannot be fulfilled on pods "web": the object has been modified; '
            "please apply your changes to the latest version and try again",
            id="resource-version",
        ),
    ],
)
def test_delete_preconditions(store: Any, options: dict[str, str], message: str) -> None:
    store.create(pod("web"))
    with pytest.raises(contract.Conflict) as raised:
        store.delete("Pod", "default", "web", **options)
    assert str(raised.value) == message
    assert store.get("Pod", "default", "web").metadata.name == "web"
    assert store.delete(
        "Pod", "default", "web", expected_uid="uid-1", expected_resource_version="1"
    )


def test_delete_events_older_than(store: Any, clock: FakeClock) -> None:
    store.create(event("old"))
    clock.advance(3600)
    store.create(event("new"))
    assert store.delete_events_older_than(T0 + datetime.timedelta(seconds=1800)) == 1
    assert names(store.list("Event").items) == ["new"]
    assert store.current_resource_version() == "3"


def test_a_rewritten_event_lives_on(store: Any, clock: FakeClock) -> None:
    created = store.create(event("e"))
    clock.advance(3600)
    store.update(msgspec.structs.replace(created, count=2))
    assert store.delete_events_older_than(T0 + datetime.timedelta(seconds=1800)) == 0


# --- list ------------------------------------------------------------------------------------


def test_list_is_in_key_order_with_the_current_resource_version(store: Any) -> None:
    for namespace, name in [("b", "x"), ("a", "z"), ("a", "y"), ("c", "a")]:
        store.create(pod(name, namespace))
    listed = store.list("Pod")
    assert [(item.metadata.namespace, item.metadata.name) for item in listed.items] == [
        ("a", "y"),
        ("a", "z"),
        ("b", "x"),
        ("c", "a"),
    ]
    assert (listed.resource_version, listed.continue_token, listed.remaining) == ("4", "", None)
    assert names(store.list("Pod", "a").items) == ["y", "z"]
    assert store.list("Pod", "none").items == ()
    assert store.list("ConfigMap").items == ()


POD_SET = [
    pod("web-1", labels={"app": "web", "tier": "front"}, node="node1", phase="Running"),
    pod("web-2", labels={"app": "web"}, node="node2", phase="Pending"),
    pod("db", labels={"app": "db", "tier": "back"}, node="node1", phase="Running"),
    pod("bare", node="", phase="Succeeded"),
]


@pytest.mark.parametrize(
    ("label_selector", "field_selector", "expected"),
    [
        pytest.param("", "", ["bare", "db", "web-1", "web-2"], id="everything"),
        pytest.param("app=web", "", ["web-1", "web-2"], id="equals"),
        pytest.param("app==web", "", ["web-1", "web-2"], id="double-equals"),
        pytest.param("app!=web", "", ["bare", "db"], id="not-equals-includes-unlabelled"),
        pytest.param("app in (db,web)", "", ["db", "web-1", "web-2"], id="in"),
        pytest.param("app notin (web)", "", ["bare", "db"], id="notin"),
        pytest.param("tier", "", ["db", "web-1"], id="exists"),
        pytest.param("!tier", "", ["bare", "web-2"], id="does-not-exist"),
        pytest.param("app=web,tier", "", ["web-1"], id="and"),
        pytest.param("", "status.phase=Running", ["db", "web-1"], id="phase"),
        pytest.param("", "status.phase!=Running", ["bare", "web-2"], id="phase-not"),
        pytest.param("", "spec.nodeName=node1", ["db", "web-1"], id="node"),
        pytest.param("", "spec.nodeName=", ["bare"], id="unscheduled"),
        pytest.param("", "spec.host=node2", ["web-2"], id="old-spec-host"),
        pytest.param("", "metadata.name=db", ["db"], id="name"),
        pytest.param("", "metadata.namespace=default,metadata.name=db", ["db"], id="name-ns"),
        pytest.param("app=web", "status.phase=Running", ["web-1"], id="both"),
        pytest.param("app=none", "", [], id="none"),
    ],
)
def test_list_pods_with_selectors(
    store: Any, label_selector: str, field_selector: str, expected: list[str]
) -> None:
    for item in POD_SET:
        store.create(item)
    listed = store.list(
        "Pod", "default", label_selector=label_selector, field_selector=field_selector
    )
    assert names(listed.items) == expected


def test_list_pods_by_ip(store: Any) -> None:
    store.create(pod("web"))
    store.create(pod("db"))
    store.update_status(
        "Pod", "default", "web", PodStatus(phase="Running", pod_ips=(PodIP(ip="10.0.0.7"),))
    )
    assert names(store.list("Pod", field_selector="status.podIP=10.0.0.7").items) == ["web"]


@pytest.mark.parametrize(
    ("field_selector", "expected"),
    [
        pytest.param("involvedObject.name=web", ["e1", "e3"], id="involved-name"),
        pytest.param(
            "involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=u1",
            ["e1"],
            id="describe",
        ),
        pytest.param("involvedObject.kind=Pod", ["e1", "e2", "e3"], id="involved-kind"),
        pytest.param("reason=BackOff", ["e2"], id="reason"),
        pytest.param("type=Warning", ["e2"], id="type"),
        pytest.param("source=kubelet", ["e1", "e2", "e3"], id="source"),
    ],
)
def test_list_events_with_field_selectors(
    store: Any, field_selector: str, expected: list[str]
) -> None:
    store.create(event("e1"))
    store.create(event("e2", involved="db", uid="u2", reason="BackOff"))
    store.create(event("e3", uid="u3"))
    assert names(store.list("Event", field_selector=field_selector).items) == expected


def test_list_secrets_by_type(store: Any) -> None:
    store.create(Secret(metadata=ObjectMeta(name="a", namespace="default"), type="Opaque"))
    store.create(
        Secret(metadata=ObjectMeta(name="b", namespace="default"), type="kubernetes.io/tls")
    )
    assert names(store.list("Secret", field_selector="type=kubernetes.io/tls").items) == ["b"]


@pytest.mark.parametrize(
    ("kind", "label_selector", "field_selector", "message"),
    [
        pytest.param(
            "Pod",
            "",
            "spec.containers=x",
            "field label not supported: spec.containers",
            id="pod-field",
        ),
        pytest.param(
            "Event", "", "message=whatever", "field label not supported: message", id="event-field"
        ),
        pytest.param(
            "ConfigMap",
            "",
            "data=x",
            '"data" is not a known field selector: only "metadata.name", "metadata.namespace"',
            id="default-conversion",
        ),
        pytest.param(
            "Pod",
            "",
            "status.phase",
            "invalid selector: 'status.phase'; can't understand 'status.phase'",
            id="field-without-operator",
        ),
        pytest.param(
            "Pod",
            "app:monolith",
            "",
            'unable to parse requirement: <nil>: Invalid value: "app:monolith": name part must '
            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
            "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            id="label-key",
        ),
    ],
)
def test_list_with_a_bad_selector_is_a_bad_request(
    store: Any, kind: str, label_selector: str, field_selector: str, message: str
) -> None:
    with pytest.raises(contract.BadRequest) as raised:
        store.list(kind, label_selector=label_selector, field_selector=field_selector)
    assert str(raised.value) == message
    assert (raised.value.code, raised.value.reason) == (400, "BadRequest")


def test_list_pages_follow_continue_tokens(store: Any) -> None:
    for index in range(7):
        store.create(pod(f"p{index}", "ns" + str(index % 2)))
    first = store.list("Pod", limit=3)
    assert [(p.metadata.namespace, p.metadata.name) for p in first.items] == [
        ("ns0", "p0"),
        ("ns0", "p2"),
        ("ns0", "p4"),
    ]
    assert (first.resource_version, first.remaining) == ("7", 4)
    assert first.continue_token
    store.create(pod("p9", "ns1"))  # written between pages: shows up (no snapshot)
    second = store.list("Pod", limit=3, continue_token=first.continue_token)
    assert names(second.items) == ["p6", "p1", "p3"]
    assert (second.resource_version, second.remaining) == ("7", 2)
    third = store.list("Pod", limit=3, continue_token=second.continue_token)
    assert names(third.items) == ["p5", "p9"]
    assert (third.continue_token, third.remaining) == ("", None)


def test_list_pages_in_one_namespace(store: Any) -> None:
    for index in range(5):
        store.create(pod(f"p{index}", "ns"))
    store.create(pod("other", "elsewhere"))
    first = store.list("Pod", "ns", limit=2)
    second = store.list("Pod", "ns", limit=2, continue_token=first.continue_token)
    third = store.list("Pod", "ns", limit=2, continue_token=second.continue_token)
    assert [names(page.items) for page in (first, second, third)] == [
        ["p0", "p1"],
        ["p2", "p3"],
        ["p4"],
    ]


def test_list_pages_with_a_selector_report_no_remaining_count(store: Any) -> None:
    for index in range(6):
        store.create(pod(f"p{index}", labels={"even": str(index % 2 == 0).lower()}))
    first = store.list("Pod", label_selector="even=true", limit=2)
    assert names(first.items) == ["p0", "p2"]
    assert first.remaining is None
    assert first.continue_token
    rest = store.list(
        "Pod", label_selector="even=true", limit=2, continue_token=first.continue_token
    )
    assert names(rest.items) == ["p4"]
    assert rest.continue_token == ""


def test_list_with_an_exact_last_page_has_no_token(store: Any) -> None:
    for index in range(4):
        store.create(pod(f"p{index}"))
    first = store.list("Pod", limit=2)
    second = store.list("Pod", limit=2, continue_token=first.continue_token)
    assert names(second.items) == ["p2", "p3"]
    assert second.continue_token == ""


def _token(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        pytest.param(
            _token('{"v":"meta.k8s.io/v2","rv":3,"start":"a\\u0000"}'),
            "server does not recognize this encoded version meta.k8s.io/v2",
            id="version",
        ),
        pytest.param(
            _token('{"v":"meta.k8s.io/v1","rv":0,"start":"a\\u0000"}'),
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
            id="rv-zero",
        ),
        pytest.param(
            _token('{"v":"meta.k8s.io/v1","rv":3,"start":""}'),
            "encoded start key empty (version meta.k8s.io/v1)",
            id="no-start",
        ),
    ],
)
def test_list_with_a_bad_continue_token_is_a_bad_request(
    store: Any, token: str, message: str
) -> None:
    with pytest.raises(contract.BadRequest) as raised:
        store.list("Pod", limit=1, continue_token=token)
    assert str(raised.value) == f"invalid continue token: continue key is not valid: {message}"


def test_list_with_a_garbled_continue_token_is_a_bad_request(store: Any) -> None:
    with pytest.raises(contract.BadRequest) as raised:
        store.list("Pod", limit=1, continue_token="not a token")
    assert str(raised.value).startswith("invalid continue token: continue key is not valid: ")


# --- watch -----------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_version", ["", "0"])
async def test_watch_from_zero_starts_with_the_current_state(
    store: Any, resource_version: str
) -> None:
    store.create(pod("b"))
    store.create(pod("a"))
    store.create(pod("c", "other"))
    watch = store.watch("Pod", "default", resource_version=resource_version)
    first, second = await next_event(watch), await next_event(watch)
    assert [(first.type, first.resource_version), (second.type, second.resource_version)] == [
        (EventType.ADDED, "2"),
        (EventType.ADDED, "1"),
    ]
    assert names([first.object, second.object]) == ["a", "b"]
    store.update_status("Pod", "default", "b", PodStatus(phase="Running"))
    modified = await next_event(watch)
    assert (modified.type, modified.resource_version) == (EventType.MODIFIED, "4")
    assert modified.object.status.phase == "Running"  # type: ignore[union-attr]
    watch.close()


async def test_watch_resumes_after_a_resource_version(store: Any) -> None:
    created = store.create(pod("web"))
    store.update(_relabel(created, app="web"))
    store.create(ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default")))
    store.delete("Pod", "default", "web")
    watch = store.watch("Pod", resource_version="1")
    modified, deleted = await next_event(watch), await next_event(watch)
    assert [
        (modified.type, modified.resource_version),
        (deleted.type, deleted.resource_version),
    ] == [
        (EventType.MODIFIED, "2"),
        (EventType.DELETED, "4"),
    ]
    assert deleted.object.metadata.resource_version == "4"  # type: ignore[union-attr]
    store.create(pod("marker"))
    assert (await next_event(watch)).object.metadata.name == "marker"  # type: ignore[union-attr]
    watch.close()


async def test_watch_sees_writes_made_right_after_it_opened(store: Any) -> None:
    watch = store.watch("Pod", resource_version=store.current_resource_version())
    store.create(pod("a"))
    store.create(pod("b"))
    store.delete("Pod", "default", "a")
    seen = [
        (str(item.type), item.resource_version)
        for item in [await next_event(watch) for _ in range(3)]
    ]
    assert seen == [("ADDED", "1"), ("ADDED", "2"), ("DELETED", "3")]
    watch.close()


async def test_a_waiting_watch_is_woken_by_a_write(store: Any) -> None:
    watch = store.watch("Pod")
    waiting = asyncio.ensure_future(next_event(watch))
    await asyncio.sleep(0)
    assert not waiting.done()
    store.create(pod("web"))
    assert (await waiting).type is EventType.ADDED
    watch.close()


async def test_watch_filters_kind_and_namespace(store: Any) -> None:
    watch = store.watch("Pod", "default", resource_version="0")
    store.create(ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default")))
    store.create(pod("elsewhere", "other"))
    store.create(pod("mine"))
    store.create(pod("marker"))
    assert await events_until_marker(watch, "marker") == [("ADDED", "mine")]
    watch.close()


async def test_watch_with_a_selector_sees_objects_enter_and_leave(store: Any) -> None:
    created = store.create(pod("web", labels={"app": "db"}))
    watch = store.watch("Pod", label_selector="app=web", resource_version="0")
    entered = store.update(_relabel(created, app="web"))  # into the selection: ADDED
    changed = store.update(_relabel(entered, app="web", extra="1"))  # inside: MODIFIED
    left = store.update(_relabel(changed, app="db"))  # out of it: DELETED, with the new state
    store.update(_relabel(left, app="db", other="2"))  # outside: nothing
    store.create(pod("marker", labels={"app": "web"}))
    seen = await events_until_marker(watch, "marker")
    assert seen == [("ADDED", "web"), ("MODIFIED", "web"), ("DELETED", "web")]
    watch.close()


async def test_watch_with_a_field_selector_follows_the_phase(store: Any) -> None:
    store.create(pod("web", phase="Pending"))
    watch = store.watch("Pod", field_selector="status.phase=Running", resource_version="0")
    store.update_status("Pod", "default", "web", PodStatus(phase="Running"))
    store.update_status("Pod", "default", "web", PodStatus(phase="Succeeded"))
    store.create(pod("marker", phase="Running"))
    assert await events_until_marker(watch, "marker") == [("ADDED", "web"), ("DELETED", "web")]
    watch.close()


async def test_watch_by_name_as_kubectl_get_w(store: Any) -> None:
    store.create(pod("web"))
    store.create(pod("other"))
    watch = store.watch("Pod", "default", field_selector="metadata.name=web", resource_version="0")
    initial = await next_event(watch)
    assert (initial.type, initial.object.metadata.name) == (EventType.ADDED, "web")  # type: ignore[union-attr]
    store.delete("Pod", "default", "other")
    store.delete("Pod", "default", "web")
    deleted = await next_event(watch)
    assert (deleted.type, deleted.object.metadata.name) == (EventType.DELETED, "web")  # type: ignore[union-attr]
    watch.close()


async def test_watch_events_are_in_resource_version_order(store: Any) -> None:
    watch = store.watch("Pod", resource_version="0")
    for index in range(20):
        store.create(pod(f"p{index:02}", f"ns{index % 3}"))
        store.create(event(f"e{index:02}"))
        if index % 2:
            store.update_status("Pod", f"ns{index % 3}", f"p{index:02}", PodStatus(phase="Running"))
    versions = [int((await next_event(watch)).resource_version) for _ in range(30)]
    assert versions == sorted(versions)
    assert len(set(versions)) == 30
    watch.close()


async def test_watch_many_changes_behind_one_of_interest(store: Any) -> None:
    watch = store.watch("Pod", "default", resource_version="0")
    for index in range(1200):
        store.create(pod(f"p{index:04}", "busy"))
    store.create(pod("web"))
    item = await next_event(watch)
    assert (item.type, item.resource_version) == (EventType.ADDED, "1201")
    watch.close()


async def test_bookmarks_carry_the_current_resource_version(store: Any) -> None:
    store.create(pod("web"))
    watch = store.watch("Pod", "default", resource_version="1", bookmarks=True)
    store.create(ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default")))
    store.create(pod("elsewhere", "other"))
    store.bookmark_nowait()
    bookmark = await next_event(watch)
    assert (bookmark.type, bookmark.resource_version) == (EventType.BOOKMARK, "3")
    assert bookmark.object == Pod(
        kind="Pod", api_version="v1", metadata=ObjectMeta(resource_version="3")
    )
    watch.close()


async def test_bookmarks_come_after_pending_events(store: Any) -> None:
    watch = store.watch("Pod", resource_version="0", bookmarks=True)
    store.create(pod("web"))
    store.bookmark_nowait()
    assert (await next_event(watch)).type is EventType.ADDED
    bookmark = await next_event(watch)
    assert (bookmark.type, bookmark.resource_version) == (EventType.BOOKMARK, "1")
    watch.close()


async def test_no_bookmarks_unless_asked(store: Any) -> None:
    watch = store.watch("Pod", resource_version="0")
    store.bookmark_nowait()
    store.create(pod("marker"))
    assert (await next_event(watch)).type is EventType.ADDED
    watch.close()


async def test_watch_from_a_compacted_resource_version_is_expired(
    store_kind: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = make_store(store_kind, tmp_path, clock, history_limit=3)
    for index in range(8):
        store.create(pod(f"p{index}"))
    with pytest.raises(contract.Expired) as raised:
        store.watch("Pod", resource_version="2")
    assert str(raised.value) == "too old resource version: 2 (5)"
    assert (raised.value.code, raised.value.reason) == (410, "Expired")
    watch = store.watch("Pod", resource_version="5")  # the oldest still served
    assert (await next_event(watch)).resource_version == "6"
    store.close()


async def test_history_expires_with_age(store_kind: str, tmp_path: Path, clock: FakeClock) -> None:
    store = make_store(store_kind, tmp_path, clock, history_seconds=60.0)
    store.create(pod("old"))
    store.create(pod("older"))
    clock.advance(61)
    store.create(pod("new"))
    with pytest.raises(contract.Expired) as raised:
        store.watch("Pod", resource_version="1")
    assert str(raised.value) == "too old resource version: 1 (2)"
    watch = store.watch("Pod", resource_version="2")
    assert (await next_event(watch)).object.metadata.name == "new"  # type: ignore[union-attr]
    store.close()


async def test_a_watcher_left_behind_gets_one_expired_error(
    store_kind: str, tmp_path: Path, clock: FakeClock
) -> None:
    store = make_store(store_kind, tmp_path, clock, history_limit=3)
    watch = store.watch("Pod", resource_version="0")
    for index in range(6):
        store.create(pod(f"p{index}"))
    error = await next_event(watch)
    assert (error.type, error.object) == (EventType.ERROR, None)
    assert isinstance(error.error, contract.Expired)
    assert str(error.error) == "too old resource version: 0 (3)"
    with pytest.raises(StopAsyncIteration):
        await anext(watch)
    store.close()


def test_watch_from_the_future_is_too_large(store: Any) -> None:
    store.create(pod("web"))
    with pytest.raises(contract.TooLargeResourceVersion) as raised:
        store.watch("Pod", resource_version="9")
    assert str(raised.value) == "Too large resource version: 9, current: 1"
    assert (raised.value.code, raised.value.reason) == (504, "Timeout")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"resource_version": "abc"},
            'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": '
            "invalid syntax",
            id="resource-version",
        ),
        pytest.param(
            {"field_selector": "spec.image=x"},
            "field label not supported: spec.image",
            id="field-selector",
        ),
        pytest.param(
            {"label_selector": "a in"},
            "unable to parse requirement: found '' expected: '('",
            id="label-selector",
        ),
    ],
)
def test_watch_with_a_bad_request(store: Any, options: dict[str, str], message: str) -> None:
    with pytest.raises(contract.BadRequest) as raised:
        store.watch("Pod", **options)
    assert str(raised.value) == message


async def test_closing_a_watch_ends_it(store: Any) -> None:
    store.create(pod("web"))
    watch = store.watch("Pod", resource_version="0")
    waiting = store.watch("Pod", resource_version=store.current_resource_version())
    pending = asyncio.ensure_future(anext(waiting))
    await asyncio.sleep(0)
    watch.close()
    waiting.close()
    with pytest.raises(StopAsyncIteration):
        await anext(watch)
    with pytest.raises(StopAsyncIteration):
        await pending


async def test_closing_the_store_ends_every_watch(store: Any) -> None:
    watch = store.watch("Pod", resource_version="0")
    pending = asyncio.ensure_future(anext(watch))
    await asyncio.sleep(0)
    store.close()
    with pytest.raises(StopAsyncIteration):
        await pending


# --- listeners and the agent's pod methods ---------------------------------------------------


def test_listeners_hear_every_change(store: Any) -> None:
    heard: list[tuple[str, str, str]] = []
    store.listeners.append(
        lambda kind, obj: heard.append((kind, obj.metadata.name, obj.metadata.resource_version))
    )
    store.create(pod("web"))
    store.update_status("Pod", "default", "web", PodStatus(phase="Running"))
    store.update_status("Pod", "default", "web", PodStatus(phase="Running"))  # no change
    store.create(event("e1"))
    store.create(ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default")))
    store.delete("Pod", "default", "web")
    assert heard == [
        ("pod", "web", "1"),
        ("pod", "web", "2"),
        ("event", "e1", "3"),
        ("configmap", "cfg", "4"),
        ("pod-deleted", "web", "5"),
    ]


def _scheduled(name: str, uid: str) -> Pod:
    given = pod(name)
    return msgspec.structs.replace(
        given,
        metadata=msgspec.structs.replace(
            given.metadata, uid=uid, creation_timestamp=T0 - datetime.timedelta(hours=1)
        ),
    )


def test_agent_pod_methods_address_pods_by_uid(store: Any) -> None:
    added = store.add_pod(_scheduled("web", "uid-web"))
    assert added.metadata.creation_timestamp == T0 - datetime.timedelta(hours=1)
    assert store.get_pod("uid-web") == added
    assert set(store.pods) == {"uid-web"}
    written = store.write_status("uid-web", PodStatus(phase="Running"))
    assert written is not None
    assert written.status.phase == "Running"
    assert store.write_status("uid-web", PodStatus(phase="Running")) is None
    terminating = msgspec.structs.replace(
        written, metadata=msgspec.structs.replace(written.metadata, deletion_timestamp=T0)
    )
    assert store.update_pod(terminating).metadata.deletion_timestamp == T0
    store.remove_pod("uid-web")
    store.remove_pod("uid-web")  # absent: nothing to do
    assert store.pods == {}
    with pytest.raises(contract.NotFound):
        store.get_pod("uid-web")
    with pytest.raises(KeyError):
        store.get_pod("uid-web")


def test_add_pod_replaces_a_pod_of_the_same_name(store: Any) -> None:
    store.add_pod(_scheduled("web", "first"))
    store.add_pod(_scheduled("web", "second"))
    assert set(store.pods) == {"second"}
    assert store.get("Pod", "default", "web").metadata.uid == "second"


def test_agent_reads_config_maps_secrets_and_events(store: Any) -> None:
    store.add_config_map(
        ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default"), data={"a": "1"})
    )
    store.add_config_map(
        ConfigMap(metadata=ObjectMeta(name="cfg", namespace="default"), data={"a": "2"})
    )
    store.add_config_map(ConfigMap(metadata=ObjectMeta(name="cfg", namespace="other")))
    store.add_secret(Secret(metadata=ObjectMeta(name="s", namespace="default"), data={"k": "dg=="}))
    assert {name: cm.data for name, cm in store.config_maps_in("default").items()} == {
        "cfg": {"a": "2"}
    }
    assert list(store.secrets_in("default")) == ["s"]
    assert store.secrets_in("other") == {}
    store.put_event(event("web.2", uid="u1"))
    store.put_event(event("web.1", uid="u1", reason="Pulled"))
    store.put_event(event("db.1", uid="u2"))
    repeated = msgspec.structs.replace(event("web.2", uid="u1"), count=2)
    store.put_event(repeated)
    assert [(e.metadata.name, e.count) for e in store.events_for("u1")] == [
        ("web.1", 1),
        ("web.2", 2),
    ]
