"""The pure parts of watching: which event a watcher sees for a change, and the history bounds."""

from __future__ import annotations

import pytest

from tinykube.api.meta import ObjectMeta
from tinykube.api.pod import Pod
from tinykube.store import contract, selectors, watch

ADDED, MODIFIED, DELETED = (
    contract.EventType.ADDED,
    contract.EventType.MODIFIED,
    contract.EventType.DELETED,
)
WEB = selectors.Attributes(labels={"app": "web"}, fields={})
DB = selectors.Attributes(labels={"app": "db"}, fields={})


def change(
    change_type: contract.EventType,
    *,
    now: selectors.Attributes = WEB,
    before: selectors.Attributes | None = None,
    namespace: str = "default",
    revision: int = 1,
    kind: str = "Pod",
    at: float = 0.0,
) -> watch.Change:
    return watch.Change(
        resource_version=revision,
        kind=kind,
        namespace=namespace,
        name="web",
        type=change_type,
        object=Pod(metadata=ObjectMeta(name="web", namespace=namespace)),
        attributes=now,
        previous=before,
        at=at,
    )


@pytest.mark.parametrize(
    ("item", "selector", "namespace", "expected"),
    [
        pytest.param(change(ADDED), "", None, ADDED, id="added"),
        pytest.param(change(ADDED), "app=web", None, ADDED, id="added-selected"),
        pytest.param(change(ADDED, now=DB), "app=web", None, None, id="added-unselected"),
        pytest.param(change(MODIFIED, before=DB), "", None, MODIFIED, id="modified-no-selector"),
        pytest.param(change(MODIFIED, before=WEB), "app=web", None, MODIFIED, id="stays-in"),
        pytest.param(change(MODIFIED, before=DB), "app=web", None, ADDED, id="moves-in"),
        pytest.param(
            change(MODIFIED, now=DB, before=WEB), "app=web", None, DELETED, id="moves-out"
        ),
        pytest.param(change(MODIFIED, now=DB, before=DB), "app=web", None, None, id="stays-out"),
        pytest.param(change(DELETED), "app=web", None, DELETED, id="deleted-selected"),
        pytest.param(change(DELETED, now=DB), "app=web", None, None, id="deleted-unselected"),
        pytest.param(change(ADDED), "", "default", ADDED, id="namespace"),
        pytest.param(change(ADDED, namespace="other"), "", "default", None, id="other-namespace"),
    ],
)
def test_to_event(
    item: watch.Change,
    selector: str,
    namespace: str | None,
    expected: contract.EventType | None,
) -> None:
    parsed = selectors.parse("Pod", label_selector=selector)
    event = watch.to_event(item, namespace=namespace, selector=parsed)
    assert (event.type if event is not None else None) is expected
    if event is not None:
        assert (event.object, event.resource_version) == (item.object, "1")


def test_change_log_keeps_the_newest_changes() -> None:
    log = watch.ChangeLog(limit=3, max_age=100.0)
    for revision in range(1, 6):
        log.append(change(ADDED, revision=revision, kind="Pod" if revision % 2 else "Event"))
    assert (len(log), log.floor) == (3, 2)
    assert (log.covers(1), log.covers(2)) == (False, True)
    assert [c.resource_version for c in log.since("Pod", 2, 10)] == [3, 5]
    assert [c.resource_version for c in log.since("Pod", 2, 1)] == [3]
    assert log.since("Pod", 5, 10) == []


def test_change_log_drops_changes_by_age() -> None:
    log = watch.ChangeLog(limit=100, max_age=10.0)
    log.append(change(ADDED, revision=1, at=0.0))
    log.append(change(ADDED, revision=2, at=5.0))
    log.append(change(ADDED, revision=3, at=12.0))
    assert (len(log), log.floor) == (2, 1)
