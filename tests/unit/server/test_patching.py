"""PATCH bodies: JSON merge patch, JSON patch, strategic merge patch over core/v1 merge keys."""

from __future__ import annotations

from typing import Any

import pytest

from tinykube.server import patching

POD: dict[str, Any] = {
    "metadata": {"name": "p", "labels": {"app": "web"}, "finalizers": ["a"]},
    "spec": {
        "containers": [
            {"name": "app", "image": "busybox:1.35", "env": [{"name": "A", "value": "1"}]},
            {"name": "side", "image": "busybox:1.35"},
        ],
        "volumes": [{"name": "v", "emptyDir": {}}],
    },
}


@pytest.mark.parametrize(
    ("patch", "expected_labels", "expected_images"),
    [
        pytest.param(
            {"metadata": {"labels": {"tier": "x"}}},
            {"app": "web", "tier": "x"},
            ["busybox:1.35", "busybox:1.35"],
            id="add-label",
        ),
        pytest.param(
            {"metadata": {"labels": {"app": None}}},
            {},
            ["busybox:1.35", "busybox:1.35"],
            id="null-removes",
        ),
        pytest.param(
            {"spec": {"containers": [{"name": "app", "image": "b:2"}]}},
            {"app": "web"},
            ["b:2"],
            id="lists-replace",
        ),
    ],
)
def test_merge_patch(
    patch: dict[str, Any], expected_labels: dict[str, str], expected_images: list[str]
) -> None:
    result = patching.merge_patch(POD, patch)
    assert result["metadata"]["labels"] == expected_labels
    assert [c["image"] for c in result["spec"]["containers"]] == expected_images
    assert POD["metadata"]["labels"] == {"app": "web"}  # the input is untouched


def test_strategic_merge_patch_merges_containers_by_name() -> None:
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
            "containers": [{"name": "app", "image": "b:2", "env": [{"name": "B", "value": "2"}]}],
        }
    }
    result = patching.strategic_merge_patch(POD, patch)
    app, side = result["spec"]["containers"]
    assert (app["name"], app["image"], side["image"]) == ("app", "b:2", "busybox:1.35")
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


@pytest.mark.parametrize(
    ("patch", "names"),
    [
        pytest.param(
            {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}},
            ["app"],
            id="delete-element",
        ),
        pytest.param(
            {"spec": {"containers": [{"name": "new", "image": "x"}]}},
            ["app", "side", "new"],
            id="append-element",
        ),
        pytest.param(
            {
                "spec": {
                    "$setElementOrder/containers": [{"name": "side"}, {"name": "app"}],
                    "containers": [],
                }
            },
            ["side", "app"],
            id="set-element-order",
        ),
    ],
)
def test_strategic_merge_patch_directives(patch: dict[str, Any], names: list[str]) -> None:
    result = patching.strategic_merge_patch(POD, patch)
    assert [c["name"] for c in result["spec"]["containers"]] == names


def test_strategic_merge_patch_merges_finalizers_as_a_set() -> None:
    result = patching.strategic_merge_patch(POD, {"metadata": {"finalizers": ["a", "b"]}})
    assert result["metadata"]["finalizers"] == ["a", "b"]


def test_strategic_merge_patch_needs_the_merge_key() -> None:
    with pytest.raises(patching.PatchError, match="does not contain declared merge key: name"):
        patching.strategic_merge_patch(POD, {"spec": {"containers": [{"image": "x"}]}})


def test_json_patch_operations() -> None:
    result = patching.json_patch(
        POD,
        [
            {"op": "replace", "path": "/spec/containers/0/image", "value": "b:3"},
            {"op": "add", "path": "/metadata/labels/tier", "value": "x"},
            {"op": "remove", "path": "/spec/volumes/0"},
            {"op": "copy", "from": "/metadata/name", "path": "/metadata/generateName"},
            {"op": "test", "path": "/metadata/labels/app", "value": "web"},
        ],
    )
    assert result["spec"]["containers"][0]["image"] == "b:3"
    assert result["metadata"]["labels"] == {"app": "web", "tier": "x"}
    assert result["spec"]["volumes"] == []
    assert result["metadata"]["generateName"] == "p"


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        pytest.param([{"op": "remove", "path": "/spec/nope"}], "nonexistent", id="missing"),
        pytest.param(
            [{"op": "test", "path": "/metadata/name", "value": "q"}], "failed", id="test-fails"
        ),
        pytest.param({"op": "add"}, "list of operations", id="not-a-list"),
    ],
)
def test_json_patch_errors(operations: Any, message: str) -> None:
    with pytest.raises(patching.PatchError, match=message):
        patching.json_patch(POD, operations)
