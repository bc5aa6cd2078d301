"""Admission never fails with anything but its own errors, whatever the input.

A seeded mutation fuzzer runs 10,000 manifests derived from a realistic pod (values replaced by
other JSON types, keys dropped, unknown keys added, strings garbled, lists emptied or nested);
hypothesis adds arbitrary JSON documents. Every outcome must be an admitted object or an
`AdmissionError`; admitted pods must survive serialize -> parse unchanged.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinykube.api import admission, manifests
from tinykube.api.pod import Pod
from tinykube.api.wire import from_wire, to_wire

BASE = manifests.parse_documents(
    (Path(__file__).parents[3] / "examples" / "init-chain.yaml").read_text(), source="base"
)[0].raw

_SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**40,
    3.5,
    -0.0,
    "",
    "x",
    "Always",
    "../etc",
    "/abs",
    "1Gi",
    "100m",
    "-1",
    "NaN",
    "a" * 300,
    "UPPER",
    "with space",
    "🙂",
    "\x00",
    "$(VAR)",
    [],
    {},
    [1, "a"],
    {"k": "v"},
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _mutate(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    for _ in range(rng.randint(1, 4)):
        paths = _paths(doc)
        path = rng.choice(paths[1:]) if len(paths) > 1 else ()
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1] if path else None
        action = rng.randrange(6)
        if key is None:
            continue
        if action == 0:
            parent[key] = rng.choice(_SCALARS)
        elif action == 1 and isinstance(parent, dict):
            del parent[key]
        elif action == 2 and isinstance(parent, dict):
            parent[rng.choice(["comand", "extra", "Image", "x-y"])] = rng.choice(_SCALARS)
        elif action == 3 and isinstance(parent[key], str):
            text = parent[key]
            parent[key] = "".join(rng.sample(text, len(text))) + rng.choice(["", "-", "..", "A"])
        elif action == 4 and isinstance(parent[key], list):
            parent[key] = [] if rng.random() < 0.5 else parent[key] * 2
        elif action == 5:
            parent[key] = {"nested": parent[key]}
    return doc


def _admit(document: Any) -> admission.Admitted | None:
    try:
        return admission.admit(document)
    except admission.AdmissionError:
        return None


def _round_trip(admitted: admission.Admitted) -> None:
    pod = admitted.obj
    assert isinstance(pod, Pod)
    wire = json.loads(json.dumps(to_wire(pod)))
    assert from_wire(wire, Pod) == pod
    again = admission.admit(wire)
    assert again.obj == pod


def test_base_pod_is_admitted() -> None:
    admitted = admission.admit(copy.deepcopy(BASE))
    _round_trip(admitted)


def test_ten_thousand_mutated_manifests_raise_only_admission_errors() -> None:
    rng = random.Random(20261127)
    outcomes = {"admitted": 0, "rejected": 0}
    for _ in range(10_000):
        admitted = _admit(_mutate(BASE, rng))
        if admitted is None:
            outcomes["rejected"] += 1
        else:
            outcomes["admitted"] += 1
            if isinstance(admitted.obj, Pod) and rng.random() < 0.05:
                _round_trip(admitted)
    # Both outcomes occur: the fuzzer exercises acceptance and every kind of rejection.
    assert outcomes["admitted"] > 100
    assert outcomes["rejected"] > 1000


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_arbitrary_json_is_rejected_cleanly(document: Any) -> None:
    _admit(document)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BASE["spec"])), _json, max_size=3))
def test_arbitrary_spec_fields_are_rejected_cleanly(fields: dict[str, Any]) -> None:
    document = copy.deepcopy(BASE)
    document["spec"].update(fields)
    admitted = _admit(document)
    if admitted is not None:
        _round_trip(admitted)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: &a [" + ",".join(["*a"] * 0) + "]\n", id="tiny"),
        pytest.param("\x00\x01binary", id="binary"),
        pytest.param("[" * 5000 + "]" * 5000, id="deep-flow"),
        pytest.param(
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            id="billion-laughs",
        ),
        pytest.param("kind: Pod\napiVersion: v1\nmetadata: {name: [1]}\n", id="wrong-type"),
    ],
)
def test_hostile_texts_give_clear_errors(text: str) -> None:
    try:
        objects = manifests.parse_documents(
            manifests.decode_text(text.encode(), source="t"), source="t"
        )
    except manifests.ManifestError as exc:
        assert str(exc).startswith("error parsing t")
        return
    for raw in objects:
        _admit(raw.raw)
